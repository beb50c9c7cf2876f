/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why refaults: a refault is a file page the guest read again after its
 * kernel evicted it, so the KiB refaulted over a tick are memory the guest
 * would not have had to read from its disk with that much more memory (the
 * kernel's own measure, used by Meta's Senpai and Google's far-memory
 * controller).  Cache sizes cannot tell that: a full cache is flat both
 * when it holds the working set and when it thrashes.  Probing down is how
 * the working set is found: memory nobody reads again leaves without a
 * refault.  A tick of a second makes the growth proportional: a guest
 * short of D MiB of a working set it reads at R MiB/s refaults about
 * R x D / W MiB a second, so growing by what refaulted closes the gap in a
 * few ticks without overshooting it. */
#define G_LOG_DOMAIN "balloonctl-adaptive"

#include "bc-adaptive.h"
#include "bc-paper.h"

/* step-mib, down-step-mib and threshold-mib are per second here: a tick
 * moves by rate x its length, so the law is the same at any interval. */
static gint64
per_tick (gint64 per_second_kib, gint64 since_ms)
{
  return per_second_kib * CLAMP (since_ms, 1, 60000) / 1000;
}

static gint64
tolerance (guint64 cached_kib, gint64 since_ms)
{
  gint64 per_s = MAX ((gint64) (cached_kib * BC_ADAPTIVE_TOLERANCE_PPM / 1000000), 64);

  return per_tick (per_s, since_ms);
}

/* What the guest holds and does not use: its inactive file cache (no
 * refault came from it this tick) and free memory beyond a little the
 * kernel keeps for itself.  Adaptive ticks only on the agent's figures
 * (refaults come with them), so both are known. */
static gint64
cold_kib (const BcMarginSample *s)
{
  gint64 inactive = (gint64) MIN (s->inactive_file_kib, (guint64) G_MAXINT32);

  return inactive + (gint64) MIN (bc_adaptive_spare_free_kib (s->free_kib), (guint64) G_MAXINT32);
}

guint64
bc_adaptive_spare_free_kib (guint64 free_kib)
{
  return free_kib > BC_ADAPTIVE_FREE_KEEP_KIB ? free_kib - BC_ADAPTIVE_FREE_KEEP_KIB : 0;
}

guint64
bc_adaptive_cold_cache_kib (guint64 inactive_file_kib)
{
  return inactive_file_kib / 4 * 3;
}

/* Refaults far above the tolerance grow the margin by more than what
 * refaulted (Senpai loosens by up to the whole gap when pressure is 20
 * times its target): a guest reading a large new working set slowly
 * refaults only a little of it a second, but lacks much. */
static gint64
boosted (gint64 refaults_kib, gint64 tolerance_kib)
{
  gint64 factor = refaults_kib / MAX (tolerance_kib * BC_ADAPTIVE_BOOST_DIV, 1);

  return refaults_kib * CLAMP (factor, 1, BC_ADAPTIVE_BOOST_MAX);
}

static void
set_margin (BcMargin *st, const BcMarginParams *p, gint64 margin_kib, BcState state)
{
  st->margin_kib = CLAMP (margin_kib, p->min_kib, p->max_kib);
  st->state = state;
}

static gboolean
near_edge (const BcMargin *st, gint64 now_ms)
{
  return st->edge_at_ms > 0 && now_ms - st->edge_at_ms < BC_ADAPTIVE_EDGE_MEMORY_MS &&
         st->margin_kib > st->edge_kib - BC_ADAPTIVE_EDGE_ZONE_KIB &&
         st->margin_kib - st->edge_kib <= BC_ADAPTIVE_EDGE_ZONE_KIB;
}

/* A growth that starts where the last one started (a probe found the same
 * edge again) doubles the hold, up to HOLD_MAX_MS: a guest whose working
 * set has not moved is probed less and less often.  Elsewhere, or long
 * after, the hold starts again at HOLD_MS. */
