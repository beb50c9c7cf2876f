/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Record and replay: a pass to a JSON line and back, field for field, at
 * the edges of every range; lines refused, each with the member at fault;
 * and replay as a pure function over literal passes made the way the
 * daemon makes them (applies that take a pass, applies that fail). */
#include "bc-record.h"
#include "bc-record-file.h"
#include "bc-replay.h"
#include "bc-error.h"

#include <json-glib/json-glib.h>

#include <string.h>
#include <sys/stat.h>

#define MIB 1024
#define UUID_A "00000000-0000-4000-8000-00000000000a"
#define UUID_B "00000000-0000-4000-8000-00000000000b"

/* ---- round trip -------------------------------------------------------- */

/* Every field of the input set, none to its default, extremes where the
 * format has them. */
static void
fill_input (BcPassInput *in)
{
  memset (in, 0, sizeof *in);
  in->managed = TRUE;
  in->running = TRUE;
  in->have_balloon = TRUE;
  in->balloon = (BcBalloonFigures) { BC_RECORD_KIB_MAX, 2, TRUE, 3, 4, 5, BC_RECORD_MS_MAX };
  in->balloon_updated_ms = 7;
  in->guest.meminfo = (BcMeminfo) { 11, 12, 13, 14, 15, 16, BC_RECORD_KIB_MAX };
  in->guest.vmstat = (BcVmstat) { BC_RECORD_COUNTER_MAX, 21, TRUE };
  in->guest.have_vmstat = TRUE;
  in->guest.at_ms = 22;
  in->agent_seen = TRUE;
  in->agent_failures = G_MAXUINT;
  in->limits = (BcDomainLimits) { TRUE, 31, 32 };
  in->carry.margin.state = BC_STATE_DOWN;
  in->carry.margin.margin_kib = -(gint64) BC_RECORD_KIB_MAX;
  in->carry.margin.last_tick_ms = -1;
  in->carry.margin.have_prev = TRUE;
  in->carry.margin.prev = (BcMarginSample) { .cached_kib = 41, .active_file_kib = 42, .inactive_file_kib = 48,
                                              .refault_file_kib = G_MAXUINT64, .read_kib = BC_RECORD_COUNTER_MAX,
                                              .have_active_file = TRUE, .have_refault = TRUE, .at_ms = 43,
                                              .size_kib = 44, .max_kib = 45, .free_kib = 46, .committed_kib = 47,
                                              .host_free_bp = 10000 };
  in->carry.margin.shrink_step_kib = -51;
  in->carry.margin.hold_until_ms = 52;
  in->carry.margin.edge_kib = (gint64) BC_RECORD_KIB_MAX;
  in->carry.margin.edge_at_ms = 53;
  in->carry.margin.grown_kib = -54;
  in->carry.margin.hold_ms = 55;
  in->carry.margin.refault_rate_kib = -56;
  in->carry.margin.read_credit_kib = -57;
  in->carry.margin.first_read_at_ms = 58;
  in->carry.margin.read_owed_kib = -59;
  memset (in->carry.margin.reason, 'r', sizeof in->carry.margin.reason - 1);
  in->carry.requested_kib = 61;
  in->carry.requested_at_ms = 62;
  in->carry.apply_inflight = TRUE;
  in->carry.budget_held = TRUE;
  in->carry.last_current_kib = 63;
  in->carry.took_back_floor_kib = BC_RECORD_KIB_MAX;
  in->carry.took_back_until_ms = 65;
}

static void
fill_pass (BcRecordPass *p, BcRecordDomain *d)
{
  memset (p, 0, sizeof *p);
  bc_config_defaults (&p->cfg);
  p->cfg.policy = BC_POLICY_MOM;
  p->cfg.agent = FALSE;
  p->cfg.margin.step_kib = 1 << 30;
  p->cfg.domain_max_kib = 4096 * MIB;
  p->cfg.guest_size_kib = 3 * MIB;
  p->pass = 3;
  p->have_host = TRUE;
  p->host.host_kib = 32 << 20;
  p->host.figures = (BcHostFigures) { 71, 72, TRUE, G_MAXUINT64, 73, TRUE, 10000 };
  p->host.figures_at_ms = 74;
  p->host.carry = (BcBudgetCarry) { 75, BC_RECORD_MS_MAX, TRUE };
  p->budget_kib = BC_RECORD_KIB_MAX;
  p->now_ms = BC_RECORD_MS_MAX;
  p->dry_run = TRUE;
  p->n = 1;
  p->domains = d;
  memset (d, 0, sizeof *d);
  g_strlcpy (d->uuid, UUID_A, sizeof d->uuid);
  d->name = (char *) "vm \"1\"\n\xc3\xa9";
  d->run = -1;
  fill_input (&d->in);
  d->out.decided = TRUE;
  d->out.frozen = BC_FREEZE_BALLOON;
  d->out.granted_kib = BC_RECORD_KIB_MAX;
  d->out.budget_held = TRUE;
  d->out.action = BC_ACTION_DRY_RUN;
  d->out.old_kib = 1;
  d->out.new_kib = 2;
  d->out.reason = (char *) "grow: \x01";
  /* sized by virtio-mem: 256 MiB of boot memory, a device of 1 GiB in
   * blocks of 2 MiB, 512 MiB asked, 510 plugged */
  d->in.plugged = TRUE;
  d->vmem = (BcVmemDevice) { 256 * MIB, 1024 * MIB, 2 * MIB, 512 * MIB, 510 * MIB };
}

