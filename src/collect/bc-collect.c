/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-collect"

#include "bc-collect.h"
#include "bc-agent.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"

#include <libvirt/virterror.h>
#include <string.h>

void
bc_bulk_record_free (BcBulkRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  if (r->dom)
    virDomainFree (r->dom);
  g_free (r);
}

/* Beyond max, a figure is unknown: never taken as max. */
static gboolean
get_kib_max (virTypedParameterPtr params, int n, const char *name, guint64 max, guint64 *out)
{
  unsigned long long v = 0;

  if (virTypedParamsGetULLong (params, n, name, &v) != 1 || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

/* A figure the guest's balloon driver reports. */
static gboolean
get_kib (virTypedParameterPtr params, int n, const char *name, guint64 *out)
{
  return get_kib_max (params, n, name, BC_GUEST_KIB_MAX, out);
}

void
bc_collect_parse_balloon (virTypedParameterPtr params, int nparams, BcBalloonFigures *out)
{
  BcBalloonFigures b = { 0 };
  unsigned long long last_update = 0;

  /* the domain's sizes are libvirt's (larger domains than any figure a
   * guest is believed on) */
  get_kib_max (params, nparams, "balloon.current", BC_DOMAIN_KIB_MAX, &b.current_kib);
  get_kib_max (params, nparams, "balloon.maximum", BC_DOMAIN_KIB_MAX, &b.max_kib);
  b.have_stats = get_kib (params, nparams, "balloon.available", &b.guest_total_kib) &&
                 get_kib (params, nparams, "balloon.usable", &b.usable_kib);
  if (!get_kib (params, nparams, "balloon.disk_caches", &b.disk_caches_kib))
    b.disk_caches_kib = 0;
  if (virTypedParamsGetULLong (params, nparams, "balloon.last-update", &last_update) > 0)
    b.last_update_s = (gint64) MIN (last_update, (unsigned long long) G_MAXINT64 / 1000);
  *out = b;
}

/* Drivers without balloon bulk statistics (libvirt's test driver, some
 * older hypervisors): ask the domain directly. */
static void
balloon_fallback (virDomainPtr dom, BcBalloonFigures *b)
{
  virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
  virDomainInfo info;
  int n;

  /* beyond the bound, a figure is unknown (0), as in the bulk statistics:
   * never a false 16 TiB */
  if (virDomainGetInfo (dom, &info) == 0)
    {
      b->current_kib = info.memory <= BC_DOMAIN_KIB_MAX ? info.memory : 0;
      b->max_kib = info.maxMem <= BC_DOMAIN_KIB_MAX ? info.maxMem : 0;
    }
  n = virDomainMemoryStats (dom, stats, VIR_DOMAIN_MEMORY_STAT_NR, 0);
  for (int i = 0; i < n; i++)
    {
      guint64 v = stats[i].val <= BC_GUEST_KIB_MAX ? stats[i].val : 0;

      if (stats[i].tag == VIR_DOMAIN_MEMORY_STAT_AVAILABLE)
        b->guest_total_kib = v;
      else if (stats[i].tag == VIR_DOMAIN_MEMORY_STAT_USABLE)
        b->usable_kib = v, b->have_stats = TRUE;
      else if (stats[i].tag == VIR_DOMAIN_MEMORY_STAT_DISK_CACHES)
        b->disk_caches_kib = v;
    }
  b->have_stats = b->have_stats && b->guest_total_kib > 0;
}

gboolean
bc_collect_host_memory (virConnectPtr conn, guint64 *kib, GError **error)
{
  virNodeInfo info;
  int n = 0;

  if (virNodeGetInfo (conn, &info) < 0)
    return bc_set_error_from_libvirt (error, "host memory");
  *kib = info.memory;
  if (virNodeGetMemoryStats (conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) == 0 && n > 0 && n < 64)
    {
      g_autofree virNodeMemoryStatsPtr stats = g_new0 (virNodeMemoryStats, n);

      if (virNodeGetMemoryStats (conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, &n, 0) == 0)
        for (int i = 0; i < n; i++)
          if (g_str_equal (stats[i].field, VIR_NODE_MEMORY_STATS_TOTAL) && stats[i].value > 0)
            *kib = MIN (*kib, stats[i].value);
    }
  virResetLastError ();
  return TRUE;
}

GPtrArray *
bc_collect_bulk (virConnectPtr conn, GError **error)
{
  virDomainStatsRecordPtr *records = NULL;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_bulk_record_free);
  int n;

  n = virConnectGetAllDomainStats (conn, VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_STATE,
                                   &records, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);
  if (n < 0)
    return bc_set_error_from_libvirt (error, "bulk domain statistics"), NULL;
  for (int i = 0; i < n; i++)
    {
      BcBulkRecord *r = g_new0 (BcBulkRecord, 1);
      int state = 0;

      r->dom = records[i]->dom;
      virDomainRef (r->dom);
      r->name = g_strdup (virDomainGetName (r->dom));
      r->id = (int) virDomainGetID (r->dom);
      virDomainGetUUIDString (r->dom, r->uuid);
      virTypedParamsGetInt (records[i]->params, records[i]->nparams, "state.state", &state);
      r->state = state;
      bc_collect_parse_balloon (records[i]->params, records[i]->nparams, &r->balloon);
      if (r->balloon.max_kib == 0)
        balloon_fallback (r->dom, &r->balloon);
      g_ptr_array_add (out, r);
    }
  virDomainStatsRecordListFree (records);
  return g_steal_pointer (&out);
}

typedef gboolean (*GuestParser) (const char *text, gsize len, gpointer out, GError **error);

static gboolean
parse_meminfo (const char *text, gsize len, gpointer out, GError **error)
{
  return bc_meminfo_parse (text, len, out, error);
}

static gboolean
parse_vmstat (const char *text, gsize len, gpointer out, GError **error)
{
  return bc_vmstat_parse (text, len, out, error);
}

static gboolean
read_guest_file (virDomainPtr dom, const char *path, gint64 timeout_ms, GuestParser parse,
                 gpointer out, GError **error)
{
  g_autoptr (GBytes) bytes = bc_agent_read_file (dom, path, timeout_ms, error);
  gsize len = 0;
  const char *text;

  if (bytes == NULL)
    return FALSE;
  text = g_bytes_get_data (bytes, &len);
  return parse (text ? text : "", len, out, error);
}

gboolean
bc_collect_guest (virDomainPtr dom, gint64 timeout_ms, gint64 now_ms,
                  BcGuestFigures *out, GError **error)
{
  BcGuestFigures g = { 0 };
  g_autoptr (GError) vmstat_error = NULL;

  if (!read_guest_file (dom, "/proc/meminfo", timeout_ms,
                        parse_meminfo, &g.meminfo, error))
    return FALSE;
  /* vmstat only refines the policy; meminfo alone is enough to manage. */
  g.have_vmstat = read_guest_file (dom, "/proc/vmstat", timeout_ms,
                                   parse_vmstat, &g.vmstat, &vmstat_error);
  if (!g.have_vmstat)
    g_debug ("%s: %s", virDomainGetName (dom), vmstat_error->message);
  g.at_ms = now_ms;
  *out = g;
  return TRUE;
}

void
bc_domain_setup_clear (BcDomainSetup *s)
{
  g_clear_error (&s->limits_error);
  g_clear_error (&s->vmem_error);
}

static char *
get_metadata (virDomainPtr dom, GError **error)
{
  char *xml = virDomainGetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT, BC_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE);
  virErrorPtr err;

  if (xml)
    return xml;
  err = virGetLastError ();
  if (err && err->code == VIR_ERR_NO_DOMAIN_METADATA)
    return NULL;
  bc_set_error_from_libvirt (error, "domain metadata");
  return NULL;
}

