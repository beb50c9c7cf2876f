/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-record"

#include "bc-record-file.h"
#include "bc-domain.h"
#include "bc-error.h"
#include "bc-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct _BcRecorder {
  int fd;                  /* -1 while recording is stopped */
  char *path;
  guint64 max_bytes;       /* 0: no cap */
  guint64 passes;
};

BcRecordModeAction
bc_record_mode_action (mode_t mode, uid_t owner, uid_t euid)
{
  if ((mode & 0077) == 0)
    return BC_RECORD_MODE_KEEP;
  if (owner == euid)
    return BC_RECORD_MODE_NARROW;
  return (mode & 0022) ? BC_RECORD_MODE_REFUSE : BC_RECORD_MODE_KEEP;
}

static gboolean
refuse (const char *path, const char *why, GError **error)
{
  return bc_set_error (error, BC_ERROR_FAILED, "recording: %s: %s", path, why);
}

/* What is at path: nothing, or a regular file; never opened otherwise (a
 * device may act on an open, a FIFO would block it). */
static gboolean
check_kind (const char *path, GError **error)
{
  struct stat st;
  g_autofree char *why = NULL;

  if (lstat (path, &st) < 0)
    return errno == ENOENT ? TRUE : refuse (path, g_strerror (errno), error);
  if (S_ISLNK (st.st_mode))
    return refuse (path, "is a symbolic link; balloonctl does not follow one (name the file itself)", error);
  if (S_ISREG (st.st_mode))
    return TRUE;
  why = g_strdup_printf ("is %s, not a regular file", bc_file_kind (st.st_mode));
  return refuse (path, why, error);
}

/* An existing file open to others: narrowed to 0600 if ours, refused if
 * others may write it. */
static gboolean
check_mode (int fd, const char *path, const struct stat *st, GError **error)
{
  g_autofree char *why = NULL;

  switch (bc_record_mode_action (st->st_mode, st->st_uid, geteuid ()))
    {
    case BC_RECORD_MODE_NARROW:
      if (fchmod (fd, 0600) < 0)
        return refuse (path, g_strerror (errno), error);
      g_message ("recording: %s was mode %04o: now 0600", path, (unsigned) (st->st_mode & 07777));
      return TRUE;
    case BC_RECORD_MODE_REFUSE:
      why = g_strdup_printf ("mode %04o, owned by uid %u: others may write into it; make it 0600 or remove it",
                             (unsigned) (st->st_mode & 07777), (unsigned) st->st_uid);
      return refuse (path, why, error);
    default:
      return TRUE;
    }
}

/* An existing file is appended to only if it is ours and empty or a
 * recording already (its first line one of ours): a mistyped --record
 * must not change the mode of, or write into, another file. */
#define RECORDING_START "{\"format\":"

static gboolean
check_recording (int fd, const char *path, const struct stat *st, GError **error)
{
  char start[sizeof RECORDING_START - 1];

  if (st->st_uid != geteuid ())
    return refuse (path, "belongs to another user: left alone", error);
  if (st->st_size == 0)
    return TRUE;
  if (pread (fd, start, sizeof start, 0) != (ssize_t) sizeof start ||
      memcmp (start, RECORDING_START, sizeof start) != 0)
    return refuse (path, "is not a balloonctl recording (its first line is not one): left alone", error);
  return TRUE;
}

