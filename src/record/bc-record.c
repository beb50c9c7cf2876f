/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The line's members are the structs' own, named as in the C source, one
 * table a struct: writing (here) and reading (bc-record-read.c) walk the
 * same tables, so a member written is a member read.  The configuration is
 * recorded under the names of balloonctl.conf (its own key table,
 * bc_config_keys) and read back through bc_config_load_data, which checks
 * it as it checks the file. */
#define G_LOG_DOMAIN "balloonctl-record"

#include "bc-record-fields.h"
#include "bc-json.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define SKIB_MAX ((gint64) BC_RECORD_KIB_MAX)

/* ---- the tables ------------------------------------------------------ */

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
#define COUNTER_LATER(s, f) { #f, F_U64, G_STRUCT_OFFSET (s, f), 0, 0, BC_RECORD_COUNTER_MAX, NULL, TRUE }
#define SKIB_LATER(s, f) { #f, F_I64, G_STRUCT_OFFSET (s, f), -SKIB_MAX, SKIB_MAX, 0, NULL, TRUE }
#define MS_LATER(s, f) { #f, F_I64, G_STRUCT_OFFSET (s, f), -1, BC_RECORD_MS_MAX, 0, NULL, TRUE }
/* a member of a member, recorded under a name of its own */
#define NAMED(name, s, f, kind, lo, hi, max, more) { name, kind, G_STRUCT_OFFSET (s, f), lo, hi, max, more }
/* a member no longer written, still read from older recordings */
#define GONE(name) { name, F_GONE, 0, 0, 0, BC_RECORD_KIB_MAX, NULL }
#define END { NULL }

static const char *const state_names[] = { "UP", "DOWN" };
static const char *const freeze_names[] = { "none", "agent", "balloon" };
static const char *const action_names[] = { "none", "set", "dry-run" };

