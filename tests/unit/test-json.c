/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON reader under the state file and the agent's replies: bounded
 * in size and nesting before json-glib (which recurses per level) sees it. */
#include "bc-json.h"
#include "bc-json-strict.h"
#include "bc-error.h"
#include "bc-term.h"

#include <string.h>

/* {"a": then depth - 1 times open, a 0, and as many close and }: nesting
 * `depth` deep. */
static char *
nested (guint depth, const char *open, const char *close)
{
  GString *s = g_string_new ("{\"a\":");

  for (guint i = 1; i < depth; i++)
    g_string_append (s, open);
  g_string_append_c (s, '0');
  for (guint i = 1; i < depth; i++)
    g_string_append (s, close);
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
assert_refused (const char *text, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = bc_json_parse_object (text, &error);

  g_assert_null (root);
  g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, message);
}

static void
assert_object (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = bc_json_parse_object (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
}

/* 100,000 '[' overflowed the stack inside json_parser_load_from_data. */
static void
test_deep (void)
{
  g_autofree char *brackets = g_strnfill (100000, '[');
  g_autofree char *braces = NULL;
  GString *s = g_string_new (NULL);

  assert_refused (brackets, "JSON nested deeper than 64 levels");
  for (guint i = 0; i < 100000; i++)
    g_string_append (s, "{\"a\":");
  braces = g_string_free (s, FALSE);
  assert_refused (braces, "JSON nested deeper than 64 levels");
}

static void
test_depth_limit (void)
{
  g_autofree char *at_limit = nested (BC_JSON_DEPTH_MAX, "[", "]");
  g_autofree char *over = nested (BC_JSON_DEPTH_MAX + 1, "[", "]");
  g_autofree char *mixed = nested (BC_JSON_DEPTH_MAX, "{\"b\":", "}");
  g_autofree char *mixed_over = nested (BC_JSON_DEPTH_MAX + 1, "{\"b\":", "}");

  g_assert_cmpint (BC_JSON_DEPTH_MAX, ==, 64);
  assert_object (at_limit);
  assert_refused (over, "JSON nested deeper than 64 levels");
  assert_object (mixed);
  assert_refused (mixed_over, "JSON nested deeper than 64 levels");
}

/* Brackets in double-quoted strings do not count: a domain named with
 * 1000 '[' left the whole state file unreadable.  Escapes are honoured (an
 * escaped quote does not end the string, an escaped backslash does not
 * escape the quote after it).  json-glib also reads 'single-quoted'
 * strings and comments, so a scan that skipped what it took for strings
 * could be led past deep nesting (a ' or a comment holding a double
 * quote): after such a byte, brackets count wherever they are. */
static void
test_strings (void)
{
  g_autofree char *many = g_strnfill (1000, '[');
  g_autofree char *braces = g_strnfill (1000, '{');
  g_autofree char *in_string = g_strdup_printf ("{\"a\":\"%s\",\"b\":[\"%s\"]}", many, braces);
  g_autofree char *in_key = g_strdup_printf ("{\"%s\":0}", many);
  g_autofree char *escaped_quote = g_strdup_printf ("{\"a\":\"\\\"%s\"}", many);
  g_autofree char *balanced = g_strdup_printf ("{\"a\":\"[UP: x] [DOWN: y]\"}");
  g_autofree char *deep = nested (BC_JSON_DEPTH_MAX + 1, "[", "]");
  g_autofree char *after_backslash = g_strdup_printf ("{\"x\":\"\\\\\",\"a\":%s}", deep + strlen ("{\"a\":"));
  g_autofree char *after_quote = g_strdup_printf ("{\"x\":'\"',\"a\":%s}", deep + strlen ("{\"a\":"));
  g_autofree char *after_comment = g_strdup_printf ("{/* \" */\"a\":%s}", deep + strlen ("{\"a\":"));
  g_autofree char *unterminated = g_strdup_printf ("{\"a\":\"%s", many);

  assert_object (balanced);
  assert_object (in_string);
  assert_object (in_key);
  assert_object (escaped_quote);
  g_assert_cmpuint (bc_json_nesting_depth (in_string, strlen (in_string), 64), ==, 2);
  assert_refused (after_backslash, "JSON nested deeper than 64 levels");
  assert_refused (after_quote, "JSON nested deeper than 64 levels");
  assert_refused (after_comment, "JSON nested deeper than 64 levels");
  assert_refused (unterminated, "not valid JSON");
}

/* Strings in generated JSON carry nothing a terminal acts on: json-glib
 * escapes below U+001F only (0x1f itself came out raw, which strict
 * readers refuse), so DEL, C1 controls, bidirectional overrides
 * and U+2028/2029 reached stdout raw.  They come out as \uXXXX, the same
 * strings to a JSON reader; other characters (é, 漢, an emoji) stay. */
static void
test_generated_escaped (void)
{
  const char *hostile = "evil\nFORGED\r\x01\x1f\u202ex\x7f\xc2\x85\xc2\x9b[2J\u2028\u2029\u2066\u061c\u200e end";
  const char *plain = "caf\u00e9 \u6f22 \U0001F600";
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *o;

  json_builder_begin_object (b);
  bc_json_add_string (b, hostile, hostile);
  bc_json_add_string (b, "plain", plain);
  json_builder_end_object (b);
  text = bc_json_to_data (b);
  g_test_message ("%s", text);
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_true (c == '\n' || !bc_term_needs_escape (c));
    }
  g_assert_nonnull (strstr (text, "\"evil\\nFORGED\\r\\u0001\\u001f\\u202ex\\u007f\\u0085\\u009b[2J\\u2028\\u2029\\u2066\\u061c\\u200e end\""));
  g_assert_nonnull (strstr (text, plain));
  root = bc_json_parse_object (text, &error);
  g_assert_no_error (error);
  o = json_node_get_object (root);
  g_assert_cmpstr (bc_json_member_string (o, hostile), ==, hostile);
  g_assert_cmpstr (bc_json_member_string (o, "plain"), ==, plain);
}

