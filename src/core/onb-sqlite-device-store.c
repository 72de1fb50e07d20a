/* onb-sqlite-device-store.c: the device list in one SQLite file per station (docs/design.md, The device list) */

#define G_LOG_DOMAIN "onb-registry"

#include "config.h"

#include <sqlite3.h>
#include <glib/gi18n.h>

#include "onb-registry-private.h"
#include "onb-sqlite-device-store.h"
#include "onb-sqlite.h"

struct _OnbSqliteDeviceStore
{
  GObject parent_instance;
  char *path;
  sqlite3 *db; /* look-ups; an import writes through a connection of its own */
};

static void device_store_iface_init (OnbDeviceStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OnbSqliteDeviceStore, onb_sqlite_device_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (ONB_TYPE_DEVICE_STORE, device_store_iface_init))

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
  ");"
  "CREATE TABLE IF NOT EXISTS model_templates ("
  "  profile_id TEXT PRIMARY KEY,"
  "  answer TEXT NOT NULL,"
  "  fetched_at INTEGER NOT NULL"
  ");";

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

static void
onb_sqlite_device_store_finalize (GObject *object)
{
  OnbSqliteDeviceStore *self = (OnbSqliteDeviceStore *) object;

  g_clear_pointer (&self->db, sqlite3_close);
  g_free (self->path);
  G_OBJECT_CLASS (onb_sqlite_device_store_parent_class)->finalize (object);
}

static void
onb_sqlite_device_store_class_init (OnbSqliteDeviceStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_sqlite_device_store_finalize;
}

static void
onb_sqlite_device_store_init (OnbSqliteDeviceStore *self)
{
}

OnbDeviceStore *
onb_sqlite_device_store_open (const char  *path,
                              GError     **error)
{
  g_autoptr(OnbSqliteDeviceStore) self = g_object_new (ONB_TYPE_SQLITE_DEVICE_STORE, NULL);

  self->path = g_strdup (path);
  if (!(self->db = open_database (path, error)))
    return NULL;
  return ONB_DEVICE_STORE (g_steal_pointer (&self));
}

OnbDeviceStore *
onb_sqlite_device_store_open_read_only (const char  *path,
                                        GError     **error)
{
  g_autoptr(OnbSqliteDeviceStore) self = g_object_new (ONB_TYPE_SQLITE_DEVICE_STORE, NULL);

  self->path = g_strdup (path);
  if (onb_sqlite_open_read_only (path, schema, &self->db) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return NULL;
    }
  return ONB_DEVICE_STORE (g_steal_pointer (&self));
}

