/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-record"

#include "bc-record-reader.h"
#include "bc-file.h"
#include "bc-error.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

struct _BcRecordReader {
  FILE *f;
  char *path;
  guint64 line;
  GString *text;
};

BcRecordReader *
bc_record_reader_open (const char *path, GError **error)
{
  BcFileResult res;
  int fd = bc_file_open_regular (path, 0, &res);
  FILE *f = fd >= 0 ? fdopen (fd, "r") : NULL;
  BcRecordReader *r;

  /* a FIFO would wait for a writer, /dev/zero never end */
  if (fd < 0 && res.status == BC_FILE_NOT_REGULAR)
    return bc_set_error (error, BC_ERROR_RECORD, "%s: is %s, not a regular file", path, bc_file_kind (res.mode)), NULL;
  if (f == NULL)
    {
      int e = fd < 0 ? res.err : errno;

      if (fd >= 0)
        close (fd);
      return bc_set_error (error, BC_ERROR_RECORD, "%s: %s", path, g_strerror (e)), NULL;
    }
  r = g_new0 (BcRecordReader, 1);
  r->f = f;
  r->path = g_strdup (path);
  r->text = g_string_new (NULL);
  return r;
}

/* The rest of a line too long to keep. */
static void
skip_line (BcRecordReader *r)
{
  int c;

  while ((c = getc (r->f)) != EOF && c != '\n')
    ;
}

/* One line into r->text, at most BC_RECORD_LINE_MAX bytes (a longer one
 * is read past, and DAMAGED). */
static BcRecordRead
read_line (BcRecordReader *r, GError **error)
{
  int c;

  g_string_truncate (r->text, 0);
  while ((c = getc (r->f)) != EOF && c != '\n')
    {
      if (r->text->len == BC_RECORD_LINE_MAX)
        {
          skip_line (r);
          if (ferror (r->f))
            break;
          r->line++;
          bc_set_error (error, BC_ERROR_RECORD, "%s: line %" G_GUINT64_FORMAT ": longer than %d bytes", r->path, r->line,
                        BC_RECORD_LINE_MAX);
          return BC_RECORD_READ_DAMAGED;
        }
      g_string_append_c (r->text, (char) c);
    }
  if (ferror (r->f))
    return bc_set_error (error, BC_ERROR_RECORD, "%s: line %" G_GUINT64_FORMAT ": %s", r->path, r->line + 1,
                         g_strerror (errno)), BC_RECORD_READ_FAILED;
  if (c == EOF && r->text->len == 0)
    return BC_RECORD_READ_END;
  r->line++;
  return BC_RECORD_READ_PASS;
}

static gboolean
blank (const GString *s)
{
  return strspn (s->str, " \t\r") == s->len;
}

BcRecordRead
bc_record_reader_next (BcRecordReader *r, BcRecordPass *out, GError **error)
{
  g_autoptr (GError) local = NULL;
  BcRecordRead got;

  memset (out, 0, sizeof *out);
  while ((got = read_line (r, error)) == BC_RECORD_READ_PASS && blank (r->text))
    ;
  if (got != BC_RECORD_READ_PASS)
    return got;
  if (bc_record_from_json (r->text->str, r->text->len, out, &local))
    return BC_RECORD_READ_PASS;
  bc_set_error (error, BC_ERROR_RECORD, "%s: line %" G_GUINT64_FORMAT ": %s", r->path, r->line, local->message);
  return BC_RECORD_READ_DAMAGED;
}

void
bc_record_reader_free (BcRecordReader *r)
{
  if (r == NULL)
    return;
  fclose (r->f);
  g_free (r->path);
  g_string_free (r->text, TRUE);
  g_free (r);
}
