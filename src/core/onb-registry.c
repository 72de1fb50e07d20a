/* onb-registry.c: the manufacturer's device list, in SQLite (docs/design.md, The device list)
 *
 * An import validates the whole file first and only then writes, in one
 * transaction: a half-imported list would make some boxes "unknown" for
 * no visible reason.
 */

#define G_LOG_DOMAIN "onb-registry"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "onb-batch.h"
#include "onb-core-enums.h"
#include "onb-csv.h"
#include "onb-error.h"
#include "onb-registry.h"
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

/* Metafields are stored as a printed GVariant a{ss}, sorted, so two
 * imports of the same row compare equal as text. */
static char *
metafields_serialize (GHashTable *metafields)
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

static OnbRegistryEntry *
entry_new (const char *dev_eui,
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

  return entry_new (column_text (stmt, 0), column_text (stmt, 1), column_text (stmt, 2), column_text (stmt, 3),
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

void
onb_import_report_free (OnbImportReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->problems);
  g_free (report);
}

static void
import_problem_free (OnbImportProblem *problem)
{
  g_free (problem->column);
  g_free (problem->reason);
  g_free (problem->message);
  g_free (problem);
}

static OnbImportReport *
import_report_new (void)
{
  OnbImportReport *report = g_new0 (OnbImportReport, 1);

  report->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) import_problem_free);
  return report;
}

OnbImportReport *
onb_import_report_copy (const OnbImportReport *report)
{
  OnbImportReport *copy = import_report_new ();

  copy->n_rows = report->n_rows;
  copy->n_added = report->n_added;
  copy->n_unchanged = report->n_unchanged;
  copy->n_replaced = report->n_replaced;
  copy->batch_id = report->batch_id;
  for (guint i = 0; i < report->problems->len; i++)
    {
      const OnbImportProblem *problem = report->problems->pdata[i];
      OnbImportProblem *dup = g_new0 (OnbImportProblem, 1);

      dup->row = problem->row;
      dup->column = g_strdup (problem->column);
      dup->reason = g_strdup (problem->reason);
      dup->message = g_strdup (problem->message);
      g_ptr_array_add (copy->problems, dup);
    }
  return copy;
}

G_DEFINE_BOXED_TYPE (OnbImportReport, onb_import_report, onb_import_report_copy, onb_import_report_free)

G_GNUC_PRINTF (5, 6)
static void
add_problem (OnbImportReport *report,
             guint            row,
             const char      *column,
             const char      *reason,
             const char      *format,
             ...)
{
  OnbImportProblem *problem = g_new0 (OnbImportProblem, 1);
  va_list args;

  va_start (args, format);
  problem->row = row;
  problem->column = g_strdup (column);
  problem->reason = g_strdup (reason);
  problem->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (report->problems, problem);
}

typedef enum
{
  COLUMN_DEV_EUI,
  COLUMN_JOIN_EUI,
  COLUMN_APP_KEY,
  COLUMN_NWK_KEY,
  COLUMN_STATIC_TOKEN,
  COLUMN_DEVICE_NAME,
  COLUMN_PROFILE_ID,
  N_KNOWN_COLUMNS,
  COLUMN_METAFIELD = N_KNOWN_COLUMNS,
} Column;

/* Header names, compared in lower case without spaces, '_' or '-'. */
static const struct
{
  Column column;
  const char *name;
} aliases[] = {
  { COLUMN_DEV_EUI, "deviceeui" },
  { COLUMN_DEV_EUI, "deveui" },
  { COLUMN_JOIN_EUI, "joineui" },
  { COLUMN_JOIN_EUI, "appeui" },
  { COLUMN_APP_KEY, "applicationkey" },
  { COLUMN_APP_KEY, "appkey" },
  { COLUMN_NWK_KEY, "networkkey" },
  { COLUMN_NWK_KEY, "nwkkey" },
  { COLUMN_STATIC_TOKEN, "statictoken" },
  { COLUMN_DEVICE_NAME, "devicename" },
  { COLUMN_PROFILE_ID, "profileid" },
};

