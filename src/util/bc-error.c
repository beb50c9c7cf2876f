/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bc-error.h"

G_DEFINE_QUARK (balloonctl-error-quark, bc_error)

gboolean
bc_set_error (GError **error, BcError code, const char *fmt, ...)
{
  va_list ap;

  if (error == NULL)
    return FALSE;
  va_start (ap, fmt);
  *error = g_error_new_valist (BC_ERROR, code, fmt, ap);
  va_end (ap);
  return FALSE;
}