static void
test_round_trip (void)
{
  BcRecordPass p, back = { 0 };
  BcRecordDomain d;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *again = NULL;

  fill_pass (&p, &d);
  line = bc_record_to_json (&p);
  g_assert_null (strchr (line, '\n'));
  g_assert_true (bc_record_from_json (line, strlen (line), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back.pass, ==, p.pass);
  g_assert_true (back.have_host);
  g_assert_cmpmem (&back.host, sizeof back.host, &p.host, sizeof p.host);
  g_assert_cmpuint (back.budget_kib, ==, p.budget_kib);
  g_assert_cmpint (back.now_ms, ==, p.now_ms);
  g_assert_cmpint (back.dry_run, ==, p.dry_run);
  g_assert_true (bc_record_config_equal (&back.cfg, &p.cfg));
  g_assert_cmpuint (back.n, ==, 1);
  g_assert_cmpstr (back.domains[0].uuid, ==, UUID_A);
  g_assert_cmpstr (back.domains[0].name, ==, d.name);
  g_assert_cmpint (back.domains[0].run, ==, -1);
  /* both zeroed before their fields were set: padding compares too */
  g_assert_cmpmem (&back.domains[0].in, sizeof d.in, &d.in, sizeof d.in);
  g_assert_true (bc_record_output_equal (&back.domains[0].out, &d.out));
  g_assert_true (back.domains[0].in.plugged);
  g_assert_cmpmem (&back.domains[0].vmem, sizeof d.vmem, &d.vmem, sizeof d.vmem);
  g_assert_nonnull (strstr (line, "\"memory_device\":\"virtio-mem\",\"virtio_mem\":{\"fixed_kib\":262144,\"size_kib\":1048576,"
                                  "\"block_kib\":2048,\"requested_kib\":524288,\"plugged_kib\":522240},"));
  again = bc_record_to_json (&back);
  g_assert_cmpstr (again, ==, line);
  bc_record_pass_clear (&back);
}

/* A domain's mechanism is written for every domain, its device only for
 * virtio-mem; a recording made before either was recorded reads as a
 * balloon's. */
static void
test_memory_device (void)
{
  BcRecordPass p, back = { 0 };
  BcRecordDomain d;
  g_autoptr (GError) error = NULL;
  g_autoptr (GRegex) device = g_regex_new ("\"memory_device\":\"[a-z-]+\",(\"virtio_mem\":\\{[^}]*\\},)?", 0, 0, NULL);
  g_autofree char *line = NULL, *old = NULL, *balloon = NULL, *old_balloon = NULL;

  fill_pass (&p, &d);
  line = bc_record_to_json (&p);
  old = g_regex_replace_literal (device, line, -1, 0, "", 0, NULL);
  g_assert_null (strstr (old, "virtio"));
  g_assert_true (bc_record_from_json (old, strlen (old), &back, &error));
  g_assert_no_error (error);
  g_assert_false (back.domains[0].in.plugged);
  g_assert_cmpuint (back.domains[0].vmem.block_kib, ==, 0);
  bc_record_pass_clear (&back);
  /* a balloon's: the mechanism, no device */
  d.in.plugged = FALSE;
  balloon = bc_record_to_json (&p);
  g_assert_nonnull (strstr (balloon, ",\"memory_device\":\"balloon\",\"run\":"));
  g_assert_null (strstr (balloon, "virtio_mem"));
  g_assert_true (bc_record_from_json (balloon, strlen (balloon), &back, &error));
  g_assert_false (back.domains[0].in.plugged);
  bc_record_pass_clear (&back);
  old_balloon = g_regex_replace_literal (device, balloon, -1, 0, "", 0, NULL);
  g_assert_cmpstr (old_balloon, ==, old);
}

/* A recording made before the adaptive policy's inactive file cache, hold,
 * refault rate and first reads (what the guest read, the credit, the last
 * first reads, what is owed) were recorded reads them as 0, and 0 read is
 * "not known": no first reads; any other member missing is still an
 * error. */
static void
test_margin_before_hold (void)
{
  BcRecordPass p, back = { 0 };
  BcRecordDomain d;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *old = NULL;
  g_autofree char *broken = NULL;
  g_autoptr (GRegex) later = g_regex_new (",\"(inactive_file_kib\":48|hold_ms\":55|refault_rate_kib\":-56|read_kib\":[0-9]+|"
                                          "read_credit_kib\":-57|first_read_at_ms\":58|read_owed_kib\":-59)",
                                          0, 0, NULL);
  g_autoptr (GRegex) grown = g_regex_new (",\"grown_kib\":-54", 0, 0, NULL);

  fill_pass (&p, &d);
  line = bc_record_to_json (&p);
  old = g_regex_replace_literal (later, line, -1, 0, "", 0, NULL);
  g_assert_cmpuint (strlen (old), <, strlen (line));
  g_assert_true (bc_record_from_json (old, strlen (old), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back.domains[0].in.carry.margin.prev.inactive_file_kib, ==, 0);
  g_assert_cmpint (back.domains[0].in.carry.margin.hold_ms, ==, 0);
  g_assert_cmpint (back.domains[0].in.carry.margin.refault_rate_kib, ==, 0);
  g_assert_cmpuint (back.domains[0].in.carry.margin.prev.read_kib, ==, 0);
  g_assert_cmpint (back.domains[0].in.carry.margin.read_credit_kib, ==, 0);
  g_assert_cmpint (back.domains[0].in.carry.margin.first_read_at_ms, ==, 0);
  g_assert_cmpint (back.domains[0].in.carry.margin.read_owed_kib, ==, 0);
  g_assert_null (strstr (old, "read_"));
  g_assert_cmpint (back.domains[0].in.carry.margin.grown_kib, ==, -54);
  bc_record_pass_clear (&back);
  broken = g_regex_replace_literal (grown, old, -1, 0, "", 0, NULL);
  g_assert_false (bc_record_from_json (broken, strlen (broken), &back, &error));
  g_assert_nonnull (strstr (error->message, "grown_kib: missing"));
  bc_record_pass_clear (&back);
}

/* A recording made before [host] follow and pressure-percent existed
 * reads as the behaviour then: the fixed budget, no pressure rule. */
static void
test_config_before_follow (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *old = NULL;
  BcRecordPass p, back;
  BcRecordDomain d;

  fill_pass (&p, &d);
  p.cfg.follow = TRUE;
  p.cfg.pressure_percent = 10;
  line = bc_record_to_json (&p);
  g_assert_nonnull (strstr (line, "\"follow\":true,\"pressure-percent\":10"));
  old = g_strdup (line);
  /* cut the two members out, as an older daemon wrote the line */
  {
    char *at = strstr (old, ",\"follow\":true,\"pressure-percent\":10");

    memmove (at, at + strlen (",\"follow\":true,\"pressure-percent\":10"),
             strlen (at + strlen (",\"follow\":true,\"pressure-percent\":10")) + 1);
  }
  g_assert_true (bc_record_from_json (old, strlen (old), &back, &error));
  g_assert_no_error (error);
  g_assert_false (back.cfg.follow);
  g_assert_cmpint (back.cfg.pressure_percent, ==, 0);
  bc_record_pass_clear (&back);
  /* written, they read back as written */
  g_assert_true (bc_record_from_json (line, strlen (line), &back, &error));
  g_assert_true (back.cfg.follow);
  g_assert_cmpint (back.cfg.pressure_percent, ==, 10);
  bc_record_pass_clear (&back);
}

/* [host] guest-size-mib is recorded as it was set; a recording made
 * before it existed reads as its default (no decision reads it), so that
 * replaying it against the default configuration is no other
 * configuration. */
static void
test_config_before_guest_size (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *old = NULL;
  g_autoptr (GRegex) member = g_regex_new (",\"guest-size-mib\":[0-9]+", 0, 0, NULL);
  BcRecordPass p, back;
  BcRecordDomain d;

  fill_pass (&p, &d);
  line = bc_record_to_json (&p);
  g_assert_nonnull (strstr (line, "\"pressure-percent\":10,\"guest-size-mib\":3}"));
  g_assert_true (bc_record_from_json (line, strlen (line), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back.cfg.guest_size_kib, ==, 3 * MIB);
  bc_record_pass_clear (&back);
  old = g_regex_replace_literal (member, line, -1, 0, "", 0, NULL);
  g_assert_cmpuint (strlen (old), <, strlen (line));
  g_assert_true (bc_record_from_json (old, strlen (old), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back.cfg.guest_size_kib, ==, 1024 * MIB);
  /* the key counts when configurations are compared */
  g_assert_false (bc_record_config_equal (&back.cfg, &p.cfg));
  back.cfg.guest_size_kib = p.cfg.guest_size_kib;
  g_assert_true (bc_record_config_equal (&back.cfg, &p.cfg));
  bc_record_pass_clear (&back);
}

/* A field added to the pass's input or to the configuration must be
 * recorded, or replay is no longer exact: these sizes are the structs'
 * as bc-record.c's tables know them. */
static void
test_struct_sizes (void)
{
#if defined(__x86_64__)
  /* plugged: from the domain's "memory_device"; the margin's read_kib,
   * read_credit_kib, first_read_at_ms and read_owed_kib: read as 0 from a
   * recording without them */
  g_assert_cmpuint (sizeof (BcPassInput), ==, 584);
  /* from_file (not a setting) and domain_memory_device (what sizes a
   * domain, which the pass does not read): not recorded */
  g_assert_cmpuint (sizeof (BcConfig), ==, 504);
#else
  g_test_skip ("sizes known for x86_64");
#endif
}

/* The recorded configuration has every key of the shipped example, which
 * has every key balloonctl.conf takes. */
static void
test_config_keys (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "..", "data", "balloonctl.conf", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *line = NULL;
  BcRecordPass p;
  BcRecordDomain d;
  JsonObject *config;
  guint n = 0;

  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL));
  fill_pass (&p, &d);
  line = bc_record_to_json (&p);
  g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
  config = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "config");
  groups = g_key_file_get_groups (kf, NULL);
  for (guint g = 0; groups[g]; g++)
    {
      g_auto (GStrv) keys = NULL;

      /* where metrics are served is no input of the pass */
      if (g_str_equal (groups[g], "metrics"))
        continue;
      keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
      g_assert_true (json_object_has_member (config, groups[g]));
      for (guint k = 0; keys[k]; k++)
        {
          /* nor where the host's figures are read: the budget they gave is */
          if (g_str_equal (groups[g], "host") && g_str_equal (keys[k], "cgroup"))
            continue;
          /* nor what sizes a domain: the pass decides the same from the
           * size its balloon or its virtio-mem device gives */
          if (g_str_equal (groups[g], "domain") && g_str_equal (keys[k], "memory-device"))
            continue;
          g_assert_true (json_object_has_member (json_object_get_object_member (config, groups[g]), keys[k]));
          n++;
        }
      g_assert_cmpuint (json_object_get_size (json_object_get_object_member (config, groups[g])), ==,
                        g_strv_length (keys) - g_str_equal (groups[g], "host") - g_str_equal (groups[g], "domain"));
    }
  g_assert_cmpuint (json_object_get_size (config), ==, g_strv_length (groups) - 1);
  g_assert_cmpuint (n, ==, 22);
}

/* ---- refused lines ------------------------------------------------------ */

typedef struct {
  const char *name;
  const char *from, *to;    /* replaced once in a good line */
  const char *error;        /* glob */
} Bad;

static const Bad bads[] = {
  { "not-json", "{\"format\":2", "{\"format\":2,,", "not JSON: *" },
  { "unbalanced", "{\"format\":2", "[{\"format\":2", "not JSON: *" },
  { "format", "\"format\":2", "\"format\":3", "format 3: this balloonctl reads formats 1 to 2" },
  { "format-0", "\"format\":2", "\"format\":0", "format 0: this balloonctl reads formats 1 to 2" },
  /* format 2 has the host's figures, format 1 none */
  { "host-missing", "\"host\":{", "\"hosts\":{", "host: missing" },
  { "format-1-host", "\"format\":2", "\"format\":1", "the line: has members it should not have" },
  { "host-range", "\"pressure_some_bp\":10000", "\"pressure_some_bp\":10001",
    "host.figures.pressure_some_bp: 10001 is out of range (0..10000)" },
  { "host-member", "\"figures_at_ms\":74", "\"figures_at_ms\":74,\"x\":1", "host: has members it should not have" },
  { "unknown", "\"pass\":3", "\"pass\":3,\"passes\":4", "the line: has members it should not have" },
  { "missing", "\"budget_kib\":1125899906842624,", "", "budget_kib: missing" },
  { "range", "\"current_kib\":1125899906842624", "\"current_kib\":1125899906842625",
    "domains[0].in.balloon.current_kib: 1125899906842625 is out of range (0..1125899906842624)" },
  { "u64-string", "\"current_kib\":1125899906842624", "\"current_kib\":\"18446744073709551615\"",
    "domains[0].in.balloon.current_kib: 18446744073709551615 is out of range (0..1125899906842624)" },
  { "u64-small-string", "\"refault_file_kib\":\"18446744073709551615\"", "\"refault_file_kib\":\"5\"",
    "domains[0].in.margin.prev.refault_file_kib: a string that is not a whole number above 2^63 - 1" },
  { "negative", "\"requested_kib\":61", "\"requested_kib\":-61", "domains[0].in.requested_kib: negative" },
  { "double", "\"requested_kib\":61", "\"requested_kib\":61.5", "domains[0].in.requested_kib: not a whole number" },
  /* json-glib reads these as numbers; 2^63 came back "negative" */
  { "hex", "\"requested_kib\":61", "\"requested_kib\":0x3d", "not JSON: 0x3d at byte * is not a JSON number" },
  { "octal", "\"requested_kib\":61", "\"requested_kib\":075", "not JSON: 075 at byte * is not a JSON number" },
  { "2^63", "\"requested_kib\":61", "\"requested_kib\":9223372036854775808",
    "domains[0].in.requested_kib: 9223372036854775808 is out of range (-9223372036854775808..9223372036854775807)" },
  { "2^64", "\"requested_kib\":61", "\"requested_kib\":18446744073709551616",
    "domains[0].in.requested_kib: 18446744073709551616 is out of range (-9223372036854775808..9223372036854775807)" },
  { "below-2^63", "\"requested_at_ms\":62", "\"requested_at_ms\":-9223372036854775809",
    "domains[0].in.requested_at_ms: -9223372036854775809 is out of range (-9223372036854775808..9223372036854775807)" },
  { "config-hex", "\"step-mib\":1048576", "\"step-mib\":0x10", "not JSON: 0x10 at byte * is not a JSON number" },
  { "quotes", "{\"format\":2", "{'format':1", "not JSON: unexpected character ''' at byte 2" },
  { "time", "\"requested_at_ms\":62", "\"requested_at_ms\":-2",
    "domains[0].in.requested_at_ms: -2 is out of range (-1..9007199254740992)" },
  { "bool", "\"managed\":true", "\"managed\":1", "domains[0].in.managed: not true or false" },
  { "enum", "\"state\":\"DOWN\"", "\"state\":\"SIDEWAYS\"", "domains[0].in.margin.state: not a known value" },
  { "reason", "rrrr\"", "rrrrr\"", "domains[0].in.margin.reason: longer than 95 bytes" },
  { "uuid", UUID_A, "00000000-0000-4000-8000-00000000000g", "domains[0].uuid: not a UUID" },
  { "domain-member", "\"name\":\"vm", "\"name\":[\"vm\"],\"x\":\"", "domains[0]: has members it should not have" },
  { "domains", "\"domains\":[", "\"domains\":{\"a\":", "not JSON: *" },
  { "config-range", "\"step-mib\":1048576", "\"step-mib\":0", "config: [margin] step-mib: 0 is out of range (1..1048576)" },
  { "config-missing", "\"dead-band-mib\":4", "\"dead-band-mb\":4", "config: [safety] dead-band-mib: missing" },
  { "config-inject", "\"agent\":false", "\"agent\":false,\"x\\n[host]\\nbudget-mib\":1",
    "config: [controller] x\n[host]\nbudget-mib: not a plain value" },
  { "config-value", "\"policy\":\"mom\"", "\"policy\":\"mom\\n[x]\"", "config: [controller] policy: not a plain value" },
  { "config-policy", "\"policy\":\"mom\"", "\"policy\":\"best\"", "config: [controller] policy: unknown policy 'best'*" },
  /* a member no longer written: still read from older lines, and checked */
  { "gone-range", "\"disk_caches_kib\":5", "\"disk_caches_kib\":5,\"actual_kib\":-1",
    "domains[0].in.balloon.actual_kib: negative" },
  /* the domain's mechanism and its virtio-mem device */
  { "device-unknown", "\"memory_device\":\"virtio-mem\"", "\"memory_device\":\"dimm\"",
    "domains[0].memory_device: not a known value" },
  { "device-type", "\"memory_device\":\"virtio-mem\"", "\"memory_device\":true", "domains[0].memory_device: not a string" },
  { "device-balloon-vmem", "\"memory_device\":\"virtio-mem\"", "\"memory_device\":\"balloon\"",
    "domains[0].memory_device: the balloon, beside virtio_mem" },
  { "device-missing", "\"memory_device\":\"virtio-mem\",", "", "domains[0].memory_device: missing beside virtio_mem" },
  { "vmem-missing", "\"virtio_mem\":{", "\"x\":{", "domains[0].virtio_mem: missing" },
  { "vmem-type", "\"virtio_mem\":{", "\"virtio_mem\":[{", "not JSON: *" },
  { "vmem-member", "\"plugged_kib\":522240", "\"plugged_kib\":522240,\"x\":1", "domains[0].virtio_mem: has members it should not have" },
  { "vmem-field-missing", "\"block_kib\":2048,", "", "domains[0].virtio_mem.block_kib: missing" },
  { "vmem-range", "\"size_kib\":1048576", "\"size_kib\":1125899906842625",
    "domains[0].virtio_mem.size_kib: 1125899906842625 is out of range (0..1125899906842624)" },
  { "vmem-negative", "\"plugged_kib\":522240", "\"plugged_kib\":-2048", "domains[0].virtio_mem.plugged_kib: negative" },
  { "vmem-block", "\"block_kib\":2048", "\"block_kib\":3072",
    "domains[0].virtio_mem: virtio-mem block size 3072 KiB is not a power of two" },
  { "vmem-block-0", "\"block_kib\":2048", "\"block_kib\":0", "domains[0].virtio_mem: virtio-mem block size 0 KiB is not a power of two" },
  { "vmem-not-whole", "\"plugged_kib\":522240", "\"plugged_kib\":522241", "domains[0].virtio_mem: virtio-mem sizes * are not whole blocks of 2048 KiB" },
  { "vmem-beyond", "\"plugged_kib\":522240", "\"plugged_kib\":1050624", "domains[0].virtio_mem: virtio-mem * beyond the device's 1048576 KiB" },
  { "vmem-size-0", "\"size_kib\":1048576", "\"size_kib\":0", "domains[0].virtio_mem: virtio-mem size 0 KiB * is out of range" },
  { "vmem-huge", "\"size_kib\":1048576", "\"size_kib\":17179869184", "domains[0].virtio_mem: virtio-mem size 17179869184 KiB * is out of range" },
  /* a member given twice: json-glib would keep the last, silently */
  { "twice-device", "\"memory_device\":\"virtio-mem\"", "\"memory_device\":\"balloon\",\"memory_device\":\"virtio-mem\"",
    "the member \"memory_device\" given twice in one object" },
  { "twice-vmem", "\"virtio_mem\":{", "\"virtio_mem\":{\"fixed_kib\":1},\"virtio_mem\":{",
    "the member \"virtio_mem\" given twice in one object" },
  { "twice-inner", "\"block_kib\":2048", "\"block_kib\":2048,\"block_kib\":4096",
    "the member \"block_kib\" given twice in one object" },
  { "twice-line", "\"format\":2", "\"format\":2,\"format\":2", "the member \"format\" given twice in one object" },
  { "depth", "\"format\":2", "\"format\":2,\"x\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", "nested deeper than 16" },
  /* json-glib ends a string at \u0000: "name\u0000x" read as "name" */
  { "nul-key", "\"name\":", "\"name\\u0000x\":", "not JSON: an escaped NUL in a string at byte *" },
  { "nul-value", "\"name\":\"", "\"name\":\"vm\\u0000", "not JSON: an escaped NUL in a string at byte *" },
  { "nul-device", "\"memory_device\":\"virtio-mem\"", "\"memory_device\":\"virtio-mem\\u0000x\"",
    "not JSON: an escaped NUL in a string at byte *" },
};

static char *
replace_once (const char *line, const char *from, const char *to)
{
  const char *at = strstr (line, from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - line), line, to, at + strlen (from));
}

