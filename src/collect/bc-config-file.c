/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-config"

#include "bc-config-file.h"
#include "bc-metadata.h"
#include "bc-file.h"
#include "bc-error.h"
#include "bc-keyfile.h"
#include "bc-listen.h"
#include "bc-quote.h"
#include "bc-vmem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB 1024

G_STATIC_ASSERT (sizeof ((BcConfig *) NULL)->metrics_listen == BC_METRICS_LISTEN_MAX);

#define O(f) G_STRUCT_OFFSET (BcConfig, f)
#define R BC_CONFIG_RECORDED
static const BcConfigKey keys[] = {
  { "controller", "apply-interval-ms", BC_CONFIG_INT, O (apply_interval_ms), 100, 3600000, R },
  { "controller", "margin-interval-ms", BC_CONFIG_INT, O (margin_interval_ms), 100, 3600000, R },
  { "controller", "policy", BC_CONFIG_POLICY, O (policy), 0, 0, R },
  { "controller", "agent-timeout-ms", BC_CONFIG_INT, O (agent_timeout_ms), 100, 60000, R },
  { "controller", "agent", BC_CONFIG_BOOL, O (agent), 0, 0, R },
  { "margin", "initial-mib", BC_CONFIG_MIB, O (margin.initial_kib), 0, 1 << 24, R },
  { "margin", "min-mib", BC_CONFIG_MIB, O (margin.min_kib), 0, 1 << 24, R },
  { "margin", "max-mib", BC_CONFIG_MIB, O (margin.max_kib), 0, 1 << 24, R },
  { "margin", "step-mib", BC_CONFIG_MIB, O (margin.step_kib), 1, 1 << 20, R },
  { "margin", "down-step-mib", BC_CONFIG_MIB, O (margin.down_step_kib), 1, 1 << 20, R },
  { "margin", "threshold-mib", BC_CONFIG_MIB, O (margin.threshold_kib), 0, 1 << 20, R },
  { "safety", "guard-mib", BC_CONFIG_MIB, O (clamp.guard_kib), 0, 1 << 20, R },
  { "safety", "max-shrink-mib", BC_CONFIG_MIB, O (clamp.max_shrink_kib), 1, 1 << 24, R },
  { "safety", "dead-band-mib", BC_CONFIG_MIB, O (clamp.dead_band_kib), 0, 1 << 20, R },
  { "host", "budget-mib", BC_CONFIG_MIB, O (budget_kib), 0, 1 << 30, R },
  { "host", "reserve-mib", BC_CONFIG_MIB, O (reserve_kib), 0, 1 << 30, R },
  { "host", "follow", BC_CONFIG_BOOL, O (follow), 0, 0, BC_CONFIG_RECORDED_LATER },
  { "host", "pressure-percent", BC_CONFIG_INT, O (pressure_percent), 0, 100, BC_CONFIG_RECORDED_LATER },
  { "host", "cgroup", BC_CONFIG_PATH, O (cgroup), 0, 0, BC_CONFIG_NOT_RECORDED },
  { "host", "guest-size-mib", BC_CONFIG_MIB, O (guest_size_kib), 1, 1 << 24, BC_CONFIG_RECORDED_LATER_DEFAULT },
  { "domain", "min-mib", BC_CONFIG_MIB, O (domain_min_kib), 0, 1 << 24, R },
  { "domain", "max-mib", BC_CONFIG_MIB, O (domain_max_kib), 0, 1 << 24, R },
  { "domain", "weight", BC_CONFIG_WEIGHT, O (domain_weight), 1, 10000, R },
  { "domain", "memory-device", BC_CONFIG_DEVICE, O (domain_memory_device), 0, 0, BC_CONFIG_NOT_RECORDED },
  { "metrics", "listen", BC_CONFIG_LISTEN, O (metrics_listen), 0, 0, BC_CONFIG_NOT_RECORDED },
};
#undef R
#undef O

const BcConfigKey *
bc_config_keys (gsize *n)
{
  *n = G_N_ELEMENTS (keys);
  return keys;
}

static const BcConfigKey *
find_key (const char *group, const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (keys[i].group, group) == 0 && strcmp (keys[i].key, key) == 0)
      return &keys[i];
  return NULL;
}

