/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every kind of problem or event worth finding later, logged with its own
 * journald MESSAGE_ID and, where it concerns a domain, DOMAIN= and
 * DOMAIN_UUID=: `journalctl -u balloonctl MESSAGE_ID=...` lists one kind,
 * `journalctl -u balloonctl DOMAIN=vm1` one domain's story.  On a terminal,
 * the message line alone.  (A change's own entry: BC_MESSAGE_ID_CHANGE in
 * bc-apply.h, with its sizes as fields.) */
#pragma once

#include <glib.h>

#define BC_MESSAGE_ID_APPLY_FAILED    "80268d65a8b0423480a8261873c9f6b0" /* setMemory failed */
#define BC_MESSAGE_ID_NOT_MANAGED     "74d7eac79878443fb5f23c4392d24647" /* bad metadata, setup failed */
#define BC_MESSAGE_ID_AGENT_UNUSABLE  "6285fbb2c81b46439b6c3c9a9336a5f1" /* agent set aside */
#define BC_MESSAGE_ID_HELD            "d52bd35980ba4be5b72cdfd6140689a9" /* held on old figures */
#define BC_MESSAGE_ID_GREW            "9ceb24bbacff4c58838126ac15712e75" /* balloon grew on its own */
#define BC_MESSAGE_ID_JOB             "113bc257660a4bcf964526e6aa7f3cce" /* left alone during a job */
#define BC_MESSAGE_ID_COLLECT_FAILED  "399751779fce44c881b00af1794e4a3c" /* statistics read failed */
#define BC_MESSAGE_ID_CONNECTION_LOST "8c220bff32cf4f7d873bd70a2e036faa"
#define BC_MESSAGE_ID_RECONNECTED     "1f3e6b5f0cd3495b8a4d9c83a45ae263"
#define BC_MESSAGE_ID_STATE_FILE      "cb4e1e8e0fc54327a2d89ec31f20b59d" /* state file not written */
#define BC_MESSAGE_ID_RELOAD_REJECTED "b15d857876e941fcb2244a1e95707cfc"
#define BC_MESSAGE_ID_STOPPED         "5f0c8e7b2a6d4e59b1c3d7a9e2f48b16" /* a domain stopped, and how */
#define BC_MESSAGE_ID_REBOOTED        "a3e1d95c7b0f4c2e8d6a1b9f3c7e2d40" /* a guest rebooted */

/* Logs the formatted message at level with MESSAGE_ID message_id and,
 * when name is not NULL, DOMAIN= and DOMAIN_UUID= (uuid may be NULL). */
#define bc_log_event(level, message_id, name, uuid, ...) \
  bc_log_event_full (G_LOG_DOMAIN, level, message_id, name, uuid, __VA_ARGS__)

void bc_log_event_full (const char *log_domain, GLogLevelFlags level, const char *message_id,
                        const char *name, const char *uuid, const char *fmt, ...) G_GNUC_PRINTF (6, 7);
