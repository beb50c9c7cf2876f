/* SPDX-License-Identifier: GPL-2.0-or-later */
/* balloonctl run: the foreground daemon. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-build-config.h"
#include "bc-cmd.h"
#include "bc-daemon.h"
#include "bc-error.h"

#include <libvirt-glib/libvirt-glib.h>
#include <pthread.h>
#include <signal.h>

static void
hold_sighup (int how)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGHUP);
  pthread_sigmask (how, &set, NULL);
}

static gboolean opt_dry_run, opt_once;
static char *opt_record;
static gint64 opt_record_max_mib;
static const GOptionEntry run_entries[] = {
  { "dry-run", 0, 0, G_OPTION_ARG_NONE, &opt_dry_run, "Compute and log every target (for virtio-mem, the device request it would send), never change memory", NULL },
  { "once", 0, 0, G_OPTION_ARG_NONE, &opt_once, "One collect/decide/apply pass, then exit", NULL },
  { "record", 0, 0, G_OPTION_ARG_FILENAME, &opt_record, "Append each pass's inputs and decisions to FILE, one JSON line a pass (see replay), with what sized each domain (balloon or its virtio-mem device); FILE must be a regular file or missing (created 0600), not a symbolic link", "FILE" },
  { "record-max-mib", 0, 0, G_OPTION_ARG_INT64, &opt_record_max_mib, "Stop recording before FILE grows past MIB MiB (default: no cap; SIGHUP opens FILE again, e.g. after logrotate)", "MIB" },
  { NULL }
};

#define RECORD_MAX_MIB_MAX (G_GINT64_CONSTANT (1) << 30) /* 1 PiB */

static gboolean
check_record_options (GError **error)
{
  if (opt_record_max_mib < 0 || opt_record_max_mib > RECORD_MAX_MIB_MAX)
    return bc_set_error (error, BC_ERROR_USAGE, "run: --record-max-mib: %" G_GINT64_FORMAT " is out of range (0..%" G_GINT64_FORMAT "; 0: no cap)",
                         opt_record_max_mib, RECORD_MAX_MIB_MAX);
  if (opt_record_max_mib && opt_record == NULL)
    return bc_set_error (error, BC_ERROR_USAGE, "run: --record-max-mib goes with --record");
  return TRUE;
}

int
bc_cmd_run (int argc, char **argv)
{
  GError *error = NULL;
  BcConfig cfg;
  virConnectPtr conn;
  g_autofree char *path = NULL;
  BcDaemonOptions opts = { 0 };
  g_autoptr (BcDaemon) daemon = NULL;
  int status;

  if (!bc_cmd_parse_options (&argc, &argv,
                              "Run the balloon controller in the foreground: every running domain is sized to\n"
                              "Committed_AS + MarginSize, within its limits and the host budget; the margin\n"
                              "follows the guest's refaults ([controller] policy=adaptive, the default) or the\n"
                              "paper's UP/DOWN rules (policy=paper).\n"
                              "SIGINT/SIGTERM stop it after pending changes; SIGHUP reloads the configuration\n"
                              "(and opens the --record file again).\n"
                              "With [metrics] listen = ADDRESS:PORT in the configuration, it serves Prometheus\n"
                              "metrics at http://ADDRESS:PORT/metrics.",
                              run_entries, &error) ||
      !check_record_options (&error) || !bc_cmd_load_config (&cfg, &error))
    return bc_cmd_fail (error);
  /* libvirt's events and keepalives on our main loop */
  gvir_event_register ();
  /* A reload asked for while connecting waits for the daemon's handler
   * instead of killing it (SIGHUP's default). */
  hold_sighup (SIG_BLOCK);
  conn = bc_cmd_connect (&error);
  if (conn == NULL)
    return bc_cmd_fail (error);
  path = bc_cmd_state_path ();
  opts.config_path = bc_cmd_globals.config_path ? bc_cmd_globals.config_path : BC_DEFAULT_CONFIG;
  opts.config_missing_ok = bc_cmd_globals.config_path == NULL;
  opts.state_path = path;
  opts.connect_uri = bc_cmd_globals.uri;
  opts.dry_run = opt_dry_run;
  opts.once = opt_once;
  opts.record_path = opt_record;
  opts.record_max_bytes = (guint64) opt_record_max_mib * 1024 * 1024;
  daemon = bc_daemon_new (conn, &cfg, &opts, &error);
  virConnectClose (conn);
  if (daemon)
    hold_sighup (SIG_UNBLOCK); /* the daemon's handler takes it from here */
  if (daemon == NULL)
    return bc_cmd_fail (error);
  status = bc_daemon_run (daemon, &error);
  if (status != 0)
    return bc_cmd_fail (error);
  return 0;
}
