/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `balloonctl status DOMAIN`: one domain's story, text and JSON, against
 * expected files; what guests and state files say escaped; the history the
 * state file carries, bounded, and refused when a state file says more
 * than a daemon writes; a state file from before the detail. */
#include "bc-error.h"
#include "bc-history.h"
#include "bc-story.h"
#include "bc-story-collect.h"

#include <string.h>

#define MIB 1024
#define NOW_MS G_GINT64_CONSTANT (1790000000000)

static void
compare (const char *expected_name, const char *actual)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "expected", expected_name, NULL);
  g_autofree char *expected = NULL;

  if (g_getenv ("BC_UPDATE_EXPECTED"))
    g_assert_true (g_file_set_contents (path, actual, -1, NULL));
  g_assert_true (g_file_get_contents (path, &expected, NULL, NULL));
  g_assert_cmpstr (actual, ==, expected);
}

static BcStatusRow *
sample_row (void)
{
  BcStatusRow *r = g_new0 (BcStatusRow, 1);

  r->name = g_strdup ("db1");
  r->uuid = g_strdup ("00000000-0000-0000-0000-000000000001");
  r->current_kib = 448 * MIB;
  r->max_kib = 3 * 1024 * MIB;
  r->source = BC_SOURCE_AGENT;
  r->have_committed = r->have_cached = TRUE;
  r->committed_kib = 40 * MIB + 512;
  r->cached_kib = 300 * MIB;
  r->active_file_kib = 120 * MIB;
  return r;
}

static void
push (BcReportHistory *h, gint64 s_ago, guint64 old_mib, guint64 new_mib, const char *reason)
{
  bc_report_history_push (h, NOW_MS - s_ago * 1000, old_mib * MIB, new_mib * MIB, reason);
}

/* db1, agent figures, held back by the budget to its weighted share,
 * three changes. */
static BcReportDomain *
sample_ctl (void)
{
  BcReportDomain *c = g_new0 (BcReportDomain, 1);
  BcReportDetail *d = &c->detail;

  c->uuid = g_strdup ("00000000-0000-0000-0000-000000000001");
  c->managed = TRUE;
  c->state = g_strdup ("DOWN");
  c->margin_kib = 96 * MIB;
  c->target_kib = 384 * MIB;
  c->source = g_strdup ("agent");
  c->weight = 300;
  c->share_kib = 384 * MIB;
  c->reclaimable_kib = 32 * MIB;
  c->floor_kib = 104 * MIB;
  c->change_at_ms = NOW_MS - 12000;
  c->change_old_kib = 448 * MIB;
  c->change_new_kib = 384 * MIB;
  c->change_reason = g_strdup ("shrink: committed 40 MiB + margin 96 MiB [DOWN: cache steady, no refaults]; wants 448 MiB, host budget, weight 300: share 384 MiB");
  *d = (BcReportDetail) { .decided = TRUE, .committed_kib = 40 * MIB + 512, .want_kib = 448 * MIB, .budget_held = TRUE,
                          .floor_from = BC_REPORT_FLOOR_USED, .limits_known = TRUE, .min_kib = 64 * MIB,
                          .min_from = BC_REPORT_FROM_CONFIG, .max_kib = 2048 * MIB, .max_from = BC_REPORT_FROM_METADATA,
                          .weight_from = BC_REPORT_FROM_METADATA, .figures_known = TRUE, .agent_at_ms = NOW_MS - 3000, .agent_max_age_ms = 11000,
                          .balloon_at_ms = NOW_MS - 40000, .balloon_max_age_ms = 8000 };
  d->margin_reason = g_strdup ("DOWN: cache steady, no refaults");
  push (&d->history, 400, 1024, 512, "shrink: committed 40 MiB + margin 128 MiB [initial margin]; shrink rate limited");
  push (&d->history, 60, 512, 448, "shrink: committed 40 MiB + margin 128 MiB [UP->DOWN: cache steady, no refaults]");
  push (&d->history, 12, 448, 384, c->change_reason);
  return c;
}

