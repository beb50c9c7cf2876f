/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-json"

#include "bc-json.h"
#include "bc-error.h"
#include "bc-term.h"

#include <string.h>

void
bc_json_add_string (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  if (value == NULL)
    json_builder_add_null_value (b);
  else if (g_utf8_validate (value, -1, NULL))
    json_builder_add_string_value (b, value);
  else
    {
      /* Strings can carry a guest's words (an agent's error text): JSON
       * must stay valid UTF-8 or readers reject the whole document. */
      g_autofree char *valid = g_utf8_make_valid (value, -1);

      json_builder_add_string_value (b, valid);
    }
}

void
bc_json_add_int (JsonBuilder *b, const char *key, gint64 value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

void
bc_json_add_kib (JsonBuilder *b, const char *key, gboolean known, guint64 kib)
{
  json_builder_set_member_name (b, key);
  if (known)
    json_builder_add_int_value (b, (gint64) MIN (kib, (guint64) G_MAXINT64));
  else
    json_builder_add_null_value (b);
}

/* json-glib (1.6) escapes the controls below 0x1f and leaves 0x1f
 * itself raw, which strict JSON readers refuse; outside a string JSON
 * holds no control at all, so a raw 0x1f is always one to escape. */
#define JSON_GLIB_RAW_CONTROL 0x1f

/* The first byte from which text may hold a character to escape: all of
 * ASCII but DEL (and 0x1f) is left as json-glib wrote it. */
static const char *
first_non_ascii (const char *text)
{
  const char *p = text;

  while (*p && (guchar) *p < 0x7f && *p != JSON_GLIB_RAW_CONTROL)
    p++;
  return p;
}

/* text escaped from p on, p its first byte that is not plain ASCII */
static char *
escape_from (const char *text, const char *p)
{
  GString *out = g_string_sized_new (strlen (text) + 16);

  g_string_append_len (out, text, p - text);
  while (*p)
    {
      const char *run = first_non_ascii (p);
      gunichar c;
      gsize len;

      g_string_append_len (out, p, run - p);
      if (*run == '\0')
        break;
      c = g_utf8_get_char_validated (run, -1);
      len = c == (gunichar) -1 || c == (gunichar) -2 ? 1 : (gsize) (g_utf8_next_char (run) - run);
      if (bc_term_needs_escape (c) && (len > 1 || c == 0x7f || c == JSON_GLIB_RAW_CONTROL))
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, run, len);
      p = run + len;
    }
  return g_string_free (out, FALSE);
}

char *
bc_json_escape_terminal (const char *text)
{
  const char *p = first_non_ascii (text);

  return *p == '\0' ? g_strdup (text) : escape_from (text, p);
}

char *
bc_json_to_data (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = NULL;
  const char *p;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  p = first_non_ascii (text);
  return *p == '\0' ? g_steal_pointer (&text) : escape_from (text, p);
}

static JsonNode *
member_value (JsonObject *o, const char *key, GType type)
{
  JsonNode *n = json_object_get_member (o, key);

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == type ? n : NULL;
}

const char *
bc_json_member_string (JsonObject *o, const char *key)
{
  JsonNode *n = member_value (o, key, G_TYPE_STRING);

  return n ? json_node_get_string (n) : NULL;
}

gint64
bc_json_member_int (JsonObject *o, const char *key, gint64 fallback)
{
  JsonNode *n = member_value (o, key, G_TYPE_INT64);

  return n ? json_node_get_int (n) : fallback;
}

gboolean
bc_json_member_true (JsonObject *o, const char *key)
{
  JsonNode *n = member_value (o, key, G_TYPE_BOOLEAN);

  return n && json_node_get_boolean (n);
}

/* Whether c, outside a string, is one that strict JSON has there: any
 * other (a ' or / or # json-glib reads as a string or a comment start,
 * a byte of a bare word) could hide a double quote from our scan. */
static gboolean
plain_outside_string (char c)
{
  return g_ascii_isalnum (c) || strchr (" \t\r\n{}[]:,+-.", c) != NULL;
}

/* The end of the double-quoted string opening at i (its closing quote,
 * or len or a NUL), backslash escapes honoured. */
static gsize
string_end (const char *text, gsize len, gsize i)
{
  for (i++; i < len && text[i] && text[i] != '"'; i++)
    if (text[i] == '\\' && i + 1 < len && text[i + 1])
      i++;
  return i;
}

guint
bc_json_nesting_depth (const char *text, gsize len, guint stop)
{
  guint depth = 0, deepest = 0;
  gboolean strings = TRUE;

  for (gsize i = 0; i < len && text[i] && deepest <= stop; i++)
    {
      if (strings && text[i] == '"')
        {
          if ((i = string_end (text, len, i)) >= len || !text[i])
            break;
          continue;
        }
      if (!plain_outside_string (text[i]))
        strings = FALSE;
      if ((text[i] == '[' || text[i] == '{') && ++depth > deepest)
        deepest = depth;
      else if ((text[i] == ']' || text[i] == '}') && depth > 0)
        depth--;
    }
  return deepest;
}

gboolean
bc_json_find_nul_escape (const char *text, gsize *at)
{
  for (gsize i = 0; text[i]; i++)
    {
      if (text[i] != '\\')
        continue;
      if (strncmp (text + i + 1, "u0000", 5) == 0)
        {
          *at = i;
          return TRUE;
        }
      /* the escaped character, a backslash too */
      if (text[i + 1])
        i++;
    }
  return FALSE;
}

gboolean
bc_json_check_bounds (const char *text, GError **error)
{
  if (strnlen (text, BC_JSON_TEXT_MAX + 1) > BC_JSON_TEXT_MAX)
    return bc_set_error (error, BC_ERROR_FAILED, "JSON text longer than %d bytes", BC_JSON_TEXT_MAX);
  if (bc_json_nesting_depth (text, G_MAXSIZE, BC_JSON_DEPTH_MAX) > BC_JSON_DEPTH_MAX)
    return bc_set_error (error, BC_ERROR_FAILED, "JSON nested deeper than %d levels", BC_JSON_DEPTH_MAX);
  return TRUE;
}

JsonNode *
bc_json_parse_object (const char *text, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (text == NULL)
    return bc_set_error (error, BC_ERROR_FAILED, "no JSON text"), NULL;
  /* json-glib's parser recurses once per level: bounded before it runs */
  if (!bc_json_check_bounds (text, error))
    return NULL;
  if (!json_parser_load_from_data (parser, text, -1, NULL))
    return bc_set_error (error, BC_ERROR_FAILED, "not valid JSON"), NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return bc_set_error (error, BC_ERROR_FAILED, "not a JSON object"), NULL;
  return json_node_copy (root);
}
