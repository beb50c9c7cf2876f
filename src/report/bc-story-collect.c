/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-status"

#include "bc-story-collect.h"
#include "bc-error.h"
#include "bc-quote.h"

#include <string.h>

static const BcBulkRecord *
record_at (GPtrArray *records, guint i)
{
  return g_ptr_array_index (records, i);
}

const BcBulkRecord *
bc_story_find (GPtrArray *records, const char *domain, GError **error)
{
  const BcBulkRecord *by_name = NULL, *by_uuid = NULL;
  g_autofree char *shown = NULL, *other = NULL;

  for (guint i = 0; i < records->len; i++)
    {
      if (by_name == NULL && g_strcmp0 (record_at (records, i)->name, domain) == 0)
        by_name = record_at (records, i);
      if (by_uuid == NULL && g_ascii_strcasecmp (record_at (records, i)->uuid, domain) == 0)
        by_uuid = record_at (records, i);
    }
  if (by_name == NULL || by_uuid == NULL || by_name == by_uuid)
    return by_name ? by_name : by_uuid;
  shown = bc_quote (domain, BC_QUOTE_MAX);
  other = bc_quote (by_uuid->name ? by_uuid->name : "", BC_QUOTE_MAX);
  return bc_set_error (error, BC_ERROR_FAILED,
                       "%s is ambiguous: the name of the domain of UUID %s and the UUID of the domain named %s "
                       "(give that UUID or that name)", shown, by_name->uuid, other), NULL;
}

/* Whether libvirt knows a domain of that name or UUID (not running: the
 * bulk statistics list the running ones). */
static gboolean
defined (virConnectPtr conn, const char *domain)
{
  virDomainPtr dom = virDomainLookupByName (conn, domain);

  if (dom == NULL && strlen (domain) < VIR_UUID_STRING_BUFLEN)
    dom = virDomainLookupByUUIDString (conn, domain);
  if (dom == NULL)
    return FALSE;
  virDomainFree (dom);
  return TRUE;
}

BcStatusRow *
bc_story_collect (virConnectPtr conn, const char *domain, gboolean use_agent, gint64 agent_timeout_ms,
                  GError **error)
{
  g_autoptr (GPtrArray) records = bc_collect_bulk (conn, error);
  g_autofree char *shown = NULL;
  g_autoptr (GError) local = NULL;
  const BcBulkRecord *rec;

  if (records == NULL)
    return NULL;
  rec = bc_story_find (records, domain, &local);
  if (rec != NULL)
    return bc_status_row_from_record (rec, use_agent, agent_timeout_ms);
  if (local != NULL)
    return g_propagate_error (error, g_steal_pointer (&local)), NULL;
  shown = bc_quote (domain, BC_QUOTE_MAX);
  if (defined (conn, domain))
    return bc_set_error (error, BC_ERROR_FAILED, "domain %s is not running: balloonctl sizes running domains only",
                         shown), NULL;
  return bc_set_error (error, BC_ERROR_FAILED, "no domain %s (a name or a UUID of a running domain)", shown), NULL;
}
