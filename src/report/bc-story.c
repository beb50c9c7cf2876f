/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-status"

#include "bc-story.h"
#include "bc-json.h"
#include "bc-term.h"

#include <stdarg.h>

/* "Label:       value", the value escaped for a terminal: it carries what
 * guests, libvirt and the state file say. */
static void G_GNUC_PRINTF (3, 4)
line (GString *out, const char *label, const char *fmt, ...)
{
  g_autofree char *value = NULL, *shown = NULL;
  va_list ap;

  va_start (ap, fmt);
  value = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  shown = bc_term_escape (value);
  g_string_append_printf (out, "%-14s%s\n", label, shown);
}

static const char *
from_words (BcReportFrom from, const char *key, const char *element)
{
  switch (from)
    {
    case BC_REPORT_FROM_CONFIG: return key;
    case BC_REPORT_FROM_METADATA: return element;
    case BC_REPORT_FROM_UNKNOWN:
    default: return "from where not said";
    }
}

/* ---- the lines ---------------------------------------------------------- */

static void
size_line (const BcStatusRow *row, GString *out)
{
  g_autofree char *current = bc_status_human (row->current_kib), *max = bc_status_human (row->max_kib);

  line (out, "Size:", "%s now, %s at most (its maximum memory)", current, max);
}

/* What the guest says now, when no daemon says what it made of it. */
static void
live_line (const BcStatusRow *row, GString *out)
{
  g_autofree char *committed = bc_status_human (row->committed_kib), *cached = bc_status_human (row->cached_kib);
  g_autofree char *active = bc_status_human (row->active_file_kib);

  if (row->have_committed)
    line (out, "Guest:", "Committed_AS %s, cache %s, active(file) %s (guest agent, now)", committed, cached, active);
  else if (row->have_cached)
    line (out, "Guest:", "cache %s (balloon statistics, now; no answer from a guest agent)", cached);
  else
    line (out, "Guest:", "no figures: no guest agent, no balloon statistics");
}

static void
daemon_line (const BcReport *daemon, gint64 now_ms, GString *out)
{
  g_autofree char *when = bc_status_ago (daemon->updated_ms, now_ms);

  line (out, "Daemon:", "pid %" G_GINT64_FORMAT ", policy %s, state written %s", daemon->pid,
        daemon->policy ? daemon->policy : "not said", when);
}

static void
target_line (const BcReportDomain *c, GString *out)
{
  g_autofree char *target = bc_status_human (c->target_kib), *want = bc_status_human (c->detail.want_kib);

  if (c->target_kib == 0)
    line (out, "Target:", "none this pass: %s", c->note ? c->note : "no usable figures");
  else if (c->detail.decided && c->detail.budget_held)
    line (out, "Target:", "%s, what the host budget grants it (it wants %s)", target, want);
  else
    line (out, "Target:", "%s, what the daemon sizes it to", target);
  if (c->target_kib > 0 && c->note)
    line (out, "Note:", "%s", c->note);
}

/* want = committed + margin, then its floor, ceiling and shrink rate. */
static void
want_line (const BcReportDomain *c, GString *out)
{
  const BcReportDetail *d = &c->detail;
  gint64 raw = (gint64) d->committed_kib + c->margin_kib;
  g_autofree char *want = bc_status_human (d->want_kib), *committed = bc_status_human (d->committed_kib);
  g_autofree char *sum = bc_status_human (raw > 0 ? (guint64) raw : 0);
  g_autofree char *what = g_strcmp0 (c->source, "agent") == 0
                             ? g_strdup_printf ("Committed_AS %s (guest agent)", committed)
                             : g_strdup_printf ("used %s (balloon statistics: no Committed_AS without a guest agent)", committed);

  if (raw >= 0 && d->want_kib == (guint64) raw)
    line (out, "Wants:", "%s = %s + margin %" G_GINT64_FORMAT " MiB", want, what, c->margin_kib / 1024);
  else
    line (out, "Wants:", "%s: %s + margin %" G_GINT64_FORMAT " MiB = %s, %s", want, what, c->margin_kib / 1024, sum,
          d->want_kib > (guint64) MAX (raw, 0) ? "raised to its floor or slowed by the shrink rate"
                                                : "capped at its ceiling");
}

static void
margin_line (const BcReportDomain *c, GString *out)
{
  line (out, "Margin:", "%" G_GINT64_FORMAT " MiB, state %s; its last step: %s", c->margin_kib / 1024,
        c->state ? c->state : "not said", c->detail.margin_reason ? c->detail.margin_reason : "not said");
}

