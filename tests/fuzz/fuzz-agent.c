/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest agent's replies while balloonctl reads a guest file: the input
 * is the replies, in order, separated by NUL bytes (a reply is a C string):
 * guest-file-open's, then guest-file-read's, then guest-file-close's.
 * What the read returns then goes to the meminfo and vmstat readers, as
 * collect does. */
#include "fuzz-common.h"
#include "bc-agent.h"
#include "bc-error.h"
#include "bc-meminfo.h"

#include <string.h>

typedef struct {
  const char *next;
  const char *end;
} Replies;

/* The next reply, or an error once they are all used, as a silent guest. */
static char *
fake_call (gpointer ctx, const char *cmd, int timeout_s, GError **error)
{
  Replies *r = ctx;
  const char *nul;
  char *reply;

  if (r->next >= r->end)
    return bc_set_error (error, BC_ERROR_LIBVIRT, "guest agent: no reply"), NULL;
  nul = memchr (r->next, '\0', (gsize) (r->end - r->next));
  reply = g_strndup (r->next, (gsize) ((nul ? nul : r->end) - r->next));
  r->next = nul ? nul + 1 : r->end;
  return reply;
}

static void
parse_as_guest_files (GBytes *bytes)
{
  gsize len = 0;
  const char *text = g_bytes_get_data (bytes, &len);
  g_autoptr (GError) mi_error = NULL;
  g_autoptr (GError) vs_error = NULL;
  BcMeminfo mi;
  BcVmstat vs;

  g_assert_cmpuint (len, <=, BC_GUEST_TEXT_MAX);
  FUZZ_CHECK_RESULT (bc_meminfo_parse (text ? text : "", len, &mi, &mi_error), mi_error);
  FUZZ_CHECK_RESULT (bc_vmstat_parse (text ? text : "", len, &vs, &vs_error), vs_error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Replies r = { (const char *) data, (const char *) data + size };
  g_autoptr (GError) error = NULL;
  /* a long timeout: the deadline is not what is fuzzed */
  g_autoptr (GBytes) bytes = bc_agent_read_file_with (fake_call, &r, "/proc/meminfo", 600000, &error);

  FUZZ_CHECK_RESULT (bytes != NULL, error);
  if (bytes)
    parse_as_guest_files (bytes);
  return 0;
}
