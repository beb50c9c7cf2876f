/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-metrics"

#include "bc-metrics.h"
#include "bc-config.h"
#include "bc-domain.h"
#include "bc-error.h"
#include "bc-explain-report.h"
#include "bc-quote.h"

#include <errno.h>
#include <libsoup/soup.h>
#include <string.h>

/* ---- the endpoint's answers -------------------------------------------- */
/* ---- the snapshot ------------------------------------------------------ */

static void
domain_free (BcMetricsDomain *d)
{
  bc_report_domain_free (d->report);
  g_free (d);
}

BcMetricsSnapshot *
bc_metrics_snapshot_new (void)
{
  BcMetricsSnapshot *s = g_new0 (BcMetricsSnapshot, 1);

  s->domains = g_ptr_array_new_with_free_func ((GDestroyNotify) domain_free);
  return s;
}

void
bc_metrics_snapshot_free (BcMetricsSnapshot *s)
{
  if (s == NULL)
    return;
  g_ptr_array_unref (s->domains);
  g_free (s);
}

void
bc_metrics_add_domain (BcMetricsSnapshot *s, const BcDomain *dom, gint64 now_ms)
{
  BcMetricsDomain *m = g_new0 (BcMetricsDomain, 1);
  const BcDecision *dec = &dom->decision;

  m->report = g_new0 (BcReportDomain, 1);
  m->report->uuid = g_strdup (dom->uuid);
  bc_explain_report (m->report, dom);
  m->have_balloon = dom->figures.have_balloon;
  m->current_kib = dom->figures.balloon.current_kib;
  m->max_kib = dom->figures.balloon.max_kib;
  /* the figures the last pass decided from, as status shows them */
  m->have_committed = dom->decided && dec->source == BC_SOURCE_AGENT;
  m->committed_kib = dec->committed_kib;
  m->have_cached = dom->decided && dec->source != BC_SOURCE_NONE;
  m->cached_kib = dec->cached_kib;
  m->agent_age_ms = dom->figures.guest.at_ms > 0 ? MAX (0, now_ms - dom->figures.guest.at_ms) : -1;
  m->have_wanted = m->report->managed && dom->decided;
  m->wanted_kib = dec->target.target_kib;
  m->held_stale = m->report->managed && dom->frozen != BC_FREEZE_NONE;
  m->settings_error = !m->report->managed && dom->setup.done && dom->setup.skip_error;
  m->have_refaults = dom->figures.guest.at_ms > 0 && dom->figures.guest.have_vmstat &&
                     dom->figures.guest.vmstat.have_refault;
  m->refaults = dom->figures.guest.vmstat.refault_file;
  m->have_vmem = dom->vmem.driven && dom->vmem.read_at_ms > 0;
  m->vmem_requested_kib = dom->vmem.dev.requested_kib;
  m->vmem_plugged_kib = dom->vmem.dev.plugged_kib;
  g_ptr_array_add (s->domains, m);
}

/* ---- rendering ---------------------------------------------------------- */

/* A label value: valid UTF-8, with the format's three escapes (backslash,
 * double quote, newline); other control characters but tab (a terminal's
 * escapes) become U+FFFD. */
static void
append_label_value (GString *out, const char *raw)
{
  g_autofree char *valid = g_utf8_make_valid (raw ? raw : "", -1);

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\\' || c == '"')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (g_unichar_iscntrl (c) && c != '\t')
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_unichar (out, c);
    }
}

static void
append_header (GString *out, const char *name, const char *type, const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{domain="...",uuid="..."[,extra] */
static void
append_domain_series (GString *out, const char *name, const BcReportDomain *r)
{
  g_string_append_printf (out, "%s{domain=\"", name);
  append_label_value (out, r->name);
  g_string_append (out, "\",uuid=\"");
  append_label_value (out, r->uuid);
  g_string_append_c (out, '"');
}

#define VALUE_LEN 32

static gboolean
bytes_value (gboolean have, guint64 kib, char *buf)
{
  if (have)
    g_snprintf (buf, VALUE_LEN, "%" G_GUINT64_FORMAT, kib > G_MAXUINT64 / 1024 ? G_MAXUINT64 : kib * 1024);
  return have;
}

static gboolean
managed_value (const BcMetricsDomain *d, char *buf)
{
  g_strlcpy (buf, d->report->managed ? "1" : "0", VALUE_LEN);
  return TRUE;
}

static gboolean
flag_value (gboolean have, gboolean flag, char *buf)
{
  if (have)
    g_strlcpy (buf, flag ? "1" : "0", VALUE_LEN);
  return have;
}

static gboolean
settings_error_value (const BcMetricsDomain *d, char *buf)
{
  return flag_value (TRUE, d->settings_error, buf);
}

static gboolean
held_stale_value (const BcMetricsDomain *d, char *buf)
{
  return flag_value (d->report->managed, d->held_stale, buf);
}

static gboolean
current_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->have_balloon, d->current_kib, buf);
}