static const Field balloon_fields[] = {
  KIB (BcBalloonFigures, current_kib), KIB (BcBalloonFigures, max_kib), BOOL (BcBalloonFigures, have_stats),
  NAMED ("available_kib", BcBalloonFigures, guest_total_kib, F_U64, 0, 0, BC_RECORD_KIB_MAX, NULL), KIB (BcBalloonFigures, usable_kib),
  KIB (BcBalloonFigures, disk_caches_kib), MS (BcBalloonFigures, last_update_s),
  BOOL (BcBalloonFigures, autodeflate), GONE ("actual_kib"), END
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
  BOOL (BcDomainLimits, enabled), KIB (BcDomainLimits, min_kib), KIB (BcDomainLimits, max_kib),
  FIELD (BcDomainLimits, weight, F_UINT, 0, 0, BC_WEIGHT_MAX, NULL), END
};
/* refault_file_kib is guest pages times 4: the whole of a guint64 */
static const Field sample_fields[] = {
  KIB (BcMarginSample, cached_kib), KIB (BcMarginSample, active_file_kib),
  KIB_LATER (BcMarginSample, inactive_file_kib),
  FIELD (BcMarginSample, refault_file_kib, F_U64, 0, 0, G_MAXUINT64, NULL),
  COUNTER_LATER (BcMarginSample, read_kib),
  BOOL (BcMarginSample, have_active_file), BOOL (BcMarginSample, have_refault), MS (BcMarginSample, at_ms),
  KIB (BcMarginSample, size_kib), KIB (BcMarginSample, max_kib), KIB (BcMarginSample, free_kib),
  KIB (BcMarginSample, committed_kib), FIELD (BcMarginSample, host_free_bp, F_UINT, 0, 0, 10000, NULL), END
};
static const Field margin_fields[] = {
  ENUM (BcMargin, state, state_names), SKIB (BcMargin, margin_kib), MS (BcMargin, last_tick_ms),
  BOOL (BcMargin, have_prev), OBJECT (BcMargin, prev, sample_fields),
  SKIB (BcMargin, shrink_step_kib), MS (BcMargin, hold_until_ms), SKIB (BcMargin, edge_kib),
  MS (BcMargin, edge_at_ms), SKIB (BcMargin, grown_kib),
  MS_LATER (BcMargin, hold_ms), SKIB_LATER (BcMargin, refault_rate_kib), SKIB_LATER (BcMargin, read_credit_kib),
  MS_LATER (BcMargin, first_read_at_ms), SKIB_LATER (BcMargin, read_owed_kib),
  FIELD (BcMargin, reason, F_TEXT, 0, 0, sizeof ((BcMargin *) 0)->reason, NULL), END
};
static const Field input_fields[] = {
  BOOL (BcPassInput, managed), BOOL (BcPassInput, running), BOOL (BcPassInput, have_balloon),
  OBJECT (BcPassInput, balloon, balloon_fields), MS (BcPassInput, balloon_updated_ms),
  OBJECT (BcPassInput, guest, guest_fields), BOOL (BcPassInput, agent_seen),
  FIELD (BcPassInput, agent_failures, F_UINT, 0, 0, G_MAXUINT, NULL),
  NAMED ("policy", BcPassInput, limits, F_OBJECT, 0, 0, 0, policy_fields),
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
  KIB (BcPassOutput, new_kib), FIELD (BcPassOutput, reason, F_STRING, 0, 0, BC_RECORD_REASON_MAX_LEN, NULL), END
};
const Field bc_record_domain_fields[] = {
  FIELD (BcRecordDomain, run, F_I64, -1, G_MAXINT32, 0, NULL),
  OBJECT (BcRecordDomain, in, input_fields), OBJECT (BcRecordDomain, out, output_fields), END
};
const Field bc_record_pass_fields[] = {
  FIELD (BcRecordPass, pass, F_U64, 0, 0, BC_RECORD_MS_MAX, NULL),
  NAMED ("host_kib", BcRecordPass, host.host_kib, F_U64, 0, 0, BC_RECORD_KIB_MAX, NULL),
  KIB (BcRecordPass, budget_kib), MS (BcRecordPass, now_ms), BOOL (BcRecordPass, dry_run), END
};
const Field bc_record_vmem_fields[] = {
  KIB (BcVmemDevice, fixed_kib), KIB (BcVmemDevice, size_kib), KIB (BcVmemDevice, block_kib),
  KIB (BcVmemDevice, requested_kib), KIB (BcVmemDevice, plugged_kib), END
};
/* the host's figures: G_MAXUINT64 is a cgroup without a limit */
static const Field host_figures_fields[] = {
  KIB (BcHostFigures, mem_total_kib), KIB (BcHostFigures, mem_available_kib), BOOL (BcHostFigures, have_cgroup),
  FIELD (BcHostFigures, cgroup_max_kib, F_U64, 0, 0, G_MAXUINT64, NULL), KIB (BcHostFigures, cgroup_current_kib),
  BOOL (BcHostFigures, have_pressure), FIELD (BcHostFigures, pressure_some_bp, F_UINT, 0, 0, 10000, NULL), END
};
static const Field budget_state_fields[] = {
  KIB (BcBudgetCarry, budget_kib), MS (BcBudgetCarry, at_ms), BOOL (BcBudgetCarry, pressure), END
};
/* format 2 on: the member "host" */
const Field bc_record_host_fields[] = {
  OBJECT (BcPassHost, figures, host_figures_fields), MS (BcPassHost, figures_at_ms),
  OBJECT (BcPassHost, carry, budget_state_fields), END
};

G_STATIC_ASSERT (sizeof (BcWeight) == sizeof (int));
G_STATIC_ASSERT (sizeof (BcPolicy) == sizeof (int));

/* The one place that knows how wide each recorded type is in BcConfig:
 * gboolean, BcPolicy and BcWeight an int, the others 64 bits. */
