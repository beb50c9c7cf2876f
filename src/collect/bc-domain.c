/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-domain.h"

BcDomain *
bc_domain_new (virDomainPtr vdom, const char *uuid, const char *name)
{
  BcDomain *d = g_atomic_rc_box_new0 (BcDomain);

  g_strlcpy (d->uuid, uuid, sizeof d->uuid);
  d->name = g_strdup (name);
  d->vdom = vdom;
  virDomainRef (vdom);
  d->setup.limits.enabled = TRUE;
  return d;
}

BcDomain *
bc_domain_ref (BcDomain *d)
{
  return g_atomic_rc_box_acquire (d);
}

static void
domain_clear (BcDomain *d)
{
  g_free (d->name);
  g_free (d->setup.skip_reason);
  g_free (d->figures.agent_error);
  g_free (d->applied.change_reason);
  g_free (d->applied.job);
  virDomainFree (d->vdom);
}

void
bc_domain_unref (BcDomain *d)
{
  g_atomic_rc_box_release_full (d, (GDestroyNotify) domain_clear);
}

gpointer
bc_domain_job_new (gsize size, BcDomain *dom, GDestroyNotify clear)
{
  BcDomainJob *job;

  g_assert (size >= sizeof *job);
  job = g_malloc0 (size);
  job->dom = bc_domain_ref (dom);
  virDomainRef (dom->vdom);
  job->vdom = dom->vdom;
  job->clear = clear;
  return job;
}

void
bc_domain_job_free (gpointer data)
{
  BcDomainJob *job = data;

  if (job->clear)
    job->clear (job);
  g_clear_error (&job->error);
  bc_domain_unref (job->dom);
  virDomainFree (job->vdom);
  g_free (job);
}

void
bc_domain_set_vdom (BcDomain *d, virDomainPtr vdom, virConnectPtr conn)
{
  if (d->vdom != NULL && d->vdom_conn == conn)
    return;
  d->vdom_conn = conn;
  virDomainRef (vdom);
  virDomainFree (d->vdom);
  d->vdom = vdom;
}

gboolean
bc_domain_managed (const BcDomain *d)
{
  return d->setup.done && d->setup.skip_reason == NULL;
}

void
bc_domain_set_skip (BcDomain *d, const char *why)
{
  if (g_strcmp0 (d->setup.skip_reason, why) == 0)
    return;
  g_free (d->setup.skip_reason);
  d->setup.skip_reason = g_strdup (why);
}

void
bc_domain_pass_input (const BcDomain *d, BcPassInput *in)
{
  in->managed = bc_domain_managed (d);
  in->running = d->figures.libvirt_state == VIR_DOMAIN_RUNNING;
  in->have_balloon = d->figures.have_balloon;
  in->balloon = d->figures.balloon;
  in->balloon.autodeflate = d->setup.autodeflate;
  in->balloon_updated_ms = d->figures.balloon_updated_ms;
  in->guest = d->figures.guest;
  in->agent_seen = d->figures.agent_seen;
  in->agent_failures = d->figures.agent_failures;
  in->limits = d->setup.limits;
  in->plugged = d->vmem.driven;
  in->carry = d->carry;
}

void
bc_domain_take_output (BcDomain *d, const BcPassOutput *out, const BcRoomDomain *room)
{
  d->room = *room;
  d->carry = out->carry;
  d->decided = out->decided;
  d->frozen = out->frozen;
  if (!out->decided)
    return;
  d->decision = out->decision;
  d->granted_kib = out->granted_kib;
  d->weight = out->weight;
  d->share_kib = out->share_kib;
}
