/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: the daemon's figures in Prometheus's text exposition format
 * (version 0.0.4), for the /metrics endpoint (bc-metrics-server.c), and
 * what the endpoint answers a request from its head alone.  Pure: a
 * snapshot in, text out; a request's head in, a status out. */
#pragma once

#include "bc-report.h"
#include "bc-listen.h"
#include "bc-room.h"

#include <gio/gio.h>

typedef struct _BcDomain BcDomain;

/* What the daemon counts from its start (never reset, not even by a
 * reload), and the room its last pass left. */
typedef struct {
  guint64 passes;          /* control passes run */
  gint64 last_pass_s;      /* wall clock (unix seconds) of the last, 0 = none */
  guint64 collect_failures;/* bulk statistics reads that failed (no pass) */
  guint64 applies;         /* setMemory calls that succeeded */
  guint64 apply_failures;  /* that failed (a domain that stopped meanwhile
                              is neither) */
  guint64 agent_failures;  /* guest agent reads that failed: timeouts,
                              errors, replies not believed */
  gint64 tick_late_ms;     /* how late the last tick came after the one
                              before it plus the apply interval */
  gint64 tick_late_max_ms; /* the most since start */
  guint64 ticks_late;      /* ticks more than BC_TICK_LATE_MS late */
  gint64 pass_ms;          /* how long the last pass took, from its tick
                              (its reads) to its end */
  BcRoomHost room;         /* the host's room after the last pass
                              (bc-room.h); guest_size_kib 0 before it */
} BcCounters;

#define BC_TICK_LATE_MS 250

/* Counts a tick at now_ms that was due at due_ms (0: the first). */
void bc_counters_tick (BcCounters *c, gint64 due_ms, gint64 now_ms);

/* One domain: the record the state file publishes (bc_explain_report),
 * and the figures status shows beside it. */
typedef struct {
  BcReportDomain *report;
  gboolean have_balloon;
  guint64 current_kib;     /* libvirt's balloon size */
  guint64 max_kib;
  gboolean have_committed; /* Committed_AS: the last pass used the agent */
  guint64 committed_kib;
  gboolean have_cached;    /* the agent's Cached, or the balloon's caches */
  guint64 cached_kib;
  gint64 agent_age_ms;     /* of the guest agent's figures; -1 = none */
  gboolean have_wanted;    /* managed, and the last pass decided it */
  guint64 wanted_kib;      /* its target before the host budget */
  gboolean held_stale;     /* managed, held at its size on stale figures */
  gboolean settings_error; /* not managed: its settings could not be read */
  gboolean have_refaults;  /* the guest agent's vmstat has refaults */
  guint64 refaults;        /* the guest's workingset_refault_file (pages) */
  gboolean have_vmem;      /* sized by its virtio-mem device
                              (report->virtio_mem), read at least once */
  guint64 vmem_requested_kib; /* the device's requested size */
  guint64 vmem_plugged_kib;   /* what the guest has plugged of it */
} BcMetricsDomain;

typedef struct {
  BcCounters counters;
  gboolean connected;      /* to libvirt, now */
  guint64 reconnects;      /* connections to libvirt made again */
  guint64 budget_kib;      /* the host budget in force */
  gint64 apply_interval_ms;/* the daemon's; 0 = not said */
  GPtrArray *domains;      /* of BcMetricsDomain */
} BcMetricsSnapshot;

/* ---- the endpoint's answers (pure: the HTTP side is bc-metrics-http.c) -- */

/* The longest request head (request line and headers) taken. */
#define BC_METRICS_HEAD_MAX 8192

/* A request's head as far as it has come, judged before libsoup parses
 * it: Debian 12's libsoup 3.2 loses the memory of a request-target whose
 * body encoding it does not recognise (a Transfer-Encoding it does not
 * know, a Content-Length that is not a number), and keeps every method
 * it parses for good (interned). */
typedef struct {
  gboolean complete;    /* its end is in, as libsoup finds it (or it is
                           too long) */
  guint status;         /* 0: hand it to libsoup; else the refusal: 431
                           too long, 400 a NUL or a folded line, 501 a
                           method HTTP does not define, 413 a
                           Transfer-Encoding or a Content-Length that is
                           not one plain number */
  gboolean head;        /* a HEAD request (its refusal has no text) */
} BcMetricsHead;

/* buf: len bytes from the connection's start (max + 1 read at most). */
void bc_metrics_screen_head (const char *buf, gsize len, gsize max, BcMetricsHead *out);

/* A request whose headers are in, before any of its body is read. */
typedef struct {
  const char *method;   /* as sent: "GET", "POST"... */
  const char *path;     /* decoded; "*" for a request-target of "*" */
  guint status;         /* what the HTTP parser already answers (a bad
                           request), 0 = nothing */
  gboolean has_body;    /* a Content-Length other than 0 (a negative or
                           overflowing one included), or chunked */
} BcMetricsRequest;

/* 0: serve it (GET or HEAD of /metrics, no body); else the status of the
 * refusal, sent at once: the body, if any, is never read. */
guint bc_metrics_verdict (const BcMetricsRequest *r);

/* Appends a whole refusal to out: status line, headers (Connection:
 * close; date, if not NULL, as the Date header), and a line of text
 * unless the request was a HEAD. */
void bc_metrics_refusal (GString *out, guint status, gboolean head, const char *date);

BcMetricsSnapshot *bc_metrics_snapshot_new (void);
void bc_metrics_snapshot_free (BcMetricsSnapshot *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcMetricsSnapshot, bc_metrics_snapshot_free)
/* Adds a domain from the daemon's record; now_ms monotonic. */
void bc_metrics_add_domain (BcMetricsSnapshot *s, const BcDomain *dom, gint64 now_ms);

/* Appends the exposition text of s to out. */
void bc_metrics_render (GString *out, const BcMetricsSnapshot *s);