gint64
bc_record_config_value (const BcConfig *cfg, const BcConfigKey *k)
{
  switch (k->type)
    {
    case BC_CONFIG_BOOL: return G_STRUCT_MEMBER (gboolean, cfg, k->offset) != FALSE;
    case BC_CONFIG_POLICY: return G_STRUCT_MEMBER (BcPolicy, cfg, k->offset);
    case BC_CONFIG_WEIGHT: return G_STRUCT_MEMBER (BcWeight, cfg, k->offset);
    case BC_CONFIG_INT:
    case BC_CONFIG_MIB: return G_STRUCT_MEMBER (gint64, cfg, k->offset);
    default: g_assert_not_reached (); /* paths and addresses are not recorded */
    }
}

void
bc_record_config_zero (BcConfig *cfg, const BcConfigKey *k)
{
  switch (k->type)
    {
    case BC_CONFIG_BOOL: G_STRUCT_MEMBER (gboolean, cfg, k->offset) = FALSE; break;
    case BC_CONFIG_POLICY: G_STRUCT_MEMBER (BcPolicy, cfg, k->offset) = 0; break;
    case BC_CONFIG_WEIGHT: G_STRUCT_MEMBER (BcWeight, cfg, k->offset) = 0; break;
    case BC_CONFIG_INT:
    case BC_CONFIG_MIB: G_STRUCT_MEMBER (gint64, cfg, k->offset) = 0; break;
    default: g_assert_not_reached ();
    }
}

/* The configuration's keys a recording holds (bc_config_keys), one a
 * call: *i from 0; NULL after the last. */
const BcConfigKey *
bc_record_config_key (gsize *i)
{
  gsize n;
  const BcConfigKey *keys = bc_config_keys (&n);

  while (*i < n && keys[*i].recorded == BC_CONFIG_NOT_RECORDED)
    (*i)++;
  return *i < n ? &keys[(*i)++] : NULL;
}

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

  if (f->kind == F_GONE)
    return;
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
  const BcConfigKey *k;

  json_builder_begin_object (b);
  for (gsize i = 0; (k = bc_record_config_key (&i)) != NULL;)
    {
      if (g_strcmp0 (group, k->group) != 0)
        {
          if (group)
            json_builder_end_object (b);
          json_builder_set_member_name (b, k->group);
          json_builder_begin_object (b);
          group = k->group;
        }
      json_builder_set_member_name (b, k->key);
      if (k->type == BC_CONFIG_BOOL)
        json_builder_add_boolean_value (b, bc_record_config_value (cfg, k));
      else if (k->type == BC_CONFIG_POLICY)
        json_builder_add_string_value (b, bc_policy_to_string ((BcPolicy) bc_record_config_value (cfg, k)));
      else
        json_builder_add_int_value (b, bc_record_config_value (cfg, k) / (k->type == BC_CONFIG_MIB ? 1024 : 1));
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
  json_builder_set_member_name (b, "memory_device");
  json_builder_add_string_value (b, d->in.plugged ? BC_RECORD_VIRTIO_MEM : BC_RECORD_BALLOON);
  if (d->in.plugged)
    {
      json_builder_set_member_name (b, "virtio_mem");
      write_fields (b, bc_record_vmem_fields, &d->vmem);
    }
  for (const Field *f = bc_record_domain_fields; f->name; f++)
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
  /* a pass read from format 1 is written back as it was */
  json_builder_add_int_value (b, pass->have_host ? BC_RECORD_FORMAT : 1);
  for (const Field *f = bc_record_pass_fields; f->name; f++)
    write_field (b, f, pass);
  if (pass->have_host)
    {
      json_builder_set_member_name (b, "host");
      write_fields (b, bc_record_host_fields, &pass->host);
    }
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

/* ---- comparing ---------------------------------------------------------- */

gboolean
bc_record_config_equal (const BcConfig *a, const BcConfig *b)
{
  const BcConfigKey *k;

  for (gsize i = 0; (k = bc_record_config_key (&i)) != NULL;)
    {
      if (bc_record_config_value (a, k) != bc_record_config_value (b, k))
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
