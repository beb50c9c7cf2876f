/* SPDX-License-Identifier: GPL-2.0-or-later */
/* record: `balloonctl replay` reads a recording back, one line at a time,
 * each line bounded; a damaged line is said and passed over. */
#pragma once

#include "bc-record.h"

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