static BcReport *
sample_daemon (void)
{
  BcReport *daemon = bc_report_new ();

  daemon->pid = 4242;
  daemon->policy = g_strdup ("paper");
  daemon->updated_ms = NOW_MS - 500;
  daemon->budget_kib = 6144 * MIB;
  daemon->host = (BcReportHost) { TRUE, 6100 * MIB, 32 * MIB, 1024 * MIB, 0 };
  return daemon;
}

static void
test_text (void)
{
  g_autoptr (BcStatusRow) row = sample_row ();
  g_autoptr (BcReport) daemon = sample_daemon ();
  g_autoptr (GString) out = g_string_new (NULL);

  row->ctl = sample_ctl ();
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  compare ("story-daemon.txt", out->str);
}

static void
test_json (void)
{
  g_autoptr (BcStatusRow) row = sample_row ();
  g_autoptr (BcReport) daemon = sample_daemon ();
  g_autoptr (GString) out = g_string_new (NULL);

  row->ctl = sample_ctl ();
  bc_story_format_json (row, daemon, out);
  compare ("story-daemon.json", out->str);
}

/* Without a daemon: the live figures, and why nothing else. */
static void
test_no_daemon (void)
{
  g_autoptr (BcStatusRow) row = sample_row ();
  g_autoptr (GString) out = g_string_new (NULL);

  bc_story_format_text (row, NULL, "the daemon is not running (no live state file at /run/balloonctl/state.json)",
                        NOW_MS, out);
  compare ("story-nodaemon.txt", out->str);
  g_string_truncate (out, 0);
  bc_story_format_json (row, NULL, out);
  compare ("story-nodaemon.json", out->str);
}

/* A daemon that does not list it, one that does not manage it, one that
 * holds it; balloon figures; no budget known. */
static void
test_other_cases (void)
{
  g_autoptr (BcStatusRow) row = sample_row ();
  g_autoptr (BcReport) daemon = sample_daemon ();
  g_autoptr (GString) out = g_string_new (NULL);

  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  g_assert_nonnull (strstr (out->str, "\nManaged:      not known: the daemon has not listed it yet"));
  g_assert_nonnull (strstr (out->str, "\nGuest:        Committed_AS 40 MiB, cache 300 MiB, active(file) 120 MiB (guest agent, now)\n"));
  row->ctl = g_new0 (BcReportDomain, 1);
  row->ctl->note = g_strdup ("no balloon device");
  g_string_truncate (out, 0);
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  g_assert_true (g_str_has_suffix (out->str, "\nManaged:      no: no balloon device\n"));
  bc_report_domain_free (row->ctl);
  row->ctl = sample_ctl ();
  row->ctl->target_kib = 0;
  row->ctl->detail.decided = FALSE;
  row->ctl->detail.held = TRUE;
  row->ctl->detail.agent_at_ms = NOW_MS - 30000;
  row->ctl->note = g_strdup ("held: no fresh figures from the guest agent");
  daemon->budget_kib = 0;
  g_string_truncate (out, 0);
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  g_assert_nonnull (strstr (out->str, "\nTarget:       none this pass: held: no fresh figures from the guest agent\n"));
  g_assert_null (strstr (out->str, "Wants:"));
  g_assert_null (strstr (out->str, "Host budget:"));
  g_assert_nonnull (strstr (out->str, "agent figures read 30s ago (stale: 29.5s old at the last pass, acted on up to 11.0s old)"));
  g_assert_nonnull (strstr (out->str, "; held at its size: its figures are too old\n"));
  /* the floors alone over the budget: held, and no share to speak of */
  row->ctl->detail.decided = TRUE;
  row->ctl->target_kib = 104 * MIB;
  row->ctl->share_kib = 0;
  g_string_truncate (out, 0);
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  g_assert_nonnull (strstr (out->str, "\nWeight:       300 (its metadata's <weight>): no share, the domains' floors alone do not fit in the host budget\n"));
}

/* Figures' freshness as the daemon judged it, at its last pass (the state
 * file's time), not at the reader's now; the age and the limit to the
 * tenth, rounded so that they agree with the word: it said "read 2s ago
 * (stale: acted on up to 2s old)" of figures the daemon acted on. */
