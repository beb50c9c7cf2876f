/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bc-log.h"

void
bc_log_event_full (const char *log_domain, GLogLevelFlags level, const char *message_id,
                   const char *name, const char *uuid, const char *fmt, ...)
{
  g_autofree char *message = NULL;
  GLogField fields[5] = {
    { "MESSAGE", NULL, -1 },
    { "MESSAGE_ID", message_id, -1 },
    { "GLIB_DOMAIN", log_domain, -1 },
    { "DOMAIN", name, -1 },
    { "DOMAIN_UUID", uuid, -1 },
  };
  gsize n = 3;
  va_list ap;

  va_start (ap, fmt);
  message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fields[0].value = message;
  if (name)
    n++;
  if (name && uuid)
    n++;
  g_log_structured_array (level, fields, n);
}
