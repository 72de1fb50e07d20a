/* onb-sqlite-job-store.c: the jobs in the station's own journal.sqlite
 *
 * WAL + synchronous=FULL (onb-sqlite.c): when a commit returns, the state
 * change survives a power cut. Several processes may open the same file.
 *
 * Claims: a row names its owner by process id and by the token of the
 * store (one per journal) that claimed it, so two engines of one process
 * (a settings reload) never both run a job. A row is free when its owner
 * released it, when that process is gone, or when that store was closed.
 */

#define G_LOG_DOMAIN "onb-journal"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "onb-provision-enums.h"
#include "onb-sqlite-job-store.h"
#include "onb-sqlite.h"

struct _OnbSqliteJobStore
{
  GObject parent_instance;
  char *token;  /* this store's claims; in live_tokens while open */
  char *path;
  sqlite3 *db;
};

static void job_store_iface_init (OnbJobStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OnbSqliteJobStore, onb_sqlite_job_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (ONB_TYPE_JOB_STORE, job_store_iface_init))

/* The tokens of this process's open stores. */
static GMutex live_lock;
static GHashTable *live_tokens;

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS jobs ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  dev_eui TEXT NOT NULL UNIQUE,"
  "  kind TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  join_eui TEXT NOT NULL,"
  "  device_name TEXT,"
  "  old_dev_eui TEXT,"
  "  delete_old INTEGER NOT NULL DEFAULT 0,"
  "  source TEXT,"
  "  code_kind TEXT,"
  "  reason TEXT,"
  "  message TEXT,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  blynk_device_id INTEGER NOT NULL DEFAULT 0,"
  "  created_us INTEGER NOT NULL,"
  "  updated_us INTEGER NOT NULL,"
  "  started_us INTEGER NOT NULL DEFAULT 0,"
  "  finished_us INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_us INTEGER NOT NULL DEFAULT 0,"
  "  owner INTEGER,"
  "  owner_token TEXT,"
  "  model_name TEXT"
  ");"
  "CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);"
  "CREATE TABLE IF NOT EXISTS steps ("
  "  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  step TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  owned INTEGER NOT NULL DEFAULT 0,"
  "  remote_id TEXT,"
  "  reason TEXT,"
  "  message TEXT,"
  "  PRIMARY KEY (job_id, step)"
  ");"
  /* Each TTS device a job found made by someone else (Blynk's integration)
   * when it meant to make it itself: the site's settings disagree with
   * what its Blynk does (docs/design.md, Who creates the TTS device). */
  "CREATE TABLE IF NOT EXISTS conflicts ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  at_us INTEGER NOT NULL,"
  "  dev_eui TEXT NOT NULL,"
  "  device_id TEXT NOT NULL"
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
      g_set_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_FAILED,
                   _("The folder “%s” for the job journal cannot be made: %s."), path, detail);
      break;
    case ONB_SQLITE_STAGE_FILE:
      g_set_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_FAILED,
                   _("The job journal “%s” cannot be made: %s."), path, detail);
      break;
    case ONB_SQLITE_STAGE_DATABASE:
    default:
      g_set_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_FAILED,
                   _("The job journal cannot be written (%s). Check the disk of the station."), detail);
      break;
    }
}

/* A full disk or a read-only folder get their own codes and one message
 * each, so that the engine can stop and say why. */
static const OnbSqliteErrors journal_errors = {
  .domain = onb_journal_error_quark,
  .failed_code = ONB_JOURNAL_ERROR_FAILED,
  .disk_full_code = ONB_JOURNAL_ERROR_DISK_FULL,
  .read_only_code = ONB_JOURNAL_ERROR_DATA_READ_ONLY,
  .describe = describe_error,
};

static void
set_db_error (GError  **error,
              sqlite3  *db)
{
  onb_sqlite_set_error (&journal_errors, db, error);
}

static gboolean
token_live (const char *token)
{
  gboolean live;

  g_mutex_lock (&live_lock);
  live = token != NULL && live_tokens != NULL && g_hash_table_contains (live_tokens, token);
  g_mutex_unlock (&live_lock);
  return live;
}

/* Whether a row's owner is another engine that is still there. A process
 * that died, or a store that was closed, leaves its claims behind: they
 * are free again. */
