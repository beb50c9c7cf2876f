/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration parsing: every key, and errors that name file, group, key. */
#include "bc-config.h"
#include "bc-error.h"

#include <string.h>

static void
test_defaults (void)
{
  BcConfig c;

  bc_config_defaults (&c);
  g_assert_cmpint (c.apply_interval_ms, ==, 1000);
  g_assert_cmpint (c.margin_interval_ms, ==, 5000);
  g_assert_cmpint (c.policy, ==, BC_POLICY_PAPER);
  g_assert_cmpint (c.agent_timeout_ms, ==, 2000);
  g_assert_true (c.agent);
  g_assert_cmpstr (c.metrics_listen, ==, "");
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
  g_assert_cmpuint (c.domain_min_kib, ==, d.domain_min_kib);
  g_assert_cmpuint (c.domain_max_kib, ==, d.domain_max_kib);
  g_assert_cmpstr (c.metrics_listen, ==, d.metrics_listen);
}

static void
test_all_keys (void)
{
  const char *text =
    "[controller]\napply-interval-ms=500\nmargin-interval-ms=2500\npolicy=paper-literal\nagent-timeout-ms=1500\nagent=false\n"
    "[margin]\ninitial-mib=256\nmin-mib=16\nmax-mib=2048\nstep-mib=32\ndown-step-mib=8\nthreshold-mib=2\n"
    "[safety]\nguard-mib=96\nmax-shrink-mib=128\ndead-band-mib=8\n"
    "[host]\nbudget-mib=4096\nreserve-mib=512\n"
    "[domain]\nmin-mib=192\nmax-mib=3072\n"
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
  g_assert_cmpuint (c.domain_min_kib, ==, 192 * 1024);
  g_assert_cmpuint (c.domain_max_kib, ==, 3072 * 1024);
  g_assert_cmpstr (c.metrics_listen, ==, "[::1]:9477");
}

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
    { "[controller]\napply-interval-ms=6000\n", "t.conf: [controller] margin-interval-ms is shorter than apply-interval-ms" },
    { "[metrics]\nlisten=127.0.0.1\n", "t.conf: [metrics] listen: '127.0.0.1' is not ADDRESS:PORT (e.g. 127.0.0.1:9477, [::1]:9477)" },
    { "[metrics]\nlisten=localhost:9477\n", "t.conf: [metrics] listen: 'localhost' is not an IP address (IPv6 in brackets)" },
    { "not a key file\n", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      BcConfig c, before;

      bc_config_defaults (&c);
      before = c;
      g_assert_false (bc_config_load_data (&c, cases[i].text, "t.conf", &error));
      g_assert_error (error, BC_ERROR, BC_ERROR_CONFIG);
      if (cases[i].message)
        g_assert_cmpstr (error->message, ==, cases[i].message);
      else
        g_assert_true (g_str_has_prefix (error->message, "t.conf: "));
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/shipped-example", test_shipped_example);
  g_test_add_func ("/config/all-keys", test_all_keys);
  g_test_add_func ("/config/errors", test_errors);
  g_test_add_func ("/config/missing-file", test_missing_file);
  g_test_add_func ("/config/budget", test_budget);
  return g_test_run ();
}