static Column
column_for_header (const char *header)
{
  g_autoptr(GString) folded = g_string_new (NULL);

  for (const char *c = header; *c; c++)
    if (*c != ' ' && *c != '_' && *c != '-' && *c != '\t')
      g_string_append_c (folded, g_ascii_tolower (*c));

  for (guint i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (g_str_equal (folded->str, aliases[i].name))
      return aliases[i].column;
  return COLUMN_METAFIELD;
}

static const char *
column_title (Column column)
{
  static const char *titles[] = { "Device EUI", "Join EUI", "Application Key", "Network Key",
                                  "Static Token",
                                  "Device Name", "Profile ID" };
  return titles[column];
}

/* Names and metafield values go to Blynk as they are: found at import, a
 * value Blynk would refuse (a name over 255 characters) or that breaks
 * its one-line text (a line break from a spreadsheet cell) is named by its
 * row, not discovered box by box at provisioning. The value itself may be
 * huge or unprintable and is not repeated. */
static gboolean
check_text (OnbImportReport *report,
            guint            row,
            const char      *header,
            const char      *value,
            const char      *too_long_reason)
{
  glong n_chars = 0;

  for (const char *c = value; *c != '\0'; c = g_utf8_next_char (c), n_chars++)
    if (g_unichar_iscntrl (g_utf8_get_char (c)))
      {
        add_problem (report, row, header, "control-character",
                     _("Row %u: the “%s” value holds a line break or another control character. "
                       "Put it on one line."), row, header);
        return FALSE;
      }
  if (n_chars > ONB_REGISTRY_MAX_TEXT_CHARS)
    {
      add_problem (report, row, header, too_long_reason,
                   _("Row %u: the “%s” value has %ld characters; at most %u are allowed."),
                   row, header, n_chars, ONB_REGISTRY_MAX_TEXT_CHARS);
      return FALSE;
    }
  return TRUE;
}

/* Checks one cell; returns the normalised value, or NULL after adding a
 * problem. Empty optional cells come back as "". */
static char *
check_cell (OnbImportReport *report,
            guint            row,
            Column           column,
            const char      *header,
            const char      *raw)
{
  g_autofree char *value = g_strstrip (g_strdup (raw));
  g_autoptr(GError) error = NULL;

  switch (column)
    {
    case COLUMN_DEV_EUI:
      if (!onb_hex_is_valid (value, 16) || strspn (value, "0") == 16)
        {
          add_problem (report, row, header, "bad-dev-eui",
                       _("Row %u: the Device EUI “%s” is not 16 hexadecimal digits (and must not be all zero)."),
                       row, value);
          return NULL;
        }
      return g_ascii_strup (value, -1);

    case COLUMN_JOIN_EUI:
      if (!onb_hex_is_valid (value, 16))
        {
          add_problem (report, row, header, "bad-join-eui",
                       _("Row %u: the Join EUI “%s” is not 16 hexadecimal digits."), row, value);
          return NULL;
        }
      return g_ascii_strup (value, -1);

    case COLUMN_APP_KEY:
      /* The value is a secret: never repeat it. */
      if (!onb_hex_is_valid (value, 32))
        {
          add_problem (report, row, header, "bad-app-key",
                       _("Row %u: the Application Key is not 32 hexadecimal digits."), row);
          return NULL;
        }
      return g_ascii_strup (value, -1);

    case COLUMN_NWK_KEY:
      /* Optional (LoRaWAN 1.1 only), and as secret as the AppKey. */
      if (*value != '\0' && !onb_hex_is_valid (value, 32))
        {
          add_problem (report, row, header, "bad-nwk-key",
                       _("Row %u: the Network Key is not 32 hexadecimal digits."), row);
          return NULL;
        }
      return g_ascii_strup (value, -1);

    case COLUMN_STATIC_TOKEN:
      if (*value != '\0')
        {
          g_autoptr(OnbCode) code = onb_code_parse (value, -1, NULL);

          if (code == NULL || onb_code_get_kind (code) != ONB_CODE_KIND_BLYNK_STATIC_TOKEN)
            {
              add_problem (report, row, header, "malformed-token",
                           _("Row %u: the Static Token is not a Blynk static token (sqr_ and 32 characters)."),
                           row);
              return NULL;
            }
          return g_strdup (onb_code_get_static_token (code));
        }
      return g_steal_pointer (&value);

    case COLUMN_PROFILE_ID:
      if (*value != '\0')
        {
          char *id = onb_profile_id_normalize (value, &error);

          if (id == NULL)
            add_problem (report, row, header, "bad-profile-id",
                         _("Row %u: the Profile ID “%s” is not 8 hexadecimal digits (such as 000AF8BE)."),
                         row, value);
          return id;
        }
      return g_steal_pointer (&value);

    case COLUMN_DEVICE_NAME:
      return check_text (report, row, header, value, "name-too-long") ? g_steal_pointer (&value) : NULL;

    case COLUMN_METAFIELD:
    default:
      return check_text (report, row, header, value, "value-too-long") ? g_steal_pointer (&value) : NULL;
    }
}

typedef struct
{
  guint row;
  OnbRegistryEntry *entry;
  char *metafields_text;
} ImportRow;

static void
import_row_free (ImportRow *row)
{
  g_clear_pointer (&row->entry, onb_registry_entry_unref);
  g_free (row->metafields_text);
  g_free (row);
}

static gboolean
same_entry (OnbRegistryEntry *a,
            const char       *a_metafields,
            OnbRegistryEntry *b)
{
  g_autofree char *b_metafields = metafields_serialize (b->metafields);

  return g_str_equal (a->join_eui, b->join_eui) && g_str_equal (a->app_key, b->app_key) &&
         g_strcmp0 (a->nwk_key, b->nwk_key) == 0 &&
         g_strcmp0 (a->static_token, b->static_token) == 0 &&
         g_strcmp0 (a->device_name, b->device_name) == 0 &&
         g_strcmp0 (a->profile_id, b->profile_id) == 0 &&
         g_str_equal (a_metafields, b_metafields);
}

/* The DevEUI holding @value in @column, other than @dev_eui, or NULL. */
static char *
other_owner (sqlite3     *db,
             const char  *column,
             const char  *value,
             const char  *dev_eui)
{
  g_autofree char *sql = g_strdup_printf ("SELECT dev_eui FROM devices WHERE %s = ? AND dev_eui != ?", column);
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

/* g_autofree on an array would free only its first element. */
static void
values_clear (char **values)
{
  for (guint i = 0; i < N_KNOWN_COLUMNS; i++)
    g_clear_pointer (&values[i], g_free);
}

/* Parses and checks every row; collects problems into @report. */
static GPtrArray *
validate_rows (sqlite3         *db,
               GPtrArray       *csv,
               OnbImportReport *report)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) import_row_free);
  g_autoptr(GHashTable) seen_eui = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen_token = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const OnbCsvRow *header = csv->pdata[0];
  g_autofree Column *columns = g_new0 (Column, header->n_fields);
  int known[N_KNOWN_COLUMNS];

  for (guint i = 0; i < N_KNOWN_COLUMNS; i++)
    known[i] = -1;

  for (guint i = 0; i < header->n_fields; i++)
    {
      const char *name = g_strstrip (header->fields[i]);

      columns[i] = column_for_header (name);
      if (*name == '\0')
        add_problem (report, 1, NULL, "empty-header",
                     _("Row 1: column %u has no name. Every column needs a header."), i + 1);
      else if (columns[i] != COLUMN_METAFIELD && known[columns[i]] >= 0)
        add_problem (report, 1, name, "duplicate-column",
                     _("Row 1: there are two “%s” columns."), column_title (columns[i]));
      else if (columns[i] != COLUMN_METAFIELD)
        known[columns[i]] = i;
      for (guint j = 0; columns[i] == COLUMN_METAFIELD && j < i; j++)
        if (columns[j] == COLUMN_METAFIELD && g_str_equal (header->fields[j], name))
          add_problem (report, 1, name, "duplicate-column", _("Row 1: there are two “%s” columns."), name);
    }
  for (Column c = COLUMN_DEV_EUI; c <= COLUMN_APP_KEY; c++)
    if (known[c] < 0)
      add_problem (report, 1, column_title (c), "missing-column",
                   _("Row 1: the column “%s” is missing. The first line must name the columns, "
                     "such as: Device EUI,Join EUI,Application Key."), column_title (c));
  if (report->problems->len > 0)
    return NULL;

  report->n_rows = csv->len - 1;
  for (guint r = 1; r < csv->len; r++)
    {
      const OnbCsvRow *line = csv->pdata[r];
      char *values[N_KNOWN_COLUMNS] = { NULL };
      g_autoptr(GHashTable) metafields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      guint problems_before = report->problems->len;
      ImportRow *row;

      if (line->n_fields != header->n_fields)
        {
          add_problem (report, line->row, NULL, "wrong-field-count",
                       _("Row %u has %u values but the header names %u columns."),
                       line->row, line->n_fields, header->n_fields);
          continue;
        }

      for (guint i = 0; i < line->n_fields; i++)
        {
          char *value = check_cell (report, line->row, columns[i], header->fields[i], line->fields[i]);

          if (value == NULL)
            continue;
          if (columns[i] == COLUMN_METAFIELD)
            {
              if (*value != '\0')
                g_hash_table_insert (metafields, g_strdup (header->fields[i]), value);
              else
                g_free (value);
            }
          else
            values[columns[i]] = value;
        }
      if (report->problems->len > problems_before)
        {
          values_clear (values);
          continue;
        }

      row = g_new0 (ImportRow, 1);
      row->row = line->row;
      row->entry = entry_new (values[COLUMN_DEV_EUI], values[COLUMN_JOIN_EUI], values[COLUMN_APP_KEY],
                              values[COLUMN_NWK_KEY], values[COLUMN_STATIC_TOKEN], values[COLUMN_DEVICE_NAME],
                              values[COLUMN_PROFILE_ID], metafields);
      row->metafields_text = metafields_serialize (metafields);
      values_clear (values);

      if (g_hash_table_contains (seen_eui, row->entry->dev_eui))
        add_problem (report, row->row, "Device EUI", "duplicate-dev-eui",
                     _("Row %u: the Device EUI %s is also on row %u."), row->row, row->entry->dev_eui,
                     GPOINTER_TO_UINT (g_hash_table_lookup (seen_eui, row->entry->dev_eui)));
      else
        g_hash_table_insert (seen_eui, g_strdup (row->entry->dev_eui), GUINT_TO_POINTER (row->row));

      if (row->entry->static_token != NULL && g_hash_table_contains (seen_token, row->entry->static_token))
        add_problem (report, row->row, "Static Token", "duplicate-token",
                     _("Row %u: the same Static Token is also on row %u."), row->row,
                     GPOINTER_TO_UINT (g_hash_table_lookup (seen_token, row->entry->static_token)));
      else if (row->entry->static_token != NULL)
        g_hash_table_insert (seen_token, g_strdup (row->entry->static_token), GUINT_TO_POINTER (row->row));

      /* The Blynk device is found again by its name: names must be unique
       * (a name made from the DevEUI is when the DevEUI is). */
      if (row->entry->device_name != NULL && g_hash_table_contains (seen_name, row->entry->blynk_name))
        add_problem (report, row->row, "Device Name", "duplicate-name",
                     _("Row %u: the Device Name “%s” is also on row %u. Each device needs its own name."),
                     row->row, row->entry->blynk_name,
                     GPOINTER_TO_UINT (g_hash_table_lookup (seen_name, row->entry->blynk_name)));
      else
        g_hash_table_insert (seen_name, g_strdup (row->entry->blynk_name), GUINT_TO_POINTER (row->row));

      g_ptr_array_add (rows, row);
    }

  /* Tokens and names already stored for another device. */
  for (guint i = 0; i < rows->len && report->problems->len == 0; i++)
    {
      ImportRow *row = rows->pdata[i];
      g_autofree char *token_owner = NULL;
      g_autofree char *name_owner = NULL;

      if (row->entry->static_token != NULL &&
          (token_owner = other_owner (db, "static_token", row->entry->static_token, row->entry->dev_eui)) &&
          !g_hash_table_contains (seen_eui, token_owner))
        add_problem (report, row->row, "Static Token", "duplicate-token",
                     _("Row %u: this Static Token already belongs to device %s in the stored list."),
                     row->row, token_owner);
      if (row->entry->device_name != NULL &&
          (name_owner = other_owner (db, "device_name", row->entry->device_name, row->entry->dev_eui)) &&
          !g_hash_table_contains (seen_eui, name_owner))
        add_problem (report, row->row, "Device Name", "duplicate-name",
                     _("Row %u: the Device Name “%s” already belongs to device %s in the stored list."),
                     row->row, row->entry->device_name, name_owner);
    }

  if (report->problems->len > 0)
    return NULL;
  return g_steal_pointer (&rows);
}

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
      ImportRow *row = rows->pdata[i];
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
  g_autoptr(OnbImportReport) report = import_report_new ();
  g_autoptr(GPtrArray) csv = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) to_store = g_ptr_array_new ();
  g_autoptr(GError) local_error = NULL;
  sqlite3 *db = NULL;
  gboolean ok = FALSE;
  guint n_conflicts = 0;

  g_return_val_if_fail (ONB_IS_REGISTRY (self), FALSE);

  /* Parsed before the write lock is taken: a large file does not hold up
   * other imports, and a broken one opens nothing. */
  csv = onb_csv_parse (data, length, &local_error);
  if (csv == NULL)
    {
      add_problem (report, onb_csv_error_get_row (local_error), NULL, onb_error_get_reason (local_error), "%s", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      goto out;
    }

  /* A connection of its own: look-ups (the scan on the main thread) on
   * self->db then see the list before or after this transaction, never
   * rows that may still be rolled back. */
  if (!(db = open_database (self->path, error)))
    goto out;

  /* Validation reads the stored rows: hold the write lock from the start
   * so another import cannot slip in between. */
  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (error, db);
      goto out;
    }

  rows = validate_rows (db, csv, report);
  if (rows == NULL)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_INVALID_FILE,
                   g_dngettext (GETTEXT_PACKAGE, "The file has %u problem; nothing was imported.",
                                "The file has %u problems; nothing was imported.", report->problems->len),
                   report->problems->len);
      goto rollback;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      ImportRow *row = rows->pdata[i];
      g_autoptr(OnbRegistryEntry) stored = lookup_by (db, "dev_eui", row->entry->dev_eui, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto rollback;
        }
      if (stored == NULL)
        {
          report->n_added++;
          g_ptr_array_add (to_store, row);
        }
      else if (same_entry (row->entry, row->metafields_text, stored))
        {
          /* Written again all the same: it now belongs to this batch. */
          report->n_unchanged++;
          g_ptr_array_add (to_store, row);
        }
      else if (flags & ONB_REGISTRY_IMPORT_REPLACE)
        {
          report->n_replaced++;
          g_ptr_array_add (to_store, row);
        }
      else
        {
          n_conflicts++;
          add_problem (report, row->row, NULL, "conflict",
                       _("Row %u: device %s is already in the list with other values. "
                         "Import with “replace” to overwrite it."), row->row, row->entry->dev_eui);
        }
    }

  if (n_conflicts > 0)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_CONFLICT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%u device is already in the list with other values; nothing was imported.",
                                "%u devices are already in the list with other values; nothing was imported.",
                                n_conflicts),
                   n_conflicts);
      report->n_added = report->n_unchanged = report->n_replaced = 0;
      goto rollback;
    }

  if (!store_rows (db, name, report->n_rows, to_store, &report->batch_id, error))
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

