/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `balloonctl status` output, table and JSON, against expected files; what
 * guests and state files say escaped and bounded; sorting, fitting to a
 * terminal and the --watch frame. */
#include "bc-error.h"
#include "bc-domain.h"
#include "bc-explain-report.h"
#include "bc-quote.h"
#include "bc-status.h"
#include "bc-term.h"
#include "bc-watch.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define MIB 1024
#define NOW_MS G_GINT64_CONSTANT (1790000000000)

static BcReportDomain *
ctl (const char *uuid, const char *state, gint64 margin_mib, guint64 target_mib, gint64 changed_s_ago)
{
  BcReportDomain *c = g_new0 (BcReportDomain, 1);

  c->uuid = g_strdup (uuid);
  c->managed = TRUE;
  c->state = g_strdup (state);
  c->margin_kib = margin_mib * MIB;
  c->target_kib = target_mib * MIB;
  c->source = g_strdup ("agent");
  if (changed_s_ago >= 0)
    {
      c->change_at_ms = NOW_MS - changed_s_ago * 1000;
      c->change_old_kib = 512 * MIB;
      c->change_new_kib = target_mib * MIB;
      c->change_reason = g_strdup ("shrink: committed 40 MiB + margin 96 MiB [DOWN: cache steady, no refaults]; shrink rate limited");
    }
  return c;
}

static GPtrArray *
sample_rows (gboolean with_daemon)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_status_row_free);
  BcStatusRow *r;

  r = g_new0 (BcStatusRow, 1);
  r->name = g_strdup ("db1");
  r->uuid = g_strdup ("00000000-0000-0000-0000-000000000001");
  r->current_kib = 448 * MIB;
  r->max_kib = 3 * 1024 * MIB;
  r->source = BC_SOURCE_AGENT;
  r->have_committed = r->have_cached = TRUE;
  r->committed_kib = 40 * MIB + 512;
  r->cached_kib = 300 * MIB;
  r->active_file_kib = 120 * MIB;
  if (with_daemon)
    {
      r->ctl = ctl (r->uuid, "DOWN", 96, 384, 12);
      r->ctl->weight = 100; /* no contention: the weight alone */
      r->ctl->reclaimable_kib = 32 * MIB;
      r->ctl->floor_kib = 104 * MIB;
      r->ctl->virtio_mem = TRUE; /* sized by its virtio-mem device */
    }
  g_ptr_array_add (rows, r);

  r = g_new0 (BcStatusRow, 1);
  r->name = g_strdup ("web-with-a-long-name");
  r->uuid = g_strdup ("00000000-0000-0000-0000-000000000002");
  r->current_kib = 1536 * MIB;
  r->max_kib = 2048 * MIB;
  r->source = BC_SOURCE_BALLOON;
  r->have_cached = TRUE;
  r->cached_kib = 700 * MIB;
  if (with_daemon)
    {
      r->ctl = ctl (r->uuid, "UP", 512, 1600, 400);
      r->ctl->weight = 300; /* held to its weighted share */
      r->ctl->share_kib = 1536 * MIB;
      r->ctl->floor_kib = 1100 * MIB; /* balloon figures: nothing reclaimable */
    }
  g_ptr_array_add (rows, r);

  r = g_new0 (BcStatusRow, 1);
  r->name = g_strdup ("legacy");
  r->uuid = g_strdup ("00000000-0000-0000-0000-000000000003");
  r->current_kib = 1024 * MIB;
  r->max_kib = 1024 * MIB;
  r->source = BC_SOURCE_NONE;
  if (with_daemon)
    {
      r->ctl = ctl (r->uuid, "UP", 128, 0, -1);
      r->ctl->managed = FALSE;
      r->ctl->note = g_strdup ("no balloon device");
    }
  g_ptr_array_add (rows, r);
  return rows;
}

/* The daemon of the sample: a budget of 6 GiB, the three rows holding
 * 3008 MiB, 32 MiB of db1's reclaimable: room for (6144 - 3008 + 32) /
 * 1024 = 3 guests of 1 GiB. */
static BcReport *
sample_daemon (void)
{
  BcReport *daemon = bc_report_new ();

  daemon->pid = 4242;
  daemon->policy = g_strdup ("paper");
  daemon->updated_ms = NOW_MS - 500;
  daemon->budget_kib = 6144 * 1024;
  daemon->host = (BcReportHost) { TRUE, 3008 * MIB, 32 * MIB, 1024 * MIB, 3 };
  return daemon;
}

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

static void
test_table (gconstpointer with_daemon)
{
  g_autoptr (GPtrArray) rows = sample_rows (GPOINTER_TO_INT (with_daemon));
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (BcReport) daemon = with_daemon ? sample_daemon () : NULL;

  bc_status_format_host (daemon, out);
  bc_status_format_table (rows, NOW_MS, out);
  compare (with_daemon ? "status-table-daemon.txt" : "status-table-nodaemon.txt", out->str);
}

static void
test_json (gconstpointer with_daemon)
{
  g_autoptr (GPtrArray) rows = sample_rows (GPOINTER_TO_INT (with_daemon));
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (BcReport) daemon = NULL;

  if (with_daemon)
    daemon = sample_daemon ();
  bc_status_format_json (rows, daemon, out);
  compare (with_daemon ? "status-daemon.json" : "status-nodaemon.json", out->str);
}

/* The line above the table: one guest or several, none; a budget not
 * known; a daemon that did not say (one from before), or none. */
static void
test_host_line (void)
{
  g_autoptr (BcReport) daemon = sample_daemon ();
  g_autoptr (GString) out = g_string_new (NULL);

  bc_status_format_host (daemon, out);
  g_assert_cmpstr (out->str, ==, "host: budget 6.00 GiB, held 2.94 GiB, reclaimable now 32 MiB: room for 3 more guests of 1024 MiB\n");
  g_string_truncate (out, 0);
  daemon->budget_kib = 4096 * MIB;
  daemon->host = (BcReportHost) { TRUE, 3174 * MIB, 512 * MIB, 1024 * MIB, 1 };
  bc_status_format_host (daemon, out);
  g_assert_cmpstr (out->str, ==, "host: budget 4.00 GiB, held 3.10 GiB, reclaimable now 512 MiB: room for 1 more guest of 1024 MiB\n");
  g_string_truncate (out, 0);
  daemon->budget_kib = 0;
  daemon->host = (BcReportHost) { TRUE, 0, 0, G_GUINT64_CONSTANT (16777216) * MIB, 0 };
  bc_status_format_host (daemon, out);
  g_assert_cmpstr (out->str, ==, "host: budget -, held 0 MiB, reclaimable now 0 MiB: room for 0 more guests of 16777216 MiB\n");
  g_string_truncate (out, 0);
  daemon->host.known = FALSE;
  bc_status_format_host (daemon, out);
  bc_status_format_host (NULL, out);
  g_assert_cmpstr (out->str, ==, "");
}

