/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report, the daemon's side: the [metrics] listen endpoint.  Its own
 * listening socket (bc-listener.c: at most CLIENTS_MAX connections, each
 * shut down DEADLINE_MS after it was accepted, accepting again after the
 * process ran out of descriptors) hands each connection to the HTTP side
 * (bc-metrics-http.c), which answers GET /metrics with what bc-metrics.c
 * renders from the daemon's domain table and counters at the time of the
 * request, refuses anything else from its headers, and closes it.  All on
 * the daemon's main context; nothing blocks. */
#define G_LOG_DOMAIN "balloonctl-metrics"

#include "bc-daemon-private.h"
#include "bc-error.h"
#include "bc-listener.h"
#include "bc-metrics-http.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>

/* A scrape is one short connection; a client holding more, or one for
 * longer, is not a scraper. */
#define CLIENTS_MAX 16
#define DEADLINE_MS 5000

/* Scrapes in a tight loop must not cost a render each (O(domains), on the
 * main loop): one rendering serves every scrape until the next pass, for
 * at most this long. */
#define RENDER_REUSE_MS 1000
/* Descriptors the daemon keeps for itself whatever the endpoint holds (the
 * state file's write, libvirt, a reload's read). */
#define FDS_KEPT 16

static const BcListenerLimits limits_default = {
  .name = "metrics",
  .clients_max = CLIENTS_MAX,
  .deadline_ms = DEADLINE_MS,
  .evict_age_ms = 1000,
  .retry_ms = 1000,
  .grace_ms = 1000,
};

struct _BcMetricsServer {
  BcListener *listener;
  BcMetricsHttp *http;
  BcDaemon *d;
  GString *rendered;       /* the last rendering, NULL = none */
  gint64 rendered_ms;
  guint64 rendered_passes; /* the daemon's passes then */
  char listen[BC_METRICS_LISTEN_MAX]; /* as configured */
};

static GString *
render_now (BcDaemon *d)
{
  g_autoptr (GPtrArray) doms = bc_gather_sorted (d);
  g_autoptr (BcMetricsSnapshot) s = bc_metrics_snapshot_new ();
  GString *out = g_string_new (NULL);
  gint64 now_ms = bc_daemon_now_ms ();

  s->counters = d->counters;
  s->connected = d->connected;
  s->reconnects = d->reconnects;
  s->budget_kib = d->budget_kib;
  s->apply_interval_ms = d->cfg.apply_interval_ms;
  for (guint i = 0; i < doms->len; i++)
    bc_metrics_add_domain (s, g_ptr_array_index (doms, i), now_ms);
  bc_metrics_render (out, s);
  return out;
}

static GString *
render (gpointer data)
{
  BcMetricsServer *s = data;
  gint64 now_ms = bc_daemon_now_ms ();

  if (s->rendered == NULL || s->rendered_passes != s->d->counters.passes ||
      now_ms - s->rendered_ms >= RENDER_REUSE_MS)
    {
      if (s->rendered)
        g_string_free (s->rendered, TRUE);
      s->rendered = render_now (s->d);
      s->rendered_ms = now_ms;
      s->rendered_passes = s->d->counters.passes;
    }
  return g_string_new_len (s->rendered->str, (gssize) s->rendered->len);
}

/* At most CLIENTS_MAX connections, and fewer under a low descriptor limit:
 * the clients never take the descriptors the daemon needs. */
static BcListenerLimits
limits_now (void)
{
  BcListenerLimits l = limits_default;
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    l.clients_max = (guint) CLAMP ((gint64) rl.rlim_cur / 2 - FDS_KEPT, 1, CLIENTS_MAX);
  return l;
}

