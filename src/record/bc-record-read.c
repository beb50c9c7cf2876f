/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a recorded line back: strict, bounded, every member checked
 * against the tables of bc-record.c; the configuration through
 * bc_config_load_data, as the file is checked. */
#define G_LOG_DOMAIN "balloonctl-record"

#include "bc-record-fields.h"
#include "bc-json.h"
#include "bc-json-strict.h"
#include "bc-error.h"
#include "bc-quote.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define PARSER_MESSAGE_MAX 256 /* of json-glib's message, which may quote the line */

static gboolean read_fields (JsonNode *node, const Field *table, gpointer base, guint extra,
                             const char *path, GError **error);

static gboolean
bad (GError **error, const char *path, const char *what)
{
  return bc_set_error (error, BC_ERROR_RECORD, "%s: %s", path, what);
}

static gboolean
read_int (JsonNode *n, const char *path, gint64 *out, GError **error)
{
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return bad (error, path, "not a whole number");
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
out_of_range (GError **error, const char *path, const char *v, const char *lo, const char *hi)
{
  return bc_set_error (error, BC_ERROR_RECORD, "%s: %s is out of range (%s..%s)", path, v, lo, hi);
}

static gboolean
read_signed (JsonNode *n, const char *path, gint64 lo, gint64 hi, gint64 *out, GError **error)
{
  char v[32], l[32], h[32];

  if (!read_int (n, path, out, error))
    return FALSE;
  if (*out >= lo && *out <= hi)
    return TRUE;
  g_snprintf (v, sizeof v, "%" G_GINT64_FORMAT, *out);
  g_snprintf (l, sizeof l, "%" G_GINT64_FORMAT, lo);
  g_snprintf (h, sizeof h, "%" G_GINT64_FORMAT, hi);
  return out_of_range (error, path, v, l, h);
}

/* An integer, or beyond what JSON integers hold, its digits as a string. */
static gboolean
read_unsigned (JsonNode *n, const char *path, guint64 max, guint64 *out, GError **error)
{
  const char *s = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                  ? json_node_get_string (n) : NULL;
  gint64 v;
  char text[32], h[32];

  if (s == NULL && !read_int (n, path, &v, error))
    return FALSE;
  if (s && (!g_ascii_isdigit (s[0]) || !g_ascii_string_to_unsigned (s, 10, (guint64) G_MAXINT64 + 1, G_MAXUINT64, out, NULL)))
    return bad (error, path, "a string that is not a whole number above 2^63 - 1");
  if (s == NULL && v < 0)
    return bad (error, path, "negative");
  if (s == NULL)
    *out = (guint64) v;
  if (*out <= max)
    return TRUE;
  g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT, *out);
  g_snprintf (h, sizeof h, "%" G_GUINT64_FORMAT, max);
  return out_of_range (error, path, text, "0", h);
}

static const char *
read_string (JsonNode *n, const char *path, gsize max_len, GError **error)
{
  const char *s;

  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return bad (error, path, "not a string"), NULL;
  s = json_node_get_string (n);
  if (strlen (s) > max_len)
    return bc_set_error (error, BC_ERROR_RECORD, "%s: longer than %" G_GSIZE_FORMAT " bytes", path, max_len), NULL;
  return s;
}

static gboolean
read_enum (JsonNode *n, const Field *f, const char *path, int *out, GError **error)
{
  const char *const *names = f->more;
  const char *s = read_string (n, path, 64, error);

  for (guint i = 0; s && i < f->max; i++)
    if (strcmp (s, names[i]) == 0)
      return *out = (int) i, TRUE;
  return s ? bad (error, path, "not a known value") : FALSE;
}

static gboolean
read_bool (JsonNode *n, const char *path, gboolean *out, GError **error)
{
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return bad (error, path, "not true or false");
  *out = json_node_get_boolean (n);
  return TRUE;
}

static gboolean
read_text (JsonNode *n, const Field *f, const char *path, gpointer p, GError **error)
{
  const char *s = read_string (n, path, f->max - 1, error);

  if (s)
    g_strlcpy (p, s, f->max);
  return s != NULL;
}

