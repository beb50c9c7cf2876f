/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: `balloonctl status`.  Live columns come from libvirt and the guest
 * agent; controller columns from the running daemon's state file, shown as
 * unknown ("-") without one.  Formatting is pure, for expected-file tests. */
#pragma once

#include "bc-figures.h"
#include "bc-report.h"

#include <libvirt/libvirt.h>

typedef struct {
  char *name;
  char *uuid;
  guint64 current_kib;
  guint64 max_kib;
  BcSource source;
  gboolean have_committed;    /* Committed_AS and Active(file): agent only */
  guint64 committed_kib;
  guint64 active_file_kib;
  gboolean have_cached;
  guint64 cached_kib;
  BcReportDomain *ctl;        /* the daemon's view; NULL = unknown */
} BcStatusRow;

void bc_status_row_free (BcStatusRow *row);

/* now_ms is wall-clock time, for "12s ago". */
void bc_status_format_table (GPtrArray *rows, gint64 now_ms, GString *out);
void bc_status_format_json (GPtrArray *rows, const BcReport *daemon, GString *out);

/* Live figures of every running domain, sorted by name. */
GPtrArray *bc_status_collect (virConnectPtr conn, gboolean use_agent, gint64 agent_timeout_ms, GError **error);
/* Attaches the daemon's view to each row (daemon may be NULL). */
void bc_status_attach (GPtrArray *rows, const BcReport *daemon);
