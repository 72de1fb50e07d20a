/* onb-device-store.h: where the device list is kept (docs/design.md, The device list)
 *
 * OnbRegistry is what the engine, the CLI and the kiosk use; it asks an
 * OnbDeviceStore for rows and keeps the logic (unknown devices, JoinEUI
 * checks, what an import stores, batch progress) written once. Every SQL
 * statement of the device list is behind this interface: today SQLite
 * (OnbSqliteDeviceStore), one file per station.
 */
#pragma once

#include <glib-object.h>

#include "onb-registry.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_DEVICE_KEY_DEV_EUI,      /* 16 hex digits, upper case */
  ONB_DEVICE_KEY_STATIC_TOKEN, /* "sqr_…", without "+orgId" */
} OnbDeviceKey;

/* One device of a batch as stored, or a batch without devices (dev_eui
 * NULL). Valid during the callback only. */
typedef struct
{
  gint64      batch_id;
  const char *file_name;   /* NULL: rows from before batches */
  gint64      imported_at; /* seconds since 1970 */
  guint       n_rows;
  const char *dev_eui;
  const char *device_name; /* NULL when the list has none */
  const char *metafields;  /* onb_registry_metafields_serialize() */
} OnbBatchRow;

typedef void (*OnbBatchRowFunc) (const OnbBatchRow *row,
                                 gpointer           user_data);

#define ONB_TYPE_DEVICE_STORE (onb_device_store_get_type ())
G_DECLARE_INTERFACE (OnbDeviceStore, onb_device_store, ONB, DEVICE_STORE, GObject)

struct _OnbDeviceStoreInterface
{
  GTypeInterface parent_iface;

  OnbRegistryEntry *(*lookup)        (OnbDeviceStore          *self,
                                      OnbDeviceKey             key,
                                      const char              *value,
                                      GError                 **error);
  guint             (*count_devices) (OnbDeviceStore          *self);
  gboolean          (*import)        (OnbDeviceStore          *self,
                                      const char              *file_name,
                                      GPtrArray               *rows,
                                      OnbRegistryImportFlags   flags,
                                      OnbImportReport         *report,
                                      GError                 **error);
  gint64            (*newest_batch)  (OnbDeviceStore          *self,
                                      GError                 **error);
  gboolean          (*scan_batches)  (OnbDeviceStore          *self,
                                      gint64                   batch_id,
                                      OnbBatchRowFunc          func,
                                      gpointer                 user_data,
                                      GError                 **error);
  char             *(*get_model_template) (OnbDeviceStore     *self,
                                           const char         *profile_id,
                                           gint64             *fetched_at,
                                           GError            **error);
  gboolean          (*put_model_template) (OnbDeviceStore     *self,
                                           const char         *profile_id,
                                           const char         *answer,
                                           gint64              fetched_at,
                                           GError            **error);
  gboolean          (*add_to_batch)  (OnbDeviceStore          *self,
                                      const char              *batch_name,
                                      OnbRegistryEntry        *entry,
                                      GError                 **error);
};

/* The stored device whose @key is @value; NULL without an error when
 * there is none. (transfer full) */
OnbRegistryEntry *onb_device_store_lookup        (OnbDeviceStore          *self,
                                                  OnbDeviceKey             key,
                                                  const char              *value,
                                                  GError                 **error);
guint             onb_device_store_count_devices (OnbDeviceStore          *self);
/* Stores @rows (GPtrArray of OnbImportRow, checked by onb_import_parse())
 * as one new batch named @file_name, in one transaction that first asks
 * onb_import_check_stored() what to write: all of them, or nothing. Counts
 * and problems go into @report; @report->n_rows is the file's. */
gboolean          onb_device_store_import        (OnbDeviceStore          *self,
                                                  const char              *file_name,
                                                  GPtrArray               *rows,
                                                  OnbRegistryImportFlags   flags,
                                                  OnbImportReport         *report,
                                                  GError                 **error);
/* The newest imported batch's id (the batch of boxes claimed at a station,
 * ONB_REGISTRY_CLAIMED_BATCH, is none: views of "the newest list" never
 * show it by default); 0 when nothing was imported yet; -1 on error. */
gint64            onb_device_store_newest_batch  (OnbDeviceStore          *self,
                                                  GError                 **error);
/* Calls @func for every device of batch @batch_id in the file's order,
 * and once for a batch without devices; @batch_id 0: every batch, newest
 * first, with device_name and metafields left NULL. One query. */
gboolean          onb_device_store_scan_batches  (OnbDeviceStore          *self,
                                                  gint64                   batch_id,
                                                  OnbBatchRowFunc          func,
                                                  gpointer                 user_data,
                                                  GError                 **error);
/* The Device Repository's answer (JSON text) kept for Profile ID
 * @profile_id (8 hex digits, upper case), and in @fetched_at (may be NULL)
 * when it was fetched, in seconds since 1970; NULL without an error when
 * none is kept. (transfer full) */
char             *onb_device_store_get_model_template (OnbDeviceStore  *self,
                                                       const char      *profile_id,
                                                       gint64          *fetched_at,
                                                       GError         **error);
/* Keeps @answer for @profile_id, replacing what was kept. */
gboolean          onb_device_store_put_model_template (OnbDeviceStore  *self,
                                                       const char      *profile_id,
                                                       const char      *answer,
                                                       gint64           fetched_at,
                                                       GError         **error);

/* Stores @entry (no keys, no metafields) in the batch named @batch_name,
 * made by the first call and then reused; one write transaction. A device
 * stored meanwhile (another station added it) is left as it is. */
gboolean          onb_device_store_add_to_batch  (OnbDeviceStore          *self,
                                                  const char              *batch_name,
                                                  OnbRegistryEntry        *entry,
                                                  GError                 **error);

G_END_DECLS
