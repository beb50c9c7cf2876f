/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Outside text in messages: raw (escaped once, where it is written),
 * quoted, cut. */
#include "bc-quote.h"
#include "bc-term.h"

#include <string.h>

static void
test_cut (void)
{
  static const struct { const char *in; gsize max; const char *out; } cases[] = {
    { "plain text", 0, "plain text" },
    { "", 0, "" },
    { "", 3, "" },
    { "a\nb\tc\rd", 0, "a\nb\tc\rd" },                /* raw: nothing escaped */
    { "back\\slash 'quote'", 0, "back\\slash 'quote'" },
    { "\x1b[31m\x07\x7f", 0, "\x1b[31m\x07\x7f" },
    { "x\xe2\x80\xae" "y", 0, "x\xe2\x80\xae" "y" },
    { "bad\xff\xc3", 0, "bad\xff\xc3" },
    { "abcdef", 3, "abc..." },
    { "abc", 3, "abc" },
    { "\x1b\x1b\x1b\x1b", 2, "\x1b\x1b..." },
    { "caf\xc3\xa9s", 4, "caf\xc3\xa9..." },          /* é whole: never split */
    { "\xe6\x95\xb0\xe6\x8d\xae", 1, "\xe6\x95\xb0..." },
    { "\xff\xfe\xfd", 2, "\xff\xfe..." },             /* a bad byte: one character */
    { "ab\xe2\x82", 3, "ab\xe2..." },                 /* a cut sequence: byte by byte */
  };
  g_autofree char *null = bc_cut (NULL, 3);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = bc_cut (cases[i].in, cases[i].max);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
  g_assert_cmpstr (null, ==, "");
}

static void
test_quote (void)
{
  g_autofree char *a = bc_quote ("it's", 0);
  g_autofree char *b = bc_quote ("0123456789", 4);
  g_autofree char *c = bc_quote (NULL, 4);
  g_autofree char *long_text = g_strnfill (100000, 'x');
  g_autofree char *d = bc_quote (long_text, BC_QUOTE_MAX);
  g_autofree char *e = bc_quote ("\x1b[2J\n", 0);

  g_assert_cmpstr (a, ==, "'it's'");
  g_assert_cmpstr (b, ==, "'0123'...");
  g_assert_cmpstr (c, ==, "''");
  g_assert_cmpuint (strlen (d), ==, BC_QUOTE_MAX + 5);
  g_assert_cmpstr (e, ==, "'\x1b[2J\n'");
}

/* A long value of wide characters: cut on a character, then escaped once
 * when written; no half sequence becomes \xNN bytes. */
static void
test_cut_then_escape (void)
{
  GString *in = g_string_new (NULL);
  g_autofree char *cut = NULL, *shown = NULL;

  for (guint i = 0; i < BC_QUOTE_MAX + 10; i++)
    g_string_append (in, i == 3 ? "\x1b" : "\xe6\x95\xb0");
  cut = bc_quote (in->str, BC_QUOTE_MAX);
  shown = bc_term_escape (cut);
  g_assert_true (g_str_has_suffix (cut, "'..."));
  g_assert_true (g_utf8_validate (cut, -1, NULL));
  g_assert_true (g_str_has_prefix (shown, "'\xe6\x95\xb0\xe6\x95\xb0\xe6\x95\xb0\\x1b\xe6\x95\xb0"));
  g_assert_null (strstr (shown, "\\\\"));
  g_assert_cmpuint (g_utf8_strlen (cut, -1), ==, BC_QUOTE_MAX + 5);
  g_string_free (in, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/quote/cut", test_cut);
  g_test_add_func ("/quote/quote", test_quote);
  g_test_add_func ("/quote/cut-then-escape", test_cut_then_escape);
  return g_test_run ();
}
