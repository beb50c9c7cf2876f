/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-lock.h"
#include "bc-error.h"
#include "bc-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The longest text a lock file holds: a pid and a newline. */
#define LOCK_TEXT_MAX 24

/* The holder's pid as its file says, for the message; 0 if unreadable. */
static long
holder_pid (int fd)
{
  char buf[24] = "";
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
  gint64 pid;

  if (n <= 0)
    return 0;
  buf[n] = '\0';
  pid = g_ascii_strtoll (buf, NULL, 10);
  return pid > 0 && pid <= G_MAXINT ? (long) pid : 0;
}

static gboolean
refuse (int fd, const char *path, GError **error)
{
  long pid = holder_pid (fd);

  if (pid > 0)
    return bc_set_error (error, BC_ERROR_FAILED, "another balloonctl run (pid %ld) holds %s: one daemon per host", pid, path);
  return bc_set_error (error, BC_ERROR_FAILED, "another balloonctl run holds %s: one daemon per host", path);
}

static gboolean
write_pid (int fd, const char *path, GError **error)
{
  char buf[24];
  int n = g_snprintf (buf, sizeof buf, "%ld\n", (long) getpid ());

  if (ftruncate (fd, 0) < 0 || pwrite (fd, buf, (size_t) n, 0) != n)
    return bc_set_error (error, BC_ERROR_FAILED, "writing %s: %s", path, g_strerror (errno));
  return TRUE;
}

gboolean
bc_lock_text_ours (const char *text, gsize len)
{
  gsize digits = 0;

  while (digits < len && g_ascii_isdigit (text[digits]))
    digits++;
  if (len == 0)
    return TRUE;
  return digits > 0 && digits <= 10 && (digits == len || (digits + 1 == len && text[digits] == '\n'));
}

static gboolean
refuse_file (const char *path, const char *why, GError **error)
{
  return bc_set_error (error, BC_ERROR_FAILED, "lock file %s: %s", path, why);
}

/* What is at path may be opened as our lock: nothing, or a regular file. */
static gboolean
check_kind (const char *path, GError **error)
{
  struct stat st;
  g_autofree char *why = NULL;

  if (lstat (path, &st) < 0)
    return errno == ENOENT ? TRUE : refuse_file (path, g_strerror (errno), error);
  if (S_ISLNK (st.st_mode))
    return refuse_file (path, "is a symbolic link; balloonctl does not follow one there", error);
  if (S_ISREG (st.st_mode))
    return TRUE;
  why = g_strdup_printf ("is %s, not a regular file: left alone", bc_file_kind (st.st_mode));
  return refuse_file (path, why, error);
}

/* The file opened is a regular file holding nothing or a pid. */
static gboolean
check_open (int fd, const char *path, GError **error)
{
  char buf[LOCK_TEXT_MAX + 1];
  struct stat st;
  ssize_t n;

  if (fstat (fd, &st) < 0)
    return refuse_file (path, g_strerror (errno), error);
  if (!S_ISREG (st.st_mode))
    return refuse_file (path, "is not a regular file: left alone", error);
  if (st.st_uid != geteuid ())
    return refuse_file (path, "belongs to another user: left alone", error);
  n = pread (fd, buf, sizeof buf, 0);
  if (n < 0)
    return refuse_file (path, g_strerror (errno), error);
  if (n > LOCK_TEXT_MAX || !bc_lock_text_ours (buf, (gsize) n))
    return refuse_file (path, "is not a balloonctl lock file (it holds a process id, nothing else): left alone", error);
  return TRUE;
}

static int
open_lock (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (!check_kind (path, error))
    return -1;
  if (g_mkdir_with_parents (dir, 0755) < 0)
    return bc_set_error (error, BC_ERROR_FAILED, "creating %s: %s", dir, g_strerror (errno)), -1;
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0644);
  if (fd < 0)
    return bc_set_error (error, BC_ERROR_FAILED, "%s: %s", path, g_strerror (errno)), -1;
  if (!check_open (fd, path, error))
    {
      close (fd);
      return -1;
    }
  return fd;
}

gboolean
bc_lock_take (BcLock *lock, const char *state_path, GError **error)
{
  g_autofree char *path = g_strconcat (state_path, ".lock", NULL);
  int fd = open_lock (path, error);

  if (fd < 0)
    return FALSE;
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int e = errno;
      gboolean ok = e == EWOULDBLOCK ? refuse (fd, path, error)
                                     : bc_set_error (error, BC_ERROR_FAILED, "locking %s: %s", path, g_strerror (e));
      close (fd);
      return ok;
    }
  if (!write_pid (fd, path, error))
    {
      close (fd);
      return FALSE;
    }
  lock->fd = fd;
  lock->path = g_steal_pointer (&path);
  return TRUE;
}

gboolean
bc_lock_held (const BcLock *lock)
{
  return lock->fd >= 0;
}

void
bc_lock_release (BcLock *lock)
{
  if (lock->fd >= 0)
    close (lock->fd);
  lock->fd = -1;
  g_clear_pointer (&lock->path, g_free);
}