static gboolean
read_uint (JsonNode *n, const Field *f, const char *path, guint *out, GError **error)
{
  guint64 v;

  if (!read_unsigned (n, path, f->max, &v, error))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
read_field (JsonNode *n, const Field *f, gpointer base, const char *path, GError **error)
{
  gpointer p = G_STRUCT_MEMBER_P (base, f->offset);
  const char *s;

  switch (f->kind)
    {
    case F_BOOL: return read_bool (n, path, p, error);
    case F_U64: return read_unsigned (n, path, f->max, p, error);
    case F_I64: return read_signed (n, path, f->lo, f->hi, p, error);
    case F_UINT: return read_uint (n, f, path, p, error);
    case F_ENUM: return read_enum (n, f, path, p, error);
    case F_TEXT: return read_text (n, f, path, p, error);
    case F_STRING:
      if (JSON_NODE_HOLDS_NULL (n))
        return TRUE;
      if ((s = read_string (n, path, f->max, error)) == NULL)
        return FALSE;
      *(char **) p = g_strdup (s);
      return TRUE;
    case F_OBJECT: return read_fields (n, f->more, p, 0, path, error);
    case F_GONE: return read_unsigned (n, path, f->max, &(guint64) { 0 }, error);
    default: g_assert_not_reached ();
    }
}

static char *
path_join (const char *path, const char *name)
{
  return path[0] ? g_strconcat (path, ".", name, NULL) : g_strdup (name);
}

/* The members of table, all of them, and extra others the caller reads:
 * no more. */
static gboolean
read_fields (JsonNode *node, const Field *table, gpointer base, guint extra, const char *path, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  guint n = 0;

  if (o == NULL)
    return bad (error, path[0] ? path : "the line", "not an object");
  for (const Field *f = table; f->name; f++)
    {
      g_autofree char *sub = path_join (path, f->name);
      JsonNode *member = json_object_get_member (o, f->name);

      if (member == NULL && f->kind == F_GONE)
        continue;
      if (member == NULL && f->later)
        {
          memset ((char *) base + f->offset, 0, sizeof (gint64));
          continue;
        }
      n++;
      if (member == NULL)
        return bad (error, sub, "missing");
      if (!read_field (member, f, base, sub, error))
        return FALSE;
    }
  if (json_object_get_size (o) != n + extra)
    return bad (error, path[0] ? path : "the line", "has members it should not have");
  return TRUE;
}

static gboolean
plain (const char *s, const char *allowed)
{
  return s[0] && strspn (s, allowed) == strlen (s);
}

/* A recorded value as balloonctl.conf would say it, or NULL. */
static char *
plain_value (JsonNode *v)
{
  GType t = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;
  g_autofree char *s = NULL;

  if (t == G_TYPE_INT64)
    s = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (v));
  else if (t == G_TYPE_BOOLEAN)
    s = g_strdup (json_node_get_boolean (v) ? "true" : "false");
  else if (t == G_TYPE_STRING)
    s = g_strdup (json_node_get_string (v));
  return s && plain (s, "abcdefghijklmnopqrstuvwxyz0123456789-") ? g_steal_pointer (&s) : NULL;
}

/* The text bc_config_load_data reads, from the recorded groups: names and
 * values of plain characters only, so nothing else gets into the text. */
static gboolean
config_group (const char *group, JsonNode *node, GString *text, GError **error)
{
  g_autoptr (GList) keys = NULL;
  g_autofree char *shown = bc_quote (group, BC_QUOTE_MAX);

  if (!JSON_NODE_HOLDS_OBJECT (node) || !plain (group, "abcdefghijklmnopqrstuvwxyz"))
    return bc_set_error (error, BC_ERROR_RECORD, "config: %s is not a group of keys", shown);
  g_string_append_printf (text, "[%s]\n", group);
  keys = json_object_get_members (json_node_get_object (node));
  for (GList *k = keys; k; k = k->next)
    {
      g_autofree char *value = plain_value (json_object_get_member (json_node_get_object (node), k->data));
      g_autofree char *key = bc_cut (k->data, BC_QUOTE_MAX);

      if (value == NULL || !plain (k->data, "abcdefghijklmnopqrstuvwxyz0123456789-"))
        return bc_set_error (error, BC_ERROR_RECORD, "config: [%s] %s: not a plain value", group, key);
      g_string_append_printf (text, "%s=%s\n", (char *) k->data, value);
    }
  return TRUE;
}

static gboolean
config_text (JsonObject *o, GString *text, GError **error)
{
  g_autoptr (GList) groups = json_object_get_members (o);

  for (GList *g = groups; g; g = g->next)
    if (!config_group (g->data, json_object_get_member (o, g->data), text, error))
      return FALSE;
  return TRUE;
}

static gboolean
conf_key_recorded (JsonObject *o, const BcConfigKey *k)
{
  JsonNode *g = json_object_get_member (o, k->group);

  return g && JSON_NODE_HOLDS_OBJECT (g) && json_object_has_member (json_node_get_object (g), k->key);
}