static void
test_freshness (void)
{
  g_autoptr (BcStatusRow) row = sample_row ();
  g_autoptr (BcReport) daemon = sample_daemon ();
  g_autoptr (GString) out = g_string_new (NULL);
  BcReportDetail *d;

  row->ctl = sample_ctl ();
  d = &row->ctl->detail;
  daemon->updated_ms = NOW_MS - 500;
  d->agent_max_age_ms = 2500;
  /* 2.9 s old now, 2.4 s at the pass: fresh, acted on */
  d->agent_at_ms = NOW_MS - 2900;
  /* 2.501 s old at the pass: stale, shown above its limit */
  d->balloon_at_ms = NOW_MS - 3001;
  d->balloon_max_age_ms = 2500;
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  g_test_message ("%s", out->str);
  g_assert_nonnull (strstr (out->str, "; agent figures read 2s ago (fresh: 2.4s old at the last pass, acted on up to 2.5s old);"));
  g_assert_nonnull (strstr (out->str, "; balloon statistics read 3s ago (stale: 2.6s old at the last pass, acted on up to 2.5s old)\n"));
  /* at the limit: fresh, as the daemon's <= has it; a limit of 2.55 s
   * shown as 2.5 s, an age of 2.55 s too */
  d->agent_at_ms = NOW_MS - 3000;
  d->balloon_max_age_ms = 2550;
  d->balloon_at_ms = NOW_MS - 3050;
  g_string_truncate (out, 0);
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  g_assert_nonnull (strstr (out->str, "; agent figures read 3s ago (fresh: 2.5s old at the last pass, acted on up to 2.5s old);"));
  g_assert_nonnull (strstr (out->str, "; balloon statistics read 3s ago (fresh: 2.5s old at the last pass, acted on up to 2.5s old)\n"));
  /* figures newer than the pass (a clock step): 0 old */
  d->agent_at_ms = NOW_MS - 100;
  g_string_truncate (out, 0);
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  g_assert_nonnull (strstr (out->str, "; agent figures read 0s ago (fresh: 0.0s old at the last pass, acted on up to 2.5s old);"));
}

/* Everything from a guest, libvirt or a state file reaches the terminal
 * escaped: names, notes, reasons, the margin's words, the policy. */
static void
test_escaped (void)
{
  g_autoptr (BcStatusRow) row = sample_row ();
  g_autoptr (BcReport) daemon = sample_daemon ();
  g_autoptr (GString) out = g_string_new (NULL);

  g_free (row->name);
  row->name = g_strdup ("evil\nFORGED: balloonctl-WARNING **: fake\r\u202ex\x1b]0;t\x07");
  row->ctl = sample_ctl ();
  g_free (daemon->policy);
  daemon->policy = g_strdup ("paper\x1b[2J");
  g_free (row->ctl->detail.margin_reason);
  row->ctl->detail.margin_reason = g_strdup ("DOWN\n\u2028x");
  push (&row->ctl->detail.history, 1, 384, 320, "shrink\x1b[31m \xff\u202e");
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  for (const char *p = out->str; *p; p++)
    g_assert_true (*p == '\n' || (guchar) *p >= 0x20);
  g_assert_null (strstr (out->str, "\u202e"));
  g_assert_null (strstr (out->str, "\u2028"));
  g_assert_nonnull (strstr (out->str, "Name:         evil\\nFORGED: balloonctl-WARNING **: fake\\r\\u202ex\\x1b]0;t\\x07\n"));
  g_assert_nonnull (strstr (out->str, "policy paper\\x1b[2J,"));
  g_assert_nonnull (strstr (out->str, "its last step: DOWN\\n\\u2028x\n"));
  g_assert_nonnull (strstr (out->str, "384 MiB -> 320 MiB, shrink\\x1b[31m \\xff\\u202e\n"));
  g_string_truncate (out, 0);
  bc_story_format_text (row, NULL, "state.json: \x1b[H\n", NOW_MS, out);
  g_assert_nonnull (strstr (out->str, "state.json: \\x1b[H\\n\n"));
}

