/* onb-registry.c: the manufacturer's device list (docs/design.md, The device list)
 *
 * The entries, and what the engine, the CLI and the kiosk ask of the list,
 * written once over an OnbDeviceStore that keeps the rows (and all the
 * SQL). What an import reads and checks is in onb-registry-import.c.
 */

#define G_LOG_DOMAIN "onb-registry"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-batch.h"
#include "onb-core-enums.h"
#include "onb-csv.h"
#include "onb-error.h"
#include "onb-registry-private.h"
#include "onb-pg-device-store.h"
#include "onb-pg.h"
#include "onb-sqlite-device-store.h"
#include "onb-store.h"

ONB_DEFINE_ERROR_DOMAIN (onb_registry_error, onb_registry_error_get_type)

struct _OnbRegistryEntry
{
  gatomicrefcount ref_count;
  char *dev_eui;
  char *join_eui;
  char *app_key;
  char *nwk_key;
  char *static_token;
  char *device_name;
  char *profile_id;
  char *blynk_name;
  GHashTable *metafields;
};

G_DEFINE_BOXED_TYPE (OnbRegistryEntry, onb_registry_entry, onb_registry_entry_ref, onb_registry_entry_unref)

struct _OnbRegistry
{
  GObject parent_instance;
  OnbDeviceStore *store;
  /* With a shared list: the station's own copy, for the time the
   * database cannot be reached (docs/design.md, The outbox). */
  OnbDeviceStore *copy;
  gint64 copied_batch;  /* the shared list's newest batch when copied */
  gint64 checked_us;    /* when the copy was last compared (monotonic) */
};

/* How often a look-up that reached the database also checks that the
 * copy still has the newest batch. */
#define COPY_CHECK_US (30 * G_USEC_PER_SEC)

G_DEFINE_FINAL_TYPE (OnbRegistry, onb_registry, G_TYPE_OBJECT)

/* Entries */

static void
secret_free (char *secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

OnbRegistryEntry *
onb_registry_entry_ref (OnbRegistryEntry *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
onb_registry_entry_unref (OnbRegistryEntry *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->dev_eui);
  g_free (self->join_eui);
  /* A key should not linger in freed memory. */
  secret_free (self->app_key);
  secret_free (self->nwk_key);
  g_free (self->static_token);
  g_free (self->device_name);
  g_free (self->profile_id);
  g_free (self->blynk_name);
  g_hash_table_unref (self->metafields);
  g_free (self);
}

const char *onb_registry_entry_get_dev_eui (OnbRegistryEntry *self) { return self->dev_eui; }
const char *onb_registry_entry_get_join_eui (OnbRegistryEntry *self) { return self->join_eui; }
const char *onb_registry_entry_get_app_key (OnbRegistryEntry *self) { return self->app_key; }
const char *onb_registry_entry_get_nwk_key (OnbRegistryEntry *self) { return self->nwk_key; }
const char *onb_registry_entry_get_static_token (OnbRegistryEntry *self) { return self->static_token; }
const char *onb_registry_entry_get_device_name (OnbRegistryEntry *self) { return self->device_name; }
const char *onb_registry_entry_get_profile_id (OnbRegistryEntry *self) { return self->profile_id; }
const char *onb_registry_entry_get_blynk_name (OnbRegistryEntry *self) { return self->blynk_name; }
GHashTable *onb_registry_entry_get_metafields (OnbRegistryEntry *self) { return self->metafields; }

gboolean
onb_registry_entry_check_keys (OnbRegistryEntry  *self,
                               const char        *lorawan_version,
                               GError           **error)
{
  if (self->app_key == NULL)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NO_APP_KEY,
                   _("The device list has no AppKey for box %s and its label has no owner token: it cannot be "
                     "onboarded here."), self->dev_eui);
      return FALSE;
    }
  if (self->nwk_key == NULL && g_strcmp0 (lorawan_version, "MAC_V1_1") == 0)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_MISSING_NWK_KEY,
                   _("Device %s needs its Network Key (LoRaWAN 1.1): add a Network Key column to its "
                     "device list and import it again."), self->dev_eui);
      return FALSE;
    }
  return TRUE;
}

