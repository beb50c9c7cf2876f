/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The /metrics text: a snapshot against an expected file, label escaping
 * of hostile domain names, the listen address, a snapshot from a domain's
 * record; what a request gets from its headers. */
#include "bc-domain.h"
#include "bc-error.h"
#include "bc-metrics.h"

#include <string.h>

#define MIB 1024

static BcMetricsDomain *
domain (BcMetricsSnapshot *s, const char *name, const char *uuid, gboolean managed, const char *state)
{
  BcMetricsDomain *d = g_new0 (BcMetricsDomain, 1);

  d->report = g_new0 (BcReportDomain, 1);
  d->report->name = g_strdup (name);
  d->report->uuid = g_strdup (uuid);
  d->report->managed = managed;
  d->report->state = g_strdup (state);
  d->have_balloon = TRUE;
  d->agent_age_ms = -1;
  g_ptr_array_add (s->domains, d);
  return d;
}

static BcMetricsSnapshot *
sample (void)
{
  BcMetricsSnapshot *s = bc_metrics_snapshot_new ();
  BcMetricsDomain *d;

  s->counters = (BcCounters) { .passes = 1234, .last_pass_s = 1790000000, .collect_failures = 1,
                               .applies = 56, .apply_failures = 2, .agent_failures = 7, .pass_ms = 1042,
                               .room = { 6144 * 1024, 3008 * MIB, 32 * MIB, 1024 * MIB, 3 } };
  s->connected = TRUE;
  s->reconnects = 3;
  s->budget_kib = 6144 * 1024;
  s->apply_interval_ms = 2500;
  d = domain (s, "db1", "00000000-0000-0000-0000-000000000001", TRUE, "DOWN");
  d->current_kib = 448 * MIB;
  d->max_kib = 3072 * MIB;
  d->have_committed = d->have_cached = TRUE;
  d->committed_kib = 40 * MIB + 512;
  d->cached_kib = 300 * MIB;
  d->agent_age_ms = 1500;
  d->report->margin_kib = 96 * MIB;
  d->report->target_kib = 384 * MIB;
  d->report->reclaimable_kib = 32 * MIB;
  d->report->floor_kib = 104 * MIB;
  /* its policy wants more than the budget grants, and it refaults */
  d->have_wanted = TRUE;
  d->wanted_kib = 512 * MIB;
  d->have_refaults = TRUE;
  d->refaults = 123456;
  d = domain (s, "web", "00000000-0000-0000-0000-000000000002", TRUE, "UP");
  d->current_kib = 1536 * MIB;
  d->max_kib = 2048 * MIB;
  d->have_cached = TRUE;
  d->cached_kib = 700 * MIB;
  d->report->margin_kib = 128 * MIB;
  d->report->target_kib = 1536 * MIB;
  d->report->floor_kib = 1100 * MIB; /* balloon figures: nothing reclaimable */
  d->held_stale = TRUE;
  /* not managed: its margin, target and state mean nothing */
  d = domain (s, "a \"quoted\\\" name\nwith a newline", "00000000-0000-0000-0000-000000000003", FALSE, "UP");
  d->current_kib = d->max_kib = 1024 * MIB;
  d->report->margin_kib = 128 * MIB;
  d->settings_error = TRUE;
  d->held_stale = TRUE; /* not managed: not said */
  /* sized by virtio-mem: 256 MiB of boot memory, 192 of 512 MiB asked,
   * 128 plugged so far */
  d = domain (s, "mem1", "00000000-0000-0000-0000-000000000004", TRUE, "DOWN");
  d->report->virtio_mem = TRUE;
  d->current_kib = 384 * MIB;
  d->max_kib = 768 * MIB;
  d->report->margin_kib = 32 * MIB;
  d->report->target_kib = 448 * MIB;
  d->have_vmem = TRUE;
  d->vmem_requested_kib = 192 * MIB;
  d->vmem_plugged_kib = 128 * MIB;
  return s;
}

