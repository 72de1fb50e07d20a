/* onb-registry.c: the manufacturer's device list, in SQLite (docs/design.md, The device list)
 *
 * What an import reads and checks is in onb-registry-import.c; here are
 * the entries, the SQL, and the one transaction an import writes in.
 */

#define G_LOG_DOMAIN "onb-registry"

#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>

#include "onb-batch.h"
#include "onb-core-enums.h"
#include "onb-csv.h"
#include "onb-error.h"
#include "onb-registry-private.h"
#include "onb-sqlite.h"

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
  char *path;
  sqlite3 *db; /* look-ups; an import writes through a connection of its own */
};

G_DEFINE_FINAL_TYPE (OnbRegistry, onb_registry, G_TYPE_OBJECT)

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS devices ("
  "  dev_eui TEXT PRIMARY KEY,"
  "  join_eui TEXT NOT NULL,"
  "  app_key TEXT NOT NULL,"
  "  nwk_key TEXT,"
  "  static_token TEXT UNIQUE,"
  "  device_name TEXT,"
  "  profile_id TEXT,"
  "  metafields TEXT NOT NULL DEFAULT '',"
  "  imported_at INTEGER NOT NULL,"
  "  batch_id INTEGER"
  ");"
  "CREATE INDEX IF NOT EXISTS devices_by_name ON devices (device_name);"
  "CREATE TABLE IF NOT EXISTS batches ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  file_name TEXT,"
  "  imported_at INTEGER NOT NULL,"
  "  n_rows INTEGER NOT NULL"
  ");";

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

static GHashTable *
metafields_parse (const char *text)
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
  self->app_key = g_strdup (app_key);
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

  g_clear_pointer (&self->db, sqlite3_close);
  g_free (self->path);
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

static void
describe_error (GError         **error,
                OnbSqliteStage   stage,
                const char      *path,
                const char      *detail)
{
  switch (stage)
    {
    case ONB_SQLITE_STAGE_FOLDER:
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_DATABASE,
                   _("The folder “%s” for the device list cannot be made: %s."), path, detail);
      break;
    case ONB_SQLITE_STAGE_FILE:
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_DATABASE,
                   _("The device list database “%s” cannot be made private to this station: %s."), path, detail);
      break;
    case ONB_SQLITE_STAGE_DATABASE:
    default:
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_DATABASE,
                   _("The device list database cannot be used (%s). Check the disk of the station."), detail);
      break;
    }
}

static const OnbSqliteErrors registry_errors = {
  .domain = onb_registry_error_quark,
  .failed_code = ONB_REGISTRY_ERROR_DATABASE,
  .disk_full_code = ONB_REGISTRY_ERROR_DISK_FULL,
  .read_only_code = ONB_REGISTRY_ERROR_DATA_READ_ONLY,
  .describe = describe_error,
};
static void
set_db_error (GError  **error,
              sqlite3  *db)
{
  onb_sqlite_set_error (&registry_errors, db, error);
}

char *
onb_registry_default_path (const char *data_dir)
{
  return g_build_filename (data_dir, "registry.sqlite", NULL);
}

/* Version 1: databases made before user_version was kept lack the nwk_key
 * (LoRaWAN 1.1) and batch_id columns, and rows imported before batches
 * existed become one batch, so that every device belongs to one. */
static int
migrate_batches (sqlite3 *db)
{
  int rc;

  if ((rc = onb_sqlite_add_column (db, "devices", "nwk_key", "TEXT")) != SQLITE_OK ||
      (rc = onb_sqlite_add_column (db, "devices", "batch_id", "INTEGER")) != SQLITE_OK)
    return rc;
  return sqlite3_exec (db,
                       "INSERT INTO batches (file_name, imported_at, n_rows)"
                       "  SELECT NULL, min(imported_at), count(*) FROM devices WHERE batch_id IS NULL"
                       "  HAVING count(*) > 0;"
                       "UPDATE devices SET batch_id = last_insert_rowid() WHERE batch_id IS NULL;"
                       "CREATE INDEX IF NOT EXISTS devices_by_batch ON devices (batch_id, dev_eui);",
                       NULL, NULL, NULL);
}

static const OnbSqliteMigration migrations[] = { migrate_batches };

/* The file holds every AppKey and static token: onb_sqlite_open() makes
 * it private. */
static sqlite3 *
open_database (const char  *path,
               GError     **error)
{
  return onb_sqlite_open (path, schema, migrations, G_N_ELEMENTS (migrations), &registry_errors, error);
}