static char *
empty_to_null (const char *text)
{
  return text != NULL && *text != '\0' ? g_strdup (text) : NULL;
}

char *
onb_registry_metafields_serialize (GHashTable *metafields)
{
  GList *names = g_list_sort (g_hash_table_get_keys (metafields), (GCompareFunc) strcmp);
  GVariantBuilder builder;
  g_autoptr(GVariant) variant = NULL;

  if (names == NULL)
    return g_strdup ("");

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  for (GList *l = names; l != NULL; l = l->next)
    g_variant_builder_add (&builder, "{ss}", l->data, (const char *) g_hash_table_lookup (metafields, l->data));
  g_list_free (names);
  variant = g_variant_ref_sink (g_variant_builder_end (&builder));
  return g_variant_print (variant, FALSE);
}

GHashTable *
onb_registry_metafields_parse (const char *text)
{
  GHashTable *metafields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GVariant) variant = NULL;
  GVariantIter iter;
  const char *name, *value;

  if (text == NULL || *text == '\0')
    return metafields;
  variant = g_variant_parse (G_VARIANT_TYPE ("a{ss}"), text, NULL, NULL, NULL);
  if (variant == NULL)
    return metafields;
  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
    g_hash_table_insert (metafields, g_strdup (name), g_strdup (value));
  return metafields;
}

/* The device's name in Blynk: the list's, else one made from the DevEUI. */
static char *
make_blynk_name (const char *device_name,
                 const char *dev_eui)
{
  g_autofree char *lower = NULL;

  if (device_name != NULL && *device_name != '\0')
    return g_strdup (device_name);
  lower = g_ascii_strdown (dev_eui, -1);
  return g_strconcat ("eui-", lower, NULL);
}

