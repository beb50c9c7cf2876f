/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-json"

#include "bc-json-strict.h"
#include "bc-error.h"
#include "bc-json.h"
#include "bc-quote.h"

#include <errno.h>
#include <string.h>

/* How much of a bad token a message shows. */
#define SHOWN_MAX 32

typedef struct {
  gboolean array;
  guint index;             /* array: the element being read */
  const char *key;         /* object: the member being read (raw) */
  gsize key_len;
} Level;

typedef struct {
  const char *text;
  gsize len;
  gsize i;
  Level stack[BC_JSON_DEPTH_MAX];
  guint depth;
  const char *str;         /* the last string: a key if ':' follows */
  gsize str_len;
  gboolean done;           /* the text's value is complete */
} Lexer;

static gboolean
delimiter (const Lexer *lx, gsize i)
{
  return i >= lx->len || strchr (" \t\r\n,]}:", lx->text[i]) != NULL;
}

/* The bad token at start, up to a delimiter, for a message. */
static gboolean
bad_token (const Lexer *lx, gsize start, const char *what, GError **error)
{
  gsize end = start;
  g_autofree char *token = NULL;
  g_autofree char *shown = NULL;

  while (!delimiter (lx, end) && end - start < SHOWN_MAX)
    end++;
  token = g_strndup (lx->text + start, MAX (end - start, 1));
  shown = bc_cut (token, SHOWN_MAX);
  return bc_set_error (error, BC_ERROR_FAILED, "not JSON: %s at byte %" G_GSIZE_FORMAT " is not %s", shown,
                       start + 1, what);
}

/* Where the lexer is, as the recording's reader names a member. */
static char *
path_of (const Lexer *lx)
{
  GString *s = g_string_new (NULL);

  for (guint d = 0; d < lx->depth; d++)
    {
      const Level *l = &lx->stack[d];
      g_autofree char *raw = NULL;
      g_autofree char *key = NULL;

      if (l->array)
        {
          g_string_append_printf (s, "[%u]", l->index);
          continue;
        }
      raw = g_strndup (l->key ? l->key : "", l->key_len);
      key = bc_cut (raw, BC_QUOTE_MAX);
      g_string_append_printf (s, "%s%s", s->len ? "." : "", key);
    }
  if (s->len == 0)
    g_string_append (s, "the line");
  return g_string_free (s, FALSE);
}

static gsize
digits (const Lexer *lx, gsize i)
{
  while (i < lx->len && g_ascii_isdigit (lx->text[i]))
    i++;
  return i;
}

/* An integer token that a gint64 holds; the error names the member. */
static gboolean
check_range (const Lexer *lx, gsize start, gsize end, GError **error)
{
  g_autofree char *token = g_strndup (lx->text + start, end - start);
  g_autofree char *path = NULL;

  errno = 0;
  g_ascii_strtoll (token, NULL, 10);
  if (errno != ERANGE)
    return TRUE;
  path = path_of (lx);
  return bc_set_error (error, BC_ERROR_FAILED, "%s: %.*s%s is out of range (%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")",
                       path, SHOWN_MAX, token, strlen (token) > SHOWN_MAX ? "..." : "", G_MININT64, G_MAXINT64);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and a delimiter. */
static gboolean
lex_number (Lexer *lx, GError **error)
{
  gsize start = lx->i, i = lx->i, d;
  gboolean integer = TRUE;

  i += lx->text[i] == '-';
  if ((d = digits (lx, i)) == i || (lx->text[i] == '0' && d > i + 1))
    return bad_token (lx, start, "a JSON number", error);
  i = d;
  if (i < lx->len && lx->text[i] == '.')
    {
      integer = FALSE;
      if ((d = digits (lx, i + 1)) == i + 1)
        return bad_token (lx, start, "a JSON number", error);
      i = d;
    }
  if (i < lx->len && (lx->text[i] == 'e' || lx->text[i] == 'E'))
    {
      integer = FALSE;
      i += 1 + (i + 1 < lx->len && (lx->text[i + 1] == '+' || lx->text[i + 1] == '-'));
      if ((d = digits (lx, i)) == i)
        return bad_token (lx, start, "a JSON number", error);
      i = d;
    }
  if (!delimiter (lx, i))
    return bad_token (lx, start, "a JSON number", error);
  lx->i = i;
  return !integer || check_range (lx, start, i, error);
}

static gboolean
lex_escape (Lexer *lx, GError **error)
{
  gsize at = lx->i;
  char c = lx->i + 1 < lx->len ? lx->text[lx->i + 1] : '\0';

  if (c == 'u')
    {
      for (guint k = 2; k < 6; k++)
        if (at + k >= lx->len || !g_ascii_isxdigit (lx->text[at + k]))
          return bc_set_error (error, BC_ERROR_FAILED, "not JSON: a bad \\u escape at byte %" G_GSIZE_FORMAT, at + 1);
      /* json-glib ends the string there: "a\u0000b" would read as "a" */
      if (memcmp (lx->text + at + 2, "0000", 4) == 0)
        return bc_set_error (error, BC_ERROR_FAILED, "not JSON: an escaped NUL in a string at byte %" G_GSIZE_FORMAT, at + 1);
      lx->i += 6;
      return TRUE;
    }
  if (c == '\0' || strchr ("\"\\/bfnrt", c) == NULL)
    return bc_set_error (error, BC_ERROR_FAILED, "not JSON: a bad escape at byte %" G_GSIZE_FORMAT, at + 1);
  lx->i += 2;
  return TRUE;
}

