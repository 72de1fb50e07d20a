/* onb-journal.c: the durable record of every job
 *
 * One connection, guarded by a mutex, used by a dedicated writer thread
 * and by the synchronous readers. WAL + synchronous=FULL: when a commit
 * returns, the state change survives a power cut. Ops queued while a
 * commit runs are committed together with the next one.
 *
 * Claims: a row names its owner by process id and by the token of the
 * OnbJournal that claimed it, so two engines of one process (a settings
 * reload) never both run a job. A row is free when its owner released
 * it, when that process is gone, or when that journal was closed.
 */

#define G_LOG_DOMAIN "onb-journal"

#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "onb-csv.h"
#include "onb-file.h"
#include "onb-error.h"
#include "onb-journal-private.h"
#include "onb-provision-enums.h"
#include "onb-registry.h"
#include "onb-sqlite.h"

#define MAX_GROUP       128

ONB_DEFINE_ERROR_DOMAIN (onb_journal_error, onb_journal_error_get_type)

typedef enum
{
  OP_STOP,
  OP_CLAIM,
  OP_CLAIM_ID,
  OP_SAVE,
  OP_RELEASE,
  OP_CLAIM_UNFINISHED,
  OP_CONFLICT,
} OpKind;

typedef struct
{
  OpKind kind;
  GTask *task;
  OnbJobRow *row;
  gint64 id;
  OnbJournalConflict *conflict;
  OnbJournalClaimFlags flags;
  gpointer result;
  GDestroyNotify result_free;
  GError *error;
} Op;

struct _OnbJournal
{
  GObject parent_instance;
  char *token;  /* this journal's claims; in live_tokens while open */
  char *path;
  sqlite3 *db;
  GMutex lock;
  GThread *writer;
  GAsyncQueue *ops;
  GMutex fault_lock;
  GError *fault;     /* why the last commit failed, when the disk is full or read-only */
  gint64 fault_time; /* when a commit last failed so, kept after one succeeds */
};

G_DEFINE_FINAL_TYPE (OnbJournal, onb_journal, G_TYPE_OBJECT)

/* The tokens of this process's open journals. */
static GMutex live_lock;
static GHashTable *live_tokens;

/* Who claims a row: NULL when it is released. */
typedef struct
{
  gint64 pid;
  const char *token;
} Owner;

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

#define JOB_COLUMNS "id, dev_eui, kind, state, join_eui, device_name, old_dev_eui, delete_old, source, " \
                    "code_kind, reason, message, attempts, blynk_device_id, created_us, updated_us, "     \
                    "started_us, finished_us, next_attempt_us, owner, owner_token, model_name"

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

static gboolean
set_fault_error (GError       **error,
                 OnbFileError   fault,
                 const char    *path)
{
  return onb_sqlite_set_fault (&journal_errors, fault, path, error);
}

static void
set_db_error (GError  **error,
              sqlite3  *db)
{
  onb_sqlite_set_error (&journal_errors, db, error);
}

static gboolean
is_fault (const GError *error)
{
  return g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DISK_FULL) ||
         g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DATA_READ_ONLY);
}

static int
enum_from_nick (GType       type,
                const char *nick)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *value = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;
  int result = value != NULL ? value->value : 0;

  g_type_class_unref (klass);
  return result;
}