static guint
count_devices (OnbDeviceStore *store)
{
  OnbSqliteDeviceStore *self = (OnbSqliteDeviceStore *) store;
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

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
  g_autoptr(GHashTable) metafields = onb_registry_metafields_parse (column_text (stmt, 7));

  return onb_registry_entry_new (column_text (stmt, 0), column_text (stmt, 1), column_text (stmt, 2),
                                 column_text (stmt, 3), column_text (stmt, 4), column_text (stmt, 5),
                                 column_text (stmt, 6), metafields);
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

static OnbRegistryEntry *
lookup (OnbDeviceStore  *store,
        OnbDeviceKey     key,
        const char      *value,
        GError         **error)
{
  OnbSqliteDeviceStore *self = (OnbSqliteDeviceStore *) store;

  return lookup_by (self->db, key == ONB_DEVICE_KEY_STATIC_TOKEN ? "static_token" : "dev_eui", value, error);
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
      sqlite3_bind_text (stmt, 1, onb_registry_entry_get_dev_eui (e), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, onb_registry_entry_get_join_eui (e), -1, SQLITE_STATIC);
      /* A box without AppKey (to be claimed) stores an empty one: the
       * column has been NOT NULL since the first schema. */
      sqlite3_bind_text (stmt, 3, onb_registry_entry_get_app_key (e) ? onb_registry_entry_get_app_key (e) : "", -1,
                         SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, onb_registry_entry_get_nwk_key (e), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, onb_registry_entry_get_static_token (e), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 6, onb_registry_entry_get_device_name (e), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 7, onb_registry_entry_get_profile_id (e), -1, SQLITE_STATIC);
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

gboolean
onb_sqlite_device_store_replace_devices (OnbSqliteDeviceStore  *self,
                                         GPtrArray             *rows,
                                         GError               **error)
{
  gint64 batch_id = 0;

  if (sqlite3_exec (self->db, "BEGIN IMMEDIATE; DELETE FROM devices; DELETE FROM batches", NULL, NULL, NULL) !=
      SQLITE_OK)
    {
      set_db_error (error, self->db);
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (!store_rows (self->db, NULL, rows->len, rows, &batch_id, error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
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

static gboolean
import_rows (OnbDeviceStore          *store,
             const char              *file_name,
             GPtrArray               *rows,
             OnbRegistryImportFlags   flags,
             OnbImportReport         *report,
             GError                 **error)
{
  OnbSqliteDeviceStore *self = (OnbSqliteDeviceStore *) store;
  g_autoptr(GPtrArray) to_store = NULL;
  sqlite3 *db = NULL;
  gboolean ok = FALSE;

  /* A connection of its own: look-ups (the scan on the main thread) on
   * self->db then see the list before or after this transaction, never
   * rows that may still be rolled back. */
  if (!(db = open_database (self->path, error)))
    return FALSE;

  /* The checks against the stored rows hold the write lock from the
   * start, so another import cannot slip in between. */
  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (error, db);
      goto out;
    }

  if (!(to_store = onb_import_check_stored (rows, &import_store, db, flags, report, error)) ||
      !store_rows (db, file_name, report->n_rows, to_store, &report->batch_id, error))
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
  sqlite3_close (db);
  return ok;
}

/* Added at a scan */

/* Under the write lock from the start, so two engines on the same file
 * make one batch. */
static gboolean
add_to_batch (OnbDeviceStore    *store,
              const char        *batch_name,
              OnbRegistryEntry  *entry,
              GError           **error)
{
  OnbSqliteDeviceStore *self = (OnbSqliteDeviceStore *) store;
  sqlite3 *db = self->db;
  sqlite3_stmt *stmt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 batch_id = 0;

  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (error, db);
      return FALSE;
    }
  if (sqlite3_prepare_v2 (db, "SELECT min(id) FROM batches WHERE file_name = ?", -1, &stmt, NULL) != SQLITE_OK)
    goto failed;
  sqlite3_bind_text (stmt, 1, batch_name, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    goto failed;
  batch_id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (batch_id == 0)
    {
      if (sqlite3_prepare_v2 (db, "INSERT INTO batches (file_name, imported_at, n_rows) VALUES (?, ?, 0)", -1,
                              &stmt, NULL) != SQLITE_OK)
        goto failed;
      sqlite3_bind_text (stmt, 1, batch_name, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, now);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        goto failed;
      batch_id = sqlite3_last_insert_rowid (db);
      g_clear_pointer (&stmt, sqlite3_finalize);
    }
  /* Empty AppKey, as an import stores a row without one. */
  if (sqlite3_prepare_v2 (db,
                          "INSERT OR IGNORE INTO devices (" ENTRY_COLUMNS ", imported_at, batch_id) "
                          "VALUES (?, ?, '', NULL, NULL, NULL, ?, '', ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    goto failed;
  sqlite3_bind_text (stmt, 1, onb_registry_entry_get_dev_eui (entry), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, onb_registry_entry_get_join_eui (entry), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, onb_registry_entry_get_profile_id (entry), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_int64 (stmt, 5, batch_id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto failed;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (sqlite3_changes (db) > 0)
    {
      if (sqlite3_prepare_v2 (db, "UPDATE batches SET n_rows = n_rows + 1 WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK)
        goto failed;
      sqlite3_bind_int64 (stmt, 1, batch_id);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        goto failed;
      g_clear_pointer (&stmt, sqlite3_finalize);
    }
  if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    goto failed;
  return TRUE;

failed:
  set_db_error (error, db);
  sqlite3_finalize (stmt);
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Batches */

static gint64
newest_batch (OnbDeviceStore  *store,
              GError         **error)
{
  OnbSqliteDeviceStore *self = (OnbSqliteDeviceStore *) store;
  sqlite3_stmt *stmt = NULL;
  gint64 id = 0;
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT max(id) FROM batches WHERE file_name IS NOT ?", -1, &stmt, NULL) !=
      SQLITE_OK)
    {
      set_db_error (error, self->db);
      return -1;
    }
  sqlite3_bind_text (stmt, 1, ONB_REGISTRY_CLAIMED_BATCH, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return rc == SQLITE_ROW ? id : -1;
}

/* The batch row joins in so that an unknown batch is told from an empty
 * one; file order is rowid order. */
static gboolean
scan_batches (OnbDeviceStore   *store,
              gint64            batch_id,
              OnbBatchRowFunc   func,
              gpointer          user_data,
              GError          **error)
{
  OnbSqliteDeviceStore *self = (OnbSqliteDeviceStore *) store;
  const char *sql = batch_id != 0
    ? "SELECT b.id, b.file_name, b.imported_at, b.n_rows, d.dev_eui, d.device_name, d.metafields "
      "FROM batches b LEFT JOIN devices d ON d.batch_id = b.id WHERE b.id = ? ORDER BY d.rowid"
    : "SELECT b.id, b.file_name, b.imported_at, b.n_rows, d.dev_eui, NULL, NULL "
      "FROM batches b LEFT JOIN devices d ON d.batch_id = b.id ORDER BY b.id DESC";
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return FALSE;
    }
  if (batch_id != 0)
    sqlite3_bind_int64 (stmt, 1, batch_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OnbBatchRow row = {
        .batch_id = sqlite3_column_int64 (stmt, 0),
        .file_name = column_text (stmt, 1),
        .imported_at = sqlite3_column_int64 (stmt, 2),
        .n_rows = sqlite3_column_int (stmt, 3),
        .dev_eui = column_text (stmt, 4),
        .device_name = column_text (stmt, 5),
        .metafields = column_text (stmt, 6),
      };

      func (&row, user_data);
    }
  if (rc != SQLITE_DONE)
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

/* Model templates */

static char *
get_model_template (OnbDeviceStore  *store,
                    const char      *profile_id,
                    gint64          *fetched_at,
                    GError         **error)
{
  OnbSqliteDeviceStore *self = (OnbSqliteDeviceStore *) store;
  sqlite3_stmt *stmt = NULL;
  char *answer = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT answer, fetched_at FROM model_templates WHERE profile_id = ?", -1,
                          &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, profile_id, -1, SQLITE_TRANSIENT);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      answer = g_strdup (column_text (stmt, 0));
      if (fetched_at != NULL)
        *fetched_at = sqlite3_column_int64 (stmt, 1);
    }
  else if (rc != SQLITE_DONE)
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return answer;
}

static gboolean
put_model_template (OnbDeviceStore  *store,
                    const char      *profile_id,
                    const char      *answer,
                    gint64           fetched_at,
                    GError         **error)
{
  OnbSqliteDeviceStore *self = (OnbSqliteDeviceStore *) store;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR REPLACE INTO model_templates (profile_id, answer, fetched_at) VALUES (?, ?, ?)",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, profile_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, answer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, fetched_at);
  if (!(ok = sqlite3_step (stmt) == SQLITE_DONE))
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return ok;
}

static void
device_store_iface_init (OnbDeviceStoreInterface *iface)
{
  iface->lookup = lookup;
  iface->count_devices = count_devices;
  iface->import = import_rows;
  iface->newest_batch = newest_batch;
  iface->scan_batches = scan_batches;
  iface->get_model_template = get_model_template;
  iface->put_model_template = put_model_template;
  iface->add_to_batch = add_to_batch;
}
