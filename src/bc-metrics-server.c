/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report, the daemon's side: the [metrics] listen endpoint.  A SoupServer
 * on the daemon's main context (it never blocks: libsoup reads and writes
 * asynchronously) answers GET /metrics with what bc-metrics.c renders from
 * the daemon's domain table and counters at the time of the request. */
#define G_LOG_DOMAIN "balloonctl-metrics"

#include "bc-daemon-private.h"
#include "bc-error.h"

#include <libsoup/soup.h>
#include <string.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct _BcMetricsServer {
  SoupServer *soup;
  char listen[BC_METRICS_LISTEN_MAX]; /* as configured */
};

static GString *
render (BcDaemon *d)
{
  g_autoptr (GPtrArray) doms = bc_gather_sorted (d);
  g_autoptr (BcMetricsSnapshot) s = bc_metrics_snapshot_new ();
  GString *out = g_string_new (NULL);
  gint64 now_ms = bc_daemon_now_ms ();

  s->counters = d->counters;
  s->connected = d->connected;
  s->reconnects = d->reconnects;
  s->budget_kib = d->budget_kib;
  for (guint i = 0; i < doms->len; i++)
    bc_metrics_add_domain (s, g_ptr_array_index (doms, i), now_ms);
  bc_metrics_render (out, s);
  return out;
}

static void
answer (SoupServerMessage *msg, guint status, const char *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text, strlen (text));
}

/* Once the request's headers are in, before any body is read: all but a
 * GET or HEAD of /metrics without a body is answered at once, so no
 * client makes the daemon buffer what it sends. */
static void
on_headers (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);

  /* One request per connection: Debian 12's libsoup (3.2) never closes an
   * idle kept-alive connection its client has closed (one descriptor lost
   * per scrape, fixed in libsoup 3.3); a scrape every 15 s costs nothing
   * to connect anew. */
  soup_message_headers_replace (out, "Connection", "close");
  if (strcmp (path, "/metrics") != 0)
    answer (msg, SOUP_STATUS_NOT_FOUND, "not found: balloonctl serves /metrics\n");
  else if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (out, "Allow", "GET, HEAD");
      answer (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "GET or HEAD only\n");
    }
  else if (soup_message_headers_get_content_length (in) > 0 ||
           soup_message_headers_get_encoding (in) == SOUP_ENCODING_CHUNKED)
    answer (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "a scrape has no body\n");
}

static void
on_request (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
  GString *body;
  gsize len;

  body = render (data);
  len = body->len;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, CONTENT_TYPE, SOUP_MEMORY_TAKE, g_string_free (body, FALSE), len);
}

static void
server_free (BcMetricsServer *s)
{
  soup_server_disconnect (s->soup);
  g_object_unref (s->soup);
  g_free (s);
}

static void
log_uris (SoupServer *soup)
{
  GSList *uris = soup_server_get_uris (soup);

  for (GSList *l = uris; l; l = l->next)
    {
      g_autofree char *uri = g_uri_to_string (l->data);

      g_message ("metrics: serving %smetrics", uri);
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static BcMetricsServer *
server_new (BcDaemon *d, const char *listen, GError **error)
{
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (GError) local = NULL;
  BcMetricsServer *s;

  if (!bc_metrics_parse_listen (listen, &addr, error))
    return NULL;
  s = g_new0 (BcMetricsServer, 1);
  s->soup = soup_server_new (NULL, NULL);
  g_strlcpy (s->listen, listen, sizeof s->listen);
  soup_server_add_early_handler (s->soup, NULL, on_headers, d, NULL);
  soup_server_add_handler (s->soup, NULL, on_request, d, NULL);
  if (!soup_server_listen (s->soup, addr, 0, &local))
    {
      server_free (s);
      return bc_set_error (error, BC_ERROR_CONFIG, "[metrics] listen %s: %s", listen, local->message), NULL;
    }
  log_uris (s->soup);
  return s;
}

gboolean
bc_metrics_start (BcDaemon *d, GError **error)
{
  if (d->cfg.metrics_listen[0] == '\0')
    return TRUE;
  d->metrics = server_new (d, d->cfg.metrics_listen, error);
  return d->metrics != NULL;
}

void
bc_metrics_reload (BcDaemon *d)
{
  g_autoptr (GError) error = NULL;

  if (strcmp (d->metrics ? d->metrics->listen : "", d->cfg.metrics_listen) == 0)
    return;
  /* the old socket first: the new address may share its port */
  bc_metrics_stop (d);
  if (d->cfg.metrics_listen[0] == '\0')
    g_message ("metrics: endpoint off");
  else if (!bc_metrics_start (d, &error))
    g_warning ("metrics: %s; no endpoint until a reload can listen", error->message);
}

void
bc_metrics_stop (BcDaemon *d)
{
  g_clear_pointer (&d->metrics, server_free);
}
