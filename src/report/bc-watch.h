/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch: `balloonctl status --watch`: the table again every interval, in
 * place on a terminal as top shows its own, until SIGINT or SIGTERM.  Each
 * read runs on a worker thread (libvirt and the guest agents may take
 * seconds), so the loop hears a signal or a resize at once; it quits when
 * the read in flight has ended. */
#pragma once

#include "bc-status.h"

/* One read of status, on the worker thread, one at a time. */
typedef BcStatusSnapshot *(*BcWatchRead) (gpointer data, GError **error);

typedef struct {
  gint64 interval_ms;   /* from the end of one read to the start of the next */
  BcWatchRead read;
  gpointer read_data;
  int fd;               /* where the frames go */
} BcWatchOptions;

/* TRUE once SIGINT or SIGTERM stopped it; FALSE when a frame could not be
 * written (a closed pipe, a full disk). */
gboolean bc_watch_run (const BcWatchOptions *opts, GError **error);

typedef struct {
  gint64 now_ms;        /* wall clock, for the title */
  gint64 interval_ms;
  gsize columns;        /* the frame's width */
  gsize lines;          /* its height, 0 = as tall as it takes */
  gboolean tty;
} BcWatchFrame;

/* One frame: a title line (time, interval, columns hidden, the daemon),
 * a line of the state file's warning or the read's error if any, the
 * host's room (bc_status_format_host) if the daemon says it, then the
 * table, at most f->columns wide and, with f->lines, at most f->lines - 1
 * lines tall (the rows that do not fit counted on the last line).  On a
 * terminal the frame overwrites the last one (cursor home, each line
 * cleared to its end, the rest of the screen cleared); otherwise its
 * title starts with "--- ", a separator. */
void bc_watch_format_frame (const BcStatusSnapshot *snap, const GError *read_error, const BcWatchFrame *f, GString *out);
