/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-metrics"

#include "bc-listen.h"
#include "bc-error.h"
#include "bc-quote.h"

#include <errno.h>
#include <string.h>

static gboolean
parse_port (const char *s, guint16 *port)
{
  char *end = NULL;
  guint64 v;

  if (!g_ascii_isdigit (s[0]))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoull (s, &end, 10);
  if (errno != 0 || *end != '\0' || v > 65535)
    return FALSE;
  *port = (guint16) v;
  return TRUE;
}

/* "a.b.c.d:port" or "[v6]:port" into its host (brackets off) and port. */
static gboolean
split_listen (const char *text, char **host, guint16 *port)
{
  const char *colon = strrchr (text, ':');

  if (colon == NULL || !parse_port (colon + 1, port))
    return FALSE;
  if (text[0] != '[')
    *host = g_strndup (text, (gsize) (colon - text));
  else if (colon > text + 1 && colon[-1] == ']')
    *host = g_strndup (text + 1, (gsize) (colon - text - 2));
  else
    return FALSE;
  return TRUE;
}

const guint8 *
bc_metrics_listen_ipv4 (GInetAddress *addr)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  const guint8 *b = g_inet_address_to_bytes (addr);

  if (g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV4)
    return b;
  return memcmp (b, mapped, sizeof mapped) == 0 ? b + 12 : NULL;
}

/* A TCP endpoint listens on one of the host's own addresses: multicast
 * groups and the broadcast address are none (the kernel binds them all
 * the same).  A subnet's broadcast address needs the host's interfaces:
 * bc-metrics-server.c checks it before binding. */
static gboolean
check_unicast (GInetAddress *addr, const char *host, GError **error)
{
  const guint8 *v4 = bc_metrics_listen_ipv4 (addr);
  const char *what = NULL;
  g_autofree char *shown = NULL;

  if (v4 ? v4[0] >= 224 && v4[0] <= 239 : g_inet_address_get_is_multicast (addr))
    what = "a multicast address";
  else if (v4 && v4[0] == 255 && v4[1] == 255 && v4[2] == 255 && v4[3] == 255)
    what = "the broadcast address";
  if (what == NULL)
    return TRUE;
  shown = bc_quote (host, BC_QUOTE_MAX);
  return bc_set_error (error, BC_ERROR_CONFIG, "%s is %s, not one of this host's own", shown, what);
}

gboolean
bc_metrics_parse_listen (const char *text, GSocketAddress **out, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *shown = NULL;
  g_autoptr (GInetAddress) addr = NULL;
  guint16 port = 0;

  if (strlen (text) >= BC_METRICS_LISTEN_MAX || !split_listen (text, &host, &port))
    {
      shown = bc_quote (text, BC_QUOTE_MAX);
      return bc_set_error (error, BC_ERROR_CONFIG, "%s is not ADDRESS:PORT (e.g. 127.0.0.1:9477, [::1]:9477)", shown);
    }
  /* an IPv6 address outside brackets would be ambiguous */
  addr = strchr (host, ':') && text[0] != '[' ? NULL : g_inet_address_new_from_string (host);
  if (addr == NULL)
    {
      shown = bc_quote (host, BC_QUOTE_MAX);
      return bc_set_error (error, BC_ERROR_CONFIG, "%s is not an IP address (IPv6 in brackets)", shown);
    }
  if (!check_unicast (addr, host, error))
    return FALSE;
  if (out)
    *out = g_inet_socket_address_new (addr, port);
  return TRUE;
}

gboolean
bc_metrics_listen_same_port (const char *a, const char *b)
{
  g_autofree char *host_a = NULL;
  g_autofree char *host_b = NULL;
  guint16 port_a = 0, port_b = 0;

  return split_listen (a, &host_a, &port_a) && split_listen (b, &host_b, &port_b) &&
         port_a != 0 && port_a == port_b;
}