/* Every key recorded, each checked as bc_config_load checks the file. */
static gboolean
read_config (JsonNode *node, BcConfig *cfg, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GError) local = NULL;
  const BcConfigKey *k;

  if (o == NULL)
    return bad (error, "config", "not an object");
  for (gsize i = 0; (k = bc_record_config_key (&i)) != NULL;)
    if (!conf_key_recorded (o, k) && k->recorded == BC_CONFIG_RECORDED)
      return bc_set_error (error, BC_ERROR_RECORD, "config: [%s] %s: missing", k->group, k->key);
  if (!config_text (o, text, error))
    return FALSE;
  bc_config_defaults (cfg);
  if (!bc_config_load_data (cfg, text->str, "config", &local))
    return bc_set_error (error, BC_ERROR_RECORD, "%s", local->message);
  for (gsize i = 0; (k = bc_record_config_key (&i)) != NULL;)
    if (k->recorded == BC_CONFIG_RECORDED_LATER && !conf_key_recorded (o, k))
      bc_record_config_zero (cfg, k);
  return TRUE;
}

static gboolean
uuid_valid (const char *s)
{
  for (guint i = 0; i < 36; i++)
    if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !g_ascii_isxdigit (s[i]))
      return FALSE;
  return s[36] == '\0';
}

/* The domain's virtio-mem device, whose figures must hold together as
 * the daemon reads them (bc_vmem_device_valid). */
static gboolean
read_vmem (JsonNode *node, BcRecordDomain *d, const char *path, GError **error)
{
  g_autofree char *sub = g_strconcat (path, ".virtio_mem", NULL);
  g_autoptr (GError) local = NULL;

  if (node == NULL)
    return bad (error, sub, "missing");
  if (!read_fields (node, bc_record_vmem_fields, &d->vmem, 0, sub, error))
    return FALSE;
  if (!bc_vmem_device_valid (&d->vmem, &local))
    return bad (error, sub, local->message);
  return TRUE;
}

/* "memory_device", and for virtio-mem "virtio_mem"; neither in a line
 * made before they were recorded: the balloon.  *members: how many. */
static gboolean
read_memory_device (JsonObject *o, BcRecordDomain *d, const char *path, guint *members, GError **error)
{
  g_autofree char *sub = g_strconcat (path, ".memory_device", NULL);
  JsonNode *device = json_object_get_member (o, "memory_device");
  JsonNode *vmem = json_object_get_member (o, "virtio_mem");
  const char *s;

  *members = (device != NULL) + (vmem != NULL);
  if (device == NULL && vmem == NULL)
    return TRUE;
  if (device == NULL)
    return bad (error, sub, "missing beside virtio_mem");
  if ((s = read_string (device, sub, 64, error)) == NULL)
    return FALSE;
  d->in.plugged = strcmp (s, BC_RECORD_VIRTIO_MEM) == 0;
  if (!d->in.plugged && strcmp (s, BC_RECORD_BALLOON) != 0)
    return bad (error, sub, "not a known value");
  if (!d->in.plugged && vmem != NULL)
    return bad (error, sub, "the balloon, beside virtio_mem");
  return !d->in.plugged || read_vmem (vmem, d, path, error);
}

static gboolean
read_domain (JsonNode *node, BcRecordDomain *d, guint i, GError **error)
{
  g_autofree char *path = g_strdup_printf ("domains[%u]", i);
  g_autofree char *uuid_path = g_strconcat (path, ".uuid", NULL);
  g_autofree char *name_path = g_strconcat (path, ".name", NULL);
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *uuid = o ? json_object_get_member (o, "uuid") : NULL;
  JsonNode *name = o ? json_object_get_member (o, "name") : NULL;
  const char *s;
  guint device = 0;

  if (o && (uuid == NULL || name == NULL))
    return bad (error, uuid == NULL ? uuid_path : name_path, "missing");
  if (o && !read_memory_device (o, d, path, &device, error))
    return FALSE;
  if (!read_fields (node, bc_record_domain_fields, d, 2 + device, path, error))
    return FALSE;
  if ((s = read_string (uuid, uuid_path, 36, error)) == NULL)
    return FALSE;
  if (!uuid_valid (s))
    return bad (error, uuid_path, "not a UUID");
  g_strlcpy (d->uuid, s, sizeof d->uuid);
  if ((s = read_string (name, name_path, BC_RECORD_NAME_MAX_LEN, error)) == NULL)
    return FALSE;
  if (s[0] == '\0')
    return bad (error, name_path, "empty");
  d->name = g_strdup (s);
  return TRUE;
}

