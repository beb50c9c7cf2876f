/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-report"

#include "bc-report.h"
#include "bc-error.h"
#include "bc-json.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

void
bc_report_domain_free (BcReportDomain *d)
{
  if (d == NULL)
    return;
  g_free (d->uuid);
  g_free (d->name);
  g_free (d->note);
  g_free (d->state);
  g_free (d->source);
  g_free (d->change_reason);
  g_free (d);
}

BcReportDomain *
bc_report_domain_copy (const BcReportDomain *d)
{
  BcReportDomain *c = g_memdup2 (d, sizeof *d);

  c->uuid = g_strdup (d->uuid);
  c->name = g_strdup (d->name);
  c->note = g_strdup (d->note);
  c->state = g_strdup (d->state);
  c->source = g_strdup (d->source);
  c->change_reason = g_strdup (d->change_reason);
  return c;
}

gboolean
bc_report_domain_equal (const BcReportDomain *a, const BcReportDomain *b)
{
  return g_strcmp0 (a->uuid, b->uuid) == 0 && g_strcmp0 (a->name, b->name) == 0 && a->managed == b->managed &&
         g_strcmp0 (a->note, b->note) == 0 && g_strcmp0 (a->state, b->state) == 0 &&
         a->margin_kib == b->margin_kib && a->target_kib == b->target_kib &&
         g_strcmp0 (a->source, b->source) == 0 && a->change_at_ms == b->change_at_ms &&
         a->change_old_kib == b->change_old_kib && a->change_new_kib == b->change_new_kib &&
         g_strcmp0 (a->change_reason, b->change_reason) == 0;
}

/* Whether a and b say the same, when they were made aside. */
static gboolean
same_state (const BcReport *a, const BcReport *b)
{
  if (a->pid != b->pid || g_strcmp0 (a->uri, b->uri) != 0 || g_strcmp0 (a->policy, b->policy) != 0 ||
      a->apply_interval_ms != b->apply_interval_ms || a->domains->len != b->domains->len)
    return FALSE;
  for (guint i = 0; i < a->domains->len; i++)
    if (!bc_report_domain_equal (g_ptr_array_index (a->domains, i), g_ptr_array_index (b->domains, i)))
      return FALSE;
  return TRUE;
}

static BcReport *
report_copy (const BcReport *r)
{
  BcReport *c = bc_report_new ();

  c->pid = r->pid;
  c->uri = g_strdup (r->uri);
  c->policy = g_strdup (r->policy);
  c->updated_ms = r->updated_ms;
  c->apply_interval_ms = r->apply_interval_ms;
  for (guint i = 0; i < r->domains->len; i++)
    g_ptr_array_add (c->domains, bc_report_domain_copy (g_ptr_array_index (r->domains, i)));
  return c;
}

BcReport *
bc_report_new (void)
{
  BcReport *r = g_new0 (BcReport, 1);

  r->domains = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_report_domain_free);
  return r;
}

void
bc_report_free (BcReport *r)
{
  if (r == NULL)
    return;
  g_free (r->uri);
  g_free (r->policy);
  g_ptr_array_unref (r->domains);
  g_free (r);
}

BcReportDomain *
bc_report_add_domain (BcReport *r, const char *uuid, const char *name)
{
  BcReportDomain *d = g_new0 (BcReportDomain, 1);

  d->uuid = g_strdup (uuid);
  d->name = g_strdup (name);
  g_ptr_array_add (r->domains, d);
  return d;
}

const BcReportDomain *
bc_report_find (const BcReport *r, const char *uuid)
{
  for (guint i = 0; r && i < r->domains->len; i++)
    {
      const BcReportDomain *d = g_ptr_array_index (r->domains, i);

      if (g_strcmp0 (d->uuid, uuid) == 0)
        return d;
    }
  return NULL;
}

void
bc_report_add_controller (JsonBuilder *b, const BcReportDomain *d)
{
  json_builder_set_member_name (b, "managed");
  json_builder_add_boolean_value (b, d->managed);
  bc_json_add_string (b, "note", d->note);
  bc_json_add_string (b, "state", d->managed ? d->state : NULL);
  bc_json_add_int (b, "margin_kib", d->margin_kib);
  bc_json_add_kib (b, "target_kib", d->managed && d->target_kib > 0, d->target_kib);
  bc_json_add_string (b, "source", d->source);
  json_builder_set_member_name (b, "last_change");
  if (d->change_at_ms == 0)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  bc_json_add_int (b, "at_ms", d->change_at_ms);
  bc_json_add_kib (b, "old_kib", TRUE, d->change_old_kib);
  bc_json_add_kib (b, "new_kib", TRUE, d->change_new_kib);
  bc_json_add_string (b, "reason", d->change_reason);
  json_builder_end_object (b);
}

static void
build_domain (JsonBuilder *b, const BcReportDomain *d)
{
  json_builder_begin_object (b);
  bc_json_add_string (b, "uuid", d->uuid);
  bc_json_add_string (b, "name", d->name);
  bc_report_add_controller (b, d);
  json_builder_end_object (b);
}