static void
start_growth (BcMargin *st, gint64 now_ms)
{
  gboolean again = near_edge (st, now_ms);

  st->hold_ms = again ? MIN (MAX (st->hold_ms, BC_ADAPTIVE_HOLD_MS) * 2, BC_ADAPTIVE_HOLD_MAX_MS)
                      : BC_ADAPTIVE_HOLD_MS;
  st->edge_kib = st->margin_kib;
  st->edge_at_ms = now_ms;
}

/* Only refaults say where the working set's edge is: they alone start an
 * edge (and its headroom: the refaults seen are a tick old, and the next
 * probe starts above it) and the hold it doubles.  New cache and first
 * reads hold HOLD_MS (extending, never shortening, a hold already
 * running), so a periodic job's reads cannot keep a guest from its probe
 * for good.  They come before refaults (a page refaults only when read
 * twice): growth on them that leaves a probe away from the last edge
 * starts the hold over at HOLD_MS, so the refaults that follow hold that
 * long, not the old edge's backed-off hold.  The edge stays where it was:
 * refaults met on a climb say where the climb hit a full cache, not where
 * a working set ends, and a crawl through there when the working set
 * shrinks again would only slow giving memory back. */
static void
grow (BcMargin *st, const BcMarginParams *p, gint64 demand_kib, gboolean refaulted, gint64 now_ms, gint64 since_ms)
{
  gint64 by = MIN (demand_kib, per_tick (p->step_kib, since_ms));

  if (!refaulted && st->state == BC_STATE_DOWN && !near_edge (st, now_ms))
    st->hold_ms = BC_ADAPTIVE_HOLD_MS;
  if (refaulted && (st->state == BC_STATE_DOWN || st->edge_at_ms == 0))
    {
      start_growth (st, now_ms);
      by = MAX (by, MIN (BC_ADAPTIVE_HEADROOM_KIB, p->step_kib));
    }
  if (refaulted)
    st->hold_until_ms = now_ms + MAX (st->hold_ms, BC_ADAPTIVE_HOLD_MS);
  else
    st->hold_until_ms = MAX (st->hold_until_ms, now_ms + BC_ADAPTIVE_HOLD_MS);
  by = MAX (MIN (by, p->max_kib - MIN (st->margin_kib, p->max_kib)), 0);
  set_margin (st, p, st->margin_kib + by, BC_STATE_UP);
  st->grown_kib = by;
}

/* The reason names what grew the guest: its refaults (and, where more,
 * its new cache or first reads beside them), else the larger of its new
 * cache and its first reads. */
static void
say_growth (BcMargin *st, gint64 refaults, gint64 new_cache, gint64 first, gboolean refaulted)
{
  const char *other = first > new_cache ? "first reads" : "new cache";
  gint64 other_kib = MAX (first, new_cache);
  char beside[48] = "";

  if (!refaulted)
    {
      g_snprintf (st->reason, sizeof st->reason, "UP: %s %" G_GINT64_FORMAT " MiB, margin +%" G_GINT64_FORMAT " MiB",
                  other, other_kib / 1024, st->grown_kib / 1024);
      return;
    }
  if (other_kib > refaults)
    g_snprintf (beside, sizeof beside, " (%s %" G_GINT64_FORMAT " MiB)", other, other_kib / 1024);
  g_snprintf (st->reason, sizeof st->reason, "UP: refaults %" G_GINT64_FORMAT " MiB%s, margin +%" G_GINT64_FORMAT " MiB",
              refaults / 1024, beside, st->grown_kib / 1024);
}

/* What first reads grew and a probe, the budget or refault growth has
 * since given or made up for is no longer owed. */
static void
pay_back (BcMargin *st, gint64 kib)
{
  st->read_owed_kib = MAX (MIN (st->read_owed_kib, BC_ADAPTIVE_FIRST_READ_KIB) - MAX (kib, 0), 0);
}

/* The probe's rate (KiB/s): a quarter of the guest's cold memory a
 * second, between the least rate (PROBE_MIN, or 0.5 % of the cache: a
 * gentle pressure that makes the kernel age its active list, so that stale
 * pages turn inactive) and down_step_kib / 2; near the last edge the least
 * rate, at most EDGE_ZONE_KIB / 4, so a step stays well inside the edge
 * zone, the next growth starts within it and the hold doubles. */
