/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside bc-record: the tables a line's members are written from and read
 * into (bc-record.c), shared with the reader (bc-record-read.c). */
#pragma once

#include "bc-record.h"
#include "bc-config-file.h"

#define BC_RECORD_NAME_MAX_LEN 4096   /* a domain's name */
#define BC_RECORD_REASON_MAX_LEN 4096 /* a change's reason */

typedef enum { F_BOOL, F_U64, F_I64, F_UINT, F_ENUM, F_TEXT, F_STRING, F_OBJECT,
               F_GONE /* a member no longer written: a recording made
                         before has it (a KiB figure), read and dropped */ } FieldKind;

typedef struct Field {
  const char *name;
  FieldKind kind;
  gsize offset;
  gint64 lo, hi;           /* F_I64 */
  guint64 max;             /* F_U64, F_UINT; F_TEXT: the array's size */
  const void *more;        /* F_OBJECT: its table; F_ENUM: its names */
  gboolean later;          /* F_U64 or F_I64 added later: a recording made
                              before lacks it, and it reads as 0 */
} Field;

extern const Field bc_record_domain_fields[];
extern const Field bc_record_pass_fields[];
/* a domain's "virtio_mem" (BcVmemDevice) */
extern const Field bc_record_vmem_fields[];
/* "memory_device" */
#define BC_RECORD_BALLOON "balloon"
#define BC_RECORD_VIRTIO_MEM "virtio-mem"
/* format 2 on: the member "host" */
extern const Field bc_record_host_fields[];

/* The configuration's keys a recording holds (bc_config_keys), one a
 * call: *i from 0; NULL after the last. */
const BcConfigKey *bc_record_config_key (gsize *i);
/* A recorded key's value as a whole number (a boolean 0 or 1), of the
 * width its type has in BcConfig; set it to 0 (FALSE). */
gint64 bc_record_config_value (const BcConfig *cfg, const BcConfigKey *k);
void bc_record_config_zero (BcConfig *cfg, const BcConfigKey *k);