/* Sizes and times at the ends of what a state file may say. */
static void
test_extremes (void)
{
  g_autoptr (BcStatusRow) row = sample_row ();
  g_autoptr (BcReport) daemon = sample_daemon ();
  g_autoptr (GString) out = g_string_new (NULL);
  BcReportDomain *c;

  row->ctl = c = sample_ctl ();
  row->current_kib = row->max_kib = G_MAXUINT64;
  c->target_kib = c->floor_kib = c->detail.want_kib = c->detail.committed_kib = BC_REPORT_MAX_KIB;
  c->margin_kib = -BC_REPORT_MAX_KIB;
  c->detail.agent_at_ms = 1;
  c->detail.agent_max_age_ms = BC_REPORT_MAX_AGE_MS;
  c->detail.balloon_at_ms = G_MAXINT64;
  daemon->updated_ms = 0;
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  g_assert_nonnull (strstr (out->str, "Size:         17179869184.00 TiB now"));
  g_assert_nonnull (strstr (out->str, "Wants:        1024.00 TiB: Committed_AS 1024.00 TiB (guest agent) + margin -1073741824 MiB = 0 MiB, raised"));
  /* judged at the state file's time, 0: nothing is older */
  g_assert_nonnull (strstr (out->str, "agent figures read 497222h ago (fresh: 0.0s old at the last pass, acted on up to 86400.0s old)"));
  g_assert_nonnull (strstr (out->str, "balloon statistics read 0s ago (fresh"));
  daemon->updated_ms = G_MAXINT64;
  g_string_truncate (out, 0);
  bc_story_format_text (row, daemon, NULL, NOW_MS, out);
  g_assert_nonnull (strstr (out->str, "agent figures read 497222h ago (stale: 9223372036854775.9s old at the last pass, acted on up to 86400.0s old)"));
}

/* status DOMAIN's lookup: a name, else a UUID (any case); a string that is
 * one domain's name and another's UUID is refused, not taken for the name. */
static BcBulkRecord *
record (const char *uuid, const char *name)
{
  BcBulkRecord *r = g_new0 (BcBulkRecord, 1);

  g_strlcpy (r->uuid, uuid, sizeof r->uuid);
  r->name = g_strdup (name);
  return r;
}

static void
test_find (void)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_bulk_record_free);
  g_autoptr (GError) error = NULL;
  const char *u1 = "00000000-0000-4000-8000-000000000001", *u2 = "00000000-0000-4000-8000-000000000002";

  g_ptr_array_add (records, record (u1, "vm-a"));
  g_ptr_array_add (records, record (u2, u1));
  g_ptr_array_add (records, record ("00000000-0000-4000-8000-00000000000a", "self"));
  g_assert_true (bc_story_find (records, "vm-a", NULL) == records->pdata[0]);
  g_assert_true (bc_story_find (records, u2, NULL) == records->pdata[1]);
  g_assert_true (bc_story_find (records, "00000000-0000-4000-8000-00000000000A", NULL) == records->pdata[2]);
  g_assert_null (bc_story_find (records, "vm-zz", &error));
  g_assert_no_error (error);
  /* vm-a's UUID, the other's name */
  g_assert_null (bc_story_find (records, u1, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "'00000000-0000-4000-8000-000000000001' is ambiguous: the name of the domain of UUID "
                   "00000000-0000-4000-8000-000000000002 and the UUID of the domain named 'vm-a' (give that UUID or that name)");
  /* a domain named its own UUID is not ambiguous */
  g_free (((BcBulkRecord *) records->pdata[2])->name);
  ((BcBulkRecord *) records->pdata[2])->name = g_strdup ("00000000-0000-4000-8000-00000000000a");
  g_assert_true (bc_story_find (records, "00000000-0000-4000-8000-00000000000a", NULL) == records->pdata[2]);
}

/* ---- the history ---------------------------------------------------------- */

