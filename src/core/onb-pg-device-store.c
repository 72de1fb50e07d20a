/* onb-pg-device-store.c: the device list in a PostgreSQL database several stations share */

#define G_LOG_DOMAIN "onb-registry"

#include "config.h"

#include <stdlib.h>
#include <libpq-fe.h>
#include <glib/gi18n.h>

#include "onb-pg-device-store.h"
#include "onb-pg.h"
#include "onb-registry-private.h"

struct _OnbPgDeviceStore
{
  GObject parent_instance;
  char *uri;
  GMutex lock; /* libpq connections serve one thread at a time */
  PGconn *conn; /* look-ups; an import works on a connection of its own */
  OnbPgRedial *redial; /* the look-ups' connection, made again when lost */
};

static void device_store_iface_init (OnbDeviceStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OnbPgDeviceStore, onb_pg_device_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (ONB_TYPE_DEVICE_STORE, device_store_iface_init))

static const OnbPgErrors list_errors = {
  .domain = onb_registry_error_quark,
  .code = ONB_REGISTRY_ERROR_DATABASE,
  .format = N_("The shared device list cannot be used (%s). Check the database server and the network."),
};

static PGresult *
exec (PGconn             *conn,
      const char         *sql,
      int                 n_params,
      const char *const  *params,
      GError            **error)
{
  return onb_pg_exec (conn, sql, n_params, params, &list_errors, error);
}

static gboolean
exec_command (PGconn      *conn,
              const char  *sql,
              GError     **error)
{
  return onb_pg_command (conn, sql, &list_errors, error);
}

static void
onb_pg_device_store_finalize (GObject *object)
{
  OnbPgDeviceStore *self = (OnbPgDeviceStore *) object;

  g_clear_pointer (&self->conn, PQfinish);
  g_clear_pointer (&self->redial, onb_pg_redial_free);
  g_mutex_clear (&self->lock);
  g_free (self->uri);
  G_OBJECT_CLASS (onb_pg_device_store_parent_class)->finalize (object);
}

static void
onb_pg_device_store_class_init (OnbPgDeviceStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_pg_device_store_finalize;
}

static void
onb_pg_device_store_init (OnbPgDeviceStore *self)
{
  g_mutex_init (&self->lock);
}

OnbDeviceStore *
onb_pg_device_store_open_alone (const char *uri)
{
  OnbPgDeviceStore *self = g_object_new (ONB_TYPE_PG_DEVICE_STORE, NULL);

  self->uri = g_strdup (uri);
  self->redial = onb_pg_redial_new (uri);
  return ONB_DEVICE_STORE (self);
}

OnbDeviceStore *
onb_pg_device_store_open (const char  *uri,
                          GError     **error)
{
  g_autoptr(OnbPgDeviceStore) self = ONB_PG_DEVICE_STORE (onb_pg_device_store_open_alone (uri));

  if (!(self->conn = onb_pg_connect (uri, error)))
    return NULL;
  return ONB_DEVICE_STORE (g_steal_pointer (&self));
}

#define ENTRY_COLUMNS "dev_eui, join_eui, app_key, nwk_key, static_token, device_name, profile_id, metafields"

/* The shared connection is lost when the server restarts or the network
 * drops: a statement tries once more on a new one. Reads, and writes of
 * one statement whose second run writes the same, so trying again cannot
 * do anything twice. */
static PGresult *
exec_shared (OnbPgDeviceStore   *self,
             const char         *sql,
             int                 n_params,
             const char *const  *params,
             GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  PGresult *result;

  g_mutex_lock (&self->lock);
  result = exec (self->conn, sql, n_params, params, &local_error);
  if (result == NULL && PQstatus (self->conn) == CONNECTION_BAD)
    {
      PGconn *conn;

      g_debug ("The connection to the shared device list was lost; connecting again");
      g_clear_error (&local_error);
      /* On a thread of its own: a network that swallows packets holds
       * the look-up for a moment only, and the list's copy answers. */
      if ((conn = onb_pg_redial_take (self->redial, &list_errors, &local_error)) != NULL)
        {
          PQfinish (self->conn);
          self->conn = conn;
          result = exec (self->conn, sql, n_params, params, &local_error);
        }
    }
  g_mutex_unlock (&self->lock);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return result;
}

static const char *const lookup_sql[] = {
  [ONB_DEVICE_KEY_DEV_EUI] = "SELECT " ENTRY_COLUMNS " FROM onb_devices WHERE dev_eui = $1",
  [ONB_DEVICE_KEY_STATIC_TOKEN] = "SELECT " ENTRY_COLUMNS " FROM onb_devices WHERE static_token = $1",
};

