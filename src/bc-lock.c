/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-lock.h"
#include "bc-error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

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
bc_lock_take (BcLock *lock, const char *state_path, GError **error)
{
  g_autofree char *path = g_strconcat (state_path, ".lock", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0755) < 0)
    return bc_set_error (error, BC_ERROR_FAILED, "creating %s: %s", dir, g_strerror (errno));
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
  if (fd < 0)
    return bc_set_error (error, BC_ERROR_FAILED, "%s: %s", path, g_strerror (errno));
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
