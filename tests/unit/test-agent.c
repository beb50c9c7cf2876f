/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing the guest agent's replies, which a hostile guest controls. */
#include "bc-agent.h"
#include "bc-error.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/agent/handle", test_handle);
  g_test_add_func ("/agent/read", test_read);
  g_test_add_func ("/agent/read-hostile", test_read_hostile);
  g_test_add_func ("/agent/read-eof-wrong-type", test_read_eof_wrong_type);
  return g_test_run ();
}
