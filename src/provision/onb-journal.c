/* onb-journal.c: the durable record of every job
 *
 * One job store (onb-job-store.h: the station's own SQLite file, or the
 * site's PostgreSQL), guarded by a mutex, used by a dedicated writer
 * thread and by the synchronous readers. Ops queued while a commit runs
 * are committed together with the next one (onb-journal-op.c, which also
 * decides what a claim means); with a shared store, the outbox takes the
 * work while the database is out of reach (onb-journal-outbox.c).
 */

#define G_LOG_DOMAIN "onb-journal"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-csv.h"
#include "onb-error.h"
#include "onb-file.h"
#include "onb-journal-outbox-private.h"
#include "onb-pg-job-store.h"
#include "onb-pg.h"
#include "onb-provision-enums.h"
#include "onb-sqlite-job-store.h"
#include "onb-store.h"

#define MAX_GROUP       128

ONB_DEFINE_ERROR_DOMAIN (onb_journal_error, onb_journal_error_get_type)

struct _OnbJournal
{
  GObject parent_instance;
  char *path;        /* the station's own file; NULL for a shared store */
  OnbJobStore *store;
  GMutex lock;       /* the store serves one call at a time */
  GThread *writer;
  GAsyncQueue *ops;
  GMutex fault_lock;
  GError *fault;     /* why the last commit failed, when the disk is full or read-only */
  gint64 fault_time; /* when a commit last failed so, kept after one succeeds */
  /* With a shared store: the station's own file, where new jobs go while
   * the database cannot be reached, handed over once it is back. */
  OnbJournalOutbox *outbox;
};

G_DEFINE_FINAL_TYPE (OnbJournal, onb_journal, G_TYPE_OBJECT)

gboolean
onb_journal_error_is_fault (const GError *error)
{
  return g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DISK_FULL) ||
         g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DATA_READ_ONLY) ||
         g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_UNREACHABLE);
}

/* What holds every run: with an outbox, a database out of reach holds
 * only the runs of the jobs it keeps (each one's commit fails). */
static gboolean
is_journal_fault (OnbJournal   *self,
                  const GError *error)
{
  return onb_journal_error_is_fault (error) && !(self->outbox != NULL && onb_journal_error_is_unreachable (error));
}

/* Remembers why commits fail (a full disk, a read-only folder) until one
 * succeeds, and says so once each way, not once per commit. */
