/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon in-process against libvirt's test driver (tests/data/node.xml):
 * enumeration, metadata, setMemory, --dry-run, lifecycle and metadata
 * events, the state file.  The test driver's memory figures are fake; what
 * ballooning does to a real guest is tests/lab's job. */
#include "bc-apply.h"
#include "bc-daemon.h"
#include "bc-metadata.h"
#include "bc-report.h"
#include "inproc-lib.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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
  /* the change's log entry carries its figures as journald fields */
  g_assert_cmpuint (inproc_count_fields ("MESSAGE_ID", BC_MESSAGE_ID_CHANGE, "DOMAIN", "vm-a",
                                         "DOMAIN_UUID", "00000000-0000-4000-8000-000000000001",
                                         "OLD_KIB", "1048576", "NEW_KIB", "983040", NULL), ==, 1);
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

/* ---- weights ------------------------------------------------------------- */

typedef struct {
  virConnectPtr conn;
  gboolean converged;
} Weights;

static gboolean
weights_converged (gpointer data)
{
  Weights *w = data;

  w->converged = inproc_memory_kib (w->conn, "vm-a") == 1536 * MIB && inproc_memory_kib (w->conn, "vm-b") == 512 * MIB;
  return w->converged;
}

static void
set_weight (virConnectPtr conn, const char *name, const char *policy)
{
  virDomainPtr dom = virDomainLookupByName (conn, name);

  g_assert_cmpint (virDomainSetMetadata (dom, VIR_DOMAIN_METADATA_ELEMENT, policy, BC_METADATA_KEY, BC_METADATA_NS,
                                         VIR_DOMAIN_AFFECT_LIVE), ==, 0);
  virDomainFree (dom);
}

/* Two domains that both want their maximum, 2048 MiB, from a budget that
 * leaves them 2048 together: they end 3:1, as their weights (vm-a 150 from
 * its metadata, vm-b 50 from [domain] weight), b giving back 64 MiB a tick
 * and a growing into it. */
static void
test_weights (void)
{
  Weights w = { inproc_open_node (), FALSE };
  BcDaemonOptions opts = { .state_path = "" };
  BcConfig cfg;

  set_weight (w.conn, "vm-a", "<policy><weight>150</weight></policy>");
  set_weight (w.conn, "vm-b", "<policy><enabled>yes</enabled></policy>"); /* no min-mib 1000 */
  inproc_config (&cfg);
  cfg.domain_weight = 50;
  /* a margin that always asks for the maximum */
  cfg.margin.min_kib = cfg.margin.initial_kib = 4096 * MIB;
  /* vm-c, vm-d and vm-f are not managed and hold 1024 each */
  cfg.budget_kib = (3 * 1024 + 2048) * MIB;
  inproc_stop_when ("vm-a at 1536 MiB and vm-b at 512 MiB", 0, weights_converged, &w);
  g_assert_cmpint (inproc_run (w.conn, &cfg, &opts, NULL), ==, 0);
  g_assert_true (w.converged);
  g_assert_cmpuint (inproc_count_messages ("vm-a: * -> *: grow: *; wants 2048 MiB, host budget, weight 150: share 1536 MiB*"), >, 0);
  g_assert_cmpuint (inproc_count_messages ("vm-b: * -> *: shrink: *; wants 2048 MiB, host budget, weight 50: share 512 MiB*"), >, 0);
  virConnectClose (w.conn);
}

/* ---- a budget that follows the host --------------------------------------- */

/* A host of 8192 MiB read from a fake /proc: MemAvailable is what the
 * running domains and another process leave of it, rewritten every 50 ms
 * as the domains change.  vm-a and vm-b want 2048 MiB each; c, d and f
 * hold 1024 each.  The other process takes 1024 MiB: the budget falls by
 * that much, a and b give it back; it ends: they grow again. */
typedef struct {
  virConnectPtr conn;
  char *dir;
  guint64 other_mib;
  guint phase;
  guint64 low_mib;   /* a + b at the end of the squeeze */
  gboolean done;
} Follow;

