/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the in-process tests share: the test driver's node
 * (tests/data/node.xml), a fast daemon configuration, set-up, and the log:
 * every message is recorded, and a warning fails the test unless the test
 * said it expects it. */
#pragma once

#include "bc-config.h"
#include "bc-daemon.h"

#include <libvirt/libvirt.h>

#define MIB 1024

/* A private test:/// connection to tests/data/node.xml (fresh domains). */
virConnectPtr inproc_open_node (void);
/* The same to another node file of tests/data. */
virConnectPtr inproc_open_data (const char *file);
/* A domain's current memory (KiB), from libvirt. */
guint64 inproc_memory_kib (virConnectPtr conn, const char *name);
/* bc_daemon_new, bc_daemon_run and bc_daemon_free: the exit status. */
int inproc_run (virConnectPtr conn, const BcConfig *cfg, const BcDaemonOptions *opts, GError **error);
/* Defaults, 16 GiB budget, 100 ms apply and 500 ms margin ticks, no agent
 * (the test driver has none). */
void inproc_config (BcConfig *cfg);
/* A host's /proc for BALLOONCTL_HOST_PROC in dir: meminfo with MemTotal
 * and MemAvailable (the other figures 0), and with some_avg10 (as the
 * file spells it, "30.00") pressure/memory too, dir/pressure made. */
void inproc_write_host_proc (const char *dir, guint64 total_kib, guint64 available_kib, const char *some_avg10);
/* g_test_init; warnings and criticals fatal unless expected; libvirt's
 * errors not printed; its default event loop registered. */
void inproc_init (int *argc, char ***argv);

/* g_test_add_func, with inproc_node_warnings expected (the test may
 * expect others) and the recorded messages forgotten first. */
void inproc_add_test (const char *path, void (*test) (void));
/* The same for a test taking data. */
void inproc_add_data_test (const char *path, gconstpointer data, void (*test) (gconstpointer data));

/* ---- waiting for passes, not for milliseconds -----------------------------
 * A test that waits "long enough" fails on a loaded machine.  These wait for
 * what the daemon has done instead: its passes, as it reports them to
 * systemd (sd_notify "WATCHDOG=1", wrapped with the linker's --wrap: once
 * after every pass, and every tick while libvirt is away; whether a
 * NOTIFY_SOCKET is set or not), and conditions checked after each. */

/* How long a wait may take before it fails the test: far above what any
 * takes on an idle machine (about a second). */
#define INPROC_DEADLINE_S 60

typedef gboolean (*InprocCheck) (gpointer data);

/* Passes reported since the test began. */
guint inproc_passes (void);
/* Calls then (data) on the main loop, once, as soon as at least `passes`
 * more passes have run and check (data) holds (NULL: passes alone); check
 * is asked at the loop's next turn, after every pass and after every
 * message logged (an apply's, when it has landed).  Fails the test,
 * saying `what`, if that takes INPROC_DEADLINE_S.  then may wait again.
 * Every wait must have come true when the test ends. */
void inproc_when (const char *what, guint passes, InprocCheck check, GSourceFunc then, gpointer data);
/* The same, then raising SIGTERM (the daemon stops). */
void inproc_stop_when (const char *what, guint passes, InprocCheck check, gpointer data);
/* For check: whether a message matching the glob pattern data was logged
 * (since the last inproc_expect_warnings). */
gboolean inproc_logged (gpointer pattern);
/* For check: whether vm-a (on the connection data) is below node.xml's
 * 1024 MiB. */
gboolean inproc_vm_a_shrunk (gpointer conn);

/* The warnings node.xml causes on purpose: vm-d's invalid metadata, vm-f's
 * missing balloon. */
extern const char *const inproc_node_warnings[];
/* Warnings matching one of these glob patterns (NULL-terminated; NULL =
 * none) are expected: logged, not fatal.  Any other warning aborts the
 * test.  Also forgets the messages recorded so far. */
void inproc_expect_warnings (const char *const *patterns);
/* How many messages (any level, since the last inproc_expect_warnings)
 * match the glob pattern. */
guint inproc_count_messages (const char *pattern);
/* Of the structured messages (g_log_structured) since then, how many have
 * field key = value for each pair of the NULL-terminated list. */
guint inproc_count_fields (const char *key, const char *value, ...) G_GNUC_NULL_TERMINATED;
