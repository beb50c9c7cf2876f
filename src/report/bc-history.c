/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-report"

#include "bc-history.h"

static void
history_free (BcReportHistory *h)
{
  bc_report_history_clear (h);
  g_free (h);
}

GHashTable *
bc_history_store_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) history_free);
}

void
bc_history_note (GHashTable *store, BcReportDomain *d)
{
  BcReportHistory *h = g_hash_table_lookup (store, d->uuid);

  if (h == NULL && d->change_at_ms == 0)
    return;
  if (h == NULL)
    {
      h = g_new0 (BcReportHistory, 1);
      g_hash_table_insert (store, g_strdup (d->uuid), h);
    }
  bc_report_history_push (h, d->change_at_ms, d->change_old_kib, d->change_new_kib, d->change_reason);
  bc_report_history_clear (&d->detail.history);
  bc_report_history_copy (&d->detail.history, h);
}

void
bc_history_prune (GHashTable *store, const BcReport *r)
{
  g_autoptr (GHashTable) listed = NULL;
  GHashTableIter iter;
  gpointer uuid;

  if (g_hash_table_size (store) == 0)
    return;
  listed = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < r->domains->len; i++)
    g_hash_table_add (listed, ((BcReportDomain *) g_ptr_array_index (r->domains, i))->uuid);
  g_hash_table_iter_init (&iter, store);
  while (g_hash_table_iter_next (&iter, &uuid, NULL))
    if (!g_hash_table_contains (listed, uuid))
      g_hash_table_iter_remove (&iter);
}