OnbRegistryEntry *
onb_registry_entry_new (const char *dev_eui,
                        const char *join_eui,
                        const char *app_key,
                        const char *nwk_key,
                        const char *static_token,
                        const char *device_name,
                        const char *profile_id,
                        GHashTable *metafields)
{
  OnbRegistryEntry *self = g_new0 (OnbRegistryEntry, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->dev_eui = g_strdup (dev_eui);
  self->join_eui = g_strdup (join_eui);
  self->app_key = empty_to_null (app_key);
  self->nwk_key = empty_to_null (nwk_key);
  self->static_token = empty_to_null (static_token);
  self->device_name = empty_to_null (device_name);
  self->profile_id = empty_to_null (profile_id);
  self->blynk_name = make_blynk_name (self->device_name, dev_eui);
  self->metafields = g_hash_table_ref (metafields);
  return self;
}

/* The registry object */

static void
onb_registry_finalize (GObject *object)
{
  OnbRegistry *self = (OnbRegistry *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->copy);
  G_OBJECT_CLASS (onb_registry_parent_class)->finalize (object);
}

static void
onb_registry_class_init (OnbRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_registry_finalize;
}

static void
onb_registry_init (OnbRegistry *self)
{
}

char *
onb_registry_default_path (const char *data_dir)
{
  return g_build_filename (data_dir, "registry.sqlite", NULL);
}

char *
onb_registry_copy_path (const char *data_dir)
{
  return g_build_filename (data_dir, "shared-list.sqlite", NULL);
}

/* Copies the shared list into the station's copy when a batch was
 * imported since; a failure keeps the old copy and tries again later. */
static void
refresh_copy (OnbRegistry *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 newest;

  self->checked_us = g_get_monotonic_time ();
  if ((newest = onb_device_store_newest_batch (self->store, &error)) < 0 || newest == self->copied_batch)
    return;
  if (!(rows = onb_pg_device_store_list_devices (ONB_PG_DEVICE_STORE (self->store), &error)) ||
      !onb_sqlite_device_store_replace_devices (ONB_SQLITE_DEVICE_STORE (self->copy), rows, &error))
    {
      g_message ("This station's copy of the shared device list is not up to date: %s", error->message);
      return;
    }
  self->copied_batch = newest;
}

/* The shared list's row, else, while the database cannot be reached,
 * the station's copy's. */
static OnbRegistryEntry *
store_lookup (OnbRegistry   *self,
              OnbDeviceKey   key,
              const char    *value,
              GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  OnbRegistryEntry *entry = onb_device_store_lookup (self->store, key, value, &local_error);

  if (self->copy == NULL)
    ;
  else if (g_error_matches (local_error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_DATABASE))
    {
      g_debug ("The shared device list cannot be read (%s): looking in this station's copy", local_error->message);
      g_clear_error (&local_error);
      entry = onb_device_store_lookup (self->copy, key, value, &local_error);
    }
  else if (g_get_monotonic_time () - self->checked_us > COPY_CHECK_US)
    refresh_copy (self);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return entry;
}

OnbRegistry *
onb_registry_new_for_store (OnbDeviceStore *store)
{
  OnbRegistry *self;

  if (store == NULL)
    return NULL;
  self = g_object_new (ONB_TYPE_REGISTRY, NULL);
  self->store = store;
  return self;
}

OnbRegistry *
onb_registry_open (const char  *path,
                   GError     **error)
{
  return onb_registry_new_for_store (onb_sqlite_device_store_open (path, error));
}

OnbRegistry *
onb_registry_open_read_only (const char  *path,
                             GError     **error)
{
  return onb_registry_new_for_store (onb_sqlite_device_store_open_read_only (path, error));
}

/* A station's shared list, with its copy: 0600 in its data folder, as its
 * own registry.sqlite would be. Without one (a read-only folder) it scans
 * only while the database answers. A station that starts while the
 * database is out of reach starts alone on its copy, when it has one. */
static OnbRegistry *
open_shared (const char  *url,
             const char  *data_dir,
             GError     **error)
{
  g_autofree char *path = onb_registry_copy_path (data_dir);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) copy_error = NULL;
  g_autoptr(OnbDeviceStore) store = onb_pg_device_store_open (url, &local_error);
  g_autoptr(OnbDeviceStore) copy = NULL;
  gboolean alone = FALSE;
  OnbRegistry *self;

  if (store == NULL)
    {
      /* A server that answers and refuses (a password, a schema) is not
       * worked around. */
      if (!g_error_matches (local_error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_DATABASE) ||
          !onb_pg_out_of_reach (url))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!g_file_test (path, G_FILE_TEST_EXISTS) || !(copy = onb_sqlite_device_store_open (path, NULL)) ||
          onb_device_store_count_devices (copy) == 0)
        {
          g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_DATABASE,
                       _("%s This station has no copy of the device list yet, so it cannot work alone: start it "
                         "once while the database answers."), local_error->message);
          return NULL;
        }
      g_message ("This station starts alone, on its copy of the device list: %s", local_error->message);
      store = onb_pg_device_store_open_alone (url);
      alone = TRUE;
    }
  else if (!(copy = onb_sqlite_device_store_open (path, &copy_error)))
    g_message ("This station keeps no copy of the shared device list: %s", copy_error->message);

  self = onb_registry_new_for_store (g_steal_pointer (&store));
  self->copy = g_steal_pointer (&copy);
  if (self->copy != NULL && !alone)
    refresh_copy (self);
  return self;
}

OnbRegistry *
onb_registry_open_for_config (OnbConfig  *config,
                              gboolean    read_only,
                              GError    **error)
{
  g_autofree char *url = onb_store_get_url (config);
  g_autofree char *data_dir = NULL;
  g_autofree char *path = NULL;

  data_dir = onb_config_get_data_dir (config);
  if (url != NULL)
    return read_only ? onb_registry_new_for_store (onb_pg_device_store_open (url, error))
                     : open_shared (url, data_dir, error);
  path = onb_registry_default_path (data_dir);
  return read_only ? onb_registry_open_read_only (path, error) : onb_registry_open (path, error);
}

