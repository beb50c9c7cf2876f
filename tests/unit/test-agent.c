/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing the guest agent's replies, which a hostile guest controls. */
#include "bc-agent.h"
#include "bc-error.h"

#include <string.h>

static void
test_handle (void)
{
  gint64 h = -1;
  const char *bad[] = { NULL, "", "{", "[]", "{\"return\":\"x\"}", "{\"return\":-3}", "{\"return\":1.5}",
                        "{\"error\":{\"class\":\"GenericError\",\"desc\":\"blocked\"}}", "{\"return\":[1]}",
                        "{\"return\":{\"a\":1}}" };

  g_assert_true (bc_agent_parse_handle ("{\"return\": 1000}", &h, NULL));
  g_assert_cmpint (h, ==, 1000);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (bc_agent_parse_handle (bad[i], &h, &error));
      g_assert_error (error, BC_ERROR, BC_ERROR_GUEST);
    }
}

static void
test_read (void)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  gboolean eof = FALSE;

  g_assert_true (bc_agent_parse_read ("{\"return\":{\"count\":6,\"buf-b64\":\"aGVsbG8K\",\"eof\":false}}", buf, 100, &eof, NULL));
  g_assert_false (eof);
  g_assert_true (bc_agent_parse_read ("{\"return\":{\"count\":3,\"buf-b64\":\"YWJj\",\"eof\":true}}", buf, 100, &eof, NULL));
  g_assert_true (eof);
  g_assert_cmpmem (buf->data, buf->len, "hello\nabc", 9);
  /* an empty chunk ends the file even if the guest says otherwise */
  g_assert_true (bc_agent_parse_read ("{\"return\":{\"count\":0,\"buf-b64\":\"\",\"eof\":false}}", buf, 100, &eof, NULL));
  g_assert_true (eof);
}

static void
test_read_hostile (void)
{
  const char *bad[] = {
    "{\"return\":{\"count\":3}}",
    "{\"return\":{\"buf-b64\":5}}",
    "{\"return\":{\"buf-b64\":[\"YWJj\"]}}",
    "{\"return\":[]}",
    "{\"return\":{\"buf-b64\":\"YWJjYWJjYWJjYWJjYWJjYWJjYWJj\"}}", /* over max_total */
    "not json",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GByteArray) buf = g_byte_array_new ();
      g_autoptr (GError) error = NULL;
      gboolean eof = FALSE;

      g_test_message ("case %u", i);
      g_assert_false (bc_agent_parse_read (bad[i], buf, 16, &eof, &error));
      g_assert_error (error, BC_ERROR, BC_ERROR_GUEST);
    }
}

static void
test_read_eof_wrong_type (void)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  gboolean eof = TRUE;

  /* "eof":"yes" is not true: keep reading (bounded by max_total) */
  g_assert_true (bc_agent_parse_read ("{\"return\":{\"buf-b64\":\"YWJj\",\"eof\":\"yes\"}}", buf, 100, &eof, NULL));
  g_assert_false (eof);
  g_assert_true (bc_agent_parse_read ("{\"return\":{\"buf-b64\":\"YWJj\",\"eof\":[true]}}", buf, 100, &eof, NULL));
  g_assert_false (eof);
}

/* A guest's reply nested 100,000 deep would overflow the stack of a
 * recursive JSON parser: refused before parsing. */
