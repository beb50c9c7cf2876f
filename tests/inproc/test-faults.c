/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon against libvirt's test driver with faults injected into
 * libvirt calls (linked with -Wl,--wrap): what the real daemon cannot be
 * made to do on demand.  `run --once` must end, with an error when it could
 * not do its pass, whatever libvirt does in the middle of it. */
#include "bc-daemon-private.h"
#include "bc-metadata.h"
#include "bc-report.h"
#include "inproc-lib.h"

#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <signal.h>
#include <string.h>

typedef enum {
  FAULT_NONE,
  FAULT_BULK_FAILS,         /* the bulk statistics call fails once */
  FAULT_START_DURING_PASS,  /* a domain starts right after the pass's bulk read */
  FAULT_METADATA_FAILS,     /* reading vm-a's metadata fails once */
  FAULT_METADATA_FAILS_LATER, /* the second read of vm-a's metadata fails */
  FAULT_STOP_DURING_BULK,   /* vm-a is destroyed right after a bulk read */
  FAULT_SLOW_APPLY,         /* the first setMemory takes 5 s */
  FAULT_APPLY_FAILS,        /* the first setMemory fails */
} Fault;

static Fault fault;
static gint slow_bulk_ms;  /* every bulk read takes this long */
static guint fault_calls; /* calls of the wrapped function since the fault was set */

char *__real_virDomainGetMetadata (virDomainPtr dom, int type, const char *uri, unsigned int flags);
char *__wrap_virDomainGetMetadata (virDomainPtr dom, int type, const char *uri, unsigned int flags);

char *
__wrap_virDomainGetMetadata (virDomainPtr dom, int type, const char *uri, unsigned int flags)
{
  gboolean vm_a = g_str_equal (virDomainGetName (dom), "vm-a");

  if ((fault == FAULT_METADATA_FAILS && vm_a) || (fault == FAULT_METADATA_FAILS_LATER && vm_a && ++fault_calls == 2))
    {
      fault = FAULT_NONE;
      /* no domain: libvirt itself fails the call, with its error */
      return __real_virDomainGetMetadata (NULL, type, uri, flags);
    }
  return __real_virDomainGetMetadata (dom, type, uri, flags);
}

static gint slow_apply_returned;

int __real_virDomainSetMemoryFlags (virDomainPtr dom, unsigned long memory, unsigned int flags);
int __wrap_virDomainSetMemoryFlags (virDomainPtr dom, unsigned long memory, unsigned int flags);

int
__wrap_virDomainSetMemoryFlags (virDomainPtr dom, unsigned long memory, unsigned int flags)
{
  int rc;

  if (fault == FAULT_APPLY_FAILS)
    {
      fault = FAULT_NONE;
      return __real_virDomainSetMemoryFlags (NULL, memory, flags);
    }
  /* vm-a's first call alone: applies run on several threads at once */
  if (fault != FAULT_SLOW_APPLY || g_strcmp0 (virDomainGetName (dom), "vm-a") != 0 ||
      !g_atomic_int_compare_and_exchange ((gint *) &fault, FAULT_SLOW_APPLY, FAULT_NONE))
    return __real_virDomainSetMemoryFlags (dom, memory, flags);
  g_usleep (5 * G_USEC_PER_SEC);
  rc = __real_virDomainSetMemoryFlags (dom, memory, flags);
  g_atomic_int_set (&slow_apply_returned, 1);
  return rc;
}

int __real_virConnectGetAllDomainStats (virConnectPtr conn, unsigned int stats, virDomainStatsRecordPtr **retStats,
                                        unsigned int flags);
int __wrap_virConnectGetAllDomainStats (virConnectPtr conn, unsigned int stats, virDomainStatsRecordPtr **retStats,
                                        unsigned int flags);