static const char *
floor_words (BcReportFloor floor)
{
  switch (floor)
    {
    case BC_REPORT_FLOOR_MIN: return "its min";
    case BC_REPORT_FLOOR_USED: return "what the guest uses plus [safety] guard-mib, at most what it holds";
    case BC_REPORT_FLOOR_TOOK_BACK: return "the size its guest took back from the balloon, kept for a minute";
    case BC_REPORT_FLOOR_MAX: return "its ceiling, which is below its min";
    case BC_REPORT_FLOOR_UNKNOWN:
    default: return "not said";
    }
}

static void
floor_line (const BcReportDomain *c, GString *out)
{
  g_autofree char *floor = bc_status_human (c->floor_kib);

  if (c->floor_kib == 0)
    return;
  line (out, "Floor:", "%s, never taken below: %s", floor, floor_words (c->detail.floor_from));
}

static void
limits_line (const BcReportDetail *d, const BcStatusRow *row, GString *out)
{
  g_autofree char *min = bc_status_human (d->min_kib), *max = bc_status_human (d->max_kib);
  g_autofree char *own = bc_status_human (row->max_kib);

  if (!d->limits_known)
    return;
  if (d->max_kib > 0)
    line (out, "Limits:", "min %s (%s), max %s (%s)", min, from_words (d->min_from, "[domain] min-mib", "its metadata's <min-mib>"),
          max, from_words (d->max_from, "[domain] max-mib", "its metadata's <max-mib>"));
  else
    line (out, "Limits:", "min %s (%s), max none set: its maximum memory, %s", min,
          from_words (d->min_from, "[domain] min-mib", "its metadata's <min-mib>"), own);
}

static void
weight_line (const BcReportDomain *c, GString *out)
{
  g_autofree char *share = bc_status_human (c->share_kib);
  const char *from = c->detail.limits_known ? from_words (c->detail.weight_from, "[domain] weight", "its metadata's <weight>")
                                            : "from where not said";

  if (c->weight == 0)
    return;
  if (c->share_kib > 0)
    line (out, "Weight:", "%u (%s): its share %s, the domains wanting more than the host budget holds",
          c->weight, from, share);
  else if (c->detail.budget_held)
    line (out, "Weight:", "%u (%s): no share, the domains' floors alone do not fit in the host budget",
          c->weight, from);
  else
    line (out, "Weight:", "%u (%s): no share needed, every target fits in the host budget", c->weight, from);
}

static void
budget_line (const BcReport *daemon, const BcReportDomain *c, GString *out)
{
  g_autofree char *budget = bc_status_human ((guint64) daemon->budget_kib), *held = bc_status_human (daemon->host.held_kib);
  g_autofree char *want = bc_status_human (c->detail.want_kib), *target = bc_status_human (c->target_kib);
  g_autofree char *room = NULL;

  if (daemon->budget_kib <= 0)
    return;
  room = daemon->host.known ? g_strdup_printf (", every domain holding %s", held) : g_strdup ("");
  if (c->detail.decided && c->detail.budget_held)
    line (out, "Host budget:", "%s%s; it held this domain back: %s of the %s it wants", budget, room, target, want);
  else if (c->detail.decided)
    line (out, "Host budget:", "%s%s; it did not hold this domain back", budget, room);
  else
    line (out, "Host budget:", "%s%s", budget, room);
}

static void
reclaimable_line (const BcReportDomain *c, GString *out)
{
  g_autofree char *reclaimable = bc_status_human (c->reclaimable_kib);

  if (c->reclaimable_kib > 0)
    line (out, "Reclaimable:", "%s could be taken now without its guest reading a page back", reclaimable);
}

/* ms as seconds with one decimal, rounded down or up. */
static char *
tenths (guint64 ms, gboolean up)
{
  guint64 t = ms / 100 + (up && ms % 100 != 0);

  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT "s", t / 10, t % 10);
}

/* "read 3s ago (fresh: 2.6s old at the last pass, acted on up to 11.0s
 * old)": judged as the daemon did, at its last pass (the state file's
 * time), not now; a fresh age rounded down and a stale one up, so that
 * the figures shown agree with the word. */
static char *
freshness (gint64 at_ms, gint64 max_age_ms, gint64 pass_ms, gint64 now_ms)
{
  g_autofree char *when = bc_status_ago (at_ms, now_ms);
  guint64 age = at_ms < pass_ms ? (guint64) pass_ms - (guint64) at_ms : 0;
  gboolean stale = age > (guint64) max_age_ms;
  g_autofree char *old = NULL, *limit = NULL;

  if (max_age_ms <= 0)
    return g_strdup_printf ("read %s", when);
  old = tenths (age, stale);
  limit = tenths ((guint64) max_age_ms, FALSE);
  return g_strdup_printf ("read %s (%s: %s old at the last pass, acted on up to %s old)", when,
                          stale ? "stale" : "fresh", old, limit);
}

