/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon keeps working when its surroundings misbehave: reloads in a
 * row, a second daemon, a state file that cannot be written. */
#include "bc-daemon.h"
#include "bc-lock.h"
#include "bc-log.h"
#include "bc-report.h"
#include "inproc-lib.h"

#include <glib/gstdio.h>
#include <signal.h>

typedef struct {
  const char *conf;
  const char *rewrite; /* written to conf before the first SIGHUP, or NULL */
  guint hups;
  guint hup_every_ms;  /* the storm: a SIGHUP this often */
  guint min_hups;      /* the daemon stops after at least these SIGHUPs */
  guint passes;        /* and at least these passes after the first */
  guint passes_at_first_hup;
  guint hup_id;
} Signals;

static gboolean
send_hup (gpointer data)
{
  Signals *s = data;

  if (s->hups == 0)
    {
      s->passes_at_first_hup = inproc_passes ();
      if (s->rewrite)
        g_assert_true (g_file_set_contents (s->conf, s->rewrite, -1, NULL));
    }
  s->hups++;
  raise (SIGHUP);
  return G_SOURCE_CONTINUE;
}

/* Enough SIGHUPs sent, and enough passes run among them. */
static gboolean
storm_done (gpointer data)
{
  Signals *s = data;

  return s->hups >= s->min_hups && inproc_passes () - s->passes_at_first_hup >= s->passes;
}

static gboolean
every_reload_said (gpointer data)
{
  Signals *s = data;

  return inproc_count_messages ("configuration reloaded*") >= s->hups;
}

/* The storm ends; the daemon stops once it has said every reload. */
static gboolean
end_storm (gpointer data)
{
  Signals *s = data;

  g_clear_handle_id (&s->hup_id, g_source_remove);
  inproc_stop_when ("every SIGHUP's reload said", 0, every_reload_said, s);
  return G_SOURCE_REMOVE;
}

/* Runs the daemon on the node with the config file's text, SIGHUP every
 * s->hup_every_ms (the storm, a timer on purpose), SIGTERM once there
 * have been s->min_hups and s->passes passes since the first. */
static void
run_with_hups (virConnectPtr conn, const char *text, Signals *s)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-robust-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "balloonctl.conf", NULL);
  BcDaemonOptions opts = { .state_path = "", .config_path = conf };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  bc_config_defaults (&cfg);
  bc_config_load (&cfg, conf, FALSE, &error);
  g_assert_no_error (error);
  s->conf = conf;
  s->hup_id = g_timeout_add (s->hup_every_ms, send_hup, s);
  inproc_when ("the SIGHUPs sent and the passes run among them", 0, storm_done, end_storm, s);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_unlink (conf);
  g_rmdir (dir);
}

#define NODE_CONF(interval, margin) "[controller]\napply-interval-ms=" interval "\nmargin-interval-ms=" margin "\nagent=false\n[host]\nbudget-mib=16384\n"

/* A reload every 100 ms with 300 ms ticks: the passes go on (each takes
 * vm-a down by max-shrink, 64 MiB).  Restarting the tick on every reload
 * held every pass back: vm-a stayed at 1024 MiB (now: no pass comes, and
 * the wait fails at its deadline). */
static void
test_reload_storm (void)
{
  virConnectPtr conn = inproc_open_node ();
  Signals s = { .hup_every_ms = 100, .min_hups = 15, .passes = 5 };

  run_with_hups (conn, NODE_CONF ("300", "1500"), &s);
  g_assert_cmpuint (s.hups, >=, 15);
  g_assert_cmpuint (inproc_count_messages ("configuration reloaded*"), ==, s.hups);
  /* 5 passes in the storm, vm-a down by at least 4 steps */
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), <=, 1024 * MIB - 4 * 64 * MIB);
  virConnectClose (conn);
}

/* A reload that changes the interval takes effect: from one pass a minute
 * to ten a second. */
static void
test_reload_interval (void)
{
  virConnectPtr conn = inproc_open_node ();
  Signals s = { .rewrite = NODE_CONF ("100", "500"), .hup_every_ms = 200, .min_hups = 1, .passes = 6 };

  run_with_hups (conn, NODE_CONF ("60000", "60000"), &s);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), <=, 1024 * MIB - 4 * 64 * MIB);
  virConnectClose (conn);
}

/* ---- a bad configuration on reload, of every kind ---------------------- */