static gboolean
max_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->have_balloon && d->max_kib > 0, d->max_kib, buf);
}

static gboolean
target_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->report->managed && d->report->target_kib > 0, d->report->target_kib, buf);
}

static gboolean
wanted_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->have_wanted && d->wanted_kib > 0, d->wanted_kib, buf);
}

static gboolean
refaults_value (const BcMetricsDomain *d, char *buf)
{
  if (d->have_refaults)
    g_snprintf (buf, VALUE_LEN, "%" G_GUINT64_FORMAT, d->refaults);
  return d->have_refaults;
}

static gboolean
committed_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->have_committed, d->committed_kib, buf);
}

static gboolean
cached_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->have_cached, d->cached_kib, buf);
}

static gboolean
margin_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->report->managed, (guint64) MAX (0, d->report->margin_kib), buf);
}

static gboolean
weight_value (const BcMetricsDomain *d, char *buf)
{
  if (!d->report->managed || d->report->weight == 0)
    return FALSE;
  g_snprintf (buf, VALUE_LEN, "%u", d->report->weight);
  return TRUE;
}

static gboolean
share_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->report->managed && d->report->share_kib > 0, d->report->share_kib, buf);
}

/* every domain: nothing of one not managed */
static gboolean
reclaimable_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (TRUE, d->report->reclaimable_kib, buf);
}

static gboolean
floor_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->report->managed && d->report->floor_kib > 0, d->report->floor_kib, buf);
}

static gboolean
vmem_requested_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->have_vmem, d->vmem_requested_kib, buf);
}

static gboolean
vmem_plugged_value (const BcMetricsDomain *d, char *buf)
{
  return bytes_value (d->have_vmem, d->vmem_plugged_kib, buf);
}

static gboolean
agent_age_value (const BcMetricsDomain *d, char *buf)
{
  if (d->agent_age_ms < 0)
    return FALSE;
  g_snprintf (buf, VALUE_LEN, "%" G_GINT64_FORMAT ".%03d", d->agent_age_ms / 1000, (int) (d->agent_age_ms % 1000));
  return TRUE;
}

typedef struct {
  const char *name;
  const char *help;
  gboolean (*value) (const BcMetricsDomain *d, char *buf); /* FALSE: no sample */
  const char *type;        /* NULL: a gauge */
} DomainGauge;

static const DomainGauge domain_gauges[] = {
  { "balloonctl_domain_managed", "1 if balloonctl manages the domain's size (its balloon, or its virtio-mem device), 0 if it leaves it alone.", managed_value },
  { "balloonctl_domain_settings_error", "1 if the domain is left alone because its settings could not be read (invalid balloonctl metadata, or libvirt's error, retried), else 0.", settings_error_value },
  { "balloonctl_domain_held_stale", "1 while the domain is held at its size on stale figures (none fresh from its guest agent, or balloon statistics no longer updated), else 0 (managed domains).", held_stale_value },
  { "balloonctl_domain_current_bytes", "The domain's current size: its balloon's, as libvirt reports it, or for a domain sized by virtio-mem its boot memory and what its device has plugged.", current_value },
  { "balloonctl_domain_max_bytes", "The domain's maximum memory.", max_value },
  { "balloonctl_domain_target_bytes", "The size the last pass granted the domain (managed domains).", target_value },
  { "balloonctl_domain_wanted_bytes", "The size the domain's policy asked for on the last pass, before the host budget: above its target while the budget holds it back (managed domains the last pass decided).", wanted_value },
  { "balloonctl_domain_committed_bytes", "The guest's Committed_AS the last pass used (guest agent figures only).", committed_value },
  { "balloonctl_domain_cached_bytes", "The guest's page cache the last pass used (the agent's Cached, or the balloon's disk caches).", cached_value },
  { "balloonctl_domain_margin_bytes", "MarginSize: the page cache kept above Committed_AS (managed domains).", margin_value },
  { "balloonctl_domain_weight", "The domain's weight: its part of the host budget when the domains want more than it holds.", weight_value },
  { "balloonctl_domain_share_bytes", "The domain's weighted share while the domains want more than the host budget holds.", share_value },
  { "balloonctl_domain_agent_figures_age_seconds", "How old the guest agent's latest figures are.", agent_age_value },
  { "balloonctl_domain_reclaimable_bytes", "What could be taken from the domain now without its guest refaulting: its cold memory above its floor, with the guest agent's refault figures showing it quiet; else 0.", reclaimable_value },
  { "balloonctl_domain_floor_bytes", "The least the domain keeps: its target's floor, the configured min or used + guard (managed domains the last pass decided).", floor_value },
  { "balloonctl_domain_virtio_mem_requested_bytes", "The size last asked of the domain's virtio-mem device (domains sized by virtio-mem).", vmem_requested_value },
  { "balloonctl_domain_virtio_mem_plugged_bytes", "What the guest has plugged of its virtio-mem device: the domain's size is its boot memory and this (domains sized by virtio-mem).", vmem_plugged_value },
  { "balloonctl_domain_refaults_total", "Pages the guest read back into its page cache soon after evicting them (its /proc/vmstat workingset_refault_file), as its guest agent last said; from 0 again when the guest reboots.", refaults_value, "counter" },
};

