/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The line's members are the structs' own, named as in the C source, one
 * table a struct: writing and reading walk the same tables, so a member
 * written is a member read.  The configuration is recorded under the
 * names of balloonctl.conf and read back through bc_config_load_data,
 * which checks it as it checks the file. */
#define G_LOG_DOMAIN "balloonctl-record"

#include "bc-record.h"
#include "bc-json.h"
#include "bc-config-file.h"
#include "bc-json-strict.h"
#include "bc-error.h"
#include "bc-quote.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define NAME_MAX_LEN 4096   /* a domain's name */
#define REASON_MAX_LEN 4096 /* a change's reason */
#define PARSER_MESSAGE_MAX 256 /* of json-glib's message, which may quote the line */
#define SKIB_MAX ((gint64) BC_RECORD_KIB_MAX)

/* ---- the tables ------------------------------------------------------ */

typedef enum { F_BOOL, F_U64, F_I64, F_UINT, F_ENUM, F_TEXT, F_STRING, F_OBJECT } FieldKind;

typedef struct Field {
  const char *name;
  FieldKind kind;
  gsize offset;
  gint64 lo, hi;           /* F_I64 */
  guint64 max;             /* F_U64, F_UINT; F_TEXT: the array's size */
  const void *more;        /* F_OBJECT: its table; F_ENUM: its names */
  gboolean later;          /* F_U64 or F_I64 added later: a recording made
                              before lacks it, and it reads as 0 */
} Field;

#define FIELD(s, f, kind, lo, hi, max, more) { #f, kind, G_STRUCT_OFFSET (s, f), lo, hi, max, more }
#define BOOL(s, f) FIELD (s, f, F_BOOL, 0, 0, 0, NULL)
#define KIB(s, f) FIELD (s, f, F_U64, 0, 0, BC_RECORD_KIB_MAX, NULL)
#define COUNTER(s, f) FIELD (s, f, F_U64, 0, 0, BC_RECORD_COUNTER_MAX, NULL)
#define SKIB(s, f) FIELD (s, f, F_I64, -SKIB_MAX, SKIB_MAX, 0, NULL)
#define MS(s, f) FIELD (s, f, F_I64, -1, BC_RECORD_MS_MAX, 0, NULL)
#define OBJECT(s, f, table) FIELD (s, f, F_OBJECT, 0, 0, 0, table)
#define ENUM(s, f, names) FIELD (s, f, F_ENUM, 0, 0, G_N_ELEMENTS (names), names)
/* fields added later, 0 when a recording lacks them */
#define KIB_LATER(s, f) { #f, F_U64, G_STRUCT_OFFSET (s, f), 0, 0, BC_RECORD_KIB_MAX, NULL, TRUE }
#define SKIB_LATER(s, f) { #f, F_I64, G_STRUCT_OFFSET (s, f), -SKIB_MAX, SKIB_MAX, 0, NULL, TRUE }
#define MS_LATER(s, f) { #f, F_I64, G_STRUCT_OFFSET (s, f), -1, BC_RECORD_MS_MAX, 0, NULL, TRUE }
/* a member of a member, recorded under a name of its own */
#define NAMED(name, s, f, kind, lo, hi, max, more) { name, kind, G_STRUCT_OFFSET (s, f), lo, hi, max, more }
#define END { NULL }

static const char *const state_names[] = { "UP", "DOWN" };
static const char *const freeze_names[] = { "none", "agent", "balloon" };
static const char *const action_names[] = { "none", "set", "dry-run" };