/* Reads a device list without trusting the path: a FIFO must not block
 * (O_NONBLOCK), a device such as /dev/zero must not be read without end,
 * and a list is never larger than ONB_REGISTRY_MAX_FILE_SIZE. */
static char *
read_list_file (const char  *path,
                gsize       *length,
                GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *data = NULL;
  struct stat st;
  gsize filled = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_FILE_UNREADABLE,
                   _("The device list “%s” cannot be opened: %s."), display, g_strerror (saved_errno));
      return NULL;
    }

  if (S_ISDIR (st.st_mode))
    g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NOT_A_FILE,
                 _("“%s” is a folder, not a device list. Choose the CSV file inside it."), display);
  else if (!S_ISREG (st.st_mode))
    g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NOT_A_FILE,
                 _("“%s” is not a file but a device, pipe or socket. Save the device list as a CSV file "
                   "and import that file."), display);
  else if (st.st_size > ONB_REGISTRY_MAX_FILE_SIZE)
    g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_FILE_TOO_LARGE,
                 _("The device list “%s” is larger than %u MB. Split it into smaller files and import "
                   "them one by one."), display, ONB_REGISTRY_MAX_FILE_SIZE / (1024 * 1024));
  if (!S_ISREG (st.st_mode) || st.st_size > ONB_REGISTRY_MAX_FILE_SIZE)
    {
      close (fd);
      return NULL;
    }

  /* One byte more than allowed tells a file that grew past the limit. */
  data = g_malloc ((gsize) st.st_size + 2);
  while (filled <= (gsize) st.st_size)
    {
      gssize n = read (fd, data + filled, (gsize) st.st_size + 1 - filled);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_FILE_UNREADABLE,
                       _("The device list “%s” cannot be read: %s."), display, g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;
      filled += n;
    }
  close (fd);
  if (filled > (gsize) st.st_size)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_FILE_UNREADABLE,
                   _("The device list “%s” changed while it was read. Import it again when it is "
                     "complete."), display);
      return NULL;
    }
  data[filled] = '\0';
  *length = filled;
  return g_steal_pointer (&data);
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

  if (!(data = read_list_file (path, &length, error)))
    {
      if (report != NULL)
        *report = import_report_new ();
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
