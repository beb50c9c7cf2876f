/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One error domain for the whole program.  A libvirt error becomes a GError
 * in bc-error-libvirt.h (collect). */
#pragma once

#include <glib.h>

#define BC_ERROR (bc_error_quark ())

typedef enum {
  BC_ERROR_FAILED,   /* a runtime failure: exit 1 */
  BC_ERROR_USAGE,    /* bad command line: exit 2 */
  BC_ERROR_CONFIG,   /* bad configuration: exit 2 */
  BC_ERROR_GUEST,    /* a guest reported something we do not believe */
  BC_ERROR_METADATA, /* bad balloonctl metadata in a domain */
  BC_ERROR_LIBVIRT,  /* a libvirt call failed */
  BC_ERROR_NOT_RUNNING, /* the domain stopped before a call on it */
  BC_ERROR_BUSY,     /* a job (migration, save, dump...) runs on the domain */
  BC_ERROR_RECORD,   /* a recording that cannot be replayed: exit 2 */
} BcError;

GQuark bc_error_quark (void);

/* Always returns FALSE, so callers can "return bc_set_error (...)". */
gboolean bc_set_error (GError **error, BcError code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