static void
test_refused (gconstpointer data)
{
  const Bad *b = data;
  BcRecordPass p, back;
  BcRecordDomain d;
  g_autoptr (GError) error = NULL;
  g_autofree char *good = NULL;
  g_autofree char *line = NULL;

  fill_pass (&p, &d);
  good = bc_record_to_json (&p);
  line = replace_once (good, b->from, b->to);
  g_assert_false (bc_record_from_json (line, strlen (line), &back, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_RECORD);
  g_test_message ("%s", error->message);
  g_assert_true (g_pattern_match_simple (b->error, error->message));
  g_assert_cmpuint (back.n, ==, 0);
  g_assert_null (back.domains);
}

/* Two passes on one line (a newline lost between them), or a pass and
 * anything after it: json-glib read the first and dropped the rest
 * unread, so the line was replayed as the first alone. */
static void
test_second_value (void)
{
  static const char *const after[] = { "", " ", "\t", "\n" };
  static const char *const second[] = { NULL, "{}", "[]", "[1]", "\"x\"", "1", "true" };
  BcRecordPass p, back;
  BcRecordDomain d;
  g_autofree char *good = NULL;

  fill_pass (&p, &d);
  good = bc_record_to_json (&p);
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    for (guint j = 0; j < G_N_ELEMENTS (second); j++)
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *line = g_strconcat (good, after[i], second[j] ? second[j] : good, NULL);
        g_autofree char *want = g_strdup_printf ("not JSON: a second value at byte %zu", strlen (good) + strlen (after[i]) + 1);

        g_test_message ("after %u, second %u", i, j);
        g_assert_false (bc_record_from_json (line, strlen (line), &back, &error));
        g_assert_error (error, BC_ERROR, BC_ERROR_RECORD);
        g_assert_cmpstr (error->message, ==, want);
        g_assert_null (back.domains);
      }
}