static void
render_domain_gauge (GString *out, const DomainGauge *g, GPtrArray *domains)
{
  char buf[VALUE_LEN];

  append_header (out, g->name, g->type ? g->type : "gauge", g->help);
  for (guint i = 0; i < domains->len; i++)
    {
      const BcMetricsDomain *d = g_ptr_array_index (domains, i);

      if (!g->value (d, buf))
        continue;
      append_domain_series (out, g->name, d->report);
      g_string_append_printf (out, "} %s\n", buf);
    }
}

/* What sizes each domain, as an info metric: 1, the mechanism a label. */
static void
render_domain_info (GString *out, GPtrArray *domains)
{
  const char *name = "balloonctl_domain_info";

  append_header (out, name, "gauge", "1 for every domain, labelled memory_device: what sizes it, balloon or virtio-mem.");
  for (guint i = 0; i < domains->len; i++)
    {
      const BcReportDomain *r = ((const BcMetricsDomain *) g_ptr_array_index (domains, i))->report;

      append_domain_series (out, name, r);
      g_string_append_printf (out, ",memory_device=\"%s\"} 1\n", r->virtio_mem ? "virtio-mem" : "balloon");
    }
}

/* The UP/DOWN state machine, one series per state, 1 for the current. */
static void
render_margin_state (GString *out, GPtrArray *domains)
{
  static const char *const states[] = { "UP", "DOWN" };
  const char *name = "balloonctl_domain_margin_state";

  append_header (out, name, "gauge", "The margin controller's state (UP or DOWN): 1 for the current one (managed domains).");
  for (guint i = 0; i < domains->len; i++)
    {
      const BcReportDomain *r = ((const BcMetricsDomain *) g_ptr_array_index (domains, i))->report;

      for (guint s = 0; r->managed && s < G_N_ELEMENTS (states); s++)
        {
          append_domain_series (out, name, r);
          g_string_append_printf (out, ",state=\"%s\"} %d\n", states[s], g_strcmp0 (r->state, states[s]) == 0);
        }
    }
}

static void
render_counter (GString *out, const char *name, const char *help, guint64 value)
{
  append_header (out, name, "counter", help);
  g_string_append_printf (out, "%s %" G_GUINT64_FORMAT "\n", name, value);
}

static void
render_gauge (GString *out, const char *name, const char *help, gint64 value)
{
  append_header (out, name, "gauge", help);
  g_string_append_printf (out, "%s %" G_GINT64_FORMAT "\n", name, value);
}

void
bc_counters_tick (BcCounters *c, gint64 due_ms, gint64 now_ms)
{
  if (due_ms <= 0)
    return;
  c->tick_late_ms = MAX (0, now_ms - due_ms);
  c->tick_late_max_ms = MAX (c->tick_late_max_ms, c->tick_late_ms);
  c->ticks_late += c->tick_late_ms > BC_TICK_LATE_MS;
}

static void
render_seconds (GString *out, const char *name, const char *help, gint64 ms)
{
  append_header (out, name, "gauge", help);
  g_string_append_printf (out, "%s %" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT "\n", name, ms / 1000, ms % 1000);
}

