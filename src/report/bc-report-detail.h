/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: what the state file says of one domain beyond the status table,
 * for `balloonctl status DOMAIN`: what its target was built on (Committed_AS,
 * the margin's reason, its limits and where they come from, what the host
 * budget did), how fresh its figures are, and its last few changes.
 *
 * Every member is new with this detail: a state file from an older daemon
 * has none, and reads as "not known" (no history).  What a state file says
 * here is checked as the rest of it is: a figure out of range, a history
 * longer than BC_REPORT_HISTORY_MAX, a change that is not an object, a
 * time before BC_REPORT_MIN_TIME_MS or a reason longer than
 * BC_REPORT_REASON_MAX is refused with an error, as is a history out of
 * order, with a change twice or that disagrees with the last change
 * (bc_report_history_check). */
#pragma once

#include <json-glib/json-glib.h>

/* How many changes the state file keeps per domain, latest first. */
#define BC_REPORT_HISTORY_MAX 5
/* The longest reason kept (bytes; a longer one is cut at a character). */
#define BC_REPORT_REASON_MAX 1024
/* The earliest time a change may have (2020-01-01 UTC): before balloonctl
 * was written; at_ms 1 is not a change a daemon made. */
#define BC_REPORT_MIN_TIME_MS G_GINT64_CONSTANT (1577836800000)

typedef struct {
  gint64 at_ms;           /* wall clock */
  guint64 old_kib;
  guint64 new_kib;
  char *reason;
} BcReportChange;

typedef struct {
  guint n;
  BcReportChange items[BC_REPORT_HISTORY_MAX]; /* [0] the latest */
} BcReportHistory;

/* Where a limit comes from. */
typedef enum {
  BC_REPORT_FROM_UNKNOWN,
  BC_REPORT_FROM_CONFIG,     /* the configuration's [domain] */
  BC_REPORT_FROM_METADATA,   /* the domain's own balloonctl metadata */
} BcReportFrom;

/* What made its floor (bc_target_compute, the pass's hold). */
typedef enum {
  BC_REPORT_FLOOR_UNKNOWN,
  BC_REPORT_FLOOR_MIN,       /* its min */
  BC_REPORT_FLOOR_USED,      /* what the guest uses plus the guard, at
                                most what it holds */
  BC_REPORT_FLOOR_TOOK_BACK, /* the size its guest took back from the
                                balloon, kept for a while */
  BC_REPORT_FLOOR_MAX,       /* its ceiling, below its min */
} BcReportFloor;

typedef struct {
  gboolean decided;        /* the members down to floor_from are known */
  guint64 committed_kib;   /* Committed_AS, or used memory without an agent */
  guint64 want_kib;        /* its target before the host budget */
  gboolean budget_held;    /* the budget granted less than want_kib */
  BcReportFloor floor_from;
  char *margin_reason;     /* the margin controller's last word, or NULL */
  gboolean limits_known;
  guint64 min_kib;
  BcReportFrom min_from;
  guint64 max_kib;         /* 0 = none but the domain's maximum */
  BcReportFrom max_from;
  BcReportFrom weight_from;
  gboolean figures_known;  /* the members down to held are known */
  gint64 agent_at_ms;      /* wall clock of the agent's last figures, 0 = none */
  gint64 agent_max_age_ms; /* older ones are not acted on; 0 = not known */
  gint64 balloon_at_ms;    /* of the balloon statistics (QEMU's), 0 = not said */
  gint64 balloon_max_age_ms;
  gboolean held;           /* held at its size: its figures are too old */
  BcReportHistory history;
} BcReportDetail;

const char *bc_report_from_to_string (BcReportFrom from);
const char *bc_report_floor_to_string (BcReportFloor floor);

void bc_report_history_clear (BcReportHistory *h);
void bc_report_history_copy (BcReportHistory *to, const BcReportHistory *from);
/* Puts a change first, the oldest falling off past BC_REPORT_HISTORY_MAX;
 * nothing when at_ms is 0 or the latest is already that change (the same
 * at_ms, old_kib and new_kib).  The
 * reason is cut to BC_REPORT_REASON_MAX bytes (at a character). */
void bc_report_history_push (BcReportHistory *h, gint64 at_ms, guint64 old_kib, guint64 new_kib, const char *reason);

void bc_report_detail_clear (BcReportDetail *d);
void bc_report_detail_copy (BcReportDetail *to, const BcReportDetail *from);
/* Whether a and b say the same, what moves with every read of the guest
 * aside (the figures, their times, the want, the margin's words): the
 * heartbeat carries those. */
gboolean bc_report_detail_equal (const BcReportDetail *a, const BcReportDetail *b);

/* The members, in the domain's object (bc_report_add_controller). */
void bc_report_detail_add (JsonBuilder *b, const BcReportDetail *d);
/* What bc_report_detail_add wrote; missing members read as not known. */
gboolean bc_report_detail_parse (JsonObject *o, BcReportDetail *d, GError **error);
/* Whether the history is as a daemon writes it, given the last change
 * of the same domain (at_ms 0: none): latest first, no change twice in a
 * row (the same at_ms, old_kib and new_kib), its first the last change
 * (its reason as bc_report_history_push cuts it).  Else FALSE and an
 * error. */
gboolean bc_report_history_check (const BcReportHistory *h, const BcReportChange *last, GError **error);
/* FALSE with an error when a time is after latest_ms. */
gboolean bc_report_detail_check_times (const BcReportDetail *d, gint64 latest_ms, GError **error);