static const char *
source_words (const char *source)
{
  if (g_strcmp0 (source, "agent") == 0)
    return "decided from the guest agent's";
  if (g_strcmp0 (source, "balloon-only") == 0)
    return "decided from the balloon statistics alone";
  return "none decided from yet";
}

static void
figures_line (const BcReportDomain *c, gint64 pass_ms, gint64 now_ms, GString *out)
{
  const BcReportDetail *d = &c->detail;
  g_autofree char *agent = d->agent_at_ms > 0 ? freshness (d->agent_at_ms, d->agent_max_age_ms, pass_ms, now_ms)
                                              : g_strdup ("never read");
  g_autofree char *balloon = d->balloon_at_ms > 0
                               ? freshness (d->balloon_at_ms, d->balloon_max_age_ms, pass_ms, now_ms)
                               : g_strdup ("of unknown age");

  if (!d->figures_known)
    line (out, "Figures:", "%s; how old not said (a daemon from before balloonctl said it)", source_words (c->source));
  else
    line (out, "Figures:", "%s; agent figures %s; balloon statistics %s%s", source_words (c->source), agent, balloon,
          d->held ? "; held at its size: its figures are too old" : "");
}

static void
change_line (const BcReportChange *ch, gint64 now_ms, GString *out)
{
  g_autofree char *when = bc_status_ago (ch->at_ms, now_ms);
  g_autofree char *from = bc_status_human (ch->old_kib), *to = bc_status_human (ch->new_kib);
  g_autofree char *text = g_strdup_printf ("%s -> %s, %s", from, to, ch->reason ? ch->reason : "no reason said");
  g_autofree char *shown = bc_term_escape (text);

  g_string_append_printf (out, "  %-12s%s\n", when, shown);
}

static void
changes_lines (const BcReportDomain *c, gint64 now_ms, GString *out)
{
  const BcReportHistory *h = &c->detail.history;
  BcReportChange last = { c->change_at_ms, c->change_old_kib, c->change_new_kib, c->change_reason };

  if (h->n == 0 && c->change_at_ms == 0)
    {
      line (out, "Changes:", "none yet");
      return;
    }
  line (out, "Changes:", "latest first");
  /* a daemon from before the history: its last change alone */
  if (h->n == 0)
    change_line (&last, now_ms, out);
  for (guint i = 0; i < h->n; i++)
    change_line (&h->items[i], now_ms, out);
}

/* ---- the story ---------------------------------------------------------- */

static void
managed_lines (const BcStatusRow *row, const BcReport *daemon, gint64 now_ms, GString *out)
{
  const BcReportDomain *c = row->ctl;

  target_line (c, out);
  if (c->detail.decided)
    want_line (c, out);
  margin_line (c, out);
  floor_line (c, out);
  limits_line (&c->detail, row, out);
  weight_line (c, out);
  budget_line (daemon, c, out);
  reclaimable_line (c, out);
  figures_line (c, daemon->updated_ms, now_ms, out);
  changes_lines (c, now_ms, out);
}

static void
no_daemon_line (const char *why_none, GString *out)
{
  line (out, "Daemon:", "no decision to explain (target, margin, floor, share, changes): %s",
        why_none ? why_none : "the daemon is not running");
}

void
bc_story_format_text (const BcStatusRow *row, const BcReport *daemon, const char *why_none, gint64 now_ms,
                      GString *out)
{
  line (out, "Name:", "%s", row->name ? row->name : "");
  line (out, "UUID:", "%s", row->uuid ? row->uuid : "");
  size_line (row, out);
  if (daemon == NULL || row->ctl == NULL)
    live_line (row, out);
  if (daemon == NULL)
    {
      no_daemon_line (why_none, out);
      return;
    }
  daemon_line (daemon, now_ms, out);
  if (row->ctl == NULL)
    line (out, "Managed:", "not known: the daemon has not listed it yet (started since its last pass?)");
  else if (!row->ctl->managed)
    line (out, "Managed:", "no: %s", row->ctl->note ? row->ctl->note : "reason not said");
  else
    managed_lines (row, daemon, now_ms, out);
}

void
bc_story_format_json (const BcStatusRow *row, const BcReport *daemon, GString *out)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  bc_json_add_int (b, "schema", BC_STATUS_JSON_SCHEMA);
  bc_status_add_daemon (b, daemon);
  json_builder_set_member_name (b, "domain");
  bc_status_add_row (b, row);
  json_builder_end_object (b);
  text = bc_json_to_data (b);
  g_string_append (out, text);
  g_string_append_c (out, '\n');
}
