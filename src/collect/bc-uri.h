/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which libvirt URIs name the same hypervisor, and which name this host:
 * how status tells whether the local daemon's state file speaks of the
 * hypervisor it is connected to.  Pure: this host's name is an argument. */
#pragma once

#include <glib.h>

/* Whether uri names a hypervisor on this host: no host part, "localhost",
 * a loopback address (127.0.0.0/8, ::1), or host_name (case aside).
 * A URI that does not parse is not local. */
gboolean bc_uri_is_local (const char *uri, const char *host_name);

/* Whether a and b name the same hypervisor: the same text, or both local
 * with the same driver (the scheme without its "+transport") and the same
 * path.  qemu:///system, qemu+unix:///system?socket=/run/libvirt/libvirt-sock
 * and qemu+ssh://localhost/system are one; qemu:///session is another. */
gboolean bc_uri_same_hypervisor (const char *a, const char *b, const char *host_name);

/* The host part of uri ("" when it has none, NULL when it does not parse). */
char *bc_uri_host (const char *uri);