static void
test_too_long (void)
{
  g_autofree char *line = g_malloc0 (BC_RECORD_LINE_MAX + 2);
  BcRecordPass back;
  g_autoptr (GError) error = NULL;

  memset (line, ' ', BC_RECORD_LINE_MAX + 1);
  g_assert_false (bc_record_from_json (line, BC_RECORD_LINE_MAX + 1, &back, &error));
  g_assert_cmpstr (error->message, ==, "longer than 4194304 bytes");
}

static void
test_nul (void)
{
  BcRecordPass p, back;
  BcRecordDomain d;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  gsize len;

  fill_pass (&p, &d);
  line = bc_record_to_json (&p);
  len = strlen (line);
  line[len - 2] = '\0';
  g_assert_false (bc_record_from_json (line, len, &back, &error));
  g_assert_cmpstr (error->message, ==, "a NUL byte");
}

/* Nothing but blanks is refused with a word, not a json-glib CRITICAL
 * (found by fuzz-record). */
static void
test_empty (void)
{
  static const char *const lines[] = { "", " ", "\t \r" };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autoptr (GError) error = NULL;
      BcRecordPass back;

      g_assert_false (bc_record_from_json (lines[i], strlen (lines[i]), &back, &error));
      g_assert_cmpstr (error->message, ==, "empty");
    }
}

