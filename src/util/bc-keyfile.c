/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-keyfile"

#include "bc-keyfile.h"
#include "bc-error.h"
#include "bc-quote.h"

#include <string.h>

typedef struct {
  const char *name;
  GHashTable *groups;  /* group -> line of its header */
  GHashTable *keys;    /* key of the current group -> its line */
  char *group;         /* NULL before the first header */
  guint line;
} Scan;

static gboolean
duplicate (Scan *s, GHashTable *seen, const char *what, GError **error)
{
  guint first = GPOINTER_TO_UINT (g_hash_table_lookup (seen, what));
  g_autofree char *group = bc_cut (s->group, BC_QUOTE_MAX);
  g_autofree char *key = NULL;

  if (first == 0)
    {
      g_hash_table_insert (seen, g_strdup (what), GUINT_TO_POINTER (s->line));
      return TRUE;
    }
  if (seen == s->groups)
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] given twice (lines %u and %u)", s->name, group, first, s->line);
  key = bc_cut (what, BC_QUOTE_MAX);
  return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: given twice (lines %u and %u)", s->name, group, key, first, s->line);
}

static gboolean
header (Scan *s, const char *p, GError **error)
{
  const char *end = strrchr (p, ']');

  if (end == NULL)
    return TRUE; /* not a header: GKeyFile says so */
  g_free (s->group);
  s->group = g_strndup (p + 1, end - p - 1);
  g_hash_table_remove_all (s->keys);
  return duplicate (s, s->groups, s->group, error);
}

static gboolean
key_value (Scan *s, const char *p, const char *eq, GError **error)
{
  g_autofree char *key = g_strchomp (g_strndup (p, eq - p));
  g_autofree char *group = NULL, *shown = NULL;

  if (s->group == NULL)
    return TRUE; /* a key before any group: GKeyFile says so */
  if (strchr (key, '[') == NULL)
    return duplicate (s, s->keys, key, error);
  group = bc_cut (s->group, BC_QUOTE_MAX);
  shown = bc_cut (key, BC_QUOTE_MAX);
  return bc_set_error (error, BC_ERROR_CONFIG, "%s: [%s] %s: unknown key", s->name, group, shown);
}

static gboolean
check_line (Scan *s, char *line, GError **error)
{
  const char *p = g_strstrip (line);
  const char *eq = strchr (p, '=');
  g_autofree char *shown = NULL;

  if (*p == '\0' || *p == '#')
    return TRUE;
  if (*p == '[')
    return header (s, p, error);
  if (eq)
    return key_value (s, p, eq, error);
  shown = bc_quote (p, BC_QUOTE_MAX);
  return bc_set_error (error, BC_ERROR_CONFIG, "%s: line %u is not a [group], key=value or # comment: %s", s->name, s->line, shown);
}

gboolean
bc_keyfile_check (const char *data, gsize len, const char *name, GError **error)
{
  const char *nul = memchr (data, '\0', len);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  Scan s = { name, NULL, NULL, NULL, 0 };
  gboolean ok = TRUE;

  if (nul)
    return bc_set_error (error, BC_ERROR_CONFIG, "%s: a NUL byte at offset %" G_GSIZE_FORMAT, name, (gsize) (nul - data));
  text = g_strndup (data, len);
  lines = g_strsplit (text, "\n", -1);
  s.groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s.keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; ok && lines[i]; i++)
    {
      s.line = i + 1;
      ok = check_line (&s, lines[i], error);
    }
  g_hash_table_unref (s.groups);
  g_hash_table_unref (s.keys);
  g_free (s.group);
  return ok;
}
