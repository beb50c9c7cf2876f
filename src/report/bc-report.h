/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: what the running daemon publishes for `balloonctl status`: a JSON
 * state file under the runtime directory, rewritten when what it says
 * changes, at most once a second, and as a heartbeat. */
#pragma once

#include "bc-domain-limits.h"
#include "bc-report-detail.h"
#include "bc-state-file.h"

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
  BcWeight weight;      /* its part of the host budget, 0 = not known */
  guint64 share_kib;    /* its weighted share while the domains want more
                           than the budget holds; 0 = no contention */
  gboolean deflate_on_oom; /* its balloon has deflate-on-oom */
  gboolean virtio_mem;  /* sized by its virtio-mem device, not its
                           balloon ("memory_device" in JSON) */
  guint64 reclaimable_kib; /* what could be taken from it now without a
                              refault (bc-room.h); 0 = nothing */
  guint64 floor_kib;    /* what it keeps: its target's floor; 0 = not known */
  BcReportDetail detail; /* for `status DOMAIN` (bc-report-detail.h) */
} BcReportDomain;

/* The room the host has left (bc-room.h), as the last pass counted it. */
typedef struct {
  gboolean known;       /* FALSE: a daemon that did not say */
  guint64 held_kib;     /* what every domain holds */
  guint64 reclaimable_kib; /* what could be taken from them now */
  guint64 guest_size_kib;
  guint64 guests;       /* room for this many more of guest_size_kib */
} BcReportHost;

typedef struct {
  gint64 pid;
  char *uri;
  char *policy;
  gint64 updated_ms;    /* wall clock */
  gint64 apply_interval_ms; /* the daemon's: how stale its file may get */
  gint64 budget_kib;    /* the host budget in force; 0 = not known */
  BcReportHost host;
  GPtrArray *domains;   /* of BcReportDomain */
} BcReport;

void bc_report_domain_free (BcReportDomain *d);
BcReportDomain *bc_report_domain_copy (const BcReportDomain *d);
/* Whether a and b say the same, the room aside (reclaimable_kib and
 * floor_kib move with every read of the guest; the heartbeat carries
 * them, as it carries the budget). */
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
/* The member "host": the room (budget_kib, held_kib, reclaimable_kib,
 * guest_size_kib, room_guests), or null when r is NULL or did not say:
 * the one serialisation, in the state file and in `status --json`. */
void bc_report_add_host (JsonBuilder *b, const BcReport *r);
char *bc_report_to_json (const BcReport *r);
/* NULL with an error when text is not a JSON object or a figure is out of
 * range (see BC_REPORT_MAX_KIB); members of the wrong type read as unknown
 * (0, NULL). */
BcReport *bc_report_from_json (const char *text, GError **error);

/* Default path: state.json in the runtime directory systemd made for the
 * service ($RUNTIME_DIRECTORY, when the daemon runs as its own user), else
 * /run/balloonctl/state.json for root and for anyone who can read the one
 * there (status by an administrator in the libvirt group), else under
 * $XDG_RUNTIME_DIR. */
char *bc_report_default_path (void);
/* Claims path (bc_state_file_claim: nothing there, or a state file) and
 * writes r there. */
gboolean bc_report_write (const BcReport *r, const char *path, GError **error);
/* Writes r to the claimed state file. */
gboolean bc_report_write_file (const BcReport *r, BcStateFile *file, GError **error);

/* What was last written, so an unchanged state is not written again, and
 * what waits to be written: at most one write a second (the passes may
 * run every 100 ms; a reader needs no more), each with the latest state. */
typedef struct {
  BcReport *last;       /* the last state written */
  gint64 written_ms;    /* monotonic */
  BcReport *pending;    /* the latest state, not written yet, or NULL */
  gboolean tried;       /* a write was tried (tried_ms is set) */
  gint64 tried_ms;      /* monotonic: the last write tried */
  GHashTable *history;  /* uuid -> BcReportHistory: each domain's last
                           changes (bc-history.h), NULL until the first */
} BcReportCache;

/* How often a live daemon's unchanged state file is written anyway: at
 * most every 3 s and every apply interval + 1 s, well within what status
 * takes for a dead daemon's (3 apply intervals + 5 s) even when a pass
 * runs late. */
