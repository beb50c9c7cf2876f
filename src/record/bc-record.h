/* SPDX-License-Identifier: GPL-2.0-or-later */
/* record: one control pass as one line of JSON (JSON Lines), and back.
 * Everything the pure pass (bc-pass.c) reads is in it, so that
 * `balloonctl replay` can run the pass again exactly: the configuration,
 * the host's figures and what the budget carried, the time, and each
 * domain's whole BcPassInput; and what the pass made of it.  Pure: structs
 * in, text out, and back.
 *
 * Format 1 (balloonctl 0.1 before the host's figures were recorded) is
 * read too: it has the budget the pass ran with but not the figures it was
 * made of (have_host FALSE).
 *
 * A domain's "memory_device" ("balloon" or "virtio-mem") and, for
 * virtio-mem, "virtio_mem" (the device: fixed_kib, size_kib, block_kib,
 * requested_kib, plugged_kib) came later within format 2: a line without
 * them is a balloon's.
 *
 * The line is strict: every member present, none unknown, none twice, each of its type
 * and within what the daemon can produce (figures at most 2^50 KiB, guest
 * counters 2^62, times 2^53 ms), so that a line read back is one the pass
 * handles like a real one. */
#pragma once

#include "bc-pass.h"
#include "bc-vmem.h"

/* Bumped when a line's members change meaning; the oldest still read. */
#define BC_RECORD_FORMAT 2
#define BC_RECORD_FORMAT_OLDEST 1
/* The longest line written or read (about 1.5 KiB a domain). */
#define BC_RECORD_LINE_MAX (4 * 1024 * 1024)
/* Objects and arrays nested deeper are refused before they are parsed. */
#define BC_RECORD_DEPTH_MAX 16

#define BC_RECORD_KIB_MAX (G_GUINT64_CONSTANT (1) << 50)
#define BC_RECORD_COUNTER_MAX (G_GUINT64_CONSTANT (1) << 62)
#define BC_RECORD_MS_MAX (G_GINT64_CONSTANT (1) << 53)

typedef struct {
  char uuid[37];           /* libvirt's form, 36 characters */
  char *name;
  gint64 run;              /* libvirt's id of the domain's run */
  BcPassInput in;
  BcPassOutput out;        /* its decision and margin are not recorded;
                              in.plugged: sized by its virtio-mem device,
                              not its balloon ("memory_device"; a
                              recording made before it was recorded: the
                              balloon) */
  BcVmemDevice vmem;       /* in.plugged: the device as the pass saw it
                              ("virtio_mem"; bc_vmem_device_valid) */
} BcRecordDomain;

typedef struct {
  guint64 pass;            /* 1 for a daemon's first pass, then 2, 3... */
  BcConfig cfg;
  gboolean have_host;      /* host's figures and carry (format 2 on) */
  BcPassHost host;         /* host_kib always; the rest if have_host */
  guint64 budget_kib;      /* the budget the pass ran with */
  gint64 now_ms;           /* monotonic */
  gboolean dry_run;
  gsize n;
  BcRecordDomain *domains;
} BcRecordPass;

/* One line of JSON, without its newline: format 2, or without have_host
 * format 1. */
char *bc_record_to_json (const BcRecordPass *pass);
/* Parses text (len bytes, one line without its newline) into *out, which
 * is cleared first; on error, out holds nothing to free. */
gboolean bc_record_from_json (const char *text, gsize len, BcRecordPass *out, GError **error);
/* Frees what bc_record_from_json allocated. */
void bc_record_pass_clear (BcRecordPass *pass);

/* Whether a and b are the same configuration, key by key. */
gboolean bc_record_config_equal (const BcConfig *a, const BcConfig *b);
/* Whether two outputs record the same decision: decided, frozen, granted,
 * budget held, action, old and new sizes, reason. */
gboolean bc_record_output_equal (const BcPassOutput *a, const BcPassOutput *b);
