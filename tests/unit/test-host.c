/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's figures: the pressure and cgroup parsers on hostile text,
 * and the local reader on a directory of files. */
#include "bc-host.h"
#include "bc-error.h"

#include <glib/gstdio.h>

static void
test_pressure (void)
{
  static const struct { const char *text; gboolean ok; guint bp; } cases[] = {
    { "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", TRUE, 0 },
    { "some avg10=12.34 avg60=1.00 avg300=0.10 total=99\n", TRUE, 1234 },
    { "some avg10=5.5 avg60=0\n", TRUE, 550 },
    { "some avg10=7 avg60=0\n", TRUE, 700 },
    { "some avg10=100.00 avg60=0\n", TRUE, 10000 },
    { "some avg10=99999999999999999999999.999 avg60=0\n", TRUE, 10000 },
    { "some avg10=1.239\n", TRUE, 123 },
    { "some avg10=\n", FALSE, 0 },
    { "some avg10=-1.00\n", FALSE, 0 },
    { "some avg10=1.0x\n", FALSE, 0 },
    { "full avg10=50.00\nsome avg10=1.00\n", FALSE, 0 },
    { "some total=0\nfull avg10=50.00\n", FALSE, 0 },
    { "", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      guint bp = 4242;
      gboolean ok = bc_host_parse_pressure (cases[i].text, strlen (cases[i].text), &bp, &error);

      g_test_message ("case %u", i);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        g_assert_cmpuint (bp, ==, cases[i].bp);
      else
        g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
    }
  /* a NUL inside is refused */
  g_assert_false (bc_host_parse_pressure ("some avg10=1.00\0x", 17, &(guint) { 0 }, NULL));
}

static void
test_cgroup (void)
{
  static const struct { const char *text; gboolean ok; guint64 kib; } cases[] = {
    { "max\n", TRUE, G_MAXUINT64 },
    { "1073741824\n", TRUE, 1048576 },
    { "1023\n", TRUE, 0 },
    { "18446744073709551615\n", TRUE, G_MAXUINT64 / 1024 },
    { "18446744073709551616\n", FALSE, 0 },
    { "-1\n", FALSE, 0 },
    { "12k\n", FALSE, 0 },
    { "\n", FALSE, 0 },
    { "maximum\n", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint64 kib = 42;
      gboolean ok = bc_host_parse_cgroup_kib (cases[i].text, strlen (cases[i].text), &kib, NULL);

      g_test_message ("case %u", i);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        g_assert_cmpuint (kib, ==, cases[i].kib);
    }
}

#define MEMINFO "MemTotal: 16000000 kB\nMemFree: 1000 kB\nMemAvailable: 2000000 kB\nCached: 10 kB\n" \
  "Active(file): 10 kB\nInactive(file): 10 kB\nCommitted_AS: 10 kB\n"

static void
put (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_read_local (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-host-XXXXXX", NULL);
  g_autofree char *psi = g_build_filename (dir, "pressure", NULL);
  g_autoptr (GError) error = NULL;
  BcHostFigures h;

  /* no meminfo: an error */
  g_assert_false (bc_host_read_local (dir, "", &h, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
  g_clear_error (&error);
  /* meminfo alone: no pressure, no cgroup */
  put (dir, "meminfo", MEMINFO);
  g_assert_true (bc_host_read_local (dir, "", &h, &error));
  g_assert_cmpuint (h.mem_total_kib, ==, 16000000);
  g_assert_cmpuint (h.mem_available_kib, ==, 2000000);
  g_assert_false (h.have_pressure);
  g_assert_false (h.have_cgroup);
  /* pressure, and the directory read as a cgroup */
  g_assert_cmpint (g_mkdir (psi, 0700), ==, 0);
  put (dir, "pressure/memory", "some avg10=3.50 avg60=0.00 avg300=0.00 total=0\n");
  put (dir, "memory.max", "2147483648\n");
  put (dir, "memory.current", "1073741824\n");
  g_assert_true (bc_host_read_local (dir, dir, &h, &error));
  g_assert_no_error (error);
  g_assert_true (h.have_pressure);
  g_assert_cmpuint (h.pressure_some_bp, ==, 350);
  g_assert_true (h.have_cgroup);
  g_assert_cmpuint (h.cgroup_max_kib, ==, 2097152);
  g_assert_cmpuint (h.cgroup_current_kib, ==, 1048576);
  /* the cgroup's own pressure, when higher, counts */
  put (dir, "memory.pressure", "some avg10=22.00 avg60=0.00 avg300=0.00 total=0\n");
  g_assert_true (bc_host_read_local (dir, dir, &h, &error));
  g_assert_cmpuint (h.pressure_some_bp, ==, 2200);
  put (dir, "memory.pressure", "some avg10=1.00 avg60=0.00 avg300=0.00 total=0\n");
  g_assert_true (bc_host_read_local (dir, dir, &h, &error));
  g_assert_cmpuint (h.pressure_some_bp, ==, 350);
  /* cgroup v1: its limit and usage; "no limit" is 2^63 - 4096 bytes */
  {
    g_autofree char *v1 = g_build_filename (dir, "v1", NULL);

    g_assert_cmpint (g_mkdir (v1, 0700), ==, 0);
    put (v1, "memory.limit_in_bytes", "536870912\n");
    put (v1, "memory.usage_in_bytes", "268435456\n");
    g_assert_true (bc_host_read_local (dir, v1, &h, &error));
    g_assert_cmpuint (h.cgroup_max_kib, ==, 524288);
    g_assert_cmpuint (h.cgroup_current_kib, ==, 262144);
    put (v1, "memory.limit_in_bytes", "9223372036854771712\n");
    g_assert_true (bc_host_read_local (dir, v1, &h, &error));
    g_assert_cmpuint (h.cgroup_max_kib, ==, G_MAXUINT64);
    put (v1, "memory.usage_in_bytes", "x\n");
    g_assert_false (bc_host_read_local (dir, v1, &h, &error));
    g_assert_nonnull (strstr (error->message, "memory.usage_in_bytes"));
    g_clear_error (&error);
    for (const char *f = "memory.limit_in_bytes\0memory.usage_in_bytes\0"; *f; f += strlen (f) + 1)
      {
        g_autofree char *path = g_build_filename (v1, f, NULL);

        g_unlink (path);
      }
    g_rmdir (v1);
  }
  /* a missing cgroup: an error */
  g_assert_false (bc_host_read_local (dir, "/nonexistent/cgroup", &h, &error));
  g_assert_nonnull (strstr (error->message, "memory.max"));
  g_clear_error (&error);
  /* a cgroup asked for that cannot be read: an error naming the file */
  put (dir, "memory.current", "lots\n");
  g_assert_false (bc_host_read_local (dir, dir, &h, &error));
  g_assert_nonnull (strstr (error->message, "memory.current"));
  g_clear_error (&error);
  /* a meminfo that is not a regular file (or is too large) is refused */
  g_assert_false (bc_host_read_local ("/dev/zero/..", "", &h, NULL));
  put (dir, "meminfo", "");
  {
    g_autofree char *big = g_strnfill (BC_HOST_TEXT_MAX + 1, 'x');

    put (dir, "meminfo", big);
    g_assert_false (bc_host_read_local (dir, "", &h, &error));
    g_assert_nonnull (strstr (error->message, "too large"));
  }
  for (const char *f = "meminfo\0pressure/memory\0memory.max\0memory.current\0memory.pressure\0"; *f; f += strlen (f) + 1)
    {
      g_autofree char *path = g_build_filename (dir, f, NULL);

      g_unlink (path);
    }
  g_rmdir (psi);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host/pressure", test_pressure);
  g_test_add_func ("/host/cgroup", test_cgroup);
  g_test_add_func ("/host/read-local", test_read_local);
  return g_test_run ();
}