/* The first row of a look-up (freeing @result), or NULL when it has none. */
static OnbRegistryEntry *
entry_from_result (PGresult *result)
{
  g_autoptr(GHashTable) metafields = NULL;
  OnbRegistryEntry *entry;

  if (result == NULL || PQntuples (result) == 0)
    {
      PQclear (result);
      return NULL;
    }
  metafields = onb_registry_metafields_parse (onb_pg_value (result, 0, 7));
  entry = onb_registry_entry_new (onb_pg_value (result, 0, 0), onb_pg_value (result, 0, 1),
                                  onb_pg_value (result, 0, 2), onb_pg_value (result, 0, 3),
                                  onb_pg_value (result, 0, 4), onb_pg_value (result, 0, 5),
                                  onb_pg_value (result, 0, 6), metafields);
  PQclear (result);
  return entry;
}

static OnbRegistryEntry *
lookup (OnbDeviceStore  *store,
        OnbDeviceKey     key,
        const char      *value,
        GError         **error)
{
  const char *params[] = { value };

  return entry_from_result (exec_shared ((OnbPgDeviceStore *) store, lookup_sql[key], 1, params, error));
}

GPtrArray *
onb_pg_device_store_list_devices (OnbPgDeviceStore  *self,
                                  GError           **error)
{
  PGresult *result = exec_shared (self, "SELECT " ENTRY_COLUMNS " FROM onb_devices", 0, NULL, error);
  GPtrArray *rows;

  if (result == NULL)
    return NULL;
  rows = g_ptr_array_new_full (PQntuples (result), (GDestroyNotify) onb_import_row_free);
  for (int r = 0; r < PQntuples (result); r++)
    {
      g_autoptr(GHashTable) metafields = onb_registry_metafields_parse (onb_pg_value (result, r, 7));
      OnbImportRow *row = g_new0 (OnbImportRow, 1);

      row->row = r + 1;
      row->entry = onb_registry_entry_new (onb_pg_value (result, r, 0), onb_pg_value (result, r, 1),
                                           onb_pg_value (result, r, 2), onb_pg_value (result, r, 3),
                                           onb_pg_value (result, r, 4), onb_pg_value (result, r, 5),
                                           onb_pg_value (result, r, 6), metafields);
      row->metafields_text = g_strdup (onb_pg_value (result, r, 7));
      g_ptr_array_add (rows, row);
    }
  PQclear (result);
  return rows;
}

static guint
count_devices (OnbDeviceStore *store)
{
  PGresult *result = exec_shared ((OnbPgDeviceStore *) store, "SELECT count(*) FROM onb_devices", 0, NULL, NULL);
  guint n = result != NULL ? strtoul (PQgetvalue (result, 0, 0), NULL, 10) : 0;

  PQclear (result);
  return n;
}

/* Import */

static OnbRegistryEntry *
import_lookup (gpointer     conn,
               const char  *dev_eui,
               GError     **error)
{
  const char *params[] = { dev_eui };

  return entry_from_result (exec (conn, lookup_sql[ONB_DEVICE_KEY_DEV_EUI], 1, params, error));
}

static char *
import_other_owner (gpointer    conn,
                    gboolean    token,
                    const char *value,
                    const char *dev_eui)
{
  const char *params[] = { value, dev_eui };
  PGresult *result = exec (conn, token ? "SELECT dev_eui FROM onb_devices WHERE static_token = $1 AND dev_eui <> $2"
                                       : "SELECT dev_eui FROM onb_devices WHERE device_name = $1 AND dev_eui <> $2",
                           2, params, NULL);
  char *owner = result != NULL && PQntuples (result) > 0 ? g_strdup (PQgetvalue (result, 0, 0)) : NULL;

  PQclear (result);
  return owner;
}

static const OnbImportStore import_store = {
  .lookup = import_lookup,
  .other_owner = import_other_owner,
};

