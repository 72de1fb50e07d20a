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

gboolean      onb_file_write              (const char         *path,
                                           const char         *data,
                                           gsize               length,
                                           OnbFileWriteFlags   flags,
                                           GError            **error);
/* DISK_FULL, READ_ONLY (also for a folder of another user) or WRITE_FAILED. */
OnbFileError  onb_file_error_from_errno   (int                 saved_errno);
/* When @fault is DISK_FULL or READ_ONLY: sets @error (@domain, with
 * @full_code or @read_only_code) to the one message for a station's data
 * folder, @path's, that is full or read-only, as the registry and the
 * journal say it, and returns %TRUE. */
gboolean      onb_file_set_data_fault     (GError            **error,
                                           OnbFileError        fault,
                                           const char         *path,
                                           GQuark              domain,
                                           int                 full_code,
                                           int                 read_only_code);

G_END_DECLS
