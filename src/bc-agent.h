/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: reading guest files through the QEMU guest agent
 * (guest-file-open/read/close via virDomainQemuAgentCommand).  These calls
 * block for up to the timeout: run them on a worker thread, never on the
 * main loop. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

/* Reads the whole file (at most BC_GUEST_TEXT_MAX bytes). timeout_ms is
 * rounded up to whole seconds, libvirt's unit. */
GBytes *bc_agent_read_file (virDomainPtr dom, const char *path, gint64 timeout_ms, GError **error);

/* Pure parsers of the agent's replies, exposed for the tests. */
gboolean bc_agent_parse_handle (const char *reply, gint64 *handle, GError **error);
gboolean bc_agent_parse_read (const char *reply, GByteArray *into, gsize max_total,
                              gboolean *eof, GError **error);