static void
test_history_push (void)
{
  BcReportHistory h = { 0 };
  g_autofree char *long_reason = NULL;
  GString *s = g_string_new (NULL);

  bc_report_history_push (&h, 0, 1, 2, "no time: nothing");
  g_assert_cmpuint (h.n, ==, 0);
  for (guint i = 1; i <= BC_REPORT_HISTORY_MAX + 2; i++)
    {
      bc_report_history_push (&h, i, i, i + 1, "r");
      bc_report_history_push (&h, i, i, i + 1, "the same change again: kept once");
    }
  g_assert_cmpuint (h.n, ==, BC_REPORT_HISTORY_MAX);
  g_assert_cmpint (h.items[0].at_ms, ==, BC_REPORT_HISTORY_MAX + 2);
  g_assert_cmpint (h.items[BC_REPORT_HISTORY_MAX - 1].at_ms, ==, 3);
  /* a reason past the bound is cut at a character, never in one */
  for (guint i = 0; i < BC_REPORT_REASON_MAX; i++)
    g_string_append (s, "\xc3\xa9");
  long_reason = g_string_free (s, FALSE);
  bc_report_history_push (&h, 100, 1, 2, long_reason);
  g_assert_cmpuint (strlen (h.items[0].reason), ==, BC_REPORT_REASON_MAX);
  g_assert_true (g_utf8_validate (h.items[0].reason, -1, NULL));
  bc_report_history_clear (&h);
}

/* The store at the report edge: each publish notes a domain's latest
 * change; a domain no longer listed is forgotten. */
static void
test_history_store (void)
{
  g_autoptr (GHashTable) store = bc_history_store_new ();
  g_autoptr (BcReport) r = bc_report_new ();
  BcReportDomain *a = bc_report_add_domain (r, "u-a", "a"), *b = bc_report_add_domain (r, "u-b", "b");

  bc_history_note (store, a);
  g_assert_cmpuint (g_hash_table_size (store), ==, 0);
  for (gint64 t = 1; t <= 3; t++)
    {
      a->change_at_ms = t;
      a->change_new_kib = (guint64) t;
      bc_history_note (store, a);
      bc_history_note (store, a); /* the next publish, no change since */
    }
  g_assert_cmpuint (a->detail.history.n, ==, 3);
  g_assert_cmpint (a->detail.history.items[0].at_ms, ==, 3);
  b->change_at_ms = 5;
  bc_history_note (store, b);
  g_ptr_array_remove_index (r->domains, 0);
  bc_history_prune (store, r);
  g_assert_cmpuint (g_hash_table_size (store), ==, 1);
  g_assert_nonnull (g_hash_table_lookup (store, "u-b"));
}

/* What the daemon writes, it reads back; a file from before the detail
 * reads as one without it, its last change the whole history. */
static void
test_roundtrip (void)
{
  g_autoptr (BcReport) r = sample_daemon ();
  g_autoptr (BcReport) back = NULL, old = NULL;
  g_autofree char *json = NULL;
  BcReportDomain *c = sample_ctl ();
  const BcReportDomain *b;
  g_autoptr (BcStatusRow) row = sample_row ();
  g_autoptr (GString) out = g_string_new (NULL);

  g_ptr_array_add (r->domains, c);
  json = bc_report_to_json (r);
  back = bc_report_from_json (json, NULL);
  g_assert_nonnull (back);
  b = bc_report_find (back, c->uuid);
  g_assert_true (bc_report_domain_equal (b, c));
  g_assert_cmpstr (b->detail.margin_reason, ==, c->detail.margin_reason);
  g_assert_cmpuint (b->detail.want_kib, ==, c->detail.want_kib);
  g_assert_cmpint (b->detail.agent_at_ms, ==, c->detail.agent_at_ms);
  g_assert_cmpint (b->detail.floor_from, ==, BC_REPORT_FLOOR_USED);
  g_assert_cmpstr (b->detail.history.items[2].reason, ==, c->detail.history.items[2].reason);
  old = bc_report_from_json ("{\"pid\":1,\"updated_ms\":1789999999500,\"policy\":\"paper\",\"domains\":[{\"uuid\":"
                             "\"00000000-0000-0000-0000-000000000001\",\"managed\":true,\"state\":\"UP\",\"margin_kib\":"
                             "131072,\"target_kib\":524288,\"source\":\"agent\",\"last_change\":{\"at_ms\":1789999990000,"
                             "\"old_kib\":1048576,\"new_kib\":524288,\"reason\":\"shrink: an old daemon's\"}}]}", NULL);
  g_assert_nonnull (old);
  row->ctl = bc_report_domain_copy (bc_report_find (old, row->uuid));
  g_assert_cmpuint (row->ctl->detail.history.n, ==, 0);
  g_assert_false (row->ctl->detail.limits_known);
  bc_story_format_text (row, old, NULL, NOW_MS, out);
  compare ("story-old-daemon.txt", out->str);
}

