/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-report"

#include "bc-report-detail.h"
#include "bc-error.h"
#include "bc-json.h"
#include "bc-report.h"

#include <string.h>

static const char *const from_names[] = { NULL, "config", "metadata" };
static const char *const floor_names[] = { NULL, "min", "used", "took-back", "max" };

const char *
bc_report_from_to_string (BcReportFrom from)
{
  return (guint) from < G_N_ELEMENTS (from_names) ? from_names[from] : NULL;
}

const char *
bc_report_floor_to_string (BcReportFloor floor)
{
  return (guint) floor < G_N_ELEMENTS (floor_names) ? floor_names[floor] : NULL;
}

/* A name of names[], its index; 0 (unknown) for anything else. */
static guint
parse_name (const char *s, const char *const *names, guint n)
{
  for (guint i = 1; s && i < n; i++)
    if (strcmp (s, names[i]) == 0)
      return i;
  return 0;
}

/* ---- history ----------------------------------------------------------- */

void
bc_report_history_clear (BcReportHistory *h)
{
  for (guint i = 0; i < h->n; i++)
    g_free (h->items[i].reason);
  memset (h, 0, sizeof *h);
}

void
bc_report_history_copy (BcReportHistory *to, const BcReportHistory *from)
{
  *to = *from;
  for (guint i = 0; i < to->n; i++)
    to->items[i].reason = g_strdup (from->items[i].reason);
}

/* At most BC_REPORT_REASON_MAX bytes, cut at a character (the daemon's
 * reasons are far shorter: a file it wrote is never refused for one). */
static char *
bounded_reason (const char *reason)
{
  const char *end;

  if (reason == NULL || strlen (reason) <= BC_REPORT_REASON_MAX)
    return g_strdup (reason);
  end = reason + BC_REPORT_REASON_MAX;
  while (end > reason && ((guchar) *end & 0xc0) == 0x80)
    end--;
  return g_strndup (reason, (gsize) (end - reason));
}

void
bc_report_history_push (BcReportHistory *h, gint64 at_ms, guint64 old_kib, guint64 new_kib, const char *reason)
{
  if (at_ms == 0 || (h->n > 0 && h->items[0].at_ms == at_ms && h->items[0].old_kib == old_kib &&
                     h->items[0].new_kib == new_kib))
    return;
  if (h->n == BC_REPORT_HISTORY_MAX)
    g_free (h->items[--h->n].reason);
  memmove (&h->items[1], &h->items[0], h->n * sizeof h->items[0]);
  h->items[0] = (BcReportChange) { at_ms, old_kib, new_kib, bounded_reason (reason) };
  h->n++;
}

static gboolean
history_equal (const BcReportHistory *a, const BcReportHistory *b)
{
  if (a->n != b->n)
    return FALSE;
  for (guint i = 0; i < a->n; i++)
    if (a->items[i].at_ms != b->items[i].at_ms || a->items[i].new_kib != b->items[i].new_kib)
      return FALSE;
  return TRUE;
}

/* ---- the detail -------------------------------------------------------- */

void
bc_report_detail_clear (BcReportDetail *d)
{
  g_free (d->margin_reason);
  bc_report_history_clear (&d->history);
  memset (d, 0, sizeof *d);
}

void
bc_report_detail_copy (BcReportDetail *to, const BcReportDetail *from)
{
  *to = *from;
  to->margin_reason = g_strdup (from->margin_reason);
  bc_report_history_copy (&to->history, &from->history);
}

gboolean
bc_report_detail_equal (const BcReportDetail *a, const BcReportDetail *b)
{
  return a->decided == b->decided && a->budget_held == b->budget_held && a->limits_known == b->limits_known &&
         a->min_kib == b->min_kib && a->min_from == b->min_from && a->max_kib == b->max_kib &&
         a->max_from == b->max_from && a->weight_from == b->weight_from && a->held == b->held &&
         a->figures_known == b->figures_known &&
         history_equal (&a->history, &b->history);
}

/* ---- JSON out ---------------------------------------------------------- */

static void
add_boolean (JsonBuilder *b, const char *key, gboolean value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, value);
}

static void
add_decision (JsonBuilder *b, const BcReportDetail *d)
{
  json_builder_set_member_name (b, "decision");
  if (!d->decided)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  bc_json_add_kib (b, "committed_kib", TRUE, d->committed_kib);
  bc_json_add_kib (b, "want_kib", TRUE, d->want_kib);
  add_boolean (b, "budget_held", d->budget_held);
  bc_json_add_string (b, "floor_from", bc_report_floor_to_string (d->floor_from));
  json_builder_end_object (b);
}