typedef struct {
  const char *name;
  const char *text;        /* written over the config before SIGHUP */
  gsize len;               /* of text (it may hold a NUL) */
} BadReload;

#define BAD(name, text) { name, text, sizeof text - 1 }
static const BadReload bad_reloads[] = {
  BAD ("not-a-number", "[margin]\nstep-mib=lots\n"),
  BAD ("out-of-range", "[controller]\napply-interval-ms=5\nmargin-interval-ms=500\n"),
  BAD ("unknown-key", "[margin]\nstepmib=4\n"),
  BAD ("unknown-group", "[controler]\napply-interval-ms=100\n"),
  BAD ("duplicate-key", "[margin]\nstep-mib=4\nstep-mib=8\n"),
  BAD ("nul-byte", "[margin]\nstep-mib=4\0\n[host]\nbudget-mib=1\n"),
  BAD ("locale-key", "[controller]\npolicy[de]=paper\n"),
  BAD ("initial-outside", "[margin]\ninitial-mib=8\nmin-mib=32\n"),
  BAD ("no-budget", "[host]\nreserve-mib=1048576\n"),
  BAD ("bad-policy", "[controller]\npolicy=best\n"),
  BAD ("margin-before-apply", "[controller]\napply-interval-ms=1000\nmargin-interval-ms=500\n"),
  BAD ("not-key-file", "this is not a key file\n"),
};

typedef struct {
  const char *conf;
  const BadReload *bad;
  virConnectPtr conn;
} Reload;

/* The reload rejected, and the passes gone on: vm-a down 6 steps. */
static gboolean
rejected_and_shrunk (gpointer conn)
{
  return inproc_logged ("reload rejected, keeping the running configuration: *") &&
         inproc_memory_kib (conn, "vm-a") <= 1024 * MIB - 6 * 64 * MIB;
}

static gboolean
reload_bad (gpointer data)
{
  Reload *r = data;

  g_assert_true (g_file_set_contents (r->conf, r->bad->text, (gssize) r->bad->len, NULL));
  raise (SIGHUP);
  inproc_stop_when ("the reload rejected, vm-a down 6 steps", 0, rejected_and_shrunk, r->conn);
  return G_SOURCE_REMOVE;
}

/* Each kind of bad value, swapped in before a SIGHUP: the reload is
 * rejected with a warning naming the problem, the running configuration
 * stays (passes go on at its 100 ms pace: vm-a keeps shrinking), and the
 * daemon stops cleanly. */
static void
test_reload_bad (gconstpointer data)
{
  const BadReload *bad = data;
  g_autofree char *dir = g_dir_make_tmp ("bc-reload-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "balloonctl.conf", NULL);
  const char *expected[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device",
                             "reload rejected, keeping the running configuration: *", NULL };
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .config_path = conf };
  Reload r = { conf, bad, conn };
  BcConfig cfg;

  g_assert_true (g_file_set_contents (conf, NODE_CONF ("100", "500"), -1, NULL));
  bc_config_defaults (&cfg);
  g_assert_true (bc_config_load (&cfg, conf, FALSE, NULL));
  inproc_expect_warnings (expected);
  inproc_when ("a pass", 1, NULL, reload_bad, &r);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_cmpuint (inproc_count_messages ("reload rejected, keeping the running configuration: *"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("configuration reloaded*"), ==, 0);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), <=, 1024 * MIB - 6 * 64 * MIB);
  virConnectClose (conn);
  g_unlink (conf);
  g_rmdir (dir);
}

/* ---- one daemon per host ------------------------------------------------- */

/* Another daemon holds the lock: `run --once` refuses, sets nothing, and
 * leaves the live daemon's state file alone (it used to remove it on
 * exit). */
static void
test_second_daemon_refused (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-lock-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (dir, "state.json", NULL);
  g_autofree char *lock_path = g_strconcat (state, ".lock", NULL);
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = state, .once = TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (BcDaemon) d = NULL;
  BcLock live = BC_LOCK_INIT;
  BcConfig cfg;

  g_assert_true (bc_lock_take (&live, state, NULL));
  g_assert_true (g_file_set_contents (state, "{\"pid\": 1, \"updated_ms\": 1, \"domains\": []}", -1, NULL));
  inproc_config (&cfg);
  d = bc_daemon_new (conn, &cfg, &opts, &error);
  g_assert_null (d);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "another balloonctl run"));
  g_assert_true (g_file_test (state, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), ==, 1024 * MIB);
  /* once the first is gone, a new one starts and cleans up after itself */
  bc_lock_release (&live);
  g_clear_error (&error);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));
  virConnectClose (conn);
  g_unlink (lock_path);
  g_rmdir (dir);
}

