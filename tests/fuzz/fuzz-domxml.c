/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain's live XML, for its balloon device. */
#include "fuzz-common.h"
#include "bc-domxml.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = fuzz_text (data, size);
  g_autoptr (GError) error = NULL;
  BcDomainBalloon b;
  gboolean ok = bc_domxml_parse_balloon (xml, &b, &error);

  FUZZ_CHECK_RESULT (ok, error);
  if (ok)
    g_assert_cmpint (b.stats_period_s, >=, 0);
  return 0;
}
