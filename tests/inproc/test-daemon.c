/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon in-process against libvirt's test driver (tests/data/node.xml):
 * enumeration, metadata, setMemory, --dry-run, lifecycle and metadata
 * events, the state file.  The test driver's memory figures are fake; what
 * ballooning does to a real guest is tests/lab's job. */
#include "bc-daemon.h"
#include "bc-metadata.h"
#include "bc-report.h"
#include "inproc-lib.h"

#include <glib/gstdio.h>
#include <signal.h>

static void
test_once (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .once = TRUE };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  inproc_config (&cfg);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, &error), ==, 0);
  g_assert_no_error (error);
  /* managed, shrunk by at most max-shrink in one pass */
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), ==, 1024 * MIB - 64 * MIB);
  /* metadata min-mib 1000 */
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-b"), ==, 1000 * MIB);
  /* disabled, invalid metadata, no balloon: untouched */
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-c"), ==, 1024 * MIB);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-d"), ==, 1024 * MIB);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-f"), ==, 1024 * MIB);
  virConnectClose (conn);
}

static void
test_dry_run (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .once = TRUE, .dry_run = TRUE };
  const char *names[] = { "vm-a", "vm-b", "vm-c", "vm-d", "vm-f" };
  BcConfig cfg;

  inproc_config (&cfg);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_cmpuint (inproc_memory_kib (conn, names[i]), ==, 1024 * MIB);
  virConnectClose (conn);
}

static void
test_host_budget (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .once = TRUE };
  virDomainPtr b = virDomainLookupByName (conn, "vm-b");
  BcConfig cfg;

  /* vm-b wants to grow to 1000+; the budget leaves it 32 MiB of room */
  g_assert_cmpint (virDomainSetMemory (b, 900 * MIB), ==, 0);
  inproc_config (&cfg);
  /* held: a 1024 (shrinking to 960, not given back yet), b 900, and the
   * unmanaged c, d, f 1024 each; 32 MiB of room */
  cfg.budget_kib = (1024 + 900 + 1024 * 3 + 32) * MIB;
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), ==, 960 * MIB);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-b"), ==, 932 * MIB);
  virDomainFree (b);
  virConnectClose (conn);
}

/* ---- the long-running daemon, driven by timers --------------------------- */

typedef struct {
  virConnectPtr conn;
  char *state_path;
  guint step;
  gboolean saw_e, saw_a_gone, saw_c_managed;
} Script;

static BcReport *
state (Script *s)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (s->state_path, &text, NULL, NULL))
    return NULL;
  return bc_report_from_json (text, NULL);
}

static const BcReportDomain *
find_name (BcReport *r, const char *name)
{
  for (guint i = 0; r && i < r->domains->len; i++)
    {
      const BcReportDomain *d = g_ptr_array_index (r->domains, i);

      if (g_strcmp0 (d->name, name) == 0)
        return d;
    }
  return NULL;
}

static gboolean
script_step (gpointer data)
{
  Script *s = data;
  g_autoptr (BcReport) r = state (s);
  virDomainPtr dom;

  switch (s->step++)
    {
    case 0: /* the daemon publishes; vm-e is not running */
      g_assert_nonnull (r);
      g_assert_cmpint (r->pid, ==, getpid ());
      g_assert_nonnull (find_name (r, "vm-a"));
      g_assert_true (find_name (r, "vm-a")->managed);
      g_assert_false (find_name (r, "vm-c")->managed);
      g_assert_cmpstr (find_name (r, "vm-c")->note, ==, "disabled in metadata");
      g_assert_null (find_name (r, "vm-e"));
      dom = virDomainLookupByName (s->conn, "vm-e");
      g_assert_cmpint (virDomainCreate (dom), ==, 0);
      virDomainFree (dom);
      dom = virDomainLookupByName (s->conn, "vm-a");
      g_assert_cmpint (virDomainDestroy (dom), ==, 0);
      virDomainFree (dom);
      dom = virDomainLookupByName (s->conn, "vm-c");
      g_assert_cmpint (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT, "<policy><enabled>yes</enabled></policy>",
                                             BC_METADATA_KEY, BC_METADATA_NS, VIR_DOMAIN_AFFECT_LIVE), ==, 0);
      virDomainFree (dom);
      return G_SOURCE_CONTINUE;
    case 1: /* events followed */
      g_assert_nonnull (r);
      s->saw_e = find_name (r, "vm-e") != NULL && find_name (r, "vm-e")->managed;
      s->saw_a_gone = find_name (r, "vm-a") == NULL;
      s->saw_c_managed = find_name (r, "vm-c") && find_name (r, "vm-c")->managed;
      raise (SIGTERM);
      return G_SOURCE_REMOVE;
    default:
      g_assert_not_reached ();
    }
}

static void
test_events (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-test-XXXXXX", NULL);
  Script s = { 0 };
  BcDaemonOptions opts = { 0 };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  s.conn = inproc_open_node ();
  s.state_path = g_build_filename (dir, "sub", "state.json", NULL);
  opts.state_path = s.state_path;
  inproc_config (&cfg);
  g_timeout_add (700, script_step, &s);
  g_assert_cmpint (inproc_run (s.conn, &cfg, &opts, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (s.step, ==, 2);
  g_assert_true (s.saw_e);
  g_assert_true (s.saw_a_gone);
  g_assert_true (s.saw_c_managed);
  /* vm-e was managed: shrunk from 1024 MiB by 64 MiB steps */
  g_assert_cmpuint (inproc_memory_kib (s.conn, "vm-e"), <, 1024 * MIB);
  /* the state file goes with the daemon */
  g_assert_false (g_file_test (s.state_path, G_FILE_TEST_EXISTS));
  virConnectClose (s.conn);
  g_free (s.state_path);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_rmdir (sub);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  inproc_init (&argc, &argv);
  inproc_add_test ("/daemon/once", test_once);
  inproc_add_test ("/daemon/dry-run", test_dry_run);
  inproc_add_test ("/daemon/host-budget", test_host_budget);
  inproc_add_test ("/daemon/events", test_events);
  return g_test_run ();
}
