/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-host"

#include "bc-host.h"
#include "bc-file.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"
#include "bc-meminfo.h"

#include <libvirt/virterror.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- parsing ------------------------------------------------------------ */

/* "12.34" -> 1234; at most two decimals read, the value capped at 100 %. */
static gboolean
parse_percent_bp (const char *s, guint *bp)
{
  guint64 whole = 0, frac = 0;
  guint digits = 0;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  for (; g_ascii_isdigit (*s); s++)
    whole = MIN (whole * 10 + (guint64) (*s - '0'), 1000);
  if (*s == '.')
    for (s++; g_ascii_isdigit (*s); s++, digits++)
      if (digits < 2)
        frac = frac * 10 + (guint64) (*s - '0');
  if (*s != ' ' && *s != '\n' && *s != '\0')
    return FALSE;
  frac *= digits == 1 ? 10 : 1;
  *bp = (guint) MIN (whole * 100 + frac, 10000);
  return TRUE;
}

gboolean
bc_host_parse_pressure (const char *text, gsize len, guint *some_bp, GError **error)
{
  g_autofree char *copy = NULL;
  const char *avg;

  if (len > BC_HOST_TEXT_MAX || memchr (text, '\0', len))
    return bc_set_error (error, BC_ERROR_FAILED, "memory pressure: not a pressure file");
  copy = g_strndup (text, len);
  /* the first line is "some avg10=..." */
  if (!g_str_has_prefix (copy, "some ") || (avg = strstr (copy, " avg10=")) == NULL ||
      memchr (copy, '\n', (gsize) (avg - copy)) != NULL || !parse_percent_bp (avg + 7, some_bp))
    return bc_set_error (error, BC_ERROR_FAILED, "memory pressure: no \"some avg10=\" figure");
  return TRUE;
}

gboolean
bc_host_parse_cgroup_kib (const char *text, gsize len, guint64 *kib, GError **error)
{
  g_autofree char *copy = g_strstrip (g_strndup (text, MIN (len, 64)));
  char *end = NULL;
  guint64 v;

  if (len <= 64 && g_str_equal (copy, "max"))
    {
      *kib = G_MAXUINT64;
      return TRUE;
    }
  errno = 0;
  v = g_ascii_strtoull (copy, &end, 10);
  if (len > 64 || !g_ascii_isdigit (copy[0]) || errno || *end != '\0')
    return bc_set_error (error, BC_ERROR_FAILED, "not a number of bytes or \"max\"");
  *kib = v / 1024;
  return TRUE;
}

/* ---- reading ------------------------------------------------------------ */

/* A regular file (as /proc's and cgroupfs' are), at most BC_HOST_TEXT_MAX
 * bytes, read without waiting on a FIFO. */
static char *
read_bounded (const char *path, gsize *len, GError **error)
{
  BcFileResult res;
  char *text = bc_file_read (path, BC_HOST_TEXT_MAX, &res);

  *len = res.len;
  if (text == NULL && res.status == BC_FILE_OPEN_FAILED)
    return bc_set_error (error, BC_ERROR_FAILED, "%s: %s", path, g_strerror (res.err)), NULL;
  if (text == NULL)
    return bc_set_error (error, BC_ERROR_FAILED, "%s: %s", path,
                         res.status == BC_FILE_TOO_LARGE ? "too large" : "not a readable file"), NULL;
  return text;
}

static gboolean
read_meminfo (const char *proc_dir, BcHostFigures *out, GError **error)
{
  g_autofree char *path = g_build_filename (proc_dir, "meminfo", NULL);
  g_autofree char *text = NULL;
  BcMeminfo mi;
  gsize len;

  if ((text = read_bounded (path, &len, error)) == NULL || !bc_meminfo_parse (text, len, &mi, error))
    return FALSE;
  out->mem_total_kib = mi.mem_total_kib;
  out->mem_available_kib = mi.mem_available_kib;
  return TRUE;
}

/* The higher of what was read and the file's "some avg10"; a missing
 * file (a kernel without PSI, a cgroup v1) leaves it. */
static void
read_pressure (const char *path, BcHostFigures *out)
{
  g_autofree char *text = NULL;
  gsize len;
  guint bp;

  text = read_bounded (path, &len, NULL);
  if (text == NULL || !bc_host_parse_pressure (text, len, &bp, NULL))
    return;
  out->pressure_some_bp = out->have_pressure ? MAX (out->pressure_some_bp, bp) : bp;
  out->have_pressure = TRUE;
}

