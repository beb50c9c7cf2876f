/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIRST_CHUNK 4096

/* Up to max + 1 bytes (one more tells a file that grew past max), in a
 * buffer that grows as the text comes. */
static char *
read_all (int fd, gsize hint, gsize max, BcFileResult *res)
{
  gsize size = MIN (MAX (hint, FIRST_CHUNK), max) + 2, n = 0;
  g_autofree char *buf = g_malloc (size);

  while (n <= max)
    {
      gssize r;

      if (n + 1 >= size)
        buf = g_realloc (buf, size = MIN (2 * size, max + 2));
      r = read (fd, buf + n, MIN (size - 1, max + 1) - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return res->status = BC_FILE_READ_FAILED, res->err = errno, NULL;
      if (r == 0)
        break;
      n += (gsize) r;
    }
  if (n > max)
    return res->status = BC_FILE_TOO_LARGE, NULL;
  buf[n] = '\0';
  res->len = n;
  res->status = BC_FILE_READ;
  return g_steal_pointer (&buf);
}

static char *
read_open (int fd, gsize max, BcFileResult *res)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return res->status = BC_FILE_STAT_FAILED, res->err = errno, NULL;
  res->mode = st.st_mode;
  res->dev = st.st_dev;
  res->ino = st.st_ino;
  if (!S_ISREG (st.st_mode))
    return res->status = BC_FILE_NOT_REGULAR, NULL;
  if (st.st_size < 0 || (guint64) st.st_size > max)
    return res->status = BC_FILE_TOO_LARGE, NULL;
  return read_all (fd, (gsize) st.st_size, max, res);
}

/* What is at path is looked at before it is opened: opening a device can
 * act (a watchdog's starts it), so only a regular file is opened (what
 * follows a symbolic link, unless flags has O_NOFOLLOW). */
static gboolean
regular_before_open (const char *path, int flags, BcFileResult *res)
{
  struct stat st;
  int r = (flags & O_NOFOLLOW) ? lstat (path, &st) : stat (path, &st);

  if (r < 0)
    return res->status = BC_FILE_OPEN_FAILED, res->err = errno, FALSE;
  res->mode = st.st_mode;
  if (S_ISLNK (st.st_mode))
    return res->status = BC_FILE_OPEN_FAILED, res->err = ELOOP, FALSE;
  if (!S_ISREG (st.st_mode))
    return res->status = BC_FILE_NOT_REGULAR, FALSE;
  return TRUE;
}

static char *
read_path (const char *path, int flags, gsize max, BcFileResult *res)
{
  int fd;
  char *text;

  *res = (BcFileResult) { 0 };
  if (!regular_before_open (path, flags, res))
    return NULL;
  /* non-blocking: a FIFO swapped in since must not wait for a writer */
  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | flags);
  if (fd < 0)
    return res->status = BC_FILE_OPEN_FAILED, res->err = errno, NULL;
  text = read_open (fd, max, res);
  close (fd);
  return text;
}

char *
bc_file_read (const char *path, gsize max, BcFileResult *res)
{
  return read_path (path, 0, max, res);
}

char *
bc_file_read_nofollow (const char *path, gsize max, BcFileResult *res)
{
  return read_path (path, O_NOFOLLOW, max, res);
}

const char *
bc_file_kind (mode_t mode)
{
  if (S_ISREG (mode))
    return "a regular file";
  if (S_ISLNK (mode))
    return "a symbolic link";
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISFIFO (mode))
    return "a FIFO";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISSOCK (mode))
    return "a socket";
  return "a special file";
}
