/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One daemon per state file: `run` holds an flock(2) on STATE.lock for
 * its whole life, so a second `run` (or `run --once`) on the same host
 * refuses to start instead of setting memory beside the first, and only
 * the holder ever removes the state file. */
#pragma once

#include <glib.h>

typedef struct {
  int fd;                /* -1: not held */
  char *path;
} BcLock;

#define BC_LOCK_INIT { -1, NULL }

/* Takes the lock beside state_path (creating its directory), writes our
 * pid into it.  Fails, naming the holder's pid, when another process
 * holds it; fails, writing nothing, when STATE.lock is a symbolic link,
 * not a regular file, or a file that is not a lock file
 * (bc_lock_text_ours). */
gboolean bc_lock_take (BcLock *lock, const char *state_path, GError **error);
/* Whether text (len bytes) is what a lock file holds: nothing (a crash
 * between creating and writing it), or a pid of at most 10 digits and an
 * optional newline.  Pure. */
gboolean bc_lock_text_ours (const char *text, gsize len);
gboolean bc_lock_held (const BcLock *lock);
/* Lets it go (the file stays: removing it would race with a new taker). */
void bc_lock_release (BcLock *lock);
