/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A guest's /proc/meminfo, as the agent hands it over (not NUL-terminated). */
#include "fuzz-common.h"
#include "bc-meminfo.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  BcMeminfo mi;
  gboolean ok = bc_meminfo_parse ((const char *) data, size, &mi, &error);

  FUZZ_CHECK_RESULT (ok, error);
  if (!ok)
    return 0;
  /* what the controller relies on */
  g_assert_cmpuint (mi.mem_total_kib, >, 0);
  g_assert_cmpuint (mi.mem_total_kib, <=, BC_GUEST_KIB_MAX);
  g_assert_cmpuint (mi.mem_available_kib, <=, mi.mem_total_kib);
  g_assert_cmpuint (mi.mem_free_kib, <=, mi.mem_total_kib);
  g_assert_cmpuint (mi.cached_kib, <=, mi.mem_total_kib);
  g_assert_cmpuint (mi.active_file_kib, <=, mi.mem_total_kib);
  g_assert_cmpuint (mi.inactive_file_kib, <=, mi.mem_total_kib);
  g_assert_cmpuint (mi.committed_as_kib, <=, BC_GUEST_KIB_MAX);
  g_assert_cmpuint (bc_meminfo_used_kib (&mi), <=, mi.mem_total_kib);
  return 0;
}
