/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-quote"

#include "bc-quote.h"

#include <string.h>

/* Bytes of s's first max characters (all of s when it has no more): a
 * valid UTF-8 sequence is one character, any other byte one too. */
static gsize
prefix_len (const char *s, gsize max)
{
  const char *p = s, *end = s + strlen (s);

  for (gsize n = 0; *p && (max == 0 || n < max); n++)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      p = c == (gunichar) -1 || c == (gunichar) -2 ? p + 1 : g_utf8_next_char (p);
    }
  return (gsize) (p - s);
}

/* Appends s cut to max characters; FALSE when it was cut. */
static gboolean
append_cut (GString *out, const char *s, gsize max)
{
  gsize len = prefix_len (s, max);

  g_string_append_len (out, s, (gssize) len);
  return s[len] == '\0';
}

char *
bc_cut (const char *s, gsize max)
{
  GString *out = g_string_new (NULL);

  if (!append_cut (out, s ? s : "", max))
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}

char *
bc_quote (const char *s, gsize max)
{
  GString *out = g_string_new ("'");
  gboolean whole = append_cut (out, s ? s : "", max);

  g_string_append (out, whole ? "'" : "'...");
  return g_string_free (out, FALSE);
}
