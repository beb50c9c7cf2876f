/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listener of the /metrics endpoint on loopback, with a server of its
 * own here that lets go of a connection at its end of stream (as libsoup
 * does) and answers a line: the cap, the deadline, the oldest connection
 * making room, an answer that lingers until the client closes; what an
 * accept(2) failure means. */
#include "bc-listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a server that lets go at the end of the stream ---------------------- */

typedef struct {
  GSocketConnection *conn;
  BcListenerClient *client;
  GSource *source;
} Served;

static GPtrArray *served; /* of Served */

static void
served_free (Served *s)
{
  if (s->source)
    g_source_destroy (s->source);
  g_clear_pointer (&s->source, g_source_unref);
  g_object_unref (s->conn);
  bc_listener_client_unref (s->client);
  g_free (s);
}

/* A line: "ok\n" back and done (it lingers); the end: done. */
static gboolean
on_readable (GSocket *sock, GIOCondition cond, gpointer data)
{
  Served *s = data;
  char buf[256];
  gssize n = g_socket_receive (sock, buf, sizeof buf, NULL, NULL);

  if (n > 0 && memchr (buf, '\n', (gsize) n) == NULL)
    return G_SOURCE_CONTINUE;
  if (n > 0)
    g_assert_cmpint (g_socket_send (sock, "ok\n", 3, NULL, NULL), ==, 3);
  g_clear_pointer (&s->source, g_source_unref);
  bc_listener_client_done (s->client);
  return G_SOURCE_REMOVE;
}

static void
serve (GSocketConnection *conn, BcListenerClient *client, gpointer data)
{
  Served *s = g_new0 (Served, 1);
  GSocket *sock = g_socket_connection_get_socket (conn);

  s->conn = g_object_ref (conn);
  s->client = bc_listener_client_ref (client);
  s->source = g_socket_create_source (sock, G_IO_IN, NULL);
  g_source_set_callback (s->source, G_SOURCE_FUNC (on_readable), s, NULL);
  g_source_attach (s->source, NULL);
  g_ptr_array_add (served, s);
}

/* ---- the client side -------------------------------------------------- */

static int
client_connect (BcListener *l)
{
  GInetSocketAddress *a = bc_listener_get_address (l);
  struct sockaddr_in sin = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_true (g_socket_address_to_native (G_SOCKET_ADDRESS (a), &sin, sizeof sin, NULL));
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  return fd;
}