int
__wrap_virConnectGetAllDomainStats (virConnectPtr conn, unsigned int stats, virDomainStatsRecordPtr **retStats,
                                    unsigned int flags)
{
  int n;

  if (g_atomic_int_get (&slow_bulk_ms))
    g_usleep (g_atomic_int_get (&slow_bulk_ms) * 1000);
  /* no connection: libvirt itself fails the call, with its error */
  if (fault == FAULT_BULK_FAILS)
    {
      fault = FAULT_NONE;
      return __real_virConnectGetAllDomainStats (NULL, stats, retStats, flags);
    }
  n = __real_virConnectGetAllDomainStats (conn, stats, retStats, flags);
  /* the third read: every domain is set up and managed by then */
  if (fault == FAULT_STOP_DURING_BULK && ++fault_calls == 3)
    {
      fault = FAULT_NONE;
      virDomainPtr dom = virDomainLookupByName (conn, "vm-a");

      g_assert_nonnull (dom);
      g_assert_cmpint (virDomainDestroy (dom), ==, 0);
      virDomainFree (dom);
    }
  /* the second read: the one --once's pass uses */
  if (fault == FAULT_START_DURING_PASS && ++fault_calls == 2)
    {
      fault = FAULT_NONE;
      virDomainPtr dom = virDomainLookupByName (conn, "vm-e");

      g_assert_nonnull (dom);
      g_assert_cmpint (virDomainCreate (dom), ==, 0);
      virDomainFree (dom);
    }
  return n;
}

static gboolean
hung (gpointer data)
{
  g_error ("run --once still running after 10 s");
  return G_SOURCE_REMOVE;
}

static int
run_once_on (virConnectPtr conn, GError **error)
{
  BcDaemonOptions opts = { .state_path = "", .once = TRUE };
  BcConfig cfg;
  guint watchdog;
  int rc;

  inproc_config (&cfg);
  watchdog = g_timeout_add_seconds (10, hung, NULL);
  rc = inproc_run (conn, &cfg, &opts, error);
  g_source_remove (watchdog);
  return rc;
}

static int
run_once (GError **error)
{
  virConnectPtr conn = inproc_open_node ();
  int rc = run_once_on (conn, error);

  virConnectClose (conn);
  return rc;
}

/* A libvirt error while setting a domain up is retried: the domain is
 * managed once the call works again. */
static void
test_setup_retried (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .setup_retry_ms = 300 };
  const char *const warnings[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device",
                                   "vm-a: not managed: domain metadata: *; retrying in 1 s", NULL };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  inproc_expect_warnings (warnings);
  inproc_config (&cfg);
  fault = FAULT_METADATA_FAILS;
  inproc_stop_when ("vm-a managed after the retry, shrunk", 0, inproc_vm_a_shrunk, conn);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (fault, ==, FAULT_NONE);
  /* managed after the retry: shrunk from 1024 MiB by 64 MiB steps */
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), <, 1024 * MIB);
  virConnectClose (conn);
}

static void
test_bulk_fails (void)
{
  g_autoptr (GError) error = NULL;

  fault = FAULT_BULK_FAILS;
  g_assert_cmpint (run_once (&error), ==, 1);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "bulk domain statistics"));
}

/* What /metrics counts: a --once pass whose first setMemory fails (the
 * bulk read failing is test_bulk_fails; with --once it ends the run). */
