/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The metrics endpoint's answers, before any byte of a request reaches
 * libsoup: the head screened (methods, sizes, lines, numbers), and the
 * refusal sent for what fails.  Pure. */
#define G_LOG_DOMAIN "balloonctl-metrics"

#include "bc-metrics.h"

#include <libsoup/soup.h>
#include <string.h>

guint
bc_metrics_verdict (const BcMetricsRequest *r)
{
  if (r->status != 0)
    return r->status;
  if (g_strcmp0 (r->path, "/metrics") != 0)
    return SOUP_STATUS_NOT_FOUND;
  if (g_strcmp0 (r->method, "GET") != 0 && g_strcmp0 (r->method, "HEAD") != 0)
    return SOUP_STATUS_METHOD_NOT_ALLOWED;
  if (r->has_body)
    return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
  return 0;
}

/* RFC 6585's, which libsoup 3.2 does not name */
#define STATUS_HEAD_TOO_LARGE 431

/* Where the head ends as libsoup 3.2 reads it (an empty line after a
 * line, the first one at offset 2 at least: "\n" alone at s >= 2,
 * "\r\n" at s >= 3), or 0 if it has not come yet. */
static gsize
head_end (const char *buf, gsize len)
{
  for (gsize s = 0; s < len; )
    {
      const char *lf = memchr (buf + s, '\n', len - s);

      if (lf == NULL)
        return 0;
      if ((lf == buf + s && s >= 2) || (lf == buf + s + 1 && buf[s] == '\r' && s >= 3))
        return (gsize) (lf - buf) + 1;
      s = (gsize) (lf - buf) + 1;
    }
  return 0;
}

/* One plain number, as libsoup trims it. */
static gboolean
plain_number (const char *v, const char *end)
{
  while (v < end && (*v == ' ' || *v == '\t' || *v == '\r'))
    v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    end--;
  if (v == end)
    return FALSE;
  for (; v < end; v++)
    if (!g_ascii_isdigit (*v))
      return FALSE;
  return TRUE;
}

static gboolean
is_name (const char *line, const char *colon, const char *name)
{
  return (gsize) (colon - line) == strlen (name) && g_ascii_strncasecmp (line, name, strlen (name)) == 0;
}

/* The status a head's lines call for, 0 if none: each line, the request
 * line too, as if a header (no header is named like a request line). */
static guint
screen_lines (const char *buf, gsize end)
{
  guint lengths = 0;

  for (const char *line = buf, *eol; line < buf + end; line = eol + 1)
    {
      const char *colon;

      eol = memchr (line, '\n', (gsize) (buf + end - line));
      if (line > buf && (line[0] == ' ' || line[0] == '\t'))
        return SOUP_STATUS_BAD_REQUEST; /* obs-fold */
      colon = memchr (line, ':', (gsize) (eol - line));
      if (colon && is_name (line, colon, "Transfer-Encoding"))
        return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
      if (colon && is_name (line, colon, "Content-Length") && (lengths++ > 0 || !plain_number (colon + 1, eol)))
        return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
    }
  return 0;
}

/* libsoup interns the method of every request it parses, for good: only
 * HTTP's own reach it. */
static gboolean
known_method (const char *method, gsize len)
{
  static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (len == strlen (known[i]) && memcmp (method, known[i], len) == 0)
      return TRUE;
  return FALSE;
}

void
bc_metrics_screen_head (const char *buf, gsize len, gsize max, BcMetricsHead *out)
{
  gsize end = head_end (buf, MIN (len, max));
  gsize lead = 0, method_len;

  while (lead < end && (buf[lead] == '\r' || buf[lead] == '\n'))
    lead++;
  /* the request line's first field, as libsoup splits it: up to a space
   * or a tab, whatever comes before (a CR, a LF) */
  for (method_len = 0; lead + method_len < end && buf[lead + method_len] != ' ' && buf[lead + method_len] != '\t'; method_len++)
    ;
  out->head = method_len == 4 && memcmp (buf + lead, "HEAD", 4) == 0;
  out->complete = end > 0 || len >= max;
  if (end == 0)
    out->status = len >= max ? STATUS_HEAD_TOO_LARGE : 0;
  else if (memchr (buf, '\0', end))
    out->status = SOUP_STATUS_BAD_REQUEST;
  else if (!known_method (buf + lead, method_len))
    out->status = method_len ? SOUP_STATUS_NOT_IMPLEMENTED : SOUP_STATUS_BAD_REQUEST;
  else
    out->status = screen_lines (buf, end);
}

static const char *
refusal_text (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_NOT_FOUND:
      return "not found: balloonctl serves /metrics\n";
    case SOUP_STATUS_METHOD_NOT_ALLOWED:
      return "GET or HEAD only\n";
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      return "a scrape has no body\n";
    default:
      return NULL;
    }
}

static const char *
phrase (guint status)
{
  return status == STATUS_HEAD_TOO_LARGE ? "Request Header Fields Too Large" : soup_status_get_phrase (status);
}

void
bc_metrics_refusal (GString *out, guint status, gboolean head, const char *date)
{
  const char *text = refusal_text (status);
  g_autofree char *line = text ? NULL : g_strdup_printf ("%s\n", phrase (status));

  text = text ? text : line;
  g_string_append_printf (out, "HTTP/1.1 %u %s\r\n", status, phrase (status));
  if (date)
    g_string_append_printf (out, "Date: %s\r\n", date);
  if (status == SOUP_STATUS_METHOD_NOT_ALLOWED)
    g_string_append (out, "Allow: GET, HEAD\r\n");
  g_string_append_printf (out, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n%s", strlen (text), head ? "" : text);
}