static gboolean
store_rows (PGconn      *conn,
            const char  *file_name,
            guint        n_rows,
            GPtrArray   *rows,
            gint64      *batch_id,
            GError     **error)
{
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);
  g_autofree char *n_rows_text = g_strdup_printf ("%u", n_rows);
  const char *batch_params[] = { file_name, now, n_rows_text };
  g_autofree char *batch_text = NULL;
  PGresult *result;

  if (rows->len == 0)
    return TRUE;

  result = exec (conn, "INSERT INTO onb_batches (file_name, imported_at, n_rows) VALUES ($1, $2, $3) RETURNING id",
                 3, batch_params, error);
  if (result == NULL)
    return FALSE;
  batch_text = g_strdup (PQgetvalue (result, 0, 0));
  *batch_id = g_ascii_strtoll (batch_text, NULL, 10);
  PQclear (result);

  for (guint i = 0; i < rows->len; i++)
    {
      OnbImportRow *row = rows->pdata[i];
      OnbRegistryEntry *e = row->entry;
      const char *params[] = {
        onb_registry_entry_get_dev_eui (e), onb_registry_entry_get_join_eui (e),
        /* Empty for a box to claim: the column is NOT NULL. */
        onb_registry_entry_get_app_key (e) ? onb_registry_entry_get_app_key (e) : "", onb_registry_entry_get_nwk_key (e),
        onb_registry_entry_get_static_token (e), onb_registry_entry_get_device_name (e),
        onb_registry_entry_get_profile_id (e), row->metafields_text, now, batch_text,
      };

      /* A device imported again moves to the end of this batch, as in
       * the file. */
      result = exec (conn,
                     "INSERT INTO onb_devices (" ENTRY_COLUMNS ", imported_at, batch_id) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                     "ON CONFLICT (dev_eui) DO UPDATE SET join_eui = $2, app_key = $3, nwk_key = $4, "
                     "static_token = $5, device_name = $6, profile_id = $7, metafields = $8, imported_at = $9, "
                     "batch_id = $10, file_order = nextval('onb_device_order')",
                     G_N_ELEMENTS (params), params, error);
      if (result == NULL)
        return FALSE;
      PQclear (result);
    }
  return TRUE;
}

/* Another import at any station holds the import lock until its
 * transaction ends: this one is refused rather than queued, so that the
 * worker who started it knows at once and nothing is half imported. */
static gboolean
take_import_lock (PGconn  *conn,
                  GError **error)
{
  PGresult *result = exec (conn, "SELECT pg_try_advisory_xact_lock (" G_STRINGIFY (ONB_PG_DEVICE_STORE_IMPORT_LOCK) ")", 0, NULL, error);
  gboolean taken = result != NULL && g_str_equal (PQgetvalue (result, 0, 0), "t");

  if (result != NULL && !taken)
    g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_IMPORT_BUSY,
                 _("Another device list is being imported right now (at this or another station); nothing was "
                   "imported. Import this list again when that import has finished."));
  PQclear (result);
  return taken;
}

static gboolean
import_rows (OnbDeviceStore          *store,
             const char              *file_name,
             GPtrArray               *rows,
             OnbRegistryImportFlags   flags,
             OnbImportReport         *report,
             GError                 **error)
{
  OnbPgDeviceStore *self = (OnbPgDeviceStore *) store;
  g_autoptr(GPtrArray) to_store = NULL;
  PGconn *conn;
  gboolean ok = FALSE;

  /* A connection of its own: look-ups meanwhile see the list before or
   * after this transaction. */
  if (!(conn = onb_pg_connect_only (self->uri, &list_errors, error)))
    return FALSE;
  if (!exec_command (conn, "BEGIN", error))
    goto out;
  if (take_import_lock (conn, error) &&
      (to_store = onb_import_check_stored (rows, &import_store, conn, flags, report, error)) &&
      store_rows (conn, file_name, report->n_rows, to_store, &report->batch_id, error) &&
      exec_command (conn, "NOTIFY " ONB_PG_CHANNEL ", '" ONB_PG_LIST_CHANGED "'; COMMIT", error))
    ok = TRUE;
  else
    {
      onb_pg_rollback (conn);
      report->batch_id = 0;
    }
out:
  PQfinish (conn);
  return ok;
}

/* Added at a scan */

/* A statement with parameters whose answer is not needed. */
static gboolean
exec_done (PGconn             *conn,
           const char         *sql,
           int                 n_params,
           const char *const  *params,
           GError            **error)
{
  PGresult *result = exec (conn, sql, n_params, params, error);

  PQclear (result);
  return result != NULL;
}

/* On the shared connection, under the import lock (waiting for it: a
 * scan is not refused for an import elsewhere), so that stations make one
 * batch of @batch_name between them. */
static gboolean
add_to_batch (OnbDeviceStore    *store,
              const char        *batch_name,
              OnbRegistryEntry  *entry,
              GError           **error)
{
  OnbPgDeviceStore *self = (OnbPgDeviceStore *) store;
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);
  const char *batch_params[] = { batch_name, now };
  const char *device_params[] = {
    onb_registry_entry_get_dev_eui (entry), onb_registry_entry_get_join_eui (entry),
    onb_registry_entry_get_profile_id (entry), now, batch_name,
  };
  gboolean ok;

  g_mutex_lock (&self->lock);
  /* Empty AppKey, as an import stores a row without one. */
  ok = exec_command (self->conn, "BEGIN", error) &&
       exec_command (self->conn, "SELECT pg_advisory_xact_lock (" G_STRINGIFY (ONB_PG_DEVICE_STORE_IMPORT_LOCK) ")",
                     error) &&
       exec_done (self->conn,
                  "INSERT INTO onb_batches (file_name, imported_at, n_rows) SELECT $1, $2::bigint, 0 "
                  "WHERE NOT EXISTS (SELECT 1 FROM onb_batches WHERE file_name = $1)",
                  G_N_ELEMENTS (batch_params), batch_params, error) &&
       exec_done (self->conn,
                  "WITH b AS (SELECT min (id) AS id FROM onb_batches WHERE file_name = $5), "
                  "d AS (INSERT INTO onb_devices (" ENTRY_COLUMNS ", imported_at, batch_id) "
                  "SELECT $1, $2, '', NULL, NULL, NULL, $3, '', $4::bigint, b.id FROM b "
                  "ON CONFLICT (dev_eui) DO NOTHING RETURNING batch_id) "
                  "UPDATE onb_batches SET n_rows = n_rows + 1 WHERE id IN (SELECT batch_id FROM d)",
                  G_N_ELEMENTS (device_params), device_params, error) &&
       exec_command (self->conn, "COMMIT", error);
  if (!ok && PQstatus (self->conn) != CONNECTION_BAD)
    onb_pg_rollback (self->conn);
  g_mutex_unlock (&self->lock);
  return ok;
}

