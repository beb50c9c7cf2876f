/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report, the daemon's side: a listening TCP socket and its accept loop on
 * the main context, for an endpoint that must survive hostile clients.  It
 * holds at most clients_max connections at once; each has a deadline for
 * its whole life, after which it is shut down; at the cap, a connection
 * waiting to be accepted takes the place of the oldest one once that one is
 * evict_age_ms old; when accept fails for want of descriptors it says so
 * once, stops watching the socket (it stays in LISTEN, the kernel queues
 * what comes) and tries again every retry_ms and whenever a connection
 * ends.  What is served on a connection is the caller's (serve). */
#pragma once

#include <gio/gio.h>

typedef struct _BcListener BcListener;
/* One accepted connection, counted; a reference may outlive the listener
 * (its server keeps one until it lets go). */
typedef struct _BcListenerClient BcListenerClient;

typedef struct {
  const char *name;      /* in the log: "metrics" */
  guint clients_max;     /* connections at once */
  guint deadline_ms;     /* from accept to shutdown */
  guint evict_age_ms;    /* at the cap: the oldest this old makes room */
  guint retry_ms;        /* after accept failed for want of descriptors */
  guint grace_ms;        /* after a shutdown, for the server to let go */
} BcListenerLimits;

/* Called with each accepted connection; the callee serves it and calls
 * bc_listener_client_done (it may do so before it returns). */
typedef void (*BcListenerServeFn) (GSocketConnection *conn, BcListenerClient *client, gpointer data);

/* Binds and listens on addr (an address in use, or not this host's, is
 * an error).  Sources on the thread-default main context. */
BcListener *bc_listener_new (GSocketAddress *addr, const BcListenerLimits *limits,
                             BcListenerServeFn serve, gpointer data, GError **error);
/* Closes the socket and every connection still held. */
void bc_listener_free (BcListener *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcListener, bc_listener_free)

/* Where it listens (the port chosen for port 0 included). */
GInetSocketAddress *bc_listener_get_address (BcListener *l);
/* Connections held now. */
guint bc_listener_n_clients (BcListener *l);

/* A connection with no listener: done closes it.  (What the listener
 * makes for each connection; tests and the fuzzer make their own.) */
BcListenerClient *bc_listener_client_new (GIOStream *stream);
BcListenerClient *bc_listener_client_ref (BcListenerClient *c);
void bc_listener_client_unref (BcListenerClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcListenerClient, bc_listener_client_unref)
/* Its server has finished with it: closed, its place freed.  If the
 * server left it open (an answer of its own written), it lingers first:
 * shut down for writing, held until the client closes or its deadline.
 * Once is enough; nothing after the listener dropped it. */
void bc_listener_client_done (BcListenerClient *c);

/* What an accept(2) failure with errnum means. */
typedef enum {
  BC_ACCEPT_AGAIN,      /* nothing more to accept now (EAGAIN) */
  BC_ACCEPT_SKIP,       /* that one connection failed: go on */
  BC_ACCEPT_PAUSE,      /* no descriptors or memory (or unknown): say
                           so, stop watching, try again later */
} BcAcceptOutcome;

BcAcceptOutcome bc_listener_accept_outcome (int errnum);