OnbRegistry *
onb_registry_open (const char  *path,
                   GError     **error)
{
  g_autoptr(OnbRegistry) self = g_object_new (ONB_TYPE_REGISTRY, NULL);

  self->path = g_strdup (path);
  if (!(self->db = open_database (path, error)))
    return NULL;
  return g_steal_pointer (&self);
}

OnbRegistry *
onb_registry_open_read_only (const char  *path,
                             GError     **error)
{
  g_autoptr(OnbRegistry) self = g_object_new (ONB_TYPE_REGISTRY, NULL);

  self->path = g_strdup (path);
  if (onb_sqlite_open_read_only (path, schema, &self->db) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return NULL;
    }
  return g_steal_pointer (&self);
}

guint
onb_registry_get_n_entries (OnbRegistry *self)
{
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), 0);

  if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM devices", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

#define ENTRY_COLUMNS "dev_eui, join_eui, app_key, nwk_key, static_token, device_name, profile_id, metafields"

static OnbRegistryEntry *
entry_from_row (sqlite3_stmt *stmt)
{
  g_autoptr(GHashTable) metafields = metafields_parse (column_text (stmt, 7));

  return onb_registry_entry_new (column_text (stmt, 0), column_text (stmt, 1), column_text (stmt, 2), column_text (stmt, 3),
                    column_text (stmt, 4), column_text (stmt, 5), column_text (stmt, 6), metafields);
}

/* Returns NULL without an error when there is no such row. */
static OnbRegistryEntry *
lookup_by (sqlite3      *db,
           const char   *column,
           const char   *value,
           GError      **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT " ENTRY_COLUMNS " FROM devices WHERE %s = ?", column);
  sqlite3_stmt *stmt = NULL;
  OnbRegistryEntry *entry = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, db);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    entry = entry_from_row (stmt);
  else if (rc != SQLITE_DONE)
    set_db_error (error, db);
  sqlite3_finalize (stmt);
  return entry;
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
  entry = lookup_by (self->db, "dev_eui", upper, &local_error);
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
  entry = lookup_by (self->db, "static_token", key, &local_error);
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

/* Import */

/* Writes @rows as batch @file_name; *batch_id is set to the new batch. */
static gboolean
store_rows (sqlite3     *db,
            const char  *file_name,
            guint        n_rows,
            GPtrArray   *rows,
            gint64      *batch_id,
            GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (rows->len == 0)
    return TRUE;

  if (sqlite3_prepare_v2 (db, "INSERT INTO batches (file_name, imported_at, n_rows) VALUES (?, ?, ?)", -1,
                          &stmt, NULL) != SQLITE_OK)
    goto failed;
  sqlite3_bind_text (stmt, 1, file_name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_int64 (stmt, 3, n_rows);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto failed;
  *batch_id = sqlite3_last_insert_rowid (db);
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (sqlite3_prepare_v2 (db,
                          "INSERT OR REPLACE INTO devices (" ENTRY_COLUMNS ", imported_at, batch_id) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    goto failed;

  for (guint i = 0; i < rows->len; i++)
    {
      OnbImportRow *row = rows->pdata[i];
      OnbRegistryEntry *e = row->entry;

      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, e->dev_eui, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, e->join_eui, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, e->app_key, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, e->nwk_key, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, e->static_token, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 6, e->device_name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 7, e->profile_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 8, row->metafields_text, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 9, now);
      sqlite3_bind_int64 (stmt, 10, *batch_id);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        goto failed;
    }
  sqlite3_finalize (stmt);
  return TRUE;

failed:
  set_db_error (error, db);
  sqlite3_finalize (stmt);
  return FALSE;
}

static OnbRegistryEntry *
import_lookup (gpointer     db,
               const char  *dev_eui,
               GError     **error)
{
  return lookup_by (db, "dev_eui", dev_eui, error);
}

/* The DevEUI holding @value as its token or name, other than @dev_eui. */
static char *
import_other_owner (gpointer    db,
                    gboolean    token,
                    const char *value,
                    const char *dev_eui)
{
  const char *sql = token ? "SELECT dev_eui FROM devices WHERE static_token = ? AND dev_eui != ?"
                          : "SELECT dev_eui FROM devices WHERE device_name = ? AND dev_eui != ?";
  sqlite3_stmt *stmt = NULL;
  char *owner = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, dev_eui, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    owner = g_strdup (column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return owner;
}

static const OnbImportStore import_store = {
  .lookup = import_lookup,
  .other_owner = import_other_owner,
};

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
  g_autoptr(GPtrArray) to_store = NULL;
  sqlite3 *db = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), FALSE);

  /* Parsed and checked before the write lock is taken: a large file does
   * not hold up other imports, and a broken one opens nothing. */
  if (!(rows = onb_import_parse (data, length, report, error)))
    goto out;

  /* A connection of its own: look-ups (the scan on the main thread) on
   * self->db then see the list before or after this transaction, never
   * rows that may still be rolled back. */
  if (!(db = open_database (self->path, error)))
    goto out;

  /* The checks against the stored rows hold the write lock from the
   * start, so another import cannot slip in between. */
  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (error, db);
      goto out;
    }

  if (!(to_store = onb_import_check_stored (rows, &import_store, db, flags, report, error)) ||
      !store_rows (db, name, report->n_rows, to_store, &report->batch_id, error))
    goto rollback;

  if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (error, db);
      goto rollback;
    }
  ok = TRUE;
  goto out;