guint
onb_registry_get_n_entries (OnbRegistry *self)
{
  g_return_val_if_fail (ONB_IS_REGISTRY (self), 0);

  return onb_device_store_count_devices (self->store);
}

static void
set_unknown_device (GError     **error,
                    const char  *what)
{
  g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_DEVICE,
               _("Unknown device %s: it is not in the device list of this station. "
                 "Import its list first (the manufacturer's CSV), then scan again."), what);
}

OnbRegistryEntry *
onb_registry_lookup (OnbRegistry  *self,
                     const char   *dev_eui,
                     GError      **error)
{
  g_autofree char *upper = NULL;
  g_autoptr(GError) local_error = NULL;
  OnbRegistryEntry *entry;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (dev_eui != NULL, NULL);

  upper = g_ascii_strup (dev_eui, -1);
  entry = store_lookup (self, ONB_DEVICE_KEY_DEV_EUI, upper, &local_error);
  if (entry == NULL && local_error == NULL)
    {
      g_autofree char *what = g_strdup_printf (_("(DevEUI %s)"), upper);
      set_unknown_device (error, what);
    }
  else if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return entry;
}

/* "sqr_…+4711" and "sqr_…" name the same token. */
static char *
token_key (const char *token)
{
  const char *plus = strchr (token, '+');

  return plus != NULL ? g_strndup (token, plus - token) : g_strdup (token);
}

OnbRegistryEntry *
onb_registry_lookup_token (OnbRegistry  *self,
                           const char   *token,
                           GError      **error)
{
  g_autofree char *key = NULL;
  g_autoptr(GError) local_error = NULL;
  OnbRegistryEntry *entry;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  key = token_key (token);
  entry = store_lookup (self, ONB_DEVICE_KEY_STATIC_TOKEN, key, &local_error);
  if (entry == NULL && local_error == NULL)
    set_unknown_device (error, _("(a Blynk static token)"));
  else if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return entry;
}

OnbRegistryEntry *
onb_registry_resolve (OnbRegistry    *self,
                      const OnbCode  *code,
                      GError        **error)
{
  g_autoptr(OnbRegistryEntry) entry = NULL;
  const char *join_eui;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);

  if (onb_code_get_kind (code) == ONB_CODE_KIND_BLYNK_STATIC_TOKEN)
    return onb_registry_lookup_token (self, onb_code_get_static_token (code), error);

  entry = onb_registry_lookup (self, onb_code_get_dev_eui (code), error);
  if (entry == NULL)
    return NULL;

  join_eui = onb_code_get_join_eui (code);
  if (join_eui != NULL && g_ascii_strcasecmp (join_eui, entry->join_eui) != 0)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_JOIN_EUI_MISMATCH,
                   _("The label's JoinEUI %s does not match the device list (%s) for DevEUI %s. "
                     "Check that the right list was imported, or set the box aside."),
                   join_eui, entry->join_eui, entry->dev_eui);
      return NULL;
    }

  return g_steal_pointer (&entry);
}

OnbRegistryEntry *
onb_registry_entry_new_unlisted (const OnbCode *code)
{
  g_autoptr(GHashTable) metafields = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *dev_eui = NULL;
  g_autofree char *join_eui = NULL;
  g_autofree char *profile_id = NULL;

  g_return_val_if_fail (onb_code_get_owner_token (code) != NULL && onb_code_get_join_eui (code) != NULL, NULL);

  dev_eui = g_ascii_strup (onb_code_get_dev_eui (code), -1);
  join_eui = g_ascii_strup (onb_code_get_join_eui (code), -1);
  if (onb_code_get_profile_id (code) != NULL)
    profile_id = g_ascii_strup (onb_code_get_profile_id (code), -1);
  return onb_registry_entry_new (dev_eui, join_eui, NULL, NULL, NULL, NULL, profile_id, metafields);
}

