/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain's live XML, for its balloon device and its virtio-mem device,
 * and the device XML made from it to resize the latter. */
#include "fuzz-common.h"
#include "bc-domxml.h"

static void
fuzz_vmem (const char *xml)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) update_error = NULL;
  g_autofree char *update = NULL;
  BcDomainVmem v;
  gboolean ok = bc_domxml_parse_vmem (xml, &v, &error);

  FUZZ_CHECK_RESULT (ok, error);
  if (!ok || v.n_devices != 1)
    return;
  /* what the reader accepts holds together */
  g_assert_true (bc_vmem_device_valid (&v.dev, NULL));
  g_assert_cmpuint (bc_vmem_requested_for (&v.dev, G_MAXUINT64), ==, v.dev.size_kib);
  update = bc_domxml_vmem_update (xml, v.dev.size_kib, &update_error);
  FUZZ_CHECK_RESULT (update != NULL, update_error);
}

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
  fuzz_vmem (xml);
  return 0;
}