static guint64
follow_ab_mib (Follow *f)
{
  return (inproc_memory_kib (f->conn, "vm-a") + inproc_memory_kib (f->conn, "vm-b")) / MIB;
}

static void
follow_write_meminfo (Follow *f)
{
  const char *running[] = { "vm-a", "vm-b", "vm-c", "vm-d", "vm-f" };
  guint64 used = f->other_mib * MIB;

  for (guint i = 0; i < G_N_ELEMENTS (running); i++)
    used += inproc_memory_kib (f->conn, running[i]);
  inproc_write_host_proc (f->dir, 8192 * MIB, used < 8192 * MIB ? 8192 * MIB - used : 0, NULL);
}

/* phase 0: a + b reach 4096; 1: the other takes 1024, a + b fall to 3072;
 * 2: it ends, a + b grow back to 4096 (within 8 MiB each way).  Asked
 * after every pass: the host's figures follow the domains. */
static gboolean
follow_reached (gpointer data)
{
  Follow *f = data;
  guint64 ab = follow_ab_mib (f);

  follow_write_meminfo (f);
  return f->phase == 1 ? ab <= 3072 + 8 : ab >= 4096 - 8;
}

static gboolean
follow_next (gpointer data)
{
  static const char *const phases[] = { "a + b at 4096 MiB", "a + b down to 3072 MiB", "a + b back at 4096 MiB" };
  Follow *f = data;
  guint64 ab = follow_ab_mib (f);

  g_test_message ("phase %u: a + b %" G_GUINT64_FORMAT " MiB", f->phase, ab);
  if (f->phase == 2)
    {
      f->done = TRUE;
      raise (SIGTERM);
      return G_SOURCE_REMOVE;
    }
  f->low_mib = ab;
  f->other_mib = f->phase == 0 ? 1024 : 0;
  f->phase++;
  follow_write_meminfo (f);
  inproc_when (phases[f->phase], 0, follow_reached, follow_next, f);
  return G_SOURCE_REMOVE;
}

static void
test_host_follows (void)
{
  Follow f = { inproc_open_node (), g_dir_make_tmp ("bc-proc-XXXXXX", NULL), 0, 0, 0, FALSE };
  g_autofree char *meminfo = g_build_filename (f.dir, "meminfo", NULL);
  BcDaemonOptions opts = { .state_path = "" };
  BcConfig cfg;

  set_weight (f.conn, "vm-a", "<policy><enabled>yes</enabled></policy>");
  set_weight (f.conn, "vm-b", "<policy><enabled>yes</enabled></policy>");
  inproc_config (&cfg);
  /* a margin that always asks for the maximum; the fixed budget far
   * above the host's 8192 MiB */
  cfg.margin.min_kib = cfg.margin.initial_kib = 4096 * MIB;
  cfg.reserve_kib = 1024 * MIB;
  follow_write_meminfo (&f);
  g_setenv ("BALLOONCTL_HOST_PROC", f.dir, TRUE);
  inproc_when ("a + b at 4096 MiB", 0, follow_reached, follow_next, &f);
  g_assert_cmpint (inproc_run (f.conn, &cfg, &opts, NULL), ==, 0);
  g_unsetenv ("BALLOONCTL_HOST_PROC");
  g_assert_true (f.done);
  g_assert_cmpuint (f.low_mib, >=, 3072 - 64);
  g_unlink (meminfo);
  g_rmdir (f.dir);
  g_free (f.dir);
  virConnectClose (f.conn);
}

