/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report, the daemon's side: the listening socket of an endpoint and its
 * accept loop, with a cap on connections, a deadline for each, and
 * recovery when the process runs out of descriptors (bc-listener.h).
 * Every source is on the default main context and owned here: the watch
 * on the socket, one wait, one timer per connection and, while an answer
 * lingers, a watch for the client's end. */
#define G_LOG_DOMAIN "balloonctl-listen"

#include "bc-listener.h"

#include <errno.h>
#include <sys/socket.h>

/* What the kernel queues while every place is taken. */
#define BACKLOG 64
/* A new episode of running out of descriptors is logged if the last one
 * said so at least this long ago. */
#define STARVED_LOG_INTERVAL_US (60 * G_USEC_PER_SEC)

struct _BcListenerClient {
  gint ref;
  BcListener *owner;        /* NULL once it left the listener */
  GIOStream *stream;
  gint64 accepted_us;       /* monotonic */
  guint timer_id;           /* its deadline; once shut down, the grace */
  gboolean cut;             /* shut down: its server is letting go */
  GSource *hup;             /* lingering: until the client closes */
};

struct _BcListener {
  BcListenerLimits limits;
  char *name;
  GSocket *socket;
  GInetSocketAddress *address;
  BcListenerServeFn serve;
  gpointer data;
  GPtrArray *clients;       /* held, oldest first; a reference each */
  GSource *watch;           /* on the socket, while it may accept */
  guint wait_id;            /* no watch until then: the next try after a
                               failed accept, or until the oldest
                               connection may make room */
  gboolean starved;         /* the last accept failed (descriptors...) */
  gboolean starved_said;    /* and this episode was logged */
  guint64 starved_failures; /* accepts that failed in this episode */
  gint64 starved_logged_us; /* when an episode was last logged */
};

static void pump (BcListener *l);

/* ---- a connection ----------------------------------------------------- */

BcListenerClient *
bc_listener_client_new (GIOStream *stream)
{
  BcListenerClient *c = g_new0 (BcListenerClient, 1);

  c->ref = 1;
  c->stream = g_object_ref (stream);
  return c;
}

BcListenerClient *
bc_listener_client_ref (BcListenerClient *c)
{
  g_atomic_int_inc (&c->ref);
  return c;
}

void
bc_listener_client_unref (BcListenerClient *c)
{
  if (c == NULL || !g_atomic_int_dec_and_test (&c->ref))
    return;
  g_assert (c->owner == NULL && c->timer_id == 0);
  g_object_unref (c->stream);
  g_free (c);
}

/* Out of the listener: closed, its place free; no pump. */
static void
forget (BcListener *l, BcListenerClient *c)
{
  g_clear_handle_id (&c->timer_id, g_source_remove);
  if (c->hup)
    g_source_destroy (c->hup);
  g_clear_pointer (&c->hup, g_source_unref);
  g_io_stream_close (c->stream, NULL, NULL);
  c->owner = NULL;
  g_ptr_array_remove (l->clients, c);
  bc_listener_client_unref (c);
}

/* A place is free: accept at once, whatever it waited for. */
static void
drop (BcListener *l, BcListenerClient *c)
{
  forget (l, c);
  g_clear_handle_id (&l->wait_id, g_source_remove);
  pump (l);
}

static gboolean
on_hup (GSocket *sock, GIOCondition cond, gpointer data)
{
  BcListenerClient *c = data;

  drop (c->owner, c);
  return G_SOURCE_REMOVE;
}

/* An answer written on a connection still open: the end of the stream
 * after it, and the connection kept, not read, until the client closes
 * its side too (at most until its deadline).  Closed at once, with what
 * the client still sends unread (a body), the kernel would reset the
 * connection, and the client might lose the answer. */
