/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bc-error-libvirt.h"

#include <libvirt/virterror.h>

gboolean
bc_set_error_from_libvirt (GError **error, const char *what)
{
  virErrorPtr err = virGetLastError ();

  return bc_set_error (error, BC_ERROR_LIBVIRT, "%s: %s", what,
                       err && err->message ? err->message : "unknown libvirt error");
}