/* json-glib's pretty text of text parsed as one tree. */
static char *
one_tree (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  json_generator_set_root (gen, json_parser_get_root (parser));
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

/* The state file is made a domain at a time: the same text as one tree
 * of it gives, with no domain, one, and two (a story each). */
static void
test_report_text_one_tree (void)
{
  g_autoptr (BcReport) r = bc_report_new ();

  r->pid = 7;
  r->uri = g_strdup ("test:///default");
  r->updated_ms = NOW_MS;
  for (guint n = 0; n < 3; n++)
    {
      g_autofree char *json = bc_report_to_json (r);
      g_autofree char *tree = one_tree (json);
      BcReportDomain *d;

      g_assert_cmpstr (json, ==, tree);
      d = bc_report_add_domain (r, n ? "u-2" : "u-1", n ? "vm \"two\"\n" : "vm1");
      d->managed = TRUE;
      d->target_kib = 1000 * (n + 1);
      d->change_at_ms = NOW_MS - 1000;
      d->change_reason = g_strdup ("shrink: a reason");
      d->detail.history.n = 1;
      d->detail.history.items[0] = (BcReportChange) { NOW_MS - 1000, 2000, 1000, g_strdup ("shrink: a reason") };
      r->host = (BcReportHost) { TRUE, 111, 222, 333, 444 };
    }
}

static void
test_report_roundtrip (void)
{
  g_autoptr (BcReport) r = bc_report_new ();
  g_autoptr (BcReport) back = NULL;
  g_autofree char *json = NULL;
  BcReportDomain *d;
  const BcReportDomain *b;

  r->pid = 99;
  r->uri = g_strdup ("qemu:///system");
  r->policy = g_strdup ("paper");
  r->updated_ms = NOW_MS;
  r->budget_kib = 7 * 1024 * 1024;
  d = bc_report_add_domain (r, "u-1", "vm \"quoted\"\n");
  d->managed = TRUE;
  d->state = g_strdup ("UP");
  d->margin_kib = 5;
  d->target_kib = 12345;
  d->change_at_ms = NOW_MS - 1000;
  d->change_old_kib = 10000;
  d->change_new_kib = 12345;
  d->change_reason = g_strdup ("grow");
  d->reclaimable_kib = 4567;
  d->floor_kib = 8910;
  d->virtio_mem = TRUE;
  r->host = (BcReportHost) { TRUE, 111, 222, 333, 444 };
  json = bc_report_to_json (r);
  back = bc_report_from_json (json, NULL);
  g_assert_nonnull (back);
  g_assert_cmpint (back->pid, ==, 99);
  g_assert_cmpstr (back->uri, ==, "qemu:///system");
  g_assert_cmpint (back->budget_kib, ==, 7 * 1024 * 1024);
  b = bc_report_find (back, "u-1");
  g_assert_nonnull (b);
  g_assert_cmpstr (b->name, ==, "vm \"quoted\"\n");
  g_assert_true (b->managed);
  g_assert_cmpint (b->margin_kib, ==, 5);
  g_assert_cmpuint (b->target_kib, ==, 12345);
  g_assert_cmpint (b->change_at_ms, ==, NOW_MS - 1000);
  g_assert_cmpuint (b->change_old_kib, ==, 10000);
  g_assert_cmpuint (b->change_new_kib, ==, 12345);
  g_assert_cmpstr (b->change_reason, ==, "grow");
  g_assert_cmpuint (b->reclaimable_kib, ==, 4567);
  g_assert_cmpuint (b->floor_kib, ==, 8910);
  g_assert_true (b->virtio_mem);
  g_assert_true (back->host.known);
  g_assert_cmpuint (back->host.held_kib, ==, 111);
  g_assert_cmpuint (back->host.reclaimable_kib, ==, 222);
  g_assert_cmpuint (back->host.guest_size_kib, ==, 333);
  g_assert_cmpuint (back->host.guests, ==, 444);
  g_assert_null (bc_report_find (back, "u-2"));
  /* a state file of the wrong shape is refused or read as empty, quietly */
  g_assert_null (bc_report_from_json ("[1,2]", NULL));
  g_clear_pointer (&back, bc_report_free);
  back = bc_report_from_json ("{\"pid\":\"x\",\"domains\":[1,{\"uuid\":5},{\"uuid\":\"a\",\"margin_kib\":[]}]}", NULL);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->domains->len, ==, 1);
  /* a daemon from before the room says nothing of it */
  g_assert_false (back->host.known);
}

/* A note carrying a guest's bytes that are not UTF-8 (a lone surrogate
 * from an agent's error text) must not make the state file unreadable for
 * every other domain. */
static void
test_report_not_utf8 (void)
{
  g_autoptr (BcReport) r = bc_report_new ();
  g_autoptr (BcReport) back = NULL;
  g_autofree char *json = NULL;
  BcReportDomain *d;
  const BcReportDomain *b;

  r->pid = 7;
  d = bc_report_add_domain (r, "u-1", "vm1");
  d->note = g_strdup ("agent: Guest agent error: \xed\xb0\x80 \xff junk");
  bc_report_add_domain (r, "u-2", "vm2")->managed = TRUE;
  json = bc_report_to_json (r);
  g_assert_true (g_utf8_validate (json, -1, NULL));
  back = bc_report_from_json (json, NULL);
  g_assert_nonnull (back);
  b = bc_report_find (back, "u-1");
  g_assert_nonnull (b);
  g_assert_true (g_str_has_prefix (b->note, "agent: Guest agent error: "));
  g_assert_true (g_str_has_suffix (b->note, " junk"));
  g_assert_nonnull (bc_report_find (back, "u-2"));
  g_assert_true (bc_report_find (back, "u-2")->managed);
}

