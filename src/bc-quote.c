/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-quote"

#include "bc-quote.h"
#include "bc-term.h"

#include <string.h>

static void
append_char (GString *out, gunichar c, char quote)
{
  switch (c)
    {
    case '\n': g_string_append (out, "\\n"); return;
    case '\t': g_string_append (out, "\\t"); return;
    case '\r': g_string_append (out, "\\r"); return;
    case '\\': g_string_append (out, "\\\\"); return;
    default: break;
    }
  if (quote && c == (gunichar) quote)
    g_string_append_printf (out, "\\%c", quote);
  else if (g_unichar_isprint (c) && !bc_term_needs_escape (c))
    g_string_append_unichar (out, c);
  else
    g_string_append_printf (out, "\\u{%04X}", c);
}

/* Appends s escaped; FALSE when it was cut after max characters. */
static gboolean
append_escaped (GString *out, const char *s, gsize max, char quote)
{
  const char *end = s + strlen (s);
  gsize n = 0;

  while (*s)
    {
      gunichar c = g_utf8_get_char_validated (s, end - s);

      if (max && n++ == max)
        return FALSE;
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02X", (guchar) *s++);
          continue;
        }
      append_char (out, c, quote);
      s = g_utf8_next_char (s);
    }
  return TRUE;
}

char *
bc_escape (const char *s, gsize max)
{
  GString *out = g_string_new (NULL);

  if (!append_escaped (out, s ? s : "", max, 0))
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}

char *
bc_quote (const char *s, gsize max)
{
  GString *out = g_string_new ("'");
  gboolean whole = append_escaped (out, s ? s : "", max, '\'');

  g_string_append (out, whole ? "'" : "'...");
  return g_string_free (out, FALSE);
}
