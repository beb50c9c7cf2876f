/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: reading guest files through the QEMU guest agent
 * (guest-file-open/read/close via virDomainQemuAgentCommand).  These calls
 * block for up to the timeout: run them on a worker thread, never on the
 * main loop. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

/* Reads the whole file (at most BC_GUEST_TEXT_MAX bytes). timeout_ms is
 * the longest wait for one agent call, rounded up to whole seconds
 * (libvirt's unit); the whole file must come within 4 times that and 16
 * reads, or it is an error. */
GBytes *bc_agent_read_file (virDomainPtr dom, const char *path, gint64 timeout_ms, GError **error);

/* The same with another transport (for the tests): call sends one agent
 * command and returns the reply, or NULL and an error. */
typedef char *(*BcAgentCallFunc) (gpointer ctx, const char *cmd, int timeout_s, GError **error);
GBytes *bc_agent_read_file_with (BcAgentCallFunc call, gpointer ctx, const char *path, gint64 timeout_ms,
                                 GError **error);

/* Pure parsers of the agent's replies, exposed for the tests. */
gboolean bc_agent_parse_handle (const char *reply, gint64 *handle, GError **error);
gboolean bc_agent_parse_read (const char *reply, GByteArray *into, gsize max_total,
                              gboolean *eof, GError **error);