static void
test_read_deep (void)
{
  g_autoptr (GString) reply = g_string_new ("{\"return\":");
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  gboolean eof = FALSE;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (reply, '[');
  g_assert_false (bc_agent_parse_read (reply->str, buf, 100, &eof, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_GUEST);
  g_assert_cmpstr (error->message, ==, "agent: reply: JSON nested deeper than 64 levels");
}

/* A fake guest agent: answers guest-file-open with handle 7, every
 * guest-file-read with `chunk` (base64) and eof after `reads_to_eof` reads
 * (never when 0), after sleeping `delay_ms`; counts what it was asked. */
typedef struct {
  const char *chunk;
  guint reads_to_eof;
  guint delay_ms;
  guint reads;
  guint closes;
  gboolean fail_open;
} FakeAgent;

static char *
fake_call (gpointer ctx, const char *cmd, int timeout_s, GError **error)
{
  FakeAgent *f = ctx;

  g_assert_cmpint (timeout_s, >=, 1);
  if (f->delay_ms)
    g_usleep (f->delay_ms * 1000);
  if (strstr (cmd, "guest-file-open"))
    {
      if (f->fail_open)
        return bc_set_error (error, BC_ERROR_GUEST, "guest agent: blocked"), NULL;
      return g_strdup ("{\"return\":7}");
    }
  if (strstr (cmd, "guest-file-close"))
    {
      g_assert_nonnull (strstr (cmd, "\"handle\":7"));
      f->closes++;
      return g_strdup ("{\"return\":{}}");
    }
  g_assert_nonnull (strstr (cmd, "guest-file-read"));
  f->reads++;
  return g_strdup_printf ("{\"return\":{\"count\":1,\"buf-b64\":\"%s\",\"eof\":%s}}", f->chunk,
                          f->reads_to_eof && f->reads >= f->reads_to_eof ? "true" : "false");
}

static void
test_read_file (void)
{
  FakeAgent f = { "aGVsbG8=", 2, 0, 0, 0, FALSE };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) b = bc_agent_read_file_with (fake_call, &f, "/proc/meminfo", 2000, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (b, NULL), g_bytes_get_size (b), "hellohello", 10);
  g_assert_cmpuint (f.reads, ==, 2);
  g_assert_cmpuint (f.closes, ==, 1);
}

/* A guest that dribbles a byte at a time and never says eof cannot hold a
 * worker: at most 16 reads... */
static void
test_read_file_dribbler (void)
{
  FakeAgent f = { "eA==", 0, 0, 0, 0, FALSE };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) b = bc_agent_read_file_with (fake_call, &f, "/proc/meminfo", 2000, &error);

  g_assert_null (b);
  g_assert_error (error, BC_ERROR, BC_ERROR_GUEST);
  g_assert_cmpstr (error->message, ==, "guest agent: no end of file after 16 reads");
  g_assert_cmpuint (f.reads, ==, 16);
  g_assert_cmpuint (f.closes, ==, 1);
}

/* ...and at most 4 times the timeout in all. */
static void
test_read_file_slow_dribbler (void)
{
  FakeAgent f = { "eA==", 0, 60, 0, 0, FALSE };
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (GBytes) b = bc_agent_read_file_with (fake_call, &f, "/proc/meminfo", 100, &error);

  g_assert_null (b);
  g_assert_error (error, BC_ERROR, BC_ERROR_GUEST);
  g_assert_cmpstr (error->message, ==, "guest agent: file not read within 400 ms");
  g_assert_cmpuint (f.reads, <, 16);
  g_assert_cmpuint (f.closes, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 2 * G_USEC_PER_SEC);
}

static void
test_read_file_open_fails (void)
{
  FakeAgent f = { "eA==", 1, 0, 0, 0, TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) b = bc_agent_read_file_with (fake_call, &f, "/proc/meminfo", 2000, &error);

  g_assert_null (b);
  g_assert_error (error, BC_ERROR, BC_ERROR_GUEST);
  g_assert_cmpuint (f.reads, ==, 0);
  g_assert_cmpuint (f.closes, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/agent/handle", test_handle);
  g_test_add_func ("/agent/read", test_read);
  g_test_add_func ("/agent/read-hostile", test_read_hostile);
  g_test_add_func ("/agent/read-deep", test_read_deep);
  g_test_add_func ("/agent/read-eof-wrong-type", test_read_eof_wrong_type);
  g_test_add_func ("/agent/read-file", test_read_file);
  g_test_add_func ("/agent/read-file-dribbler", test_read_file_dribbler);
  g_test_add_func ("/agent/read-file-slow-dribbler", test_read_file_slow_dribbler);
  g_test_add_func ("/agent/read-file-open-fails", test_read_file_open_fails);
  return g_test_run ();
}