/* Batches */

static gint64
newest_batch (OnbDeviceStore  *store,
              GError         **error)
{
  const char *params[] = { ONB_REGISTRY_CLAIMED_BATCH };
  PGresult *result = exec_shared ((OnbPgDeviceStore *) store,
                                  "SELECT coalesce (max (id), 0) FROM onb_batches WHERE file_name IS DISTINCT FROM $1",
                                  1, params, error);
  gint64 id = result != NULL ? g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10) : -1;

  PQclear (result);
  return id;
}

static gboolean
scan_batches (OnbDeviceStore   *store,
              gint64            batch_id,
              OnbBatchRowFunc   func,
              gpointer          user_data,
              GError          **error)
{
  OnbPgDeviceStore *self = (OnbPgDeviceStore *) store;
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, batch_id);
  const char *params[] = { id_text };
  PGresult *result = batch_id != 0
    ? exec_shared (self,
                   "SELECT b.id, b.file_name, b.imported_at, b.n_rows, d.dev_eui, d.device_name, d.metafields "
                   "FROM onb_batches b LEFT JOIN onb_devices d ON d.batch_id = b.id WHERE b.id = $1 "
                   "ORDER BY d.file_order",
                   1, params, error)
    : exec_shared (self,
                   "SELECT b.id, b.file_name, b.imported_at, b.n_rows, d.dev_eui, NULL, NULL "
                   "FROM onb_batches b LEFT JOIN onb_devices d ON d.batch_id = b.id ORDER BY b.id DESC",
                   0, NULL, error);

  if (result == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (result); i++)
    {
      OnbBatchRow row = {
        .batch_id = g_ascii_strtoll (PQgetvalue (result, i, 0), NULL, 10),
        .file_name = onb_pg_value (result, i, 1),
        .imported_at = g_ascii_strtoll (PQgetvalue (result, i, 2), NULL, 10),
        .n_rows = strtoul (PQgetvalue (result, i, 3), NULL, 10),
        .dev_eui = onb_pg_value (result, i, 4),
        .device_name = onb_pg_value (result, i, 5),
        .metafields = onb_pg_value (result, i, 6),
      };

      func (&row, user_data);
    }
  PQclear (result);
  return TRUE;
}

/* Model templates */

static char *
get_model_template (OnbDeviceStore  *store,
                    const char      *profile_id,
                    gint64          *fetched_at,
                    GError         **error)
{
  const char *params[] = { profile_id };
  PGresult *result = exec_shared ((OnbPgDeviceStore *) store,
                                  "SELECT answer, fetched_at FROM onb_model_templates WHERE profile_id = $1",
                                  1, params, error);
  char *answer = NULL;

  if (result != NULL && PQntuples (result) > 0)
    {
      answer = g_strdup (PQgetvalue (result, 0, 0));
      if (fetched_at != NULL)
        *fetched_at = g_ascii_strtoll (PQgetvalue (result, 0, 1), NULL, 10);
    }
  PQclear (result);
  return answer;
}

/* One statement: trying it again after a lost connection writes the
 * same row. */
static gboolean
put_model_template (OnbDeviceStore  *store,
                    const char      *profile_id,
                    const char      *answer,
                    gint64           fetched_at,
                    GError         **error)
{
  g_autofree char *fetched_text = g_strdup_printf ("%" G_GINT64_FORMAT, fetched_at);
  const char *params[] = { profile_id, answer, fetched_text };
  PGresult *result = exec_shared ((OnbPgDeviceStore *) store,
                                  "INSERT INTO onb_model_templates (profile_id, answer, fetched_at) VALUES ($1, $2, $3) "
                                  "ON CONFLICT (profile_id) DO UPDATE SET answer = $2, fetched_at = $3",
                                  3, params, error);

  PQclear (result);
  return result != NULL;
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