rollback:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
out:
  g_clear_pointer (&db, sqlite3_close);
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

GPtrArray *
onb_registry_list_batches (OnbRegistry      *self,
                           OnbDeviceStates  *states,
                           GError      **error)
{
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_batch_free);
  sqlite3_stmt *stmt = NULL;
  OnbBatch *batch = NULL;
  int rc;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), NULL);

  /* One pass over the devices; the journal's states are a hash look-up
   * each. */
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT b.id, b.file_name, b.imported_at, b.n_rows, d.dev_eui "
                          "FROM batches b LEFT JOIN devices d ON d.batch_id = b.id ORDER BY b.id DESC",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *dev_eui = column_text (stmt, 4);
      const OnbDeviceState *state;

      if (batch == NULL || batch->id != sqlite3_column_int64 (stmt, 0))
        {
          batch = g_new0 (OnbBatch, 1);
          batch->id = sqlite3_column_int64 (stmt, 0);
          batch->file_name = g_strdup (column_text (stmt, 1));
          batch->imported_at = sqlite3_column_int64 (stmt, 2);
          batch->n_rows = sqlite3_column_int (stmt, 3);
          g_ptr_array_add (batches, batch);
        }
      if (dev_eui == NULL)
        continue;
      batch->n_devices++;
      state = states != NULL ? onb_device_states_lookup (states, dev_eui) : NULL;
      if (state != NULL && state->progress == ONB_DEVICE_PROGRESS_DONE)
        batch->n_done++;
      else if (state != NULL && state->progress == ONB_DEVICE_PROGRESS_FAILED)
        batch->n_failed++;
      else
        batch->n_to_do++;
    }
  if (rc != SQLITE_DONE)
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? g_steal_pointer (&batches) : NULL;
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
  metafields = metafields_parse (text);
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

static gint64
newest_batch (OnbRegistry  *self,
              GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 id = 0;
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT max(id) FROM batches", -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return -1;
    }
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  if (rc == SQLITE_ROW && id == 0)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NO_BATCH,
                   _("No device list has been imported yet. Import the manufacturer's list first."));
      return -1;
    }
  return rc == SQLITE_ROW ? id : -1;
}

OnbBatch *
onb_registry_get_batch (OnbRegistry  *self,
                        gint64        batch_id,
                        GPtrArray   **devices_out,
                        GError      **error)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_batch_device_free);
  g_autoptr(OnbBatch) batch = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), NULL);

  if (batch_id <= 0 && (batch_id = newest_batch (self, error)) < 0)
    return NULL;

  /* One query: the batch row joins in so that an unknown batch is told
   * from an empty one; file order is rowid order. */
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT b.id, b.file_name, b.imported_at, b.n_rows, d.dev_eui, d.device_name, "
                          "d.metafields FROM batches b LEFT JOIN devices d ON d.batch_id = b.id "
                          "WHERE b.id = ? ORDER BY d.rowid",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, batch_id);
  for (rc = sqlite3_step (stmt); rc == SQLITE_ROW; rc = sqlite3_step (stmt))
    {
      const char *dev_eui = column_text (stmt, 4);
      OnbBatchDevice *device;

      if (batch == NULL)
        {
          batch = g_new0 (OnbBatch, 1);
          batch->id = sqlite3_column_int64 (stmt, 0);
          batch->file_name = g_strdup (column_text (stmt, 1));
          batch->imported_at = sqlite3_column_int64 (stmt, 2);
          batch->n_rows = sqlite3_column_int (stmt, 3);
        }
      if (dev_eui == NULL)
        continue;

      device = g_new0 (OnbBatchDevice, 1);
      device->dev_eui = g_strdup (dev_eui);
      device->device_name = make_blynk_name (column_text (stmt, 5), dev_eui);
      device->serial = serial_from_metafields (column_text (stmt, 6));
      g_ptr_array_add (devices, device);
    }
  if (rc != SQLITE_DONE)
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
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
