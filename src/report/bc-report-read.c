/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state file read back (status, --watch): strict, bounded, every
 * figure within range, and only while its daemon lives and writes it. */
#define G_LOG_DOMAIN "balloonctl-report"

#include "bc-report.h"
#include "bc-config.h"
#include "bc-file.h"
#include "bc-error.h"
#include "bc-json.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

gboolean
bc_report_member_in (JsonObject *o, const char *key, gint64 min, gint64 max, gint64 *out, GError **error)
{
  gint64 v = bc_json_member_int (o, key, 0);

  if (v < min || v > max)
    return bc_set_error (error, BC_ERROR_FAILED, "%s %" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")",
                         key, v, min, max);
  *out = v;
  return TRUE;
}

gboolean
bc_report_member_kib (JsonObject *o, const char *key, guint64 *out, GError **error)
{
  gint64 v = 0;

  if (!bc_report_member_in (o, key, 0, BC_REPORT_MAX_KIB, &v, error))
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gboolean
parse_change (JsonObject *o, BcReportDomain *d, GError **error)
{
  JsonNode *change = json_object_get_member (o, "last_change");

  if (change == NULL || !JSON_NODE_HOLDS_OBJECT (change))
    return TRUE;
  o = json_node_get_object (change);
  d->change_reason = g_strdup (bc_json_member_string (o, "reason"));
  if (bc_report_member_in (o, "at_ms", BC_REPORT_MIN_TIME_MS, G_MAXINT64, &d->change_at_ms, error) &&
      bc_report_member_kib (o, "old_kib", &d->change_old_kib, error) &&
      bc_report_member_kib (o, "new_kib", &d->change_new_kib, error))
    return TRUE;
  g_prefix_error (error, "last_change: ");
  return FALSE;
}

/* A share is a weight's part of the budget: a daemon writes one only
 * with the weight it was shared by (1 or more). */
static gboolean
check_share (const BcReportDomain *d, GError **error)
{
  if (d->share_kib > 0 && d->weight == 0)
    return bc_set_error (error, BC_ERROR_FAILED, "share_kib %" G_GUINT64_FORMAT " with no weight", d->share_kib);
  return TRUE;
}

gboolean
bc_report_check_max (const BcReport *r, const char *uuid, guint64 max_kib, GError **error)
{
  const BcReportDomain *d = bc_report_find (r, uuid);
  const char *what = NULL;
  guint64 kib = 0;

  if (d == NULL || max_kib == 0)
    return TRUE;
  if (d->target_kib > max_kib)
    what = "target_kib", kib = d->target_kib;
  else if (d->floor_kib > max_kib)
    what = "floor_kib", kib = d->floor_kib;
  if (what == NULL)
    return TRUE;
  return bc_set_error (error, BC_ERROR_FAILED, "state file: domain %s: %s %" G_GUINT64_FORMAT
                       " is above its maximum memory, %" G_GUINT64_FORMAT " KiB", uuid, what, kib, max_kib);
}

/* The history against the last change (a daemon from before the history
 * wrote none: nothing to check). */
static gboolean
check_history (const BcReportDomain *d, GError **error)
{
  BcReportChange last = { d->change_at_ms, d->change_old_kib, d->change_new_kib, d->change_reason };

  return bc_report_history_check (&d->detail.history, &last, error);
}

/* What bc_report_add_controller wrote; members of the wrong type read as
 * unknown, figures out of range are refused. */
static gboolean
member_weight (JsonObject *o, BcWeight *out, GError **error)
{
  gint64 v = 0;

  if (!bc_report_member_in (o, "weight", 0, BC_WEIGHT_MAX, &v, error))
    return FALSE;
  *out = (BcWeight) v;
  return TRUE;
}

static gboolean
parse_controller (JsonObject *o, BcReportDomain *d, GError **error)
{
  d->managed = bc_json_member_true (o, "managed");
  d->deflate_on_oom = bc_json_member_true (o, "deflate_on_oom");
  d->virtio_mem = g_strcmp0 (bc_json_member_string (o, "memory_device"), "virtio-mem") == 0;
  d->note = g_strdup (bc_json_member_string (o, "note"));
  d->state = g_strdup (bc_json_member_string (o, "state"));
  d->source = g_strdup (bc_json_member_string (o, "source"));
  return bc_report_member_in (o, "margin_kib", 0, BC_REPORT_MAX_KIB, &d->margin_kib, error) &&
         bc_report_member_kib (o, "target_kib", &d->target_kib, error) && bc_report_member_kib (o, "share_kib", &d->share_kib, error) &&
         bc_report_member_kib (o, "reclaimable_kib", &d->reclaimable_kib, error) &&
         bc_report_member_kib (o, "floor_kib", &d->floor_kib, error) &&
         member_weight (o, &d->weight, error) && check_share (d, error) &&
         parse_change (o, d, error) && bc_report_detail_parse (o, &d->detail, error) && check_history (d, error);
}

static gboolean
parse_domain (BcReport *r, JsonNode *node, GError **error)
{
  JsonObject *o;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  o = json_node_get_object (node);
  if (bc_json_member_string (o, "uuid") == NULL)
    return TRUE;
  return parse_controller (o, bc_report_add_domain (r, bc_json_member_string (o, "uuid"),
                                                    bc_json_member_string (o, "name")), error);
}

static gboolean
parse_domains (BcReport *r, JsonObject *o, GError **error)
{
  JsonNode *domains = json_object_get_member (o, "domains");
  JsonArray *a;

  if (domains == NULL || !JSON_NODE_HOLDS_ARRAY (domains))
    return TRUE;
  a = json_node_get_array (domains);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autoptr (GError) local = NULL;

      if (!parse_domain (r, json_array_get_element (a, i), &local))
        return bc_set_error (error, BC_ERROR_FAILED, "state file: domain %u: %s", i + 1, local->message);
    }
  return TRUE;
}