static gboolean
owned_by_other (OnbSqliteJobStore *self,
                gint64             pid,
                const char        *token)
{
  if (pid <= 0)
    return FALSE;
  if (pid == getpid ())
    return g_strcmp0 (token, self->token) != 0 && token_live (token);
  return kill ((pid_t) pid, 0) == 0 || errno == EPERM;
}

static void
onb_sqlite_job_store_finalize (GObject *object)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) object;

  g_clear_pointer (&self->db, sqlite3_close);
  g_mutex_lock (&live_lock);
  g_hash_table_remove (live_tokens, self->token);
  g_mutex_unlock (&live_lock);
  g_free (self->token);
  g_free (self->path);
  G_OBJECT_CLASS (onb_sqlite_job_store_parent_class)->finalize (object);
}

static void
onb_sqlite_job_store_class_init (OnbSqliteJobStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_sqlite_job_store_finalize;
}

static void
onb_sqlite_job_store_init (OnbSqliteJobStore *self)
{
  self->token = g_uuid_string_random ();
  g_mutex_lock (&live_lock);
  if (live_tokens == NULL)
    live_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (live_tokens, g_strdup (self->token));
  g_mutex_unlock (&live_lock);
}

/* Version 1: journals written before claims had tokens. */
static int
add_owner_token (sqlite3 *db)
{
  return onb_sqlite_add_column (db, "jobs", "owner_token", "TEXT");
}

/* Version 2: journals written before device models. */
static int
add_model_name (sqlite3 *db)
{
  return onb_sqlite_add_column (db, "jobs", "model_name", "TEXT");
}

static const OnbSqliteMigration migrations[] = { add_owner_token, add_model_name };

/* The journal names every device and its history: onb_sqlite_open() makes
 * it private. */
OnbJobStore *
onb_sqlite_job_store_open (const char  *path,
                           GError     **error)
{
  g_autoptr(OnbSqliteJobStore) self = g_object_new (ONB_TYPE_SQLITE_JOB_STORE, NULL);

  self->path = g_strdup (path);
  if (!(self->db = onb_sqlite_open (path, schema, migrations, G_N_ELEMENTS (migrations), &journal_errors, error)))
    return NULL;
  return ONB_JOB_STORE (g_steal_pointer (&self));
}

OnbJobStore *
onb_sqlite_job_store_open_read_only (const char  *path,
                                     GError     **error)
{
  g_autoptr(OnbSqliteJobStore) self = g_object_new (ONB_TYPE_SQLITE_JOB_STORE, NULL);

  self->path = g_strdup (path);
  if (onb_sqlite_open_read_only (path, schema, &self->db) != SQLITE_OK)
    {
      g_set_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_FAILED,
                   _("The job journal “%s” cannot be read (%s). Check the disk of the station."), path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : g_strerror (ENOMEM));
      return NULL;
    }
  return ONB_JOB_STORE (g_steal_pointer (&self));
}

void
onb_sqlite_job_store_set_max_pages (OnbSqliteJobStore *self,
                                    guint              n_pages)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA max_page_count = %u", n_pages > 0 ? n_pages : G_MAXINT32);

  sqlite3_exec (self->db, sql, NULL, NULL, NULL);
}

static gboolean
exec_sql (OnbSqliteJobStore  *self,
          const char         *sql,
          GError            **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;
  set_db_error (error, self->db);
  return FALSE;
}

gboolean
onb_sqlite_job_store_remove (OnbSqliteJobStore  *self,
                             const gint64       *ids,
                             guint               n_ids,
                             GError            **error)
{
  sqlite3_stmt *stmt = NULL;

  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (sqlite3_prepare_v2 (self->db, "DELETE FROM jobs WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK)
    goto fail;
  /* The steps go with their job (ON DELETE CASCADE). */
  for (guint i = 0; i < n_ids; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, ids[i]);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        goto fail;
    }
  sqlite3_finalize (stmt);
  return exec_sql (self, "COMMIT", error);

fail:
  set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  exec_sql (self, "ROLLBACK", NULL);
  return FALSE;
}

/* Groups take the write lock from the start: claims read, then write. */
static gboolean
begin (OnbJobStore  *store,
       gboolean      claims,
       GError      **error)
{
  return exec_sql ((OnbSqliteJobStore *) store, "BEGIN IMMEDIATE", error);
}

static gboolean
commit (OnbJobStore  *store,
        GError      **error)
{
  return exec_sql ((OnbSqliteJobStore *) store, "COMMIT", error);
}

static void
rollback (OnbJobStore *store)
{
  exec_sql ((OnbSqliteJobStore *) store, "ROLLBACK", NULL);
}

static gboolean
op_begin (OnbJobStore  *store,
          GError      **error)
{
  return exec_sql ((OnbSqliteJobStore *) store, "SAVEPOINT op", error);
}

static void
op_end (OnbJobStore *store,
        gboolean     keep)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) store;

  if (!keep)
    exec_sql (self, "ROLLBACK TO op", NULL);
  exec_sql (self, "RELEASE op", NULL);
}