static const Field balloon_fields[] = {
  KIB (BcBalloonFigures, current_kib), KIB (BcBalloonFigures, max_kib), BOOL (BcBalloonFigures, have_stats),
  KIB (BcBalloonFigures, available_kib), KIB (BcBalloonFigures, usable_kib),
  KIB (BcBalloonFigures, disk_caches_kib), MS (BcBalloonFigures, last_update_s),
  BOOL (BcBalloonFigures, autodeflate), KIB (BcBalloonFigures, actual_kib), END
};
static const Field meminfo_fields[] = {
  KIB (BcMeminfo, mem_total_kib), KIB (BcMeminfo, mem_free_kib), KIB (BcMeminfo, mem_available_kib),
  KIB (BcMeminfo, cached_kib), KIB (BcMeminfo, active_file_kib), KIB (BcMeminfo, inactive_file_kib),
  KIB (BcMeminfo, committed_as_kib), END
};
static const Field vmstat_fields[] = {
  COUNTER (BcVmstat, refault_file), COUNTER (BcVmstat, pgpgin_kib), BOOL (BcVmstat, have_refault), END
};
static const Field guest_fields[] = {
  OBJECT (BcGuestFigures, meminfo, meminfo_fields), OBJECT (BcGuestFigures, vmstat, vmstat_fields),
  BOOL (BcGuestFigures, have_vmstat), MS (BcGuestFigures, at_ms), END
};
static const Field policy_fields[] = {
  BOOL (BcDomainPolicy, enabled), KIB (BcDomainPolicy, min_kib), KIB (BcDomainPolicy, max_kib),
  FIELD (BcDomainPolicy, weight, F_UINT, 0, 0, 10000, NULL), END
};
/* refault_file_kib is guest pages times 4: the whole of a guint64 */
static const Field sample_fields[] = {
  KIB (BcMarginSample, cached_kib), KIB (BcMarginSample, active_file_kib),
  KIB_LATER (BcMarginSample, inactive_file_kib),
  FIELD (BcMarginSample, refault_file_kib, F_U64, 0, 0, G_MAXUINT64, NULL),
  BOOL (BcMarginSample, have_active_file), BOOL (BcMarginSample, have_refault), MS (BcMarginSample, at_ms),
  KIB (BcMarginSample, size_kib), KIB (BcMarginSample, max_kib), KIB (BcMarginSample, free_kib),
  KIB (BcMarginSample, committed_kib), FIELD (BcMarginSample, host_free_bp, F_UINT, 0, 0, 10000, NULL), END
};
static const Field margin_fields[] = {
  ENUM (BcMarginState, state, state_names), SKIB (BcMarginState, margin_kib), MS (BcMarginState, last_tick_ms),
  BOOL (BcMarginState, have_prev), OBJECT (BcMarginState, prev, sample_fields),
  SKIB (BcMarginState, shrink_step_kib), MS (BcMarginState, hold_until_ms), SKIB (BcMarginState, edge_kib),
  MS (BcMarginState, edge_at_ms), SKIB (BcMarginState, grown_kib),
  MS_LATER (BcMarginState, hold_ms), SKIB_LATER (BcMarginState, refault_rate_kib),
  FIELD (BcMarginState, reason, F_TEXT, 0, 0, sizeof ((BcMarginState *) 0)->reason, NULL), END
};
static const Field input_fields[] = {
  BOOL (BcPassInput, managed), BOOL (BcPassInput, running), BOOL (BcPassInput, have_balloon),
  OBJECT (BcPassInput, balloon, balloon_fields), MS (BcPassInput, balloon_updated_ms),
  OBJECT (BcPassInput, guest, guest_fields), BOOL (BcPassInput, agent_seen),
  FIELD (BcPassInput, agent_failures, F_UINT, 0, 0, G_MAXUINT, NULL),
  OBJECT (BcPassInput, policy, policy_fields),
  /* the carry, under the names format 1 gave its members */
  NAMED ("margin", BcPassInput, carry.margin, F_OBJECT, 0, 0, 0, margin_fields),
  NAMED ("requested_kib", BcPassInput, carry.requested_kib, F_U64, 0, 0, BC_RECORD_KIB_MAX, NULL),
  NAMED ("requested_at_ms", BcPassInput, carry.requested_at_ms, F_I64, -1, BC_RECORD_MS_MAX, 0, NULL),
  NAMED ("apply_inflight", BcPassInput, carry.apply_inflight, F_BOOL, 0, 0, 0, NULL),
  NAMED ("budget_held", BcPassInput, carry.budget_held, F_BOOL, 0, 0, 0, NULL),
  NAMED ("last_current_kib", BcPassInput, carry.last_current_kib, F_U64, 0, 0, BC_RECORD_KIB_MAX, NULL),
  NAMED ("hold_floor_kib", BcPassInput, carry.took_back_floor_kib, F_U64, 0, 0, BC_RECORD_KIB_MAX, NULL),
  NAMED ("hold_until_ms", BcPassInput, carry.took_back_until_ms, F_I64, -1, BC_RECORD_MS_MAX, 0, NULL), END
};
static const Field output_fields[] = {
  BOOL (BcPassOutput, decided), ENUM (BcPassOutput, frozen, freeze_names), KIB (BcPassOutput, granted_kib),
  BOOL (BcPassOutput, budget_held), ENUM (BcPassOutput, action, action_names), KIB (BcPassOutput, old_kib),
  KIB (BcPassOutput, new_kib), FIELD (BcPassOutput, reason, F_STRING, 0, 0, REASON_MAX_LEN, NULL), END
};
static const Field domain_fields[] = {
  FIELD (BcRecordDomain, run, F_I64, -1, G_MAXINT32, 0, NULL),
  OBJECT (BcRecordDomain, in, input_fields), OBJECT (BcRecordDomain, out, output_fields), END
};
static const Field pass_fields[] = {
  FIELD (BcRecordPass, pass, F_U64, 0, 0, BC_RECORD_MS_MAX, NULL),
  NAMED ("host_kib", BcRecordPass, host.host_kib, F_U64, 0, 0, BC_RECORD_KIB_MAX, NULL),
  KIB (BcRecordPass, budget_kib), MS (BcRecordPass, now_ms), BOOL (BcRecordPass, dry_run), END
};
/* the host's figures: G_MAXUINT64 is a cgroup without a limit */
static const Field host_figures_fields[] = {
  KIB (BcHostFigures, mem_total_kib), KIB (BcHostFigures, mem_available_kib), BOOL (BcHostFigures, have_cgroup),
  FIELD (BcHostFigures, cgroup_max_kib, F_U64, 0, 0, G_MAXUINT64, NULL), KIB (BcHostFigures, cgroup_current_kib),
  BOOL (BcHostFigures, have_pressure), FIELD (BcHostFigures, pressure_some_bp, F_UINT, 0, 0, 10000, NULL), END
};
static const Field budget_state_fields[] = {
  KIB (BcBudgetState, budget_kib), MS (BcBudgetState, at_ms), BOOL (BcBudgetState, pressure), END
};
/* format 2 on: the member "host" */
static const Field host_fields[] = {
  OBJECT (BcPassHost, figures, host_figures_fields), MS (BcPassHost, figures_at_ms),
  OBJECT (BcPassHost, carry, budget_state_fields), END
};

