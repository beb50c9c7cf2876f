/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meminfo/vmstat parsing: real samples and hostile guest input. */
#include "bc-error.h"
#include "bc-meminfo.h"

static char *
read_data (const char *name, gsize *len)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", name, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, len, NULL));
  return text;
}

static void
test_real_samples (void)
{
  const char *names[] = { "meminfo-host-6.1.txt", "meminfo-guest-busybox.txt" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      gsize len;
      g_autofree char *text = read_data (names[i], &len);
      g_autoptr (GError) error = NULL;
      BcMeminfo mi;

      g_assert_true (bc_meminfo_parse (text, len, &mi, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (mi.mem_total_kib, >, 0);
      g_assert_cmpuint (mi.mem_available_kib, <=, mi.mem_total_kib);
      g_assert_cmpuint (mi.committed_as_kib, >, 0);
      g_assert_cmpuint (bc_meminfo_used_kib (&mi), ==, mi.mem_total_kib - mi.mem_available_kib);
    }
}

static void
test_exact_values (void)
{
  const char *text =
    "MemTotal:         500000 kB\n"
    "MemFree:          100000 kB\n"
    "MemAvailable:     300000 kB\n"
    "Buffers:            1000 kB\n"
    "Cached:           200000 kB\n"
    "Active(file):      50000 kB\n"
    "Inactive(file):    60000 kB\n"
    "Committed_AS:     123456 kB\n"
    "HugePages_Total:       0\n";
  BcMeminfo mi;

  g_assert_true (bc_meminfo_parse (text, strlen (text), &mi, NULL));
  g_assert_cmpuint (mi.mem_total_kib, ==, 500000);
  g_assert_cmpuint (mi.mem_free_kib, ==, 100000);
  g_assert_cmpuint (mi.mem_available_kib, ==, 300000);
  g_assert_cmpuint (mi.cached_kib, ==, 200000);
  g_assert_cmpuint (mi.active_file_kib, ==, 50000);
  g_assert_cmpuint (mi.inactive_file_kib, ==, 60000);
  g_assert_cmpuint (mi.committed_as_kib, ==, 123456);
  g_assert_cmpuint (bc_meminfo_used_kib (&mi), ==, 200000);
}

#define GOOD_TAIL "MemFree: 1 kB\nMemAvailable: 2 kB\nCached: 3 kB\nActive(file): 1 kB\nCommitted_AS: 9 kB\n"

static void
test_hostile (void)
{
  const char *bad[] = {
    "",                                                   /* empty */
    "MemTotal: 1000 kB\nMemFree: 1 kB\n",                 /* truncated */
    "MemTotal: 1000 kB\nMemFree: 1 kB\nMemAvailable: 2 kB\nCached: 3 kB\nActive(file): 1 kB\nCommitted_AS: 9", /* cut mid-line */
    "MemTotal: 99999999999999999999 kB\n" GOOD_TAIL,     /* 20 digits */
    "MemTotal: 9999999999999999 kB\n" GOOD_TAIL,         /* above 16 TiB */
    "MemTotal: -1000 kB\n" GOOD_TAIL,                      /* negative */
    "MemTotal: 0 kB\n" GOOD_TAIL,                          /* zero */
    "MemTotal: 1000 kB\nMemTotal: 2000 kB\n" GOOD_TAIL,   /* duplicate */
    "MemTotal: 1000 MB\n" GOOD_TAIL,                       /* wrong unit */
    "MemTotal: 2 kB\n" GOOD_TAIL,                          /* figures above MemTotal */
    "MemTotal: 1000 kB\nMemFree: 1 kB\nMemAvailable: 2000 kB\nCached: 3 kB\nActive(file): 1 kB\nCommitted_AS: 9 kB\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      BcMeminfo mi = { 0 };

      g_test_message ("case %u", i);
      g_assert_false (bc_meminfo_parse (bad[i], strlen (bad[i]), &mi, &error));
      g_assert_error (error, BC_ERROR, BC_ERROR_GUEST);
      g_assert_cmpuint (mi.mem_total_kib, ==, 0); /* untouched on failure */
    }
}

/* Random bytes with a few lines planted in them: every line of another
 * shape is skipped, a half-written key is no figure, and a parse that fails
 * leaves its output as it was.  Each planted line has a range of its own,
 * so none overwrites another. */
#define JUNK_LEN 8192
#define JUNK_MEMINFO "\nMemTotal: 4000 kB\nMemFree: 100 kB\nMemAvailable: 3000 kB\n" \
  "Cached: 2000 kB\nActive(file): 500 kB\nInactive(file): 600 kB\nCommitted_AS: 700 kB\n"

static void
fill_junk (GRand *rand, char *junk)
{
  for (gsize i = 0; i < JUNK_LEN; i++)
    junk[i] = (char) g_rand_int_range (rand, 0, 256);
}

static void
plant (GRand *rand, char *junk, gint32 from, gint32 to, const char *line)
{
  memcpy (junk + g_rand_int_range (rand, from, to), line, strlen (line));
}

/* Half-written keys only: meminfo fails (required figures missing) and
 * leaves its output alone; vmstat reads exactly its one whole line. */
static void
junk_round_partial (GRand *rand, char *junk)
{
  g_autoptr (GError) mi_error = NULL;
  g_autoptr (GError) vs_error = NULL;
  BcMeminfo mi, mi_before;
  BcVmstat vs;

  fill_junk (rand, junk);
  plant (rand, junk, 0, 4000, "\nMemTotal: 12");
  plant (rand, junk, 4100, 8000, "\npgpgin 7\n");
  memset (&mi, 0xa5, sizeof mi);
  mi_before = mi;
  g_assert_false (bc_meminfo_parse (junk, JUNK_LEN, &mi, &mi_error));
  g_assert_error (mi_error, BC_ERROR, BC_ERROR_GUEST);
  g_assert_cmpmem (&mi, sizeof mi, &mi_before, sizeof mi_before);
  g_assert_true (bc_vmstat_parse (junk, JUNK_LEN, &vs, &vs_error));
  g_assert_no_error (vs_error);
  g_assert_cmpuint (vs.pgpgin_kib, ==, 7);
  g_assert_cmpuint (vs.refault_file, ==, 0);
  g_assert_false (vs.have_refault);
}

/* A whole meminfo among the junk: read exactly, the junk around it skipped,
 * and so are lines with a known key but another shape (a figure that is
 * not all digits, text after the unit). */
static void
junk_round_whole (GRand *rand, char *junk)
{
  g_autoptr (GError) error = NULL;
  BcMeminfo mi;

  fill_junk (rand, junk);
  plant (rand, junk, 0, 1900, "\nMemTotal: 12x4 kB\n");
  plant (rand, junk, 2000, 3900, "\nCached: 5 kB and more\n");
  plant (rand, junk, 4100, JUNK_LEN - (gint32) strlen (JUNK_MEMINFO), JUNK_MEMINFO);
  g_assert_true (bc_meminfo_parse (junk, JUNK_LEN, &mi, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mi.mem_total_kib, ==, 4000);
  g_assert_cmpuint (mi.mem_free_kib, ==, 100);
  g_assert_cmpuint (mi.mem_available_kib, ==, 3000);
  g_assert_cmpuint (mi.cached_kib, ==, 2000);
  g_assert_cmpuint (mi.active_file_kib, ==, 500);
  g_assert_cmpuint (mi.inactive_file_kib, ==, 600);
  g_assert_cmpuint (mi.committed_as_kib, ==, 700);
}

static void
test_binary_junk (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  g_autofree char *junk = g_malloc (JUNK_LEN);

  for (guint round = 0; round < 200; round++)
    {
      junk_round_partial (rand, junk);
      junk_round_whole (rand, junk);
    }
}

static void
test_huge (void)
{
  gsize len = BC_GUEST_TEXT_MAX + 1;
  g_autofree char *big = g_malloc (len);
  g_autoptr (GError) error = NULL;
  BcMeminfo mi;

  memset (big, '\n', len);
  g_assert_false (bc_meminfo_parse (big, len, &mi, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_GUEST);
}

static void
test_vmstat (void)
{
  gsize len;
  g_autofree char *text = read_data ("vmstat-host-6.1.txt", &len);
  const char *old_kernel = "pgpgin 100\nworkingset_refault 42\n";
  const char *dup = "pgpgin 1\npgpgin 2\n";
  const char *no_pgpgin = "workingset_refault_file 5\n";
  const char *negative = "pgpgin -5\n";
  BcVmstat vs;

  g_assert_true (bc_vmstat_parse (text, len, &vs, NULL));
  g_assert_true (vs.have_refault);
  g_assert_true (bc_vmstat_parse (old_kernel, strlen (old_kernel), &vs, NULL));
  g_assert_cmpuint (vs.refault_file, ==, 42);
  g_assert_cmpuint (vs.pgpgin_kib, ==, 100);
  g_assert_false (bc_vmstat_parse (dup, strlen (dup), &vs, NULL));
  g_assert_false (bc_vmstat_parse (no_pgpgin, strlen (no_pgpgin), &vs, NULL));
  g_assert_false (bc_vmstat_parse (negative, strlen (negative), &vs, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/meminfo/real-samples", test_real_samples);
  g_test_add_func ("/meminfo/exact-values", test_exact_values);
  g_test_add_func ("/meminfo/hostile", test_hostile);
  g_test_add_func ("/meminfo/binary-junk", test_binary_junk);
  g_test_add_func ("/meminfo/huge", test_huge);
  g_test_add_func ("/vmstat/parse", test_vmstat);
  return g_test_run ();
}
