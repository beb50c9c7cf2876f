/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration file. */
#include "fuzz-common.h"
#include "bc-config-file.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  g_autoptr (GError) error = NULL;
  BcConfig cfg, before;
  gboolean ok;

  bc_config_defaults (&cfg);
  memcpy (&before, &cfg, sizeof cfg);
  ok = bc_config_load_data (&cfg, text, "fuzz.conf", &error);
  FUZZ_CHECK_RESULT (ok, error);
  if (!ok)
    {
      /* a bad file leaves the previous configuration whole */
      g_assert_true (memcmp (&cfg, &before, sizeof cfg) == 0);
      return 0;
    }
  g_assert_cmpuint (cfg.margin.min_kib, <=, cfg.margin.max_kib);
  g_assert_cmpint (cfg.margin_interval_ms, >=, cfg.apply_interval_ms);
  g_assert_true (cfg.domain_max_kib == 0 || cfg.domain_min_kib <= cfg.domain_max_kib);
  (void) bc_config_budget_kib (&cfg, G_MAXUINT64);
  (void) bc_config_budget_kib (&cfg, 0);
  return 0;
}