static void
add_limits (JsonBuilder *b, const BcReportDetail *d)
{
  json_builder_set_member_name (b, "limits");
  if (!d->limits_known)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  bc_json_add_kib (b, "min_kib", TRUE, d->min_kib);
  bc_json_add_string (b, "min_from", bc_report_from_to_string (d->min_from));
  bc_json_add_kib (b, "max_kib", d->max_kib > 0, d->max_kib);
  bc_json_add_string (b, "max_from", d->max_kib > 0 ? bc_report_from_to_string (d->max_from) : NULL);
  bc_json_add_string (b, "weight_from", bc_report_from_to_string (d->weight_from));
  json_builder_end_object (b);
}

static void
add_figures (JsonBuilder *b, const BcReportDetail *d)
{
  json_builder_set_member_name (b, "figures");
  if (!d->figures_known)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  bc_json_add_kib (b, "agent_at_ms", d->agent_at_ms > 0, (guint64) d->agent_at_ms);
  bc_json_add_kib (b, "agent_max_age_ms", d->agent_max_age_ms > 0, (guint64) d->agent_max_age_ms);
  bc_json_add_kib (b, "balloon_at_ms", d->balloon_at_ms > 0, (guint64) d->balloon_at_ms);
  bc_json_add_kib (b, "balloon_max_age_ms", d->balloon_max_age_ms > 0, (guint64) d->balloon_max_age_ms);
  add_boolean (b, "held", d->held);
  json_builder_end_object (b);
}