static void
serve (GSocketConnection *conn, BcListenerClient *client, gpointer data)
{
  BcMetricsServer *s = data;
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (conn, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (conn, NULL);

  /* (a client already gone) */
  if (local == NULL || remote == NULL)
    return bc_listener_client_done (client);
  bc_metrics_http_serve (s->http, conn, local, remote, client);
}

static void
server_free (BcMetricsServer *s)
{
  /* the HTTP side first: the connections it ends are the listener's */
  bc_metrics_http_free (s->http);
  bc_listener_free (s->listener);
  if (s->rendered)
    g_string_free (s->rendered, TRUE);
  g_free (s);
}

static void
log_uri (BcListener *l)
{
  GInetSocketAddress *a = bc_listener_get_address (l);
  GInetAddress *addr = g_inet_socket_address_get_address (a);
  g_autofree char *host = g_inet_address_to_string (addr);
  gboolean v6 = g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV6;

  g_message ("metrics: serving http://%s%s%s:%u/metrics", v6 ? "[" : "", host, v6 ? "]" : "",
             g_inet_socket_address_get_port (a));
}

/* A subnet's broadcast address is bound like one of the host's own (the
 * kernel accepts it); only the interfaces tell it apart. */
static gboolean
check_not_broadcast (GSocketAddress *addr, const char *listen, GError **error)
{
  const guint8 *v4 = bc_metrics_listen_ipv4 (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
  struct ifaddrs *all = NULL;
  char name[IF_NAMESIZE + 1] = "";

  if (v4 == NULL || getifaddrs (&all) != 0)
    return TRUE;
  for (struct ifaddrs *i = all; i && name[0] == '\0'; i = i->ifa_next)
    if ((i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr && i->ifa_broadaddr->sa_family == AF_INET &&
        memcmp (&((struct sockaddr_in *) (void *) i->ifa_broadaddr)->sin_addr, v4, 4) == 0)
      g_strlcpy (name, i->ifa_name, sizeof name);
  freeifaddrs (all);
  if (name[0] == '\0')
    return TRUE;
  return bc_set_error (error, BC_ERROR_CONFIG, "[metrics] listen %s: the broadcast address of %s, not one of this host's own",
                       listen, name);
}

static BcMetricsServer *
server_new (BcDaemon *d, const char *listen, GError **error)
{
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (GError) local = NULL;
  BcListenerLimits limits;
  BcMetricsServer *s;

  if (!bc_metrics_parse_listen (listen, &addr, error) || !check_not_broadcast (addr, listen, error))
    return NULL;
  s = g_new0 (BcMetricsServer, 1);
  g_strlcpy (s->listen, listen, sizeof s->listen);
  s->d = d;
  s->http = bc_metrics_http_new (render, s);
  limits = limits_now ();
  s->listener = bc_listener_new (addr, &limits, serve, s, &local);
  if (s->listener == NULL)
    {
      bc_metrics_http_free (s->http);
      g_free (s);
      return bc_set_error (error, BC_ERROR_CONFIG, "[metrics] listen %s: %s", listen, local->message), NULL;
    }
  log_uri (s->listener);
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

/* The new address shares the old one's port and could not listen beside
 * it: the old one closes for it, and opens again if it still cannot. */
static void
move_on_same_port (BcDaemon *d, const char *want)
{
  g_autofree char *have = g_strdup (d->metrics->listen);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) again = NULL;

  bc_metrics_stop (d);
  d->metrics = server_new (d, want, &error);
  if (d->metrics != NULL)
    return;
  d->metrics = server_new (d, have, &again);
  if (d->metrics != NULL)
    g_warning ("metrics: %s; still serving on %s", error->message, have);
  else
    g_warning ("metrics: %s; %s again: %s; no endpoint until a reload can listen", error->message, have, again->message);
}

void
bc_metrics_reload (BcDaemon *d)
{
  const char *want = d->cfg.metrics_listen;
  const char *have = d->metrics ? d->metrics->listen : "";
  g_autoptr (GError) error = NULL;
  BcMetricsServer *next;

  if (strcmp (have, want) == 0)
    return;
  if (want[0] == '\0')
    {
      bc_metrics_stop (d);
      g_message ("metrics: endpoint off");
      return;
    }
  /* the new one first: the old one serves on if it cannot listen */
  next = server_new (d, want, &error);
  if (next != NULL)
    {
      bc_metrics_stop (d);
      d->metrics = next;
    }
  else if (d->metrics && bc_metrics_listen_same_port (have, want))
    move_on_same_port (d, want);
  else if (d->metrics)
    g_warning ("metrics: %s; still serving on %s", error->message, have);
  else
    g_warning ("metrics: %s; no endpoint until a reload can listen", error->message);
}

void
bc_metrics_stop (BcDaemon *d)
{
  g_clear_pointer (&d->metrics, server_free);
}