static gboolean
read_domains (JsonNode *node, BcRecordPass *out, GError **error)
{
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  if (a == NULL)
    return bad (error, "domains", "not an array");
  out->domains = g_new0 (BcRecordDomain, MAX (json_array_get_length (a), 1));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      /* counted first: a domain half read is cleared with the others */
      out->n = i + 1;
      if (!read_domain (json_array_get_element (a, i), &out->domains[i], i, error))
        return FALSE;
    }
  return TRUE;
}

/* json-glib recurses on nesting: refuse deep text before it sees it. */
static gboolean
depth_ok (const char *text, gsize len)
{
  return bc_json_nesting_depth (text, len, BC_RECORD_DEPTH_MAX) <= BC_RECORD_DEPTH_MAX;
}

static gboolean
parse_root (const char *text, gsize len, JsonParser *parser, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (len > BC_RECORD_LINE_MAX)
    return bc_set_error (error, BC_ERROR_RECORD, "longer than %d bytes", BC_RECORD_LINE_MAX);
  if (memchr (text, '\0', len))
    return bc_set_error (error, BC_ERROR_RECORD, "a NUL byte");
  if (!depth_ok (text, len))
    return bc_set_error (error, BC_ERROR_RECORD, "nested deeper than %d", BC_RECORD_DEPTH_MAX);
  /* json-glib reads 0x10, 010 and 'quotes', and wraps 2^63 round */
  if (!bc_json_check_tokens (text, len, &local))
    return bc_set_error (error, BC_ERROR_RECORD, "%s", local->message);
  if (!bc_json_load_unique (parser, text, len, &local) && local->domain == BC_ERROR)
    return bc_set_error (error, BC_ERROR_RECORD, "%s", local->message);
  if (local)
    {
      /* it may quote the line's own bytes: cut (escaped where written) */
      g_autofree char *shown = bc_cut (local->message, PARSER_MESSAGE_MAX);

      return bc_set_error (error, BC_ERROR_RECORD, "not JSON: %s", shown);
    }
  /* nothing but blanks: no value at all */
  if (json_parser_get_root (parser) == NULL)
    return bc_set_error (error, BC_ERROR_RECORD, "empty");
  return TRUE;
}

static gboolean
read_pass (JsonNode *root, BcRecordPass *out, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *format = o ? json_object_get_member (o, "format") : NULL;
  JsonNode *config = o ? json_object_get_member (o, "config") : NULL;
  JsonNode *domains = o ? json_object_get_member (o, "domains") : NULL;
  JsonNode *host = o ? json_object_get_member (o, "host") : NULL;
  gint64 v;

  if (o == NULL)
    return bad (error, "the line", "not an object");
  if (format == NULL)
    return bad (error, "format", "missing: not a balloonctl recording");
  if (!read_int (format, "format", &v, error))
    return FALSE;
  if (v < BC_RECORD_FORMAT_OLDEST || v > BC_RECORD_FORMAT)
    return bc_set_error (error, BC_ERROR_RECORD, "format %" G_GINT64_FORMAT ": this balloonctl reads formats %d to %d", v,
                         BC_RECORD_FORMAT_OLDEST, BC_RECORD_FORMAT);
  if (config == NULL || domains == NULL || (v >= 2 && host == NULL))
    return bad (error, config == NULL ? "config" : domains == NULL ? "domains" : "host", "missing");
  /* format 1 has no "host": one member fewer, and it is then unknown */
  out->have_host = v >= 2;
  if (!read_fields (root, bc_record_pass_fields, out, out->have_host ? 4 : 3, "", error) || !read_config (config, &out->cfg, error))
    return FALSE;
  if (out->have_host && !read_fields (host, bc_record_host_fields, &out->host, 0, "host", error))
    return FALSE;
  /* no daemon runs on a budget of nothing */
  if (out->have_host && bc_config_budget_kib (&out->cfg, out->host.host_kib) == 0)
    return bad (error, "host_kib", "leaves no budget under the recorded configuration");
  if (out->budget_kib == 0)
    return bad (error, "budget_kib", "0");
  return read_domains (domains, out, error);
}

gboolean
bc_record_from_json (const char *text, gsize len, BcRecordPass *out, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();

  memset (out, 0, sizeof *out);
  if (parse_root (text, len, parser, error) && read_pass (json_parser_get_root (parser), out, error))
    return TRUE;
  bc_record_pass_clear (out);
  return FALSE;
}

void
bc_record_pass_clear (BcRecordPass *pass)
{
  for (gsize i = 0; i < pass->n; i++)
    {
      g_free (pass->domains[i].name);
      bc_pass_output_clear (&pass->domains[i].out);
    }
  g_clear_pointer (&pass->domains, g_free);
  pass->n = 0;
}