static gboolean
known_group (const char *group)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (keys[i].group, group) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
parse_int (const char *s, gint64 *out)
{
  char *end = NULL;
  gint64 v;

  errno = 0;
  v = g_ascii_strtoll (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

/* An absolute path of printable characters, or "" for none. */
static gboolean
set_path (BcConfig *cfg, const BcConfigKey *k, const char *s, const char *name, GError **error)
{
  g_autofree char *shown = bc_quote (s, BC_QUOTE_MAX);

  if (s[0] && s[0] != '/')
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: %s is not an absolute path", name, k->group, k->key, shown);
  if (strlen (s) >= BC_CONFIG_PATH_MAX)
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: longer than %d bytes", name, k->group, k->key, BC_CONFIG_PATH_MAX - 1);
  for (const char *c = s; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: %s has a control character", name, k->group, k->key, shown);
  g_strlcpy (G_STRUCT_MEMBER_P (cfg, k->offset), s, BC_CONFIG_PATH_MAX);
  return TRUE;
}

/* A whole number in its range: ms, MiB (stored in KiB), a weight. */
static gboolean
set_number (BcConfig *cfg, const BcConfigKey *k, const char *s, const char *name, GError **error)
{
  g_autofree char *shown = bc_quote (s, BC_QUOTE_MAX);
  gint64 v;

  if (!parse_int (s, &v))
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: %s is not a whole number", name, k->group, k->key, shown);
  if (v < k->min || v > k->max)
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: %" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")",
                         name, k->group, k->key, v, k->min, k->max);
  if (k->type == BC_CONFIG_MIB)
    v *= MIB;
  if (k->type == BC_CONFIG_WEIGHT)
    {
      G_STRUCT_MEMBER (BcWeight, cfg, k->offset) = (BcWeight) v;
      return TRUE;
    }
  /* Every numeric field is a 64-bit integer, signed or not; the value is
   * range-checked non-negative, which both represent alike (C11 6.5p7 lets
   * the signed type alias the unsigned one). */
  G_STRUCT_MEMBER (gint64, cfg, k->offset) = v;
  return TRUE;
}

static gboolean
set_value (BcConfig *cfg, const BcConfigKey *k, const char *raw, const char *name, GError **error)
{
  g_autofree char *s = g_strstrip (g_strdup (raw));
  g_autofree char *shown = bc_quote (s, BC_QUOTE_MAX);

  if (k->type == BC_CONFIG_POLICY)
    {
      if (!bc_policy_from_string (s, (BcPolicy *) G_STRUCT_MEMBER_P (cfg, k->offset)))
        return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: unknown policy %s (paper, paper-literal, adaptive; committed and mom for comparisons)",
                             name, k->group, k->key, shown);
      return TRUE;
    }
  if (k->type == BC_CONFIG_LISTEN)
    {
      g_autoptr (GError) local = NULL;

      if (s[0] && !bc_metrics_parse_listen (s, NULL, &local))
        return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: %s", name, k->group, k->key, local->message);
      g_strlcpy (G_STRUCT_MEMBER_P (cfg, k->offset), s, BC_METRICS_LISTEN_MAX);
      return TRUE;
    }
  if (k->type == BC_CONFIG_PATH)
    return set_path (cfg, k, s, name, error);
  if (k->type == BC_CONFIG_DEVICE)
    {
      if (!bc_memory_device_from_string (s, (BcMemoryDevice *) G_STRUCT_MEMBER_P (cfg, k->offset)))
        return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: %s is not auto, balloon or virtio-mem", name, k->group, k->key, shown);
      return TRUE;
    }
  if (k->type == BC_CONFIG_BOOL)
    {
      if (g_strcmp0 (s, "true") == 0 || g_strcmp0 (s, "false") == 0)
        G_STRUCT_MEMBER (gboolean, cfg, k->offset) = s[0] == 't';
      else
        return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: %s is not true or false", name, k->group, k->key, shown);
      return TRUE;
    }
  return set_number (cfg, k, s, name, error);
}