static gint64
probe_rate (const BcMarginParams *p, const BcMarginSample *s, gboolean edge)
{
  gint64 top = MAX (p->down_step_kib / 2, BC_ADAPTIVE_PROBE_MIN_KIB);
  gint64 floor_rate = MIN (MAX (BC_ADAPTIVE_PROBE_MIN_KIB, (gint64) MIN (s->cached_kib / 200, (guint64) G_MAXINT32)), top);

  return edge ? MIN (floor_rate, BC_ADAPTIVE_EDGE_ZONE_KIB / 4) : CLAMP (cold_kib (s) / 4, floor_rate, top);
}

static void
probe_down (BcMargin *st, const BcMarginParams *p, const BcMarginSample *s, gint64 now_ms, gint64 since_ms)
{
  gboolean edge = near_edge (st, now_ms);
  gint64 by = per_tick (probe_rate (p, s, edge), since_ms);
  gint64 before = st->margin_kib;

  set_margin (st, p, st->margin_kib - by, BC_STATE_DOWN);
  /* at its min the margin can give nothing more back: nothing is owed */
  pay_back (st, st->margin_kib <= p->min_kib ? BC_ADAPTIVE_FIRST_READ_KIB : before - st->margin_kib);
  g_snprintf (st->reason, sizeof st->reason, "DOWN: no refaults, margin -%" G_GINT64_FORMAT " KiB%s", by,
              edge ? " (near where refaults began)" : "");
}

/* Reads that neither refaulted nor grew the cache replaced cached pages:
 * a working set read for the first time into a guest with no room left
 * (no page refaults before it is read twice, so refaults show seconds
 * later); a guest with more free memory beyond what its kernel keeps than
 * it read had room (its reads went elsewhere: O_DIRECT, Buffers).  Free
 * memory is not taken off what it read: a full guest's MemFree holds pages
 * its page cache cannot use (the low zones' reserves), 10 MiB or more on
 * a small guest.  They may as well be a stream
 * read once, or a reader's bursts, so what they may grow is a credit of
 * FIRST_READ_KIB, spent by the growth they make (spend_first_reads) and
 * whole again only FIRST_READ_REFILL_MS after the last tick that showed
 * first reads, once what they grew has been given back or refaults have
 * shown it needed: a guest idle that long that starts reading a new
 * working set gets it; a stream, or bursts, get it once. */
static gint64
first_reads (BcMargin *st, const BcMarginParams *p, const BcMarginDelta *d, const BcMarginSample *now,
             gint64 refaults, gint64 now_ms, gint64 since_ms)
{
  gint64 reads = d->have_read ? MIN (d->read, BC_ADAPTIVE_REFAULTS_MAX_KIB) : 0;
  gint64 spare = (gint64) MIN (bc_adaptive_spare_free_kib (now->free_kib), (guint64) G_MAXINT32 * 1024);
  gint64 first = spare >= reads ? 0 : reads - refaults - MAX (d->cached, 0);
  gboolean whole = st->first_read_at_ms == 0 ||
                   (now_ms - st->first_read_at_ms >= BC_ADAPTIVE_FIRST_READ_REFILL_MS && st->read_owed_kib <= 0);

  if (first <= per_tick (p->threshold_kib, since_ms))
    return 0;
  st->read_credit_kib = whole ? BC_ADAPTIVE_FIRST_READ_KIB : CLAMP (st->read_credit_kib, 0, BC_ADAPTIVE_FIRST_READ_KIB);
  st->first_read_at_ms = now_ms;
  return MIN (first, st->read_credit_kib);
}

/* Refaults show the guest short of memory: growth they make pays back
 * what first reads grew (a one-tick blip pays little, so a reader's
 * bursts cannot clear the debt with it).  Growth first reads made
 * (they asked the most) spends the credit and is owed back. */
static void
spend_first_reads (BcMargin *st, gint64 first, gint64 other, gboolean refaulted)
{
  if (refaulted)
    pay_back (st, st->grown_kib);
  else if (first > other)
    {
      st->read_credit_kib = MAX (st->read_credit_kib - st->grown_kib, 0);
      st->read_owed_kib = MIN (MAX (st->read_owed_kib, 0) + st->grown_kib, BC_ADAPTIVE_FIRST_READ_KIB);
    }
}

