/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-report"

#include "bc-report.h"
#include "bc-config.h"
#include "bc-file.h"
#include "bc-error.h"
#include "bc-json.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
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
  bc_report_detail_clear (&d->detail);
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
  bc_report_detail_copy (&c->detail, &d->detail);
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
         g_strcmp0 (a->change_reason, b->change_reason) == 0 && a->weight == b->weight &&
         a->share_kib == b->share_kib && a->deflate_on_oom == b->deflate_on_oom && a->virtio_mem == b->virtio_mem &&
         bc_report_detail_equal (&a->detail, &b->detail);
}

/* Whether a and b say the same, when they were made aside.  The budget
 * and the host's room aside too: following the host it moves a little
 * every pass, and the heartbeat's writes carry them. */
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

BcReport *
bc_report_copy (const BcReport *r)
{
  BcReport *c = bc_report_new ();

  c->pid = r->pid;
  c->uri = g_strdup (r->uri);
  c->policy = g_strdup (r->policy);
  c->updated_ms = r->updated_ms;
  c->apply_interval_ms = r->apply_interval_ms;
  c->budget_kib = r->budget_kib;
  c->host = r->host;
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

/* What the status table shows of the domain. */
static void
add_record (JsonBuilder *b, const BcReportDomain *d)
{
  json_builder_set_member_name (b, "managed");
  json_builder_add_boolean_value (b, d->managed);
  bc_json_add_string (b, "note", d->note);
  bc_json_add_string (b, "state", d->managed ? d->state : NULL);
  bc_json_add_int (b, "margin_kib", d->margin_kib);
  bc_json_add_kib (b, "target_kib", d->managed && d->target_kib > 0, d->target_kib);
  bc_json_add_string (b, "source", d->source);
  bc_json_add_kib (b, "weight", d->managed && d->weight > 0, (guint64) d->weight);
  bc_json_add_kib (b, "share_kib", d->managed && d->share_kib > 0, d->share_kib);
  bc_json_add_kib (b, "reclaimable_kib", TRUE, d->reclaimable_kib);
  bc_json_add_kib (b, "floor_kib", d->managed && d->floor_kib > 0, d->floor_kib);
  json_builder_set_member_name (b, "deflate_on_oom");
  json_builder_add_boolean_value (b, d->deflate_on_oom);
  bc_json_add_string (b, "memory_device", d->virtio_mem ? "virtio-mem" : "balloon");
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

void
bc_report_add_controller (JsonBuilder *b, const BcReportDomain *d)
{
  add_record (b, d);
  bc_report_detail_add (b, &d->detail);
}

void
bc_report_add_host (JsonBuilder *b, const BcReport *r)
{
  json_builder_set_member_name (b, "host");
  if (r == NULL || !r->host.known)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  bc_json_add_kib (b, "budget_kib", r->budget_kib > 0, (guint64) r->budget_kib);
  bc_json_add_kib (b, "held_kib", TRUE, r->host.held_kib);
  bc_json_add_kib (b, "reclaimable_kib", TRUE, r->host.reclaimable_kib);
  bc_json_add_kib (b, "guest_size_kib", TRUE, r->host.guest_size_kib);
  bc_json_add_kib (b, "room_guests", TRUE, r->host.guests);
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

/* The daemon's members (pid to host), pretty-printed as an object's text
 * without its closing "\n}": the domains follow. */
static char *
head_text (const BcReport *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  char *text, *end;

  json_builder_begin_object (b);
  bc_json_add_int (b, "pid", r->pid);
  bc_json_add_string (b, "uri", r->uri);
  bc_json_add_string (b, "policy", r->policy);
  bc_json_add_int (b, "updated_ms", r->updated_ms);
  bc_json_add_int (b, "apply_interval_ms", r->apply_interval_ms);
  bc_json_add_int (b, "budget_kib", r->budget_kib);
  bc_report_add_host (b, r);
  json_builder_end_object (b);
  text = bc_json_to_data (b);
  end = strrchr (text, '}');
  while (end > text && (end[-1] == '\n' || end[-1] == ' '))
    end--;
  *end = '\0';
  return text;
}

/* One domain's object, pretty-printed by itself, each line indented as in
 * the file's "domains" array (4 spaces): a JSON string holds no line
 * break, so every one is the printer's. */
static void
append_domain (GString *out, const BcReportDomain *d)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *text = NULL;
  const char *line, *next;

  build_domain (b, d);
  text = bc_json_to_data (b);
  for (line = text; line != NULL; line = next)
    {
      next = strchr (line, '\n');
      g_string_append (out, "    ");
      g_string_append_len (out, line, next ? next - line + 1 : (gssize) strlen (line));
      next = next ? next + 1 : NULL;
    }
}

/* The file's text, made a domain at a time: one domain's JSON nodes at
 * most in memory (a file with every domain's story, built as one tree,
 * took 14 MiB at 1000 domains), the same text as one tree would give
 * while no object in a domain is empty (json-glib pads an empty object
 * with its depth's spaces inside the braces; the report writes none). */
char *
bc_report_to_json (const BcReport *r)
{
  g_autofree char *head = head_text (r);
  GString *out = g_string_sized_new (strlen (head) + 64 + r->domains->len * 2048);

  g_string_append (out, head);
  g_string_append (out, ",\n  \"domains\" : [");
  for (guint i = 0; i < r->domains->len; i++)
    {
      g_string_append (out, i ? ",\n" : "\n");
      append_domain (out, g_ptr_array_index (r->domains, i));
    }
  g_string_append (out, r->domains->len ? "\n  ]\n}" : "]\n}");
  return g_string_free (out, FALSE);
}

#define BC_REPORT_SYSTEM_PATH "/run/balloonctl/state.json"

char *
bc_report_default_path (void)
{
  const char *runtime = g_getenv ("RUNTIME_DIRECTORY");

  /* systemd's RuntimeDirectory=: the first, if several (colon-separated) */
  if (runtime && g_path_is_absolute (runtime))
    {
      g_autofree char *first = g_strndup (runtime, strcspn (runtime, ":"));

      return g_build_filename (first, "state.json", NULL);
    }
  if (geteuid () == 0 || access (BC_REPORT_SYSTEM_PATH, R_OK) == 0)
    return g_strdup (BC_REPORT_SYSTEM_PATH);
  return g_build_filename (g_get_user_runtime_dir (), "balloonctl", "state.json", NULL);
}

gboolean
bc_report_write (const BcReport *r, const char *path, GError **error)
{
  BcStateFile sf = BC_STATE_FILE_INIT;
  gboolean ok = bc_state_file_claim (&sf, path, error) && bc_report_write_file (r, &sf, error);

  bc_state_file_clear (&sf);
  return ok;
}

gboolean
bc_report_write_file (const BcReport *r, BcStateFile *file, GError **error)
{
  g_autofree char *json = bc_report_to_json (r);

  return bc_state_file_write (file, json, error);
}

gint64
bc_report_heartbeat_ms (gint64 apply_interval_ms)
{
  return MIN (BC_REPORT_HEARTBEAT_MS, MAX (apply_interval_ms, 0) + 1000);
}

gint64
bc_report_max_age_ms (gint64 apply_interval_ms)
{
  return bc_config_stale_ms (apply_interval_ms) + 5000;
}

gboolean
bc_report_write_due (gint64 last_ms, gint64 now_ms, gint64 interval_ms)
{
  return last_ms < 0 || now_ms < last_ms || now_ms - last_ms >= interval_ms;
}

/* Whether r must be written: it says something new, or the heartbeat is
 * due. */
static gboolean
publish_wanted (const BcReport *r, const BcReportCache *cache, gint64 now_ms)
{
  return cache->last == NULL || !same_state (r, cache->last) ||
         now_ms - cache->written_ms >= bc_report_heartbeat_ms (r->apply_interval_ms);
}

static gint64
last_tried_ms (const BcReportCache *cache)
{
  return cache->tried ? cache->tried_ms : -1;
}

void
bc_report_offer (BcReport *r, BcReportCache *cache, gint64 now_ms)
{
  g_autoptr (BcReport) taken = r;

  g_clear_pointer (&cache->pending, bc_report_free);
  if (publish_wanted (taken, cache, now_ms))
    cache->pending = g_steal_pointer (&taken);
}

gint64
bc_report_pending_ms (const BcReportCache *cache, gint64 now_ms)
{
  gint64 last = last_tried_ms (cache);

  if (cache->pending == NULL)
    return -1;
  if (bc_report_write_due (last, now_ms, BC_REPORT_MIN_WRITE_GAP_MS))
    return 0;
  return last + BC_REPORT_MIN_WRITE_GAP_MS - now_ms;
}

gboolean
bc_report_flush (BcStateFile *file, BcReportCache *cache, gint64 now_ms, GError **error)
{
  g_autoptr (BcReport) r = g_steal_pointer (&cache->pending);

  if (r == NULL)
    return TRUE;
  cache->tried = TRUE;
  cache->tried_ms = now_ms;
  if (!bc_report_write_file (r, file, error))
    return FALSE;
  g_clear_pointer (&cache->last, bc_report_free);
  cache->last = g_steal_pointer (&r);
  cache->written_ms = now_ms;
  return TRUE;
}

void
bc_report_cache_clear (BcReportCache *cache)
{
  g_clear_pointer (&cache->last, bc_report_free);
  g_clear_pointer (&cache->pending, bc_report_free);
  g_clear_pointer (&cache->history, g_hash_table_unref);
}
