/* onb-file.h: files Onboarder writes on a user's behalf
 *
 * Every file a user names (an export, a list, the configuration) is
 * written by onb_file_write(): only a regular file is replaced, and it keeps
 * its owner and mode; a link, pipe, device or folder is refused.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  ONB_FILE_ERROR_NOT_REGULAR,  /*< nick=not-a-regular-file >*/  /* a link, pipe, device or folder */
  ONB_FILE_ERROR_DISK_FULL,    /*< nick=disk-full >*/
  ONB_FILE_ERROR_READ_ONLY,    /*< nick=folder-read-only >*/
  ONB_FILE_ERROR_WRITE_FAILED, /*< nick=write-failed >*/
} OnbFileError;

#define ONB_FILE_ERROR (onb_file_error_quark ())
GQuark onb_file_error_quark (void);

typedef enum
{
  ONB_FILE_WRITE_NONE    = 0,
  ONB_FILE_WRITE_PRIVATE = 1 << 0, /* mode 0600 whatever the old file had: it holds secrets */
} OnbFileWriteFlags;

/* "-" writes to standard output. */
#define ONB_FILE_STDOUT "-"

gboolean onb_file_write (const char         *path,
                         const char         *data,
                         gsize               length,
                         OnbFileWriteFlags   flags,
                         GError            **error);

G_END_DECLS
