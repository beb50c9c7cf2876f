/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration parsing: every key, and errors that name file, group, key. */
#include "bc-config-file.h"
#include "bc-error.h"
#include "bc-term.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A load that blocks (a FIFO, a device) kills the test instead of hanging
 * it: SIGALRM's default action. */
#define LOAD_DEADLINE_S 10

static void
test_defaults (void)
{
  BcConfig c;

  bc_config_defaults (&c);
  g_assert_cmpint (c.apply_interval_ms, ==, 1000);
  g_assert_cmpint (c.margin_interval_ms, ==, 5000);
  g_assert_cmpint (c.policy, ==, BC_POLICY_ADAPTIVE);
  g_assert_cmpint (c.agent_timeout_ms, ==, 2000);
  g_assert_true (c.agent);
  g_assert_cmpstr (c.metrics_listen, ==, "");
  g_assert_cmpuint (c.domain_weight, ==, 100);
  g_assert_cmpint (c.domain_memory_device, ==, BC_MEMORY_DEVICE_AUTO);
  g_assert_cmpuint (c.guest_size_kib, ==, 1024 * 1024);
}

static void
test_shipped_example (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "..", "data", "balloonctl.conf", NULL);
  g_autoptr (GError) error = NULL;
  BcConfig c, d;

  /* The example documents every key with its default value: loaded over
   * a configuration where every field is wrong, it gives the defaults
   * (a key missing from the file leaves its field wrong). */
  memset (&c, 0x5a, sizeof c);
  bc_config_defaults (&d);
  g_assert_true (bc_config_load (&c, path, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.apply_interval_ms, ==, d.apply_interval_ms);
  g_assert_cmpint (c.margin_interval_ms, ==, d.margin_interval_ms);
  g_assert_cmpint (c.policy, ==, d.policy);
  g_assert_cmpint (c.agent_timeout_ms, ==, d.agent_timeout_ms);
  g_assert_cmpint (c.agent, ==, d.agent);
  g_assert_cmpmem (&c.margin, sizeof c.margin, &d.margin, sizeof d.margin);
  g_assert_cmpmem (&c.clamp, sizeof c.clamp, &d.clamp, sizeof d.clamp);
  g_assert_cmpuint (c.budget_kib, ==, d.budget_kib);
  g_assert_cmpuint (c.reserve_kib, ==, d.reserve_kib);
  g_assert_cmpint (c.follow, ==, d.follow);
  g_assert_cmpint (c.pressure_percent, ==, d.pressure_percent);
  g_assert_cmpstr (c.cgroup, ==, d.cgroup);
  g_assert_cmpuint (c.guest_size_kib, ==, d.guest_size_kib);
  g_assert_cmpuint (c.domain_min_kib, ==, d.domain_min_kib);
  g_assert_cmpuint (c.domain_max_kib, ==, d.domain_max_kib);
  g_assert_cmpstr (c.metrics_listen, ==, d.metrics_listen);
  g_assert_cmpuint (c.domain_weight, ==, d.domain_weight);
}