static void
test_render (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "expected", "metrics.txt", NULL);
  g_autoptr (BcMetricsSnapshot) s = sample ();
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *expected = NULL;

  bc_metrics_render (out, s);
  if (g_getenv ("BC_UPDATE_EXPECTED"))
    g_assert_true (g_file_set_contents (path, out->str, -1, NULL));
  g_assert_true (g_file_get_contents (path, &expected, NULL, NULL));
  g_assert_cmpstr (out->str, ==, expected);
}

/* Every line a comment or a sample of one of our families. */
static void
assert_lines_ours (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] && lines[i][0]; i++)
    if (!g_str_has_prefix (lines[i], "# ") && !g_str_has_prefix (lines[i], "balloonctl_"))
      g_error ("line %u is not ours: %s", i, lines[i]);
}

/* Before the first pass the room is not counted: its families have no
 * sample (a 0 would say there is no room). */
static void
test_room_before_pass (void)
{
  g_autoptr (BcMetricsSnapshot) s = bc_metrics_snapshot_new ();
  g_autoptr (GString) out = g_string_new (NULL);

  bc_metrics_render (out, s);
  g_assert_nonnull (strstr (out->str, "# TYPE balloonctl_host_room_guests gauge\n# HELP "));
  g_assert_null (strstr (out->str, "\nballoonctl_host_room_guests "));
  g_assert_null (strstr (out->str, "\nballoonctl_host_reclaimable_bytes "));
  g_assert_null (strstr (out->str, "\nballoonctl_host_held_bytes "));
  g_assert_null (strstr (out->str, "\nballoonctl_pass_duration_seconds "));
  g_assert_null (strstr (out->str, "\nballoonctl_apply_interval_seconds "));
  g_assert_nonnull (strstr (out->str, "\nballoonctl_last_pass_timestamp_seconds 0\n"));
  s->counters.room = (BcRoomHost) { .guest_size_kib = G_MAXUINT64, .reclaimable_kib = G_MAXUINT64 / 1024 + 1,
                                    .held_kib = G_MAXUINT64 / 1024 + 1 };
  g_string_truncate (out, 0);
  bc_metrics_render (out, s);
  g_assert_nonnull (strstr (out->str, "\nballoonctl_host_room_guests 0\n"));
  g_assert_nonnull (strstr (out->str, "\nballoonctl_host_reclaimable_bytes 18446744073709551615\n"));
  g_assert_nonnull (strstr (out->str, "\nballoonctl_host_room_guest_size_bytes 18446744073709551615\n"));
  g_assert_nonnull (strstr (out->str, "\nballoonctl_host_held_bytes 18446744073709551615\n"));
}

static void
test_hostile_name (void)
{
  g_autoptr (BcMetricsSnapshot) s = bc_metrics_snapshot_new ();
  g_autoptr (GString) out = g_string_new (NULL);
  /* closes the label set, starts a sample of its own on a new line, clears
   * a terminal, ends on a backslash and on a byte that is not UTF-8 */
  const char *name = "x\"} 1\nballoonctl_passes_total 99\n\033[2J\x7f tab\there \\\xff";
  const char *want = "balloonctl_domain_managed{domain=\"x\\\"} 1\\nballoonctl_passes_total 99\\n"
                     "\xef\xbf\xbd[2J\xef\xbf\xbd tab\there \\\\\xef\xbf\xbd\",uuid=\"u\\\"\\\\\"} 1\n";

  domain (s, name, "u\"\\", TRUE, "UP");
  bc_metrics_render (out, s);
  g_assert_nonnull (strstr (out->str, want));
  g_assert_true (g_utf8_validate (out->str, -1, NULL));
  g_assert_null (strstr (out->str, "\033"));
  g_assert_null (strstr (out->str, "\nballoonctl_passes_total 99"));
  assert_lines_ours (out->str);
  /* the info metric's extra label after the same escaped pair */
  g_assert_nonnull (strstr (out->str, "balloonctl_domain_info{domain=\"x\\\"} 1\\nballoonctl_passes_total 99\\n"));
  g_assert_nonnull (strstr (out->str, "\",uuid=\"u\\\"\\\\\",memory_device=\"balloon\"} 1\n"));
}

/* What sizes each domain: an info series for every domain, managed or
 * not; the device's requested and plugged sizes only for a domain
 * virtio-mem sizes. */
