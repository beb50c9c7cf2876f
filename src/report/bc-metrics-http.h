/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report, the daemon's side: the HTTP of the /metrics endpoint, one
 * request per connection.  The request head is looked at as it comes,
 * before libsoup parses it (bc_metrics_screen_head: at most
 * BC_METRICS_HEAD_MAX bytes, no Transfer-Encoding, no Content-Length but
 * one plain number); then libsoup reads it, and bc_metrics_verdict
 * decides.  A scrape (GET or HEAD of /metrics, no body)
 * libsoup answers with what render returns; anything else, a request
 * libsoup found bad included, is answered here at once from the headers
 * and its connection taken from libsoup, so that no body is ever read.
 * Either way the connection is closed once the answer is written: libsoup
 * keeps none alive (it is given connections, it has no listening socket
 * of its own), and the listener is told (bc_listener_client_done). */
#pragma once

#include "bc-listener.h"

#include <gio/gio.h>

typedef struct _BcMetricsHttp BcMetricsHttp;

/* The exposition text, made when a scrape's headers are in. */
typedef GString *(*BcMetricsRenderFn) (gpointer data);

BcMetricsHttp *bc_metrics_http_new (BcMetricsRenderFn render, gpointer data);
/* Ends every connection still being served (each one's client done). */
void bc_metrics_http_free (BcMetricsHttp *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcMetricsHttp, bc_metrics_http_free)

/* Serves one request on conn, then calls bc_listener_client_done
 * (client), maybe before it returns.  local and remote: the connection's
 * inet socket addresses. */
void bc_metrics_http_serve (BcMetricsHttp *h, GSocketConnection *conn, GSocketAddress *local,
                            GSocketAddress *remote, BcListenerClient *client);