/* The host cannot be read: said once, and the budget stays fixed. */
static void
test_host_unreadable (void)
{
  static const char *const expected[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device",
                                          "host figures: */meminfo: No such file or directory (said once; the budget stays at 16384 MiB)", NULL };
  virConnectPtr conn = inproc_open_node ();
  g_autofree char *dir = g_dir_make_tmp ("bc-proc-XXXXXX", NULL);
  BcDaemonOptions opts = { .state_path = "" };
  BcConfig cfg;

  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  g_setenv ("BALLOONCTL_HOST_PROC", dir, TRUE);
  inproc_stop_when ("3 passes, vm-a shrunk", 3, inproc_vm_a_shrunk, conn);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_unsetenv ("BALLOONCTL_HOST_PROC");
  g_assert_cmpuint (inproc_count_messages ("host figures: *"), ==, 1);
  /* vm-a shrinks towards its target as under the fixed budget */
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), <, 1024 * MIB);
  g_rmdir (dir);
  virConnectClose (conn);
}

/* ---- the long-running daemon, driven by its passes ------------------------ */

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

/* The room the daemon publishes: the test driver has no guest agent, so
 * no evidence of cold memory and nothing reclaimable; a managed domain's
 * floor, none for one not managed; room for what the budget leaves of
 * what the domains hold, in guests of 1 GiB. */
static void
check_room (const BcReport *r)
{
  g_assert_true (r->host.known);
  g_assert_cmpuint (r->host.guest_size_kib, ==, 1024 * MIB);
  g_assert_cmpuint (r->host.reclaimable_kib, ==, 0);
  g_assert_cmpuint (r->host.held_kib, >=, 4 * 1024 * MIB);
  g_assert_cmpuint (r->host.guests, ==, ((guint64) r->budget_kib - r->host.held_kib) / (1024 * MIB));
  g_assert_cmpuint (find_name ((BcReport *) r, "vm-b")->reclaimable_kib, ==, 0);
  g_assert_cmpuint (find_name ((BcReport *) r, "vm-b")->floor_kib, ==, 1000 * MIB);
  g_assert_cmpuint (find_name ((BcReport *) r, "vm-c")->floor_kib, ==, 0);
}

static gboolean
state_written (gpointer data)
{
  Script *s = data;

  return g_file_test (s->state_path, G_FILE_TEST_EXISTS);
}

/* Polled after every pass: the state file follows the events (it is
 * written at most once a second). */
