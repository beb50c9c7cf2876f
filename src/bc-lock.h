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
 * holds it. */
gboolean bc_lock_take (BcLock *lock, const char *state_path, GError **error);
gboolean bc_lock_held (const BcLock *lock);
/* Lets it go (the file stays: removing it would race with a new taker). */
void bc_lock_release (BcLock *lock);
