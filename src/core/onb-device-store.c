/* onb-device-store.c: where the device list is kept */

#define G_LOG_DOMAIN "onb-registry"

#include "config.h"

#include "onb-device-store.h"

G_DEFINE_INTERFACE (OnbDeviceStore, onb_device_store, G_TYPE_OBJECT)

static void
onb_device_store_default_init (OnbDeviceStoreInterface *iface)
{
}

OnbRegistryEntry *
onb_device_store_lookup (OnbDeviceStore  *self,
                         OnbDeviceKey     key,
                         const char      *value,
                         GError         **error)
{
  g_return_val_if_fail (ONB_IS_DEVICE_STORE (self), NULL);
  return ONB_DEVICE_STORE_GET_IFACE (self)->lookup (self, key, value, error);
}

guint
onb_device_store_count_devices (OnbDeviceStore *self)
{
  g_return_val_if_fail (ONB_IS_DEVICE_STORE (self), 0);
  return ONB_DEVICE_STORE_GET_IFACE (self)->count_devices (self);
}

gboolean
onb_device_store_import (OnbDeviceStore          *self,
                         const char              *file_name,
                         GPtrArray               *rows,
                         OnbRegistryImportFlags   flags,
                         OnbImportReport         *report,
                         GError                 **error)
{
  g_return_val_if_fail (ONB_IS_DEVICE_STORE (self), FALSE);
  return ONB_DEVICE_STORE_GET_IFACE (self)->import (self, file_name, rows, flags, report, error);
}

gint64
onb_device_store_newest_batch (OnbDeviceStore  *self,
                               GError         **error)
{
  g_return_val_if_fail (ONB_IS_DEVICE_STORE (self), -1);
  return ONB_DEVICE_STORE_GET_IFACE (self)->newest_batch (self, error);
}

gboolean
onb_device_store_scan_batches (OnbDeviceStore   *self,
                               gint64            batch_id,
                               OnbBatchRowFunc   func,
                               gpointer          user_data,
                               GError          **error)
{
  g_return_val_if_fail (ONB_IS_DEVICE_STORE (self), FALSE);
  return ONB_DEVICE_STORE_GET_IFACE (self)->scan_batches (self, batch_id, func, user_data, error);
}

char *
onb_device_store_get_model_template (OnbDeviceStore  *self,
                                     const char      *profile_id,
                                     gint64          *fetched_at,
                                     GError         **error)
{
  g_return_val_if_fail (ONB_IS_DEVICE_STORE (self), NULL);
  g_return_val_if_fail (profile_id != NULL, NULL);
  return ONB_DEVICE_STORE_GET_IFACE (self)->get_model_template (self, profile_id, fetched_at, error);
}

gboolean
onb_device_store_put_model_template (OnbDeviceStore  *self,
                                     const char      *profile_id,
                                     const char      *answer,
                                     gint64           fetched_at,
                                     GError         **error)
{
  g_return_val_if_fail (ONB_IS_DEVICE_STORE (self), FALSE);
  g_return_val_if_fail (profile_id != NULL, FALSE);
  g_return_val_if_fail (answer != NULL, FALSE);
  return ONB_DEVICE_STORE_GET_IFACE (self)->put_model_template (self, profile_id, answer, fetched_at, error);
}

gboolean
onb_device_store_add_to_batch (OnbDeviceStore    *self,
                               const char        *batch_name,
                               OnbRegistryEntry  *entry,
                               GError           **error)
{
  g_return_val_if_fail (ONB_IS_DEVICE_STORE (self), FALSE);
  g_return_val_if_fail (batch_name != NULL && entry != NULL, FALSE);

  return ONB_DEVICE_STORE_GET_IFACE (self)->add_to_batch (self, batch_name, entry, error);
}
