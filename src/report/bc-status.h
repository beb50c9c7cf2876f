/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: `balloonctl status`.  Live columns come from libvirt and the guest
 * agent; controller columns from the running daemon's state file, shown as
 * unknown ("-") without one.  Formatting is pure, for expected-file tests. */
#pragma once

#include "bc-collect.h"
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
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcStatusRow, bc_status_row_free)

/* The table's columns, in order. */
typedef enum {
  BC_STATUS_COL_NAME,
  BC_STATUS_COL_STATE,
  BC_STATUS_COL_CURRENT,
  BC_STATUS_COL_TARGET,
  BC_STATUS_COL_MAX,
  BC_STATUS_COL_COMMITTED,
  BC_STATUS_COL_CACHED,
  BC_STATUS_COL_ACTIVE_FILE,
  BC_STATUS_COL_MARGIN,
  BC_STATUS_COL_WEIGHT,
  BC_STATUS_COL_SOURCE,
  BC_STATUS_COL_LAST_CHANGE,
  BC_STATUS_N_COLS
} BcStatusColumn;

/* The column text names: its header in any case, "(" and " " or "_" as
 * "-" and ")" left out also accepted ("ACTIVE(FILE)", "active-file"). */
gboolean bc_status_column_parse (const char *text, BcStatusColumn *column);
/* "name, state, ..., last-change", for a message. */
char *bc_status_column_names (void);
/* Sizes, MARGIN and LAST CHANGE largest (latest) first, unknown ones
 * last; NAME, STATE and SOURCE alphabetically; ties by name. */
void bc_status_sort (GPtrArray *rows, BcStatusColumn by);

/* A size as the table shows it: "448 MiB", "1.50 GiB", "20.00 TiB". */
char *bc_status_human (guint64 kib);
/* How long ago then_ms was: "12s ago", "6m ago", "2h ago" ("0s ago" for a
 * time not before now_ms). */
char *bc_status_ago (gint64 then_ms, gint64 now_ms);

/* The line above the table, from the daemon's state file: "host: budget
 * 4.00 GiB, held 3.10 GiB, reclaimable now 512 MiB: room for 1 more guest
 * of 1024 MiB".  Nothing without a daemon or one that did not say. */
void bc_status_format_host (const BcReport *daemon, GString *out);
/* now_ms is wall-clock time, for "12s ago".  Every cell is escaped for a
 * terminal (bc_term_escape). */
void bc_status_format_table (GPtrArray *rows, gint64 now_ms, GString *out);
/* The same in width columns (0 = as wide as it takes): the columns that do
 * not fit are cut (their last column a '+') or left out, from the right.
 * Returns how many columns were left out. */
guint bc_status_format_table_fit (GPtrArray *rows, gint64 now_ms, gsize width, GString *out);

/* The version of the --json document's layout, its "schema" member: raised
 * when a member changes meaning or goes away (new members may come without). */
#define BC_STATUS_JSON_SCHEMA 1
void bc_status_format_json (GPtrArray *rows, const BcReport *daemon, GString *out);
/* Its parts: the members "daemon" and "host"; one domain's object. */
void bc_status_add_daemon (JsonBuilder *b, const BcReport *daemon);
void bc_status_add_row (JsonBuilder *b, const BcStatusRow *r);

/* One domain's live figures (the guest agent asked when use_agent). */
BcStatusRow *bc_status_row_from_record (const BcBulkRecord *rec, gboolean use_agent, gint64 agent_timeout_ms);
/* Live figures of every running domain, sorted by name. */
GPtrArray *bc_status_collect (virConnectPtr conn, gboolean use_agent, gint64 agent_timeout_ms, GError **error);
/* Attaches the daemon's view to each row (daemon may be NULL). */
void bc_status_attach (GPtrArray *rows, const BcReport *daemon);

/* What one read of status found. */
typedef struct {
  GPtrArray *rows;      /* of BcStatusRow, the daemon's view attached */
  BcReport *daemon;     /* NULL: no live daemon for this URI */
  char *warning;        /* why the state file was not read, or NULL */
} BcStatusSnapshot;

void bc_status_snapshot_free (BcStatusSnapshot *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcStatusSnapshot, bc_status_snapshot_free)
