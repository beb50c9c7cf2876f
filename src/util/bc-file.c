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

/* What is at path is looked at before it is read: opening a device can
 * act (a watchdog's starts it).  It is taken as a handle that opens
 * nothing (O_PATH), looked at, and only a regular file is then opened for
 * reading, through that handle: the same file, whatever is swapped in at
 * the path meanwhile. */
static int
open_regular (const char *path, int flags, BcFileResult *res)
{
  int handle = open (path, O_PATH | O_CLOEXEC | flags);
  char self[64];
  struct stat st;
  int fd;

  if (handle < 0)
    return res->status = BC_FILE_OPEN_FAILED, res->err = errno, -1;
  if (fstat (handle, &st) < 0)
    return close (handle), res->status = BC_FILE_STAT_FAILED, res->err = errno, -1;
  res->mode = st.st_mode;
  if (S_ISLNK (st.st_mode)) /* O_NOFOLLOW with O_PATH opens the link itself */
    return close (handle), res->status = BC_FILE_OPEN_FAILED, res->err = ELOOP, -1;
  if (!S_ISREG (st.st_mode))
    return close (handle), res->status = BC_FILE_NOT_REGULAR, -1;
  g_snprintf (self, sizeof self, "/proc/self/fd/%d", handle);
  fd = open (self, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    res->status = BC_FILE_OPEN_FAILED, res->err = errno;
  close (handle);
  return fd;
}

int
bc_file_open_regular (const char *path, int flags, BcFileResult *res)
{
  int fd;
  int fl;

  *res = (BcFileResult) { 0 };
  fd = open_regular (path, flags, res);
  if (fd >= 0 && ((fl = fcntl (fd, F_GETFL)) < 0 || fcntl (fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
    {
      res->status = BC_FILE_OPEN_FAILED, res->err = errno;
      close (fd);
      return -1;
    }
  return fd;
}

static char *
read_path (const char *path, int flags, gsize max, BcFileResult *res)
{
  int fd;
  char *text;

  *res = (BcFileResult) { 0 };
  fd = open_regular (path, flags, res);
  if (fd < 0)
    return NULL;
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
