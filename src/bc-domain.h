/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's record of one running domain: its figures, its controller
 * state, and what it last did.  Touched only on the main thread; worker jobs
 * hold a reference and hand their results back to the main context. */
#pragma once

#include "bc-collect.h"
#include "bc-decide.h"

typedef struct {
  char uuid[VIR_UUID_STRING_BUFLEN];
  char *name;
  virDomainPtr dom;
  gboolean removed;          /* gone; late job results are dropped */

  /* setup: XML facts and metadata policy */
  gboolean setup_done;
  gboolean setup_inflight;
  gboolean setup_again;      /* metadata changed while setup ran */
  gint64 setup_retry_ms;     /* setup failed: try again at (0 = no) */
  BcDomainBalloon balloon_dev;
  BcDomainPolicy policy;
  char *skip_reason;         /* not managed: why (NULL = managed) */

  /* collect */
  int state;
  BcBalloonFigures balloon;
  gboolean have_balloon;
  BcGuestFigures guest;
  gboolean agent_inflight;
  guint agent_failures;
  gint64 agent_retry_ms;     /* no agent read before this (back-off) */
  char *agent_error;

  /* decide */
  BcMarginState margin;
  BcDecision decision;
  gboolean have_decision;
  guint64 granted_kib;
  gboolean budget_held;      /* the arbiter granted less than the target
                                (set once the pass's change is explained) */

  /* apply */
  gboolean apply_inflight;
  guint64 requested_kib;     /* last target set; the balloon takes a while */
  gint64 requested_at_ms;    /* monotonic */
  gint64 change_at_ms;       /* wall clock */
  guint64 change_old_kib;
  guint64 change_new_kib;
  char *change_reason;
} BcDomain;

BcDomain *bc_domain_new (virDomainPtr dom, const char *uuid, const char *name);
BcDomain *bc_domain_ref (BcDomain *d);
void bc_domain_unref (BcDomain *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcDomain, bc_domain_unref)

gboolean bc_domain_managed (const BcDomain *d);
/* What the domain holds for the controller's purposes: the target set in
 * the last settle_ms (the balloon moves towards it), else balloon.current. */
guint64 bc_domain_current_kib (const BcDomain *d, gint64 now_ms, gint64 settle_ms);
/* What the domain may hold now, for the host budget: the larger of its
 * balloon size and a target set in the last settle_ms. */
guint64 bc_domain_held_kib (const BcDomain *d, gint64 now_ms, gint64 settle_ms);
void bc_domain_set_skip (BcDomain *d, const char *why);
