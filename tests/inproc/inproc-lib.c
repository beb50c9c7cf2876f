/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "inproc-lib.h"

#include <libvirt-glib/libvirt-glib.h>

#include <libvirt/virterror.h>
#include <signal.h>

virConnectPtr
inproc_open_node (void)
{
  return inproc_open_data ("node.xml");
}

virConnectPtr
inproc_open_data (const char *file)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", file, NULL);
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *uri = g_strdup_printf ("test://%s", abs);
  virConnectPtr conn = virConnectOpen (uri);

  g_assert_nonnull (conn);
  return conn;
}

guint64
inproc_memory_kib (virConnectPtr conn, const char *name)
{
  virDomainPtr dom = virDomainLookupByName (conn, name);
  virDomainInfo info;

  g_assert_nonnull (dom);
  g_assert_cmpint (virDomainGetInfo (dom, &info), ==, 0);
  virDomainFree (dom);
  return info.memory;
}

int
inproc_run (virConnectPtr conn, const BcConfig *cfg, const BcDaemonOptions *opts, GError **error)
{
  g_autoptr (BcDaemon) d = bc_daemon_new (conn, cfg, opts, error);

  g_assert_nonnull (d);
  return bc_daemon_run (d, error);
}

void
inproc_config (BcConfig *cfg)
{
  bc_config_defaults (cfg);
  cfg->budget_kib = 16 * 1024 * MIB;
  cfg->apply_interval_ms = 100;
  cfg->margin_interval_ms = 500;
  cfg->agent = FALSE;
}

/* ---- the log ------------------------------------------------------------- */

const char *const inproc_node_warnings[] = {
  "vm-d: not managed: *",
  "vm-f: not managed: no balloon device",
  NULL,
};

static void look_soon (void);

static GMutex log_lock;
static const char *const *expected;
static GPtrArray *messages;
static GPtrArray *structured;  /* of GHashTable: field -> value */

void
inproc_expect_warnings (const char *const *patterns)
{
  g_mutex_lock (&log_lock);
  expected = patterns;
  g_ptr_array_set_size (messages, 0);
  g_ptr_array_set_size (structured, 0);
  g_mutex_unlock (&log_lock);
}

guint
inproc_count_messages (const char *pattern)
{
  guint n = 0;

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < messages->len; i++)
    n += g_pattern_match_simple (pattern, g_ptr_array_index (messages, i));
  g_mutex_unlock (&log_lock);
  return n;
}

static gboolean
has_fields (GHashTable *fields, const char *key, va_list ap)
{
  for (; key; key = va_arg (ap, const char *))
    if (g_strcmp0 (g_hash_table_lookup (fields, key), va_arg (ap, const char *)) != 0)
      return FALSE;
  return TRUE;
}

guint
inproc_count_fields (const char *key, const char *value, ...)
{
  guint n = 0;

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < structured->len; i++)
    {
      va_list ap;
      GHashTable *fields = g_ptr_array_index (structured, i);

      va_start (ap, value);
      n += g_strcmp0 (g_hash_table_lookup (fields, key), value) == 0 && has_fields (fields, va_arg (ap, const char *), ap);
      va_end (ap);
    }
  g_mutex_unlock (&log_lock);
  return n;
}

static gboolean
is_expected (const char *message)
{
  for (guint i = 0; expected && expected[i]; i++)
    if (g_pattern_match_simple (expected[i], message))
      return TRUE;
  return FALSE;
}

/* Asked by GLib whether a fatal (warning, critical) message aborts. */
static gboolean
fatal_unless_expected (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  gboolean abort_test;

  g_mutex_lock (&log_lock);
  abort_test = (level & G_LOG_LEVEL_CRITICAL) || !is_expected (message);
  g_mutex_unlock (&log_lock);
  if (abort_test)
    g_printerr ("unexpected: %s\n", message);
  return abort_test;
}

static void
record (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  g_mutex_lock (&log_lock);
  g_ptr_array_add (messages, g_strdup (message));
  g_mutex_unlock (&log_lock);
  look_soon ();
  g_log_default_handler (domain, level, message, data);
}

/* ---- passes ------------------------------------------------------------- */