/* The configuration, as balloonctl.conf names it. */
typedef enum { C_INT, C_MIB, C_BOOL, C_POLICY } ConfKind;

typedef struct {
  const char *group;
  const char *key;
  ConfKind kind;
  gsize offset;
  gboolean later;  /* added later: a recording made before lacks it, and
                      reads as false or 0, the behaviour before it */
  gboolean as_default; /* ...or, for a key no decision reads, as its
                          default */
} ConfKey;

#define C(g, k, kind, f) { g, k, kind, G_STRUCT_OFFSET (BcConfig, f), FALSE, FALSE }
#define LATER(g, k, kind, f) { g, k, kind, G_STRUCT_OFFSET (BcConfig, f), TRUE, FALSE }
#define LATER_DEFAULT(g, k, kind, f) { g, k, kind, G_STRUCT_OFFSET (BcConfig, f), TRUE, TRUE }
static const ConfKey conf_keys[] = {
  C ("controller", "apply-interval-ms", C_INT, apply_interval_ms),
  C ("controller", "margin-interval-ms", C_INT, margin_interval_ms),
  C ("controller", "policy", C_POLICY, policy),
  C ("controller", "agent-timeout-ms", C_INT, agent_timeout_ms),
  C ("controller", "agent", C_BOOL, agent),
  C ("margin", "initial-mib", C_MIB, margin.initial_kib),
  C ("margin", "min-mib", C_MIB, margin.min_kib),
  C ("margin", "max-mib", C_MIB, margin.max_kib),
  C ("margin", "step-mib", C_MIB, margin.step_kib),
  C ("margin", "down-step-mib", C_MIB, margin.down_step_kib),
  C ("margin", "threshold-mib", C_MIB, margin.threshold_kib),
  C ("safety", "guard-mib", C_MIB, clamp.guard_kib),
  C ("safety", "max-shrink-mib", C_MIB, clamp.max_shrink_kib),
  C ("safety", "dead-band-mib", C_MIB, clamp.dead_band_kib),
  C ("host", "budget-mib", C_MIB, budget_kib),
  C ("host", "reserve-mib", C_MIB, reserve_kib),
  LATER ("host", "follow", C_BOOL, follow),
  LATER ("host", "pressure-percent", C_INT, pressure_percent),
  LATER_DEFAULT ("host", "guest-size-mib", C_MIB, guest_size_kib),
  C ("domain", "min-mib", C_MIB, domain_min_kib),
  C ("domain", "max-mib", C_MIB, domain_max_kib),
  C ("domain", "weight", C_INT, domain_weight),
};
#undef C
#undef LATER
#undef LATER_DEFAULT