/* What bc_report_add_host wrote; its budget_kib is the daemon's. */
static gboolean
parse_host (BcReport *r, JsonObject *o, GError **error)
{
  JsonNode *host = json_object_get_member (o, "host");

  if (host == NULL || !JSON_NODE_HOLDS_OBJECT (host))
    return TRUE;
  o = json_node_get_object (host);
  r->host.known = TRUE;
  if (bc_report_member_kib (o, "held_kib", &r->host.held_kib, error) &&
      bc_report_member_kib (o, "reclaimable_kib", &r->host.reclaimable_kib, error) &&
      bc_report_member_kib (o, "guest_size_kib", &r->host.guest_size_kib, error) &&
      bc_report_member_kib (o, "room_guests", &r->host.guests, error))
    return TRUE;
  g_prefix_error (error, "host: ");
  return FALSE;
}

static gboolean
parse_daemon (BcReport *r, JsonObject *o, GError **error)
{
  g_autoptr (GError) local = NULL;

  r->uri = g_strdup (bc_json_member_string (o, "uri"));
  r->policy = g_strdup (bc_json_member_string (o, "policy"));
  if (bc_report_member_in (o, "pid", 0, G_MAXINT, &r->pid, &local) &&
      bc_report_member_in (o, "updated_ms", 0, G_MAXINT64, &r->updated_ms, &local) &&
      bc_report_member_in (o, "apply_interval_ms", 0, BC_REPORT_MAX_INTERVAL_MS, &r->apply_interval_ms, &local) &&
      bc_report_member_in (o, "budget_kib", 0, BC_REPORT_MAX_KIB, &r->budget_kib, &local) && parse_host (r, o, &local))
    return TRUE;
  return bc_set_error (error, BC_ERROR_FAILED, "state file: %s", local->message);
}

BcReport *
bc_report_from_json (const char *text, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) root = bc_json_parse_object (text, &local);
  g_autoptr (BcReport) r = bc_report_new ();
  gsize at;

  if (root == NULL)
    return bc_set_error (error, BC_ERROR_FAILED, "state file: %s", local->message), NULL;
  /* a string would end there unsaid: no daemon writes one */
  if (bc_json_find_nul_escape (text, &at))
    return bc_set_error (error, BC_ERROR_FAILED, "state file: a string holds \\u0000 (NUL) at byte %" G_GSIZE_FORMAT,
                         at + 1), NULL;
  if (!parse_daemon (r, json_node_get_object (root), error) ||
      !parse_domains (r, json_node_get_object (root), error))
    return NULL;
  return g_steal_pointer (&r);
}