/* A gauge in seconds, without a sample unless have. */
static void
render_optional_seconds (GString *out, const char *name, const char *help, gboolean have, gint64 ms)
{
  append_header (out, name, "gauge", help);
  if (have)
    g_string_append_printf (out, "%s %" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT "\n", name, ms / 1000, ms % 1000);
}

/* A gauge of the room; no sample before the first pass has counted it. */
static void
render_room_gauge (GString *out, const char *name, const char *help, const BcRoomHost *room, guint64 value)
{
  append_header (out, name, "gauge", help);
  if (room->guest_size_kib > 0)
    g_string_append_printf (out, "%s %" G_GUINT64_FORMAT "\n", name, value);
}

static void
render_room (GString *out, const BcRoomHost *room)
{
  guint64 reclaimable = room->reclaimable_kib > G_MAXUINT64 / 1024 ? G_MAXUINT64 : room->reclaimable_kib * 1024;
  guint64 size = room->guest_size_kib > G_MAXUINT64 / 1024 ? G_MAXUINT64 : room->guest_size_kib * 1024;

  render_room_gauge (out, "balloonctl_host_reclaimable_bytes",
                     "What could be taken from the domains now without a refault: the sum of balloonctl_domain_reclaimable_bytes.",
                     room, reclaimable);
  render_room_gauge (out, "balloonctl_host_held_bytes",
                     "What every domain holds, managed or not, as the host budget counts it (its balloon, or a target it is still settling to if larger).",
                     room, room->held_kib > G_MAXUINT64 / 1024 ? G_MAXUINT64 : room->held_kib * 1024);
  render_room_gauge (out, "balloonctl_host_room_guests",
                     "Room for this many more guests of balloonctl_host_room_guest_size_bytes: (the budget - what the domains hold + what is reclaimable) / that size.",
                     room, room->guests);
  render_room_gauge (out, "balloonctl_host_room_guest_size_bytes", "The guest size the room is counted in ([host] guest-size-mib).",
                     room, size);
}

static void
render_daemon (GString *out, const BcMetricsSnapshot *s)
{
  const BcCounters *c = &s->counters;

  render_counter (out, "balloonctl_passes_total", "Control passes (one every apply interval) run since the daemon started.", c->passes);
  render_counter (out, "balloonctl_collect_failures_total", "Reads of every domain's statistics that failed (no pass ran).", c->collect_failures);
  render_counter (out, "balloonctl_applies_total", "Balloon changes libvirt accepted.", c->applies);
  render_counter (out, "balloonctl_apply_failures_total", "Balloon changes libvirt refused (retried next pass).", c->apply_failures);
  render_counter (out, "balloonctl_agent_failures_total", "Guest agent reads that failed or timed out.", c->agent_failures);
  render_counter (out, "balloonctl_reconnects_total", "Connections to libvirt made again after it went away.", s->reconnects);
  render_gauge (out, "balloonctl_libvirt_connected", "1 while the daemon is connected to libvirt, 0 while it connects again.", s->connected);
  render_gauge (out, "balloonctl_host_budget_bytes", "The host budget in force: the most all domains may hold together.",
                (gint64) MIN (s->budget_kib, G_MAXINT64 / 1024) * 1024);
  render_room (out, &c->room);
  render_gauge (out, "balloonctl_last_pass_timestamp_seconds", "When the last control pass ran (unix time); 0 before the first.", c->last_pass_s);
  render_seconds (out, "balloonctl_tick_lateness_seconds", "How late the last tick came (after the one before plus the apply interval).", c->tick_late_ms);
  render_seconds (out, "balloonctl_tick_lateness_max_seconds", "The latest tick since the daemon started.", c->tick_late_max_ms);
  render_counter (out, "balloonctl_ticks_late_total", "Ticks more than 0.25 s late.", c->ticks_late);
  render_optional_seconds (out, "balloonctl_apply_interval_seconds", "The apply interval: a control pass is due every this many seconds.",
                           s->apply_interval_ms > 0, s->apply_interval_ms);
  render_optional_seconds (out, "balloonctl_pass_duration_seconds",
                           "How long the last control pass took, from its tick: reading every domain's statistics, deciding, starting the changes, writing the state file (no sample before the first).",
                           c->passes > 0, MAX (c->pass_ms, 0));
}

void
bc_metrics_render (GString *out, const BcMetricsSnapshot *s)
{
  render_daemon (out, s);
  render_domain_info (out, s->domains);
  for (guint i = 0; i < G_N_ELEMENTS (domain_gauges); i++)
    render_domain_gauge (out, &domain_gauges[i], s->domains);
  render_margin_state (out, s->domains);
}
