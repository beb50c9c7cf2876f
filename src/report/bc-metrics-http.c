/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report, the daemon's side: the HTTP of the /metrics endpoint
 * (bc-metrics-http.h).  What libsoup 3.2 does that this relies on:
 * soup_server_accept_iostream starts the connection's first request (the
 * request-started signal) before it returns; a request-line or header it
 * cannot parse is answered by libsoup without got-headers and without
 * reading a body; after got-headers it reads the whole body before the
 * handler is called, unless the connection is stolen; it answers a Range
 * from the request's headers as it writes; and a server with no
 * listening socket of its own closes every connection after its first
 * response (no keep-alive). */
#define G_LOG_DOMAIN "balloonctl-metrics"

#include "bc-metrics-http.h"
#include "bc-metrics.h"

#include <errno.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/socket.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct _BcMetricsHttp {
  SoupServer *soup;
  BcMetricsRenderFn render;
  gpointer data;
  GPtrArray *heads;          /* of Head: connections whose request head
                                is still coming */
  BcListenerClient *handing; /* whose connection libsoup is being given */
};

/* A connection before libsoup has it: its request head is looked at as it
 * comes (peeked, left for libsoup to read). */
typedef struct {
  BcMetricsHttp *h;
  GSocketConnection *conn;
  GSocketAddress *local;
  GSocketAddress *remote;
  BcListenerClient *client;
  GSource *source;           /* readable: more of the head, or its end */
  gsize seen;                /* bytes of it looked at */
} Head;

/* A request's connection: the client its message carries (a reference). */
static GQuark
client_quark (void)
{
  return g_quark_from_static_string ("bc-metrics-client");
}

static BcListenerClient *
client_of (SoupServerMessage *msg)
{
  return g_object_get_qdata (G_OBJECT (msg), client_quark ());
}

static void
on_request (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
  BcMetricsHttp *h = data;
  GString *body = h->render (h->data);
  gsize len = body->len;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, CONTENT_TYPE, SOUP_MEMORY_TAKE, g_string_free (body, FALSE), len);
}

/* libsoup let go of the connection (answered, failed, or shut down). */
static void
on_disconnected (SoupServerMessage *msg, gpointer data)
{
  BcListenerClient *c = client_of (msg);

  g_signal_handlers_disconnect_by_data (msg, data);
  if (c)
    bc_listener_client_done (c);
}

static gboolean
has_body (SoupMessageHeaders *in)
{
  switch (soup_message_headers_get_encoding (in))
    {
    case SOUP_ENCODING_NONE:
      return FALSE;
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (in) != 0;
    default:
      return TRUE;
    }
}

/* One try: the connection is new, nothing was written on it, a refusal is
 * a few hundred bytes.  A client that takes none of it loses it. */
static void
send_refusal (GIOStream *stream, guint status, gboolean head)
{
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = soup_date_time_to_string (now, SOUP_DATE_HTTP);
  g_autoptr (GError) error = NULL;

  bc_metrics_refusal (text, status, head, date);
  if (G_IS_POLLABLE_OUTPUT_STREAM (out) &&
      g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (out), text->str, text->len, NULL, &error) < 0)
    g_debug ("metrics: a refusal not sent: %s", error->message);
}

/* The connection taken from libsoup before it reads a byte of the body,
 * the refusal written, the connection closed. */
static void
refuse (BcMetricsHttp *h, SoupServerMessage *msg, guint status)
{
  g_autoptr (BcListenerClient) c = bc_listener_client_ref (client_of (msg));
  gboolean head = soup_server_message_get_method (msg) == SOUP_METHOD_HEAD;
  g_autoptr (GIOStream) stream = NULL;

  g_signal_handlers_disconnect_by_data (msg, h);
  stream = soup_server_message_steal_connection (msg);
  if (stream)
    send_refusal (stream, status, head);
  bc_listener_client_done (c);
}

static const char *
request_path (SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);

  if (soup_server_message_is_options_ping (msg))
    return "*";
  return uri ? g_uri_get_path (uri) : NULL;
}

/* After libsoup's own checks of the headers (its handler runs first). */
static void
on_got_headers (SoupServerMessage *msg, gpointer data)
{
  BcMetricsRequest r = {
    .method = soup_server_message_get_method (msg),
    .path = request_path (msg),
    .status = soup_server_message_get_status (msg),
    .has_body = has_body (soup_server_message_get_request_headers (msg)),
  };
  guint status = bc_metrics_verdict (&r);

  if (status != 0)
    return refuse (data, msg, status);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  /* a scrape is answered whole: libsoup 3.2 cuts ranges out of the answer
   * itself, and hostile ones trip its assertions (a critical each) */
  soup_message_headers_remove (soup_server_message_get_request_headers (msg), "Range");
}