typedef struct {
  const char *what;
  guint from;          /* inproc_passes () when it began */
  guint passes;
  InprocCheck check;
  GSourceFunc then;
  gpointer data;
  guint deadline_id;
} Wait;

static gint passes;          /* WATCHDOG=1 seen (atomic) */
static guint passes_at_start; /* at the test's start */
static GPtrArray *waits;     /* of Wait, main thread only */
static gint waiting;         /* waits->len, for the wrapper (atomic) */
static gint look_pending;    /* a look at the waits is on its way (atomic) */

int __real_sd_notify (int unset_environment, const char *state);
int __wrap_sd_notify (int unset_environment, const char *state);

static gboolean look (gpointer data);

static void
look_soon (void)
{
  /* before anything else the loop has ready (the next tick's timer): a
   * wait acts between two passes, not during the next one's reads */
  if (g_atomic_int_get (&waiting) && g_atomic_int_compare_and_exchange (&look_pending, 0, 1))
    g_idle_add_full (G_PRIORITY_HIGH, look, NULL, NULL);
}

/* The daemon's sd_notify: a pass counted, and the waits looked at after
 * it (on the main loop, not in the middle of the pass). */
int
__wrap_sd_notify (int unset_environment, const char *state)
{
  if (g_strcmp0 (state, "WATCHDOG=1") == 0)
    {
      g_atomic_int_inc (&passes);
      look_soon ();
    }
  return __real_sd_notify (unset_environment, state);
}

guint
inproc_passes (void)
{
  return (guint) g_atomic_int_get (&passes) - passes_at_start;
}

static gboolean
deadline (gpointer data)
{
  Wait *w = data;

  g_error ("waited %d s (%u passes) for: %s", INPROC_DEADLINE_S, inproc_passes () - w->from, w->what);
  return G_SOURCE_REMOVE;
}

static gboolean
came_true (const Wait *w)
{
  return inproc_passes () - w->from >= w->passes && (w->check == NULL || w->check (w->data));
}

/* Every wait that came true goes, then its `then` runs (which may add
 * another). */
static gboolean
look (gpointer data)
{
  g_autoptr (GPtrArray) done = g_ptr_array_new_with_free_func (g_free);

  g_atomic_int_set (&look_pending, 0);
  for (guint i = 0; i < waits->len;)
    {
      Wait *w = g_ptr_array_index (waits, i);

      if (!came_true (w))
        {
          i++;
          continue;
        }
      g_clear_handle_id (&w->deadline_id, g_source_remove);
      g_ptr_array_add (done, g_ptr_array_steal_index (waits, i));
    }
  g_atomic_int_set (&waiting, (gint) waits->len);
  for (guint i = 0; i < done->len; i++)
    {
      Wait *w = g_ptr_array_index (done, i);

      g_test_message ("after %u passes: %s", inproc_passes (), w->what);
      w->then (w->data);
    }
  return G_SOURCE_REMOVE;
}

void
inproc_when (const char *what, guint n, InprocCheck check, GSourceFunc then, gpointer data)
{
  Wait *w = g_new0 (Wait, 1);

  w->what = what;
  w->from = inproc_passes ();
  w->passes = n;
  w->check = check;
  w->then = then;
  w->data = data;
  w->deadline_id = g_timeout_add_seconds (INPROC_DEADLINE_S, deadline, w);
  g_ptr_array_add (waits, w);
  g_atomic_int_set (&waiting, (gint) waits->len);
  look_soon ();
}

static gboolean
raise_term (gpointer data)
{
  raise (SIGTERM);
  return G_SOURCE_REMOVE;
}

void
inproc_stop_when (const char *what, guint n, InprocCheck check, gpointer data)
{
  inproc_when (what, n, check, raise_term, data);
}

gboolean
inproc_logged (gpointer pattern)
{
  return inproc_count_messages (pattern) > 0;
}

gboolean
inproc_vm_a_shrunk (gpointer conn)
{
  return inproc_memory_kib (conn, "vm-a") < 1024 * MIB;
}

/* Before a test: no pass yet.  After it: every wait came true (one that
 * did not would fire in the next test). */
static void
waits_begin (void)
{
  passes_at_start = (guint) g_atomic_int_get (&passes);
}