static void
add_history (JsonBuilder *b, const BcReportHistory *h)
{
  json_builder_set_member_name (b, "history");
  json_builder_begin_array (b);
  for (guint i = 0; i < h->n; i++)
    {
      json_builder_begin_object (b);
      bc_json_add_int (b, "at_ms", h->items[i].at_ms);
      bc_json_add_kib (b, "old_kib", TRUE, h->items[i].old_kib);
      bc_json_add_kib (b, "new_kib", TRUE, h->items[i].new_kib);
      bc_json_add_string (b, "reason", h->items[i].reason);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

void
bc_report_detail_add (JsonBuilder *b, const BcReportDetail *d)
{
  bc_json_add_string (b, "margin_reason", d->margin_reason);
  add_decision (b, d);
  add_limits (b, d);
  add_figures (b, d);
  add_history (b, &d->history);
}

/* ---- JSON in ----------------------------------------------------------- */

/* The member key as an object, NULL when missing or of another type. */
static JsonObject *
member_object (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gboolean
parse_decision (JsonObject *o, BcReportDetail *d, GError **error)
{
  o = member_object (o, "decision");
  if (o == NULL)
    return TRUE;
  d->decided = TRUE;
  d->budget_held = bc_json_member_true (o, "budget_held");
  d->floor_from = parse_name (bc_json_member_string (o, "floor_from"), floor_names, G_N_ELEMENTS (floor_names));
  return bc_report_member_kib (o, "committed_kib", &d->committed_kib, error) &&
         bc_report_member_kib (o, "want_kib", &d->want_kib, error);
}

static gboolean
parse_limits (JsonObject *o, BcReportDetail *d, GError **error)
{
  o = member_object (o, "limits");
  if (o == NULL)
    return TRUE;
  d->limits_known = TRUE;
  d->min_from = parse_name (bc_json_member_string (o, "min_from"), from_names, G_N_ELEMENTS (from_names));
  d->max_from = parse_name (bc_json_member_string (o, "max_from"), from_names, G_N_ELEMENTS (from_names));
  d->weight_from = parse_name (bc_json_member_string (o, "weight_from"), from_names, G_N_ELEMENTS (from_names));
  return bc_report_member_kib (o, "min_kib", &d->min_kib, error) &&
         bc_report_member_kib (o, "max_kib", &d->max_kib, error);
}

static gboolean
parse_figures (JsonObject *o, BcReportDetail *d, GError **error)
{
  o = member_object (o, "figures");
  if (o == NULL)
    return TRUE;
  d->figures_known = TRUE;
  d->held = bc_json_member_true (o, "held");
  return bc_report_member_in (o, "agent_at_ms", 0, G_MAXINT64, &d->agent_at_ms, error) &&
         bc_report_member_in (o, "agent_max_age_ms", 0, BC_REPORT_MAX_AGE_MS, &d->agent_max_age_ms, error) &&
         bc_report_member_in (o, "balloon_at_ms", 0, G_MAXINT64, &d->balloon_at_ms, error) &&
         bc_report_member_in (o, "balloon_max_age_ms", 0, BC_REPORT_MAX_AGE_MS, &d->balloon_max_age_ms, error);
}

/* One change: an object with a time; its reason a string (or null) of at
 * most BC_REPORT_REASON_MAX bytes. */
static gboolean
parse_change (JsonNode *node, BcReportChange *c, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *reason = o ? json_object_get_member (o, "reason") : NULL;

  if (o == NULL)
    return bc_set_error (error, BC_ERROR_FAILED, "not an object");
  if (reason && !JSON_NODE_HOLDS_NULL (reason) && bc_json_member_string (o, "reason") == NULL)
    return bc_set_error (error, BC_ERROR_FAILED, "reason is not a string");
  if (reason && bc_json_member_string (o, "reason") && strlen (bc_json_member_string (o, "reason")) > BC_REPORT_REASON_MAX)
    return bc_set_error (error, BC_ERROR_FAILED, "reason longer than %d bytes", BC_REPORT_REASON_MAX);
  if (!bc_report_member_in (o, "at_ms", BC_REPORT_MIN_TIME_MS, G_MAXINT64, &c->at_ms, error) ||
      !bc_report_member_kib (o, "old_kib", &c->old_kib, error) || !bc_report_member_kib (o, "new_kib", &c->new_kib, error))
    return FALSE;
  c->reason = g_strdup (bc_json_member_string (o, "reason"));
  return TRUE;
}

/* Missing or null: no history (a daemon from before it). */
static gboolean
parse_history (JsonObject *o, BcReportHistory *h, GError **error)
{
  JsonNode *node = json_object_get_member (o, "history");
  JsonArray *a;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return bc_set_error (error, BC_ERROR_FAILED, "history is not an array");
  a = json_node_get_array (node);
  if (json_array_get_length (a) > BC_REPORT_HISTORY_MAX)
    return bc_set_error (error, BC_ERROR_FAILED, "history has %u changes, at most %d", json_array_get_length (a),
                         BC_REPORT_HISTORY_MAX);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      if (!parse_change (json_array_get_element (a, i), &h->items[i], error))
        return g_prefix_error (error, "history change %u: ", i + 1), FALSE;
      h->n++;
    }
  return TRUE;
}

gboolean
bc_report_detail_parse (JsonObject *o, BcReportDetail *d, GError **error)
{
  d->margin_reason = g_strdup (bc_json_member_string (o, "margin_reason"));
  return parse_decision (o, d, error) && parse_limits (o, d, error) && parse_figures (o, d, error) &&
         parse_history (o, &d->history, error);
}

static gboolean
same_change (const BcReportChange *a, const BcReportChange *b)
{
  g_autofree char *reason = bounded_reason (b->reason);

  return a->at_ms == b->at_ms && a->old_kib == b->old_kib && a->new_kib == b->new_kib &&
         g_strcmp0 (a->reason, reason) == 0;
}

gboolean
bc_report_history_check (const BcReportHistory *h, const BcReportChange *last, GError **error)
{
  for (guint i = 1; i < h->n; i++)
    {
      const BcReportChange *newer = &h->items[i - 1], *c = &h->items[i];

      if (c->at_ms > newer->at_ms)
        return bc_set_error (error, BC_ERROR_FAILED, "history is not latest first: change %u at %" G_GINT64_FORMAT
                             " is after change %u at %" G_GINT64_FORMAT, i + 1, c->at_ms, i, newer->at_ms);
      /* what bc_report_history_push never keeps twice */
      if (c->at_ms == newer->at_ms && c->old_kib == newer->old_kib && c->new_kib == newer->new_kib)
        return bc_set_error (error, BC_ERROR_FAILED, "history changes %u and %u are the same change", i, i + 1);
    }
  if (h->n > 0 && last->at_ms == 0)
    return bc_set_error (error, BC_ERROR_FAILED, "history has changes but last_change is null");
  if (h->n > 0 && !same_change (&h->items[0], last))
    return bc_set_error (error, BC_ERROR_FAILED, "history change 1 is not last_change");
  return TRUE;
}

static gboolean
check_time (const char *what, gint64 at_ms, gint64 latest_ms, GError **error)
{
  if (at_ms <= latest_ms)
    return TRUE;
  return bc_set_error (error, BC_ERROR_FAILED, "%s %" G_GINT64_FORMAT " is in the future", what, at_ms);
}

gboolean
bc_report_detail_check_times (const BcReportDetail *d, gint64 latest_ms, GError **error)
{
  if (!check_time ("figures agent_at_ms", d->agent_at_ms, latest_ms, error) ||
      !check_time ("figures balloon_at_ms", d->balloon_at_ms, latest_ms, error))
    return FALSE;
  for (guint i = 0; i < d->history.n; i++)
    if (!check_time ("history at_ms", d->history.items[i].at_ms, latest_ms, error))
      return FALSE;
  return TRUE;
}