/* A state file that says more than a daemon writes is refused, with a
 * message that says where: a history too long, of the wrong types, out of
 * order (it is shown latest first), with a change twice, at a time before
 * balloonctl (at_ms 1), that is not the last change, with a NUL that
 * json-glib would cut a reason at. */
#define T_MS "1789999990000"
#define CHANGE(at, reason) "{\"at_ms\":" at ",\"old_kib\":2048,\"new_kib\":1024,\"reason\":\"" reason "\"}"
#define LAST(at, reason) ",\"last_change\":" CHANGE (at, reason)
static void
test_hostile_history (void)
{
  g_autofree char *reason = g_strnfill (BC_REPORT_REASON_MAX + 1, 'x');
  g_autofree char *too_long = g_strdup_printf (",\"history\":[{\"at_ms\":" T_MS ",\"reason\":\"%s\"}]", reason);
  const char *change = CHANGE (T_MS, "r");
  g_autofree char *six = g_strdup_printf (",\"history\":[%s,%s,%s,%s,%s,%s]", change, change, change, change, change, change);
  const struct { const char *members, *message; } cases[] = {
    { six, "state file: domain 1: history has 6 changes, at most 5" },
    { ",\"history\":{}", "state file: domain 1: history is not an array" },
    { ",\"history\":\"x\"", "state file: domain 1: history is not an array" },
    { ",\"history\":[1]", "state file: domain 1: history change 1: not an object" },
    { ",\"history\":[{\"at_ms\":" T_MS "},null]", "state file: domain 1: history change 2: not an object" },
    { ",\"history\":[{\"old_kib\":1}]", "state file: domain 1: history change 1: at_ms 0 is out of range (1577836800000 to 9223372036854775807)" },
    { ",\"history\":[{\"at_ms\":-5}]", "state file: domain 1: history change 1: at_ms -5 is out of range (1577836800000 to 9223372036854775807)" },
    { ",\"history\":[{\"at_ms\":" T_MS ",\"new_kib\":1099511627777}]", "state file: domain 1: history change 1: new_kib 1099511627777 is out of range (0 to 1099511627776)" },
    { ",\"history\":[{\"at_ms\":" T_MS ",\"reason\":5}]", "state file: domain 1: history change 1: reason is not a string" },
    { too_long, "state file: domain 1: history change 1: reason longer than 1024 bytes" },
    /* what a daemon never writes */
    { LAST ("1", "r") ",\"history\":[" CHANGE ("1", "r") "]",
      "state file: domain 1: last_change: at_ms 1 is out of range (1577836800000 to 9223372036854775807)" },
    { LAST (T_MS, "r") ",\"history\":[" CHANGE (T_MS, "r") "," CHANGE ("1", "r") "]",
      "state file: domain 1: history change 2: at_ms 1 is out of range (1577836800000 to 9223372036854775807)" },
    { LAST ("1789999980000", "b") ",\"history\":[" CHANGE ("1789999980000", "b") "," CHANGE ("1789999990000", "a") "]",
      "state file: domain 1: history is not latest first: change 2 at 1789999990000 is after change 1 at 1789999980000" },
    { LAST (T_MS, "r") ",\"history\":[" CHANGE (T_MS, "r") "," CHANGE (T_MS, "r") "]",
      "state file: domain 1: history changes 1 and 2 are the same change" },
    { ",\"history\":[" CHANGE (T_MS, "r") "]", "state file: domain 1: history has changes but last_change is null" },
    { ",\"last_change\":null,\"history\":[" CHANGE (T_MS, "r") "]",
      "state file: domain 1: history has changes but last_change is null" },
    { LAST ("1789999999000", "r") ",\"history\":[" CHANGE (T_MS, "r") "]", "state file: domain 1: history change 1 is not last_change" },
    { LAST (T_MS, "other") ",\"history\":[" CHANGE (T_MS, "r") "]", "state file: domain 1: history change 1 is not last_change" },
    { LAST (T_MS, "r\\u0000 hidden") ",\"history\":[" CHANGE (T_MS, "r\\u0000 hidden") "]",
      "state file: a string holds \\u0000 (NUL) at byte 126" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"pid\":1,\"updated_ms\":1,\"domains\":[{\"uuid\":\"u\"%s}]}",
                                               cases[i].members);
      g_autoptr (GError) error = NULL;
      g_autoptr (BcReport) r = bc_report_from_json (text, &error);

      g_test_message ("%s", text);
      g_assert_null (r);
      g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* What a daemon writes reads: changes in the same millisecond that are not
 * the same change; an escaped backslash before u0000 is not a NUL; a
 * reason longer than a history keeps, cut in it; no history at all (a
 * daemon from before it). */
static void
test_history_accepted (void)
{
  g_autofree char *reason = g_strnfill (BC_REPORT_REASON_MAX + 10, 'x');
  g_autofree char *long_last = g_strdup_printf (",\"last_change\":{\"at_ms\":" T_MS ",\"old_kib\":2048,\"new_kib\":1024,"
                                                "\"reason\":\"%s\"},\"history\":[{\"at_ms\":" T_MS ",\"old_kib\":2048,"
                                                "\"new_kib\":1024,\"reason\":\"%.*s\"}]", reason, BC_REPORT_REASON_MAX, reason);
  const char *cases[] = {
    LAST (T_MS, "r") ",\"history\":[" CHANGE (T_MS, "r") ",{\"at_ms\":" T_MS ",\"old_kib\":4096,\"new_kib\":2048}]",
    LAST (T_MS, "a\\\\u0000") ",\"history\":[" CHANGE (T_MS, "a\\\\u0000") "]",
    long_last,
    LAST (T_MS, "r"),
    LAST (T_MS, "r") ",\"history\":null",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"pid\":1,\"updated_ms\":1,\"domains\":[{\"uuid\":\"u\"%s}]}", cases[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (BcReport) r = bc_report_from_json (text, &error);

      g_test_message ("%s", text);
      g_assert_no_error (error);
      g_assert_nonnull (r);
    }
}

/* Figures out of range, and times ahead of the reader's clock. */
static void
test_hostile_detail (void)
{
  const char *members[] = {
    "\"decision\":{\"want_kib\":-1}",
    "\"limits\":{\"min_kib\":1099511627777}",
    "\"figures\":{\"agent_at_ms\":-1}",
    "\"figures\":{\"balloon_max_age_ms\":86400001}",
  };
  const char *future[] = {
    "\"figures\":{\"agent_at_ms\":1790000061000}",
    "\"last_change\":{\"at_ms\":9223372036854775807},\"history\":[{\"at_ms\":9223372036854775807}]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"pid\":1,\"updated_ms\":1,\"domains\":[{\"uuid\":\"u\",%s}]}", members[i]);
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", text);
      g_assert_null (bc_report_from_json (text, &error));
      g_assert_true (g_str_has_prefix (error->message, "state file: domain 1: "));
    }
  for (guint i = 0; i < G_N_ELEMENTS (future); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"pid\":1,\"updated_ms\":1,\"domains\":[{\"uuid\":\"u\",%s}]}", future[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (BcReport) r = bc_report_from_json (text, NULL);

      g_test_message ("%s", text);
      g_assert_nonnull (r);
      g_assert_false (bc_report_check_times (r, NOW_MS, &error));
      g_assert_true (strstr (error->message, "is in the future") != NULL);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/story/text", test_text);
  g_test_add_func ("/story/json", test_json);
  g_test_add_func ("/story/no-daemon", test_no_daemon);
  g_test_add_func ("/story/other-cases", test_other_cases);
  g_test_add_func ("/story/freshness", test_freshness);
  g_test_add_func ("/story/escaped", test_escaped);
  g_test_add_func ("/story/extremes", test_extremes);
  g_test_add_func ("/story/find", test_find);
  g_test_add_func ("/story/history-push", test_history_push);
  g_test_add_func ("/story/history-store", test_history_store);
  g_test_add_func ("/story/roundtrip", test_roundtrip);
  g_test_add_func ("/story/hostile-history", test_hostile_history);
  g_test_add_func ("/story/history-accepted", test_history_accepted);
  g_test_add_func ("/story/hostile-detail", test_hostile_detail);
  return g_test_run ();
}
