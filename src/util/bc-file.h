/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a whole local file that someone else may have put there (the
 * configuration, the state file, the host's /proc and cgroup files): only
 * a regular file, bounded in size, and never waiting on a FIFO.  Each
 * caller words the refusal its own way. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef enum {
  BC_FILE_READ,         /* the text is returned */
  BC_FILE_OPEN_FAILED,  /* err: open's errno (ENOENT: there is none) */
  BC_FILE_STAT_FAILED,  /* err: fstat's errno */
  BC_FILE_NOT_REGULAR,  /* mode: what it is */
  BC_FILE_TOO_LARGE,    /* by its size, or by what reading it gave */
  BC_FILE_READ_FAILED,  /* err: read's errno */
} BcFileStatus;

typedef struct {
  BcFileStatus status;
  int err;
  mode_t mode;
  dev_t dev;            /* of the file opened (from BC_FILE_NOT_REGULAR on) */
  ino_t ino;
  gsize len;            /* of the text read */
} BcFileResult;

/* path's text, NUL-terminated, if it is a regular file of at most max
 * bytes (its size is checked, and what reading gives too: a file may grow,
 * or say 0 as /proc's do); NULL otherwise, with why in *res. */
char *bc_file_read (const char *path, gsize max, BcFileResult *res);
/* path opened for reading (blocking cleared) only if it is a regular file,
 * looked at before it is opened (a device is never opened, a FIFO never
 * waited on); -1 with res saying why.  flags: 0 or O_NOFOLLOW. */
int bc_file_open_regular (const char *path, int flags, BcFileResult *res);
/* The same, refusing a symbolic link at path (open fails: ELOOP). */
char *bc_file_read_nofollow (const char *path, gsize max, BcFileResult *res);
/* What a file of this mode is, for a message: "a FIFO", "a directory"... */
const char *bc_file_kind (mode_t mode);