static void
test_counters (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .once = TRUE };
  const char *const warnings[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device",
                                   "vm-?: setting * KiB failed, retrying next tick: *", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (BcDaemon) d = NULL;
  gint64 start_s = g_get_real_time () / G_USEC_PER_SEC;
  BcConfig cfg;

  inproc_expect_warnings (warnings);
  inproc_config (&cfg);
  fault = FAULT_APPLY_FAILS;
  d = bc_daemon_new (conn, &cfg, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_daemon_run (d, &error), ==, 0);
  g_assert_cmpint (fault, ==, FAULT_NONE);
  /* vm-a and vm-b changed: one call failed, the other worked */
  g_assert_cmpuint (d->counters.apply_failures, ==, 1);
  g_assert_cmpuint (d->counters.applies, ==, 1);
  g_assert_cmpuint (d->counters.passes, ==, 1);
  g_assert_cmpint (d->counters.last_pass_s, >=, start_s);
  g_assert_cmpint (d->counters.last_pass_s, <=, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpuint (d->counters.collect_failures + d->counters.agent_failures, ==, 0);
  g_clear_pointer (&d, bc_daemon_free);

  /* the statistics read fails: counted, and no pass */
  fault = FAULT_BULK_FAILS;
  d = bc_daemon_new (conn, &cfg, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_daemon_run (d, &error), ==, 1);
  g_clear_error (&error);
  g_assert_cmpuint (d->counters.collect_failures, ==, 1);
  g_assert_cmpuint (d->counters.passes, ==, 0);
  g_assert_cmpint (d->counters.last_pass_s, ==, 0);
  virConnectClose (conn);
}

static void
test_start_during_pass (void)
{
  g_autoptr (GError) error = NULL;

  virConnectPtr conn = inproc_open_node ();

  fault = FAULT_START_DURING_PASS;
  fault_calls = 0;
  g_assert_cmpint (run_once_on (conn, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (fault, ==, FAULT_NONE);
  /* the pass ran for the domains it started with... */
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), ==, 960 * MIB);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-b"), ==, 1000 * MIB);
  /* ...and the one that started during it waits for the next run */
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-e"), ==, 1024 * MIB);
  g_assert_cmpuint (inproc_count_messages ("vm-e: started during --once; left for the next run"), ==, 1);
  virConnectClose (conn);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the default main context for ms, as a program that goes on after
 * the daemon would: what must not happen in that time (a check that
 * nothing runs, not a wait for something to). */
static void
run_context_for (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, set_flag, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs the default main context until *flag is set (atomic), at most
 * INPROC_DEADLINE_S. */
static void
run_context_until (gint *flag, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + INPROC_DEADLINE_S * G_USEC_PER_SEC;

  while (!g_atomic_int_get (flag))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("waited %d s for: %s", INPROC_DEADLINE_S, what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
}

/* A stop waits for running jobs at most the grace, then ends without
 * them; a job that finishes later finds nobody and is dropped. */
static void
test_stop_bounded (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .shutdown_grace_ms = 300 };
  const char *const warnings[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device",
                                   "1 worker jobs still running after 300 ms; exiting anyway", NULL };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;
  gint64 start = g_get_monotonic_time ();

  inproc_expect_warnings (warnings);
  inproc_config (&cfg);
  fault = FAULT_SLOW_APPLY;
  g_atomic_int_set (&slow_apply_returned, 0);
  /* its first pass starts vm-a's 5 s apply */
  inproc_stop_when ("a pass", 1, NULL, NULL);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, &error), ==, 0);
  g_assert_no_error (error);
  /* ended at the grace, not when the 5 s call came back */
  g_assert_false (g_atomic_int_get (&slow_apply_returned));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
  g_assert_cmpuint (inproc_count_messages ("*worker jobs still running*"), ==, 1);
  run_context_until (&slow_apply_returned, "the 5 s apply to come back");
  /* its result was dropped: no change logged for a daemon that is gone */
  g_assert_cmpuint (inproc_count_messages ("vm-a: * -> * KiB: *"), ==, 0);
  virConnectClose (conn);
}

/* A daemon leaves no source behind: nothing it added runs after it is
 * freed (the grace timer did, and read freed memory). */
static void
test_no_source_left (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .shutdown_grace_ms = 200 };
  BcConfig cfg;
  guint logged;

  inproc_config (&cfg);
  inproc_stop_when ("2 passes", 2, NULL, NULL);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  logged = inproc_count_messages ("*");
  run_context_for (600);
  g_assert_cmpuint (inproc_count_messages ("*"), ==, logged);
  virConnectClose (conn);
}

static gboolean
vm_a_gone (gpointer data)
{
  return inproc_count_messages ("vm-a: no longer running*") > 0;
}

