/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt's events on one connection, told to their owner through a small
 * sink: a domain started or stopped, rebooted, its balloonctl metadata
 * changed, the connection closed.  What each means to the daemon is the
 * daemon's (bc-daemon-events.c); this file knows libvirt's callbacks and
 * threads alone.  Main thread, but for libvirt's close callback, which
 * may come on any thread and is handed to the main context. */
#pragma once

#include <libvirt/libvirt.h>
#include <glib.h>

typedef struct {
  void (*started) (gpointer owner, virDomainPtr dom);
  /* how: in a few words ("shut down", "its guest crashed", ...) */
  void (*stopped) (gpointer owner, const char *uuid, const char *how);
  void (*rebooted) (gpointer owner, const char *uuid);
  void (*metadata_changed) (gpointer owner, const char *uuid);
  /* on the main context; reason: virConnectCloseReason */
  void (*closed) (gpointer owner, int reason);
} BcEventsSink;

typedef struct {
  const BcEventsSink *sink;
  gpointer owner;
  virConnectPtr conn;      /* registered on (no reference); NULL: none */
  int lifecycle_cb, metadata_cb, reboot_cb;
  gboolean close_cb;
  GMutex close_lock;       /* libvirt may call on_close on any thread */
  GSource *close_source;   /* the main context's side of a close */
  int close_reason;
} BcEvents;

void bc_events_init (BcEvents *e, const BcEventsSink *sink, gpointer owner);
/* Registers for conn's events; on an error what was registered stays
 * until bc_events_unregister. */
gboolean bc_events_register (BcEvents *e, virConnectPtr conn, GError **error);
/* After it, no callback runs, and no close is pending. */
void bc_events_unregister (BcEvents *e);
void bc_events_clear (BcEvents *e);
