/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: what the running daemon publishes for `balloonctl status`: a JSON
 * state file under the runtime directory, rewritten every apply tick. */
#pragma once

#include <json-glib/json-glib.h>

typedef struct {
  char *uuid;
  char *name;
  gboolean managed;
  char *note;           /* why it is not managed, or NULL */
  char *state;          /* "UP" / "DOWN" */
  gint64 margin_kib;
  guint64 target_kib;
  char *source;         /* "agent", "balloon-only", "none" */
  gint64 change_at_ms;  /* wall clock (ms since the epoch) of the last change, 0 = none */
  guint64 change_old_kib;
  guint64 change_new_kib;
  char *change_reason;
} BcReportDomain;

typedef struct {
  gint64 pid;
  char *uri;
  char *policy;
  gint64 updated_ms;    /* wall clock */
  gint64 apply_interval_ms; /* the daemon's: how stale its file may get */
  GPtrArray *domains;   /* of BcReportDomain */
} BcReport;

void bc_report_domain_free (BcReportDomain *d);
BcReportDomain *bc_report_domain_copy (const BcReportDomain *d);
gboolean bc_report_domain_equal (const BcReportDomain *a, const BcReportDomain *b);

BcReport *bc_report_new (void);
void bc_report_free (BcReport *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcReport, bc_report_free)
BcReportDomain *bc_report_add_domain (BcReport *r, const char *uuid, const char *name);
const BcReportDomain *bc_report_find (const BcReport *r, const char *uuid);

/* A domain's record as JSON members (managed, note, state, margin_kib,
 * target_kib, source, last_change): the one serialisation, written into
 * each domain of the state file and as "controller" by `status --json`. */
void bc_report_add_controller (JsonBuilder *b, const BcReportDomain *d);
char *bc_report_to_json (const BcReport *r);
BcReport *bc_report_from_json (const char *text, GError **error);

/* Default path: /run/balloonctl/state.json for root, else under
 * $XDG_RUNTIME_DIR. */
char *bc_report_default_path (void);
gboolean bc_report_write (const BcReport *r, const char *path, GError **error);

/* What was last written, so an unchanged state is not written again. */
typedef struct {
  BcReport *last;       /* a copy of the last state written */
  gint64 written_ms;    /* monotonic */
} BcReportCache;

/* How often a live daemon's unchanged state file is written anyway: at
 * most every 3 s and every apply interval + 1 s, well within what status
 * takes for a dead daemon's (3 apply intervals + 5 s) even when a pass
 * runs late. */
#define BC_REPORT_HEARTBEAT_MS 3000
gint64 bc_report_heartbeat_ms (gint64 apply_interval_ms);
/* A file older than this is a dead daemon's. */
gint64 bc_report_max_age_ms (gint64 apply_interval_ms);

/* Writes r unless it says what the last write said (updated_ms aside) and
 * that write is younger than its heartbeat: a write syncs the file to
 * disk, and most ticks change nothing a reader sees. */
gboolean bc_report_publish (BcReport *r, const char *path, BcReportCache *cache, gint64 now_ms, GError **error);
void bc_report_cache_clear (BcReportCache *cache);
/* Reads the state file of a live daemon; NULL (no error) when there is none,
 * it is stale (older than bc_report_max_age_ms of the daemon's apply
 * interval, or of apply_interval_ms when the file does not say) or its
 * daemon is gone. */
BcReport *bc_report_read_live (const char *path, gint64 now_ms, gint64 apply_interval_ms, GError **error);
/* The same from the file's text. */
BcReport *bc_report_read_live_data (const char *text, gint64 now_ms, gint64 apply_interval_ms, GError **error);