/* 1: the server closed its side (end of stream), 0: not yet, -1: reset. */
static int
client_ended (int fd)
{
  char buf[4096];
  gssize n;

  while ((n = recv (fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
    ;
  if (n == 0)
    return 1;
  return errno == EAGAIN ? 0 : -1;
}

typedef gboolean (*Cond) (gpointer data);

/* Runs the main context until cond holds (at most ms). */
static gboolean
run_until (Cond cond, gpointer data, guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (!cond (data) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return cond (data);
}

static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

typedef struct {
  BcListener *l;
  guint n;
  int fd;
} Want;

static gboolean
holds (gpointer data)
{
  Want *w = data;

  return bc_listener_n_clients (w->l) == w->n;
}

static gboolean
ended (gpointer data)
{
  Want *w = data;

  return client_ended (w->fd) != 0;
}

static BcListener *
listener_new (const BcListenerLimits *limits)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GError) error = NULL;
  BcListener *l = bc_listener_new (addr, limits, serve, NULL, &error);

  g_assert_no_error (error);
  served = g_ptr_array_new_with_free_func ((GDestroyNotify) served_free);
  return l;
}

static void
listener_free (BcListener *l)
{
  bc_listener_free (l);
  g_clear_pointer (&served, g_ptr_array_unref);
}

/* ---- tests -------------------------------------------------------------- */

/* Two places: the third connection waits, and is taken when the first two
 * reach their deadline and are shut down.  The deadline (1 s) leaves a
 * loaded machine (the ASan build beside other work) time to check that
 * nothing ended before it; the second client, accepted a moment after the
 * first, is waited for, not expected in the same instant. */
static void
test_cap_deadline (void)
{
  BcListenerLimits limits = { "t", 2, 1000, 60000, 100, 2000 };
  BcListener *l = listener_new (&limits);
  int fd[3];
  Want w = { l, 2, -1 };

  for (guint i = 0; i < 3; i++)
    fd[i] = client_connect (l);
  g_assert_true (run_until (holds, &w, 2000));
  run_for (100);
  g_assert_cmpuint (bc_listener_n_clients (l), ==, 2);
  g_assert_cmpint (client_ended (fd[0]), ==, 0);
  w.fd = fd[0];
  g_assert_true (run_until (ended, &w, 3000));
  w.fd = fd[1];
  g_assert_true (run_until (ended, &w, 3000));
  g_assert_cmpint (client_ended (fd[1]), ==, 1);
  w.n = 1;
  g_assert_true (run_until (holds, &w, 2000));
  g_assert_cmpint (client_ended (fd[2]), ==, 0);
  w.fd = fd[2];
  g_assert_true (run_until (ended, &w, 3000));
  for (guint i = 0; i < 3; i++)
    close (fd[i]);
  listener_free (l);
}

/* At the cap, a waiting connection takes the place of the oldest once that
 * one is evict_age_ms old; the younger one stays. */
static void
test_evict (void)
{
  BcListenerLimits limits = { "t", 2, 60000, 200, 100, 2000 };
  BcListener *l = listener_new (&limits);
  Want w = { l, 2, -1 };
  int a, b, c;

  a = client_connect (l);
  run_for (50);
  b = client_connect (l);
  g_assert_true (run_until (holds, &w, 2000));
  c = client_connect (l);
  run_for (50);
  g_assert_cmpint (client_ended (a), ==, 0);
  w.fd = a;
  g_assert_true (run_until (ended, &w, 2000));
  g_assert_true (run_until (holds, &w, 2000));
  run_for (50);
  g_assert_cmpint (client_ended (b), ==, 0);
  g_assert_cmpint (client_ended (c), ==, 0);
  close (a);
  close (b);
  close (c);
  listener_free (l);
}

/* An answer written and the connection done while the client still sends
 * what nobody reads: the client gets the answer and the end of stream, not
 * a reset; its place is free once it closes. */
static void
test_linger (void)
{
  BcListenerLimits limits = { "t", 4, 60000, 60000, 100, 2000 };
  BcListener *l = listener_new (&limits);
  g_autofree char *junk = g_malloc0 (65536);
  Want w = { l, 1, -1 };
  char buf[16] = "";
  int fd = client_connect (l);

  g_assert_true (run_until (holds, &w, 2000));
  g_assert_cmpint (send (fd, "hi\n", 3, 0), ==, 3);
  run_for (100);
  g_assert_cmpint (send (fd, junk, 65536, MSG_DONTWAIT), >, 0);
  run_for (100);
  g_assert_cmpuint (bc_listener_n_clients (l), ==, 1);
  g_assert_cmpint (recv (fd, buf, sizeof buf, MSG_DONTWAIT), ==, 3);
  g_assert_cmpstr (buf, ==, "ok\n");
  g_assert_cmpint (client_ended (fd), ==, 1);
  close (fd);
  w.n = 0;
  g_assert_true (run_until (holds, &w, 2000));
  listener_free (l);
}

static void
test_accept_outcome (void)
{
  g_assert_cmpint (bc_listener_accept_outcome (EAGAIN), ==, BC_ACCEPT_AGAIN);
  g_assert_cmpint (bc_listener_accept_outcome (ECONNABORTED), ==, BC_ACCEPT_SKIP);
  g_assert_cmpint (bc_listener_accept_outcome (EINTR), ==, BC_ACCEPT_SKIP);
  g_assert_cmpint (bc_listener_accept_outcome (EPERM), ==, BC_ACCEPT_SKIP);
  g_assert_cmpint (bc_listener_accept_outcome (EMFILE), ==, BC_ACCEPT_PAUSE);
  g_assert_cmpint (bc_listener_accept_outcome (ENFILE), ==, BC_ACCEPT_PAUSE);
  g_assert_cmpint (bc_listener_accept_outcome (ENOBUFS), ==, BC_ACCEPT_PAUSE);
  g_assert_cmpint (bc_listener_accept_outcome (ENOMEM), ==, BC_ACCEPT_PAUSE);
  /* unknown: pause rather than spin on a socket that stays readable */
  g_assert_cmpint (bc_listener_accept_outcome (EBADF), ==, BC_ACCEPT_PAUSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/listener/cap-deadline", test_cap_deadline);
  g_test_add_func ("/listener/evict", test_evict);
  g_test_add_func ("/listener/linger", test_linger);
  g_test_add_func ("/listener/accept-outcome", test_accept_outcome);
  return g_test_run ();
}
