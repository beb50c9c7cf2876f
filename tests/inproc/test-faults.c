/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon against libvirt's test driver with faults injected into
 * libvirt calls (linked with -Wl,--wrap): what the real daemon cannot be
 * made to do on demand.  `run --once` must end, with an error when it could
 * not do its pass, whatever libvirt does in the middle of it. */
#include "bc-daemon.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>

#define MIB 1024

typedef enum {
  FAULT_NONE,
  FAULT_BULK_FAILS,         /* the bulk statistics call fails once */
  FAULT_START_DURING_PASS,  /* a domain starts right after the bulk read */
} Fault;

static Fault fault;

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

static int
run_once (GError **error)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "node.xml", NULL);
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *uri = g_strdup_printf ("test://%s", abs);
  virConnectPtr conn = virConnectOpen (uri);
  BcDaemonOptions opts = { .state_path = "", .once = TRUE };
  BcConfig cfg;
  guint watchdog;
  int rc;

  g_assert_nonnull (conn);
  bc_config_defaults (&cfg);
  cfg.budget_kib = 16 * 1024 * MIB;
  cfg.agent = FALSE;
  watchdog = g_timeout_add_seconds (10, hung, NULL);
  rc = bc_daemon_run (conn, &cfg, &opts, error);
  g_source_remove (watchdog);
  virConnectClose (conn);
  return rc;
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
  return g_test_run ();
}
