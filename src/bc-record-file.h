/* SPDX-License-Identifier: GPL-2.0-or-later */
/* record: the file.  The daemon appends one line a pass (`run --record`);
 * `balloonctl replay` reads them back, one at a time, each line bounded. */
#pragma once

#include "bc-record.h"

/* ---- the daemon's side ---------------------------------------------- */

typedef struct _BcRecorder BcRecorder;

/* Opens path for appending (created 0600 if missing). */
BcRecorder *bc_recorder_open (const char *path, GError **error);
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
/* The next pass into *out (cleared by bc_record_pass_clear).  FALSE at the
 * end (error unset) or on a bad line (error names the file and line). */
gboolean bc_record_reader_next (BcRecordReader *reader, BcRecordPass *out, GError **error);
void bc_record_reader_free (BcRecordReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcRecordReader, bc_record_reader_free)
