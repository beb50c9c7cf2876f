/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-domain.h"

#include <string.h>

BcDomain *
bc_domain_new (virDomainPtr dom, const char *uuid, const char *name)
{
  BcDomain *d = g_atomic_rc_box_new0 (BcDomain);

  g_strlcpy (d->uuid, uuid, sizeof d->uuid);
  d->name = g_strdup (name);
  d->dom = dom;
  virDomainRef (dom);
  d->policy.enabled = TRUE;
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
  g_free (d->skip_reason);
  g_free (d->agent_error);
  g_free (d->change_reason);
  virDomainFree (d->dom);
}

void
bc_domain_unref (BcDomain *d)
{
  g_atomic_rc_box_release_full (d, (GDestroyNotify) domain_clear);
}

gboolean
bc_domain_managed (const BcDomain *d)
{
  return d->setup_done && d->skip_reason == NULL;
}

void
bc_domain_set_skip (BcDomain *d, const char *why)
{
  if (g_strcmp0 (d->skip_reason, why) == 0)
    return;
  g_free (d->skip_reason);
  d->skip_reason = g_strdup (why);
}

guint64
bc_domain_current_kib (const BcDomain *d, gint64 now_ms, gint64 settle_ms)
{
  if (d->requested_kib && now_ms - d->requested_at_ms < settle_ms)
    return d->requested_kib;
  return d->balloon.current_kib;
}

guint64
bc_domain_held_kib (const BcDomain *d, gint64 now_ms, gint64 settle_ms)
{
  return MAX (d->balloon.current_kib, bc_domain_current_kib (d, now_ms, settle_ms));
}
