/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The [metrics] listen value, ADDRESS:PORT: read by the configuration
 * (bc-config-file.c) and by the endpoint (bc-metrics-server.c). */
#pragma once

#include <gio/gio.h>

/* The longest [metrics] listen value, with its NUL. */
#define BC_METRICS_LISTEN_MAX 64

/* ADDRESS:PORT, the address an IP literal (IPv6 in brackets) that can be
 * a host's own (not multicast, not 255.255.255.255), the port 0..65535
 * (0: any free one).  out (may be NULL) gets the address. */
gboolean bc_metrics_parse_listen (const char *text, GSocketAddress **out, GError **error);

/* The 4 bytes of addr's IPv4 address (an IPv4 address, or an IPv4-mapped
 * IPv6 one, ::ffff:a.b.c.d); NULL for other IPv6 addresses. */
const guint8 *bc_metrics_listen_ipv4 (GInetAddress *addr);

/* TRUE if two valid listen values name the same port, not 0: the new
 * address may then collide with the old one's socket. */
gboolean bc_metrics_listen_same_port (const char *a, const char *b);
