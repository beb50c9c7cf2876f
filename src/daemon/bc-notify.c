/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-notify.h"
#include "bc-term.h"

#include <systemd/sd-daemon.h>

void
bc_notify_pass (BcNotify *n, const char *status)
{
  if (g_strcmp0 (n->status, status) != 0)
    {
      /* escaped: a domain's name in it must not end the line (and add an
       * assignment of its own) nor reach `systemctl status` raw */
      g_autofree char *shown = bc_term_escape (status);

      g_free (n->status);
      n->status = g_strdup (status);
      sd_notifyf (0, "STATUS=%s", shown);
    }
  if (!n->ready)
    {
      n->ready = TRUE;
      sd_notify (0, "READY=1");
    }
  sd_notify (0, "WATCHDOG=1");
}

void
bc_notify_reloading (void)
{
  sd_notify (0, "RELOADING=1");
}

void
bc_notify_reloaded (void)
{
  sd_notify (0, "READY=1");
}

void
bc_notify_stopping (void)
{
  sd_notify (0, "STOPPING=1");
}

gint64
bc_notify_watchdog_ms (void)
{
  uint64_t usec = 0;

  return sd_watchdog_enabled (0, &usec) > 0 ? (gint64) (usec / 1000) : 0;
}

void
bc_notify_clear (BcNotify *n)
{
  g_clear_pointer (&n->status, g_free);
}
