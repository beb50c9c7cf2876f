/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state file as `balloonctl status` reads it, then shown: a
 * table and JSON with one row per domain the file names.  Any process that
 * can write the runtime directory controls it; it also carries a guest's
 * words (agent errors in a domain's note). */
#include "fuzz-common.h"
#include "bc-report.h"
#include "bc-status.h"

/* The time status runs at; a live file says about the same. */
#define NOW_MS G_GINT64_CONSTANT (1790000000000)

static GPtrArray *
rows_for (const BcReport *r)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_status_row_free);

  for (guint i = 0; i < r->domains->len; i++)
    {
      const BcReportDomain *d = g_ptr_array_index (r->domains, i);
      BcStatusRow *row = g_new0 (BcStatusRow, 1);

      /* the name comes from libvirt, not from the file */
      row->name = g_strdup_printf ("vm%u", i);
      row->uuid = g_strdup (d->uuid);
      row->current_kib = 1024 * 1024;
      row->max_kib = 2048 * 1024;
      g_ptr_array_add (rows, row);
    }
  return rows;
}

/* Nothing from the file reaches the terminal as a control character: one
 * line per row, the header and the host's line, no escape sequence (C0,
 * DEL, C1). */
static void
check_terminal_safe (const GString *table, guint rows)
{
  guint lines = 0;

  g_assert_true (g_utf8_validate (table->str, (gssize) table->len, NULL));
  for (const char *p = table->str; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n')
        lines++;
      else
        g_assert_false (g_unichar_iscntrl (c));
    }
  g_assert_cmpuint (lines, ==, rows + 1);
}

static void
show (const BcReport *r)
{
  g_autoptr (GPtrArray) rows = rows_for (r);
  g_autoptr (GString) table = g_string_new (NULL);
  g_autoptr (GString) json = g_string_new (NULL);

  bc_status_attach (rows, r);
  bc_status_format_host (r, table);
  bc_status_format_table (rows, NOW_MS, table);
  check_terminal_safe (table, rows->len + (r->host.known ? 1 : 0));
  bc_status_format_json (rows, r, json);
  g_assert_true (g_utf8_validate (json->str, (gssize) json->len, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (BcReport) r = bc_report_read_live_data (text, NOW_MS, 1000, &error);

  /* NULL without an error: no live daemon */
  g_assert_true (r == NULL || error == NULL);
  if (r)
    show (r);
  return 0;
}
