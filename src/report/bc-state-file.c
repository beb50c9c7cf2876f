/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-report"

#include "bc-state-file.h"
#include "bc-error.h"
#include "bc-file.h"
#include "bc-json.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A state file is never larger (bc-report.h's BC_REPORT_MAX_FILE_SIZE). */
#define STATE_FILE_MAX (64 * 1024 * 1024)

static gboolean
member_is (JsonObject *o, const char *key, JsonNodeType type, GType value_type)
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || JSON_NODE_TYPE (n) != type)
    return FALSE;
  return type != JSON_NODE_VALUE || json_node_get_value_type (n) == value_type;
}

gboolean
bc_state_file_text_ours (const char *text, gsize len)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *o;

  /* empty is not ours: each write is a whole file renamed into place, so
   * not even a crash leaves an empty one (another program's lock might) */
  if (len == 0)
    return FALSE;
  if (memchr (text, '\0', len) != NULL || (root = bc_json_parse_object (text, NULL)) == NULL)
    return FALSE;
  o = json_node_get_object (root);
  return member_is (o, "pid", JSON_NODE_VALUE, G_TYPE_INT64) &&
         member_is (o, "updated_ms", JSON_NODE_VALUE, G_TYPE_INT64) &&
         member_is (o, "domains", JSON_NODE_ARRAY, G_TYPE_INVALID);
}

static gboolean
refuse (const char *path, const char *why, GError **error)
{
  return bc_set_error (error, BC_ERROR_FAILED, "state file %s: %s", path, why);
}

/* What lstat says is at path: nothing, or a regular file (*st). */
static gboolean
check_kind (const char *path, struct stat *st, gboolean *exists, GError **error)
{
  g_autofree char *why = NULL;

  *exists = FALSE;
  if (lstat (path, st) < 0)
    return errno == ENOENT ? TRUE : refuse (path, g_strerror (errno), error);
  *exists = TRUE;
  if (S_ISLNK (st->st_mode))
    return refuse (path, "is a symbolic link; balloonctl does not follow one there (name the file itself)", error);
  if (S_ISREG (st->st_mode) && st->st_uid != geteuid ())
    return refuse (path, "belongs to another user: left alone", error);
  if (S_ISREG (st->st_mode))
    return TRUE;
  why = g_strdup_printf ("is %s, not a regular file: left alone", bc_file_kind (st->st_mode));
  return refuse (path, why, error);
}

/* Its temporary file (PATH.XXXXXX) must fit a file name too. */
static gboolean
check_name (const char *path, GError **error)
{
  g_autofree char *base = g_path_get_basename (path);

  if (strlen (base) + strlen (".XXXXXX") > NAME_MAX)
    return refuse (path, "name too long for the temporary file each write goes through", error);
  return TRUE;
}

gboolean
bc_state_file_claim (BcStateFile *sf, const char *path, GError **error)
{
  struct stat st;
  gboolean exists;
  g_autofree char *text = NULL;
  BcFileResult res = { 0 };

  if (!check_name (path, error) || !check_kind (path, &st, &exists, error))
    return FALSE;
  if (exists)
    {
      text = bc_file_read_nofollow (path, STATE_FILE_MAX, &res);
      if (text == NULL && res.status == BC_FILE_OPEN_FAILED && res.err != ENOENT)
        return refuse (path, g_strerror (res.err), error);
      if (text != NULL && !bc_state_file_text_ours (text, res.len))
        return refuse (path, "is not a balloonctl state file (a mistyped --state-file?): left alone", error);
      if (text == NULL && res.status != BC_FILE_OPEN_FAILED)
        return refuse (path, "cannot be read as a balloonctl state file: left alone", error);
    }
  bc_state_file_clear (sf);
  sf->path = g_strdup (path);
  sf->found = text != NULL;
  sf->found_dev = res.dev;
  sf->found_ino = text != NULL ? res.ino : 0;
  return TRUE;
}

/* Whether the file at the path may be replaced: none, or ours. */
static gboolean
may_replace (const BcStateFile *sf, GError **error)
{
  struct stat st;
  g_autofree char *why = NULL;

  if (lstat (sf->path, &st) < 0)
    return errno == ENOENT ? TRUE : refuse (sf->path, g_strerror (errno), error);
  if ((sf->wrote && st.st_dev == sf->dev && st.st_ino == sf->ino) ||
      (sf->found && st.st_dev == sf->found_dev && st.st_ino == sf->found_ino))
    return TRUE;
  why = g_strdup_printf ("is now %s balloonctl did not write: left alone, not written", bc_file_kind (st.st_mode));
  return refuse (sf->path, why, error);
}

static gboolean
write_fd (int fd, const char *text, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, text, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return errno = n < 0 ? errno : ENOSPC, FALSE;
      text += n;
      len -= (gsize) n;
    }
  return fsync (fd) == 0;
}

/* text into a new file beside the path, renamed over it. */
static gboolean
write_new (BcStateFile *sf, const char *text, GError **error)
{
  g_autofree char *tmp = g_strconcat (sf->path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0644);
  struct stat st;
  int e;

  if (fd < 0)
    return bc_set_error (error, BC_ERROR_FAILED, "creating %s: %s", tmp, g_strerror (errno));
  if (write_fd (fd, text, strlen (text)) && fstat (fd, &st) == 0 && close (fd) == 0)
    {
      fd = -1;
      if (rename (tmp, sf->path) == 0)
        {
          sf->wrote = TRUE;
          sf->dev = st.st_dev;
          sf->ino = st.st_ino;
          return TRUE;
        }
    }
  e = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  return bc_set_error (error, BC_ERROR_FAILED, "writing %s: %s", sf->path, g_strerror (e));
}

gboolean
bc_state_file_write (BcStateFile *sf, const char *text, GError **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (sf->path != NULL, FALSE);
  dir = g_path_get_dirname (sf->path);
  if (g_mkdir_with_parents (dir, 0755) < 0)
    return bc_set_error (error, BC_ERROR_FAILED, "creating %s: %s", dir, g_strerror (errno));
  return may_replace (sf, error) && write_new (sf, text, error);
}

void
bc_state_file_remove (BcStateFile *sf)
{
  struct stat st;

  if (sf->path == NULL || !sf->wrote || lstat (sf->path, &st) < 0)
    return;
  if (st.st_dev == sf->dev && st.st_ino == sf->ino)
    g_unlink (sf->path);
  else
    g_message ("state file %s: no longer the one this daemon wrote: left in place", sf->path);
}

void
bc_state_file_clear (BcStateFile *sf)
{
  g_clear_pointer (&sf->path, g_free);
  *sf = (BcStateFile) BC_STATE_FILE_INIT;
}