static gboolean
stop_after_3 (gpointer data)
{
  inproc_stop_when ("3 passes more", 3, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* A domain stopped right after the statistics that still list it were
 * read: the table follows the stop, the stale read does not bring the
 * domain back (it would be set up again, and fail, on a stopped domain). */
static void
test_stopped_not_readded (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "" };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  inproc_config (&cfg);
  fault = FAULT_STOP_DURING_BULK;
  fault_calls = 0;
  /* and 3 passes after it: vm-a not set up again */
  inproc_when ("vm-a destroyed after a read that lists it", 0, vm_a_gone, stop_after_3, NULL);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (fault, ==, FAULT_NONE);
  g_assert_cmpuint (inproc_count_messages ("vm-a: now followed"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("vm-a: no longer running*"), ==, 1);
  virConnectClose (conn);
}

typedef struct {
  virConnectPtr conn;
  const char *state_path;
  gboolean managed_after_error;
  gint64 error_seen_ms;  /* wall clock: when the failed read was said */
} MetaScript;

static gboolean meta_check (gpointer data);

static gboolean
vm_a_managed_now (gpointer data)
{
  return inproc_count_messages ("vm-a: managed *") > 0;
}

static gboolean
meta_change (gpointer data)
{
  MetaScript *s = data;
  virDomainPtr dom = virDomainLookupByName (s->conn, "vm-a");

  g_assert_cmpint (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT, "<policy><enabled>yes</enabled></policy>",
                                         BC_METADATA_KEY, BC_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE), ==, 0);
  virDomainFree (dom);
  inproc_stop_when ("a state file written after the failed read", 0, meta_check, s);
  return G_SOURCE_REMOVE;
}

/* Whether the state file r says vm-a is managed. */
static gboolean
vm_a_managed (const BcReport *r)
{
  for (guint i = 0; r && i < r->domains->len; i++)
    {
      const BcReportDomain *d = g_ptr_array_index (r->domains, i);

      if (g_strcmp0 (d->name, "vm-a") == 0)
        return d->managed;
    }
  return FALSE;
}

/* Asked after every pass: once the failed read has been said, the first
 * state file written after it (at most one write a second). */
static gboolean
meta_check (gpointer data)
{
  MetaScript *s = data;
  g_autofree char *text = NULL;
  g_autoptr (BcReport) r = NULL;

  if (s->error_seen_ms == 0 && inproc_count_messages ("vm-a: reading its settings again failed*") > 0)
    s->error_seen_ms = g_get_real_time () / 1000;
  if (s->error_seen_ms && g_file_get_contents (s->state_path, &text, NULL, NULL))
    r = bc_report_from_json (text, NULL);
  if (r == NULL || r->updated_ms <= s->error_seen_ms)
    return FALSE;
  s->managed_after_error = vm_a_managed (r);
  return TRUE;
}

/* A managed domain whose settings cannot be re-read (a libvirt error after
 * a metadata change) keeps the ones it had until the retry. */
static void
test_setup_error_keeps_settings (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = path, .setup_retry_ms = 60000 };
  const char *const warnings[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device",
                                   "vm-a: reading its settings again failed*keeping*", NULL };
  MetaScript s = { conn, path, FALSE, 0 };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  inproc_expect_warnings (warnings);
  inproc_config (&cfg);
  fault = FAULT_METADATA_FAILS_LATER;
  fault_calls = 0;
  /* vm-a set up and managed first */
  inproc_when ("vm-a managed", 0, vm_a_managed_now, meta_change, &s);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (fault, ==, FAULT_NONE);
  g_assert_true (s.managed_after_error);
  virConnectClose (conn);
  g_rmdir (dir);
}

/* ---- a domain stopped and started again between two reads ---------- */

static const char *vm_a_disabled =
  "<domain type='test'><name>vm-a</name><uuid>00000000-0000-4000-8000-000000000001</uuid>"
  "<memory unit='MiB'>2048</memory><currentMemory unit='MiB'>1024</currentMemory><vcpu>1</vcpu>"
  "<os><type>hvm</type></os>"
  "<metadata><bc:policy xmlns:bc='http://balloonctl.org/xmlns/domain/1.0'><bc:enabled>no</bc:enabled></bc:policy></metadata>"
  "<devices><memballoon model='virtio'/></devices></domain>";

