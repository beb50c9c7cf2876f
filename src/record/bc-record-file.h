/* SPDX-License-Identifier: GPL-2.0-or-later */
/* record: the file the daemon appends one line a pass to (`run
 * --record`); `balloonctl replay` reads it back (bc-record-reader.h). */
#pragma once

#include "bc-record.h"

#include <sys/types.h>

/* ---- the daemon's side ---------------------------------------------- */

typedef struct _BcRecorder BcRecorder;

/* Opens path for appending: created 0600 if missing; refused if it is a
 * symbolic link (never followed) or not a regular file (a FIFO, a
 * device: never opened); an existing file open to others is narrowed to
 * 0600 if ours, refused if others may write it (bc_record_mode_action).
 * A file whose last line is cut short (no newline at its end: a crash, a
 * full disk) gets a newline first: the next pass is a line of its own. */
BcRecorder *bc_recorder_open (const char *path, guint64 max_bytes, GError **error);
/* Opens the path again, as bc_recorder_open does, in place of the file
 * open now (rotated away, or stopped): SIGHUP.  FALSE (and recording
 * stopped until the next reopen) when it cannot be opened. */
gboolean bc_recorder_reopen (BcRecorder *recorder, GError **error);

typedef enum {
  BC_RECORD_MODE_KEEP,    /* 0600 or narrower, or only readable by others
                             and not ours */
  BC_RECORD_MODE_NARROW,  /* ours, open to others: fchmod 0600 */
  BC_RECORD_MODE_REFUSE,  /* not ours, group- or world-writable */
} BcRecordModeAction;

/* What an existing recording of this mode and owner gets when the
 * process runs as euid.  Pure. */
BcRecordModeAction bc_record_mode_action (mode_t mode, uid_t owner, uid_t euid);
/* Appends the pass (doms: of BcDomain, in the order of in and out).  A
 * write that fails is said once and ends the recording, never the daemon;
 * a line already begun is taken back.  So does a pass that would take the
 * file past max_bytes (0: no cap), or a line past BC_RECORD_LINE_MAX
 * (about 3000 domains).  recorder NULL: nothing. */
void bc_recorder_write (BcRecorder *recorder, const BcPassParams *p, const BcPassBudget *budget, GPtrArray *doms,
                        const BcPassInput *in, const BcPassOutput *out);
void bc_recorder_free (BcRecorder *recorder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcRecorder, bc_recorder_free)
