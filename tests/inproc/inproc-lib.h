/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the in-process tests share: the test driver's node
 * (tests/data/node.xml), a fast daemon configuration, and set-up. */
#pragma once

#include "bc-config.h"

#include <libvirt/libvirt.h>

#define MIB 1024

/* A private test:/// connection to tests/data/node.xml (fresh domains). */
virConnectPtr inproc_open_node (void);
/* A domain's current memory (KiB), from libvirt. */
guint64 inproc_memory_kib (virConnectPtr conn, const char *name);
/* Defaults, 16 GiB budget, 100 ms apply and 500 ms margin ticks, no agent
 * (the test driver has none). */
void inproc_config (BcConfig *cfg);
/* g_test_init, warnings not fatal (the daemon warns about node.xml's bad
 * metadata and missing balloon on purpose; criticals stay fatal), libvirt's
 * errors not printed, its default event loop registered. */
void inproc_init (int *argc, char ***argv);