static const char *
text (sqlite3_stmt *stmt,
      int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

static gboolean
load_steps (sqlite3    *db,
            OnbJobRow  *row,
            GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT " ONB_JOB_STEP_COLUMNS " FROM steps WHERE job_id = ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      set_db_error (error, db);
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, row->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *values[ONB_JOB_STEP_N_COLUMNS];

      for (guint i = 0; i < G_N_ELEMENTS (values); i++)
        values[i] = text (stmt, i);
      onb_job_row_set_step (row, values);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (error, db);
      return FALSE;
    }
  return TRUE;
}

/* The clauses after FROM for @filter, with at most one binding (?1). */
static char *
filter_sql (const OnbJobFilter *filter)
{
  GString *where;

  if (filter->dev_eui != NULL)
    return g_strdup ("WHERE dev_eui = ?1");
  if (filter->id != 0)
    return g_strdup ("WHERE id = ?1");
  if (filter->unfinished)
    return g_strdup ("WHERE state IN ('queued', 'running', 'waiting') ORDER BY id");

  /* Every job of this file is this station's own: a station filter
   * changes nothing. */
  where = g_string_new ("WHERE 1");
  if (filter->state >= 0)
    g_string_append_printf (where, " AND state = '%s'", onb_job_enum_to_nick (ONB_TYPE_JOB_STATE, filter->state));
  if (filter->query != NULL && *filter->query != '\0')
    g_string_append (where, " AND (dev_eui LIKE ?1 OR device_name LIKE ?1 OR reason LIKE ?1"
                            " OR old_dev_eui LIKE ?1)");
  g_string_append (where, " ORDER BY id DESC");
  if (filter->limit > 0)
    g_string_append_printf (where, " LIMIT %u", filter->limit);
  return g_string_free (where, FALSE);
}

static GPtrArray *
find (OnbJobStore         *store,
      const OnbJobFilter  *filter,
      GArray              *foreign,
      GError             **error)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) store;
  g_autofree char *where = filter_sql (filter);
  g_autofree char *sql = g_strdup_printf ("SELECT " ONB_JOB_COLUMNS ", owner, owner_token FROM jobs %s", where);
  g_autofree char *pattern = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_job_row_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return NULL;
    }
  if (filter->dev_eui != NULL)
    sqlite3_bind_text (stmt, 1, filter->dev_eui, -1, SQLITE_TRANSIENT);
  else if (filter->id != 0)
    sqlite3_bind_int64 (stmt, 1, filter->id);
  else if (sqlite3_bind_parameter_count (stmt) > 0)
    {
      pattern = g_strdup_printf ("%%%s%%", filter->query);
      sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_STATIC);
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *values[ONB_JOB_N_COLUMNS];

      for (guint i = 0; i < G_N_ELEMENTS (values); i++)
        values[i] = text (stmt, i);
      g_ptr_array_add (rows, onb_job_row_from_values (values));
      if (foreign != NULL)
        {
          gboolean other = owned_by_other (self, sqlite3_column_int64 (stmt, ONB_JOB_N_COLUMNS),
                                           text (stmt, ONB_JOB_N_COLUMNS + 1));

          g_array_append_val (foreign, other);
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (error, self->db);
      return NULL;
    }
  for (guint i = 0; i < rows->len; i++)
    if (!load_steps (self->db, rows->pdata[i], error))
      return NULL;
  return g_steal_pointer (&rows);
}