OnbRegistryEntry *
onb_registry_add_unlisted (OnbRegistry    *self,
                           const OnbCode  *code,
                           GError        **error)
{
  g_autoptr(OnbRegistryEntry) entry = NULL;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), NULL);

  if (!(entry = onb_registry_entry_new_unlisted (code)))
    return NULL;
  if (!onb_device_store_add_to_batch (self->store, ONB_REGISTRY_CLAIMED_BATCH, entry, error))
    return NULL;
  /* What is stored now: ours, or the row another station added first. */
  return onb_registry_resolve (self, code, error);
}

/* Import */

/* @name: the batch's file name, or NULL. */
static gboolean
import_batch (OnbRegistry             *self,
              const char              *name,
              const char              *data,
              gsize                    length,
              OnbRegistryImportFlags   flags,
              OnbImportReport        **report_out,
              GError                 **error)
{
  g_autoptr(OnbImportReport) report = onb_import_report_new ();
  g_autoptr(GPtrArray) rows = NULL;
  gboolean ok;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), FALSE);

  /* Parsed and checked before the store's transaction: a large file does
   * not hold up other imports, and a broken one opens nothing. */
  rows = onb_import_parse (data, length, report, error);
  ok = rows != NULL && onb_device_store_import (self->store, name, rows, flags, report, error);
  if (ok && self->copy != NULL)
    refresh_copy (self);
  if (report_out != NULL)
    *report_out = g_steal_pointer (&report);
  return ok;
}

gboolean
onb_registry_import_data (OnbRegistry             *self,
                          const char              *data,
                          gsize                    length,
                          OnbRegistryImportFlags   flags,
                          OnbImportReport        **report,
                          GError                 **error)
{
  return import_batch (self, NULL, data, length, flags, report, error);
}

gboolean
onb_registry_import_file (OnbRegistry             *self,
                          const char              *path,
                          OnbRegistryImportFlags   flags,
                          OnbImportReport        **report,
                          GError                 **error)
{
  g_autofree char *data = NULL;
  g_autofree char *name = g_path_get_basename (path);
  gsize length = 0;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), FALSE);

  if (!(data = onb_import_read_file (path, &length, error)))
    {
      if (report != NULL)
        *report = onb_import_report_new ();
      return FALSE;
    }
  return import_batch (self, name, data, length, flags, report, error);
}

/* Batches */

typedef struct
{
  GPtrArray       *batches;
  OnbDeviceStates *states;
} ListBatches;

/* One pass over the devices; the journal's states are a hash look-up
 * each. */
static void
count_batch_row (const OnbBatchRow *row,
                 gpointer           user_data)
{
  ListBatches *list = user_data;
  OnbBatch *batch = list->batches->len > 0 ? g_ptr_array_index (list->batches, list->batches->len - 1) : NULL;
  const OnbDeviceState *state;

  if (batch == NULL || batch->id != row->batch_id)
    {
      batch = g_new0 (OnbBatch, 1);
      batch->id = row->batch_id;
      batch->file_name = g_strdup (row->file_name);
      batch->imported_at = row->imported_at;
      batch->n_rows = row->n_rows;
      g_ptr_array_add (list->batches, batch);
    }
  if (row->dev_eui == NULL)
    return;
  batch->n_devices++;
  state = list->states != NULL ? onb_device_states_lookup (list->states, row->dev_eui) : NULL;
  if (state != NULL && state->progress == ONB_DEVICE_PROGRESS_DONE)
    batch->n_done++;
  else if (state != NULL && state->progress == ONB_DEVICE_PROGRESS_FAILED)
    batch->n_failed++;
  else
    batch->n_to_do++;
}

GPtrArray *
onb_registry_list_batches (OnbRegistry      *self,
                           OnbDeviceStates  *states,
                           GError          **error)
{
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_batch_free);
  ListBatches list = { batches, states };

  g_return_val_if_fail (ONB_IS_REGISTRY (self), NULL);

  if (!onb_device_store_scan_batches (self->store, 0, count_batch_row, &list, error))
    return NULL;
  return g_steal_pointer (&batches);
}