/* Closers without openers do not lower the count below zero. */
static void
test_unbalanced (void)
{
  g_autofree char *closers = g_strnfill (100, ']');
  g_autofree char *deep = nested (BC_JSON_DEPTH_MAX + 1, "[", "]");
  g_autofree char *text = g_strconcat (closers, deep, NULL);

  assert_refused (closers, "not valid JSON");
  assert_refused (text, "JSON nested deeper than 64 levels");
}

static void
test_size (void)
{
  g_autofree char *big = g_strnfill (BC_JSON_TEXT_MAX + 1, ' ');
  g_autofree char *limit = NULL;

  assert_refused (big, "JSON text longer than 16777216 bytes");
  big[BC_JSON_TEXT_MAX - 2] = '{';
  big[BC_JSON_TEXT_MAX - 1] = '}';
  big[BC_JSON_TEXT_MAX] = '\0';
  assert_object (big);
}

static void
test_not_object (void)
{
  assert_refused (NULL, "no JSON text");
  assert_refused ("", "not a JSON object");
  assert_refused ("{", "not valid JSON");
  assert_refused ("[1]", "not a JSON object");
  assert_refused ("\"x\"", "not a JSON object");
  assert_object ("{}");
}

/* JSON's own tokens pass; json-glib's lenient ones and integers past a
 * gint64 do not, each with its message. */