#define BC_REPORT_HEARTBEAT_MS 3000
gint64 bc_report_heartbeat_ms (gint64 apply_interval_ms);
/* A file older than this is a dead daemon's. */
gint64 bc_report_max_age_ms (gint64 apply_interval_ms);
/* The least time between two writes of the state file tried: a change
 * waits (bc_report_pending_ms) until the next write is due. */
#define BC_REPORT_MIN_WRITE_GAP_MS 1000
/* Whether a write may be made at now_ms: no write tried yet (last_ms < 0),
 * or interval_ms or more since the last one (a clock gone back: at once).
 * Pure. */
gboolean bc_report_write_due (gint64 last_ms, gint64 now_ms, gint64 interval_ms);

/* A copy of r, its domains' records and details too. */
BcReport *bc_report_copy (const BcReport *r);
/* Takes r: keeps it as cache->pending, the state to write next (in place
 * of one that waited), unless it says what the last write said (updated_ms
 * aside) and that write is younger than its heartbeat (a write syncs the
 * file to disk, and most ticks change nothing a reader sees): then it is
 * dropped, and what waited with it.  No I/O. */
void bc_report_offer (BcReport *r, BcReportCache *cache, gint64 now_ms);
/* Milliseconds until the pending write is due (0: now), or -1 when none
 * waits. */
gint64 bc_report_pending_ms (const BcReportCache *cache, gint64 now_ms);
/* Writes the pending state now, if one waits (TRUE when none does). */
gboolean bc_report_flush (BcStateFile *file, BcReportCache *cache, gint64 now_ms, GError **error);
void bc_report_cache_clear (BcReportCache *cache);
/* What a state file may say: bc_report_from_json refuses a file with a
 * figure beyond these (a negative time, pid or size, a size above
 * BC_REPORT_MAX_KIB, an apply interval above the configuration's bound),
 * and bc_report_check_times one with a time more than BC_REPORT_SKEW_MS
 * ahead of the reader's clock. */
#define BC_REPORT_MAX_KIB (G_GINT64_CONSTANT (1) << 40) /* 1 PiB */
#define BC_REPORT_MAX_INTERVAL_MS 3600000
#define BC_REPORT_MAX_AGE_MS (G_GINT64_CONSTANT (86400) * 1000)
#define BC_REPORT_SKEW_MS 60000
#define BC_REPORT_MAX_FILE_SIZE (64 * 1024 * 1024)
/* An integer member within [min, max] (a member of the wrong type reads
 * as 0, unknown), or an error naming it; a KiB figure within
 * [0, BC_REPORT_MAX_KIB]. */
gboolean bc_report_member_in (JsonObject *o, const char *key, gint64 min, gint64 max, gint64 *out, GError **error);
gboolean bc_report_member_kib (JsonObject *o, const char *key, guint64 *out, GError **error);
gboolean bc_report_check_times (const BcReport *r, gint64 now_ms, GError **error);
/* Whether what r says of the domain uuid fits its maximum memory (libvirt's,
 * max_kib; 0 = not known): a daemon never sizes a domain, nor floors it,
 * above it (its own limits' max_kib may be below a target that the shrink
 * rate keeps higher: not a bound).  A domain r does not list fits. */
gboolean bc_report_check_max (const BcReport *r, const char *uuid, guint64 max_kib, GError **error);
/* Whether r is a live daemon's: written (updated_ms) at most
 * BC_REPORT_SKEW_MS ahead of now_ms and at most bc_report_max_age_ms of
 * its apply interval (or of apply_interval_ms when the file does not say)
 * ago, by a process that still runs.  A far-future time cannot make a
 * file live. */
gboolean bc_report_is_live (const BcReport *r, gint64 now_ms, gint64 apply_interval_ms);
/* Reads the state file of a live daemon; NULL (no error) when there is none,
 * it is stale or its daemon is gone (bc_report_is_live); NULL with an error
 * when it cannot be read, is larger than BC_REPORT_MAX_FILE_SIZE or says
 * what no daemon writes (bc_report_from_json, bc_report_check_times). */
BcReport *bc_report_read_live (const char *path, gint64 now_ms, gint64 apply_interval_ms, GError **error);
/* The same from the file's text. */
BcReport *bc_report_read_live_data (const char *text, gint64 now_ms, gint64 apply_interval_ms, GError **error);
