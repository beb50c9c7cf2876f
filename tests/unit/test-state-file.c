/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What run takes for its own at the state file's path and the lock's:
 * bc_state_file_text_ours and bc_lock_text_ours, from literal texts. */
#include "bc-lock.h"
#include "bc-state-file.h"

#include <string.h>

static void
test_state_text (void)
{
  static const struct { const char *text; gboolean ours; } cases[] = {
    { "", FALSE },                        /* never ours: writes rename whole files */
    { "{\"pid\": 12, \"updated_ms\": 5, \"domains\": []}", TRUE },
    { "{\"pid\": 12, \"uri\": \"test:///default\", \"policy\": \"paper\", \"updated_ms\": 5, "
      "\"apply_interval_ms\": 1000, \"budget_kib\": 1, \"domains\": [{\"uuid\": \"u\"}]}", TRUE },
    { "[host]\nbudget-mib = 8192\n", FALSE },                /* the configuration */
    { "{}", FALSE },
    { "{\"pid\": 12, \"updated_ms\": 5}", FALSE },            /* no domains */
    { "{\"pid\": \"12\", \"updated_ms\": 5, \"domains\": []}", FALSE },
    { "{\"pid\": 12, \"updated_ms\": 5, \"domains\": {}}", FALSE },
    { "[{\"pid\": 12, \"updated_ms\": 5, \"domains\": []}]", FALSE },
    { "\n", FALSE },
    { "12\n", FALSE },                                       /* a lock file */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%u: %s", i, cases[i].text);
      g_assert_cmpint (bc_state_file_text_ours (cases[i].text, strlen (cases[i].text)), ==, cases[i].ours);
    }
  /* a NUL inside */
  g_assert_false (bc_state_file_text_ours ("{\"pid\": 1}\0x", 12));
}

static void
test_lock_text (void)
{
  static const struct { const char *text; gboolean ours; } cases[] = {
    { "", TRUE }, { "1\n", TRUE }, { "4194304\n", TRUE }, { "123", TRUE }, { "1234567890\n", TRUE },
    { "12345678901\n", FALSE }, { "\n", FALSE }, { "12\n\n", FALSE }, { "12 \n", FALSE }, { "-1\n", FALSE },
    { "important\n", FALSE }, { "[host]\n", FALSE }, { "{\"pid\": 1}", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%u: %s", i, cases[i].text);
      g_assert_cmpint (bc_lock_text_ours (cases[i].text, strlen (cases[i].text)), ==, cases[i].ours);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/state-file/text", test_state_text);
  g_test_add_func ("/state-file/lock-text", test_lock_text);
  return g_test_run ();
}
