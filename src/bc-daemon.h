/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon: one GMainLoop driving collect -> decide -> arbitrate ->
 * apply -> report every apply interval.  Blocking work runs on workers. */
#pragma once

#include "bc-config.h"

#include <libvirt/libvirt.h>

typedef struct {
  const char *config_path;   /* reloaded on SIGHUP; NULL = built-in defaults */
  gboolean config_missing_ok;
  const char *state_path;    /* "" = publish nothing */
  gboolean dry_run;
  gboolean once;
  gint64 setup_retry_ms;     /* after a libvirt error in a domain's setup;
                                0 = 30 s */
} BcDaemonOptions;

/* Runs until SIGINT/SIGTERM (or one pass with once).  Returns the exit
 * status: 0, or 1 after a runtime failure (error set). */
int bc_daemon_run (virConnectPtr conn, const BcConfig *cfg, const BcDaemonOptions *opts, GError **error);
