/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-status"

#include "bc-story-collect.h"
#include "bc-error.h"
#include "bc-quote.h"

#include <string.h>

/* The running domain named domain, else the one of that UUID. */
static const BcBulkRecord *
find_record (GPtrArray *records, const char *domain)
{
  for (guint i = 0; i < records->len; i++)
    if (g_strcmp0 (((BcBulkRecord *) g_ptr_array_index (records, i))->name, domain) == 0)
      return g_ptr_array_index (records, i);
  for (guint i = 0; i < records->len; i++)
    if (g_ascii_strcasecmp (((BcBulkRecord *) g_ptr_array_index (records, i))->uuid, domain) == 0)
      return g_ptr_array_index (records, i);
  return NULL;
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
  const BcBulkRecord *rec;

  if (records == NULL)
    return NULL;
  rec = find_record (records, domain);
  if (rec != NULL)
    return bc_status_row_from_record (rec, use_agent, agent_timeout_ms);
  shown = bc_quote (domain, BC_QUOTE_MAX);
  if (defined (conn, domain))
    return bc_set_error (error, BC_ERROR_FAILED, "domain %s is not running: balloonctl sizes running domains only",
                         shown), NULL;
  return bc_set_error (error, BC_ERROR_FAILED, "no domain %s (a name or a UUID of a running domain)", shown), NULL;
}