/* ---- a state file that cannot be written ---------------------------------- */

static gboolean
unblock_state (gpointer data)
{
  g_assert_cmpint (g_rmdir (data), ==, 0);
  /* at most one write a second */
  inproc_stop_when ("the state file written again", 0, inproc_logged, "state file: written again");
  return G_SOURCE_REMOVE;
}

static gboolean
write_failure_said (gpointer data)
{
  return inproc_logged ("state file: *said once*");
}

static gboolean
block_state (gpointer data)
{
  g_assert_cmpint (g_mkdir (data, 0755), ==, 0);
  /* passes that cannot write (said once), then unblocked */
  inproc_when ("the failed write said, 3 passes", 3, write_failure_said, unblock_state, data);
  return G_SOURCE_REMOVE;
}

/* A directory put where the state file goes once the daemon runs (one
 * there at start is refused): every pass's write fails, and the log says
 * so once, then once more when it works again (it used to warn every
 * tick). */
static void
test_state_write_said_once (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-state-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (dir, "state.json", NULL);
  g_autofree char *lock_path = g_strconcat (state, ".lock", NULL);
  const char *expected[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device", "state file: *", NULL };
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = state };
  BcConfig cfg;

  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  inproc_when ("the loop running", 0, NULL, block_state, state);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_cmpuint (inproc_count_messages ("state file: *said once*"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("state file: written again"), ==, 1);
  g_assert_cmpuint (inproc_count_fields ("MESSAGE_ID", BC_MESSAGE_ID_STATE_FILE, NULL), ==, 1);
  virConnectClose (conn);
  g_unlink (lock_path);
  g_rmdir (dir);
}

/* ---- a job on a domain ---------------------------------------------------- */

static gboolean
job_ended_and_shrunk (gpointer conn)
{
  return inproc_logged ("vm-a: the migration job has ended") && inproc_vm_a_shrunk (conn);
}

int __real_virDomainGetJobStats (virDomainPtr dom, int *type, virTypedParameterPtr *params, int *nparams,
                                 unsigned int flags);
int __wrap_virDomainGetJobStats (virDomainPtr dom, int *type, virTypedParameterPtr *params, int *nparams,
                                 unsigned int flags);

static gint migrating; /* vm-a is migrating out while set */

int
__wrap_virDomainGetJobStats (virDomainPtr dom, int *type, virTypedParameterPtr *params, int *nparams,
                             unsigned int flags)
{
  int max = 0;

  if (!g_atomic_int_get (&migrating) || g_strcmp0 (virDomainGetName (dom), "vm-a") != 0)
    return __real_virDomainGetJobStats (dom, type, params, nparams, flags);
  *type = VIR_DOMAIN_JOB_UNBOUNDED;
  *params = NULL;
  *nparams = 0;
  return virTypedParamsAddInt (params, nparams, &max, VIR_DOMAIN_JOB_OPERATION,
                               VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT);
}

static gboolean
migration_said (gpointer data)
{
  return inproc_logged ("vm-a: a migration job is running; its memory is left alone until it ends");
}

static gboolean
migration_ends (gpointer data)
{
  g_assert_cmpuint (inproc_memory_kib (data, "vm-a"), ==, 1024 * MIB);
  g_atomic_int_set (&migrating, FALSE);
  inproc_stop_when ("the job's end said, vm-a shrunk", 0, job_ended_and_shrunk, data);
  return G_SOURCE_REMOVE;
}

/* vm-a migrates for its first passes: the daemon leaves it alone (said
 * once, not a warning every pass), manages the others, and takes vm-a on
 * once the job has ended. */
static void
test_job_left_alone (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "" };
  BcConfig cfg;

  inproc_config (&cfg);
  g_atomic_int_set (&migrating, TRUE);
  /* vm-b shrunk meanwhile, vm-a not */
  inproc_when ("the job said, 5 passes", 5, migration_said, migration_ends, conn);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_cmpuint (inproc_count_messages ("vm-a: a migration job is running; its memory is left alone until it ends"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("vm-a: the migration job has ended"), ==, 1);
  /* under journald: one kind, one domain */
  g_assert_cmpuint (inproc_count_fields ("MESSAGE_ID", BC_MESSAGE_ID_JOB, "DOMAIN", "vm-a",
                                         "DOMAIN_UUID", "00000000-0000-4000-8000-000000000001", NULL), ==, 1);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-a"), <, 1024 * MIB);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-e"), ==, 1024 * MIB); /* not running */
  virConnectClose (conn);
}

