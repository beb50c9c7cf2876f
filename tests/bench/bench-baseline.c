/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The baseline of the daemon benchmark: the least any per-domain memory
 * controller must do on a libvirt host.  It connects to URI and, every
 * INTERVAL_MS for DURATION_S, reads the balloon and state figures of every
 * running domain with balloonctl's own collect step (one bulk call; on
 * drivers without bulk balloon figures, the same per-domain fallback), then
 * frees them.  No decision, no setMemory, no state file.
 *
 * Usage: bench-baseline URI INTERVAL_MS DURATION_S
 * Prints "ticks N domains M" on stdout; the caller measures CPU time and
 * peak RSS (wait4). */
#include "bc-collect.h"
#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  virConnectPtr conn;
  gint64 interval_us, end_us, next_us;
  guint ticks = 0;
  int ndoms = 0;

  if (argc != 4)
    {
      fprintf (stderr, "usage: bench-baseline URI INTERVAL_MS DURATION_S\n");
      return 2;
    }
  interval_us = g_ascii_strtoll (argv[2], NULL, 10) * 1000;
  end_us = g_get_monotonic_time () + g_ascii_strtoll (argv[3], NULL, 10) * G_USEC_PER_SEC;
  if (interval_us <= 0 || end_us <= g_get_monotonic_time ())
    {
      fprintf (stderr, "bench-baseline: bad interval or duration\n");
      return 2;
    }
  conn = virConnectOpen (argv[1]);
  if (conn == NULL)
    return 1;
  next_us = g_get_monotonic_time ();
  while (g_get_monotonic_time () < end_us)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) recs = bc_collect_bulk (conn, &error);

      if (recs == NULL)
        {
          fprintf (stderr, "bench-baseline: %s\n", error->message);
          virConnectClose (conn);
          return 1;
        }
      ndoms = (int) recs->len;
      ticks++;
      next_us += interval_us;
      if (next_us > g_get_monotonic_time ())
        g_usleep ((gulong) (next_us - g_get_monotonic_time ()));
    }
  printf ("ticks %u domains %d\n", ticks, ndoms);
  virConnectClose (conn);
  return 0;
}
