/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A line of a recording as `balloonctl replay` reads it, then replayed: a
 * recording is a file anyone may hand to replay, cut by a crash or written
 * by hand.  A line read must write back to a line that reads the same, and
 * the pure pass must take whatever a line that reads holds. */
#include "fuzz-common.h"
#include "bc-record.h"
#include "bc-replay.h"

#include <string.h>

/* Written back, it reads back as the same pass. */
static void
check_round_trip (const BcRecordPass *rec)
{
  g_autofree char *line = bc_record_to_json (rec);
  g_autoptr (GError) error = NULL;
  BcRecordPass back;

  g_assert_true (bc_record_from_json (line, strlen (line), &back, &error));
  g_assert_cmpuint (back.pass, ==, rec->pass);
  g_assert_cmpuint (back.n, ==, rec->n);
  g_assert_cmpuint (back.budget_kib, ==, rec->budget_kib);
  g_assert_cmpint (back.have_host, ==, rec->have_host);
  if (rec->have_host)
    g_assert_true (memcmp (&back.host, &rec->host, sizeof rec->host) == 0);
  else
    g_assert_cmpuint (back.host.host_kib, ==, rec->host.host_kib);
  g_assert_true (bc_record_config_equal (&back.cfg, &rec->cfg));
  for (gsize i = 0; i < rec->n; i++)
    {
      g_assert_true (bc_record_output_equal (&back.domains[i].out, &rec->domains[i].out));
      g_assert_cmpint (back.domains[i].in.plugged, ==, rec->domains[i].in.plugged);
      g_assert_true (memcmp (&back.domains[i].vmem, &rec->domains[i].vmem, sizeof rec->domains[i].vmem) == 0);
    }
  bc_record_pass_clear (&back);
}

static void
replay (const BcRecordPass *rec)
{
  BcReplayOptions opts = { 0 };
  g_autoptr (BcReplay) r = bc_replay_new (&opts);
  g_autofree BcPassOutput *out = g_new0 (BcPassOutput, MAX (rec->n, 1));
  g_autoptr (GError) error = NULL;
  gboolean ok = bc_replay_pass (r, rec, out, &error);

  FUZZ_CHECK_RESULT (ok, error);
  for (gsize i = 0; ok && i < rec->n; i++)
    {
      /* a decided size is within the domain's maximum */
      g_assert_true (!out[i].decided || out[i].granted_kib <= MAX (rec->domains[i].in.balloon.max_kib, out[i].old_kib));
      bc_pass_output_clear (&out[i]);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  BcRecordPass rec;
  gboolean ok = bc_record_from_json ((const char *) data, size, &rec, &error);

  FUZZ_CHECK_RESULT (ok, error);
  if (!ok)
    return 0;
  check_round_trip (&rec);
  replay (&rec);
  bc_record_pass_clear (&rec);
  return 0;
}
