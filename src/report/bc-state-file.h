/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state file on disk (`--state-file PATH`): what `run` may find at
 * PATH before it writes, how it writes, and what it removes at exit.
 *
 * PATH is taken only if nothing is there, or a regular file that is a
 * balloonctl state file (bc_state_file_text_ours): a symbolic link, a
 * device, a FIFO, a directory, or a file of someone else's (a mistyped
 * path naming the configuration) is refused before anything is written.
 * Every write goes to a new file beside PATH, renamed over it (a reader
 * sees the old text or the new, never half), and only over what was
 * there at start or what the last write put there; at exit PATH is
 * removed only if it is still the file this process wrote (its device
 * and inode). */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct {
  char *path;            /* NULL: none claimed */
  gboolean found;        /* a state file was there at start */
  dev_t found_dev;
  ino_t found_ino;
  gboolean wrote;        /* the file of the last write */
  dev_t dev;
  ino_t ino;
} BcStateFile;

#define BC_STATE_FILE_INIT { NULL, FALSE, 0, 0, FALSE, 0, 0 }

/* Whether text (len bytes) is a balloonctl state file: empty (a file cut
 * short by a crash), or a JSON object with the members every state file
 * has carried: "pid" and "updated_ms" (integers) and "domains" (an
 * array).  Pure. */
gboolean bc_state_file_text_ours (const char *text, gsize len);
/* Checks what is at path (nothing written); FALSE with a message naming
 * the path and what it is when it may not be taken. */
gboolean bc_state_file_claim (BcStateFile *sf, const char *path, GError **error);
/* Replaces the file at the claimed path with text (its directory created
 * if missing); refuses, writing nothing, when what is there now is
 * neither the file found at start nor the last one written. */
gboolean bc_state_file_write (BcStateFile *sf, const char *text, GError **error);
/* Removes the claimed path if it is the file this process last wrote. */
void bc_state_file_remove (BcStateFile *sf);
void bc_state_file_clear (BcStateFile *sf);
