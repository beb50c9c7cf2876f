/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz-common.h"

/* A warning or critical (G_DEBUG=fatal-warnings, as in the tests) is a
 * crash the fuzzer reports. */
int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  return 0;
}