char *
bc_report_to_json (const BcReport *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  bc_json_add_int (b, "pid", r->pid);
  bc_json_add_string (b, "uri", r->uri);
  bc_json_add_string (b, "policy", r->policy);
  bc_json_add_int (b, "updated_ms", r->updated_ms);
  bc_json_add_int (b, "apply_interval_ms", r->apply_interval_ms);
  json_builder_set_member_name (b, "domains");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->domains->len; i++)
    build_domain (b, g_ptr_array_index (r->domains, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return bc_json_to_data (b);
}

static guint64
member_kib (JsonObject *o, const char *key)
{
  return (guint64) MAX (0, bc_json_member_int (o, key, 0));
}

/* A wall-clock time: a negative one reads as unknown (0), so that readers
 * subtracting it from now cannot overflow. */
static gint64
member_time_ms (JsonObject *o, const char *key)
{
  return MAX (0, bc_json_member_int (o, key, 0));
}

/* A string member as it may reach a terminal (a note can carry a guest's
 * words): each control character (C0, DEL, C1) written as \xNN. */
static char *
member_text (JsonObject *o, const char *key)
{
  const char *s = bc_json_member_string (o, key);
  g_autofree char *valid = NULL;
  GString *out;

  if (s == NULL)
    return NULL;
  valid = g_utf8_make_valid (s, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_printf (out, "\\x%02x", (guint) c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* What bc_report_add_controller wrote; members of the wrong type read as
 * unknown. */
static void
parse_controller (JsonObject *o, BcReportDomain *d)
{
  JsonNode *change = json_object_get_member (o, "last_change");

  d->managed = bc_json_member_true (o, "managed");
  d->note = member_text (o, "note");
  d->state = member_text (o, "state");
  d->margin_kib = bc_json_member_int (o, "margin_kib", 0);
  d->target_kib = member_kib (o, "target_kib");
  d->source = member_text (o, "source");
  if (change == NULL || !JSON_NODE_HOLDS_OBJECT (change))
    return;
  o = json_node_get_object (change);
  d->change_at_ms = member_time_ms (o, "at_ms");
  d->change_old_kib = member_kib (o, "old_kib");
  d->change_new_kib = member_kib (o, "new_kib");
  d->change_reason = member_text (o, "reason");
}

static void
parse_domain (BcReport *r, JsonNode *node)
{
  JsonObject *o;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  o = json_node_get_object (node);
  if (bc_json_member_string (o, "uuid") == NULL)
    return;
  /* uuid and name identify the domain and are never shown from the file */
  parse_controller (o, bc_report_add_domain (r, bc_json_member_string (o, "uuid"),
                                             bc_json_member_string (o, "name")));
}

BcReport *
bc_report_from_json (const char *text, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) root = bc_json_parse_object (text, &local);
  g_autoptr (BcReport) r = bc_report_new ();
  JsonObject *o;
  JsonNode *domains;

  if (root == NULL)
    return bc_set_error (error, BC_ERROR_FAILED, "state file: %s", local->message), NULL;
  o = json_node_get_object (root);
  r->pid = bc_json_member_int (o, "pid", 0);
  r->uri = g_strdup (bc_json_member_string (o, "uri"));
  r->policy = member_text (o, "policy");
  r->updated_ms = member_time_ms (o, "updated_ms");
  r->apply_interval_ms = bc_json_member_int (o, "apply_interval_ms", 0);
  domains = json_object_get_member (o, "domains");
  if (domains && JSON_NODE_HOLDS_ARRAY (domains))
    {
      JsonArray *a = json_node_get_array (domains);

      for (guint i = 0; i < json_array_get_length (a); i++)
        parse_domain (r, json_array_get_element (a, i));
    }
  return g_steal_pointer (&r);
}

char *
bc_report_default_path (void)
{
  if (geteuid () == 0)
    return g_strdup ("/run/balloonctl/state.json");
  return g_build_filename (g_get_user_runtime_dir (), "balloonctl", "state.json", NULL);
}

gboolean
bc_report_write (const BcReport *r, const char *path, GError **error)
{
  g_autofree char *json = bc_report_to_json (r);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) local = NULL;

  if (g_mkdir_with_parents (dir, 0755) < 0)
    return bc_set_error (error, BC_ERROR_FAILED, "creating %s: %s", dir, g_strerror (errno));
  if (!g_file_set_contents_full (path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local))
    return bc_set_error (error, BC_ERROR_FAILED, "%s", local->message);
  return TRUE;
}

gint64
bc_report_heartbeat_ms (gint64 apply_interval_ms)
{
  return MIN (BC_REPORT_HEARTBEAT_MS, MAX (apply_interval_ms, 0) + 1000);
}

gint64
bc_report_max_age_ms (gint64 apply_interval_ms)
{
  return 3 * apply_interval_ms + 5000;
}

gboolean
bc_report_publish (BcReport *r, const char *path, BcReportCache *cache, gint64 now_ms, GError **error)
{
  if (cache->last && same_state (r, cache->last) &&
      now_ms - cache->written_ms < bc_report_heartbeat_ms (r->apply_interval_ms))
    return TRUE;
  if (!bc_report_write (r, path, error))
    return FALSE;
  g_clear_pointer (&cache->last, bc_report_free);
  cache->last = report_copy (r);
  cache->written_ms = now_ms;
  return TRUE;
}

void
bc_report_cache_clear (BcReportCache *cache)
{
  g_clear_pointer (&cache->last, bc_report_free);
}

static gboolean
pid_alive (gint64 pid)
{
  return pid > 0 && pid <= G_MAXINT && (kill ((pid_t) pid, 0) == 0 || errno == EPERM);
}

BcReport *
bc_report_read_live_data (const char *text, gint64 now_ms, gint64 apply_interval_ms, GError **error)
{
  g_autoptr (BcReport) r = bc_report_from_json (text, error);

  if (r == NULL)
    return NULL;
  if (r->apply_interval_ms > 0 && r->apply_interval_ms <= 3600000)
    apply_interval_ms = r->apply_interval_ms;
  if (!pid_alive (r->pid) || now_ms - r->updated_ms > bc_report_max_age_ms (apply_interval_ms))
    return NULL;
  return g_steal_pointer (&r);
}

BcReport *
bc_report_read_live (const char *path, gint64 now_ms, gint64 apply_interval_ms, GError **error)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return bc_report_read_live_data (text, now_ms, apply_interval_ms, error);
}
