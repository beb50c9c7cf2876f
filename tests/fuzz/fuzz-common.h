/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every libFuzzer target shares.  The input is hostile: a reader may
 * refuse it with an error, never crash, warn or assert. */
#pragma once

#include <glib.h>
#include <stdint.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* LLVMFuzzerInitialize (fuzz-common.c) makes a warning or a critical
 * fatal, as G_DEBUG=fatal-warnings does in the tests. */

/* The input as the C string a reader gets (from a file, libvirt or the
 * agent): a NUL byte ends it there too. */
static inline char *
fuzz_text (const uint8_t *data, size_t size)
{
  return g_strndup ((const char *) data, size);
}

/* Either an answer and no error, or no answer and an error. */
#define FUZZ_CHECK_RESULT(ok, error) \
  g_assert_true ((ok) ? (error) == NULL : (error) != NULL && (error)->message != NULL)
