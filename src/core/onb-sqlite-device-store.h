/* onb-sqlite-device-store.h: the device list in one SQLite file per station */
#pragma once

#include "onb-device-store.h"

G_BEGIN_DECLS

#define ONB_TYPE_SQLITE_DEVICE_STORE (onb_sqlite_device_store_get_type ())
G_DECLARE_FINAL_TYPE (OnbSqliteDeviceStore, onb_sqlite_device_store, ONB, SQLITE_DEVICE_STORE, GObject)

/* Opens (creating it when missing) the file at @path, made (or tightened
 * to) mode 0600. (transfer full) */
OnbDeviceStore *onb_sqlite_device_store_open           (const char  *path,
                                                        GError     **error);
/* For reading only: works on a read-only data folder and a full disk;
 * writes nothing, so imports fail. A missing file reads as an empty
 * list. (transfer full) */
OnbDeviceStore *onb_sqlite_device_store_open_read_only (const char  *path,
                                                        GError     **error);

/* Replaces every device by @rows (GPtrArray of OnbImportRow), in one
 * batch, in one transaction: a copy of the shared list. */
gboolean        onb_sqlite_device_store_replace_devices (OnbSqliteDeviceStore  *self,
                                                         GPtrArray             *rows,
                                                         GError               **error);

G_END_DECLS
