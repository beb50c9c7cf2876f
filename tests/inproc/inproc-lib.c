/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "inproc-lib.h"

#include <libvirt/virterror.h>

virConnectPtr
inproc_open_node (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "node.xml", NULL);
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *uri = g_strdup_printf ("test://%s", abs);
  virConnectPtr conn = virConnectOpen (uri);

  g_assert_nonnull (conn);
  return conn;
}

guint64
inproc_memory_kib (virConnectPtr conn, const char *name)
{
  virDomainPtr dom = virDomainLookupByName (conn, name);
  virDomainInfo info;

  g_assert_nonnull (dom);
  g_assert_cmpint (virDomainGetInfo (dom, &info), ==, 0);
  virDomainFree (dom);
  return info.memory;
}

void
inproc_config (BcConfig *cfg)
{
  bc_config_defaults (cfg);
  cfg->budget_kib = 16 * 1024 * MIB;
  cfg->apply_interval_ms = 100;
  cfg->margin_interval_ms = 500;
  cfg->agent = FALSE;
}

static void
quiet (void *data, virErrorPtr err)
{
}

void
inproc_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  virSetErrorFunc (NULL, quiet);
  g_assert_cmpint (virEventRegisterDefaultImpl (), ==, 0);
}