static void
record_fault (OnbJournal   *self,
              const GError *error)
{
  gboolean was = FALSE;
  gboolean is = is_journal_fault (self, error);

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

/* Renews the claims' lease, and hands the outbox over once the shared
 * store answers again. */
static guint
renew (OnbJournal *self)
{
  guint renew_ms;

  g_mutex_lock (&self->lock);
  renew_ms = onb_job_store_renew (self->store);
  if (self->outbox != NULL)
    onb_journal_outbox_renewed (self->outbox);
  g_mutex_unlock (&self->lock);
  return renew_ms;
}

static gpointer
writer_thread (gpointer data)
{
  OnbJournal *self = data;
  guint renew_ms = renew (self);
  gint64 next_renew = g_get_monotonic_time () + renew_ms * 1000ll;

  for (;;)
    {
      g_autoptr(GPtrArray) group = g_ptr_array_new ();
      OnbJournalOp *op = renew_ms > 0 ? g_async_queue_timeout_pop (self->ops, renew_ms * 1000ull) : g_async_queue_pop (self->ops);
      gboolean stop = FALSE;

      /* Claims held by lease are renewed between groups, and at least
       * as often as the store asks. */
      if (renew_ms > 0 && g_get_monotonic_time () >= next_renew)
        {
          renew_ms = renew (self);
          next_renew = g_get_monotonic_time () + renew_ms * 1000ll;
        }

      while (op != NULL)
        {
          if (op->kind == ONB_JOURNAL_OP_STOP)
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
          const GError *fault = NULL;

          g_mutex_lock (&self->lock);
          if (self->outbox != NULL)
            onb_journal_outbox_run_group (self->outbox, group);
          else
            onb_journal_op_run_group (self->store, NULL, group);
          g_mutex_unlock (&self->lock);
          /* Known before any caller hears of the failure. */
          for (guint i = 0; !is_journal_fault (self, fault) && i < group->len; i++)
            fault = ((OnbJournalOp *) group->pdata[i])->error;
          record_fault (self, fault);
          for (guint i = 0; i < group->len; i++)
            onb_journal_op_complete (group->pdata[i]);
        }

      if (stop)
        return NULL;
    }
}

static void
push_op (OnbJournal          *self,
         OnbJournalOp        *op,
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
      OnbJournalOp *stop = g_new0 (OnbJournalOp, 1);

      stop->kind = ONB_JOURNAL_OP_STOP;
      g_async_queue_push (self->ops, stop);
      g_thread_join (self->writer);
      /* A last try, so that a `provision` that finished while alone
       * leaves nothing in its outbox when the database is back. */
      if (self->outbox != NULL)
        onb_journal_outbox_hand_over (self->outbox);
    }
  g_clear_pointer (&self->ops, g_async_queue_unref);
  g_clear_object (&self->store);
  g_clear_pointer (&self->outbox, onb_journal_outbox_free);
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

char *
onb_journal_outbox_path (const char *data_dir)
{
  return g_build_filename (data_dir, "outbox.sqlite", NULL);
}

/* A journal over @store (taken; NULL: NULL), with @outbox (taken; may be
 * NULL) and a writer unless @read_only. */
static OnbJournal *
journal_new (OnbJobStore *store,
             OnbJobStore *outbox,
             const char  *path,
             gboolean     read_only)
{
  OnbJournal *self;

  if (store == NULL)
    {
      g_clear_object (&outbox);
      return NULL;
    }
  self = g_object_new (ONB_TYPE_JOURNAL, NULL);
  self->store = store;
  if (outbox != NULL)
    self->outbox = onb_journal_outbox_new (store, outbox);
  self->path = g_strdup (path);
  if (!read_only)
    self->writer = g_thread_new ("onb-journal", writer_thread, self);
  return self;
}

OnbJournal *
onb_journal_open (const char  *path,
                  GError     **error)
{
  return journal_new (onb_sqlite_job_store_open (path, error), NULL, path, FALSE);
}

OnbJournal *
onb_journal_open_read_only (const char  *path,
                            GError     **error)
{
  return journal_new (onb_sqlite_job_store_open_read_only (path, error), NULL, path, TRUE);
}

/* The shared store; while the database is out of reach, a station with
 * an outbox (@may_start_alone) starts alone on it, and shares its jobs
 * once the database answers. */
static OnbJobStore *
open_shared (const char  *url,
             const char  *station,
             guint        lease_s,
             gboolean     read_only,
             gboolean     may_start_alone,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  OnbJobStore *store = onb_pg_job_store_open (url, station, lease_s, read_only, &local_error);

  if (store != NULL)
    return store;
  if (may_start_alone && onb_pg_out_of_reach (url))
    {
      g_message ("This station starts alone, on its outbox: %s", local_error->message);
      return onb_pg_job_store_open_alone (url, station, lease_s);
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

OnbJournal *
onb_journal_open_for_config (OnbConfig  *config,
                             gboolean    read_only,
                             GError    **error)
{
  g_autofree char *url = onb_store_get_url (config);
  g_autofree char *data_dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *station = NULL;

  data_dir = onb_config_get_data_dir (config);
  if (url != NULL)
    {
      g_autoptr(OnbJobStore) outbox = NULL;
      OnbJobStore *store;

      /* A station that runs jobs keeps an outbox for the time the
       * database cannot be reached (docs/design.md, The outbox); without
       * one (a read-only folder) it holds new scans meanwhile. */
      if (!read_only)
        {
          g_autoptr(GError) local_error = NULL;

          path = onb_journal_outbox_path (data_dir);
          if (!(outbox = onb_sqlite_job_store_open (path, &local_error)))
            g_message ("This station keeps no outbox: %s", local_error->message);
        }
      station = onb_store_get_station (config);
      store = open_shared (url, station, onb_store_get_lease_s (config), read_only, outbox != NULL, error);
      return journal_new (store, g_steal_pointer (&outbox), NULL, read_only);
    }
  path = onb_journal_default_path (data_dir);
  return read_only ? onb_journal_open_read_only (path, error) : onb_journal_open (path, error);
}

/* A failed commit is believed this long: then a new one may try again,
 * since space may have come back meanwhile. */
#define FAULT_HOLD_US (2 * G_USEC_PER_SEC)

gboolean
onb_journal_can_record (OnbJournal  *self,
                        GError     **error)
{
  gboolean ok;

  g_return_val_if_fail (ONB_IS_JOURNAL (self), FALSE);

  g_mutex_lock (&self->fault_lock);
  if (self->fault != NULL && g_get_monotonic_time () - self->fault_time < FAULT_HOLD_US)
    {
      g_propagate_error (error, g_error_copy (self->fault));
      g_mutex_unlock (&self->fault_lock);
      return FALSE;
    }
  g_mutex_unlock (&self->fault_lock);

  g_mutex_lock (&self->lock);
  if (self->outbox != NULL && onb_journal_outbox_is_alone (self->outbox))
    ok = onb_job_store_check_space (onb_journal_outbox_get_store (self->outbox), error);
  else
    {
      g_autoptr(GError) local_error = NULL;

      ok = onb_job_store_check_space (self->store, &local_error);
      /* Out of reach: the scan goes to the outbox. */
      if (!ok && self->outbox != NULL && onb_journal_error_is_unreachable (local_error))
        ok = onb_job_store_check_space (onb_journal_outbox_get_store (self->outbox), error);
      else if (!ok)
        g_propagate_error (error, g_steal_pointer (&local_error));
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

void
onb_journal_set_max_pages (OnbJournal *self,
                           guint       n_pages)
{
  g_return_if_fail (ONB_IS_SQLITE_JOB_STORE (self->store));

  g_mutex_lock (&self->lock);
  onb_sqlite_job_store_set_max_pages (ONB_SQLITE_JOB_STORE (self->store), n_pages);
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

void
onb_journal_claim_async (OnbJournal           *self,
                         OnbJobRow            *row,
                         OnbJournalClaimFlags  flags,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  OnbJournalOp *op = g_new0 (OnbJournalOp, 1);

  op->kind = ONB_JOURNAL_OP_CLAIM;
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
  OnbJournalOp *op = g_new0 (OnbJournalOp, 1);

  op->kind = ONB_JOURNAL_OP_CLAIM_ID;
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
  OnbJournalOp *op = g_new0 (OnbJournalOp, 1);

  op->kind = ONB_JOURNAL_OP_SAVE;
  op->row = row;
  push_op (self, op, onb_journal_save_async, callback, user_data);
}

void
onb_journal_release_async (OnbJournal          *self,
                           OnbJobRow           *row,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  OnbJournalOp *op = g_new0 (OnbJournalOp, 1);

  op->kind = ONB_JOURNAL_OP_RELEASE;
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

/* An op that names no row. */
static void
push_kind (OnbJournal          *self,
           OnbJournalOpKind     kind,
           gpointer             source_tag,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  OnbJournalOp *op = g_new0 (OnbJournalOp, 1);

  op->kind = kind;
  push_op (self, op, source_tag, callback, user_data);
}

void
onb_journal_claim_unfinished_async (OnbJournal          *self,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  push_kind (self, ONB_JOURNAL_OP_CLAIM_UNFINISHED, onb_journal_claim_unfinished_async, callback, user_data);
}

GPtrArray *
onb_journal_claim_unfinished_finish (OnbJournal    *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
onb_journal_find_unclaimed_async (OnbJournal          *self,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  push_kind (self, ONB_JOURNAL_OP_FIND_UNCLAIMED, onb_journal_find_unclaimed_async, callback, user_data);
}

GPtrArray *
onb_journal_find_unclaimed_finish (OnbJournal    *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Synchronous readers */

/* The rows of @filter, under the lock. */
static GPtrArray *
find_rows (OnbJournal          *self,
           const OnbJobFilter  *filter,
           GError             **error)
{
  GPtrArray *rows;

  g_mutex_lock (&self->lock);
  rows = onb_job_store_find (self->store, filter, NULL, error);
  g_mutex_unlock (&self->lock);
  return rows;
}

OnbJobRow *
onb_journal_lookup_dev_eui (OnbJournal  *self,
                            const char  *dev_eui,
                            GError     **error)
{
  g_autofree char *upper = g_ascii_strup (dev_eui, -1);
  OnbJobFilter filter = { .dev_eui = upper, .state = -1 };
  g_autoptr(GPtrArray) rows = find_rows (self, &filter, error);

  return rows != NULL && rows->len > 0 ? g_ptr_array_steal_index (rows, 0) : NULL;
}

GPtrArray *
onb_journal_list_jobs (OnbJournal  *self,
                       const char  *query,
                       int          state,
                       guint        limit,
                       GError     **error)
{
  return onb_journal_list_station_jobs (self, NULL, query, state, limit, error);
}

GPtrArray *
onb_journal_list_station_jobs (OnbJournal  *self,
                               const char  *station,
                               const char  *query,
                               int          state,
                               guint        limit,
                               GError     **error)
{
  OnbJobFilter filter = { .query = query, .state = state, .limit = limit, .station = station };
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *jobs;

  g_return_val_if_fail (ONB_IS_JOURNAL (self), NULL);

  if (!(rows = find_rows (self, &filter, error)))
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
  OnbJobFilter filter = { .id = job_id, .state = -1 };
  g_autoptr(GPtrArray) rows = find_rows (self, &filter, error);

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
        id, onb_job_enum_to_nick (ONB_TYPE_JOB_KIND, onb_job_get_kind (job)), onb_job_get_dev_eui (job),
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
  return onb_journal_get_station_device_states (self, NULL, dev_euis, error);
}

OnbDeviceStates *
onb_journal_get_station_device_states (OnbJournal         *self,
                                       const char         *station,
                                       const char * const *dev_euis,
                                       GError            **error)
{
  OnbDeviceStates *states;

  g_return_val_if_fail (ONB_IS_JOURNAL (self), NULL);

  g_mutex_lock (&self->lock);
  states = onb_job_store_device_states (self->store, station, dev_euis, error);
  g_mutex_unlock (&self->lock);
  return states;
}

GPtrArray *
onb_journal_list_stations (OnbJournal  *self,
                           GError     **error)
{
  GPtrArray *stations;

  g_return_val_if_fail (ONB_IS_JOURNAL (self), NULL);

  g_mutex_lock (&self->lock);
  stations = onb_job_store_stations (self->store, g_get_real_time () - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC, error);
  g_mutex_unlock (&self->lock);
  return stations;
}

void
onb_journal_record_conflict_async (OnbJournal          *self,
                                   const char          *dev_eui,
                                   const char          *device_id,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  OnbJournalOp *op = g_new0 (OnbJournalOp, 1);

  op->kind = ONB_JOURNAL_OP_CONFLICT;
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
  OnbJournalConflict *conflict;
  guint n = 0;

  g_return_val_if_fail (ONB_IS_JOURNAL (self), NULL);

  g_mutex_lock (&self->lock);
  conflict = onb_job_store_last_conflict (self->store, &n, error);
  g_mutex_unlock (&self->lock);
  if (n_conflicts != NULL)
    *n_conflicts = n;
  return conflict;
}
