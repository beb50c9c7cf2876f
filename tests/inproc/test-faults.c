/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon against libvirt's test driver with faults injected into
 * libvirt calls (linked with -Wl,--wrap): what the real daemon cannot be
 * made to do on demand.  `run --once` must end, with an error when it could
 * not do its pass, whatever libvirt does in the middle of it. */
#include "bc-daemon.h"
#include "inproc-lib.h"

#include <libvirt/libvirt.h>
#include <signal.h>
#include <string.h>

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
  int n;

  /* no connection: libvirt itself fails the call, with its error */
  if (fault == FAULT_BULK_FAILS)
    {
      fault = FAULT_NONE;
      return __real_virConnectGetAllDomainStats (NULL, stats, retStats, flags);
    }
  n = __real_virConnectGetAllDomainStats (conn, stats, retStats, flags);
  if (fault == FAULT_START_DURING_PASS)
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
run_once (GError **error)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .once = TRUE };
  BcConfig cfg;
  guint watchdog;
  int rc;

  inproc_config (&cfg);
  watchdog = g_timeout_add_seconds (10, hung, NULL);
  rc = bc_daemon_run (conn, &cfg, &opts, error);
  g_source_remove (watchdog);
  virConnectClose (conn);
  return rc;
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
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .setup_retry_ms = 300 };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  inproc_config (&cfg);
  fault = FAULT_METADATA_FAILS;
  g_timeout_add (1500, stop, NULL);
  g_assert_cmpint (bc_daemon_run (conn, &cfg, &opts, &error), ==, 0);
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

static void
test_start_during_pass (void)
{
  g_autoptr (GError) error = NULL;

  fault = FAULT_START_DURING_PASS;
  g_assert_cmpint (run_once (&error), ==, 0);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  inproc_init (&argc, &argv);
  g_test_add_func ("/faults/once-bulk-fails", test_bulk_fails);
  g_test_add_func ("/faults/once-domain-started-mid-pass", test_start_during_pass);
  g_test_add_func ("/faults/setup-retried", test_setup_retried);
  return g_test_run ();
}
