/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt URIs compared: the same hypervisor, this host or another. */
#define G_LOG_DOMAIN "bc-uri"

#include "bc-uri.h"

#include <string.h>

static GUri *
parse (const char *uri)
{
  if (uri == NULL)
    return NULL;
  return g_uri_parse (uri, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL);
}

static gboolean
host_is_local (const char *host, const char *host_name)
{
  if (host == NULL || host[0] == '\0')
    return TRUE;
  return g_ascii_strcasecmp (host, "localhost") == 0 || g_str_has_prefix (host, "127.") ||
         strcmp (host, "::1") == 0 || (host_name != NULL && g_ascii_strcasecmp (host, host_name) == 0);
}

/* The scheme up to its "+transport": qemu of qemu+ssh. */
static gboolean
same_driver (GUri *a, GUri *b)
{
  const char *sa = g_uri_get_scheme (a), *sb = g_uri_get_scheme (b);
  gsize la = strcspn (sa, "+"), lb = strcspn (sb, "+");

  return la == lb && g_ascii_strncasecmp (sa, sb, la) == 0;
}

/* "" and "/" are the same path (xen:// and xen:///). */
static gboolean
same_path (GUri *a, GUri *b)
{
  const char *pa = g_uri_get_path (a), *pb = g_uri_get_path (b);

  return strcmp (pa[0] ? pa : "/", pb[0] ? pb : "/") == 0;
}

gboolean
bc_uri_is_local (const char *uri, const char *host_name)
{
  g_autoptr (GUri) u = parse (uri);

  return u != NULL && host_is_local (g_uri_get_host (u), host_name);
}

gboolean
bc_uri_same_hypervisor (const char *a, const char *b, const char *host_name)
{
  g_autoptr (GUri) ua = NULL;
  g_autoptr (GUri) ub = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  if (strcmp (a, b) == 0)
    return TRUE;
  ua = parse (a);
  ub = parse (b);
  return ua != NULL && ub != NULL && host_is_local (g_uri_get_host (ua), host_name) &&
         host_is_local (g_uri_get_host (ub), host_name) && same_driver (ua, ub) && same_path (ua, ub);
}

char *
bc_uri_host (const char *uri)
{
  g_autoptr (GUri) u = parse (uri);

  if (u == NULL)
    return NULL;
  return g_strdup (g_uri_get_host (u) ? g_uri_get_host (u) : "");
}