static gboolean
vm_a_disabled_said (gpointer data)
{
  return inproc_count_messages ("vm-a: not managed: disabled in metadata") > 0;
}

static gboolean
restart_a (gpointer data)
{
  virConnectPtr conn = data;
  virDomainPtr dom = virDomainLookupByName (conn, "vm-a"), again;

  g_assert_cmpint (virDomainDestroy (dom), ==, 0);
  again = virDomainDefineXML (conn, vm_a_disabled);
  g_assert_nonnull (again);
  g_assert_cmpint (virDomainCreate (again), ==, 0);
  virDomainFree (dom);
  virDomainFree (again);
  /* and 3 passes after: vm-a left at its size */
  inproc_when ("vm-a read again, disabled", 0, vm_a_disabled_said, stop_after_3, NULL);
  return G_SOURCE_REMOVE;
}

/* The new run is a new record: its settings are read again (now
 * disabled), nothing of the old run's margin or last target is used. */
static void
test_restart_new_record (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "" };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  inproc_config (&cfg);
  inproc_when ("vm-a managed", 0, vm_a_managed_now, restart_a, conn);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (inproc_count_messages ("vm-a: now followed"), ==, 2);
  g_assert_cmpuint (inproc_count_messages ("vm-a: * dropped"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("vm-a: not managed: disabled in metadata"), ==, 1);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), ==, 1024 * MIB);
  virConnectClose (conn);
}

/* ---- events faster than a read ---------------------------------------- */

static gboolean churning;

static gboolean
churn (gpointer data)
{
  virConnectPtr conn = data;
  virDomainPtr dom = virDomainLookupByName (conn, "vm-c");
  virDomainInfo info;

  if (churning && virDomainGetInfo (dom, &info) == 0)
    g_assert_cmpint (info.state == VIR_DOMAIN_PAUSED ? virDomainResume (dom) : virDomainSuspend (dom), ==, 0);
  virDomainFree (dom);
  return churning ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
end_churn (gpointer data)
{
  churning = FALSE;
  return G_SOURCE_REMOVE;
}

static gboolean
vm_a_changed_3 (gpointer data)
{
  return inproc_count_messages ("vm-a: * -> * KiB: *") >= 3;
}

/* A domain paused and resumed every 20 ms while each read takes 60 ms:
 * the others are still managed, and --once ends while it goes on. */
static void
test_event_churn (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "" };
  BcConfig cfg;
  guint end_id;

  inproc_config (&cfg);
  g_atomic_int_set (&slow_bulk_ms, 60);
  churning = TRUE;
  g_timeout_add (20, churn, conn);
  inproc_stop_when ("vm-a changed 3 times", 0, vm_a_changed_3, NULL);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_cmpuint (inproc_count_messages ("vm-a: * -> * KiB: *"), >=, 3);
  opts.once = TRUE;
  end_id = g_timeout_add (4000, end_churn, NULL);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_true (churning);
  g_source_remove (end_id);
  churning = FALSE;
  run_context_for (100);
  g_atomic_int_set (&slow_bulk_ms, 0);
  virConnectClose (conn);
}

int
main (int argc, char **argv)
{
  inproc_init (&argc, &argv);
  inproc_add_test ("/faults/once-bulk-fails", test_bulk_fails);
  inproc_add_test ("/faults/once-domain-started-mid-pass", test_start_during_pass);
  inproc_add_test ("/faults/counters", test_counters);
  inproc_add_test ("/faults/setup-retried", test_setup_retried);
  inproc_add_test ("/faults/stopped-not-readded", test_stopped_not_readded);
  inproc_add_test ("/faults/stop-bounded", test_stop_bounded);
  inproc_add_test ("/faults/no-source-left", test_no_source_left);
  inproc_add_test ("/faults/restart-new-record", test_restart_new_record);
  inproc_add_test ("/faults/event-churn", test_event_churn);
  inproc_add_test ("/faults/setup-error-keeps-settings", test_setup_error_keeps_settings);
  return g_test_run ();
}
