/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain's balloonctl <metadata> element, which whoever may edit the
 * domain controls. */
#include "fuzz-common.h"
#include "bc-metadata.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = fuzz_text (data, size);
  g_autoptr (GError) error = NULL;
  BcDomainLimits p;
  gboolean ok = bc_metadata_parse (xml, &p, &error);

  FUZZ_CHECK_RESULT (ok, error);
  if (!ok)
    return 0;
  g_assert_true (p.min_kib % 1024 == 0 && p.max_kib % 1024 == 0);
  g_assert_true (p.min_kib == 0 || p.max_kib == 0 || p.min_kib <= p.max_kib);
  return 0;
}
