/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt URIs: which name this host, which name the same hypervisor. */
#include "bc-uri.h"

static void
test_local (void)
{
  static const struct { const char *uri; gboolean local; } cases[] = {
    { "qemu:///system", TRUE },
    { "qemu+unix:///system?socket=/var/run/libvirt/libvirt-sock", TRUE },
    { "qemu+ssh://localhost/system", TRUE },
    { "qemu+tcp://LOCALHOST:16509/system", TRUE },
    { "qemu+tcp://127.0.0.1/system", TRUE },
    { "qemu+ssh://root@[::1]/system", TRUE },
    { "qemu+ssh://localhost/system?keyfile=/root/my key%zz", TRUE }, /* bad escapes: parsed leniently */
    { "qemu+ssh://h1.example.org/system", TRUE },   /* this host's name */
    { "qemu+ssh://H1.Example.ORG/system", TRUE },
    { "test:///default", TRUE },
    { "qemu+ssh://h2.example.org/system", FALSE },
    { "qemu+tcp://10.0.0.2/system", FALSE },
    { "qemu+ssh://h1/system", FALSE },              /* not the name given */
    { "qemu+tls://[2001:db8::1]/system", FALSE },
    { "no scheme", FALSE },
    { "", FALSE },
    { NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].uri ? cases[i].uri : "(null)");
      g_assert_cmpint (bc_uri_is_local (cases[i].uri, "h1.example.org"), ==, cases[i].local);
    }
}

static void
test_same (void)
{
  static const struct { const char *a, *b; gboolean same; } cases[] = {
    { "qemu:///system", "qemu:///system", TRUE },
    { "qemu:///system", "qemu+unix:///system?socket=/var/run/libvirt/libvirt-sock", TRUE },
    { "qemu+unix:///system?socket=/var/run/libvirt/libvirt-sock", "qemu:///system", TRUE },
    { "qemu:///system", "qemu+ssh://localhost/system", TRUE },
    { "qemu:///system", "qemu+tcp://127.0.0.1:16509/system", TRUE },
    { "qemu:///system", "QEMU+ssh://h1.example.org/system", TRUE },
    { "xen://", "xen:///", TRUE },
    { "test:///default", "test:///default?x=1", TRUE },
    /* another host: only the same text (a daemon on this host may manage it) */
    { "qemu+ssh://h2.example.org/system", "qemu+ssh://h2.example.org/system", TRUE },
    { "qemu:///system", "qemu+ssh://h2.example.org/system", FALSE },
    { "qemu+ssh://h2.example.org/system", "qemu+tcp://h2.example.org/system", FALSE },
    /* another instance or driver on this host */
    { "qemu:///system", "qemu:///session", FALSE },
    { "qemu:///system", "qemu+unix:///session", FALSE },
    { "qemu:///system", "qemux:///system", FALSE },
    { "qemu:///system", "lxc:///system", FALSE },
    { "test:///default", "test:///tmp/node.xml", FALSE },
    { "qemu:///system", "no scheme", FALSE },
    { "qemu:///system", NULL, FALSE },
    { NULL, NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s | %s", cases[i].a ? cases[i].a : "(null)", cases[i].b ? cases[i].b : "(null)");
      g_assert_cmpint (bc_uri_same_hypervisor (cases[i].a, cases[i].b, "h1.example.org"), ==, cases[i].same);
    }
}

static void
test_host (void)
{
  static const struct { const char *uri, *host; } cases[] = {
    { "qemu:///system", "" },
    { "qemu+ssh://root@h2.example.org:2222/system", "h2.example.org" },
    { "qemu+tls://[2001:db8::1]/system", "2001:db8::1" },
    { "no scheme", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *host = bc_uri_host (cases[i].uri);

      g_assert_cmpstr (host, ==, cases[i].host);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/uri/local", test_local);
  g_test_add_func ("/uri/same-hypervisor", test_same);
  g_test_add_func ("/uri/host", test_host);
  return g_test_run ();
}