static gint64
written_updated_ms (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr (BcReport) r = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  r = bc_report_from_json (text, NULL);
  g_assert_nonnull (r);
  return r->updated_ms;
}

/* What the daemon does after a pass: offers a copy of r as it is now (the
 * offer takes it), and writes what waits if a write is due. */
static gboolean
publish_copy (const BcReport *r, BcStateFile *file, BcReportCache *cache, gint64 now_ms)
{
  bc_report_offer (bc_report_copy (r), cache, now_ms);
  if (bc_report_pending_ms (cache, now_ms) != 0)
    return TRUE;
  return bc_report_flush (file, cache, now_ms, NULL);
}

/* A state file in a temporary folder, claimed as the daemon claims its
 * own, with the cache of what was written to it. */
typedef struct {
  char *dir;
  char *path;
  BcStateFile file;
  BcReportCache cache;
} Published;

static void
published_open (Published *p)
{
  BcStateFile init = BC_STATE_FILE_INIT;

  p->dir = g_dir_make_tmp ("bc-report-XXXXXX", NULL);
  p->path = g_build_filename (p->dir, "state.json", NULL);
  p->file = init;
  p->cache = (BcReportCache) { 0 };
  g_assert_true (bc_state_file_claim (&p->file, p->path, NULL));
}

static void
published_close (Published *p)
{
  bc_report_cache_clear (&p->cache);
  bc_state_file_clear (&p->file);
  g_unlink (p->path);
  g_rmdir (p->dir);
  g_free (p->path);
  g_free (p->dir);
}

/* The state file is written when what it says changes, and at least every
 * BC_REPORT_HEARTBEAT_MS so status knows the daemon lives; not every tick. */
static void
test_report_publish (void)
{
  g_autoptr (BcReport) r = bc_report_new ();
  BcReportDomain *d = bc_report_add_domain (r, "u-1", "vm1");
  Published p;

  published_open (&p);
  d->managed = TRUE;
  d->target_kib = 1000;
  r->apply_interval_ms = 2000;
  r->updated_ms = 1;
  g_assert_true (publish_copy (r, &p.file, &p.cache, 0));
  g_assert_cmpint (written_updated_ms (p.path), ==, 1);
  r->updated_ms = 2;
  g_assert_true (publish_copy (r, &p.file, &p.cache, BC_REPORT_HEARTBEAT_MS - 1));
  g_assert_cmpint (written_updated_ms (p.path), ==, 1);
  r->updated_ms = 3;
  g_assert_true (publish_copy (r, &p.file, &p.cache, BC_REPORT_HEARTBEAT_MS));
  g_assert_cmpint (written_updated_ms (p.path), ==, 3);
  /* the room moves with every read of a guest: the heartbeat carries it */
  d->reclaimable_kib = 5000;
  d->floor_kib = 6000;
  r->host = (BcReportHost) { TRUE, 1, 2, 3, 4 };
  r->updated_ms = 7;
  g_assert_true (publish_copy (r, &p.file, &p.cache, BC_REPORT_HEARTBEAT_MS + 1));
  g_assert_cmpint (written_updated_ms (p.path), ==, 3);
  g_assert_cmpint (bc_report_pending_ms (&p.cache, BC_REPORT_HEARTBEAT_MS + 1), ==, -1);
  /* a short apply interval: the heartbeat is one interval + 1 s */
  r->apply_interval_ms = 100;
  r->updated_ms = 5;
  g_assert_true (publish_copy (r, &p.file, &p.cache, 10000));
  r->updated_ms = 6;
  g_assert_true (publish_copy (r, &p.file, &p.cache, 11099));
  g_assert_cmpint (written_updated_ms (p.path), ==, 5);
  g_assert_true (publish_copy (r, &p.file, &p.cache, 11100));
  g_assert_cmpint (written_updated_ms (p.path), ==, 6);
  published_close (&p);
}

/* A change less than BC_REPORT_MIN_WRITE_GAP_MS after the last write
 * waits, replaced by the later ones, until it is due; one that undoes
 * what waits leaves nothing to write. */
static void
test_report_publish_gap (void)
{
  g_autoptr (BcReport) r = bc_report_new ();
  BcReportDomain *d = bc_report_add_domain (r, "u-1", "vm1");
  Published p;

  published_open (&p);
  r->apply_interval_ms = 100;
  r->updated_ms = 1;
  g_assert_true (publish_copy (r, &p.file, &p.cache, 5000));
  g_assert_cmpint (bc_report_pending_ms (&p.cache, 5000), ==, -1);
  d->target_kib = 1000, r->updated_ms = 2;
  g_assert_true (publish_copy (r, &p.file, &p.cache, 5100));
  g_assert_cmpint (written_updated_ms (p.path), ==, 1);
  g_assert_cmpint (bc_report_pending_ms (&p.cache, 5100), ==, 900);
  d->target_kib = 2000, r->updated_ms = 3;
  g_assert_true (publish_copy (r, &p.file, &p.cache, 5200));
  g_assert_cmpint (bc_report_pending_ms (&p.cache, 5200), ==, 800);
  g_assert_cmpint (bc_report_pending_ms (&p.cache, 6000), ==, 0);
  g_assert_true (bc_report_flush (&p.file, &p.cache, 6000, NULL));
  g_assert_cmpint (written_updated_ms (p.path), ==, 3);
  g_assert_cmpint (bc_report_pending_ms (&p.cache, 6000), ==, -1);
  /* nothing waits: a flush writes nothing */
  g_assert_true (bc_report_flush (&p.file, &p.cache, 7000, NULL));
  g_assert_cmpint (written_updated_ms (p.path), ==, 3);
  d->target_kib = 3000, r->updated_ms = 4;
  g_assert_true (publish_copy (r, &p.file, &p.cache, 6500));
  d->target_kib = 2000, r->updated_ms = 5;
  g_assert_true (publish_copy (r, &p.file, &p.cache, 6600));
  g_assert_cmpint (bc_report_pending_ms (&p.cache, 6600), ==, -1);
  /* due: written by the pass itself */
  d->target_kib = 4000, r->updated_ms = 6;
  g_assert_true (publish_copy (r, &p.file, &p.cache, 7000));
  g_assert_cmpint (written_updated_ms (p.path), ==, 6);
  published_close (&p);
}

