/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: parsing what a guest reports about its memory (/proc/meminfo,
 * /proc/vmstat).  Pure: text in, figures out.  The text comes from the guest,
 * so it is hostile input: every field is range-checked. */
#pragma once

#include <glib.h>

/* Largest figure we believe from a guest: 16 TiB in KiB. */
#define BC_GUEST_KIB_MAX (G_GUINT64_CONSTANT (16) << 30)
/* Largest domain size we take from libvirt: 1 PiB in KiB (what a state
 * file may say, BC_REPORT_MAX_KIB). */
#define BC_DOMAIN_KIB_MAX (G_GUINT64_CONSTANT (1) << 40)
/* Largest counter we believe from a guest (vmstat pages). */
#define BC_GUEST_COUNTER_MAX (G_GUINT64_CONSTANT (1) << 62)
/* Most text we parse from one guest file. */
#define BC_GUEST_TEXT_MAX (256 * 1024)

typedef struct {
  guint64 mem_total_kib;
  guint64 mem_free_kib;
  guint64 mem_available_kib;
  guint64 cached_kib;
  guint64 active_file_kib;
  guint64 inactive_file_kib;
  guint64 committed_as_kib;
} BcMeminfo;

typedef struct {
  /* pages read back into the page cache soon after eviction */
  guint64 refault_file;
  /* KiB paged in from block devices */
  guint64 pgpgin_kib;
  gboolean have_refault;
} BcVmstat;

gboolean bc_meminfo_parse (const char *text, gsize len, BcMeminfo *out, GError **error);
gboolean bc_vmstat_parse (const char *text, gsize len, BcVmstat *out, GError **error);
/* MemTotal - MemAvailable: what the guest cannot give back. */
guint64 bc_meminfo_used_kib (const BcMeminfo *mi);