void
bc_adaptive_tick (BcMargin *st, const BcMarginParams *p, const BcMarginDelta *d,
                  const BcMarginSample *now, gint64 now_ms, gint64 since_ms)
{
  /* a guest's counters may jump by anything: a tick's refaults are capped
   * far above any real guest's, so every product below stays in range */
  gint64 refaults = d->have_turnover ? MIN (d->turnover, BC_ADAPTIVE_REFAULTS_MAX_KIB) : 0;
  /* The cache grows into what the last growth gave, whatever reads it
   * once (a backup streaming through): only growth beyond that, and beyond
   * the threshold (a full cache moves by a MiB either way), is new demand. */
  gint64 beyond = d->cached - st->grown_kib;
  gint64 new_cache = beyond > per_tick (p->threshold_kib, since_ms) ? beyond : 0;

  gint64 tol = tolerance (now->cached_kib, since_ms);
  gint64 first = first_reads (st, p, d, now, refaults, now_ms, since_ms);
  gint64 other = MAX (boosted (refaults, tol), new_cache);

  st->grown_kib = 0;
  st->refault_rate_kib = refaults * 1000 / CLAMP (since_ms, 1, 60000);
  if (refaults > tol || new_cache > 0 || first > 0)
    {
      grow (st, p, MAX (other, first), refaults > tol, now_ms, since_ms);
      say_growth (st, refaults, new_cache, first, refaults > tol);
      spend_first_reads (st, first, other, refaults > tol);
    }
  else if (now_ms < st->hold_until_ms)
    {
      st->state = BC_STATE_UP;
      g_strlcpy (st->reason, "UP: holding after growth", sizeof st->reason);
    }
  else
    probe_down (st, p, now, now_ms, since_ms);
}

void
bc_adaptive_unwind (BcMargin *st, const BcMarginParams *p, guint64 granted_kib, guint64 committed_kib)
{
  gint64 room = granted_kib > committed_kib ? (gint64) MIN (granted_kib - committed_kib, (guint64) G_MAXINT64) : 0;

  if (st->margin_kib > room)
    {
      gint64 cut = st->margin_kib - MAX (room, p->min_kib);

      st->margin_kib -= MAX (cut, 0);
      pay_back (st, cut);
    }
  /* refaults under the budget's cap say nothing of the working set */
  st->edge_at_ms = 0;
}

void
bc_adaptive_raise (BcMargin *st, const BcMarginParams *p, guint64 floor_kib, guint64 committed_kib)
{
  gint64 room = floor_kib > committed_kib ? (gint64) MIN (floor_kib - committed_kib, (guint64) G_MAXINT32 * 1024) : 0;

  if (st->margin_kib < room)
    st->margin_kib = MIN (room, p->max_kib);
}

gboolean
bc_adaptive_quiet (const BcMargin *st, guint64 cached_kib)
{
  gint64 quiet = tolerance (cached_kib, 1000) * BC_ADAPTIVE_COLD_REFAULTS;

  /* growing (refaults, or a new working set's first reads, which sit on
   * the inactive list) is no idle memory; a guest still reading once its
   * first-read credit is spent, with no refaults, is streaming: what it
   * read once is as cold as any other inactive cache */
  return st->grown_kib <= 0 && (st->state == BC_STATE_DOWN || st->refault_rate_kib <= quiet);
}

guint64
bc_adaptive_cold_kib (const BcMargin *st, guint64 cached_kib, guint64 inactive_file_kib)
{
  if (!bc_adaptive_quiet (st, cached_kib))
    return 0;
  return bc_adaptive_cold_cache_kib (inactive_file_kib);
}

void
bc_adaptive_policy_tick (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t)
{
  if (t->delta->have_turnover)
    bc_adaptive_tick (st, p, t->delta, t->now, t->now_ms, t->since_ms);
  else
    bc_paper_tick (st, p, t);
}

gboolean
bc_adaptive_per_sample (const BcMarginSample *s)
{
  return s->have_refault;
}
