/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-agent"

#include "bc-agent.h"
#include "bc-error.h"
#include "bc-json.h"
#include "bc-meminfo.h"

#include <libvirt/libvirt-qemu.h>

#define READ_CHUNK 65536

static JsonNode *
parse_return (const char *reply, GError **error)
{
  g_autoptr (JsonNode) root = bc_json_parse_object (reply);
  JsonNode *ret;

  if (root == NULL)
    return bc_set_error (error, BC_ERROR_GUEST, "agent: reply is not a JSON object"), NULL;
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

static char *
agent_command (virDomainPtr dom, const char *cmd, int timeout_s, GError **error)
{
  char *reply = virDomainQemuAgentCommand (dom, cmd, timeout_s, 0);

  if (reply == NULL)
    bc_set_error_from_libvirt (error, "guest agent");
  return reply;
}

static void
close_handle (virDomainPtr dom, gint64 handle, int timeout_s)
{
  g_autofree char *cmd = g_strdup_printf ("{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":%" G_GINT64_FORMAT "}}", handle);
  g_autofree char *reply = virDomainQemuAgentCommand (dom, cmd, timeout_s, 0);
}

static gboolean
read_all (virDomainPtr dom, gint64 handle, int timeout_s, GByteArray *buf, GError **error)
{
  g_autofree char *cmd = g_strdup_printf ("{\"execute\":\"guest-file-read\",\"arguments\":{\"handle\":%" G_GINT64_FORMAT ",\"count\":%d}}",
                                          handle, READ_CHUNK);
  gboolean eof = FALSE;

  while (!eof)
    {
      g_autofree char *reply = agent_command (dom, cmd, timeout_s, error);

      if (reply == NULL || !bc_agent_parse_read (reply, buf, BC_GUEST_TEXT_MAX, &eof, error))
        return FALSE;
    }
  return TRUE;
}

GBytes *
bc_agent_read_file (virDomainPtr dom, const char *path, gint64 timeout_ms, GError **error)
{
  g_autofree char *escaped = g_strescape (path, NULL);
  g_autofree char *cmd = g_strdup_printf ("{\"execute\":\"guest-file-open\",\"arguments\":{\"path\":\"%s\",\"mode\":\"r\"}}", escaped);
  int timeout_s = (int) MAX (1, (timeout_ms + 999) / 1000);
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autofree char *reply = NULL;
  gint64 handle;
  gboolean ok;

  reply = agent_command (dom, cmd, timeout_s, error);
  if (reply == NULL || !bc_agent_parse_handle (reply, &handle, error))
    return NULL;
  ok = read_all (dom, handle, timeout_s, buf, error);
  close_handle (dom, handle, timeout_s);
  if (!ok)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}
