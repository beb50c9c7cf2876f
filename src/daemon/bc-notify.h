/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: what systemd hears from the daemon, through libsystemd's
 * sd_notify (Type=notify):
 *   READY=1      once the first pass has run;
 *   STATUS=      a one-line summary, when it changes (bc_term_escape'd);
 *   WATCHDOG=1   after every pass that completes, so a wedged loop stops
 *                the pings and systemd restarts it (WatchdogSec=, which
 *                must be well above the apply interval);
 *   RELOADING=1, then READY=1, around a reload; STOPPING=1 on the way out.
 * Outside systemd (no NOTIFY_SOCKET) every call does nothing. */
#pragma once

#include <glib.h>

typedef struct {
  gboolean ready;
  char *status;
} BcNotify;

/* A pass completed; status: its one-line summary. */
void bc_notify_pass (BcNotify *n, const char *status);
void bc_notify_reloading (void);
void bc_notify_reloaded (void);
void bc_notify_stopping (void);
/* The watchdog interval systemd asked for, 0 when none. */
gint64 bc_notify_watchdog_ms (void);
void bc_notify_clear (BcNotify *n);