/* ---- libvirt goes away and comes back ---------------------------------- */

int __real_virConnectRegisterCloseCallback (virConnectPtr conn, virConnectCloseFunc cb, void *opaque,
                                            virFreeCallback freecb);
int __wrap_virConnectRegisterCloseCallback (virConnectPtr conn, virConnectCloseFunc cb, void *opaque,
                                            virFreeCallback freecb);
virConnectPtr __real_virConnectOpen (const char *name);
virConnectPtr __wrap_virConnectOpen (const char *name);

static struct {
  virConnectCloseFunc cb;     /* the daemon's, as last registered */
  void *opaque;
  guint registered;
  virConnectPtr node;         /* what a reconnect gets */
  gint fail_opens;            /* reconnects that fail first */
  guint opens;
  char *uri;                  /* the URI a reconnect asked for */
  virConnectPtr dead;         /* the lost connection: calls on its domains fail */
} lib;

char *__real_virDomainGetXMLDesc (virDomainPtr dom, unsigned int flags);
char *__wrap_virDomainGetXMLDesc (virDomainPtr dom, unsigned int flags);

char *
__wrap_virDomainGetXMLDesc (virDomainPtr dom, unsigned int flags)
{
  if (lib.dead && virDomainGetConnect (dom) == lib.dead)
    return __real_virDomainGetXMLDesc (NULL, flags); /* fails, as on a closed connection */
  return __real_virDomainGetXMLDesc (dom, flags);
}

int
__wrap_virConnectRegisterCloseCallback (virConnectPtr conn, virConnectCloseFunc cb, void *opaque,
                                        virFreeCallback freecb)
{
  lib.cb = cb;
  lib.opaque = opaque;
  lib.registered++;
  return __real_virConnectRegisterCloseCallback (conn, cb, opaque, freecb);
}

typedef struct {
  virConnectPtr conn;
  guint64 at_loss_kib;
  guint changes_at_loss;
  guint64 at_reconnect_kib;  /* when libvirt is back, before it is used */
  guint changes_at_reconnect;
} Outage;

static Outage *outage;  /* the running test's */

virConnectPtr
__wrap_virConnectOpen (const char *name)
{
  if (lib.node == NULL)
    return __real_virConnectOpen (name);
  lib.opens++;
  g_free (lib.uri);
  lib.uri = g_strdup (name);
  if (g_atomic_int_add (&lib.fail_opens, -1) > 0)
    {
      virConnectPtr none = __real_virConnectOpen ("test:///nonexistent/file.xml");

      g_assert_null (none);
      return NULL;
    }
  /* the end of the outage: what moved during it */
  outage->at_reconnect_kib = inproc_memory_kib (outage->conn, "vm-a");
  outage->changes_at_reconnect = inproc_count_messages ("vm-a: * -> * KiB: *");
  virConnectRef (lib.node);
  return lib.node;
}

static gboolean
lose_connection (gpointer data)
{
  Outage *o = data;

  o->at_loss_kib = inproc_memory_kib (o->conn, "vm-a");
  o->changes_at_loss = inproc_count_messages ("vm-a: * -> * KiB: *");
  lib.dead = o->conn;
  lib.cb (o->conn, VIR_CONNECT_CLOSE_REASON_EOF, lib.opaque);
  return G_SOURCE_REMOVE;
}

static gboolean
vm_a_changed (gpointer data)
{
  return inproc_logged ("vm-a: * -> * KiB: *");
}

/* Back, vm-a's settings read again (they are read in the background: a
 * pass may come first) and vm-a shrunk through the new connection. */
static gboolean
back_and_shrunk (gpointer fresh)
{
  return inproc_logged ("connected to libvirt again after * s (3 attempts)*") &&
         inproc_count_messages ("vm-a: managed *") >= 2 && inproc_vm_a_shrunk (fresh);
}