static void
test_all_keys (void)
{
  const char *text =
    "[controller]\napply-interval-ms=500\nmargin-interval-ms=2500\npolicy=paper-literal\nagent-timeout-ms=1500\nagent=false\n"
    "[margin]\ninitial-mib=256\nmin-mib=16\nmax-mib=2048\nstep-mib=32\ndown-step-mib=8\nthreshold-mib=2\n"
    "[safety]\nguard-mib=96\nmax-shrink-mib=128\ndead-band-mib=8\n"
    "[host]\nbudget-mib=4096\nreserve-mib=512\nfollow=false\npressure-percent=25\ncgroup=/sys/fs/cgroup/machine.slice\n"
    "guest-size-mib=4096\n"
    "[domain]\nmin-mib=192\nmax-mib=3072\nweight=300\nmemory-device = virtio-mem\n"
    "[metrics]\nlisten = [::1]:9477\n";
  g_autoptr (GError) error = NULL;
  BcConfig c;

  bc_config_defaults (&c);
  g_assert_true (bc_config_load_data (&c, text, "t.conf", &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.apply_interval_ms, ==, 500);
  g_assert_cmpint (c.margin_interval_ms, ==, 2500);
  g_assert_cmpint (c.policy, ==, BC_POLICY_PAPER_LITERAL);
  g_assert_cmpint (c.agent_timeout_ms, ==, 1500);
  g_assert_false (c.agent);
  g_assert_cmpint (c.margin.initial_kib, ==, 256 * 1024);
  g_assert_cmpint (c.margin.min_kib, ==, 16 * 1024);
  g_assert_cmpint (c.margin.max_kib, ==, 2048 * 1024);
  g_assert_cmpint (c.margin.step_kib, ==, 32 * 1024);
  g_assert_cmpint (c.margin.down_step_kib, ==, 8 * 1024);
  g_assert_cmpint (c.margin.threshold_kib, ==, 2 * 1024);
  g_assert_cmpuint (c.clamp.guard_kib, ==, 96 * 1024);
  g_assert_cmpuint (c.clamp.max_shrink_kib, ==, 128 * 1024);
  g_assert_cmpuint (c.clamp.dead_band_kib, ==, 8 * 1024);
  g_assert_cmpuint (c.budget_kib, ==, 4096 * 1024);
  g_assert_cmpuint (c.reserve_kib, ==, 512 * 1024);
  g_assert_false (c.follow);
  g_assert_cmpint (c.pressure_percent, ==, 25);
  g_assert_cmpstr (c.cgroup, ==, "/sys/fs/cgroup/machine.slice");
  g_assert_cmpuint (c.guest_size_kib, ==, 4096 * 1024);
  g_assert_cmpuint (c.domain_min_kib, ==, 192 * 1024);
  g_assert_cmpuint (c.domain_max_kib, ==, 3072 * 1024);
  g_assert_cmpstr (c.metrics_listen, ==, "[::1]:9477");
  g_assert_cmpuint (c.domain_weight, ==, 300);
  g_assert_cmpint (c.domain_memory_device, ==, BC_MEMORY_DEVICE_VIRTIO_MEM);
}

#define LONG_PATH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_errors (void)
{
  static const struct { const char *text, *message; } cases[] = {
    { "[controler]\n", "t.conf: unknown group [controler]" },
    { "[controller]\napply-intervall-ms=5\n", "t.conf: [controller] apply-intervall-ms: unknown key" },
    { "[controller]\napply-interval-ms=fast\n", "t.conf: [controller] apply-interval-ms: 'fast' is not a whole number" },
    { "[controller]\napply-interval-ms=10\n", "t.conf: [controller] apply-interval-ms: 10 is out of range (100..3600000)" },
    { "[controller]\napply-interval-ms=99999999999999999999\n", "t.conf: [controller] apply-interval-ms: '99999999999999999999' is not a whole number" },
    { "[margin]\nstep-mib=-4\n", "t.conf: [margin] step-mib: -4 is out of range (1..1048576)" },
    { "[margin]\nstep-mib=4 MiB\n", "t.conf: [margin] step-mib: '4 MiB' is not a whole number" },
    { "[controller]\npolicy=xenballoon\n", "t.conf: [controller] policy: unknown policy 'xenballoon' (paper, paper-literal, adaptive; committed and mom for comparisons)" },
    { "[controller]\nagent=yes\n", "t.conf: [controller] agent: 'yes' is not true or false" },
    { "[margin]\nmin-mib=512\nmax-mib=256\n", "t.conf: [margin] min-mib is above max-mib" },
    { "[domain]\nmin-mib=512\nmax-mib=256\n", "t.conf: [domain] min-mib is above max-mib" },
    { "[domain]\nweight=0\n", "t.conf: [domain] weight: 0 is out of range (1..10000)" },
    { "[domain]\nweight=10001\n", "t.conf: [domain] weight: 10001 is out of range (1..10000)" },
    { "[domain]\nweight=-1\n", "t.conf: [domain] weight: -1 is out of range (1..10000)" },
    { "[domain]\nweight=1.5\n", "t.conf: [domain] weight: '1.5' is not a whole number" },
    { "[domain]\nweight=heavy\n", "t.conf: [domain] weight: 'heavy' is not a whole number" },
    { "[domain]\nweight=\n", "t.conf: [domain] weight: '' is not a whole number" },
    { "[domain]\nmemory-device=dimm\n", "t.conf: [domain] memory-device: 'dimm' is not auto, balloon or virtio-mem" },
    { "[domain]\nmemory-device=Virtio-Mem\n", "t.conf: [domain] memory-device: 'Virtio-Mem' is not auto, balloon or virtio-mem" },
    { "[domain]\nmemory-device=\n", "t.conf: [domain] memory-device: '' is not auto, balloon or virtio-mem" },
    { "[controller]\napply-interval-ms=6000\n", "t.conf: [controller] margin-interval-ms is shorter than apply-interval-ms" },
    { "[metrics]\nlisten=127.0.0.1\n", "t.conf: [metrics] listen: '127.0.0.1' is not ADDRESS:PORT (e.g. 127.0.0.1:9477, [::1]:9477)" },
    { "[metrics]\nlisten=localhost:9477\n", "t.conf: [metrics] listen: 'localhost' is not an IP address (IPv6 in brackets)" },
    { "not a key file\n", NULL },
    /* GKeyFile keeps the last of two keys and merges two groups */
    { "[margin]\nstep-mib=8\nstep-mib=16\n", "t.conf: [margin] step-mib: given twice (lines 2 and 3)" },
    { "[margin]\nstep-mib = 8\n\n  step-mib\t=16\n", "t.conf: [margin] step-mib: given twice (lines 2 and 4)" },
    { "[margin]\nstep-mib=8\n[host]\nreserve-mib=1\n[margin]\nmin-mib=1\n", "t.conf: [margin] given twice (lines 1 and 5)" },
    /* GKeyFile hides localised keys from its list of keys */
    { "[controller]\npolicy[de]=adaptive\n", "t.conf: [controller] policy[de]: unknown key" },
    { "[controller]\npolicy=paper\npolicy[de_DE.UTF-8]=bogus\n", "t.conf: [controller] policy[de_DE.UTF-8]: unknown key" },
    /* was clamped into the range silently */
    { "[margin]\ninitial-mib=16\n", "t.conf: [margin] initial-mib 16 is outside min-mib 32 .. max-mib 65536" },
    { "[margin]\nmin-mib=64\nmax-mib=100\n", "t.conf: [margin] initial-mib 128 is outside min-mib 64 .. max-mib 100" },
    /* outside text in a message: raw (escaped once, where the message is
     * written), quoted, cut to 64 characters */
    { "[controller]\npolicy=\x1b[31mred\x1b[0m\n", "t.conf: [controller] policy: unknown policy '\x1b[31mred\x1b[0m' (paper, paper-literal, adaptive; committed and mom for comparisons)" },
    { "[controller]\nagent=it's\\\xff\n", "t.conf: [controller] agent: 'it's\\\xff' is not true or false" },
    { "[margin]\nstep-mib=" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" "TAIL\n",
      "t.conf: [margin] step-mib: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'... is not a whole number" },
    { "[controller]\nx\x07y=1\n", "t.conf: [controller] x\ay: unknown key" },
    { "[controller]\nx\x1b]0;owned\x07=1\n", NULL },
    { "[controller]\n\x1b[2J\n", "t.conf: line 2 is not a [group], key=value or # comment: '\x1b[2J'" },
    { "[a\x1b[2Jb]\n", NULL },
    { "[host]\ncgroup=machine.slice\n", "t.conf: [host] cgroup: 'machine.slice' is not an absolute path" },
    { "[host]\ncgroup=/sys/\x1b[2J\n", NULL },
    { "[host]\ncgroup=/" LONG_PATH "\n", NULL },
    { "[host]\npressure-percent=101\n", "t.conf: [host] pressure-percent: 101 is out of range (0..100)" },
    { "[host]\nfollow=yes\n", "t.conf: [host] follow: 'yes' is not true or false" },
    { "[host]\nguest-size-mib=0\n", "t.conf: [host] guest-size-mib: 0 is out of range (1..16777216)" },
    { "[host]\nguest-size-mib=16777217\n", "t.conf: [host] guest-size-mib: 16777217 is out of range (1..16777216)" },
    { "[controller]\npolicy=\xc2\x9b" "31m\n", "t.conf: [controller] policy: unknown policy '\xc2\x9b" "31m' (paper, paper-literal, adaptive; committed and mom for comparisons)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *shown = NULL;
      g_autofree char *logged = NULL;
      BcConfig c, before;

      bc_config_defaults (&c);
      before = c;
      g_assert_false (bc_config_load_data (&c, cases[i].text, "t.conf", &error));
      g_assert_error (error, BC_ERROR, BC_ERROR_CONFIG);
      /* raw bytes of the case in the message: escaped for the TAP log */
      logged = bc_term_escape (error->message);
      g_test_message ("case %u: %s", i, logged);
      if (cases[i].message)
        g_assert_cmpstr (error->message, ==, cases[i].message);
      else
        g_assert_true (g_str_has_prefix (error->message, "t.conf: "));
      /* as written (escaped once): nothing a terminal would act on, and
       * valid UTF-8 */
      shown = bc_term_escape (error->message);
      for (const char *p = shown; *p; p++)
        g_assert_true ((guchar) *p >= 0x20 && *p != 0x7f);
      g_assert_true (g_utf8_validate (shown, -1, NULL));
      /* a rejected file changes nothing (SIGHUP keeps the old config) */
      g_assert_cmpmem (&c, sizeof c, &before, sizeof before);
    }
}

static void
test_missing_file (void)
{
  g_autoptr (GError) error = NULL;
  BcConfig c;

  bc_config_defaults (&c);
  g_assert_true (bc_config_load (&c, "/nonexistent/balloonctl.conf", TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (bc_config_load (&c, "/nonexistent/balloonctl.conf", FALSE, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_CONFIG);
}

static char *
write_file (const char *dir, const char *base, const char *data, gssize len)
{
  char *path = g_build_filename (dir, base, NULL);

  g_assert_true (g_file_set_contents (path, data, len, NULL));
  return path;
}

/* Loading path fails at once with the message "path: " want, and leaves
 * the configuration as it was. */
static void
assert_load_fails (const char *path, const char *want)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *message = g_strdup_printf ("%s: %s", path, want);
  BcConfig c, before;

  bc_config_defaults (&c);
  before = c;
  alarm (LOAD_DEADLINE_S);
  g_assert_false (bc_config_load (&c, path, FALSE, &error));
  alarm (0);
  g_assert_error (error, BC_ERROR, BC_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_cmpmem (&c, sizeof c, &before, sizeof before);
}

/* Only a regular file is read: a FIFO would block the start (and a reload
 * on the main loop, SIGTERM included), a device would never end. */
static void
test_not_regular (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-config-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_load_fails (fifo, "is a FIFO, not a regular file");
  assert_load_fails ("/dev/zero", "is a character device, not a regular file");
  assert_load_fails (dir, "is a directory, not a regular file");
  g_unlink (fifo);
  g_rmdir (dir);
}

/* At most 64 KiB; a file of exactly that size loads. */
static void
test_size_cap (void)
{
  static const char head[] = "[margin]\nstep-mib=8\n";
  g_autofree char *dir = g_dir_make_tmp ("bc-config-XXXXXX", NULL);
  g_autofree char *text = g_malloc (BC_CONFIG_SIZE_MAX + 1);
  g_autofree char *fits = NULL, *over = NULL;
  g_autoptr (GError) error = NULL;
  BcConfig c;

  g_assert_cmpint (BC_CONFIG_SIZE_MAX, ==, 64 * 1024);
  memset (text, '#', BC_CONFIG_SIZE_MAX + 1);
  memcpy (text, head, strlen (head));
  for (gsize i = 100; i <= BC_CONFIG_SIZE_MAX; i += 100)
    text[i] = '\n';
  text[BC_CONFIG_SIZE_MAX - 1] = '\n';
  fits = write_file (dir, "fits.conf", text, BC_CONFIG_SIZE_MAX);
  over = write_file (dir, "over.conf", text, BC_CONFIG_SIZE_MAX + 1);
  bc_config_defaults (&c);
  g_assert_true (bc_config_load (&c, fits, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.margin.step_kib, ==, 8 * 1024);
  assert_load_fails (over, "larger than 65536 bytes (64 KiB), the most a configuration file may hold");
  g_unlink (fits);
  g_unlink (over);
  g_rmdir (dir);
}

/* GKeyFile stops at a NUL byte: what follows it was never checked. */
static void
test_nul_byte (void)
{
  static const char text[] = "[controller]\nagent=true\n\0[controller]\nagent=bogus\n";
  g_autofree char *dir = g_dir_make_tmp ("bc-config-XXXXXX", NULL);
  g_autofree char *path = write_file (dir, "nul.conf", text, sizeof text - 1);

  assert_load_fails (path, "a NUL byte at offset 24");
  g_unlink (path);
  g_rmdir (dir);
}

/* The host budget: budget-mib wins; else host memory minus the reserve,
 * and 0 (refused by the daemon) when the reserve leaves nothing. */
static void
test_budget (void)
{
  BcConfig c;

  bc_config_defaults (&c);
  g_assert_cmpuint (bc_config_budget_kib (&c, 8192 * 1024), ==, (8192 - 1024) * 1024);
  g_assert_cmpuint (bc_config_budget_kib (&c, 1024 * 1024), ==, 0);
  g_assert_cmpuint (bc_config_budget_kib (&c, 512 * 1024), ==, 0);
  g_assert_cmpuint (bc_config_budget_kib (&c, 0), ==, 0);
  c.budget_kib = 3000 * 1024;
  g_assert_cmpuint (bc_config_budget_kib (&c, 512 * 1024), ==, 3000 * 1024);
}

/* No budget is a configuration error (exit 2), named as such. */
static void
test_check_budget (void)
{
  g_autoptr (GError) error = NULL;
  guint64 budget = 1;
  BcConfig c;

  bc_config_defaults (&c);
  g_assert_true (bc_config_check_budget (&c, 8192 * 1024, &budget, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (budget, ==, (8192 - 1024) * 1024);
  g_assert_false (bc_config_check_budget (&c, 1024 * 1024, &budget, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_CONFIG);
  g_assert_cmpstr (error->message, ==, "host budget is 0 KiB: [host] reserve-mib 1024 leaves nothing of the host's 1024 MiB");
  g_assert_cmpuint (budget, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/shipped-example", test_shipped_example);
  g_test_add_func ("/config/all-keys", test_all_keys);
  g_test_add_func ("/config/errors", test_errors);
  g_test_add_func ("/config/missing-file", test_missing_file);
  g_test_add_func ("/config/not-regular", test_not_regular);
  g_test_add_func ("/config/size-cap", test_size_cap);
  g_test_add_func ("/config/nul-byte", test_nul_byte);
  g_test_add_func ("/config/budget", test_budget);
  g_test_add_func ("/config/check-budget", test_check_budget);
  return g_test_run ();
}