/* ---- writing ---------------------------------------------------------- */

static void write_fields (JsonBuilder *b, const Field *table, gconstpointer base);

static void
write_u64 (JsonBuilder *b, guint64 v)
{
  g_autofree char *s = NULL;

  if (v <= G_MAXINT64)
    {
      json_builder_add_int_value (b, (gint64) v);
      return;
    }
  /* JSON readers take integers as 64-bit signed, or as doubles */
  s = g_strdup_printf ("%" G_GUINT64_FORMAT, v);
  json_builder_add_string_value (b, s);
}

static void
write_field (JsonBuilder *b, const Field *f, gconstpointer base)
{
  gconstpointer p = G_STRUCT_MEMBER_P (base, f->offset);

  json_builder_set_member_name (b, f->name);
  switch (f->kind)
    {
    case F_BOOL: json_builder_add_boolean_value (b, *(const gboolean *) p); break;
    case F_U64: write_u64 (b, *(const guint64 *) p); break;
    case F_I64: json_builder_add_int_value (b, *(const gint64 *) p); break;
    case F_UINT: json_builder_add_int_value (b, *(const guint *) p); break;
    case F_ENUM: json_builder_add_string_value (b, ((const char *const *) f->more)[*(const int *) p]); break;
    case F_TEXT: json_builder_add_string_value (b, (const char *) p); break;
    case F_STRING:
      if (*(char *const *) p)
        json_builder_add_string_value (b, *(char *const *) p);
      else
        json_builder_add_null_value (b);
      break;
    case F_OBJECT: write_fields (b, f->more, p); break;
    default: g_assert_not_reached ();
    }
}

static void
write_fields (JsonBuilder *b, const Field *table, gconstpointer base)
{
  json_builder_begin_object (b);
  for (const Field *f = table; f->name; f++)
    write_field (b, f, base);
  json_builder_end_object (b);
}

static void
write_config (JsonBuilder *b, const BcConfig *cfg)
{
  const char *group = NULL;

  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (conf_keys); i++)
    {
      const ConfKey *k = &conf_keys[i];
      gconstpointer p = G_STRUCT_MEMBER_P (cfg, k->offset);

      if (g_strcmp0 (group, k->group) != 0)
        {
          if (group)
            json_builder_end_object (b);
          json_builder_set_member_name (b, k->group);
          json_builder_begin_object (b);
          group = k->group;
        }
      json_builder_set_member_name (b, k->key);
      if (k->kind == C_BOOL)
        json_builder_add_boolean_value (b, *(const gboolean *) p);
      else if (k->kind == C_POLICY)
        json_builder_add_string_value (b, bc_policy_to_string (*(const BcPolicy *) p));
      else
        json_builder_add_int_value (b, *(const gint64 *) p / (k->kind == C_MIB ? 1024 : 1));
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static void
write_domain (JsonBuilder *b, const BcRecordDomain *d)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "uuid");
  json_builder_add_string_value (b, d->uuid);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, d->name);
  for (const Field *f = domain_fields; f->name; f++)
    write_field (b, f, d);
  json_builder_end_object (b);
}