static void
on_request_started (SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
  BcMetricsHttp *h = data;
  BcListenerClient *c = g_steal_pointer (&h->handing);

  /* (a later request on the same connection: none without keep-alive) */
  if (c == NULL)
    return;
  g_object_set_qdata_full (G_OBJECT (msg), client_quark (), bc_listener_client_ref (c),
                           (GDestroyNotify) bc_listener_client_unref);
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), h);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_disconnected), h);
}

static void
to_soup (BcMetricsHttp *h, GIOStream *stream, GSocketAddress *local, GSocketAddress *remote,
         BcListenerClient *client)
{
  g_autoptr (GError) error = NULL;

  h->handing = client;
  if (!soup_server_accept_iostream (h->soup, stream, local, remote, &error))
    g_debug ("metrics: a connection not served: %s", error->message);
  /* libsoup started no request on it */
  if (g_steal_pointer (&h->handing) != NULL)
    bc_listener_client_done (client);
}

static void
head_free (Head *w)
{
  if (w->source)
    g_source_destroy (w->source);
  g_clear_pointer (&w->source, g_source_unref);
  g_object_unref (w->conn);
  g_object_unref (w->local);
  g_object_unref (w->remote);
  bc_listener_client_unref (w->client);
  g_free (w);
}

/* Readable from (1 + what was seen) bytes on: poll(2) says so when more
 * has come, or the end, not for what is already there. */
static void
wait_more (Head *w, gsize seen)
{
  int lowat = (int) seen + 1;

  w->seen = seen;
  setsockopt (g_socket_get_fd (g_socket_connection_get_socket (w->conn)), SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
}

/* The head is whole (or the client ended, head NULL): refused, or handed
 * to libsoup. */
static void
head_done (Head *w, const BcMetricsHead *head)
{
  g_ptr_array_remove (w->h->heads, w);
  wait_more (w, 0);
  if (head == NULL)
    bc_listener_client_done (w->client);
  else if (head->status != 0)
    {
      send_refusal (G_IO_STREAM (w->conn), head->status, head->head);
      bc_listener_client_done (w->client);
    }
  else
    to_soup (w->h, G_IO_STREAM (w->conn), w->local, w->remote, w->client);
  head_free (w);
}

static gboolean
on_head (GSocket *sock, GIOCondition cond, gpointer data)
{
  Head *w = data;
  char buf[BC_METRICS_HEAD_MAX + 1];
  gssize n = recv (g_socket_get_fd (sock), buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
  BcMetricsHead head;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  /* the end (nothing new) before the head was whole, or a reset */
  if (n <= 0 || (gsize) n == w->seen)
    return head_done (w, NULL), G_SOURCE_REMOVE;
  bc_metrics_screen_head (buf, (gsize) n, BC_METRICS_HEAD_MAX, &head);
  if (!head.complete)
    return wait_more (w, (gsize) n), G_SOURCE_CONTINUE;
  head_done (w, &head);
  return G_SOURCE_REMOVE;
}

void
bc_metrics_http_serve (BcMetricsHttp *h, GSocketConnection *conn, GSocketAddress *local,
                       GSocketAddress *remote, BcListenerClient *client)
{
  Head *w = g_new0 (Head, 1);

  w->h = h;
  w->conn = g_object_ref (conn);
  w->local = g_object_ref (local);
  w->remote = g_object_ref (remote);
  w->client = bc_listener_client_ref (client);
  w->source = g_socket_create_source (g_socket_connection_get_socket (conn), G_IO_IN, NULL);
  g_source_set_callback (w->source, G_SOURCE_FUNC (on_head), w, NULL);
  g_source_set_priority (w->source, G_PRIORITY_DEFAULT_IDLE);
  g_source_attach (w->source, NULL);
  g_ptr_array_add (h->heads, w);
}

BcMetricsHttp *
bc_metrics_http_new (BcMetricsRenderFn render, gpointer data)
{
  BcMetricsHttp *h = g_new0 (BcMetricsHttp, 1);

  h->soup = soup_server_new (NULL, NULL);
  h->heads = g_ptr_array_new ();
  h->render = render;
  h->data = data;
  /* every request that reaches a handler passed the verdict */
  soup_server_add_handler (h->soup, NULL, on_request, h, NULL);
  g_signal_connect (h->soup, "request-started", G_CALLBACK (on_request_started), h);
  return h;
}

void
bc_metrics_http_free (BcMetricsHttp *h)
{
  if (h == NULL)
    return;
  while (h->heads->len > 0)
    head_done (g_ptr_array_index (h->heads, 0), NULL);
  g_ptr_array_unref (h->heads);
  g_signal_handlers_disconnect_by_data (h->soup, h);
  soup_server_disconnect (h->soup);
  g_object_unref (h->soup);
  g_free (h);
}
