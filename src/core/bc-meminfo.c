/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-meminfo"

#include "bc-meminfo.h"
#include "bc-error.h"

#include <string.h>

typedef struct {
  const char *key;
  gsize offset;
  gboolean required;
} Field;

#define MI(k, f, r) { k, G_STRUCT_OFFSET (BcMeminfo, f), r }
static const Field meminfo_fields[] = {
  MI ("MemTotal", mem_total_kib, TRUE),
  MI ("MemFree", mem_free_kib, TRUE),
  MI ("MemAvailable", mem_available_kib, TRUE),
  MI ("Cached", cached_kib, TRUE),
  MI ("Active(file)", active_file_kib, TRUE),
  MI ("Inactive(file)", inactive_file_kib, FALSE),
  MI ("Committed_AS", committed_as_kib, TRUE),
};
#undef MI

/* Parse an unsigned decimal with at most 19 digits; nothing else. */
static gboolean
parse_u64 (const char *s, gsize len, guint64 *out)
{
  guint64 v = 0;

  if (len == 0 || len > 19)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return FALSE;
      v = v * 10 + (guint64) (s[i] - '0');
    }
  *out = v;
  return TRUE;
}

/* Split one line "Key:   123 kB" or "key 123" into key and number.
 * Returns FALSE for lines of any other shape. */
static gboolean
split_line (const char *line, gsize len, gboolean colon, char *key, gsize keysz,
            guint64 *value, gboolean *has_unit)
{
  gsize i = 0, klen, start;

  while (i < len && line[i] != (colon ? ':' : ' '))
    i++;
  if (i == len || i == 0 || i >= keysz)
    return FALSE;
  klen = i;
  memcpy (key, line, klen);
  key[klen] = '\0';
  i++;
  while (i < len && line[i] == ' ')
    i++;
  start = i;
  while (i < len && line[i] != ' ')
    i++;
  if (!parse_u64 (line + start, i - start, value))
    return FALSE;
  while (i < len && line[i] == ' ')
    i++;
  *has_unit = (len - i == 2 && memcmp (line + i, "kB", 2) == 0);
  return *has_unit || i == len;
}

typedef gboolean (*LineFunc) (const char *key, guint64 value, gboolean has_unit,
                              gpointer data, GError **error);

static gboolean
for_each_line (const char *text, gsize len, gboolean colon, LineFunc fn,
               gpointer data, GError **error)
{
  const char *p = text, *end;

  if (len > BC_GUEST_TEXT_MAX)
    return bc_set_error (error, BC_ERROR_GUEST, "guest file too large (%" G_GSIZE_FORMAT " bytes)", len);
  end = text + len;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      gsize l = (nl ? nl : end) - p;
      char key[64];
      guint64 v;
      gboolean unit;

      if (split_line (p, l, colon, key, sizeof key, &v, &unit) &&
          !fn (key, v, unit, data, error))
        return FALSE;
      if (nl == NULL)
        break;
      p = nl + 1;
    }
  return TRUE;
}

typedef struct {
  BcMeminfo *mi;
  guint seen;
} MeminfoCtx;

static gboolean
meminfo_line (const char *key, guint64 value, gboolean has_unit, gpointer data, GError **error)
{
  MeminfoCtx *ctx = data;

  for (guint i = 0; i < G_N_ELEMENTS (meminfo_fields); i++)
    {
      if (strcmp (key, meminfo_fields[i].key) != 0)
        continue;
      if (ctx->seen & (1u << i))
        return bc_set_error (error, BC_ERROR_GUEST, "meminfo: %s given twice", key);
      if (!has_unit)
        return bc_set_error (error, BC_ERROR_GUEST, "meminfo: %s has no kB unit", key);
      if (value > BC_GUEST_KIB_MAX)
        return bc_set_error (error, BC_ERROR_GUEST, "meminfo: %s out of range (%" G_GUINT64_FORMAT " kB)", key, value);
      G_STRUCT_MEMBER (guint64, ctx->mi, meminfo_fields[i].offset) = value;
      ctx->seen |= 1u << i;
    }
  return TRUE;
}

gboolean
bc_meminfo_parse (const char *text, gsize len, BcMeminfo *out, GError **error)
{
  BcMeminfo mi = { 0 };
  MeminfoCtx ctx = { &mi, 0 };

  if (!for_each_line (text, len, TRUE, meminfo_line, &ctx, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (meminfo_fields); i++)
    if (meminfo_fields[i].required && !(ctx.seen & (1u << i)))
      return bc_set_error (error, BC_ERROR_GUEST, "meminfo: %s missing", meminfo_fields[i].key);
  if (mi.mem_total_kib == 0)
    return bc_set_error (error, BC_ERROR_GUEST, "meminfo: MemTotal is 0");
  if (mi.mem_available_kib > mi.mem_total_kib || mi.mem_free_kib > mi.mem_total_kib ||
      mi.cached_kib > mi.mem_total_kib || mi.active_file_kib > mi.mem_total_kib ||
      mi.inactive_file_kib > mi.mem_total_kib)
    return bc_set_error (error, BC_ERROR_GUEST, "meminfo: a figure exceeds MemTotal (%" G_GUINT64_FORMAT " kB)",
                         mi.mem_total_kib);
  *out = mi;
  return TRUE;
}

guint64
bc_meminfo_used_kib (const BcMeminfo *mi)
{
  return mi->mem_total_kib - MIN (mi->mem_available_kib, mi->mem_total_kib);
}

typedef struct {
  BcVmstat *vs;
  gboolean seen_pgpgin, seen_refault_file, seen_refault;
  guint64 refault;
} VmstatCtx;

static gboolean
vmstat_line (const char *key, guint64 value, gboolean has_unit, gpointer data, GError **error)
{
  VmstatCtx *ctx = data;
  gboolean *seen;
  guint64 *dst;

  if (strcmp (key, "pgpgin") == 0)
    seen = &ctx->seen_pgpgin, dst = &ctx->vs->pgpgin_kib;
  else if (strcmp (key, "workingset_refault_file") == 0)
    seen = &ctx->seen_refault_file, dst = &ctx->vs->refault_file;
  else if (strcmp (key, "workingset_refault") == 0) /* Linux < 5.9 */
    seen = &ctx->seen_refault, dst = &ctx->refault;
  else
    return TRUE;
  if (*seen)
    return bc_set_error (error, BC_ERROR_GUEST, "vmstat: %s given twice", key);
  if (value > BC_GUEST_COUNTER_MAX)
    return bc_set_error (error, BC_ERROR_GUEST, "vmstat: %s out of range", key);
  *seen = TRUE;
  *dst = value;
  return TRUE;
}

gboolean
bc_vmstat_parse (const char *text, gsize len, BcVmstat *out, GError **error)
{
  BcVmstat vs = { 0 };
  VmstatCtx ctx = { &vs };

  if (!for_each_line (text, len, FALSE, vmstat_line, &ctx, error))
    return FALSE;
  if (!ctx.seen_pgpgin)
    return bc_set_error (error, BC_ERROR_GUEST, "vmstat: pgpgin missing");
  if (!ctx.seen_refault_file && ctx.seen_refault)
    vs.refault_file = ctx.refault;
  vs.have_refault = ctx.seen_refault_file || ctx.seen_refault;
  *out = vs;
  return TRUE;
}
