/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's record of one running domain, grouped by the step that
 * writes each part.  Touched only on the main thread; worker jobs hold a
 * reference and hand their results back to the main context. */
#pragma once

#include "bc-collect.h"
#include "bc-domain-vmem.h"
#include "bc-pass.h"
#include "bc-room.h"

/* setup: what the domain's XML and metadata say (bc-gather.c) */
typedef struct {
  gboolean done;           /* a setup has completed, good or not */
  gboolean good;           /* one completed without a libvirt error: its
                              settings stand through a later one */
  gboolean inflight;
  gboolean again;          /* metadata changed while setup ran */
  gint64 retry_at_ms;      /* a libvirt error: try again then (0 = no) */
  BcDomainLimits limits;
  gboolean autodeflate;    /* the balloon has deflate-on-oom */
  char *skip_reason;       /* not managed: why (NULL = managed) */
  gboolean skip_error;     /* not managed for an error (invalid metadata,
                              settings not read), not by choice */
} BcDomainSettings;

/* collect: figures, as fresh as the last reads (bc-gather.c) */
typedef struct {
  int libvirt_state;       /* virDomainState from the last statistics */
  gboolean have_balloon;
  BcBalloonFigures balloon;
  gint64 balloon_updated_ms; /* monotonic, from balloon.last_update_s;
                                0 = not known */
  BcGuestFigures guest;
  gboolean agent_seen;     /* has answered since the record (or the
                              connection) began */
  gboolean agent_inflight;
  guint agent_failures;    /* in a row */
  gint64 agent_retry_at_ms;/* no agent read before this (back-off) */
  char *agent_error;
} BcDomainFigures;

/* apply: the last change libvirt made, for status (bc-apply.c) */
typedef struct {
  gint64 change_at_ms;     /* wall clock of the last change, 0 = none */
  guint64 change_old_kib;
  guint64 change_new_kib;
  char *change_reason;
  char *job;               /* a job in the way of the last apply, or NULL */
} BcDomainApplied;

typedef struct _BcDomain {
  char uuid[VIR_UUID_STRING_BUFLEN];
  char *name;
  virDomainPtr vdom;
  virConnectPtr vdom_conn; /* the connection vdom came from (no reference:
                              vdom keeps it); NULL until reconciled */
  guint64 listed_in;       /* the last statistics read that listed it */
  int run_id;              /* libvirt's id of the run this record follows */
  guint64 stopped_at;      /* the event count at its stop event, 0 = none */
  gboolean rebooted;       /* the guest rebooted: the next read starts a
                              new record (its figures, margin and holds
                              were the old boot's) */
  gint64 reboot_at_ms;     /* monotonic: this record was made for a reboot
                              then (0 = not); QEMU may say one reset twice */
  gboolean removed;        /* dropped from the table; late results ignored */

  BcDomainSettings setup;
  BcDomainFigures figures;
  /* decide: what the pass carries from one pass to the next (the daemon
   * keeps it as the pass left it, and confirms its changes as libvirt
   * answers), and what the last pass made of the domain, for status */
  BcCarry carry;
  gboolean decided;
  BcFreeze frozen;
  BcDecision decision;
  guint64 granted_kib;
  BcWeight weight;            /* its weight in the host budget (decided) */
  guint64 share_kib;       /* its weighted share; G_MAXUINT64 when every
                              target fits (decided) */
  BcRoomDomain room;         /* what could be taken from it now (report) */
  BcDomainApplied applied;
  BcDomainVmemState vmem;    /* virtio-mem (bc-gather-vmem.c, bc-apply-vmem.c) */
} BcDomain;

BcDomain *bc_domain_new (virDomainPtr vdom, const char *uuid, const char *name);
BcDomain *bc_domain_ref (BcDomain *d);
void bc_domain_unref (BcDomain *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcDomain, bc_domain_unref)

/* The first member of every job on one domain: a reference to the domain
 * (the job may outlive its place in the table) and the job's error. */
typedef struct {
  BcDomain *dom;
  virDomainPtr vdom;       /* the job's own reference: a reconnect may
                              give the record a new one meanwhile */
  GError *error;
  GDestroyNotify clear;    /* frees the job's own fields; may be NULL */
} BcDomainJob;

/* A zeroed job of size bytes, BcDomainJob first. */
gpointer bc_domain_job_new (gsize size, BcDomain *dom, GDestroyNotify clear);
void bc_domain_job_free (gpointer job);

/* The domain as the current connection knows it (a reconnect makes new
 * ones); jobs keep their own reference. */
/* Keeps vdom, from connection conn, unless the domain already has one from
 * that connection: libvirt formats the UUID on every virDomainRef and
 * virDomainFree, a cost per domain and pass not worth paying for the same
 * domain again. */
void bc_domain_set_vdom (BcDomain *d, virDomainPtr vdom, virConnectPtr conn);
gboolean bc_domain_managed (const BcDomain *d);
void bc_domain_set_skip (BcDomain *d, const char *why);
/* The pass's view of the domain. */
void bc_domain_pass_input (const BcDomain *d, BcPassInput *in);
/* Keeps what the pass decided for the next pass and for status, and the
 * room it leaves (bc_room_plan). */
void bc_domain_take_output (BcDomain *d, const BcPassOutput *out, const BcRoomDomain *room);