static gboolean
read_cgroup_file (const char *dir, const char *name, guint64 *kib, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;

  if ((text = read_bounded (path, &len, error)) == NULL)
    return FALSE;
  if (!bc_host_parse_cgroup_kib (text, len, kib, &local))
    return bc_set_error (error, BC_ERROR_FAILED, "%s: %s", name, local->message);
  return TRUE;
}

/* cgroup v2's memory.max and memory.current; where the directory has
 * none, cgroup v1's memory.limit_in_bytes and memory.usage_in_bytes (a
 * limit of 2^62 bytes or more is v1's "none"). */
static gboolean
read_cgroup_limit (const char *dir, BcHostFigures *out, GError **error)
{
  g_autofree char *v2 = g_build_filename (dir, "memory.max", NULL);

  if (g_file_test (v2, G_FILE_TEST_EXISTS) || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    return read_cgroup_file (dir, "memory.max", &out->cgroup_max_kib, error) &&
           read_cgroup_file (dir, "memory.current", &out->cgroup_current_kib, error);
  if (!read_cgroup_file (dir, "memory.limit_in_bytes", &out->cgroup_max_kib, error) ||
      !read_cgroup_file (dir, "memory.usage_in_bytes", &out->cgroup_current_kib, error))
    return FALSE;
  if (out->cgroup_max_kib >= (G_GUINT64_CONSTANT (1) << 52))
    out->cgroup_max_kib = G_MAXUINT64;
  return TRUE;
}

gboolean
bc_host_read_local (const char *proc_dir, const char *cgroup_dir, BcHostFigures *out, GError **error)
{
  g_autofree char *psi = g_build_filename (proc_dir, "pressure", "memory", NULL);
  g_autofree char *cg_psi = g_build_filename (cgroup_dir, "memory.pressure", NULL);

  memset (out, 0, sizeof *out);
  if (!read_meminfo (proc_dir, out, error))
    return FALSE;
  read_pressure (psi, out);
  if (cgroup_dir[0] == '\0')
    return TRUE;
  read_pressure (cg_psi, out);
  if (!read_cgroup_limit (cgroup_dir, out, error))
    return FALSE;
  out->have_cgroup = out->cgroup_current_kib != G_MAXUINT64;
  return TRUE;
}

static void
add_stat (const virNodeMemoryStats *s, BcHostFigures *out)
{
  guint64 v = MIN (s->value, BC_HOST_KIB_MAX);

  if (g_str_equal (s->field, VIR_NODE_MEMORY_STATS_TOTAL))
    out->mem_total_kib = v;
  else if (g_str_equal (s->field, VIR_NODE_MEMORY_STATS_FREE) || g_str_equal (s->field, VIR_NODE_MEMORY_STATS_BUFFERS) ||
           g_str_equal (s->field, VIR_NODE_MEMORY_STATS_CACHED))
    out->mem_available_kib += v;
}

gboolean
bc_host_read_remote (virConnectPtr conn, BcHostFigures *out, GError **error)
{
  g_autofree virNodeMemoryStatsPtr stats = NULL;
  int n = 0;

  memset (out, 0, sizeof *out);
  /* libvirt wants the exact count: asked first */
  if (virNodeGetMemoryStats (conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) < 0)
    {
      if (virGetLastErrorCode () == VIR_ERR_NO_SUPPORT)
        return bc_set_error (error, BC_ERROR_FAILED, "the connection's driver has no host memory statistics");
      return bc_set_error_from_libvirt (error, "host memory statistics");
    }
  if (n <= 0 || n > 64)
    return bc_set_error (error, BC_ERROR_LIBVIRT, "host memory statistics: %d fields", n);
  stats = g_new0 (virNodeMemoryStats, n);
  if (virNodeGetMemoryStats (conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, &n, 0) < 0)
    return bc_set_error_from_libvirt (error, "host memory statistics");
  for (int i = 0; i < n; i++)
    add_stat (&stats[i], out);
  if (out->mem_total_kib == 0)
    return bc_set_error (error, BC_ERROR_LIBVIRT, "host memory statistics: no total");
  return TRUE;
}
