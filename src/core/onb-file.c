/* onb-file.c: files Onboarder writes on a user's behalf */

#define G_LOG_DOMAIN "onb-file"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "onb-core-enums.h"
#include "onb-error.h"
#include "onb-file.h"

ONB_DEFINE_ERROR_DOMAIN (onb_file_error, onb_file_error_get_type)

OnbFileError
onb_file_error_from_errno (int saved_errno)
{
  switch (saved_errno)
    {
    case ENOSPC:
    case EDQUOT:
      return ONB_FILE_ERROR_DISK_FULL;
    case EROFS:
    case EACCES:
    case EPERM:
      return ONB_FILE_ERROR_READ_ONLY;
    default:
      return ONB_FILE_ERROR_WRITE_FAILED;
    }
}

gboolean
onb_file_set_data_fault (GError       **error,
                         OnbFileError   fault,
                         const char    *path,
                         GQuark         domain,
                         int            full_code,
                         int            read_only_code)
{
  g_autofree char *folder = g_path_get_dirname (path);

  if (fault == ONB_FILE_ERROR_DISK_FULL)
    g_set_error (error, domain, full_code,
                 _("This station's disk is full: nothing was sent. Free space in %s."), folder);
  else if (fault == ONB_FILE_ERROR_READ_ONLY)
    g_set_error (error, domain, read_only_code,
                 _("This station's data folder %s cannot be written (it is read-only or belongs to another "
                   "user): nothing was sent. Make it writable again."), folder);
  else
    return FALSE;
  return TRUE;
}

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *path)
{
  OnbFileError code = onb_file_error_from_errno (saved_errno);

  switch (code)
    {
    case ONB_FILE_ERROR_DISK_FULL:
      g_set_error (error, ONB_FILE_ERROR, code,
                   _("The disk holding %s is full: nothing was written. Free some space there and try again."),
                   path);
      break;
    case ONB_FILE_ERROR_READ_ONLY:
      g_set_error (error, ONB_FILE_ERROR, code,
                   _("%s cannot be written: its folder is read-only or belongs to someone else (%s). "
                     "Choose another folder."), path, g_strerror (saved_errno));
      break;
    case ONB_FILE_ERROR_NOT_REGULAR:
    case ONB_FILE_ERROR_WRITE_FAILED:
    default:
      g_set_error (error, ONB_FILE_ERROR, ONB_FILE_ERROR_WRITE_FAILED,
                   _("%s could not be written: %s"), path, g_strerror (saved_errno));
      break;
    }
  return FALSE;
}

static const char *
describe_kind (mode_t mode)
{
  if (S_ISLNK (mode))
    return _("a link to another file");
  if (S_ISDIR (mode))
    return _("a folder");
  if (S_ISFIFO (mode) || S_ISSOCK (mode))
    return _("a pipe");
  return _("a device");
}

/* An existing @path must be a regular file itself, not a link to one. */
static gboolean
check_regular (const char  *path,
               struct stat *st,
               gboolean    *exists,
               GError     **error)
{
  if (lstat (path, st) != 0)
    {
      if (errno == ENOENT)
        {
          *exists = FALSE;
          return TRUE;
        }
      return set_errno_error (error, errno, path);
    }
  *exists = TRUE;
  if (S_ISREG (st->st_mode))
    return TRUE;
  g_set_error (error, ONB_FILE_ERROR, ONB_FILE_ERROR_NOT_REGULAR,
               _("%s is %s, not a regular file: Onboarder writes only to regular files. Give another file name."),
               path, describe_kind (st->st_mode));
  return FALSE;
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        length)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

/**
 * onb_file_write:
 * @path: the file, or %ONB_FILE_STDOUT
 *
 * Writes @data to a temporary file in @path's folder, gives it the owner
 * and mode of the file it replaces (a new file gets 0644 less the umask, or
 * 0600 with %ONB_FILE_WRITE_PRIVATE), syncs it and renames it over @path:
 * readers see the old file or the new one, never half of it. A @path that
 * is a symbolic link, a pipe, a device or a folder is refused with
 * %ONB_FILE_ERROR_NOT_REGULAR and left alone.
 */
gboolean
onb_file_write (const char         *path,
                const char         *data,
                gsize               length,
                OnbFileWriteFlags   flags,
                GError            **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp = NULL;
  gboolean private = (flags & ONB_FILE_WRITE_PRIVATE) != 0;
  gboolean exists;
  struct stat st;
  int fd;
  int saved_errno;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_str_equal (path, ONB_FILE_STDOUT))
    {
      if (!write_all (STDOUT_FILENO, data, length))
        return set_errno_error (error, errno, _("Standard output"));
      return TRUE;
    }

  if (!check_regular (path, &st, &exists, error))
    return FALSE;

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, exists || private ? 0600 : 0644);
  if (fd < 0)
    return set_errno_error (error, errno, path);

  if (!write_all (fd, data, length) ||
      (exists && (st.st_uid != geteuid () || st.st_gid != getegid ()) && fchown (fd, st.st_uid, st.st_gid) != 0) ||
      (exists && fchmod (fd, private ? 0600 : st.st_mode & 07777) != 0) ||
      fsync (fd) != 0)
    goto failed;
  if (close (fd) != 0)
    {
      fd = -1;
      goto failed;
    }
  fd = -1;

  /* What the user named may have become a link meanwhile: look again. */
  if (!check_regular (path, &st, &exists, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  if (g_rename (tmp, path) != 0)
    goto failed;
  return TRUE;

failed:
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  return set_errno_error (error, saved_errno, path);
}
