/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connecting to libvirt again after it went away: an open on a job, then
 * again with a back-off (from the first delay, doubling, at most
 * BC_RECONNECT_MAX_MS), until the owner takes a connection.  What a lost
 * or a new connection means to the daemon is the daemon's
 * (bc-daemon-events.c). */
#pragma once

#include "bc-jobs.h"

#include <libvirt/libvirt.h>

#define BC_RECONNECT_FIRST_MS 1000
#define BC_RECONNECT_MAX_MS 30000

typedef struct {
  /* A connection is open: the owner takes it (the reference is its own,
   * either way) and says whether it works; FALSE: try again later. */
  gboolean (*connected) (gpointer owner, virConnectPtr conn);
  /* Whether to go on (FALSE once the daemon stops). */
  gboolean (*wanted) (gpointer owner);
} BcReconnectSink;

typedef struct {
  const BcReconnectSink *sink;
  gpointer owner;
  BcJobs *jobs;
  char *uri;               /* what an open opens; NULL: libvirt's default */
  gint64 first_ms;         /* the first delay */
  guint id;                /* the next attempt's timer */
  gboolean inflight;       /* an open is running */
  guint attempts;          /* since the loss */
  gint64 delay_ms;         /* the last back-off */
  gint64 lost_at_ms;       /* monotonic */
} BcReconnect;

/* first_ms <= 0: BC_RECONNECT_FIRST_MS. */
void bc_reconnect_init (BcReconnect *r, const BcReconnectSink *sink, gpointer owner, BcJobs *jobs,
                        const char *uri, gint64 first_ms);
/* The connection went at now_ms: the first attempt after the first delay. */
void bc_reconnect_start (BcReconnect *r, gint64 now_ms);
void bc_reconnect_clear (BcReconnect *r);
