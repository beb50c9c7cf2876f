/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's record, shared by the loop (bc-daemon.c) and the collect
 * step's daemon side (bc-gather.c).  Main thread only. */
#pragma once

#include "bc-budget.h"
#include "bc-daemon.h"
#include "bc-domain.h"
#include "bc-host.h"
#include "bc-jobs.h"
#include "bc-lock.h"
#include "bc-metrics.h"
#include "bc-notify.h"
#include "bc-record-file.h"
#include "bc-report.h"

typedef struct _BcMetricsServer BcMetricsServer;

typedef enum {
  BC_PHASE_RUN,          /* a pass every apply interval */
  BC_PHASE_ONCE_SETUP,   /* --once: listing the domains, setting them up */
  BC_PHASE_ONCE_FIGURES, /* --once: reading the one pass's figures */
  BC_PHASE_STOPPING,     /* no new work; ends when the jobs have, or at
                            the grace */
} BcPhase;

struct _BcDaemon {
  virConnectPtr conn;
  BcConfig cfg;
  BcDaemonOptions opts;      /* its strings are the copies below */
  char *config_path;
  char *state_path;
  char *uri;                 /* of the connection, for status */
  BcStateFile state_file;    /* claimed at start (bc-state-file.h) */
  BcLock lock;               /* one daemon per state file */
  BcReportCache published;   /* the state file as last written */
  gboolean publish_failing;  /* the last write failed (said once) */
  guint publish_id;          /* the pending state file write's timer */
  gboolean floors_over_said; /* the floors do not fit (said once) */
  BcNotify notify;           /* what systemd was told */
  char *last_change;         /* the latest change a pass made, for STATUS= */
  BcRecorder *recorder;      /* run --record, or NULL */
  GMainLoop *loop;
  GHashTable *domains;       /* uuid -> BcDomain; added and dropped by
                                bc_gather's reconcile alone */
  BcJobs *jobs;
  BcPhase phase;
  guint tick_id;
  gint64 tick_at_ms;         /* when the last tick ran (0: none yet) */
  guint grace_id;
  guint signal_ids[3];
  guint64 events;            /* starts and stops seen so far */
  guint64 reads;             /* statistics reads reconciled so far */
  gboolean bulk_inflight;
  gboolean bulk_again;       /* a domain started while a read ran */
  gboolean listed;           /* the domains have been listed once */
  gboolean pass_wanted;      /* a tick is waiting for fresh statistics */
  gboolean once_figures_in;  /* --once: the pass's statistics came */
  guint64 host_kib;          /* read at start */
  guint64 fixed_budget_kib;  /* [host] budget-mib, or host_kib - reserve */
  guint64 budget_kib;        /* the budget in force (the last pass's) */
  struct {
    gboolean inflight;
    BcHostFigures figures;   /* the last read */
    gint64 at_ms;            /* when it came (0: none yet) */
    gboolean failing;        /* a read failed (said once) */
    gboolean conn_unsupported; /* the driver has no host statistics */
    BcBudgetCarry carry;     /* the following budget, as the pass left it */
  } host;                    /* [host] follow (bc-gather-host.c) */
  int lifecycle_cb;
  int metadata_cb;
  int reboot_cb;
  gboolean close_cb;
  GMutex close_lock;         /* libvirt may call on_close on any thread */
  GSource *close_source;     /* the main context's side of a close */
  int close_reason;
  GError *fatal;
  /* the connection (bc-reconnect.c) */
  char *connect_uri;         /* what a reconnect opens (NULL: default) */
  gboolean connected;        /* FALSE from a lost connection until a new one */
  gint64 lost_at_ms;
  guint reconnect_id;
  gboolean reconnect_inflight;
  guint reconnect_attempts;  /* since the loss */
  gint64 reconnect_delay_ms; /* the last back-off */
  guint64 reconnects;        /* connections made again, since start */
  gboolean setup_again;      /* connected again: read every domain's
                                settings after the next statistics read */
  BcCounters counters;       /* for /metrics; its room, the room the last
                                pass left, for the state file too */
  BcMetricsServer *metrics;  /* NULL = no [metrics] listen */
};

gint64 bc_daemon_now_ms (void);
/* Ends the run: no new work, the loop ends once the jobs have. */
void bc_daemon_stop (BcDaemon *d);
/* Fresh statistics are in the table (from bc-gather.c). */
void bc_daemon_collected (BcDaemon *d);

/* ---- bc-reconnect.c: the connection ----------------------------- */

/* The connection closed: pass nothing, connect again with a back-off. */
void bc_daemon_connection_lost (BcDaemon *d, int reason);

/* ---- bc-events.c: libvirt's events -------------------------------- */

gboolean bc_events_register (BcDaemon *d, GError **error);
/* After it, no callback runs. */
void bc_events_unregister (BcDaemon *d);

/* ---- bc-gather.c: the collect step's jobs, and the domain table ---- */

/* Reads the domain's XML and metadata (again). */
void bc_gather_setup (BcDaemon *d, BcDomain *dom);
/* Setup retries that are due, and an agent read for every managed domain
 * that has none running. */
void bc_gather_guests (BcDaemon *d, gint64 now_ms);
/* One bulk statistics read, unless one is running; its result adds and
 * drops domains (the only writer of the table) and updates figures. */
void bc_gather_bulk (BcDaemon *d);
/* The domains in a stable order (by name), each with a reference. */
GPtrArray *bc_gather_sorted (BcDaemon *d);

/* ---- bc-gather-host.c: the host's figures and the budget ------------ */

/* With [host] follow, one read of the host's figures, unless one runs. */
void bc_gather_host (BcDaemon *d);
/* The budget for this pass: the fixed one, or the one following the
 * host's last figures (bc_budget_next); in[] is the pass's input. */
void bc_gather_host_take (BcDaemon *d, const BcBudgetCarry *next);

/* ---- bc-metrics-server.c: the [metrics] listen endpoint ------------- */

/* Listens when [metrics] listen is set; a failure is a configuration
 * error. */
gboolean bc_metrics_start (BcDaemon *d, GError **error);
/* After a reload: a changed listen moves the endpoint; if the new
 * address cannot be listened on, the old endpoint serves on (a warning
 * says why). */
void bc_metrics_reload (BcDaemon *d);
void bc_metrics_stop (BcDaemon *d);