static gboolean
pid_alive (gint64 pid)
{
  return pid > 0 && pid <= G_MAXINT && (kill ((pid_t) pid, 0) == 0 || errno == EPERM);
}

/* The file's text, NULL (no error) when there is none; a file larger than
 * any daemon writes is refused before it is read. */
static char *
read_bounded (const char *path, GError **error)
{
  BcFileResult res;
  char *text = bc_file_read (path, BC_REPORT_MAX_FILE_SIZE, &res);

  if (text || (res.status == BC_FILE_OPEN_FAILED && res.err == ENOENT))
    return text;
  if (res.status == BC_FILE_OPEN_FAILED || res.status == BC_FILE_READ_FAILED)
    return bc_set_error (error, BC_ERROR_FAILED, "%s", g_strerror (res.err)), NULL;
  return bc_set_error (error, BC_ERROR_FAILED, "not a regular file of at most %d bytes", BC_REPORT_MAX_FILE_SIZE), NULL;
}

gboolean
bc_report_check_times (const BcReport *r, gint64 now_ms, GError **error)
{
  gint64 latest = now_ms + BC_REPORT_SKEW_MS;

  if (r->updated_ms > latest)
    return bc_set_error (error, BC_ERROR_FAILED, "state file: updated_ms %" G_GINT64_FORMAT " is %" G_GINT64_FORMAT " s in the future",
                         r->updated_ms, (r->updated_ms - now_ms) / 1000);
  for (guint i = 0; i < r->domains->len; i++)
    {
      const BcReportDomain *d = g_ptr_array_index (r->domains, i);

      g_autoptr (GError) local = NULL;

      if (d->change_at_ms > latest)
        return bc_set_error (error, BC_ERROR_FAILED, "state file: domain %u: last_change at_ms %" G_GINT64_FORMAT " is in the future",
                             i + 1, d->change_at_ms);
      if (!bc_report_detail_check_times (&d->detail, latest, &local))
        return bc_set_error (error, BC_ERROR_FAILED, "state file: domain %u: %s", i + 1, local->message);
    }
  return TRUE;
}

gboolean
bc_report_is_live (const BcReport *r, gint64 now_ms, gint64 apply_interval_ms)
{
  gint64 age;

  if (r->updated_ms <= 0 || r->updated_ms > now_ms + BC_REPORT_SKEW_MS)
    return FALSE;
  age = now_ms - r->updated_ms;
  if (r->apply_interval_ms > 0)
    apply_interval_ms = r->apply_interval_ms;
  apply_interval_ms = CLAMP (apply_interval_ms, 0, BC_REPORT_MAX_INTERVAL_MS);
  return age <= bc_report_max_age_ms (apply_interval_ms) && pid_alive (r->pid);
}

BcReport *
bc_report_read_live_data (const char *text, gint64 now_ms, gint64 apply_interval_ms, GError **error)
{
  g_autoptr (BcReport) r = NULL;
  g_autoptr (GError) local = NULL;

  r = bc_report_from_json (text, &local);
  if (r != NULL && !bc_report_check_times (r, now_ms, &local))
    g_clear_pointer (&r, bc_report_free);
  if (local != NULL)
    return g_propagate_error (error, g_steal_pointer (&local)), NULL;
  if (r == NULL || !bc_report_is_live (r, now_ms, apply_interval_ms))
    return NULL;
  return g_steal_pointer (&r);
}

BcReport *
bc_report_read_live (const char *path, gint64 now_ms, gint64 apply_interval_ms, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;

  text = read_bounded (path, &local);
  if (local != NULL)
    return g_propagate_error (error, g_steal_pointer (&local)), NULL;
  if (text == NULL)
    return NULL;
  return bc_report_read_live_data (text, now_ms, apply_interval_ms, error);
}