char *
bc_record_to_json (const BcRecordPass *pass)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, BC_RECORD_FORMAT);
  for (const Field *f = pass_fields; f->name; f++)
    write_field (b, f, pass);
  json_builder_set_member_name (b, "host");
  write_fields (b, host_fields, &pass->host);
  json_builder_set_member_name (b, "config");
  write_config (b, &pass->cfg);
  json_builder_set_member_name (b, "domains");
  json_builder_begin_array (b);
  for (gsize i = 0; i < pass->n; i++)
    write_domain (b, &pass->domains[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  return bc_json_escape_terminal (text);
}

/* ---- reading ---------------------------------------------------------- */

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
conf_key_recorded (JsonObject *o, const ConfKey *k)
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

  if (o == NULL)
    return bad (error, "config", "not an object");
  for (guint i = 0; i < G_N_ELEMENTS (conf_keys); i++)
    if (!conf_key_recorded (o, &conf_keys[i]) && !conf_keys[i].later)
      return bc_set_error (error, BC_ERROR_RECORD, "config: [%s] %s: missing", conf_keys[i].group, conf_keys[i].key);
  if (!config_text (o, text, error))
    return FALSE;
  bc_config_defaults (cfg);
  if (!bc_config_load_data (cfg, text->str, "config", &local))
    return bc_set_error (error, BC_ERROR_RECORD, "%s", local->message);
  for (guint i = 0; i < G_N_ELEMENTS (conf_keys); i++)
    if (conf_keys[i].later && !conf_keys[i].as_default && !conf_key_recorded (o, &conf_keys[i]))
      {
        if (conf_keys[i].kind == C_BOOL)
          G_STRUCT_MEMBER (gboolean, cfg, conf_keys[i].offset) = FALSE;
        else
          G_STRUCT_MEMBER (gint64, cfg, conf_keys[i].offset) = 0;
      }
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

  if (o && (uuid == NULL || name == NULL))
    return bad (error, uuid == NULL ? uuid_path : name_path, "missing");
  if (!read_fields (node, domain_fields, d, 2, path, error))
    return FALSE;
  if ((s = read_string (uuid, uuid_path, 36, error)) == NULL)
    return FALSE;
  if (!uuid_valid (s))
    return bad (error, uuid_path, "not a UUID");
  g_strlcpy (d->uuid, s, sizeof d->uuid);
  if ((s = read_string (name, name_path, NAME_MAX_LEN, error)) == NULL)
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
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local))
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
  if (!read_fields (root, pass_fields, out, out->have_host ? 4 : 3, "", error) || !read_config (config, &out->cfg, error))
    return FALSE;
  if (out->have_host && !read_fields (host, host_fields, &out->host, 0, "host", error))
    return FALSE;
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

/* ---- comparing ---------------------------------------------------------- */

gboolean
bc_record_config_equal (const BcConfig *a, const BcConfig *b)
{
  for (guint i = 0; i < G_N_ELEMENTS (conf_keys); i++)
    {
      const ConfKey *k = &conf_keys[i];
      gboolean same = k->kind == C_BOOL || k->kind == C_POLICY
                      ? G_STRUCT_MEMBER (int, a, k->offset) == G_STRUCT_MEMBER (int, b, k->offset)
                      : G_STRUCT_MEMBER (gint64, a, k->offset) == G_STRUCT_MEMBER (gint64, b, k->offset);

      if (!same)
        return FALSE;
    }
  return TRUE;
}

gboolean
bc_record_output_equal (const BcPassOutput *a, const BcPassOutput *b)
{
  return a->decided == b->decided && a->frozen == b->frozen && a->granted_kib == b->granted_kib &&
         a->budget_held == b->budget_held && a->action == b->action && a->old_kib == b->old_kib &&
         a->new_kib == b->new_kib && g_strcmp0 (a->reason, b->reason) == 0;
}