/* A write is due at the first, and a gap after the last tried. */
static void
test_report_write_due (void)
{
  g_assert_true (bc_report_write_due (-1, 0, 1000));
  g_assert_true (bc_report_write_due (-1, 5, 1000));
  g_assert_false (bc_report_write_due (0, 0, 1000));
  g_assert_false (bc_report_write_due (0, 999, 1000));
  g_assert_true (bc_report_write_due (0, 1000, 1000));
  g_assert_true (bc_report_write_due (4000, 6000, 1000));
  g_assert_false (bc_report_write_due (4000, 4100, 1000));
  /* a clock gone back: at once, not after a long wait */
  g_assert_true (bc_report_write_due (4000, 3000, 1000));
  g_assert_true (bc_report_write_due (4000, 4000, 0));
}

/* status takes the daemon's own apply interval to judge its file stale */
static void
test_report_live (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autoptr (BcReport) r = bc_report_new ();
  g_autoptr (BcReport) live = NULL;

  r->pid = getpid ();
  r->updated_ms = NOW_MS - 6000;
  r->apply_interval_ms = 100; /* stale after 5.3 s */
  g_assert_true (bc_report_write (r, path, NULL));
  live = bc_report_read_live (path, NOW_MS, 1000, NULL);
  g_assert_null (live);
  r->apply_interval_ms = 1000; /* stale after 8 s */
  g_assert_true (bc_report_write (r, path, NULL));
  live = bc_report_read_live (path, NOW_MS, 100, NULL);
  g_assert_nonnull (live);
  g_unlink (path);
  g_rmdir (dir);
}


/* A state file says what no daemon writes: times at the ends of gint64
 * (arithmetic on them overflowed), a far-future time with pid 1 (alive
 * forever), sizes out of any range.  Each is refused with an error, and
 * none reads as a live daemon. */
static void
test_report_hostile (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autofree char *me = g_strdup_printf ("%d", (int) getpid ());
  const struct { const char *pid, *updated, *domain; } cases[] = {
    { me, "-9223372036854775808", "" },
    { me, "9223372036854775807", "" },
    { "1", "4102444800000", "" },                          /* 2100: alive forever */
    { me, "1790000061000", "" },                           /* 61 s ahead */
    { "-1", "1790000000000", "" },
    { "4294967297", "1790000000000", "" },                 /* pid_t is an int */
    { me, "1790000000000", ",\"apply_interval_ms\":9223372036854775807" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"target_kib\":-1}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"target_kib\":9223372036854775807}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"margin_kib\":-9223372036854775808}]" },
    /* what a daemon never writes: a margin below 0, a share with no weight */
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"margin_kib\":-1}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"margin_kib\":-1099511627776}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"weight\":0,\"share_kib\":5}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"share_kib\":5}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"last_change\":{\"at_ms\":-9223372036854775808}}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"last_change\":{\"at_ms\":9223372036854775807}}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"last_change\":{\"at_ms\":1,\"new_kib\":-5}}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"reclaimable_kib\":-1}]" },
    { me, "1790000000000", ",\"domains\":[{\"uuid\":\"u\",\"floor_kib\":1099511627777}]" },
    { me, "1790000000000", ",\"host\":{\"held_kib\":-1}" },
    { me, "1790000000000", ",\"host\":{\"room_guests\":9223372036854775807}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"pid\":%s,\"uri\":\"test:///default\",\"updated_ms\":%s%s}",
                                               cases[i].pid, cases[i].updated, cases[i].domain);
      g_autoptr (GError) error = NULL;
      g_autoptr (BcReport) live = NULL;

      g_test_message ("%s", text);
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      live = bc_report_read_live (path, NOW_MS, 1000, &error);
      g_assert_null (live);
      g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
    }
  g_unlink (path);
  g_rmdir (dir);
}

/* A target or floor above the domain's maximum memory (libvirt's) is not
 * the daemon's: refused; one above its own limits' max is (the shrink
 * rate keeps a target above a lowered max); at the maximum, or with the
 * maximum not known, or a domain not listed, fits. */
static void
test_report_check_max (void)
{
  g_autoptr (BcReport) r = bc_report_new ();
  BcReportDomain *d = bc_report_add_domain (r, "u", "vm");
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) floor_error = NULL;

  d->target_kib = 2048 * 1024;
  d->floor_kib = 1024 * 1024;
  d->detail.limits_known = TRUE;
  d->detail.max_kib = 1024 * 1024;
  g_assert_true (bc_report_check_max (r, "u", 2048 * 1024, NULL));
  g_assert_true (bc_report_check_max (r, "u", 0, NULL));
  g_assert_true (bc_report_check_max (r, "other", 1, NULL));
  g_assert_false (bc_report_check_max (r, "u", 2048 * 1024 - 1, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "state file: domain u: target_kib 2097152 is above its maximum memory, 2097151 KiB");
  d->target_kib = 0;
  d->floor_kib = G_GUINT64_CONSTANT (1) << 40;
  g_assert_false (bc_report_check_max (r, "u", 2048 * 1024, &floor_error));
  g_assert_cmpstr (floor_error->message, ==, "state file: domain u: floor_kib 1099511627776 is above its maximum memory, 2097152 KiB");
}

/* Within the clock skew a file is a live daemon's; beyond its age it is a
 * dead one's, without an error; a directory is an error, not "none". */