static void
test_memory_device (void)
{
  g_autoptr (BcMetricsSnapshot) s = sample ();
  g_autoptr (GString) out = g_string_new (NULL);

  bc_metrics_render (out, s);
  g_assert_nonnull (strstr (out->str, "\nballoonctl_domain_info{domain=\"db1\",uuid=\"00000000-0000-0000-0000-000000000001\",memory_device=\"balloon\"} 1\n"));
  g_assert_nonnull (strstr (out->str, "\nballoonctl_domain_info{domain=\"a \\\"quoted\\\\\\\" name\\nwith a newline\",uuid=\"00000000-0000-0000-0000-000000000003\",memory_device=\"balloon\"} 1\n"));
  g_assert_nonnull (strstr (out->str, "\nballoonctl_domain_info{domain=\"mem1\",uuid=\"00000000-0000-0000-0000-000000000004\",memory_device=\"virtio-mem\"} 1\n"));
  g_assert_nonnull (strstr (out->str, "\nballoonctl_domain_virtio_mem_requested_bytes{domain=\"mem1\",uuid=\"00000000-0000-0000-0000-000000000004\"} 201326592\n"));
  g_assert_nonnull (strstr (out->str, "\nballoonctl_domain_virtio_mem_plugged_bytes{domain=\"mem1\",uuid=\"00000000-0000-0000-0000-000000000004\"} 134217728\n"));
  g_assert_null (strstr (out->str, "\nballoonctl_domain_virtio_mem_requested_bytes{domain=\"db1\""));
  g_assert_null (strstr (out->str, "\nballoonctl_domain_virtio_mem_plugged_bytes{domain=\"web\""));
  assert_lines_ours (out->str);
}

static void
test_listen (void)
{
  static const struct { const char *text; const char *addr; guint16 port; } good[] = {
    { "127.0.0.1:9477", "127.0.0.1", 9477 },
    { "0.0.0.0:0", "0.0.0.0", 0 },
    { "[::1]:65535", "::1", 65535 },
    { "[::]:9477", "::", 9477 },
    { "[::ffff:127.0.0.1]:9477", "::ffff:127.0.0.1", 9477 },
    { "223.255.255.255:1", "223.255.255.255", 1 },
    { "240.0.0.1:1", "240.0.0.1", 1 },
    { "[fe80::1]:1", "fe80::1", 1 },
  };
  static const char *const bad[] = {
    "", "127.0.0.1", "127.0.0.1:", ":9477", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+80",
    "127.0.0.1:80x", "127.0.0.1: 80", "localhost:9477", "::1:9477", "[::1]9477", "[::1:9477",
    "[127.0.0.1:80", "[]:80", "1.2.3:80", "127.0.0.1:99999999999999999999",
    "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001]:80",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GSocketAddress) a = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *host = NULL;

      g_assert_true (bc_metrics_parse_listen (good[i].text, &a, &error));
      g_assert_no_error (error);
      host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (a)));
      g_assert_cmpstr (host, ==, good[i].addr);
      g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (a)), ==, good[i].port);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GSocketAddress) a = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_false (bc_metrics_parse_listen (bad[i], &a, &error));
      g_assert_error (error, BC_ERROR, BC_ERROR_CONFIG);
      g_assert_null (a);
    }
}

/* A value in an error message is quoted and cut, raw: escaped where the
 * message is written. */
static void
test_listen_quoted (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;

  g_assert_false (bc_metrics_parse_listen ("\033[2Jx:80", NULL, &error));
  g_assert_cmpstr (error->message, ==, "'\033[2Jx' is not an IP address (IPv6 in brackets)");
  g_assert_false (bc_metrics_parse_listen ("\033]0;title\a", NULL, &error2));
  g_assert_cmpstr (error2->message, ==, "'\033]0;title\a' is not ADDRESS:PORT (e.g. 127.0.0.1:9477, [::1]:9477)");
}

/* A TCP endpoint listens on one of the host's own addresses: a multicast
 * group or the broadcast address is a configuration error that says so. */