static gboolean
write_row (OnbJobStore  *store,
           OnbJobRow    *row,
           gboolean      claim,
           GError      **error)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) store;
  gboolean finished = row->state == ONB_JOB_STATE_DONE || row->state == ONB_JOB_STATE_FAILED;
  char *values[ONB_JOB_N_COLUMNS - 1] = { NULL, };
  char *step_values[ONB_JOB_STEP_N_COLUMNS] = { NULL, };
  sqlite3_stmt *stmt = NULL;
  int i = 0;

  if (row->id == 0)
    {
      if (sqlite3_prepare_v2 (self->db, "INSERT INTO jobs (dev_eui, kind, state, join_eui, device_name, old_dev_eui, "
                                        "delete_old, source, code_kind, reason, message, attempts, blynk_device_id, "
                                        "created_us, updated_us, started_us, finished_us, next_attempt_us, model_name, "
                                        "owner, owner_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                        "?)",
                              -1, &stmt, NULL) != SQLITE_OK)
        goto fail;
    }
  else if (sqlite3_prepare_v2 (self->db, "UPDATE jobs SET dev_eui = ?, kind = ?, state = ?, join_eui = ?, "
                                         "device_name = ?, old_dev_eui = ?, delete_old = ?, source = ?, code_kind = ?, "
                                         "reason = ?, message = ?, attempts = ?, blynk_device_id = ?, created_us = ?, "
                                         "updated_us = ?, started_us = ?, finished_us = ?, next_attempt_us = ?, "
                                         "model_name = ?, owner = ?, owner_token = ? WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK)
    goto fail;

  onb_job_row_get_values (row, values);
  for (i = 0; i < (int) G_N_ELEMENTS (values); i++)
    sqlite3_bind_text (stmt, i + 1, values[i], -1, SQLITE_STATIC);
  i++;
  if (finished || !claim)
    {
      sqlite3_bind_null (stmt, i++);
      sqlite3_bind_null (stmt, i++);
    }
  else
    {
      sqlite3_bind_int64 (stmt, i++, getpid ());
      sqlite3_bind_text (stmt, i++, self->token, -1, SQLITE_STATIC);
    }
  if (row->id != 0)
    sqlite3_bind_int64 (stmt, i++, row->id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (row->id == 0)
    row->id = sqlite3_last_insert_rowid (self->db);

  if (sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO steps (job_id, " ONB_JOB_STEP_COLUMNS ") "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    goto fail;
  for (guint s = 0; s < ONB_JOB_N_STEPS; s++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, row->id);
      onb_job_values_clear (step_values, G_N_ELEMENTS (step_values));
      onb_job_row_get_step_values (row, s, step_values);
      for (guint c = 0; c < G_N_ELEMENTS (step_values); c++)
        sqlite3_bind_text (stmt, c + 2, step_values[c], -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        goto fail;
    }
  sqlite3_finalize (stmt);
  onb_job_values_clear (values, G_N_ELEMENTS (values));
  onb_job_values_clear (step_values, G_N_ELEMENTS (step_values));
  return TRUE;

fail:
  set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  onb_job_values_clear (values, G_N_ELEMENTS (values));
  onb_job_values_clear (step_values, G_N_ELEMENTS (step_values));
  return FALSE;
}

static gboolean
take (OnbJobStore  *store,
      gint64        id,
      GError      **error)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) store;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (sqlite3_prepare_v2 (self->db, "UPDATE jobs SET owner = ?, owner_token = ? WHERE id = ?", -1, &stmt, NULL)
      != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, getpid ());
  sqlite3_bind_text (stmt, 2, self->token, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, id);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  if (!ok)
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
add_conflict (OnbJobStore               *store,
              const OnbJournalConflict  *conflict,
              GError                   **error)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) store;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (self->db, "INSERT INTO conflicts (at_us, dev_eui, device_id) VALUES (?, ?, ?)", -1,
                           &stmt, NULL) == SQLITE_OK &&
       sqlite3_bind_int64 (stmt, 1, conflict->at_us) == SQLITE_OK &&
       sqlite3_bind_text (stmt, 2, conflict->dev_eui, -1, SQLITE_STATIC) == SQLITE_OK &&
       sqlite3_bind_text (stmt, 3, conflict->device_id, -1, SQLITE_STATIC) == SQLITE_OK &&
       sqlite3_step (stmt) == SQLITE_DONE;
  if (!ok)
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return ok;
}

static OnbJournalConflict *
last_conflict (OnbJobStore  *store,
               guint        *n_conflicts,
               GError      **error)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) store;
  OnbJournalConflict *conflict = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, "SELECT at_us, dev_eui, device_id, (SELECT count(*) FROM conflicts) "
                                     "FROM conflicts ORDER BY id DESC LIMIT 1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      conflict = g_new0 (OnbJournalConflict, 1);
      conflict->at_us = sqlite3_column_int64 (stmt, 0);
      conflict->dev_eui = g_strdup (text (stmt, 1));
      conflict->device_id = g_strdup (text (stmt, 2));
      *n_conflicts = (guint) sqlite3_column_int64 (stmt, 3);
    }
  /* A journal older than the table (opened read-only) has none. */
  else if (rc != SQLITE_DONE && !(rc == SQLITE_ERROR && strstr (sqlite3_errmsg (self->db), "no such table")))
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return conflict;
}

