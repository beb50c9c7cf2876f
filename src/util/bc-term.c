/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-term"

#include "bc-term.h"
#include "bc-error.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* What must not reach a terminal as itself: it moves the cursor, starts an
 * escape sequence, breaks the line or reorders what follows it. */
gboolean
bc_term_needs_escape (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029 ||
         c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

static void
append_escape (GString *out, gunichar c)
{
  if (c == '\n')
    g_string_append (out, "\\n");
  else if (c == '\r')
    g_string_append (out, "\\r");
  else if (c == '\t')
    g_string_append (out, "\\t");
  else if (c < 0x80)
    g_string_append_printf (out, "\\x%02x", c);
  else
    g_string_append_printf (out, "\\u%04x", c);
}

char *
bc_term_escape (const char *s)
{
  GString *out = g_string_sized_new (strlen (s));

  while (*s)
    {
      gunichar c = g_utf8_get_char_validated (s, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *s++);
          continue;
        }
      if (c == '\\')
        g_string_append (out, "\\\\");
      else if (bc_term_needs_escape (c))
        append_escape (out, c);
      else
        g_string_append_len (out, s, g_utf8_next_char (s) - s);
      s = g_utf8_next_char (s);
    }
  return g_string_free (out, FALSE);
}

/* Columns of one character at p, and its length in bytes (a byte that is
 * not UTF-8 counts as one column). */
static guint
char_width (const char *p, gsize *len)
{
  gunichar c = g_utf8_get_char_validated (p, -1);

  if (c == (gunichar) -1 || c == (gunichar) -2)
    {
      *len = 1;
      return 1;
    }
  *len = g_utf8_next_char (p) - p;
  if (g_unichar_iszerowidth (c))
    return 0;
  return g_unichar_iswide (c) ? 2 : 1;
}

gsize
bc_term_width (const char *s)
{
  gsize width = 0, len;

  for (; *s; s += len)
    width += char_width (s, &len);
  return width;
}

char *
bc_term_truncate (const char *s, gsize width)
{
  GString *out;
  gsize used = 0, len;

  if (bc_term_width (s) <= width)
    return g_strdup (s);
  if (width == 0)
    return g_strdup ("");
  out = g_string_new (NULL);
  for (; *s; s += len)
    {
      guint w = char_width (s, &len);

      if (used + w >= width)
        break;
      g_string_append_len (out, s, len);
      used += w;
    }
  g_string_append_c (out, '+');
  return g_string_free (out, FALSE);
}

guint
bc_term_fit_columns (const gsize *natural, guint n, gsize gap, gsize width, gsize *shown)
{
  gsize used = 0;

  memset (shown, 0, n * sizeof *shown);
  for (guint c = 0; c < n; c++)
    {
      gsize lead = c > 0 ? gap : 0;
      gsize room = width > used + lead ? width - used - lead : 0;

      if (natural[c] <= room)
        {
          shown[c] = natural[c];
          used += lead + natural[c];
          continue;
        }
      if (c > 0 && room < BC_TERM_MIN_CUT)
        return c;
      shown[c] = room;
      return room > 0 ? c + 1 : c;
    }
  return n;
}

static gsize
env_size (const char *name, gsize fallback)
{
  const char *value = g_getenv (name);
  guint64 n;

  if (value && g_ascii_string_to_unsigned (value, 10, 1, 100000, &n, NULL))
    return n;
  return fallback;
}

void
bc_term_size (int fd, gsize *columns, gsize *lines)
{
  struct winsize ws = { 0 };

  if (ioctl (fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
    {
      *columns = ws.ws_col;
      *lines = ws.ws_row;
      return;
    }
  *columns = env_size ("COLUMNS", 80);
  *lines = env_size ("LINES", 24);
}

gboolean
bc_term_write_all (int fd, const char *data, gsize len, GError **error)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return bc_set_error (error, BC_ERROR_FAILED, "writing output: %s", n < 0 ? g_strerror (errno) : "nothing written");
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}
