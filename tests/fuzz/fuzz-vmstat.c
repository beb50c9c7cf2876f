/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A guest's /proc/vmstat, as the agent hands it over (not NUL-terminated). */
#include "fuzz-common.h"
#include "bc-meminfo.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  BcVmstat vs;
  gboolean ok = bc_vmstat_parse ((const char *) data, size, &vs, &error);

  FUZZ_CHECK_RESULT (ok, error);
  if (!ok)
    return 0;
  g_assert_cmpuint (vs.pgpgin_kib, <=, BC_GUEST_COUNTER_MAX);
  g_assert_cmpuint (vs.refault_file, <=, BC_GUEST_COUNTER_MAX);
  g_assert_true (vs.have_refault || vs.refault_file == 0);
  return 0;
}
