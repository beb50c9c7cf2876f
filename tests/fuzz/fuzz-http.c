/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The /metrics endpoint's HTTP side (bc-metrics-http.c over libsoup): the
 * input is what a client sends on a connection, then the end of its
 * stream, through a socket pair.  Whatever it is, the connection ends
 * (its client done), what comes back is one answer at most (after a
 * 100 Continue), 200 only for a GET or a HEAD, and the request's method
 * was not interned unless it already was (libsoup keeps every method it
 * parses for good). */
#include "fuzz-common.h"
#include "bc-listener.h"
#include "bc-metrics-http.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RENDERED "balloonctl_passes_total 1\n"
/* a bound on main context turns: every exchange ends in far fewer */
#define TURNS 100000

static GString *
render (gpointer data)
{
  return g_string_new (RENDERED);
}

typedef struct {
  int fd;             /* the client's end */
  const uint8_t *in;
  size_t left;
  GString *out;
  gboolean out_ended;
} Client;

/* Sends what the socket takes, then the end of the stream. */
static void
client_send (Client *c)
{
  ssize_t n;

  if (c->in == NULL)
    return;
  n = c->left ? send (c->fd, c->in, c->left, MSG_NOSIGNAL | MSG_DONTWAIT) : 0;
  if (n > 0)
    c->in += n, c->left -= (size_t) n;
  if (c->left == 0 || (n < 0 && errno != EAGAIN))
    {
      shutdown (c->fd, SHUT_WR);
      c->in = NULL;
    }
}

static void
client_receive (Client *c)
{
  char buf[4096];
  ssize_t n;

  while (!c->out_ended && (n = recv (c->fd, buf, sizeof buf, MSG_DONTWAIT)) != 0)
    {
      if (n < 0)
        {
          c->out_ended = errno != EAGAIN; /* a reset: what the server had not read */
          return;
        }
      g_string_append_len (c->out, buf, n);
    }
  c->out_ended = TRUE;
}

static guint
count (const char *hay, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (hay, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* The request line's method as libsoup takes it (after empty lines, up to
 * a space or a tab), or NULL if it holds a NUL (no C string to look up). */
static char *
method_of (const uint8_t *data, size_t size)
{
  size_t lead = 0, n = 0;

  while (lead < size && (data[lead] == '\r' || data[lead] == '\n'))
    lead++;
  while (lead + n < size && data[lead + n] != ' ' && data[lead + n] != '\t')
    n++;
  return memchr (data + lead, '\0', n) ? NULL : g_strndup ((const char *) data + lead, n);
}

/* The request line's method is GET or HEAD (libsoup takes tabs between
 * its fields too). */
static gboolean
scrape_method (const char *line)
{
  gsize n = strcspn (line, " \t");

  return (n == 3 && strncmp (line, "GET", 3) == 0) || (n == 4 && strncmp (line, "HEAD", 4) == 0);
}

/* One answer, after a 100 Continue at most; 200 only for a GET or HEAD. */
static void
check_answer (const GString *out, const uint8_t *data, size_t size)
{
  g_autofree char *in = g_strndup ((const char *) data, size);
  const char *line = in + strspn (in, "\r\n");
  /* (libsoup 3.2 sends its 100 Continue to an HTTP/1.0 client too) */
  gboolean interim = g_str_has_prefix (out->str, "HTTP/1.1 100 ") || g_str_has_prefix (out->str, "HTTP/1.0 100 ");

  if (out->len == 0)
    return;
  g_assert_true (g_str_has_prefix (out->str, "HTTP/1.1 ") || g_str_has_prefix (out->str, "HTTP/1.0 "));
  g_assert_cmpuint (count (out->str, "HTTP/1."), <=, interim ? 2 : 1);
  if (strstr (out->str, " 200 OK\r\n"))
    g_assert_true (scrape_method (line));
}

/* The endpoint's HTTP side, made once, and HTTP's own methods, the
 * bounded set that may reach libsoup, interned with it. */
static BcMetricsHttp *
endpoint (void)
{
  static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" };
  static BcMetricsHttp *http;

  if (http != NULL)
    return http;
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    g_intern_static_string (known[i]);
  http = bc_metrics_http_new (render, NULL);
  return http;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GSocketAddress) local = g_inet_socket_address_new_from_string ("127.0.0.1", 9477);
  g_autoptr (GSocketAddress) remote = g_inet_socket_address_new_from_string ("127.0.0.1", 40000);
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (BcListenerClient) client = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  Client c = { -1, data, size, out, FALSE };
  g_autofree char *method = method_of (data, size);
  gboolean interned;
  int sv[2];
  guint turns = 0;

  BcMetricsHttp *http = endpoint ();

  /* libsoup interns every method it parses, for good: none new may reach it */
  interned = method == NULL || g_quark_try_string (method) != 0;
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  c.fd = sv[1];
  sock = g_socket_new_from_fd (sv[0], NULL);
  conn = g_socket_connection_factory_create_connection (sock);
  client = bc_listener_client_new (G_IO_STREAM (conn));
  client_send (&c);
  bc_metrics_http_serve (http, conn, local, remote, client);
  while ((!g_io_stream_is_closed (G_IO_STREAM (conn)) || !c.out_ended) && turns++ < TURNS)
    {
      g_main_context_iteration (NULL, FALSE);
      client_send (&c);
      client_receive (&c);
    }
  /* the connection always ends, the client told so by the end of stream */
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (conn)));
  g_assert_true (c.out_ended);
  check_answer (out, data, size);
  if (!interned)
    g_assert_cmpuint (g_quark_try_string (method), ==, 0);
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  close (sv[1]);
  return 0;
}