static void
test_listen_unicast (void)
{
  static const struct { const char *text; const char *message; } bad[] = {
    { "224.0.0.1:9477", "'224.0.0.1' is a multicast address, not one of this host's own" },
    { "239.255.255.250:1900", "'239.255.255.250' is a multicast address, not one of this host's own" },
    { "[ff02::1]:9477", "'ff02::1' is a multicast address, not one of this host's own" },
    { "[ff05::1:3]:0", "'ff05::1:3' is a multicast address, not one of this host's own" },
    { "[::ffff:224.0.0.251]:5353", "'::ffff:224.0.0.251' is a multicast address, not one of this host's own" },
    { "255.255.255.255:9477", "'255.255.255.255' is the broadcast address, not one of this host's own" },
    { "[::ffff:255.255.255.255]:9477", "'::ffff:255.255.255.255' is the broadcast address, not one of this host's own" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GSocketAddress) a = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_false (bc_metrics_parse_listen (bad[i].text, &a, &error));
      g_assert_error (error, BC_ERROR, BC_ERROR_CONFIG);
      g_assert_cmpstr (error->message, ==, bad[i].message);
      g_assert_null (a);
    }
}

/* Two values collide only on the same port, not 0. */
static void
test_listen_same_port (void)
{
  g_assert_true (bc_metrics_listen_same_port ("127.0.0.1:9477", "0.0.0.0:9477"));
  g_assert_true (bc_metrics_listen_same_port ("127.0.0.1:9477", "[::1]:9477"));
  g_assert_false (bc_metrics_listen_same_port ("127.0.0.1:9477", "127.0.0.1:9478"));
  g_assert_false (bc_metrics_listen_same_port ("127.0.0.1:0", "127.0.0.2:0"));
  g_assert_false (bc_metrics_listen_same_port ("", "127.0.0.1:9477"));
}

