/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon against libvirt's test driver with faults injected into
 * libvirt calls (linked with -Wl,--wrap): what the real daemon cannot be
 * made to do on demand.  `run --once` must end, with an error when it could
 * not do its pass, whatever libvirt does in the middle of it. */
#include "bc-daemon.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <string.h>

#define MIB 1024

typedef enum {
  FAULT_NONE,
  FAULT_BULK_FAILS,         /* the bulk statistics call fails once */
  FAULT_START_DURING_PASS,  /* a domain starts right after the bulk read */
  FAULT_METADATA_FAILS,     /* reading vm-a's metadata fails once */
} Fault;

static Fault fault;

char *__real_virDomainGetMetadata (virDomainPtr dom, int type, const char *uri, unsigned int flags);
char *__wrap_virDomainGetMetadata (virDomainPtr dom, int type, const char *uri, unsigned int flags);

char *
__wrap_virDomainGetMetadata (virDomainPtr dom, int type, const char *uri, unsigned int flags)
{
  if (fault == FAULT_METADATA_FAILS && g_str_equal (virDomainGetName (dom), "vm-a"))
    {
      fault = FAULT_NONE;
      /* no domain: libvirt itself fails the call, with its error */
      return __real_virDomainGetMetadata (NULL, type, uri, flags);
    }
  return __real_virDomainGetMetadata (dom, type, uri, flags);
}

int __real_virConnectGetAllDomainStats (virConnectPtr conn, unsigned int stats, virDomainStatsRecordPtr **retStats,
                                        unsigned int flags);
int __wrap_virConnectGetAllDomainStats (virConnectPtr conn, unsigned int stats, virDomainStatsRecordPtr **retStats,
                                        unsigned int flags);

int
__wrap_virConnectGetAllDomainStats (virConnectPtr conn, unsigned int stats, virDomainStatsRecordPtr **retStats,
                                    unsigned int flags)
{
  Fault f = fault;
  int n;

  if (f != FAULT_BULK_FAILS && f != FAULT_START_DURING_PASS)
    f = FAULT_NONE;
  else
    fault = FAULT_NONE;
  /* no connection: libvirt itself fails the call, with its error */
  if (f == FAULT_BULK_FAILS)
    return __real_virConnectGetAllDomainStats (NULL, stats, retStats, flags);
  n = __real_virConnectGetAllDomainStats (conn, stats, retStats, flags);
  if (f == FAULT_START_DURING_PASS)
    {
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

static virConnectPtr
open_node (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "node.xml", NULL);
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *uri = g_strdup_printf ("test://%s", abs);
  virConnectPtr conn = virConnectOpen (uri);

  g_assert_nonnull (conn);
  return conn;
}

static void
config (BcConfig *cfg)
{
  bc_config_defaults (cfg);
  cfg->budget_kib = 16 * 1024 * MIB;
  cfg->apply_interval_ms = 100;
  cfg->margin_interval_ms = 500;
  cfg->agent = FALSE;
}

static int
run_once (GError **error)
{
  virConnectPtr conn = open_node ();
  BcDaemonOptions opts = { .state_path = "", .once = TRUE };
  BcConfig cfg;
  guint watchdog;
  int rc;

  config (&cfg);
  watchdog = g_timeout_add_seconds (10, hung, NULL);
  rc = bc_daemon_run (conn, &cfg, &opts, error);
  g_source_remove (watchdog);
  virConnectClose (conn);
  return rc;
}

static guint64
memory_kib (virConnectPtr conn, const char *name)
{
  virDomainPtr dom = virDomainLookupByName (conn, name);
  virDomainInfo info;

  g_assert_nonnull (dom);
  g_assert_cmpint (virDomainGetInfo (dom, &info), ==, 0);
  virDomainFree (dom);
  return info.memory;
}

static gboolean
stop (gpointer data)
{
  raise (SIGTERM);
  return G_SOURCE_REMOVE;
}

/* A libvirt error while setting a domain up is retried: the domain is
 * managed once the call works again. */
static void
test_setup_retried (void)
{
  virConnectPtr conn = open_node ();
  BcDaemonOptions opts = { .state_path = "", .setup_retry_ms = 300 };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  config (&cfg);
  fault = FAULT_METADATA_FAILS;
  g_timeout_add (1500, stop, NULL);
  g_assert_cmpint (bc_daemon_run (conn, &cfg, &opts, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (fault, ==, FAULT_NONE);
  /* managed after the retry: shrunk from 1024 MiB by 64 MiB steps */
  g_assert_cmpuint (memory_kib (conn, "vm-a"), <, 1024 * MIB);
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

static void
test_start_during_pass (void)
{
  g_autoptr (GError) error = NULL;

  fault = FAULT_START_DURING_PASS;
  g_assert_cmpint (run_once (&error), ==, 0);
  g_assert_no_error (error);
}

static void
quiet (void *data, virErrorPtr err)
{
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the daemon warns about the bad metadata of tests/data/node.xml and
   * about the injected faults; criticals stay fatal */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  virSetErrorFunc (NULL, quiet);
  if (virEventRegisterDefaultImpl () < 0)
    return 1;
  g_test_add_func ("/faults/once-bulk-fails", test_bulk_fails);
  g_test_add_func ("/faults/once-domain-started-mid-pass", test_start_during_pass);
  g_test_add_func ("/faults/setup-retried", test_setup_retried);
  return g_test_run ();
}
