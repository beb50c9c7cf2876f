/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Outside text in messages: escaped, quoted, cut. */
#include "bc-quote.h"

#include <string.h>

static void
test_escape (void)
{
  static const struct { const char *in; gsize max; const char *out; } cases[] = {
    { "plain text", 0, "plain text" },
    { "", 0, "" },
    { "a\nb\tc\rd", 0, "a\\nb\\tc\\rd" },
    { "back\\slash 'quote'", 0, "back\\\\slash 'quote'" },
    { "\x1b[31m\x07\x7f", 0, "\\u{001B}[31m\\u{0007}\\u{007F}" },
    { "\xc2\x9b" "2J", 0, "\\u{009B}2J" },          /* C1 CSI */
    { "a\xe2\x80\xa8" "b\xe2\x80\xa9", 0, "a\\u{2028}b\\u{2029}" },  /* line, paragraph separators */
    { "x\xe2\x80\xae" "y\xe2\x81\xa6" "z", 0, "x\\u{202E}y\\u{2066}z" }, /* bidi override, isolate */
    { "\xe2\x80\xae" "evil", 0, "\\u{202E}evil" },  /* right-to-left override */
    { "caf\xc3\xa9", 0, "caf\xc3\xa9" },            /* printable UTF-8 kept */
    { "bad\xff\xc3", 0, "bad\\xFF\\xC3" },
    { "abcdef", 3, "abc..." },
    { "abc", 3, "abc" },
    { "\x1b\x1b\x1b\x1b", 2, "\\u{001B}\\u{001B}..." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = bc_escape (cases[i].in, cases[i].max);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_quote (void)
{
  g_autofree char *a = bc_quote ("it's", 0);
  g_autofree char *b = bc_quote ("0123456789", 4);
  g_autofree char *c = bc_quote (NULL, 4);
  g_autofree char *long_text = g_strnfill (100000, 'x');
  g_autofree char *d = bc_quote (long_text, BC_QUOTE_MAX);

  g_assert_cmpstr (a, ==, "'it\\'s'");
  g_assert_cmpstr (b, ==, "'0123'...");
  g_assert_cmpstr (c, ==, "''");
  g_assert_cmpuint (strlen (d), ==, BC_QUOTE_MAX + 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/quote/escape", test_escape);
  g_test_add_func ("/quote/quote", test_quote);
  return g_test_run ();
}