static OnbDeviceStates *
device_states (OnbJobStore         *store,
               const char          *station,
               const char * const  *dev_euis,
               GError             **error)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) store;
  g_autoptr(OnbDeviceStates) states = onb_device_states_new ();
  g_autoptr(GString) wanted = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  /* Every job of this file is this station's own. */
  /* One batch's DevEUIs go in as one JSON array (hex digits: nothing to
   * escape), read through the dev_eui index. */
  if (dev_euis != NULL)
    {
      wanted = g_string_new ("[");
      for (guint i = 0; dev_euis[i] != NULL; i++)
        g_string_append_printf (wanted, "%s\"%s\"", i > 0 ? "," : "", dev_euis[i]);
      g_string_append_c (wanted, ']');
    }

  if (sqlite3_prepare_v2 (self->db,
                          wanted != NULL ? "SELECT dev_eui, state, reason, message FROM jobs "
                                           "WHERE dev_eui IN (SELECT value FROM json_each (?))"
                                         : "SELECT dev_eui, state, reason, message FROM jobs",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return NULL;
    }
  if (wanted != NULL)
    sqlite3_bind_text (stmt, 1, wanted->str, wanted->len, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    onb_job_states_add (states, text (stmt, 0), text (stmt, 1), text (stmt, 2), text (stmt, 3));
  if (rc != SQLITE_DONE)
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? g_steal_pointer (&states) : NULL;
}

/* Less free space than this counts as a full disk: a commit needs a few
 * pages, and the write-ahead log grows by them until its checkpoint. */
#define MIN_FREE_BYTES (256 * 1024)

static gboolean
check_space (OnbJobStore  *store,
             GError      **error)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) store;
  g_autofree char *dir = g_path_get_dirname (self->path);
  OnbFileError fault = ONB_FILE_ERROR_WRITE_FAILED;
  struct statvfs st;

  if (statvfs (dir, &st) == 0 && (st.f_flag & ST_RDONLY) != 0)
    fault = ONB_FILE_ERROR_READ_ONLY;
  else if ((guint64) st.f_bavail * st.f_frsize < MIN_FREE_BYTES)
    fault = ONB_FILE_ERROR_DISK_FULL;
  if (fault == ONB_FILE_ERROR_WRITE_FAILED && access (dir, W_OK) != 0)
    fault = onb_file_error_from_errno (errno);
  return !onb_sqlite_set_fault (&journal_errors, fault, self->path, error);
}

/* A claim here holds while its process and store are there. */
static guint
renew (OnbJobStore *store)
{
  return 0;
}

/* The one station of this file: heard from when it last wrote a job. */
static GPtrArray *
stations (OnbJobStore  *store,
          gint64        since_us,
          GError      **error)
{
  OnbSqliteJobStore *self = (OnbSqliteJobStore *) store;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_journal_station_free);
  OnbJournalStation *station = g_new0 (OnbJournalStation, 1);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_ptr_array_add (list, station);
  station->live = TRUE;
  if (sqlite3_prepare_v2 (self->db, "SELECT coalesce (max (updated_us), 0), "
                                    "(SELECT count(*) FROM jobs WHERE state = 'done' AND finished_us > ?) FROM jobs",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, since_us);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      station->last_seen_us = sqlite3_column_int64 (stmt, 0);
      station->n_done_last_hour = sqlite3_column_int (stmt, 1);
    }
  else
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  return rc == SQLITE_ROW ? g_steal_pointer (&list) : NULL;
}

static void
job_store_iface_init (OnbJobStoreInterface *iface)
{
  iface->begin = begin;
  iface->commit = commit;
  iface->rollback = rollback;
  iface->op_begin = op_begin;
  iface->op_end = op_end;
  iface->find = find;
  iface->write = write_row;
  iface->take = take;
  iface->add_conflict = add_conflict;
  iface->last_conflict = last_conflict;
  iface->device_states = device_states;
  iface->check_space = check_space;
  iface->renew = renew;
  iface->stations = stations;
}
