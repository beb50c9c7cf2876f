/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon: one GMainLoop that gathers figures, runs the pure pass
 * (bc-pass.c) every apply interval and starts the applies.  Blocking work
 * runs as jobs on workers (bc-jobs.c). */
#pragma once

#include "bc-config-file.h"

#include <libvirt/libvirt.h>

typedef struct {
  const char *config_path;   /* reloaded on SIGHUP; NULL = built-in defaults */
  gboolean config_missing_ok;
  const char *state_path;    /* "" or NULL = publish nothing */
  gboolean dry_run;
  gboolean once;
  const char *record_path;   /* append every pass to it; NULL = none;
                                SIGHUP opens it again */
  guint64 record_max_bytes;  /* the recording stops before it grows past
                                this; 0 = no cap */
  gint64 setup_retry_ms;     /* after a libvirt error in a domain's setup;
                                0 = 30 s */
  gint64 shutdown_grace_ms;  /* how long a stop waits for running jobs;
                                0 = 15 s */
  const char *connect_uri;   /* what a lost connection is opened again
                                with; NULL = the connection's own URI */
  gint64 reconnect_ms;       /* the first retry after a lost connection;
                                0 = 1 s (then doubling, at most 30 s) */
} BcDaemonOptions;

typedef struct _BcDaemon BcDaemon;

/* Reads the host's memory, registers for libvirt's events and the signals
 * (SIGINT/SIGTERM stop, SIGHUP reloads and opens the recording again).  NULL with error set when the
 * daemon cannot start. */
BcDaemon *bc_daemon_new (virConnectPtr conn, const BcConfig *cfg, const BcDaemonOptions *opts, GError **error);
/* Runs until SIGINT/SIGTERM (or one pass with once).  Returns the exit
 * status: 0, or 1 after a runtime failure (error set). */
int bc_daemon_run (BcDaemon *d, GError **error);
/* Removes every source and registration it made; never waits for a
 * worker. */
void bc_daemon_free (BcDaemon *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcDaemon, bc_daemon_free)