static gboolean
events_followed (gpointer data)
{
  Script *s = data;
  g_autoptr (BcReport) r = state (s);

  g_assert_nonnull (r);
  s->saw_e = find_name (r, "vm-e") != NULL && find_name (r, "vm-e")->managed;
  s->saw_a_gone = find_name (r, "vm-a") == NULL;
  s->saw_c_managed = find_name (r, "vm-c") && find_name (r, "vm-c")->managed;
  if (!(s->saw_e && s->saw_a_gone && s->saw_c_managed))
    return FALSE;
  s->step++;
  return TRUE;
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
      check_room (r);
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
      inproc_stop_when ("the state file following vm-e started, vm-a destroyed, vm-c enabled", 0, events_followed, s);
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
  inproc_when ("the state file written", 1, state_written, script_step, &s);
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

/* ---- systemd: READY, STATUS, WATCHDOG, RELOADING, STOPPING --------------- */

/* SIGHUP; the daemon stops once pattern (data) is logged and a pass has
 * run after it. */
static gboolean
hup_then_stop (gpointer pattern)
{
  raise (SIGHUP);
  inproc_stop_when (pattern, 1, inproc_logged, pattern);
  return G_SOURCE_REMOVE;
}

/* Reads what arrives as it arrives, as systemd does: a full socket would
 * block the daemon's sd_notify. */
static gboolean
receive (GSocket *sock, GIOCondition cond, gpointer data)
{
  char buf[4096];
  gssize n;

  while ((n = g_socket_receive (sock, buf, sizeof buf - 1, NULL, NULL)) > 0)
    {
      buf[n] = '\0';
      g_ptr_array_add (data, g_strdup (buf));
    }
  return G_SOURCE_CONTINUE;
}

static gint
find_from (GPtrArray *msgs, guint from, const char *pattern)
{
  for (guint i = from; i < msgs->len; i++)
    if (g_pattern_match_simple (pattern, g_ptr_array_index (msgs, i)))
      return (gint) i;
  return -1;
}

/* What systemd hears, through its notify socket: READY once the first pass
 * has run, a STATUS line, WATCHDOG after each pass, RELOADING then READY
 * around SIGHUP, STOPPING at the end. */
static void
test_systemd_notify (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-notify-XXXXXX", NULL);
  g_autofree char *sock_path = g_build_filename (dir, "notify", NULL);
  g_autofree char *conf = g_build_filename (dir, "balloonctl.conf", NULL);
  g_autofree char *pid = g_strdup_printf ("%d", getpid ());
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, NULL);
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (sock_path);
  g_autoptr (GPtrArray) msgs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSource) reader = NULL;
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .config_path = conf };
  BcConfig cfg;
  gint ready, reloading;

  g_assert_true (g_file_set_contents (conf, "[controller]\napply-interval-ms=100\nmargin-interval-ms=500\nagent=false\n"
                                            "[host]\nbudget-mib=16384\n", -1, NULL));
  g_assert_true (g_socket_bind (sock, addr, TRUE, NULL));
  g_socket_set_blocking (sock, FALSE);
  reader = g_socket_create_source (sock, G_IO_IN, NULL);
  g_source_set_callback (reader, G_SOURCE_FUNC (receive), msgs, NULL);
  g_source_attach (reader, NULL);
  g_setenv ("NOTIFY_SOCKET", sock_path, TRUE);
  g_setenv ("WATCHDOG_USEC", "10000000", TRUE);
  g_setenv ("WATCHDOG_PID", pid, TRUE);
  inproc_config (&cfg);
  /* READY and WATCHDOG after the first pass; RELOADING and READY around
   * the reload */
  inproc_when ("2 passes", 2, NULL, hup_then_stop, "configuration reloaded*");
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_unsetenv ("NOTIFY_SOCKET");
  g_unsetenv ("WATCHDOG_USEC");
  g_unsetenv ("WATCHDOG_PID");
  receive (sock, G_IO_IN, msgs);
  g_source_destroy (reader);
  for (guint i = 0; i < msgs->len; i++)
    g_test_message ("notify: %s", (char *) g_ptr_array_index (msgs, i));
  g_assert_cmpint (find_from (msgs, 0, "STATUS=2 of 5 domains managed, host budget 16384 MiB, policy adaptive*"), >=, 0);
  ready = find_from (msgs, 0, "READY=1");
  g_assert_cmpint (ready, >=, 0);
  g_assert_cmpint (find_from (msgs, 0, "WATCHDOG=1"), >, ready);
  reloading = find_from (msgs, (guint) ready + 1, "RELOADING=1");
  g_assert_cmpint (reloading, >, ready);
  g_assert_cmpint (find_from (msgs, (guint) reloading, "READY=1"), >, reloading);
  g_assert_cmpstr (g_ptr_array_index (msgs, msgs->len - 1), ==, "STOPPING=1");
  virConnectClose (conn);
  g_unlink (sock_path);
  g_unlink (conf);
  g_rmdir (dir);
}

/* A FIFO swapped in for the configuration before SIGHUP: the reload is
 * refused at once (reading it would block the main loop, SIGTERM with it),
 * the running configuration kept, and SIGTERM still stops the daemon. */
static gboolean
swap_in_fifo (gpointer data)
{
  g_assert_cmpint (g_unlink (data), ==, 0);
  g_assert_cmpint (mkfifo (data, 0600), ==, 0);
  return hup_then_stop ("reload rejected, keeping the running configuration: *");
}