static gboolean
check_consistency (const BcConfig *c, const char *name, GError **error)
{
  if (c->margin.min_kib > c->margin.max_kib)
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [margin] min-mib is above max-mib", name);
  if (c->margin.initial_kib < c->margin.min_kib || c->margin.initial_kib > c->margin.max_kib)
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [margin] initial-mib %" G_GINT64_FORMAT " is outside min-mib %" G_GINT64_FORMAT
                         " .. max-mib %" G_GINT64_FORMAT, name, c->margin.initial_kib / MIB, c->margin.min_kib / MIB, c->margin.max_kib / MIB);
  if (c->domain_max_kib != 0 && c->domain_max_kib < BC_METADATA_MAX_MIB_LEAST * MIB)
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [domain] max-mib %" G_GUINT64_FORMAT " is below %d MiB, less than any guest runs in (0 = no ceiling)",
                         name, c->domain_max_kib / MIB, BC_METADATA_MAX_MIB_LEAST);
  if (c->domain_max_kib != 0 && c->domain_min_kib > c->domain_max_kib)
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [domain] min-mib is above max-mib", name);
  if (c->margin_interval_ms < c->apply_interval_ms)
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [controller] margin-interval-ms is shorter than apply-interval-ms", name);
  return TRUE;
}

static gboolean
apply_keyfile (BcConfig *cfg, GKeyFile *kf, const char *name, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint g = 0; groups[g]; g++)
    {
      g_auto (GStrv) names = NULL;
      g_autofree char *group = bc_cut (groups[g], BC_QUOTE_MAX);

      if (!known_group (groups[g]))
        return bc_set_error (error, BC_ERROR_CONFIG, "%s: unknown group [%s]", name, group);
      names = g_key_file_get_keys (kf, groups[g], NULL, NULL);
      for (guint k = 0; names && names[k]; k++)
        {
          const BcConfigKey *spec = find_key (groups[g], names[k]);
          g_autofree char *raw = NULL, *key = NULL;

          if (spec == NULL)
            return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: unknown key", name, group, key = bc_cut (names[k], BC_QUOTE_MAX));
          raw = g_key_file_get_value (kf, groups[g], names[k], NULL);
          if (!set_value (cfg, spec, raw, name, error))
            return FALSE;
        }
    }
  return check_consistency (cfg, name, error);
}

/* GKeyFile's own messages may quote a line of the file. */
#define PARSE_MESSAGE_MAX 256

static gboolean
load_text (BcConfig *cfg, const char *data, gsize len, const char *name, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *why = NULL;
  BcConfig next = *cfg;

  if (!bc_keyfile_check (data, len, name, error))
    return FALSE;
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local))
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: %s", name, why = bc_cut (local->message, PARSE_MESSAGE_MAX));
  if (!apply_keyfile (&next, kf, name, error))
    return FALSE;
  *cfg = next;
  return TRUE;
}

gboolean
bc_config_load_data (BcConfig *cfg, const char *data, const char *name, GError **error)
{
  return load_text (cfg, data, strlen (data), name, error);
}

/* Why the file was not read, in the configuration's words. */
static gboolean
file_error (const char *path, const BcFileResult *res, GError **error)
{
  switch (res->status)
    {
    case BC_FILE_OPEN_FAILED:
      return bc_set_error (error, BC_ERROR_CONFIG, "%s: cannot open: %s", path, g_strerror (res->err));
    case BC_FILE_STAT_FAILED:
      return bc_set_error (error, BC_ERROR_CONFIG, "%s: cannot stat: %s", path, g_strerror (res->err));
    case BC_FILE_NOT_REGULAR:
      return bc_set_error (error, BC_ERROR_CONFIG, "%s: is %s, not a regular file", path, bc_file_kind (res->mode));
    case BC_FILE_TOO_LARGE:
      return bc_set_error (error, BC_ERROR_CONFIG, "%s: larger than %d bytes (64 KiB), the most a configuration file may hold",
                           path, BC_CONFIG_SIZE_MAX);
    default:
      return bc_set_error (error, BC_ERROR_CONFIG, "%s: cannot read: %s", path, g_strerror (res->err));
    }
}

gboolean
bc_config_load (BcConfig *cfg, const char *path, gboolean missing_ok, GError **error)
{
  BcFileResult res;
  g_autofree char *data = bc_file_read (path, BC_CONFIG_SIZE_MAX, &res);

  if (data == NULL && res.status == BC_FILE_OPEN_FAILED && res.err == ENOENT && missing_ok)
    return TRUE;
  if (data == NULL)
    return file_error (path, &res, error);
  if (!load_text (cfg, data, res.len, path, error))
    return FALSE;
  cfg->from_file = TRUE;
  return TRUE;
}
