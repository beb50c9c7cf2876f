/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-agent"

#include "bc-agent.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"
#include "bc-json.h"
#include "bc-meminfo.h"

#include <libvirt/libvirt-qemu.h>

#define READ_CHUNK 65536

static JsonNode *
parse_return (const char *reply, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) root = bc_json_parse_object (reply, &local);
  JsonNode *ret;

  if (root == NULL)
    return bc_set_error (error, BC_ERROR_GUEST, "agent: reply: %s", local->message), NULL;
  ret = json_object_get_member (json_node_get_object (root), "return");
  if (ret == NULL)
    return bc_set_error (error, BC_ERROR_GUEST, "agent: reply has no \"return\""), NULL;
  return json_node_copy (ret);
}

gboolean
bc_agent_parse_handle (const char *reply, gint64 *handle, GError **error)
{
  g_autoptr (JsonNode) ret = parse_return (reply, error);

  if (ret == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (ret) || json_node_get_value_type (ret) != G_TYPE_INT64 ||
      json_node_get_int (ret) < 0)
    return bc_set_error (error, BC_ERROR_GUEST, "agent: guest-file-open returned no handle");
  *handle = json_node_get_int (ret);
  return TRUE;
}

gboolean
bc_agent_parse_read (const char *reply, GByteArray *into, gsize max_total,
                     gboolean *eof, GError **error)
{
  g_autoptr (JsonNode) ret = parse_return (reply, error);
  g_autofree guchar *data = NULL;
  JsonObject *obj;
  const char *b64;
  gsize len = 0;

  if (ret == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (ret))
    return bc_set_error (error, BC_ERROR_GUEST, "agent: guest-file-read returned no object");
  obj = json_node_get_object (ret);
  b64 = bc_json_member_string (obj, "buf-b64");
  if (b64 == NULL)
    return bc_set_error (error, BC_ERROR_GUEST, "agent: guest-file-read returned no buf-b64");
  if (strlen (b64) / 4 * 3 > max_total)
    return bc_set_error (error, BC_ERROR_GUEST, "agent: guest file larger than %" G_GSIZE_FORMAT " bytes", max_total);
  data = g_base64_decode (b64, &len);
  if (into->len + len > max_total)
    return bc_set_error (error, BC_ERROR_GUEST, "agent: guest file larger than %" G_GSIZE_FORMAT " bytes", max_total);
  g_byte_array_append (into, data, (guint) len);
  *eof = bc_json_member_true (obj, "eof") || len == 0;
  return TRUE;
}

/* A guest may answer every read with one byte and never say eof: the whole
 * file must come within READ_CALLS_MAX reads and DEADLINE_FACTOR times the
 * timeout, so a worker (and SIGTERM, which waits for the workers) is never
 * held for longer.  /proc/meminfo and /proc/vmstat take 1 or 2 reads. */
#define READ_CALLS_MAX 16
#define DEADLINE_FACTOR 4

typedef struct {
  BcAgentCallFunc call;
  gpointer ctx;
  gint64 timeout_ms;
  gint64 deadline_us; /* monotonic */
} Session;

/* libvirt's agent timeout is in whole seconds: round up, at least 1. */
static int
timeout_s (gint64 ms)
{
  return (int) MAX (1, (ms + 999) / 1000);
}

/* One agent command, with at most the time left before the deadline. */
static char *
session_call (Session *s, const char *cmd, GError **error)
{
  gint64 left_ms = (s->deadline_us - g_get_monotonic_time ()) / 1000;

  if (left_ms <= 0)
    return bc_set_error (error, BC_ERROR_GUEST, "guest agent: file not read within %" G_GINT64_FORMAT " ms",
                         s->timeout_ms * DEADLINE_FACTOR), NULL;
  return s->call (s->ctx, cmd, timeout_s (MIN (left_ms, s->timeout_ms)), error);
}

static gboolean
read_all (Session *s, gint64 handle, GByteArray *buf, GError **error)
{
  g_autofree char *cmd = g_strdup_printf ("{\"execute\":\"guest-file-read\",\"arguments\":{\"handle\":%" G_GINT64_FORMAT ",\"count\":%d}}",
                                          handle, READ_CHUNK);
  gboolean eof = FALSE;

  for (guint calls = 0; !eof; calls++)
    {
      g_autofree char *reply = NULL;

      if (calls == READ_CALLS_MAX)
        return bc_set_error (error, BC_ERROR_GUEST, "guest agent: no end of file after %d reads", READ_CALLS_MAX);
      reply = session_call (s, cmd, error);
      if (reply == NULL || !bc_agent_parse_read (reply, buf, BC_GUEST_TEXT_MAX, &eof, error))
        return FALSE;
    }
  return TRUE;
}

GBytes *
bc_agent_read_file_with (BcAgentCallFunc call, gpointer ctx, const char *path, gint64 timeout_ms, GError **error)
{
  g_autofree char *escaped = g_strescape (path, NULL);
  g_autofree char *cmd = g_strdup_printf ("{\"execute\":\"guest-file-open\",\"arguments\":{\"path\":\"%s\",\"mode\":\"r\"}}", escaped);
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autofree char *reply = NULL;
  g_autofree char *close_cmd = NULL;
  g_autofree char *close_reply = NULL;
  Session s = { call, ctx, MAX (timeout_ms, 1), 0 };
  gint64 handle;
  gboolean ok;

  s.deadline_us = g_get_monotonic_time () + s.timeout_ms * DEADLINE_FACTOR * 1000;
  reply = session_call (&s, cmd, error);
  if (reply == NULL || !bc_agent_parse_handle (reply, &handle, error))
    return NULL;
  ok = read_all (&s, handle, buf, error);
  /* The handle is closed even past the deadline (one more call, with the
   * plain timeout): qemu-ga keeps open handles until closed. */
  close_cmd = g_strdup_printf ("{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":%" G_GINT64_FORMAT "}}", handle);
  close_reply = call (ctx, close_cmd, timeout_s (s.timeout_ms), NULL);
  if (!ok)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

static char *
libvirt_call (gpointer dom, const char *cmd, int timeout_s, GError **error)
{
  char *reply = virDomainQemuAgentCommand (dom, cmd, timeout_s, 0);

  if (reply == NULL)
    bc_set_error_from_libvirt (error, "guest agent");
  return reply;
}

GBytes *
bc_agent_read_file (virDomainPtr dom, const char *path, gint64 timeout_ms, GError **error)
{
  return bc_agent_read_file_with (libvirt_call, dom, path, timeout_ms, error);
}