static void
test_reload_fifo (void)
{
  static const char *const expected[] = {
    "vm-d: not managed: *", "vm-f: not managed: no balloon device",
    "reload rejected, keeping the running configuration: */balloonctl.conf: is a FIFO, not a regular file", NULL
  };
  g_autofree char *dir = g_dir_make_tmp ("bc-reload-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "balloonctl.conf", NULL);
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .config_path = conf };
  BcConfig cfg;

  g_assert_true (g_file_set_contents (conf, "[controller]\napply-interval-ms=100\nmargin-interval-ms=500\nagent=false\n"
                                            "[host]\nbudget-mib=16384\n", -1, NULL));
  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  inproc_when ("a pass", 1, NULL, swap_in_fifo, conf);
  alarm (20); /* a wedged loop kills the test instead of hanging it */
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  alarm (0);
  g_assert_cmpuint (inproc_count_messages ("reload rejected, keeping the running configuration: *"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("configuration reloaded*"), ==, 0);
  virConnectClose (conn);
  g_unlink (conf);
  g_rmdir (dir);
}

/* The configuration file, read at start, is gone for a moment (an
 * editor's rename) when SIGHUP comes: the reload is refused and the
 * running configuration kept, not replaced by the defaults. */
static gboolean
remove_and_hup (gpointer data)
{
  g_assert_cmpint (g_unlink (data), ==, 0);
  return hup_then_stop ("reload rejected, keeping the running configuration: *");
}

static void
test_reload_missing (void)
{
  static const char *const expected[] = {
    "vm-d: not managed: *", "vm-f: not managed: no balloon device",
    "reload rejected, keeping the running configuration: */balloonctl.conf: cannot open: No such file or directory", NULL
  };
  g_autofree char *dir = g_dir_make_tmp ("bc-reload-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "balloonctl.conf", NULL);
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .config_path = conf, .config_missing_ok = TRUE };
  BcConfig cfg;

  g_assert_true (g_file_set_contents (conf, "[controller]\napply-interval-ms=100\nmargin-interval-ms=500\nagent=false\n"
                                            "[host]\nbudget-mib=16000\n", -1, NULL));
  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  g_assert_true (bc_config_load (&cfg, conf, TRUE, NULL));
  inproc_when ("a pass", 1, NULL, remove_and_hup, conf);
  alarm (20);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  alarm (0);
  g_assert_cmpuint (inproc_count_messages ("reload rejected, keeping the running configuration: *"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("configuration reloaded*"), ==, 0);
  virConnectClose (conn);
  g_rmdir (dir);
}

/* Without a file at start, the defaults stand, and a reload with the file
 * still missing keeps them: nothing was asked for. */
static void
test_reload_never_there (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-reload-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "balloonctl.conf", NULL);
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .config_path = conf, .config_missing_ok = TRUE };
  BcConfig cfg;

  /* the defaults' budget on the test driver's host holds no floors */
  static const char *const expected[] = {
    "vm-d: not managed: *", "vm-f: not managed: no balloon device",
    "host budget: the managed domains' floors *", NULL
  };

  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  g_assert_true (bc_config_load (&cfg, conf, TRUE, NULL));
  g_assert_false (cfg.from_file);
  inproc_when ("a pass", 1, NULL, hup_then_stop, "configuration reloaded*");
  alarm (20);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  alarm (0);
  g_assert_cmpuint (inproc_count_messages ("configuration reloaded*"), ==, 1);
  virConnectClose (conn);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  inproc_init (&argc, &argv);
  inproc_add_test ("/daemon/once", test_once);
  inproc_add_test ("/daemon/dry-run", test_dry_run);
  inproc_add_test ("/daemon/host-budget", test_host_budget);
  inproc_add_test ("/daemon/weights", test_weights);
  inproc_add_test ("/daemon/host-follows", test_host_follows);
  inproc_add_test ("/daemon/host-unreadable", test_host_unreadable);
  inproc_add_test ("/daemon/events", test_events);
  inproc_add_test ("/daemon/systemd-notify", test_systemd_notify);
  inproc_add_test ("/daemon/reload-fifo", test_reload_fifo);
  inproc_add_test ("/daemon/reload-missing", test_reload_missing);
  inproc_add_test ("/daemon/reload-never-there", test_reload_never_there);
  return g_test_run ();
}