/* What a request gets from its headers alone, one row a request. */
static void
test_verdict (void)
{
  static const struct { BcMetricsRequest r; guint status; } rows[] = {
    { { "GET", "/metrics", 0, FALSE }, 0 },
    { { "HEAD", "/metrics", 0, FALSE }, 0 },
    { { "GET", "/metrics", 0, TRUE }, 413 },    /* any body, any length */
    { { "HEAD", "/metrics", 0, TRUE }, 413 },
    { { "POST", "/metrics", 0, TRUE }, 405 },
    { { "POST", "/metrics", 0, FALSE }, 405 },
    { { "OPTIONS", "/metrics", 0, FALSE }, 405 },
    { { "get", "/metrics", 0, FALSE }, 405 },   /* methods are case-sensitive */
    { { "GET", "/", 0, FALSE }, 404 },
    { { "GET", "/metrics/", 0, FALSE }, 404 },
    { { "GET", "/metricsx", 0, FALSE }, 404 },
    { { "OPTIONS", "*", 0, FALSE }, 404 },
    { { "POST", "*", 0, TRUE }, 404 },
    { { "GET", NULL, 0, FALSE }, 404 },
    { { "GET", "/metrics", 400, FALSE }, 400 }, /* libsoup's own answer stands */
    { { "GET", "/metrics", 400, TRUE }, 400 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_test_message ("row %u: %s %s", i, rows[i].r.method, rows[i].r.path);
      g_assert_cmpuint (bc_metrics_verdict (&rows[i].r), ==, rows[i].status);
    }
}

/* A head as it comes, before libsoup parses it: complete where libsoup
 * finds its end; refused if libsoup 3.2 would lose or keep memory for
 * it. */
static void
test_screen_head (void)
{
  static const struct { const char *text; gboolean complete; guint status; gboolean head; } rows[] = {
    { "", FALSE, 0, FALSE },
    { "GET /metrics HTTP/1.1\r\nHost: x\r\n", FALSE, 0, FALSE },
    { "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", TRUE, 0, FALSE },
    { "GET /metrics HTTP/1.1\n\n", TRUE, 0, FALSE },
    { "HEAD /metrics HTTP/1.1\r\n\r\n", TRUE, 0, TRUE },
    { "\r\nHEAD /x HTTP/1.1\r\n\r\n", TRUE, 0, TRUE },
    /* libsoup's end: an empty line from offset 2 ("\n") or 3 ("\r\n") on */
    { "\r\n\r\n", FALSE, 0, FALSE },
    { "\n\n", FALSE, 0, FALSE },
    { "\n\n\n", TRUE, 400, FALSE },          /* whole, and empty */
    { "\r\n\r\nGET / HTTP/1.1\r\nTransfer-Encoding: x\r\n\r\n", TRUE, 413, FALSE },
    /* bodies: one plain number, as libsoup trims it, goes on */
    { "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", TRUE, 0, FALSE },
    { "GET /metrics HTTP/1.1\r\ncontent-length:  0 \r\n\r\n", TRUE, 0, FALSE },
    { "GET /metrics HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", TRUE, 0, FALSE },
    { "GET /metrics HTTP/1.1\r\nContent-Length: -1\r\n\r\n", TRUE, 413, FALSE },
    { "GET /metrics HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", TRUE, 413, FALSE },
    { "GET /metrics HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", TRUE, 413, FALSE },
    { "GET /metrics HTTP/1.1\r\nContent-Length:\r\n\r\n", TRUE, 413, FALSE },
    { "GET /metrics HTTP/1.1\r\nContent-Length: 5\r6\r\n\r\n", TRUE, 413, FALSE },
    { "GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", TRUE, 413, FALSE },
    { "HEAD /metrics HTTP/1.1\r\nTRANSFER-ENCODING: gzip\r\n\r\n", TRUE, 413, TRUE },
    /* a folded line (libsoup would join it to the one before) */
    { "GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n 6\r\n\r\n", TRUE, 400, FALSE },
    { "GET /metrics HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", TRUE, 400, FALSE },
    /* methods: HTTP's own only, as sent (libsoup would keep any other) */
    { "BREW /metrics HTTP/1.1\r\n\r\n", TRUE, 501, FALSE },
    { "get /metrics HTTP/1.1\r\n\r\n", TRUE, 501, FALSE },
    { "GETX /metrics HTTP/1.1\r\n\r\n", TRUE, 501, FALSE },
    { "HEAD\t/metrics HTTP/1.1\r\n\r\n", TRUE, 0, TRUE },
    { "GET\rX /metrics HTTP/1.1\r\n\r\n", TRUE, 501, FALSE },
    { "GET\r\nHost: x /metrics HTTP/1.1\r\n\r\n", TRUE, 501, FALSE },
    { "PATCH /x HTTP/1.1\r\n\r\n", TRUE, 0, FALSE },
    { "OPTIONS * HTTP/1.1\r\n\r\n", TRUE, 0, FALSE },
    { "\r\n\r\nGET / HTTP/1.1\r\n\r\n", TRUE, 0, FALSE },
    /* not a header to libsoup (whitespace in the name): harmless */
    { "GET /metrics HTTP/1.1\r\nTransfer-Encoding : x\r\n\r\n", TRUE, 0, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      BcMetricsHead h;

      g_test_message ("row %u", i);
      bc_metrics_screen_head (rows[i].text, strlen (rows[i].text), BC_METRICS_HEAD_MAX, &h);
      g_assert_cmpint (h.complete, ==, rows[i].complete);
      g_assert_cmpuint (h.status, ==, rows[i].status);
      g_assert_cmpint (h.head, ==, rows[i].head);
    }
}

/* A NUL (libsoup drops it, joining what is around it), a head too long. */
static void
test_screen_head_limits (void)
{
  static const char nul[] = "GET /metrics HTTP/1.1\r\nTransfer-En\0coding: x\r\n\r\n";
  g_autofree char *longer = g_strnfill (BC_METRICS_HEAD_MAX + 1, 'a');
  BcMetricsHead h;

  bc_metrics_screen_head (nul, sizeof nul - 1, BC_METRICS_HEAD_MAX, &h);
  g_assert_true (h.complete);
  g_assert_cmpuint (h.status, ==, 400);
  /* the end beyond the limit, or none within it */
  memcpy (longer, "GET /", 5);
  bc_metrics_screen_head (longer, BC_METRICS_HEAD_MAX + 1, BC_METRICS_HEAD_MAX, &h);
  g_assert_true (h.complete);
  g_assert_cmpuint (h.status, ==, 431);
  memcpy (longer + BC_METRICS_HEAD_MAX - 4, "\r\n\r\n", 4); /* BC_METRICS_HEAD_MAX long */
  bc_metrics_screen_head (longer, BC_METRICS_HEAD_MAX + 1, BC_METRICS_HEAD_MAX, &h);
  g_assert_true (h.complete);
  g_assert_cmpuint (h.status, ==, 0);
  bc_metrics_screen_head (longer, BC_METRICS_HEAD_MAX - 100, BC_METRICS_HEAD_MAX, &h);
  g_assert_false (h.complete);
}

static void
test_refusal (void)
{
  g_autoptr (GString) get = g_string_new (NULL);
  g_autoptr (GString) head = g_string_new (NULL);
  g_autoptr (GString) bad = g_string_new (NULL);

  bc_metrics_refusal (get, 405, FALSE, "Sat, 05 Dec 2026 00:00:00 GMT");
  g_assert_cmpstr (get->str, ==,
                   "HTTP/1.1 405 Method Not Allowed\r\n"
                   "Date: Sat, 05 Dec 2026 00:00:00 GMT\r\n"
                   "Allow: GET, HEAD\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n"
                   "Content-Length: 17\r\n"
                   "Connection: close\r\n"
                   "\r\n"
                   "GET or HEAD only\n");
  /* a HEAD's answer has the length of the text, not the text */
  bc_metrics_refusal (head, 404, TRUE, NULL);
  g_assert_cmpstr (head->str, ==,
                   "HTTP/1.1 404 Not Found\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n"
                   "Content-Length: 38\r\n"
                   "Connection: close\r\n"
                   "\r\n");
  bc_metrics_refusal (bad, 400, FALSE, NULL);
  g_assert_true (g_str_has_prefix (bad->str, "HTTP/1.1 400 Bad Request\r\n"));
  g_assert_true (g_str_has_suffix (bad->str, "Content-Length: 12\r\nConnection: close\r\n\r\nBad Request\n"));
}

/* The snapshot of a daemon's record: the published record (managed,
 * state, margin, target) and the figures the last pass used. */
static void
test_from_domain (void)
{
  g_autoptr (BcMetricsSnapshot) s = bc_metrics_snapshot_new ();
  BcDomain dom = { .uuid = "00000000-0000-0000-0000-000000000009", .name = (char *) "vm9" };
  const BcMetricsDomain *m;

  dom.setup.done = dom.setup.good = TRUE;
  dom.figures.have_balloon = TRUE;
  dom.figures.balloon = (BcBalloonFigures) { .current_kib = 900 * MIB, .max_kib = 2048 * MIB };
  dom.figures.guest.at_ms = 10000;
  dom.carry.margin = (BcMargin) { .state = BC_STATE_DOWN, .margin_kib = 64 * MIB };
  dom.decided = TRUE;
  dom.decision = (BcDecision) { .source = BC_SOURCE_AGENT, .committed_kib = 500 * MIB, .cached_kib = 200 * MIB };
  dom.decision.target.target_kib = 1000 * MIB;
  dom.figures.guest.have_vmstat = dom.figures.guest.vmstat.have_refault = TRUE;
  dom.figures.guest.vmstat.refault_file = 4242;
  dom.granted_kib = 800 * MIB;
  dom.room = (BcRoomDomain) { 70 * MIB, 600 * MIB };
  bc_metrics_add_domain (s, &dom, 12345);
  m = g_ptr_array_index (s->domains, 0);
  g_assert_cmpstr (m->report->name, ==, "vm9");
  g_assert_cmpstr (m->report->uuid, ==, dom.uuid);
  g_assert_true (m->report->managed);
  g_assert_cmpstr (m->report->state, ==, "DOWN");
  g_assert_cmpint (m->report->margin_kib, ==, 64 * MIB);
  g_assert_cmpuint (m->report->target_kib, ==, 800 * MIB);
  g_assert_cmpuint (m->current_kib, ==, 900 * MIB);
  g_assert_cmpuint (m->max_kib, ==, 2048 * MIB);
  g_assert_true (m->have_committed && m->have_cached);
  g_assert_cmpuint (m->committed_kib, ==, 500 * MIB);
  g_assert_cmpuint (m->cached_kib, ==, 200 * MIB);
  g_assert_cmpint (m->agent_age_ms, ==, 2345);
  g_assert_cmpuint (m->report->reclaimable_kib, ==, 70 * MIB);
  g_assert_cmpuint (m->report->floor_kib, ==, 600 * MIB);
  g_assert_true (m->have_wanted);
  g_assert_cmpuint (m->wanted_kib, ==, 1000 * MIB);
  g_assert_true (m->have_refaults);
  g_assert_cmpuint (m->refaults, ==, 4242);
  g_assert_false (m->held_stale);
  g_assert_false (m->settings_error);
  g_assert_false (m->report->virtio_mem);
  g_assert_false (m->have_vmem);

  /* sized by virtio-mem: its device as last read */
  dom.vmem.driven = TRUE;
  dom.vmem.read_at_ms = 10000;
  dom.vmem.dev = (BcVmemDevice) { .fixed_kib = 256 * MIB, .size_kib = 1024 * MIB, .block_kib = 2 * MIB,
                                  .requested_kib = 640 * MIB, .plugged_kib = 644 * MIB };
  bc_metrics_add_domain (s, &dom, 12345);
  m = g_ptr_array_index (s->domains, 1);
  g_assert_true (m->report->virtio_mem);
  g_assert_true (m->have_vmem);
  g_assert_cmpuint (m->vmem_requested_kib, ==, 640 * MIB);
  g_assert_cmpuint (m->vmem_plugged_kib, ==, 644 * MIB);
  g_ptr_array_remove_index (s->domains, 1);
  dom.vmem = (BcDomainVmemState) { 0 };

  /* balloon figures: no Committed_AS, the balloon's caches */
  dom.decision.source = BC_SOURCE_BALLOON;
  dom.figures.guest.at_ms = 0;
  bc_metrics_add_domain (s, &dom, 12345);
  m = g_ptr_array_index (s->domains, 1);
  g_assert_false (m->have_committed);
  g_assert_true (m->have_cached);
  g_assert_cmpint (m->agent_age_ms, ==, -1);
  g_assert_false (m->have_refaults); /* no agent figures */

  /* held on stale figures: not decided, no wanted size */
  dom.decided = FALSE;
  dom.frozen = BC_FREEZE_BALLOON;
  bc_metrics_add_domain (s, &dom, 12345);
  m = g_ptr_array_index (s->domains, 2);
  g_assert_true (m->held_stale);
  g_assert_false (m->have_wanted);

  /* invalid metadata: not managed, for an error; disabled: by choice */
  dom.frozen = BC_FREEZE_NONE;
  dom.setup.skip_reason = (char *) "min-mib: 'lots' is not a number";
  dom.setup.skip_error = TRUE;
  bc_metrics_add_domain (s, &dom, 12345);
  m = g_ptr_array_index (s->domains, 3);
  g_assert_false (m->report->managed);
  g_assert_true (m->settings_error);
  g_assert_false (m->held_stale);
  dom.setup.skip_reason = (char *) "disabled in metadata";
  dom.setup.skip_error = FALSE;
  bc_metrics_add_domain (s, &dom, 12345);
  m = g_ptr_array_index (s->domains, 4);
  g_assert_false (m->report->managed);
  g_assert_false (m->settings_error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/render", test_render);
  g_test_add_func ("/metrics/room-before-pass", test_room_before_pass);
  g_test_add_func ("/metrics/hostile-name", test_hostile_name);
  g_test_add_func ("/metrics/memory-device", test_memory_device);
  g_test_add_func ("/metrics/listen", test_listen);
  g_test_add_func ("/metrics/listen-quoted", test_listen_quoted);
  g_test_add_func ("/metrics/listen-unicast", test_listen_unicast);
  g_test_add_func ("/metrics/listen-same-port", test_listen_same_port);
  g_test_add_func ("/metrics/verdict", test_verdict);
  g_test_add_func ("/metrics/screen-head", test_screen_head);
  g_test_add_func ("/metrics/screen-head-limits", test_screen_head_limits);
  g_test_add_func ("/metrics/refusal", test_refusal);
  g_test_add_func ("/metrics/from-domain", test_from_domain);
  return g_test_run ();
}