static void
linger (BcListenerClient *c)
{
  GSocket *sock = g_socket_connection_get_socket (G_SOCKET_CONNECTION (c->stream));

  if (!g_socket_shutdown (sock, FALSE, TRUE, NULL))
    return drop (c->owner, c);
  c->hup = g_socket_create_source (sock, G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (c->hup, G_SOURCE_FUNC (on_hup), c, NULL);
  g_source_attach (c->hup, NULL);
}

void
bc_listener_client_done (BcListenerClient *c)
{
  if (c->owner == NULL)
    g_io_stream_close (c->stream, NULL, NULL);
  else if (g_io_stream_is_closed (c->stream) || c->cut || c->hup)
    drop (c->owner, c);
  else
    linger (c);
}

static gboolean
on_grace (gpointer data)
{
  BcListenerClient *c = data;

  c->timer_id = 0;
  g_warning ("%s: a connection was still held %u ms after its shutdown: closed", c->owner->name, c->owner->limits.grace_ms);
  drop (c->owner, c);
  return G_SOURCE_REMOVE;
}

/* Shut down both ways: its server sees the end of the stream (or a
 * failed write) and lets go, which closes it (done). */
static void
cut (BcListenerClient *c)
{
  GSocket *sock = g_socket_connection_get_socket (G_SOCKET_CONNECTION (c->stream));

  g_clear_handle_id (&c->timer_id, g_source_remove);
  c->cut = TRUE;
  g_socket_shutdown (sock, TRUE, TRUE, NULL);
  c->timer_id = g_timeout_add (c->owner->limits.grace_ms, on_grace, c);
}

static gboolean
on_deadline (gpointer data)
{
  BcListenerClient *c = data;

  c->timer_id = 0;
  g_debug ("%s: a connection reached its deadline: shut down", c->owner->name);
  if (c->hup)
    drop (c->owner, c);
  else
    cut (c);
  return G_SOURCE_REMOVE;
}

/* ---- accepting -------------------------------------------------------- */

BcAcceptOutcome
bc_listener_accept_outcome (int errnum)
{
  switch (errnum)
    {
    case EAGAIN:
      return BC_ACCEPT_AGAIN;
    /* that connection's trouble (accept(2) passes on network errors) */
    case ECONNABORTED: case EINTR: case EPROTO: case EPERM: case ENETDOWN: case ENOPROTOOPT:
    case EHOSTDOWN: case ENONET: case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH:
      return BC_ACCEPT_SKIP;
    /* EMFILE, ENFILE, ENOBUFS, ENOMEM, and whatever else: waiting does
     * not spin on a socket that stays readable */
    default:
      return BC_ACCEPT_PAUSE;
    }
}

static gboolean
on_wait (gpointer data)
{
  BcListener *l = data;

  l->wait_id = 0;
  pump (l);
  return G_SOURCE_REMOVE;
}

static void
unwatch (BcListener *l)
{
  if (l->watch == NULL)
    return;
  g_source_destroy (l->watch);
  g_clear_pointer (&l->watch, g_source_unref);
}

static void
pause_accepting (BcListener *l, int errnum)
{
  gint64 now_us = g_get_monotonic_time ();

  unwatch (l);
  g_clear_handle_id (&l->wait_id, g_source_remove);
  l->wait_id = g_timeout_add (l->limits.retry_ms, on_wait, l);
  l->starved_failures++;
  if (l->starved)
    return;
  l->starved = TRUE;
  l->starved_said = l->starved_logged_us == 0 || now_us - l->starved_logged_us >= STARVED_LOG_INTERVAL_US;
  if (l->starved_said)
    g_warning ("%s: cannot accept connections: %s; %u held; trying again every %u ms and as they end",
               l->name, g_strerror (errnum), l->clients->len, l->limits.retry_ms);
  l->starved_logged_us = l->starved_said ? now_us : l->starved_logged_us;
}

static void
resume_accepting (BcListener *l)
{
  if (l->starved_said)
    g_message ("%s: accepting connections again (%" G_GUINT64_FORMAT " tries failed)", l->name, l->starved_failures);
  l->starved = l->starved_said = FALSE;
  l->starved_failures = 0;
}

/* Counts the connection, starts its deadline, hands it over. */
static void
take (BcListener *l, int fd)
{
  g_autoptr (GError) error = NULL;
  /* (on failure GSocket's finalize closes fd) */
  g_autoptr (GSocket) sock = g_socket_new_from_fd (fd, &error);
  g_autoptr (GSocketConnection) conn = NULL;
  BcListenerClient *c;

  if (sock == NULL)
    {
      g_debug ("%s: an accepted connection: %s", l->name, error->message);
      return;
    }
  conn = g_socket_connection_factory_create_connection (sock);
  c = bc_listener_client_new (G_IO_STREAM (conn));
  c->owner = l;
  c->accepted_us = g_get_monotonic_time ();
  c->timer_id = g_timeout_add (l->limits.deadline_ms, on_deadline, c);
  g_ptr_array_add (l->clients, c);
  l->serve (conn, c, l->data);
}

/* FALSE: no more for now. */
static gboolean
accept_one (BcListener *l)
{
  int fd = accept4 (g_socket_get_fd (l->socket), NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  int errnum = errno;

  if (fd >= 0)
    {
      if (l->starved)
        resume_accepting (l);
      take (l, fd);
      return TRUE;
    }
  switch (bc_listener_accept_outcome (errnum))
    {
    case BC_ACCEPT_SKIP:
      return TRUE;
    case BC_ACCEPT_PAUSE:
      pause_accepting (l, errnum);
      return FALSE;
    default:
      return FALSE;
    }
}

static BcListenerClient *
oldest_uncut (BcListener *l)
{
  for (guint i = 0; i < l->clients->len; i++)
    {
      BcListenerClient *c = g_ptr_array_index (l->clients, i);

      if (!c->cut)
        return c;
    }
  return NULL;
}

/* Every place taken and a connection waiting: the oldest held one makes
 * room once it is evict_age_ms old. */
static void
make_room (BcListener *l)
{
  BcListenerClient *oldest = oldest_uncut (l);
  gint64 age_ms;

  unwatch (l);
  if (oldest == NULL)
    return; /* each is letting go: drop() pumps */
  age_ms = (g_get_monotonic_time () - oldest->accepted_us) / 1000;
  if (age_ms >= (gint64) l->limits.evict_age_ms)
    {
      g_debug ("%s: %u connections held, one waits: the oldest shut down", l->name, l->clients->len);
      cut (oldest);
    }
  else
    l->wait_id = g_timeout_add ((guint) (l->limits.evict_age_ms - age_ms), on_wait, l);
}

static gboolean
on_ready (GSocket *sock, GIOCondition cond, gpointer data)
{
  BcListener *l = data;

  /* bounded: a place is taken or the loop ends at each turn */
  for (guint i = 0; i < l->limits.clients_max && l->watch && l->clients->len < l->limits.clients_max; i++)
    if (!accept_one (l))
      break;
  if (l->watch && l->clients->len >= l->limits.clients_max &&
      (g_socket_condition_check (l->socket, G_IO_IN) & G_IO_IN))
    make_room (l);
  return G_SOURCE_CONTINUE; /* (a source unwatch destroyed is not called again) */
}

/* Watches the socket unless it waits for something. */
static void
pump (BcListener *l)
{
  if (l->wait_id != 0 || l->watch != NULL)
    return;
  l->watch = g_socket_create_source (l->socket, G_IO_IN, NULL);
  g_source_set_callback (l->watch, G_SOURCE_FUNC (on_ready), l, NULL);
  /* below the daemon's own work (its tick, libvirt's answers) */
  g_source_set_priority (l->watch, G_PRIORITY_DEFAULT_IDLE);
  g_source_attach (l->watch, NULL);
}

/* ---- the listener ------------------------------------------------------ */

static GSocket *
open_socket (GSocketAddress *addr, GError **error)
{
  g_autoptr (GSocket) sock = g_socket_new (g_socket_address_get_family (addr), G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, error);

  if (sock == NULL)
    return NULL;
  g_socket_set_listen_backlog (sock, BACKLOG);
  if (!g_socket_bind (sock, addr, TRUE, error) || !g_socket_listen (sock, error))
    return NULL;
  return g_steal_pointer (&sock);
}

BcListener *
bc_listener_new (GSocketAddress *addr, const BcListenerLimits *limits,
                 BcListenerServeFn serve, gpointer data, GError **error)
{
  g_autoptr (GSocket) sock = open_socket (addr, error);
  g_autoptr (GSocketAddress) bound = sock ? g_socket_get_local_address (sock, error) : NULL;
  BcListener *l;

  if (bound == NULL)
    return NULL;
  l = g_new0 (BcListener, 1);
  l->limits = *limits;
  l->name = g_strdup (limits->name);
  l->limits.name = l->name;
  l->socket = g_steal_pointer (&sock);
  l->address = G_INET_SOCKET_ADDRESS (g_steal_pointer (&bound));
  l->serve = serve;
  l->data = data;
  l->clients = g_ptr_array_new ();
  pump (l);
  return l;
}

void
bc_listener_free (BcListener *l)
{
  if (l == NULL)
    return;
  unwatch (l);
  g_clear_handle_id (&l->wait_id, g_source_remove);
  while (l->clients->len > 0)
    forget (l, g_ptr_array_index (l->clients, 0));
  g_ptr_array_unref (l->clients);
  g_socket_close (l->socket, NULL);
  g_object_unref (l->socket);
  g_object_unref (l->address);
  g_free (l->name);
  g_free (l);
}

GInetSocketAddress *
bc_listener_get_address (BcListener *l)
{
  return l->address;
}

guint
bc_listener_n_clients (BcListener *l)
{
  return l->clients->len;
}
