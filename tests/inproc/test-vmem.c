/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain sized by virtio-mem, in process against libvirt's test driver
 * (tests/data/node-vmem.xml), beside one sized by its balloon: what a dry
 * run says it would ask of the device, and what a recording keeps of it. */
#include "bc-record-reader.h"
#include "bc-replay.h"
#include "inproc-lib.h"

#include <glib/gstdio.h>
#include <string.h>

#define VM_M "00000000-0000-4000-8000-0000000000aa"

/* The device's requested size in the domain's live XML (KiB). */
static guint64
requested_kib (virConnectPtr conn, const char *name)
{
  virDomainPtr dom = virDomainLookupByName (conn, name);
  g_autofree char *xml = NULL;
  g_autoptr (GRegex) re = g_regex_new ("<requested unit='KiB'>([0-9]+)</requested>", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  g_autofree char *v = NULL;

  g_assert_nonnull (dom);
  xml = virDomainGetXMLDesc (dom, 0);
  virDomainFree (dom);
  g_assert_true (g_regex_match (re, xml, 0, &m));
  v = g_match_info_fetch (m, 1);
  return g_ascii_strtoull (v, NULL, 10);
}

/* The dry run says the request it would send: min-mib 801 over 256 MiB
 * of boot memory is 545 MiB of the device, rounded up to a whole 2 MiB
 * block, 546 MiB (559104 KiB), a domain of 802 MiB (821248 KiB); as the
 * change's own line would, from the size the guest has (boot + plugged:
 * 256 MiB).  Nothing is asked: the device's request stays 128 MiB. */
static void
test_dry_run (void)
{
  virConnectPtr conn = inproc_open_data ("node-vmem.xml");
  BcDaemonOptions opts = { .state_path = "", .once = TRUE, .dry_run = TRUE };
  BcConfig cfg;

  inproc_config (&cfg);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_cmpuint (inproc_count_messages ("vm-m: sized by virtio-mem: 256 MiB of boot memory and a device of 1024 MiB *"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("vm-m: dry run: would set 262144 -> 821248 KiB (virtio-mem requested size 559104 KiB): *"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("vm-m: dry run: *"), ==, 1);
  /* the balloon's line as it was */
  g_assert_cmpuint (inproc_count_messages ("vm-n: dry run: would set 1048576 -> * KiB: *"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("*virtio-mem requested size*"), ==, 1);
  g_assert_cmpuint (requested_kib (conn, "vm-m"), ==, 128 * MIB);
  g_assert_cmpuint (inproc_memory_kib (conn, "vm-n"), ==, 1024 * MIB);
  virConnectClose (conn);
}

/* A dry run pass after pass on the same figures (the test driver's
 * guest never plugs): the daemon would send the request once and then let
 * it stand, so the dry run says it once, not every pass. */
static void
test_dry_run_stands (void)
{
  virConnectPtr conn = inproc_open_data ("node-vmem.xml");
  BcDaemonOptions opts = { .state_path = "", .dry_run = TRUE };
  BcConfig cfg;

  inproc_config (&cfg);
  inproc_stop_when ("5 passes", 5, NULL, NULL);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_cmpuint (inproc_count_messages ("vm-m: dry run: would set 262144 -> 821248 KiB (virtio-mem requested size 559104 KiB): *"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("vm-m: dry run: would *"), ==, 1);
  g_assert_cmpuint (inproc_count_messages ("vm-m: dry run: nothing to ask for * KiB: its virtio-mem request of 559104 KiB stands *"), >=, 4);
  g_assert_cmpuint (requested_kib (conn, "vm-m"), ==, 128 * MIB);
  virConnectClose (conn);
}

/* A recording says what sized each domain, and keeps the virtio-mem
 * device as the pass saw it; replayed, its decisions come back. */
static void
test_record (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-vmem-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  virConnectPtr conn = inproc_open_data ("node-vmem.xml");
  BcDaemonOptions opts = { .state_path = "", .once = TRUE, .dry_run = TRUE, .record_path = path };
  BcReplayOptions ro = { 0 };
  g_autoptr (BcRecordReader) reader = NULL;
  g_autoptr (BcReplay) r = bc_replay_new (&ro);
  BcVmemDevice want = { 256 * MIB, 1024 * MIB, 2 * MIB, 128 * MIB, 0 };
  BcPassOutput out[2];
  BcRecordPass rec;
  BcConfig cfg;

  inproc_config (&cfg);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  virConnectClose (conn);
  reader = bc_record_reader_open (path, NULL);
  g_assert_cmpint (bc_record_reader_next (reader, &rec, NULL), ==, BC_RECORD_READ_PASS);
  g_assert_cmpuint (rec.n, ==, 2);
  for (gsize i = 0; i < rec.n; i++)
    {
      gboolean m = strcmp (rec.domains[i].uuid, VM_M) == 0;

      g_assert_cmpint (rec.domains[i].in.plugged, ==, m);
      if (m)
        g_assert_cmpmem (&rec.domains[i].vmem, sizeof want, &want, sizeof want);
    }
  g_assert_true (bc_replay_pass (r, &rec, out, NULL));
  g_assert_cmpuint (bc_replay_decisions_differ (r), ==, 0);
  for (gsize i = 0; i < rec.n; i++)
    bc_pass_output_clear (&out[i]);
  bc_record_pass_clear (&rec);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  inproc_init (&argc, &argv);
  inproc_add_test ("/vmem/dry-run", test_dry_run);
  inproc_add_test ("/vmem/dry-run-stands", test_dry_run_stands);
  inproc_add_test ("/vmem/record", test_record);
  return g_test_run ();
}