static void
test_tokens (void)
{
  static const char *const good[] = {
    "{}", "[]", " {\"a\" : [1, -2, 0, -0, 1.5, 2e3, 2E-3, 1.0e+2, true, false, null]}\r\n",
    "{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u001B\"}",
    "{\"x\":9223372036854775807,\"y\":-9223372036854775808}",
    "{\"\xc3\xa9t\xc3\xa9\":\"caf\xc3\xa9\"}",
    "{\"a\":[{}, [], {\"b\":{}}]} \r\n", "1", "\"x\"\n", "{\"s\":\"\\u0001\\u0100\\u0010\"}",
  };
  static const struct { const char *text, *error; } bad[] = {
    { "{\"a\":0x10}", "not JSON: 0x10 at byte 6 is not a JSON number" },
    { "{\"a\":010}", "not JSON: 010 at byte 6 is not a JSON number" },
    { "{\"a\":1.}", "not JSON: 1. at byte 6 is not a JSON number" },
    { "{\"a\":1e}", "not JSON: 1e at byte 6 is not a JSON number" },
    { "{\"a\":-}", "not JSON: - at byte 6 is not a JSON number" },
    { "{\"a\":.5}", "not JSON: unexpected character '.' at byte 6" },
    { "{\"a\":+1}", "not JSON: unexpected character '+' at byte 6" },
    { "{'a':1}", "not JSON: unexpected character ''' at byte 2" },
    { "{\"a\":True}", "not JSON: True at byte 6 is not true, false or null" },
    { "{\"a\":nan}", "not JSON: nan at byte 6 is not true, false or null" },
    { "{\"a\":1} /* c */", "not JSON: unexpected character '/' at byte 9" },
    { "{\"a\":\"\x01\"}", "not JSON: a control character (0x01) in a string at byte 7" },
    { "{\"a\":\"\\x\"}", "not JSON: a bad escape at byte 7" },
    { "{\"a\":\"\\u12g4\"}", "not JSON: a bad \\u escape at byte 7" },
    { "{\"a\":\"open}", "not JSON: a string not closed, from byte 6" },
    { "\x1b]0;x\x07", "not JSON: unexpected character 0x1b at byte 1" },
    { "{\"a\":9223372036854775808}", "a: 9223372036854775808 is out of range (-9223372036854775808..9223372036854775807)" },
    { "{\"a\":-9223372036854775809}", "a: -9223372036854775809 is out of range (-9223372036854775808..9223372036854775807)" },
    { "{\"a\":{\"b\":[0,{\"c\":[1,2,18446744073709551616]}]}}",
      "a.b[1].c[2]: 18446744073709551616 is out of range (-9223372036854775808..9223372036854775807)" },
    { "[1,2,99999999999999999999]", "[2]: 99999999999999999999 is out of range (-9223372036854775808..9223372036854775807)" },
    { "99999999999999999999", "the line: 99999999999999999999 is out of range (-9223372036854775808..9223372036854775807)" },
    /* json-glib ends a string at \u0000: "a\u0000b" reads as "a" */
    { "{\"a\\u0000b\":1}", "not JSON: an escaped NUL in a string at byte 4" },
    { "{\"a\":\"vm\\u0000x\"}", "not JSON: an escaped NUL in a string at byte 9" },
    /* json-glib keeps the first value and drops the rest */
    { "{\"a\":1} {\"a\":2}", "not JSON: a second value at byte 9" },
    { "{\"a\":1}{}", "not JSON: a second value at byte 8" },
    { "[1]\n[2]", "not JSON: a second value at byte 5" },
    { "{\"a\":[{}]} \"x\"", "not JSON: a second value at byte 12" },
    { "\"x\" \"y\"", "not JSON: a second value at byte 5" },
    { "1 {}", "not JSON: a second value at byte 3" },
    { "true false", "not JSON: a second value at byte 6" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("good %u: %s", i, good[i]);
      g_assert_true (bc_json_check_tokens (good[i], strlen (good[i]), &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("bad %u", i);
      g_assert_false (bc_json_check_tokens (bad[i].text, strlen (bad[i].text), &error));
      g_assert_cmpstr (error->message, ==, bad[i].error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/deep", test_deep);
  g_test_add_func ("/json/depth-limit", test_depth_limit);
  g_test_add_func ("/json/strings", test_strings);
  g_test_add_func ("/json/generated-escaped", test_generated_escaped);
  g_test_add_func ("/json/unbalanced", test_unbalanced);
  g_test_add_func ("/json/size", test_size);
  g_test_add_func ("/json/not-object", test_not_object);
  g_test_add_func ("/json/tokens", test_tokens);
  return g_test_run ();
}