static void
waits_end (void)
{
  for (guint i = 0; i < waits->len; i++)
    g_error ("the test ended before: %s", ((Wait *) g_ptr_array_index (waits, i))->what);
}

static void
run_test (gconstpointer data)
{
  void (*test) (void) = data;

  inproc_expect_warnings (inproc_node_warnings);
  /* per test: GLib forgets the handler between test cases */
  g_test_log_set_fatal_handler (fatal_unless_expected, NULL);
  waits_begin ();
  test ();
  waits_end ();
}

void
inproc_add_test (const char *path, void (*test) (void))
{
  g_test_add_data_func (path, test, run_test);
}

typedef struct {
  void (*test) (gconstpointer data);
  gconstpointer data;
} DataTest;

static void
run_data_test (gconstpointer data)
{
  const DataTest *t = data;

  inproc_expect_warnings (inproc_node_warnings);
  g_test_log_set_fatal_handler (fatal_unless_expected, NULL);
  waits_begin ();
  t->test (t->data);
  waits_end ();
}

void
inproc_add_data_test (const char *path, gconstpointer data, void (*test) (gconstpointer data))
{
  DataTest *t = g_new0 (DataTest, 1); /* lives as long as the test program */

  t->test = test;
  t->data = data;
  g_test_add_data_func_full (path, t, run_data_test, g_free);
}

/* Messages logged with g_log_structured: their fields, and their text
 * among the messages (the old API's reach the handler above). */
static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  GHashTable *record = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gboolean old_api, expected_warning = FALSE;

  for (gsize i = 0; i < n; i++)
    if (fields[i].length < 0)
      g_hash_table_insert (record, g_strdup (fields[i].key), g_strdup (fields[i].value));
  g_mutex_lock (&log_lock);
  old_api = g_hash_table_contains (record, "GLIB_OLD_LOG_API");
  if (old_api)
    g_hash_table_unref (record);
  else
    {
      g_ptr_array_add (messages, g_strdup (g_hash_table_lookup (record, "MESSAGE")));
      expected_warning = (level & G_LOG_LEVEL_WARNING) && is_expected (g_hash_table_lookup (record, "MESSAGE"));
      g_ptr_array_add (structured, record);
    }
  g_mutex_unlock (&log_lock);
  look_soon ();
  /* the structured API's warnings do not reach the fatal handler: an
   * expected one is written without GLib's abort, any other aborts */
  if (expected_warning)
    return g_log_writer_standard_streams (level, fields, n, data);
  return g_log_writer_default (level, fields, n, data);
}

static void
quiet (void *data, virErrorPtr err)
{
}

void
inproc_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  messages = g_ptr_array_new_with_free_func (g_free);
  waits = g_ptr_array_new_with_free_func (g_free);
  structured = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  g_log_set_default_handler (record, NULL);
  g_log_set_writer_func (writer, NULL, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  virSetErrorFunc (NULL, quiet);
  gvir_event_register ();
}

void
inproc_write_host_proc (const char *dir, guint64 total_kib, guint64 available_kib, const char *some_avg10)
{
  g_autofree char *meminfo = g_build_filename (dir, "meminfo", NULL);
  g_autofree char *pdir = g_build_filename (dir, "pressure", NULL);
  g_autofree char *memory = g_build_filename (pdir, "memory", NULL);
  g_autofree char *m = g_strdup_printf ("MemTotal: %" G_GUINT64_FORMAT " kB\nMemFree: 0 kB\nMemAvailable: %" G_GUINT64_FORMAT
                                        " kB\nCached: 0 kB\nActive(file): 0 kB\nInactive(file): 0 kB\nCommitted_AS: 0 kB\n",
                                        total_kib, available_kib);
  g_autofree char *p = NULL;

  g_assert_true (g_file_set_contents (meminfo, m, -1, NULL));
  if (some_avg10 == NULL)
    return;
  p = g_strdup_printf ("some avg10=%s avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
                       some_avg10);
  g_assert_true (g_mkdir_with_parents (pdir, 0700) == 0);
  g_assert_true (g_file_set_contents (memory, p, -1, NULL));
}