static const char *
enum_to_nick (GType type,
              int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  const char *nick = v != NULL ? v->value_nick : "";

  g_type_class_unref (klass);
  return nick;
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
 * that died, or a journal that was closed, leaves its claims behind: they
 * are free again. */
static gboolean
owned_by_other (OnbJournal *self,
                gint64      pid,
                const char *token)
{
  if (pid <= 0)
    return FALSE;
  if (pid == getpid ())
    return g_strcmp0 (token, self->token) != 0 && token_live (token);
  return kill ((pid_t) pid, 0) == 0 || errno == EPERM;
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

  if (sqlite3_prepare_v2 (db, "SELECT step, state, attempts, owned, remote_id, reason, message "
                              "FROM steps WHERE job_id = ?", -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, db);
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, row->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OnbJobStep step = enum_from_nick (ONB_TYPE_JOB_STEP, text (stmt, 0));
      OnbJobStepRow *s = &row->steps[step];

      s->state = enum_from_nick (ONB_TYPE_STEP_STATE, text (stmt, 1));
      s->attempts = sqlite3_column_int (stmt, 2);
      s->owned = sqlite3_column_int (stmt, 3);
      g_free (s->remote_id);
      s->remote_id = g_strdup (text (stmt, 4));
      g_free (s->reason);
      s->reason = g_strdup (text (stmt, 5));
      g_free (s->message);
      s->message = g_strdup (text (stmt, 6));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (error, db);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  gint64 pid;
  char *token;
} RowOwner;

static void
row_owner_clear (gpointer data)
{
  g_free (((RowOwner *) data)->token);
}

static OnbJobRow *
row_from_stmt (sqlite3_stmt *stmt,
               RowOwner     *owner)
{
  OnbJobRow *row = g_new0 (OnbJobRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->dev_eui = g_strdup (text (stmt, 1));
  row->kind = enum_from_nick (ONB_TYPE_JOB_KIND, text (stmt, 2));
  row->state = enum_from_nick (ONB_TYPE_JOB_STATE, text (stmt, 3));
  row->join_eui = g_strdup (text (stmt, 4));
  row->device_name = g_strdup (text (stmt, 5));
  row->old_dev_eui = g_strdup (text (stmt, 6));
  row->delete_old = sqlite3_column_int (stmt, 7);
  row->source = g_strdup (text (stmt, 8));
  row->code_kind = g_strdup (text (stmt, 9));
  row->reason = g_strdup (text (stmt, 10));
  row->message = g_strdup (text (stmt, 11));
  row->attempts = sqlite3_column_int (stmt, 12);
  row->blynk_device_id = sqlite3_column_int64 (stmt, 13);
  row->created_us = sqlite3_column_int64 (stmt, 14);
  row->updated_us = sqlite3_column_int64 (stmt, 15);
  row->started_us = sqlite3_column_int64 (stmt, 16);
  row->finished_us = sqlite3_column_int64 (stmt, 17);
  row->next_attempt_us = sqlite3_column_int64 (stmt, 18);
  row->model_name = g_strdup (text (stmt, 21));
  if (owner != NULL)
    {
      owner->pid = sqlite3_column_type (stmt, 19) == SQLITE_NULL ? 0 : sqlite3_column_int64 (stmt, 19);
      owner->token = g_strdup (text (stmt, 20));
    }
  return row;
}

/* Rows matching @where (with one optional text or int64 binding). */
static GPtrArray *
select_rows (sqlite3     *db,
             const char  *where,
             const char  *bind_text,
             gint64       bind_int,
             GArray      *owners,
             GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT " JOB_COLUMNS " FROM jobs %s", where);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_job_row_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, db);
      return NULL;
    }
  if (bind_text != NULL)
    sqlite3_bind_text (stmt, 1, bind_text, -1, SQLITE_TRANSIENT);
  else if (sqlite3_bind_parameter_count (stmt) > 0)
    sqlite3_bind_int64 (stmt, 1, bind_int);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      RowOwner owner = { 0 };

      g_ptr_array_add (rows, row_from_stmt (stmt, &owner));
      if (owners != NULL)
        g_array_append_val (owners, owner);
      else
        row_owner_clear (&owner);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (error, db);
      return NULL;
    }
  for (guint i = 0; i < rows->len; i++)
    if (!load_steps (db, rows->pdata[i], error))
      return NULL;
  return g_steal_pointer (&rows);
}

static gboolean
write_row (sqlite3      *db,
           OnbJobRow    *row,
           const Owner  *owner,
           GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean finished = row->state == ONB_JOB_STATE_DONE || row->state == ONB_JOB_STATE_FAILED;
  int i = 1;

  if (row->id == 0)
    {
      if (sqlite3_prepare_v2 (db, "INSERT INTO jobs (dev_eui, kind, state, join_eui, device_name, old_dev_eui, "
                                  "delete_old, source, code_kind, model_name, reason, message, attempts, blynk_device_id, "
                                  "created_us, updated_us, started_us, finished_us, next_attempt_us, owner, "
                                  "owner_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              -1, &stmt, NULL) != SQLITE_OK)
        goto fail;
    }
  else if (sqlite3_prepare_v2 (db, "UPDATE jobs SET dev_eui = ?, kind = ?, state = ?, join_eui = ?, "
                                   "device_name = ?, old_dev_eui = ?, delete_old = ?, source = ?, code_kind = ?, "
                                   "model_name = ?, reason = ?, message = ?, attempts = ?, blynk_device_id = ?, created_us = ?, "
                                   "updated_us = ?, started_us = ?, finished_us = ?, next_attempt_us = ?, "
                                   "owner = ?, owner_token = ? WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK)
    goto fail;

  sqlite3_bind_text (stmt, i++, row->dev_eui, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, enum_to_nick (ONB_TYPE_JOB_KIND, row->kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, enum_to_nick (ONB_TYPE_JOB_STATE, row->state), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, row->join_eui, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, row->device_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, row->old_dev_eui, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, i++, row->delete_old);
  sqlite3_bind_text (stmt, i++, row->source, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, row->code_kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, row->model_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, row->reason, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, row->message, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, i++, row->attempts);
  sqlite3_bind_int64 (stmt, i++, row->blynk_device_id);
  sqlite3_bind_int64 (stmt, i++, row->created_us);
  sqlite3_bind_int64 (stmt, i++, row->updated_us);
  sqlite3_bind_int64 (stmt, i++, row->started_us);
  sqlite3_bind_int64 (stmt, i++, row->finished_us);
  sqlite3_bind_int64 (stmt, i++, row->next_attempt_us);
  if (finished || owner == NULL)
    {
      sqlite3_bind_null (stmt, i++);
      sqlite3_bind_null (stmt, i++);
    }
  else
    {
      sqlite3_bind_int64 (stmt, i++, owner->pid);
      sqlite3_bind_text (stmt, i++, owner->token, -1, SQLITE_STATIC);
    }
  if (row->id != 0)
    sqlite3_bind_int64 (stmt, i++, row->id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (row->id == 0)
    row->id = sqlite3_last_insert_rowid (db);

  if (sqlite3_prepare_v2 (db, "INSERT OR REPLACE INTO steps (job_id, step, state, attempts, owned, remote_id, "
                              "reason, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    goto fail;
  for (guint s = 0; s < ONB_JOB_N_STEPS; s++)
    {
      OnbJobStepRow *step = &row->steps[s];

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, row->id);
      sqlite3_bind_text (stmt, 2, enum_to_nick (ONB_TYPE_JOB_STEP, s), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, enum_to_nick (ONB_TYPE_STEP_STATE, step->state), -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 4, step->attempts);
      sqlite3_bind_int (stmt, 5, step->owned);
      sqlite3_bind_text (stmt, 6, step->remote_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 7, step->reason, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 8, step->message, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        goto fail;
    }
  sqlite3_finalize (stmt);
  return TRUE;

fail:
  set_db_error (error, db);
  sqlite3_finalize (stmt);
  return FALSE;
}

static gboolean
set_owner (sqlite3      *db,
           gint64        id,
           const Owner  *owner,
           GError      **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (sqlite3_prepare_v2 (db, "UPDATE jobs SET owner = ?, owner_token = ? WHERE id = ?", -1, &stmt, NULL)
      != SQLITE_OK)
    {
      set_db_error (error, db);
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, owner->pid);
  sqlite3_bind_text (stmt, 2, owner->token, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, id);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  if (!ok)
    set_db_error (error, db);
  sqlite3_finalize (stmt);
  return ok;
}

void
onb_journal_claim_result_free (OnbJournalClaimResult *result)
{
  if (result == NULL)
    return;
  onb_job_row_free (result->row);
  g_free (result);
}

/* A failed row queued again: a fresh start, except that what a refused
 * undo left behind (a creating step done and owned) is kept, so the new
 * run goes on from it instead of making a second one. */
static void
requeue_failed (OnbJobRow *row)
{
  gboolean keep_blynk = row->steps[ONB_JOB_STEP_BLYNK_DEVICE].state == ONB_STEP_STATE_DONE &&
                        row->steps[ONB_JOB_STEP_BLYNK_DEVICE].owned && row->blynk_device_id > 0;

  row->state = ONB_JOB_STATE_QUEUED;
  g_clear_pointer (&row->reason, g_free);
  g_clear_pointer (&row->message, g_free);
  row->finished_us = 0;
  for (guint s = 0; s < ONB_JOB_N_STEPS; s++)
    {
      OnbJobStepRow *step = &row->steps[s];
      gboolean left_behind = step->state == ONB_STEP_STATE_DONE && step->owned &&
                             (s == ONB_JOB_STEP_TTS_IS || (s == ONB_JOB_STEP_BLYNK_DEVICE && keep_blynk));

      if (step->state == ONB_STEP_STATE_SKIPPED || left_behind)
        continue;
      step->state = ONB_STEP_STATE_PENDING;
      step->attempts = 0;
      step->owned = FALSE;
      g_clear_pointer (&step->remote_id, g_free);
      g_clear_pointer (&step->reason, g_free);
      g_clear_pointer (&step->message, g_free);
    }
  if (!keep_blynk)
    row->blynk_device_id = 0;
  row->updated_us = g_get_real_time ();
}

/* Decides what an existing row means for a new scan or a retry. */
static OnbJournalClaimResult *
claim_existing (OnbJournal            *self,
                OnbJobRow             *existing,
                const RowOwner        *current,
                OnbJournalClaimFlags   flags,
                GError               **error)
{
  OnbJournalClaimResult *result = g_new0 (OnbJournalClaimResult, 1);
  Owner owner = { getpid (), self->token };
  gboolean requeue = (flags & ONB_JOURNAL_CLAIM_REQUEUE_FAILED) != 0;

  result->row = existing;
  if (existing->state == ONB_JOB_STATE_DONE || (existing->state == ONB_JOB_STATE_FAILED && !requeue))
    result->claim = ONB_JOURNAL_CLAIM_ALREADY_DONE;
  else if (owned_by_other (self, current->pid, current->token))
    result->claim = ONB_JOURNAL_CLAIM_FOREIGN;
  else
    {
      if (existing->state == ONB_JOB_STATE_FAILED)
        {
          requeue_failed (existing);
          if (!write_row (self->db, existing, &owner, error))
            {
              onb_journal_claim_result_free (result);
              return NULL;
            }
        }
      else if (!set_owner (self->db, existing->id, &owner, error))
        {
          onb_journal_claim_result_free (result);
          return NULL;
        }
      result->claim = ONB_JOURNAL_CLAIM_RESUMED;
    }
  return result;
}

static void
run_op (OnbJournal *self,
        Op         *op)
{
  g_autoptr(GArray) owners = g_array_new (FALSE, TRUE, sizeof (RowOwner));
  g_autoptr(GPtrArray) rows = NULL;
  Owner owner = { getpid (), self->token };
  sqlite3 *db = self->db;

  g_array_set_clear_func (owners, row_owner_clear);
  switch (op->kind)
    {
    case OP_CLAIM:
    case OP_CLAIM_ID:
      if (op->kind == OP_CLAIM)
        rows = select_rows (db, "WHERE dev_eui = ?", op->row->dev_eui, 0, owners, &op->error);
      else
        rows = select_rows (db, "WHERE id = ?", NULL, op->id, owners, &op->error);
      if (rows == NULL)
        return;
      if (rows->len > 0)
        op->result = claim_existing (self, g_ptr_array_steal_index (rows, 0), &g_array_index (owners, RowOwner, 0),
                                     op->flags, &op->error);
      else if (op->kind == OP_CLAIM_ID)
        g_set_error (&op->error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_JOB_NOT_FOUND,
                     _("There is no job %lld in the journal."), (long long) op->id);
      else if (write_row (db, op->row, &owner, &op->error))
        {
          OnbJournalClaimResult *result = g_new0 (OnbJournalClaimResult, 1);

          result->claim = ONB_JOURNAL_CLAIM_NEW;
          result->row = g_steal_pointer (&op->row);
          op->result = result;
        }
      op->result_free = (GDestroyNotify) onb_journal_claim_result_free;
      break;

    case OP_SAVE:
    case OP_RELEASE:
      if (write_row (db, op->row, op->kind == OP_SAVE ? &owner : NULL, &op->error))
        op->result = GINT_TO_POINTER (TRUE);
      break;

    case OP_CLAIM_UNFINISHED:
      rows = select_rows (db, "WHERE state IN ('queued', 'running', 'waiting') ORDER BY id", NULL, 0, owners,
                          &op->error);
      if (rows == NULL)
        return;
      for (guint i = rows->len; i > 0; i--)
        {
          RowOwner *current = &g_array_index (owners, RowOwner, i - 1);

          if (owned_by_other (self, current->pid, current->token))
            g_ptr_array_remove_index (rows, i - 1);
          else if (!set_owner (db, ((OnbJobRow *) rows->pdata[i - 1])->id, &owner, &op->error))
            return;
        }
      op->result = g_steal_pointer (&rows);
      op->result_free = (GDestroyNotify) g_ptr_array_unref;
      break;

    case OP_CONFLICT:
      {
        sqlite3_stmt *stmt = NULL;

        if (sqlite3_prepare_v2 (db, "INSERT INTO conflicts (at_us, dev_eui, device_id) VALUES (?, ?, ?)", -1,
                                &stmt, NULL) != SQLITE_OK ||
            sqlite3_bind_int64 (stmt, 1, op->conflict->at_us) != SQLITE_OK ||
            sqlite3_bind_text (stmt, 2, op->conflict->dev_eui, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_bind_text (stmt, 3, op->conflict->device_id, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_step (stmt) != SQLITE_DONE)
          set_db_error (&op->error, db);
        else
          op->result = GINT_TO_POINTER (TRUE);
        sqlite3_finalize (stmt);
      }
      break;

    case OP_STOP:
    default:
      break;
    }
}

static void
op_complete (Op *op)
{
  if (op->error != NULL)
    {
      if (op->result_free != NULL && op->result != NULL)
        op->result_free (op->result);
      g_task_return_error (op->task, op->error);
    }
  else
    g_task_return_pointer (op->task, op->result, op->result_free);
  g_clear_object (&op->task);
  g_clear_pointer (&op->row, onb_job_row_free);
  g_clear_pointer (&op->conflict, onb_journal_conflict_free);
  g_free (op);
}

/* Remembers why commits fail (a full disk, a read-only folder) until one
 * succeeds, and says so once each way, not once per commit. */
static void
record_fault (OnbJournal   *self,
              const GError *error)
{
  gboolean was = FALSE;
  gboolean is = is_fault (error);

  g_mutex_lock (&self->fault_lock);
  was = self->fault != NULL;
  g_clear_error (&self->fault);
  if (is)
    {
      self->fault = g_error_copy (error);
      self->fault_time = g_get_monotonic_time ();
    }

  g_mutex_unlock (&self->fault_lock);

  /* A message, not a warning: the station is fine, only its disk is not. */
  if (is && !was)
    g_message ("%s", error->message);
  else if (was && !is)
    g_message ("The job journal records again.");
}

static gpointer
writer_thread (gpointer data)
{
  OnbJournal *self = data;

  for (;;)
    {
      g_autoptr(GPtrArray) group = g_ptr_array_new ();
      Op *op = g_async_queue_pop (self->ops);
      gboolean stop = FALSE;

      while (op != NULL)
        {
          if (op->kind == OP_STOP)
            {
              g_free (op);
              stop = TRUE;
              break;
            }
          g_ptr_array_add (group, op);
          op = group->len < MAX_GROUP ? g_async_queue_try_pop (self->ops) : NULL;
        }

      if (group->len > 0)
        {
          GError *error = NULL;

          g_mutex_lock (&self->lock);
          if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            set_db_error (&error, self->db);
          /* Each op is all or nothing within the group's transaction: a
           * claim whose steps do not fit leaves no row behind. */
          for (guint i = 0; error == NULL && i < group->len; i++)
            {
              Op *current = group->pdata[i];

              if (sqlite3_exec (self->db, "SAVEPOINT op", NULL, NULL, NULL) != SQLITE_OK)
                {
                  set_db_error (&current->error, self->db);
                  continue;
                }
              run_op (self, current);
              if (current->error != NULL)
                sqlite3_exec (self->db, "ROLLBACK TO op", NULL, NULL, NULL);
              sqlite3_exec (self->db, "RELEASE op", NULL, NULL, NULL);
            }
          if (error == NULL && sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            {
              set_db_error (&error, self->db);
              sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
            }
          g_mutex_unlock (&self->lock);

          /* Known before any caller hears of the failure. */
          {
            const GError *fault = error;

            for (guint i = 0; !is_fault (fault) && i < group->len; i++)
              fault = ((Op *) group->pdata[i])->error;
            record_fault (self, fault);
          }

          for (guint i = 0; i < group->len; i++)
            {
              Op *done = group->pdata[i];

              if (error != NULL && done->error == NULL)
                done->error = g_error_copy (error);
              op_complete (done);
            }
          g_clear_error (&error);
        }

      if (stop)
        return NULL;
    }
}

static void
push_op (OnbJournal          *self,
         Op                  *op,
         gpointer             source_tag,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  /* No source object: the writer thread may drop the last reference to a
   * task, and must never be the one finalizing the journal it runs in. */
  op->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (op->task, source_tag);
  g_async_queue_push (self->ops, op);
}

static void
onb_journal_finalize (GObject *object)
{
  OnbJournal *self = (OnbJournal *) object;

  if (self->writer != NULL)
    {
      Op *stop = g_new0 (Op, 1);

      stop->kind = OP_STOP;
      g_async_queue_push (self->ops, stop);
      g_thread_join (self->writer);
    }
  g_clear_pointer (&self->ops, g_async_queue_unref);
  g_clear_pointer (&self->db, sqlite3_close);
  g_mutex_lock (&live_lock);
  g_hash_table_remove (live_tokens, self->token);
  g_mutex_unlock (&live_lock);
  g_free (self->token);
  g_mutex_clear (&self->lock);
  g_clear_error (&self->fault);
  g_mutex_clear (&self->fault_lock);
  g_free (self->path);
  G_OBJECT_CLASS (onb_journal_parent_class)->finalize (object);
}

static void
onb_journal_class_init (OnbJournalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_journal_finalize;
}

static void
onb_journal_init (OnbJournal *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->fault_lock);
  self->ops = g_async_queue_new ();
  self->token = g_uuid_string_random ();
  g_mutex_lock (&live_lock);
  if (live_tokens == NULL)
    live_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (live_tokens, g_strdup (self->token));
  g_mutex_unlock (&live_lock);
}

char *
onb_journal_default_path (const char *data_dir)
{
  return g_build_filename (data_dir, "journal.sqlite", NULL);
}

const char *
onb_journal_get_path (OnbJournal *self)
{
  return self->path;
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
OnbJournal *
onb_journal_open (const char  *path,
                  GError     **error)
{
  g_autoptr(OnbJournal) self = g_object_new (ONB_TYPE_JOURNAL, NULL);

  self->path = g_strdup (path);
  if (!(self->db = onb_sqlite_open (path, schema, migrations, G_N_ELEMENTS (migrations), &journal_errors, error)))
    return NULL;
  self->writer = g_thread_new ("onb-journal", writer_thread, self);
  return g_steal_pointer (&self);
}

/* A failed commit is believed this long: then a new one may try again,
 * since space may have come back meanwhile. */
#define FAULT_HOLD_US (2 * G_USEC_PER_SEC)
/* Less free space than this counts as a full disk: a commit needs a few
 * pages, and the write-ahead log grows by them until its checkpoint. */
#define MIN_FREE_BYTES (256 * 1024)

gboolean
onb_journal_can_record (OnbJournal  *self,
                        GError     **error)
{
  g_autofree char *dir = NULL;
  OnbFileError fault = ONB_FILE_ERROR_WRITE_FAILED;
  struct statvfs st;

  g_return_val_if_fail (ONB_IS_JOURNAL (self), FALSE);

  g_mutex_lock (&self->fault_lock);
  if (self->fault != NULL && g_get_monotonic_time () - self->fault_time < FAULT_HOLD_US)
    {
      g_propagate_error (error, g_error_copy (self->fault));
      g_mutex_unlock (&self->fault_lock);
      return FALSE;
    }
  g_mutex_unlock (&self->fault_lock);

  dir = g_path_get_dirname (self->path);
  if (statvfs (dir, &st) == 0 && (st.f_flag & ST_RDONLY) != 0)
    fault = ONB_FILE_ERROR_READ_ONLY;
  else if ((guint64) st.f_bavail * st.f_frsize < MIN_FREE_BYTES)
    fault = ONB_FILE_ERROR_DISK_FULL;
  if (fault == ONB_FILE_ERROR_WRITE_FAILED && access (dir, W_OK) != 0)
    fault = onb_file_error_from_errno (errno);
  return !set_fault_error (error, fault, self->path);
}

void
onb_journal_set_max_pages (OnbJournal *self,
                           guint       n_pages)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA max_page_count = %u", n_pages > 0 ? n_pages : G_MAXINT32);

  g_mutex_lock (&self->lock);
  sqlite3_exec (self->db, sql, NULL, NULL, NULL);
  g_mutex_unlock (&self->lock);
}

/* A disk that was full a minute ago may be nearly full still: commits
 * that fit now may not in a moment. */
#define FAULT_MEMORY_US (60 * G_USEC_PER_SEC)

gboolean
onb_journal_faulted_lately (OnbJournal *self)
{
  gboolean lately;

  g_mutex_lock (&self->fault_lock);
  lately = self->fault_time != 0 && g_get_monotonic_time () - self->fault_time < FAULT_MEMORY_US;
  g_mutex_unlock (&self->fault_lock);
  return lately;
}

gboolean
onb_journal_get_fault (OnbJournal  *self,
                       GError     **error)
{
  gboolean fault;

  g_mutex_lock (&self->fault_lock);
  fault = self->fault != NULL;
  if (fault)
    g_propagate_error (error, g_error_copy (self->fault));
  g_mutex_unlock (&self->fault_lock);
  return fault;
}

OnbJournal *
onb_journal_open_read_only (const char  *path,
                            GError     **error)
{
  g_autoptr(OnbJournal) self = g_object_new (ONB_TYPE_JOURNAL, NULL);

  self->path = g_strdup (path);
  if (onb_sqlite_open_read_only (path, schema, &self->db) != SQLITE_OK)
    {
      g_set_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_FAILED,
                   _("The job journal “%s” cannot be read (%s). Check the disk of the station."), path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : g_strerror (ENOMEM));
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
onb_journal_claim_async (OnbJournal           *self,
                         OnbJobRow            *row,
                         OnbJournalClaimFlags  flags,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_CLAIM;
  op->row = row;
  op->flags = flags;
  push_op (self, op, onb_journal_claim_async, callback, user_data);
}

void
onb_journal_claim_id_async (OnbJournal           *self,
                            gint64                id,
                            OnbJournalClaimFlags  flags,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_CLAIM_ID;
  op->id = id;
  op->flags = flags;
  push_op (self, op, onb_journal_claim_async, callback, user_data);
}

OnbJournalClaimResult *
onb_journal_claim_finish (OnbJournal    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
onb_journal_save_async (OnbJournal          *self,
                        OnbJobRow           *row,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_SAVE;
  op->row = row;
  push_op (self, op, onb_journal_save_async, callback, user_data);
}

void
onb_journal_release_async (OnbJournal          *self,
                           OnbJobRow           *row,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_RELEASE;
  op->row = row;
  push_op (self, op, onb_journal_release_async, callback, user_data);
}

gboolean
onb_journal_save_finish (OnbJournal    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error) != NULL;
}

void
onb_journal_claim_unfinished_async (OnbJournal          *self,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_CLAIM_UNFINISHED;
  push_op (self, op, onb_journal_claim_unfinished_async, callback, user_data);
}

GPtrArray *
onb_journal_claim_unfinished_finish (OnbJournal    *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Synchronous readers */

OnbJobRow *
onb_journal_lookup_dev_eui (OnbJournal  *self,
                            const char  *dev_eui,
                            GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *upper = g_ascii_strup (dev_eui, -1);

  g_mutex_lock (&self->lock);
  rows = select_rows (self->db, "WHERE dev_eui = ?", upper, 0, NULL, error);
  g_mutex_unlock (&self->lock);
  return rows != NULL && rows->len > 0 ? g_ptr_array_steal_index (rows, 0) : NULL;
}

GPtrArray *
onb_journal_list_jobs (OnbJournal  *self,
                       const char  *query,
                       int          state,
                       guint        limit,
                       GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GString) where = g_string_new ("WHERE 1");
  g_autofree char *pattern = NULL;
  GPtrArray *jobs;

  g_return_val_if_fail (ONB_IS_JOURNAL (self), NULL);

  if (state >= 0)
    g_string_append_printf (where, " AND state = '%s'", enum_to_nick (ONB_TYPE_JOB_STATE, state));
  if (query != NULL && *query != '\0')
    {
      g_string_append (where, " AND (dev_eui LIKE ?1 OR device_name LIKE ?1 OR reason LIKE ?1"
                              " OR old_dev_eui LIKE ?1)");
      pattern = g_strdup_printf ("%%%s%%", query);
    }
  g_string_append (where, " ORDER BY id DESC");
  if (limit > 0)
    g_string_append_printf (where, " LIMIT %u", limit);

  g_mutex_lock (&self->lock);
  rows = select_rows (self->db, where->str, pattern, 0, NULL, error);
  g_mutex_unlock (&self->lock);
  if (rows == NULL)
    return NULL;

  jobs = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (jobs, onb_job_new_from_row (rows->pdata[i]));
  return jobs;
}

OnbJob *
onb_journal_get_job (OnbJournal  *self,
                     gint64       job_id,
                     GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_mutex_lock (&self->lock);
  rows = select_rows (self->db, "WHERE id = ?", NULL, job_id, NULL, error);
  g_mutex_unlock (&self->lock);
  if (rows == NULL)
    return NULL;
  if (rows->len == 0)
    {
      g_set_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_JOB_NOT_FOUND,
                   _("There is no job %lld in the journal."), (long long) job_id);
      return NULL;
    }
  return onb_job_new_from_row (rows->pdata[0]);
}

static char *
iso_time (GDateTime *time)
{
  return time != NULL ? g_date_time_format_iso8601 (time) : g_strdup ("");
}

/* "is=done;js=done;…" */
static char *
steps_summary (OnbJob *job)
{
  GString *steps = g_string_new (NULL);

  for (guint s = 0; s < ONB_JOB_N_STEPS; s++)
    g_string_append_printf (steps, "%s%s=%s", s > 0 ? ";" : "", onb_job_step_to_string (s),
                            onb_step_state_to_string (onb_job_get_step_state (job, s)));
  return g_string_free (steps, FALSE);
}

gboolean
onb_journal_export_csv (OnbJournal  *self,
                        const char  *path,
                        GError     **error)
{
  static const char *header[] = {
    "id", "kind", "dev_eui", "join_eui", "device_name", "old_dev_eui", "source", "code_kind", "state",
    "reason", "message", "attempts", "blynk_device_id", "tts_device_id", "created", "updated", "finished",
    "steps",
  };
  g_autoptr(GPtrArray) jobs = onb_journal_list_jobs (self, NULL, -1, 0, error);
  g_autoptr(GString) out = g_string_new (NULL);

  if (jobs == NULL)
    return FALSE;

  onb_csv_append_row (out, header, G_N_ELEMENTS (header));
  /* Oldest first, as a shift reads it. */
  for (guint i = jobs->len; i > 0; i--)
    {
      OnbJob *job = jobs->pdata[i - 1];
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, onb_job_get_id (job));
      g_autofree char *attempts = g_strdup_printf ("%u", onb_job_get_attempts (job));
      g_autofree char *blynk_id = onb_job_get_blynk_device_id (job) > 0
        ? g_strdup_printf ("%" G_GINT64_FORMAT, onb_job_get_blynk_device_id (job)) : g_strdup ("");
      g_autofree char *created = iso_time (onb_job_get_created (job));
      g_autofree char *updated = iso_time (onb_job_get_updated (job));
      g_autofree char *finished = iso_time (onb_job_get_finished (job));
      g_autofree char *steps = steps_summary (job);
      /* In the order of the header. */
      const char *fields[] = {
        id, enum_to_nick (ONB_TYPE_JOB_KIND, onb_job_get_kind (job)), onb_job_get_dev_eui (job),
        onb_job_get_join_eui (job), onb_job_get_device_name (job), onb_job_get_old_dev_eui (job),
        onb_job_get_source (job), onb_job_get_code_kind (job), onb_job_state_to_string (onb_job_get_state (job)),
        onb_job_get_reason (job), onb_job_get_message (job), attempts, blynk_id, onb_job_get_tts_device_id (job),
        created, updated, finished, steps,
      };

      G_STATIC_ASSERT (G_N_ELEMENTS (fields) == G_N_ELEMENTS (header));
      onb_csv_append_row (out, fields, G_N_ELEMENTS (fields));
    }

  return onb_file_write (path, out->str, out->len, ONB_FILE_WRITE_NONE, error);
}

/* ---- batch progress: each device's latest job state, in one query ---- */

OnbDeviceStates *
onb_journal_get_device_states (OnbJournal         *self,
                               const char * const *dev_euis,
                               GError            **error)
{
  g_autoptr(OnbDeviceStates) states = onb_device_states_new ();
  g_autoptr(GString) wanted = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (ONB_IS_JOURNAL (self), NULL);

  /* One batch's DevEUIs go in as one JSON array (hex digits: nothing to
   * escape), read through the dev_eui index. */
  if (dev_euis != NULL)
    {
      wanted = g_string_new ("[");
      for (guint i = 0; dev_euis[i] != NULL; i++)
        g_string_append_printf (wanted, "%s\"%s\"", i > 0 ? "," : "", dev_euis[i]);
      g_string_append_c (wanted, ']');
    }

  g_mutex_lock (&self->lock);
  if (sqlite3_prepare_v2 (self->db,
                          wanted != NULL ? "SELECT dev_eui, state, reason, message FROM jobs "
                                           "WHERE dev_eui IN (SELECT value FROM json_each (?))"
                                         : "SELECT dev_eui, state, reason, message FROM jobs",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db);
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  if (wanted != NULL)
    sqlite3_bind_text (stmt, 1, wanted->str, wanted->len, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *state = text (stmt, 1);
      OnbDeviceProgress progress = g_strcmp0 (state, "done") == 0     ? ONB_DEVICE_PROGRESS_DONE
                                   : g_strcmp0 (state, "failed") == 0 ? ONB_DEVICE_PROGRESS_FAILED
                                                                      : ONB_DEVICE_PROGRESS_TO_DO;

      onb_device_states_add (states, text (stmt, 0), progress, text (stmt, 2), text (stmt, 3));
    }
  if (rc != SQLITE_DONE)
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->lock);
  return rc == SQLITE_DONE ? g_steal_pointer (&states) : NULL;
}

void
onb_journal_conflict_free (OnbJournalConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->dev_eui);
  g_free (conflict->device_id);
  g_free (conflict);
}

void
onb_journal_record_conflict_async (OnbJournal          *self,
                                   const char          *dev_eui,
                                   const char          *device_id,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_CONFLICT;
  op->conflict = g_new0 (OnbJournalConflict, 1);
  op->conflict->at_us = g_get_real_time ();
  op->conflict->dev_eui = g_ascii_strup (dev_eui, -1);
  op->conflict->device_id = g_strdup (device_id);
  push_op (self, op, onb_journal_record_conflict_async, callback, user_data);
}

OnbJournalConflict *
onb_journal_get_last_conflict (OnbJournal  *self,
                               guint       *n_conflicts,
                               GError     **error)
{
  OnbJournalConflict *conflict = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (ONB_IS_JOURNAL (self), NULL);

  if (n_conflicts != NULL)
    *n_conflicts = 0;
  g_mutex_lock (&self->lock);
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
      if (n_conflicts != NULL)
        *n_conflicts = (guint) sqlite3_column_int64 (stmt, 3);
    }
  /* A journal older than the table (opened read-only) has none. */
  else if (rc != SQLITE_DONE && !(rc == SQLITE_ERROR && strstr (sqlite3_errmsg (self->db), "no such table")))
    set_db_error (error, self->db);
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->lock);
  return conflict;
}