/* ---- the recording's mode ---------------------------------------------- */

/* An existing recording open to others: narrowed if ours, refused if
 * others may write into it and it is not ours, else kept. */
static void
test_mode_action (void)
{
  static const struct { mode_t mode; uid_t owner; BcRecordModeAction want; } cases[] = {
    { 0600, 0, BC_RECORD_MODE_KEEP }, { 0400, 0, BC_RECORD_MODE_KEEP }, { 0600, 1000, BC_RECORD_MODE_KEEP },
    { 0640, 0, BC_RECORD_MODE_NARROW }, { 0644, 0, BC_RECORD_MODE_NARROW }, { 0666, 0, BC_RECORD_MODE_NARROW },
    { 0604, 0, BC_RECORD_MODE_NARROW }, { 0644, 1000, BC_RECORD_MODE_KEEP }, { 0640, 1000, BC_RECORD_MODE_KEEP },
    { 0660, 1000, BC_RECORD_MODE_REFUSE }, { 0602, 1000, BC_RECORD_MODE_REFUSE }, { 0666, 1000, BC_RECORD_MODE_REFUSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%u: %04o owned by %u", i, (unsigned) cases[i].mode, (unsigned) cases[i].owner);
      g_assert_cmpint (bc_record_mode_action (S_IFREG | cases[i].mode, cases[i].owner, 0), ==, cases[i].want);
    }
}

/* ---- replay ------------------------------------------------------------ */

#define PASSES 40
#define NDOMS 2

/* What a guest uses, pass by pass (MiB): growth, plateaus, a drop. */
static const guint64 used_mib[NDOMS][PASSES] = {
  { 300, 300, 300, 600, 900, 900, 900, 900, 400, 400, 400, 400, 400, 1200, 1200, 1200, 1200, 300, 300, 300,
    300, 300, 300, 300, 300, 700, 700, 700, 700, 700, 700, 700, 200, 200, 200, 200, 200, 200, 200, 200 },
  { 500, 500, 500, 500, 500, 1100, 1100, 1100, 1100, 1100, 1100, 1100, 1500, 1500, 1500, 600, 600, 600, 600, 600,
    600, 600, 600, 600, 1300, 1300, 1300, 1300, 1300, 1300, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400 },
};

/* A daemon's domain: the carry as the pass leaves it, confirmed as its
 * applies answer, and a balloon that moves. */
typedef struct {
  BcCarry carry;
  guint64 current_kib;
  guint64 landing_kib;     /* where the balloon will be... */
  int landing_pass;        /* ...from this pass (-1: nowhere new) */
  guint64 done_kib;        /* a slow apply, answering after the next pass */
  gint64 done_at_ms;
} SimDom;

static void
sim_input (const SimDom *s, guint i, int k, BcPassInput *in)
{
  memset (in, 0, sizeof *in);
  in->managed = in->running = in->have_balloon = TRUE;
  in->balloon.current_kib = s->current_kib;
  in->balloon.max_kib = 2048 * MIB;
  in->balloon.have_stats = TRUE;
  in->balloon.guest_total_kib = 2048 * MIB;
  in->balloon.usable_kib = (2048 - used_mib[i][k]) * MIB;
  in->balloon.disk_caches_kib = (k % 7) * 40 * MIB;
  in->limits.enabled = TRUE;
  in->carry = s->carry;
}

/* An apply answers quickly, after the next pass, or fails, in turn (a dry
 * run the pass takes at once).  The balloon lands 20 MiB off the target
 * two passes later. */
static void
sim_apply (SimDom *s, const BcPassOutput *out, int k, gint64 now_ms)
{
  s->carry = out->carry;
  if (out->action != BC_ACTION_SET)
    return;
  if (k % 3 == 2)
    {
      bc_carry_refused (&s->carry);
      return;
    }
  s->landing_kib = out->new_kib + 20 * MIB;
  s->landing_pass = k + 2;
  if (k % 3 == 0)
    bc_carry_confirm (&s->carry, out->new_kib, now_ms + 5);
  else
    s->done_kib = out->new_kib, s->done_at_ms = now_ms + 1500;
}

static void
sim_between (SimDom *s, int k)
{
  if (s->done_at_ms)
    {
      bc_carry_confirm (&s->carry, s->done_kib, s->done_at_ms);
      s->done_at_ms = 0;
    }
  if (s->landing_pass == k + 1)
    s->current_kib = s->landing_kib;
}

/* The host's figures, pass by pass ([host] follow): the host's free
 * memory falls, then its memory pressure rises past 10 %, then eases. */
static BcHostFigures
sim_host (int k)
{
  BcHostFigures h = { .mem_total_kib = 8192 * MIB, .have_pressure = TRUE };

  h.mem_available_kib = (guint64) (k < 20 ? 2200 - 60 * k : 1000) * MIB;
  h.pressure_some_bp = k >= 24 && k < 30 ? 2500 : 100;
  return h;
}

static void
sim_config (BcConfig *cfg)
{
  bc_config_defaults (cfg);
  /* the simulated daemon below steps the paper's rules */
  cfg->policy = BC_POLICY_PAPER;
  cfg->agent = FALSE;
  cfg->margin_interval_ms = 2000;
  cfg->budget_kib = 2600 * MIB;
  cfg->follow = FALSE;
}

/* ...following the host instead: its fixed budget is 8192 - reserve. */
static void
sim_config_follow (BcConfig *cfg)
{
  sim_config (cfg);
  cfg->budget_kib = 0;
  cfg->follow = TRUE;
}

/* A recording as `run --record` makes it, of PASSES passes a second apart,
 * with the host's figures as [host] follow reads them. */
static BcRecordPass *
simulate_with (gboolean dry_run, gboolean follow)
{
  BcRecordPass *rec = g_new0 (BcRecordPass, PASSES);
  SimDom sim[NDOMS] = { 0 };
  BcBudgetCarry host_carry = { 0 };
  BcConfig cfg;

  (follow ? sim_config_follow : sim_config) (&cfg);
  for (guint i = 0; i < NDOMS; i++)
    {
      bc_carry_init (&sim[i].carry, &cfg.margin);
      sim[i].current_kib = 1024 * MIB;
    }
  for (int k = 0; k < PASSES; k++)
    {
      BcRecordPass *p = &rec[k];
      BcPassInput in[NDOMS];
      BcPassOutput out[NDOMS];
      gint64 now_ms = 50000 + k * 1000;
      BcPassParams params = { &cfg, { 8192 * MIB, sim_host (k), now_ms - 300, host_carry }, now_ms, dry_run };
      BcPassBudget budget;

      for (guint i = 0; i < NDOMS; i++)
        sim_input (&sim[i], i, k, &in[i]);
      budget = bc_pass_plan (&params, in, NDOMS, out);
      host_carry = budget.host_carry;
      *p = (BcRecordPass) { (guint64) k + 1, cfg, TRUE, params.host, budget.budget_kib, now_ms, dry_run, NDOMS,
                            g_new0 (BcRecordDomain, NDOMS) };
      for (guint i = 0; i < NDOMS; i++)
        {
          g_strlcpy (p->domains[i].uuid, i ? UUID_B : UUID_A, sizeof p->domains[i].uuid);
          p->domains[i].name = g_strdup (i ? "vm-b" : "vm-a");
          p->domains[i].run = 1;
          p->domains[i].in = in[i];
          p->domains[i].out = out[i];
          sim_apply (&sim[i], &out[i], k, now_ms);
          sim_between (&sim[i], k);
        }
    }
  return rec;
}

/* A recording as `run --record` makes it, of PASSES passes a second apart. */
static BcRecordPass *
simulate (gboolean dry_run)
{
  return simulate_with (dry_run, FALSE);
}

static void
recording_free (BcRecordPass *rec)
{
  for (int k = 0; k < PASSES; k++)
    bc_record_pass_clear (&rec[k]);
  g_free (rec);
}

/* Replays rec; returns how many domain-passes decided otherwise than
 * recorded, and counts the changes. */
static guint
replay_all (const BcReplayOptions *opts, BcRecordPass *rec, guint *changes)
{
  g_autoptr (BcReplay) r = bc_replay_new (opts);
  guint differ = 0;

  *changes = 0;
  for (int k = 0; k < PASSES; k++)
    {
      BcPassOutput out[NDOMS];

      g_assert_true (bc_replay_pass (r, &rec[k], out, NULL));
      for (guint i = 0; i < NDOMS; i++)
        {
          differ += !bc_record_output_equal (&out[i], &rec[k].domains[i].out);
          *changes += out[i].action != BC_ACTION_NONE;
          bc_pass_output_clear (&out[i]);
        }
    }
  g_assert_cmpuint (bc_replay_decisions_differ (r), ==, differ);
  return differ;
}

/* Every recorded decision again, applies slow and failed included. */
static void
test_replay_exact (gconstpointer data)
{
  gboolean dry_run = GPOINTER_TO_INT (data);
  BcRecordPass *rec = simulate (dry_run);
  BcReplayOptions opts = { 0 };
  guint changes, recorded = 0;

  for (int k = 0; k < PASSES; k++)
    for (guint i = 0; i < NDOMS; i++)
      recorded += rec[k].domains[i].out.action != BC_ACTION_NONE;
  /* the recording is worth replaying: it changes, and holds growth back */
  g_assert_cmpuint (recorded, >=, 10);
  g_assert_cmpuint (replay_all (&opts, rec, &changes), ==, 0);
  g_assert_cmpuint (changes, ==, recorded);
  /* and through the text */
  for (int k = 0; k < PASSES; k++)
    {
      g_autofree char *line = bc_record_to_json (&rec[k]);

      bc_record_pass_clear (&rec[k]);
      g_assert_true (bc_record_from_json (line, strlen (line), &rec[k], NULL));
    }
  g_assert_cmpuint (replay_all (&opts, rec, &changes), ==, 0);
  /* the same configuration given as another: still the same */
  opts.have_config = TRUE;
  sim_config (&opts.cfg);
  g_assert_cmpuint (replay_all (&opts, rec, &changes), ==, 0);
  recording_free (rec);
}

/* [host] follow redone: a recording replayed with its own configuration
 * gives every decision again, the budget made anew from the host's figures
 * as the daemon made it; without the pressure rule, or without follow,
 * others.  The same passes without the host's figures (format 1) run on
 * the budget they recorded, and give every decision again too. */
static void
test_replay_follow (void)
{
  BcRecordPass *rec = simulate_with (FALSE, TRUE);
  BcReplayOptions opts = { .have_config = TRUE }, none = { 0 };
  g_autoptr (GHashTable) budgets = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint changes;

  /* the budget followed the host: smoothed down, cut under pressure */
  for (int k = 0; k < PASSES; k++)
    g_hash_table_add (budgets, &rec[k].budget_kib);
  g_assert_cmpuint (g_hash_table_size (budgets), >=, 20);
  g_assert_cmpuint (rec[25].budget_kib, <, rec[23].budget_kib);
  g_assert_cmpuint (replay_all (&none, rec, &changes), ==, 0);
  sim_config_follow (&opts.cfg);
  g_assert_cmpuint (replay_all (&opts, rec, &changes), ==, 0);
  opts.cfg.pressure_percent = 0;
  g_assert_cmpuint (replay_all (&opts, rec, &changes), >, 0);
  sim_config_follow (&opts.cfg);
  opts.cfg.follow = FALSE;
  g_assert_cmpuint (replay_all (&opts, rec, &changes), >, 0);
  for (int k = 0; k < PASSES; k++)
    rec[k].have_host = FALSE;
  g_assert_cmpuint (replay_all (&none, rec, &changes), ==, 0);
  recording_free (rec);
}

/* A line of format 1 (no "host") reads, without the host's figures. */
static void
test_format_1 (void)
{
  BcRecordPass p, back = { 0 };
  BcRecordDomain d;
  g_autoptr (GError) error = NULL;
  g_autoptr (GRegex) host = g_regex_new ("\"host\":\\{\"figures\":\\{[^}]*\\},\"figures_at_ms\":74,\"carry\":\\{[^}]*\\}\\},", 0, 0, NULL);
  g_autofree char *line = NULL, *no_host = NULL, *old = NULL;

  fill_pass (&p, &d);
  line = bc_record_to_json (&p);
  no_host = g_regex_replace_literal (host, line, -1, 0, "", 0, NULL);
  g_assert_cmpuint (strlen (no_host), <, strlen (line));
  old = replace_once (no_host, "\"format\":2", "\"format\":1");
  g_assert_true (bc_record_from_json (old, strlen (old), &back, &error));
  g_assert_no_error (error);
  g_assert_false (back.have_host);
  g_assert_cmpuint (back.host.host_kib, ==, p.host.host_kib);
  g_assert_cmpuint (back.host.figures.mem_total_kib, ==, 0);
  g_assert_cmpuint (back.budget_kib, ==, p.budget_kib);
  bc_record_pass_clear (&back);
}

/* Another policy decides otherwise, with its own controller: committed
 * never moves the margin. */
static void
test_replay_policy (void)
{
  BcRecordPass *rec = simulate (FALSE);
  BcReplayOptions opts = { .have_policy = TRUE, .policy = BC_POLICY_COMMITTED };
  g_autoptr (BcReplay) r = bc_replay_new (&opts);
  guint changes;

  g_assert_cmpuint (replay_all (&opts, rec, &changes), >, 0);
  for (int k = 0; k < PASSES; k++)
    {
      BcPassOutput out[NDOMS];

      g_assert_true (bc_replay_pass (r, &rec[k], out, NULL));
      for (guint i = 0; i < NDOMS; i++)
        {
          if (out[i].decided)
            g_assert_cmpint (out[i].carry.margin.margin_kib, ==, 128 * MIB);
          bc_pass_output_clear (&out[i]);
        }
    }
  g_assert_true (bc_replay_config_differs (r));
  g_assert_cmpint (bc_replay_policy (r, FALSE), ==, BC_POLICY_COMMITTED);
  g_assert_cmpint (bc_replay_policy (r, TRUE), ==, BC_POLICY_PAPER);
  recording_free (rec);
}

/* Out of step, a domain's requests are replay's own: each change starts
 * where the last one it made ended, whatever the recorded balloon did. */
static void
test_replay_own_requests (void)
{
  BcRecordPass *rec = simulate (FALSE);
  BcReplayOptions opts = { .have_config = TRUE };
  g_autoptr (BcReplay) r = bc_replay_new (&opts);
  guint64 last_new = 0;
  guint chained = 0;

  sim_config (&opts.cfg);
  opts.cfg.clamp.max_shrink_kib = 8 * MIB;
  r = (bc_replay_free (r), bc_replay_new (&opts));
  for (int k = 0; k < PASSES; k++)
    {
      BcPassOutput out[NDOMS];

      g_assert_true (bc_replay_pass (r, &rec[k], out, NULL));
      /* vm-a shrinks 8 MiB a pass, never in flight, from its own target */
      if (k >= 1 && k <= 3)
        {
          g_assert_cmpint (out[0].action, ==, BC_ACTION_SET);
          g_assert_cmpuint (out[0].old_kib, ==, last_new);
          g_assert_cmpuint (out[0].new_kib, ==, last_new - 8 * MIB);
          chained++;
        }
      if (out[0].action != BC_ACTION_NONE)
        last_new = out[0].new_kib;
      for (guint i = 0; i < NDOMS; i++)
        bc_pass_output_clear (&out[i]);
    }
  g_assert_cmpuint (chained, ==, 3);
  recording_free (rec);
}

/* Out of step on a pass whose recorded input awaited a change: that change
 * was the daemon's, not replay's, which makes its own at once; replay goes
 * on changing the domain instead of waiting for it for ever. */
static void
test_replay_not_stuck (void)
{
  BcRecordPass *rec = simulate (FALSE);
  BcReplayOptions opts = { 0 };
  g_autoptr (BcReplay) r = bc_replay_new (&opts);
  guint changes = 0;

  /* the recorded first pass decided with nothing awaited; replayed with a
   * change awaited, it decides otherwise */
  rec[0].domains[0].in.carry.apply_inflight = TRUE;
  for (int k = 0; k < PASSES; k++)
    {
      BcPassOutput out[NDOMS];

      g_assert_true (bc_replay_pass (r, &rec[k], out, NULL));
      if (k == 0)
        g_assert_cmpint (out[0].action, ==, BC_ACTION_NONE);
      else
        changes += out[0].action != BC_ACTION_NONE;
      for (guint i = 0; i < NDOMS; i++)
        bc_pass_output_clear (&out[i]);
    }
  g_assert_cmpuint (bc_replay_decisions_differ (r), >, 0);
  g_assert_cmpuint (changes, >=, 5);
  recording_free (rec);
}

/* Passes missing (a damaged line skipped, a gap in the numbers): what was
 * carried, the host's budget included, starts again from the recorded;
 * every other decision is reproduced. */
static void
test_replay_gap (void)
{
  BcRecordPass *rec = simulate_with (FALSE, TRUE);
  BcReplayOptions opts = { 0 };
  g_autoptr (BcReplay) r = bc_replay_new (&opts), skip = bc_replay_new (&opts);

  for (int k = 0; k < PASSES; k++)
    {
      BcPassOutput out[NDOMS];

      if (k == 12)
        {
          bc_replay_skip_line (skip);
          continue;
        }
      g_assert_true (bc_replay_pass (r, &rec[k], out, NULL));
      for (guint i = 0; i < NDOMS; i++)
        bc_pass_output_clear (&out[i]);
      g_assert_true (bc_replay_pass (skip, &rec[k], out, NULL));
      for (guint i = 0; i < NDOMS; i++)
        bc_pass_output_clear (&out[i]);
    }
  g_assert_cmpuint (bc_replay_decisions_differ (r), ==, 0);
  g_assert_cmpuint (bc_replay_decisions_differ (skip), ==, 0);
  recording_free (rec);
}

/* A domain the daemon began following anew starts from what was recorded
 * for it, not from what replay carried: a new run of it (its controller
 * whatever it is), or the same run with a controller started afresh (a
 * record the daemon made again). */
static void
test_replay_anew (gconstpointer data)
{
  gboolean new_run = GPOINTER_TO_INT (data);
  BcRecordPass *rec = simulate (FALSE);
  BcReplayOptions opts = { 0 };
  g_autoptr (BcReplay) r = bc_replay_new (&opts);
  BcConfig cfg;

  sim_config (&cfg);
  for (int k = 20; new_run && k < PASSES; k++)
    rec[k].domains[0].run = 2;
  if (new_run)
    rec[20].domains[0].in.carry.margin = rec[5].domains[0].in.carry.margin;
  else
    bc_margin_init (&rec[20].domains[0].in.carry.margin, &cfg.margin);
  rec[20].domains[0].in.carry.requested_kib = 0;
  for (int k = 0; k <= 20; k++)
    {
      BcPassOutput out[NDOMS], want[NDOMS];
      BcPassInput in[NDOMS] = { rec[k].domains[0].in, rec[k].domains[1].in };
      BcPassParams p = { &cfg, rec[k].host, rec[k].now_ms, FALSE };

      g_assert_true (bc_replay_pass (r, &rec[k], out, NULL));
      bc_pass_plan (&p, in, NDOMS, want);
      for (guint i = 0; i < NDOMS; i++)
        {
          g_assert_true (bc_record_output_equal (&out[i], &want[i]));
          g_assert_cmpmem (&out[i].carry.margin, sizeof out[i].carry.margin, &want[i].carry.margin, sizeof want[i].carry.margin);
          bc_pass_output_clear (&out[i]);
          bc_pass_output_clear (&want[i]);
        }
    }
  recording_free (rec);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/record/round-trip", test_round_trip);
  g_test_add_func ("/record/margin-before-hold", test_margin_before_hold);
  g_test_add_func ("/record/memory-device", test_memory_device);
  g_test_add_func ("/record/struct-sizes", test_struct_sizes);
  g_test_add_func ("/record/config-keys", test_config_keys);
  g_test_add_func ("/record/config-before-follow", test_config_before_follow);
  g_test_add_func ("/record/config-before-guest-size", test_config_before_guest_size);
  for (guint i = 0; i < G_N_ELEMENTS (bads); i++)
    {
      g_autofree char *path = g_strdup_printf ("/record/refused/%s", bads[i].name);

      g_test_add_data_func (path, &bads[i], test_refused);
    }
  g_test_add_func ("/record/refused/nul", test_nul);
  g_test_add_func ("/record/refused/empty", test_empty);
  g_test_add_func ("/record/refused/too-long", test_too_long);
  g_test_add_func ("/record/refused/second-value", test_second_value);
  g_test_add_func ("/record/mode-action", test_mode_action);
  g_test_add_data_func ("/replay/exact", GINT_TO_POINTER (FALSE), test_replay_exact);
  g_test_add_data_func ("/replay/exact-dry-run", GINT_TO_POINTER (TRUE), test_replay_exact);
  g_test_add_func ("/replay/policy", test_replay_policy);
  g_test_add_func ("/replay/follow", test_replay_follow);
  g_test_add_func ("/replay/not-stuck", test_replay_not_stuck);
  g_test_add_func ("/replay/gap", test_replay_gap);
  g_test_add_func ("/record/format-1", test_format_1);
  g_test_add_func ("/replay/own-requests", test_replay_own_requests);
  g_test_add_data_func ("/replay/anew/new-run", GINT_TO_POINTER (TRUE), test_replay_anew);
  g_test_add_data_func ("/replay/anew/fresh-controller", GINT_TO_POINTER (FALSE), test_replay_anew);
  return g_test_run ();
}