/* The connection closes once vm-a has changed (calls on its domains fail
 * from then on); the first two attempts to connect again fail (retries at 100, 200,
 * 400 ms), the third gives a new connection to the same domains, as
 * libvirt does after a restart.  The daemon keeps running, changes nothing
 * meanwhile, connects again with the URI it was given, registers for
 * events again, reads every domain's settings through the new connection
 * (through the old one they failed, with a warning each), keeps vm-a's
 * record (no new "now followed") and goes on shrinking it. */
static void
test_reconnect (void)
{
  virConnectPtr conn = inproc_open_node ();
  virConnectPtr fresh = inproc_open_node ();
  const char *expected[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device",
                             "connection to libvirt lost (end of file)*", NULL };
  BcDaemonOptions opts = { .state_path = "", .connect_uri = "test:///reconnect", .reconnect_ms = 100 };
  Outage o = { conn };
  BcConfig cfg;

  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  lib.node = fresh;
  lib.registered = lib.opens = 0;
  lib.fail_opens = 2;
  outage = &o;
  inproc_when ("vm-a changed", 0, vm_a_changed, lose_connection, &o);
  inproc_stop_when ("libvirt back, vm-a shrunk", 0, back_and_shrunk, fresh);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  outage = NULL;
  lib.node = NULL;
  /* nothing moved while libvirt was away */
  g_assert_cmpuint (o.at_reconnect_kib, ==, o.at_loss_kib);
  g_assert_cmpuint (o.changes_at_reconnect, ==, o.changes_at_loss);
  g_assert_cmpuint (lib.opens, ==, 3);
  g_assert_cmpstr (lib.uri, ==, "test:///reconnect");
  g_assert_cmpuint (lib.registered, ==, 2);
  g_assert_cmpuint (inproc_count_messages ("libvirt still unreachable*"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("connected to libvirt again after * s (3 attempts)*"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("vm-a: now followed"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("vm-a: managed *"), ==, 2);
  g_assert_cmpuint (inproc_count_fields ("MESSAGE_ID", BC_MESSAGE_ID_CONNECTION_LOST, NULL), ==, 1);
  g_assert_cmpuint (inproc_count_fields ("MESSAGE_ID", BC_MESSAGE_ID_RECONNECTED, NULL), ==, 1);
  g_assert_cmpuint (inproc_memory_kib (fresh, "vm-a"), <, 1024 * MIB);
  lib.dead = NULL;
  g_clear_pointer (&lib.uri, g_free);
  virConnectClose (fresh);
  virConnectClose (conn);
}

/* Stopped while waiting for libvirt: the retry timer goes with the daemon
 * (exit 0, nothing left on the main context). */
static void
test_stop_while_lost (void)
{
  virConnectPtr conn = inproc_open_node ();
  const char *expected[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device",
                             "connection to libvirt lost*", NULL };
  BcDaemonOptions opts = { .state_path = "", .reconnect_ms = 5000 };
  Outage o = { conn };
  BcConfig cfg;

  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  inproc_when ("a pass", 1, NULL, lose_connection, &o);
  /* 3 ticks while lost (watchdog fed) */
  inproc_stop_when ("the loss said, 3 ticks", 3, inproc_logged, "connection to libvirt lost*");
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_false (g_main_context_pending (NULL));
  lib.dead = NULL; /* a later connection may get its address */
  virConnectClose (conn);
}

int
main (int argc, char **argv)
{
  inproc_init (&argc, &argv);
  inproc_add_test ("/robust/reload-storm", test_reload_storm);
  inproc_add_test ("/robust/reload-interval", test_reload_interval);
  inproc_add_test ("/robust/second-daemon-refused", test_second_daemon_refused);
  inproc_add_test ("/robust/state-write-said-once", test_state_write_said_once);
  inproc_add_test ("/robust/job-left-alone", test_job_left_alone);
  for (guint i = 0; i < G_N_ELEMENTS (bad_reloads); i++)
    {
      g_autofree char *path = g_strdup_printf ("/robust/reload-bad/%s", bad_reloads[i].name);

      inproc_add_data_test (path, &bad_reloads[i], test_reload_bad);
    }
  inproc_add_test ("/robust/reconnect", test_reconnect);
  inproc_add_test ("/robust/stop-while-lost", test_stop_while_lost);
  return g_test_run ();
}