static gboolean
clear_nonblock (int fd, const char *path, GError **error)
{
  int flags = fcntl (fd, F_GETFL);

  if (flags < 0 || fcntl (fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
    return refuse (path, g_strerror (errno), error);
  return TRUE;
}

/* path opened for appending (and reading its last byte): a regular file, not through a symbolic link,
 * never waiting (O_NONBLOCK until it is known to be a regular file). */
static int
open_append (const char *path, GError **error)
{
  struct stat st;
  gboolean ok;
  int fd;

  if (!check_kind (path, error))
    return -1;
  fd = g_open (path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (fd < 0)
    return refuse (path, errno == ELOOP ? "is a symbolic link" : g_strerror (errno), error), -1;
  if (fstat (fd, &st) < 0)
    ok = refuse (path, g_strerror (errno), error);
  else if (!S_ISREG (st.st_mode))
    ok = refuse (path, "is not a regular file", error);
  else
    ok = check_recording (fd, path, &st, error) && check_mode (fd, path, &st, error) &&
         clear_nonblock (fd, path, error);
  if (!ok)
    {
      g_close (fd, NULL);
      return -1;
    }
  return fd;
}

/* A file that does not end in a newline ends in a line cut short (a
 * crash, a full disk): the next pass starts on a line of its own. */
static gboolean
end_line (int fd, const char *path, GError **error)
{
  struct stat st;
  char last;

  if (fstat (fd, &st) < 0 || (st.st_size > 0 && pread (fd, &last, 1, st.st_size - 1) != 1))
    return refuse (path, g_strerror (errno), error);
  if (st.st_size == 0 || last == '\n')
    return TRUE;
  if (write (fd, "\n", 1) != 1)
    return refuse (path, g_strerror (errno), error);
  g_message ("recording: %s ended in a line cut short (a crash, a full disk?): the next pass starts a new line "
             "(replay skips the cut one)", path);
  return TRUE;
}

/* path opened for appending, its last line ended. */
static int
open_file (const char *path, GError **error)
{
  int fd = open_append (path, error);

  if (fd >= 0 && !end_line (fd, path, error))
    {
      g_close (fd, NULL);
      return -1;
    }
  return fd;
}

BcRecorder *
bc_recorder_open (const char *path, guint64 max_bytes, GError **error)
{
  int fd = open_file (path, error);
  BcRecorder *r;

  if (fd < 0)
    return NULL;
  r = g_new0 (BcRecorder, 1);
  r->fd = fd;
  r->path = g_strdup (path);
  r->max_bytes = max_bytes;
  return r;
}

gboolean
bc_recorder_reopen (BcRecorder *r, GError **error)
{
  int fd = open_file (r->path, error);

  if (r->fd >= 0)
    g_close (r->fd, NULL);
  r->fd = fd;
  if (fd < 0)
    return FALSE;
  g_message ("recording: %s opened again", r->path);
  return TRUE;
}

static void
stop (BcRecorder *r, const char *why)
{
  g_warning ("recording to %s stopped: %s (said once; the daemon goes on; SIGHUP opens the file again)", r->path, why);
  g_close (r->fd, NULL);
  r->fd = -1;
}

static void
stop_at_cap (BcRecorder *r, goffset size, gsize len)
{
  g_autofree char *why = g_strdup_printf ("it holds %" G_GINT64_FORMAT " bytes and the next pass (%" G_GSIZE_FORMAT
                                          " bytes) would take it past --record-max-mib (%" G_GUINT64_FORMAT
                                          " MiB): rotate it", (gint64) size, len, r->max_bytes / (1024 * 1024));

  stop (r, why);
}

/* The whole line or nothing: a write cut short is taken back. */
static void
append (BcRecorder *r, const char *line, gsize len)
{
  struct stat st;
  gsize done = 0;

  if (fstat (r->fd, &st) < 0)
    return stop (r, g_strerror (errno));
  if (r->max_bytes && (guint64) st.st_size + len > r->max_bytes)
    return stop_at_cap (r, st.st_size, len);
  while (done < len)
    {
      ssize_t n = write (r->fd, line + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = n < 0 ? errno : ENOSPC;

          if (done > 0 && ftruncate (r->fd, st.st_size) < 0)
            g_debug ("recording: could not take back a partial line: %s", g_strerror (errno));
          return stop (r, g_strerror (saved));
        }
      done += (gsize) n;
    }
}

/* Loud: it ends a recording on a host with too many domains. */
static void
stop_at_line_max (BcRecorder *r, guint domains, gsize len)
{
  g_autofree char *why = g_strdup_printf ("pass %" G_GUINT64_FORMAT " of %u domains takes %" G_GSIZE_FORMAT
                                          " bytes, over the %d bytes (4 MiB, about 3000 domains) a line may hold: "
                                          "a recording holds hosts of fewer domains", r->passes, domains, len,
                                          BC_RECORD_LINE_MAX);

  stop (r, why);
}

/* The pass as bc-record.c takes it, borrowing the domains' strings. */
static BcRecordPass
pass_of (BcRecorder *r, const BcPassParams *p, const BcPassBudget *budget, GPtrArray *doms, const BcPassInput *in,
         const BcPassOutput *out)
{
  BcRecordPass pass = { r->passes, *p->cfg, TRUE, p->host, budget->budget_kib, p->now_ms, p->dry_run, doms->len, NULL };

  pass.domains = g_new0 (BcRecordDomain, MAX (doms->len, 1));
  for (guint i = 0; i < doms->len; i++)
    {
      const BcDomain *dom = g_ptr_array_index (doms, i);

      g_strlcpy (pass.domains[i].uuid, dom->uuid, sizeof pass.domains[i].uuid);
      pass.domains[i].name = dom->name;
      pass.domains[i].run = dom->run_id;
      pass.domains[i].in = in[i];
      pass.domains[i].out = out[i];
      pass.domains[i].vmem = dom->vmem.dev;
    }
  return pass;
}

void
bc_recorder_write (BcRecorder *r, const BcPassParams *p, const BcPassBudget *budget, GPtrArray *doms,
                   const BcPassInput *in, const BcPassOutput *out)
{
  BcRecordPass pass;
  g_autofree char *json = NULL;
  g_autofree char *line = NULL;

  if (r == NULL)
    return;
  /* counted while stopped too: replay sees where passes are missing */
  r->passes++;
  if (r->fd < 0)
    return;
  pass = pass_of (r, p, budget, doms, in, out);
  json = bc_record_to_json (&pass);
  g_free (pass.domains);
  if (strlen (json) > BC_RECORD_LINE_MAX)
    return stop_at_line_max (r, doms->len, strlen (json));
  line = g_strconcat (json, "\n", NULL);
  append (r, line, strlen (line));
}

void
bc_recorder_free (BcRecorder *r)
{
  if (r == NULL)
    return;
  if (r->fd >= 0)
    g_close (r->fd, NULL);
  g_free (r->path);
  g_free (r);
}

