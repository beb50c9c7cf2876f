/* SPDX-License-Identifier: GPL-2.0-or-later */
/* record: the file.  The daemon appends one line a pass (`run --record`);
 * `balloonctl replay` reads them back, one at a time, each line bounded. */
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
BcRecorder *bc_recorder_open (const char *path, GError **error);

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
 * a line already begun is taken back.  recorder NULL: nothing. */
void bc_recorder_write (BcRecorder *recorder, const BcPassParams *p, guint64 host_kib, GPtrArray *doms,
                        const BcPassInput *in, const BcPassOutput *out);
void bc_recorder_free (BcRecorder *recorder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcRecorder, bc_recorder_free)

/* ---- replay's side ---------------------------------------------------- */

typedef struct _BcRecordReader BcRecordReader;

BcRecordReader *bc_record_reader_open (const char *path, GError **error);
typedef enum {
  BC_RECORD_READ_PASS,     /* *out holds the next pass */
  BC_RECORD_READ_DAMAGED,  /* a line that is not a pass (cut short, not
                              JSON, a member wrong): error names the file,
                              the line and why; the next call reads on */
  BC_RECORD_READ_END,      /* no line left */
  BC_RECORD_READ_FAILED,   /* the file cannot be read on: error */
} BcRecordRead;

/* The next pass into *out (cleared by bc_record_pass_clear when PASS).
 * Blank lines are passed over without a word. */
BcRecordRead bc_record_reader_next (BcRecordReader *reader, BcRecordPass *out, GError **error);
void bc_record_reader_free (BcRecordReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcRecordReader, bc_record_reader_free)