static gboolean
lex_string (Lexer *lx, GError **error)
{
  gsize start = ++lx->i;

  while (lx->i < lx->len && lx->text[lx->i] != '"')
    {
      guchar c = (guchar) lx->text[lx->i];

      if (c < 0x20)
        return bc_set_error (error, BC_ERROR_FAILED, "not JSON: a control character (0x%02x) in a string at byte %" G_GSIZE_FORMAT,
                             c, lx->i + 1);
      if (c == '\\' && !lex_escape (lx, error))
        return FALSE;
      if (c != '\\')
        lx->i++;
    }
  if (lx->i >= lx->len)
    return bc_set_error (error, BC_ERROR_FAILED, "not JSON: a string not closed, from byte %" G_GSIZE_FORMAT, start);
  lx->str = lx->text + start;
  lx->str_len = lx->i - start;
  lx->i++;
  return TRUE;
}

static gboolean
lex_word (Lexer *lx, GError **error)
{
  static const char *const words[] = { "true", "false", "null" };

  for (guint k = 0; k < G_N_ELEMENTS (words); k++)
    {
      gsize n = strlen (words[k]);

      if (lx->len - lx->i >= n && memcmp (lx->text + lx->i, words[k], n) == 0 && delimiter (lx, lx->i + n))
        {
          lx->i += n;
          return TRUE;
        }
    }
  return bad_token (lx, lx->i, "true, false or null", error);
}

/* { [ } ] : , */
static gboolean
lex_structure (Lexer *lx, char c, GError **error)
{
  Level *top = lx->depth ? &lx->stack[lx->depth - 1] : NULL;

  if (c == '{' || c == '[')
    {
      if (lx->depth == BC_JSON_DEPTH_MAX)
        return bc_set_error (error, BC_ERROR_FAILED, "not JSON: nested deeper than %d", BC_JSON_DEPTH_MAX);
      lx->stack[lx->depth++] = (Level) { c == '[', 0, NULL, 0 };
    }
  else if ((c == '}' || c == ']') && top)
    lx->done = --lx->depth == 0;
  else if (c == ':' && top && !top->array)
    top->key = lx->str, top->key_len = lx->str_len;
  else if (c == ',' && top && top->array)
    top->index++;
  lx->i++;
  return TRUE;
}

static gboolean
unexpected (const Lexer *lx, GError **error)
{
  guchar c = (guchar) lx->text[lx->i];

  if (g_ascii_isprint (c))
    return bc_set_error (error, BC_ERROR_FAILED, "not JSON: unexpected character '%c' at byte %" G_GSIZE_FORMAT, c, lx->i + 1);
  return bc_set_error (error, BC_ERROR_FAILED, "not JSON: unexpected character 0x%02x at byte %" G_GSIZE_FORMAT, c, lx->i + 1);
}

gboolean
bc_json_check_tokens (const char *text, gsize len, GError **error)
{
  Lexer lx = { .text = text, .len = len };

  while (lx.i < len)
    {
      char c = text[lx.i];
      gboolean ok;

      if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        {
          lx.i++;
          continue;
        }
      /* json-glib reads the first of "{...} {...}" and drops the rest */
      if (lx.done && (c == '{' || c == '[' || c == '"' || c == '-' || g_ascii_isalnum (c)))
        return bc_set_error (error, BC_ERROR_FAILED, "not JSON: a second value at byte %" G_GSIZE_FORMAT, lx.i + 1);
      if (strchr ("{}[]:,", c) && c != '\0')
        ok = lex_structure (&lx, c, error);
      else if (c == '"')
        ok = lex_string (&lx, error);
      else if (c == '-' || g_ascii_isdigit (c))
        ok = lex_number (&lx, error);
      else if (g_ascii_isalpha (c))
        ok = lex_word (&lx, error);
      else
        ok = unexpected (&lx, error);
      if (!ok)
        return FALSE;
      /* a string, number or word alone is the whole value */
      lx.done = lx.done || (lx.depth == 0 && strchr ("{}[]:,", c) == NULL);
    }
  return TRUE;
}

/* ---- members given twice ------------------------------------------------ */

typedef struct {
  GHashTable *seen;        /* JsonObject * -> members read so far */
  char *twice;             /* the first member given twice, or NULL */
} Unique;

static void
unique_member (JsonParser *parser, JsonObject *object, const char *name, gpointer data)
{
  Unique *u = data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (u->seen, object)) + 1;

  (void) parser;
  g_hash_table_insert (u->seen, object, GUINT_TO_POINTER (n));
  /* json-glib keeps the last of two members of one name: one fewer */
  if (n != json_object_get_size (object) && u->twice == NULL)
    u->twice = bc_cut (name, SHOWN_MAX);
}

gboolean
bc_json_load_unique (JsonParser *parser, const char *text, gsize len, GError **error)
{
  Unique u = { g_hash_table_new (g_direct_hash, g_direct_equal), NULL };
  gulong id = g_signal_connect (parser, "object-member", G_CALLBACK (unique_member), &u);
  gboolean ok = json_parser_load_from_data (parser, text, (gssize) len, error);

  g_signal_handler_disconnect (parser, id);
  g_hash_table_unref (u.seen);
  if (ok && u.twice)
    ok = bc_set_error (error, BC_ERROR_FAILED, "the member \"%s\" given twice in one object", u.twice);
  g_free (u.twice);
  return ok;
}