/* The serial number printed on the label, as the list gives it in a
 * metafield column such as "Serial Number". */
static char *
serial_from_metafields (const char *text)
{
  g_autoptr(GHashTable) metafields = NULL;
  GHashTableIter iter;
  const char *name, *value;

  if (text == NULL || strstr (text, "erial") == NULL)
    return NULL;
  metafields = onb_registry_metafields_parse (text);
  g_hash_table_iter_init (&iter, metafields);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &value))
    {
      g_autoptr(GString) folded = g_string_new (NULL);

      for (const char *c = name; *c; c++)
        if (*c != ' ' && *c != '_' && *c != '-')
          g_string_append_c (folded, g_ascii_tolower (*c));
      if (g_str_equal (folded->str, "serialnumber") || g_str_equal (folded->str, "serial") ||
          g_str_equal (folded->str, "serialno"))
        return g_strdup (value);
    }
  return NULL;
}

typedef struct
{
  OnbBatch  *batch;
  GPtrArray *devices;
} GetBatch;

static void
add_batch_device (const OnbBatchRow *row,
                  gpointer           user_data)
{
  GetBatch *get = user_data;
  OnbBatchDevice *device;

  if (get->batch == NULL)
    {
      get->batch = g_new0 (OnbBatch, 1);
      get->batch->id = row->batch_id;
      get->batch->file_name = g_strdup (row->file_name);
      get->batch->imported_at = row->imported_at;
      get->batch->n_rows = row->n_rows;
    }
  if (row->dev_eui == NULL)
    return;

  device = g_new0 (OnbBatchDevice, 1);
  device->dev_eui = g_strdup (row->dev_eui);
  device->device_name = make_blynk_name (row->device_name, row->dev_eui);
  device->serial = serial_from_metafields (row->metafields);
  g_ptr_array_add (get->devices, device);
}

OnbBatch *
onb_registry_get_batch (OnbRegistry  *self,
                        gint64        batch_id,
                        GPtrArray   **devices_out,
                        GError      **error)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_batch_device_free);
  GetBatch get = { NULL, devices };
  g_autoptr(OnbBatch) batch = NULL;
  gboolean scanned;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), NULL);

  if (batch_id <= 0 && (batch_id = onb_device_store_newest_batch (self->store, error)) < 0)
    return NULL;
  if (batch_id == 0)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NO_BATCH,
                   _("No device list has been imported yet. Import the manufacturer's list first."));
      return NULL;
    }

  scanned = onb_device_store_scan_batches (self->store, batch_id, add_batch_device, &get, error);
  batch = get.batch;
  if (!scanned)
    return NULL;
  if (batch == NULL)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_BATCH,
                   _("There is no batch %lld. The list of batches shows which there are."), (long long) batch_id);
      return NULL;
    }

  batch->n_devices = devices->len;
  batch->n_to_do = devices->len;
  if (devices_out != NULL)
    *devices_out = g_steal_pointer (&devices);
  return g_steal_pointer (&batch);
}

/* Model templates */

char *
onb_registry_get_model_template (OnbRegistry  *self,
                                 const char   *profile_id,
                                 gint64       *fetched_at,
                                 GError      **error)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), NULL);
  g_return_val_if_fail (onb_hex_is_valid (profile_id, 8), NULL);

  upper = g_ascii_strup (profile_id, -1);
  return onb_device_store_get_model_template (self->store, upper, fetched_at, error);
}

gboolean
onb_registry_put_model_template (OnbRegistry  *self,
                                 const char   *profile_id,
                                 const char   *answer,
                                 gint64        fetched_at,
                                 GError      **error)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), FALSE);
  g_return_val_if_fail (onb_hex_is_valid (profile_id, 8), FALSE);
  g_return_val_if_fail (answer != NULL, FALSE);

  upper = g_ascii_strup (profile_id, -1);
  return onb_device_store_put_model_template (self->store, upper, answer, fetched_at, error);
}