gboolean
bc_collect_setup (virDomainPtr dom, gint stats_period_s, BcDomainSetup *out, GError **error)
{
  g_autofree char *xml = virDomainGetXMLDesc (dom, 0);
  g_autofree char *meta = NULL;
  GError *local = NULL;

  memset (out, 0, sizeof *out);
  if (xml == NULL)
    return bc_set_error_from_libvirt (error, "domain XML");
  if (!bc_domxml_parse_balloon (xml, &out->balloon, error))
    return FALSE;
  bc_domxml_parse_vmem (xml, &out->vmem, &out->vmem_error);
  /* A libvirt error reading the metadata is a setup error (retried); only
   * metadata that was read and is wrong is the domain's policy error. */
  meta = get_metadata (dom, &local);
  if (local)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  bc_metadata_parse (meta, &out->limits, &local);
  out->limits_error = local;
  if (out->balloon.has_balloon && out->balloon.stats_period_s == 0 && out->limits_error == NULL &&
      out->limits.enabled)
    {
      if (virDomainSetMemoryStatsPeriod (dom, stats_period_s, VIR_DOMAIN_AFFECT_LIVE) < 0)
        return bc_set_error_from_libvirt (error, "enabling balloon statistics");
      out->stats_enabled_now = TRUE;
      out->balloon.stats_period_s = stats_period_s;
    }
  return TRUE;
}

gboolean
bc_collect_vmem (virDomainPtr dom, BcDomainVmem *out, GError **error)
{
  g_autofree char *xml = virDomainGetXMLDesc (dom, 0);

  if (xml == NULL)
    return bc_set_error_from_libvirt (error, "domain XML");
  return bc_domxml_parse_vmem (xml, out, error);
}