static void
test_report_bounds (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autoptr (BcReport) r = bc_report_new ();
  g_autoptr (BcReport) live = NULL;
  g_autoptr (GError) error = NULL;
  BcReportDomain *d;

  r->pid = getpid ();
  r->updated_ms = NOW_MS + BC_REPORT_SKEW_MS;
  r->apply_interval_ms = 1000;
  d = bc_report_add_domain (r, "u", "vm");
  d->managed = TRUE;
  d->margin_kib = BC_REPORT_MAX_KIB;
  d->target_kib = BC_REPORT_MAX_KIB;
  d->change_at_ms = NOW_MS + BC_REPORT_SKEW_MS;
  g_assert_true (bc_report_write (r, path, NULL));
  live = bc_report_read_live (path, NOW_MS, 1000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (live);
  g_assert_cmpuint (bc_report_find (live, "u")->target_kib, ==, BC_REPORT_MAX_KIB);
  g_clear_pointer (&live, bc_report_free);
  r->updated_ms = NOW_MS - bc_report_max_age_ms (1000) - 1;
  g_assert_true (bc_report_write (r, path, NULL));
  g_assert_null (bc_report_read_live (path, NOW_MS, 1000, &error));
  g_assert_no_error (error);
  g_unlink (path);
  g_assert_null (bc_report_read_live (path, NOW_MS, 1000, &error));
  g_assert_no_error (error);
  g_assert_null (bc_report_read_live (dir, NOW_MS, 1000, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
  g_rmdir (dir);
}

/* what the table makes of a row whose times are at the ends of gint64 */
static void
test_table_extreme_times (void)
{
  g_autoptr (GPtrArray) rows = sample_rows (TRUE);
  g_autoptr (GString) out = g_string_new (NULL);
  BcStatusRow *r = g_ptr_array_index (rows, 0);

  r->ctl->change_at_ms = G_MININT64;
  ((BcStatusRow *) g_ptr_array_index (rows, 1))->ctl->change_at_ms = G_MAXINT64;
  r->ctl->margin_kib = G_MININT64;
  bc_status_format_table (rows, NOW_MS, out);
  g_assert_nonnull (strstr (out->str, "h ago 512 MiB -> 384 MiB"));
  g_assert_nonnull (strstr (out->str, " 0s ago 512 MiB -> 1.56 GiB"));
}

/* ---- what reaches a terminal ----------------------------------------- */

static void
test_escape (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "plain name-1.2", "plain name-1.2" },
    { "a\x1b[31mred\x1b[0m", "a\\x1b[31mred\\x1b[0m" },
    { "line\nfake row\rcr\ttab", "line\\nfake row\\rcr\\ttab" },
    { "del\x7f nul-ish\x01", "del\\x7f nul-ish\\x01" },
    { "c1 \xc2\x9b" "31m", "c1 \\u009b31m" },          /* U+009B, CSI as UTF-8 */
    { "raw c1 \x9b" "31m", "raw c1 \\x9b31m" },        /* a lone 0x9b byte */
    { "bad \xff\xfe utf8 \xed\xa0\x80", "bad \\xff\\xfe utf8 \\xed\\xa0\\x80" },
    { "cut \xe2\x82", "cut \\xe2\\x82" },
    { "bidi \xe2\x80\xae" "cba", "bidi \\u202ecba" },
    { "sep \xe2\x80\xa8", "sep \\u2028" },
    { "back\\slash", "back\\\\slash" },
    { "caf\xc3\xa9 \xe6\x95\xb0", "caf\xc3\xa9 \xe6\x95\xb0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = bc_term_escape (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

/* One escaper, one spelling: a real ESC is \x1b, the text "\x1b" (a
 * backslash and three characters) is \\x1b: an escape cannot be forged. */
static void
test_escape_spelling (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "real \x1b[2J", "real \\x1b[2J" },
    { "forged \\x1b[2J", "forged \\\\x1b[2J" },
    { "forged \\u202e \\u{001B}", "forged \\\\u202e \\\\u{001B}" },
    { "sep \xe2\x80\xa8 \xe2\x80\xa9", "sep \\u2028 \\u2029" },
    { "isolates \xe2\x81\xa6\xe2\x81\xa9 marks \xe2\x80\x8e\xd8\x9c", "isolates \\u2066\\u2069 marks \\u200e\\u061c" },
    { "tab\tus \x1f c1 \xc2\x85 end", "tab\\tus \\x1f c1 \\u0085 end" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = bc_term_escape (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

/* Run as its own user under systemd, the daemon publishes in the runtime
 * directory systemd made for it (the first of several). */
static void
test_default_path (void)
{
  g_autofree char *one = NULL, *first = NULL;

  g_setenv ("RUNTIME_DIRECTORY", "/run/balloonctl", TRUE);
  one = bc_report_default_path ();
  g_setenv ("RUNTIME_DIRECTORY", "/run/a:/run/b", TRUE);
  first = bc_report_default_path ();
  g_unsetenv ("RUNTIME_DIRECTORY");
  g_assert_cmpstr (one, ==, "/run/balloonctl/state.json");
  g_assert_cmpstr (first, ==, "/run/a/state.json");
}

static void
test_width (void)
{
  g_autofree char *cut = NULL, *cut_wide = NULL, *whole = NULL, *none = NULL;

  g_assert_cmpuint (bc_term_width ("abc"), ==, 3);
  g_assert_cmpuint (bc_term_width ("\xe6\x95\xb0\xe6\x8d\xae" "x"), ==, 5); /* two wide + one */
  g_assert_cmpuint (bc_term_width ("e\xcc\x81"), ==, 1);                     /* e + combining acute */
  cut = bc_term_truncate ("abcdef", 4);
  g_assert_cmpstr (cut, ==, "abc+");
  whole = bc_term_truncate ("abcd", 4);
  g_assert_cmpstr (whole, ==, "abcd");
  cut_wide = bc_term_truncate ("\xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93", 4);
  g_assert_cmpstr (cut_wide, ==, "\xe6\x95\xb0+");
  none = bc_term_truncate ("abc", 0);
  g_assert_cmpstr (none, ==, "");
}

static void
test_fit_columns (void)
{
  static const gsize natural[] = { 4, 5, 8, 11 };
  static const struct { gsize width; guint shown_n; gsize shown[4]; } cases[] = {
    { 0, 0, { 0, 0, 0, 0 } },
    { 3, 1, { 3, 0, 0, 0 } },      /* even the first column is cut */
    { 4, 1, { 4, 0, 0, 0 } },
    { 12, 2, { 4, 5, 0, 0 } },     /* 1 column left for the third: left out */
    { 17, 3, { 4, 5, 4, 0 } },     /* 4 left: cut */
    { 21, 3, { 4, 5, 8, 0 } },
    { 25, 3, { 4, 5, 8, 0 } },     /* 2 left for the last: left out */
    { 27, 4, { 4, 5, 8, 4 } },
    { 34, 4, { 4, 5, 8, 11 } },
    { 200, 4, { 4, 5, 8, 11 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize shown[4];

      g_assert_cmpuint (bc_term_fit_columns (natural, 4, 2, cases[i].width, shown), ==, cases[i].shown_n);
      for (guint c = 0; c < 4; c++)
        g_assert_cmpuint (shown[c], ==, cases[i].shown[c]);
    }
}

/* a row every string of which a guest or a state file could have chosen */
static BcStatusRow *
hostile_row (void)
{
  BcStatusRow *r = g_new0 (BcStatusRow, 1);

  r->name = g_strdup ("evil\x1b]0;owned\x07\x1b[2J\n" "db2  UP  1 GiB");
  r->uuid = g_strdup ("00000000-0000-0000-0000-0000000000ee");
  r->current_kib = 1024 * MIB;
  r->max_kib = 1024 * MIB;
  r->source = BC_SOURCE_AGENT;
  r->ctl = ctl (r->uuid, "UP\r\x1b[1A", 64, 512, 5);
  g_free (r->ctl->change_reason);
  r->ctl->change_reason = g_strdup ("grow \xc2\x9b" "31m \x9b" "1m \xff\xfe\x7f end");
  return r;
}

static gsize
byte_at_column (const char *line, gsize column)
{
  const char *p = line;

  for (gsize w = 0; *p && w < column; p = g_utf8_next_char (p))
    w += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
  return (gsize) (p - line);
}

/* A 5000-character name is cut to 48 columns ending in '+': the other
 * rows keep their width. */
static void
test_table_long_name (void)
{
  g_autoptr (GPtrArray) rows = sample_rows (TRUE);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GString) plain = g_string_new (NULL);
  g_auto (GStrv) lines = NULL, plain_lines = NULL;
  BcStatusRow *longest = hostile_row ();

  bc_status_format_table (rows, NOW_MS, plain);
  g_free (longest->name);
  longest->name = g_strnfill (5000, 'n');
  g_ptr_array_add (rows, longest);
  bc_status_format_table (rows, NOW_MS, out);
  lines = g_strsplit (out->str, "\n", -1);
  plain_lines = g_strsplit (plain->str, "\n", -1);
  g_assert_cmpuint (bc_term_width (lines[0]), <, 200);
  g_assert_cmpuint (bc_term_width (lines[0]), <=, bc_term_width (plain_lines[0]) + 48);
  g_assert_nonnull (strstr (out->str, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn+ "));
}

static void
test_table_escaped (void)
{
  g_autoptr (GPtrArray) rows = sample_rows (TRUE);
  g_autoptr (GString) out = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  gsize source_col;
  BcStatusRow *wide;

  g_ptr_array_add (rows, hostile_row ());
  wide = hostile_row ();
  g_free (wide->name);
  wide->name = g_strdup ("\xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93"); /* three wide characters */
  g_ptr_array_add (rows, wide);
  bc_status_format_table (rows, NOW_MS, out);
  g_assert_true (g_utf8_validate (out->str, -1, NULL));
  for (const char *p = out->str; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_true (c == '\n' || (c >= 0x20 && c != 0x7f && (c < 0x80 || c >= 0xa0)));
    }
  lines = g_strsplit (out->str, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + rows->len + 1); /* no fake rows */
  g_assert_nonnull (strstr (out->str, "evil\\x1b]0;owned\\x07\\x1b[2J\\ndb2  UP  1 GiB"));
  g_assert_nonnull (strstr (out->str, "UP\\r\\x1b[1A"));
  g_assert_nonnull (strstr (out->str, "grow \\u009b31m \\x9b1m \\xff\\xfe\\x7f end"));
  /* every row's SOURCE starts in the header's column, wide names too */
  source_col = bc_term_width (lines[0]) - bc_term_width (strstr (lines[0], "SOURCE"));
  for (guint i = 1; i <= rows->len; i++)
    {
      gsize at = byte_at_column (lines[i], source_col);

      g_assert_true (g_str_has_prefix (lines[i] + at, "agent") || g_str_has_prefix (lines[i] + at, "balloon-only") ||
                     g_str_has_prefix (lines[i] + at, "none"));
      g_assert_cmpint (lines[i][at - 1], ==, ' ');
    }
}

static void
test_json_escaped (void)
{
  g_autoptr (GPtrArray) rows = sample_rows (TRUE);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root, *row;

  g_ptr_array_add (rows, hostile_row ());
  bc_status_format_json (rows, NULL, out);
  g_assert_true (g_utf8_validate (out->str, -1, NULL));
  for (const char *p = out->str; *p; p++)
    g_assert_true (*p == '\n' || (guchar) *p >= 0x20);
  g_assert_true (json_parser_load_from_data (parser, out->str, -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "schema"), ==, BC_STATUS_JSON_SCHEMA);
  row = json_array_get_object_element (json_object_get_array_member (root, "domains"), 3);
  g_assert_cmpstr (json_object_get_string_member (row, "name"), ==, "evil\x1b]0;owned\x07\x1b[2J\n" "db2  UP  1 GiB");
}

/* ---- sorting and fitting --------------------------------------------- */

static void
assert_order (GPtrArray *rows, const char *a, const char *b, const char *c)
{
  g_assert_cmpstr (((BcStatusRow *) g_ptr_array_index (rows, 0))->name, ==, a);
  g_assert_cmpstr (((BcStatusRow *) g_ptr_array_index (rows, 1))->name, ==, b);
  g_assert_cmpstr (((BcStatusRow *) g_ptr_array_index (rows, 2))->name, ==, c);
}

static void
test_sort (void)
{
  g_autoptr (GPtrArray) rows = sample_rows (TRUE);
  static const struct { const char *column; const char *order[3]; } cases[] = {
    { "name", { "db1", "legacy", "web-with-a-long-name" } },
    { "MAX", { "db1", "web-with-a-long-name", "legacy" } },
    { "current", { "web-with-a-long-name", "legacy", "db1" } },
    { "Target", { "web-with-a-long-name", "db1", "legacy" } },          /* legacy's unknown: last */
    { "committed", { "db1", "legacy", "web-with-a-long-name" } },       /* unknown ones by name */
    { "cached", { "web-with-a-long-name", "db1", "legacy" } },
    { "ACTIVE(FILE)", { "db1", "legacy", "web-with-a-long-name" } },
    { "margin", { "web-with-a-long-name", "db1", "legacy" } },
    { "state", { "db1", "web-with-a-long-name", "legacy" } },           /* DOWN, UP, off */
    { "source", { "db1", "web-with-a-long-name", "legacy" } },          /* "agent" < "balloon-only" < "none" */
    { "last change", { "db1", "web-with-a-long-name", "legacy" } },     /* latest first */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BcStatusColumn column;

      g_test_message ("--sort %s", cases[i].column);
      g_assert_true (bc_status_column_parse (cases[i].column, &column));
      bc_status_sort (rows, column);
      assert_order (rows, cases[i].order[0], cases[i].order[1], cases[i].order[2]);
    }
}

static void
test_column_parse (void)
{
  static const char *const good[] = { "name", "NAME", "Active(File)", "active-file", "active_file", "LAST CHANGE", "last-change" };
  static const char *const bad[] = { "", "bogus", "act", "names", "last  change" };
  g_autofree char *names = bc_status_column_names ();
  BcStatusColumn column;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (bc_status_column_parse (good[i], &column));
  g_assert_true (bc_status_column_parse ("active_file", &column));
  g_assert_cmpint (column, ==, BC_STATUS_COL_ACTIVE_FILE);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (bc_status_column_parse (bad[i], &column));
  g_assert_cmpstr (names, ==, "name, state, current, target, max, committed, cached, active-file, margin, weight, source, last-change");
}

static guint
assert_fits (const char *text, gsize width)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    g_assert_cmpuint (bc_term_width (lines[i]), <=, width);
  return g_strv_length (lines);
}

static void
test_table_fit (void)
{
  g_autoptr (GPtrArray) rows = sample_rows (TRUE);
  g_autoptr (GString) full = g_string_new (NULL), narrow = g_string_new (NULL), tiny = g_string_new (NULL);

  g_assert_cmpuint (bc_status_format_table_fit (rows, NOW_MS, 1000, full), ==, 0);
  bc_status_format_table (rows, NOW_MS, narrow);
  g_assert_cmpstr (full->str, ==, narrow->str);
  g_string_truncate (narrow, 0);
  /* NAME 20 + STATE 2+5 + CURRENT, TARGET, MAX 3 x (2+8) = 57 of 60:
   * COMMITTED would have 1 column, so it and what follows are left out */
  g_assert_cmpuint (bc_status_format_table_fit (rows, NOW_MS, 60, narrow), ==, 7);
  assert_fits (narrow->str, 60);
  g_assert_true (g_str_has_prefix (narrow->str, "NAME                  STATE  CURRENT   TARGET    MAX\n"
                                                "db1                   DOWN   448 MiB   384 MiB   3.00 GiB\n"));
  /* 75: COMMITTED (9) ends at 68, CACHED (7) cut to 75 - 68 - 2 = 5 columns */
  g_string_truncate (narrow, 0);
  g_assert_cmpuint (bc_status_format_table_fit (rows, NOW_MS, 75, narrow), ==, 5);
  assert_fits (narrow->str, 75);
  g_assert_true (g_str_has_prefix (narrow->str, "NAME                  STATE  CURRENT   TARGET    MAX       COMMITTED  CACH+\n"));
  g_assert_cmpuint (bc_status_format_table_fit (rows, NOW_MS, 10, tiny), ==, 11);
  assert_fits (tiny->str, 10);
  g_assert_true (g_str_has_prefix (tiny->str, "NAME\ndb1\nweb-with-+\n"));
}

static void
test_frame (void)
{
  g_autoptr (BcStatusSnapshot) snap = g_new0 (BcStatusSnapshot, 1);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "lost \x1b[2J connection");
  BcWatchFrame f = { .now_ms = NOW_MS, .interval_ms = 2000, .columns = 200, .lines = 0, .tty = FALSE };
  g_auto (GStrv) lines = NULL;

  snap->rows = sample_rows (TRUE);
  snap->daemon = bc_report_new ();
  snap->daemon->pid = 4242;
  snap->daemon->policy = g_strdup ("paper\x1b[H");
  snap->warning = g_strdup ("state.json: updated_ms is\n in the future");
  bc_watch_format_frame (snap, NULL, &f, out);
  g_assert_true (g_str_has_prefix (out->str, "--- balloonctl at "));
  g_assert_nonnull (strstr (out->str, ", every 2 s; daemon pid 4242, policy paper\\x1b[H\n"));
  g_assert_nonnull (strstr (out->str, "\nwarning: state.json: updated_ms is\\n in the future\nNAME "));
  /* 60 columns: the title says what the table leaves out */
  g_string_truncate (out, 0);
  f.columns = 60;
  f.interval_ms = 500;
  bc_watch_format_frame (snap, NULL, &f, out);
  g_assert_nonnull (strstr (out->str, ", every 0.5 s, 7 columns hidden; "));
  g_assert_cmpuint (assert_fits (out->str, 60), ==, 1 + 1 + 4 + 1);
  /* a terminal: drawn over the last frame, as tall as it is less a line */
  g_string_truncate (out, 0);
  g_clear_pointer (&snap->warning, g_free);
  f.tty = TRUE;
  f.lines = 5;
  bc_watch_format_frame (snap, error, &f, out);
  g_assert_true (g_str_has_prefix (out->str, "\033[Hballoonctl at "));
  g_assert_true (g_str_has_suffix (out->str, "\033[K\n\033[J"));
  g_assert_nonnull (strstr (out->str, "\033[K\nerror: lost \\x1b[2J connection\033[K\nNAME "));
  lines = g_strsplit (out->str, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4 + 1);
  g_assert_cmpstr (lines[3], ==, "(3 more lines, taller terminal to see them)\033[K");
  /* the host's room, when the daemon says it, above the table */
  g_string_truncate (out, 0);
  f.lines = 0;
  f.columns = 200;
  g_clear_pointer (&snap->daemon, bc_report_free);
  snap->daemon = sample_daemon ();
  bc_watch_format_frame (snap, NULL, &f, out);
  g_assert_nonnull (strstr (out->str, "\033[K\nhost: budget 6.00 GiB, held 2.94 GiB, reclaimable now 32 MiB: "
                                      "room for 3 more guests of 1024 MiB\033[K\nNAME "));
}

/* A state file of 100,000 '[' (what `balloonctl status` reads) is an
 * error, not a stack overflow in the JSON parser. */
static void
test_report_live_deep (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autofree char *text = g_strnfill (100000, '[');
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_null (bc_report_read_live (path, NOW_MS, 1000, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "state file: JSON nested deeper than 64 levels");
  g_unlink (path);
  g_rmdir (dir);
}

/* Times in the file are never negative: now - INT64_MIN overflowed (and
 * wrapped, so such a file read as fresh), and so did "how long ago" for a
 * change at INT64_MIN + 1.  Such files are refused. */
static void
test_report_negative_times (void)
{
  g_autofree char *text = g_strdup_printf ("{\"pid\":%d,\"updated_ms\":-9223372036854775808,\"domains\":[]}", (int) getpid ());
  g_autoptr (BcReport) live = bc_report_read_live_data (text, NOW_MS, 1000, NULL);
  g_autoptr (BcReport) r = bc_report_from_json ("{\"updated_ms\":1,\"domains\":[{\"uuid\":\"u\",\"managed\":true,"
                                                "\"last_change\":{\"at_ms\":-9223372036854775807}}]}", NULL);

  g_assert_null (live);
  g_assert_null (r);
}

/* Strings of the state file reach the terminal through the table (a note
 * can carry a guest agent's error text): control characters are shown
 * escaped, never sent.  A 0x1f in a note was the fuzzer's first find. */
static void
test_report_control_chars (void)
{
  g_autoptr (BcReport) r = bc_report_from_json ("{\"domains\":[{\"uuid\":\"u\",\"managed\":false,"
                                                "\"note\":\"agent: \\u001b]0;owned\\u0007\\u001b[2J\x1f\\u009b1m\\n\\u007f \xc3\xa9\"}]}", NULL);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_status_row_free);
  g_autoptr (GString) table = g_string_new (NULL);
  BcStatusRow *row = g_new0 (BcStatusRow, 1);

  g_assert_nonnull (r);
  row->name = g_strdup ("vm");
  row->uuid = g_strdup ("u");
  g_ptr_array_add (rows, row);
  bc_status_attach (rows, r);
  bc_status_format_table (rows, NOW_MS, table);
  g_assert_null (strchr (table->str, '\x1b'));
  g_assert_nonnull (strstr (table->str, "not managed: agent: \\x1b]0;owned"));
}

/* A guest agent's error text holding an ESC and a backslash, as the daemon
 * keeps it (cut, raw), through the state file to the table: escaped once,
 * where it is written (\x1b, \\).  It was escaped when kept, and again on
 * the way out: \\u{001B}. */
static void
test_agent_error_escaped_once (void)
{
  BcDomain dom = { 0 };
  g_autoptr (BcReport) r = bc_report_new ();
  g_autoptr (BcReport) back = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_status_row_free);
  g_autoptr (GString) table = g_string_new (NULL);
  g_autofree char *json = NULL;
  BcStatusRow *row = g_new0 (BcStatusRow, 1);

  dom.name = (char *) "vm";
  dom.setup.done = TRUE;
  dom.decided = TRUE;
  dom.decision.source = BC_SOURCE_BALLOON;
  dom.figures.agent_error = bc_cut ("failed \x1b]0;owned\x07 a\\b", BC_QUOTE_MAX);
  bc_explain_report (bc_report_add_domain (r, "u", "vm"), &dom);
  json = bc_report_to_json (r);
  /* raw in the state file: escaped as JSON alone */
  g_assert_nonnull (strstr (json, "agent: failed \\u001b]0;owned\\u0007 a\\\\b\""));
  back = bc_report_from_json (json, NULL);
  g_assert_nonnull (back);
  row->name = g_strdup ("vm");
  row->uuid = g_strdup ("u");
  g_ptr_array_add (rows, row);
  bc_status_attach (rows, back);
  bc_status_format_table (rows, NOW_MS, table);
  g_assert_nonnull (strstr (table->str, "agent: failed \\x1b]0;owned\\x07 a\\\\b"));
  g_assert_null (strstr (table->str, "\\\\x1b"));
  g_assert_null (strstr (table->str, "u{"));
  g_free (dom.figures.agent_error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/status/table/no-daemon", GINT_TO_POINTER (0), test_table);
  g_test_add_data_func ("/status/table/daemon", GINT_TO_POINTER (1), test_table);
  g_test_add_data_func ("/status/json/no-daemon", GINT_TO_POINTER (0), test_json);
  g_test_add_data_func ("/status/json/daemon", GINT_TO_POINTER (1), test_json);
  g_test_add_func ("/status/host-line", test_host_line);
  g_test_add_func ("/status/report-roundtrip", test_report_roundtrip);
  g_test_add_func ("/status/report-not-utf8", test_report_not_utf8);
  g_test_add_func ("/status/report-publish", test_report_publish);
  g_test_add_func ("/status/report-live", test_report_live);
  g_test_add_func ("/status/report-hostile", test_report_hostile);
  g_test_add_func ("/status/report-check-max", test_report_check_max);
  g_test_add_func ("/status/report-bounds", test_report_bounds);
  g_test_add_func ("/status/table/extreme-times", test_table_extreme_times);
  g_test_add_func ("/status/escape", test_escape);
  g_test_add_func ("/status/escape-spelling", test_escape_spelling);
  g_test_add_func ("/status/default-path", test_default_path);
  g_test_add_func ("/status/width", test_width);
  g_test_add_func ("/status/fit-columns", test_fit_columns);
  g_test_add_func ("/status/table/escaped", test_table_escaped);
  g_test_add_func ("/status/table/long-name", test_table_long_name);
  g_test_add_func ("/status/json/escaped", test_json_escaped);
  g_test_add_func ("/status/sort", test_sort);
  g_test_add_func ("/status/column-parse", test_column_parse);
  g_test_add_func ("/status/table/fit", test_table_fit);
  g_test_add_func ("/status/watch-frame", test_frame);
  g_test_add_func ("/status/report-text-one-tree", test_report_text_one_tree);
  g_test_add_func ("/status/report-publish-gap", test_report_publish_gap);
  g_test_add_func ("/status/report-write-due", test_report_write_due);
  g_test_add_func ("/status/report-live-deep", test_report_live_deep);
  g_test_add_func ("/status/report-negative-times", test_report_negative_times);
  g_test_add_func ("/status/report-control-chars", test_report_control_chars);
  g_test_add_func ("/status/agent-error-escaped-once", test_agent_error_escaped_once);
  return g_test_run ();
}
