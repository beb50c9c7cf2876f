/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one place where a libvirt error becomes a GError (bc-error.h). */
#pragma once

#include "bc-error.h"

/* Turns the last libvirt error of this thread into a GError prefixed by what. */
gboolean bc_set_error_from_libvirt (GError **error, const char *what);
