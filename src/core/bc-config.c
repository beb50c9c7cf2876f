/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration's defaults and the host budget it gives; reading the
 * file is bc-config-file.c's (collect). */
#define G_LOG_DOMAIN "balloonctl-config"

#include "bc-config.h"
#include "bc-error.h"

#include <string.h>

#define MIB 1024

void
bc_config_defaults (BcConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->apply_interval_ms = 1000;
  cfg->margin_interval_ms = 5000;
  cfg->policy = BC_POLICY_ADAPTIVE;
  cfg->agent_timeout_ms = 2000;
  cfg->agent = TRUE;
  cfg->margin.initial_kib = 128 * MIB;
  cfg->margin.min_kib = 32 * MIB;
  cfg->margin.max_kib = 64 * 1024 * MIB;
  cfg->margin.step_kib = 64 * MIB;
  cfg->margin.down_step_kib = 32 * MIB;
  cfg->margin.threshold_kib = 4 * MIB;
  cfg->clamp.guard_kib = 64 * MIB;
  cfg->clamp.max_shrink_kib = 64 * MIB;
  cfg->clamp.dead_band_kib = 4 * MIB;
  cfg->budget_kib = 0;
  cfg->reserve_kib = 1024 * MIB;
  cfg->follow = TRUE;
  cfg->pressure_percent = 10;
  cfg->guest_size_kib = 1024 * MIB;
  cfg->domain_min_kib = 128 * MIB;
  cfg->domain_max_kib = 0;
  cfg->domain_weight = BC_WEIGHT_DEFAULT;
  cfg->domain_memory_device = BC_MEMORY_DEVICE_AUTO;
}

guint64
bc_config_budget_kib (const BcConfig *cfg, guint64 host_kib)
{
  if (cfg->budget_kib)
    return cfg->budget_kib;
  return host_kib > cfg->reserve_kib ? host_kib - cfg->reserve_kib : 0;
}

gint64
bc_config_stale_ms (gint64 interval_ms)
{
  return BC_STALE_PASSES * CLAMP (interval_ms, 0, G_MAXINT64 / BC_STALE_PASSES);
}

gboolean
bc_config_check_budget (const BcConfig *cfg, guint64 host_kib, guint64 *budget_kib, GError **error)
{
  *budget_kib = bc_config_budget_kib (cfg, host_kib);
  if (*budget_kib == 0)
    return bc_set_error (error, BC_ERROR_CONFIG, "host budget is 0 KiB: [host] reserve-mib %" G_GUINT64_FORMAT
                         " leaves nothing of the host's %" G_GUINT64_FORMAT " MiB",
                         cfg->reserve_kib / 1024, host_kib / 1024);
  return TRUE;
}
