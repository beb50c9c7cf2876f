/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why cold memory and nothing else: memory the guest has not touched
 * lately (its inactive file cache) or does not use at all (free) comes
 * back without a refault; taking more than that is taking the working set,
 * which a guest pays for in reads from its disk.  Why only with refault
 * figures: a guest whose cache is cold by its sizes may still be reading
 * it back, and only its refaults tell. */
#define G_LOG_DOMAIN "balloonctl-room"

#include "bc-room.h"
#include "bc-adaptive.h"
#include "bc-policy.h"

static guint64
sat_add (guint64 a, guint64 b)
{
  return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

/* Whether the guest's own figures show it quiet now (see bc-room.h). */
static gboolean
quiet (const BcRoomFigures *f)
{
  BcMarginState st = { .state = f->state, .grown_kib = f->grown_kib, .refault_rate_kib = f->refault_rate_kib };
  const BcPolicyOps *ops = bc_policy_ops (f->policy);

  if (f->source != BC_SOURCE_AGENT || !f->have_refault)
    return FALSE;
  return ops->quiet && ops->quiet (&st, f->cached_kib);
}

/* What the arbiter takes first, and the free memory adaptive's probe
 * counts cold. */
static guint64
cold_kib (const BcRoomFigures *f)
{
  return sat_add (bc_adaptive_cold_cache_kib (f->inactive_file_kib), bc_adaptive_spare_free_kib (f->free_kib));
}

BcRoomDomain
bc_room_domain (const BcRoomFigures *f)
{
  BcRoomDomain r = { 0 };

  if (!f->decided)
    return r;
  r.floor_kib = f->floor_kib;
  if (quiet (f) && f->held_kib > f->floor_kib)
    r.reclaimable_kib = MIN (cold_kib (f), f->held_kib - f->floor_kib);
  return r;
}

void
bc_room_host_add (BcRoomHost *h, guint64 held_kib, guint64 reclaimable_kib)
{
  h->held_kib = sat_add (h->held_kib, held_kib);
  h->reclaimable_kib = sat_add (h->reclaimable_kib, reclaimable_kib);
}

guint64
bc_room_guests (const BcRoomHost *h)
{
  guint64 could_hold = sat_add (h->budget_kib, h->reclaimable_kib);

  if (h->guest_size_kib == 0 || could_hold <= h->held_kib)
    return 0;
  return (could_hold - h->held_kib) / h->guest_size_kib;
}

/* The pass's view of one domain, as bc_room_domain reads it. */
static BcRoomFigures
figures_of (const BcPassParams *p, const BcPassInput *in, const BcPassOutput *out)
{
  BcRoomFigures f = { 0 };

  f.held_kib = in->have_balloon ? bc_pass_held_kib (in, p->now_ms) : 0;
  f.decided = out->decided;
  if (!out->decided)
    return f;
  f.source = out->decision.source;
  f.policy = p->cfg->policy;
  f.have_refault = out->carry.margin.have_prev && out->carry.margin.prev.have_refault;
  f.state = out->carry.margin.state;
  f.grown_kib = out->carry.margin.grown_kib;
  f.refault_rate_kib = out->carry.margin.refault_rate_kib;
  f.cached_kib = out->decision.cached_kib;
  f.inactive_file_kib = out->decision.inactive_file_kib;
  f.free_kib = f.source == BC_SOURCE_AGENT ? in->guest.meminfo.mem_free_kib : 0;
  f.floor_kib = out->decision.target.floor_kib;
  return f;
}

BcRoomHost
bc_room_plan (const BcPassParams *p, guint64 budget_kib, const BcPassInput *in, const BcPassOutput *out, gsize n,
              BcRoomDomain *rooms)
{
  BcRoomHost h = { .budget_kib = budget_kib, .guest_size_kib = p->cfg->guest_size_kib };

  for (gsize i = 0; i < n; i++)
    {
      BcRoomFigures f = figures_of (p, &in[i], &out[i]);

      rooms[i] = bc_room_domain (&f);
      bc_room_host_add (&h, f.held_kib, rooms[i].reclaimable_kib);
    }
  h.guests = bc_room_guests (&h);
  return h;
}
