/* onb-journal.c: the durable record of every job
 *
 * One job store (onb-job-store.h: the station's own SQLite file, or the
 * site's PostgreSQL), guarded by a mutex, used by a dedicated writer
 * thread and by the synchronous readers. Ops queued while a commit runs
 * are committed together with the next one. What a claim means is decided
 * here, once; who holds a claim, and until when, is the store's.
 */

#define G_LOG_DOMAIN "onb-journal"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-csv.h"
#include "onb-error.h"
#include "onb-file.h"
#include "onb-journal-private.h"
#include "onb-pg-job-store.h"
#include "onb-provision-enums.h"
#include "onb-sqlite-job-store.h"
#include "onb-store.h"

#define MAX_GROUP       128

/* The ids of the outbox's jobs, as the engine sees them: above any id a
 * shared store hands out, so the two never meet (docs/design.md, The
 * outbox). */
#define OUTBOX_BASE     (G_GINT64_CONSTANT (1) << 62)

ONB_DEFINE_ERROR_DOMAIN (onb_journal_error, onb_journal_error_get_type)

typedef enum
{
  OP_STOP,
  OP_CLAIM,
  OP_CLAIM_ID,
  OP_SAVE,
  OP_RELEASE,
  OP_CLAIM_UNFINISHED,
  OP_FIND_UNCLAIMED,
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
  OnbJobStore *outbox;
  gint alone;            /* atomic: the shared store was out of reach at its last call */
  gboolean to_hand_over; /* under the lock: the outbox may hold finished jobs */
  GHashTable *handed_over; /* under the lock: an outbox job's id → its id in the shared store */
};

G_DEFINE_FINAL_TYPE (OnbJournal, onb_journal, G_TYPE_OBJECT)

gboolean
onb_journal_error_is_fault (const GError *error)
{
  return g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DISK_FULL) ||
         g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DATA_READ_ONLY) ||
         g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_UNREACHABLE);
}

static gboolean
is_unreachable (const GError *error)
{
  return g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_UNREACHABLE);
}

/* What holds every run: with an outbox, a database out of reach holds
 * only the runs of the jobs it keeps (each one's commit fails). */
static gboolean
is_journal_fault (OnbJournal   *self,
                  const GError *error)
{
  return onb_journal_error_is_fault (error) && !(self->outbox != NULL && is_unreachable (error));
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
claim_existing (OnbJobStore           *store,
                OnbJobRow             *existing,
                gboolean               foreign,
                OnbJournalClaimFlags   flags,
                GError               **error)
{
  OnbJournalClaimResult *result = g_new0 (OnbJournalClaimResult, 1);
  gboolean requeue = (flags & ONB_JOURNAL_CLAIM_REQUEUE_FAILED) != 0;

  result->row = existing;
  if (existing->state == ONB_JOB_STATE_DONE || (existing->state == ONB_JOB_STATE_FAILED && !requeue))
    result->claim = ONB_JOURNAL_CLAIM_ALREADY_DONE;
  else if (foreign)
    result->claim = ONB_JOURNAL_CLAIM_FOREIGN;
  else
    {
      if (!onb_job_store_take (store, existing->id, error) ||
          (existing->state == ONB_JOB_STATE_FAILED &&
           (requeue_failed (existing), !onb_job_store_write (store, existing, TRUE, error))))
        {
          onb_journal_claim_result_free (result);
          return NULL;
        }
      result->claim = ONB_JOURNAL_CLAIM_RESUMED;
    }
  return result;
}

/* The unfinished rows of @store not claimed elsewhere, claimed when
 * @claim, their ids moved up by @base. */
static GPtrArray *
find_unfinished (OnbJobStore  *store,
                 gboolean      claim,
                 gint64        base,
                 GError      **error)
{
  g_autoptr(GArray) foreign = g_array_new (FALSE, TRUE, sizeof (gboolean));
  OnbJobFilter filter = { .state = -1, .unfinished = TRUE, .for_claim = claim };
  g_autoptr(GPtrArray) rows = onb_job_store_find (store, &filter, foreign, error);

  if (rows == NULL)
    return NULL;
  for (guint i = rows->len; i > 0; i--)
    {
      OnbJobRow *row = rows->pdata[i - 1];

      if (g_array_index (foreign, gboolean, i - 1))
        g_ptr_array_remove_index (rows, i - 1);
      else if (claim && !onb_job_store_take (store, row->id, error))
        return NULL;
      else
        row->id += base;
    }
  return g_steal_pointer (&rows);
}

/* Runs @op on @store: the shared store or the outbox, whose ids the
 * engine sees moved up by OUTBOX_BASE. */
static void
run_op (OnbJournal  *self,
        OnbJobStore *store,
        Op          *op)
{
  g_autoptr(GArray) foreign = g_array_new (FALSE, TRUE, sizeof (gboolean));
  g_autoptr(GPtrArray) rows = NULL;
  OnbJobFilter filter = { .state = -1, .for_claim = TRUE };
  gint64 base = store == self->outbox ? OUTBOX_BASE : 0;

  switch (op->kind)
    {
    case OP_CLAIM:
    case OP_CLAIM_ID:
      if (op->kind == OP_CLAIM)
        filter.dev_eui = op->row->dev_eui;
      else
        filter.id = op->id - base;
      if (!(rows = onb_job_store_find (store, &filter, foreign, &op->error)))
        return;
      op->result_free = (GDestroyNotify) onb_journal_claim_result_free;
      if (rows->len > 0)
        {
          OnbJournalClaimResult *result = claim_existing (store, g_ptr_array_steal_index (rows, 0),
                                                          g_array_index (foreign, gboolean, 0), op->flags,
                                                          &op->error);

          if (result != NULL)
            result->row->id += base;
          op->result = result;
        }
      else if (op->kind == OP_CLAIM_ID)
        g_set_error (&op->error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_JOB_NOT_FOUND,
                     _("There is no job %lld in the journal."), (long long) op->id);
      else if (onb_job_store_write (store, op->row, TRUE, &op->error))
        {
          OnbJournalClaimResult *result = g_new0 (OnbJournalClaimResult, 1);

          op->row->id += base;
          result->claim = ONB_JOURNAL_CLAIM_NEW;
          result->row = g_steal_pointer (&op->row);
          op->result = result;
        }
      break;

    case OP_SAVE:
    case OP_RELEASE:
      op->row->id -= base;
      if (onb_job_store_write (store, op->row, op->kind == OP_SAVE, &op->error))
        op->result = GINT_TO_POINTER (TRUE);
      break;

    case OP_CLAIM_UNFINISHED:
    case OP_FIND_UNCLAIMED:
      if (!(rows = find_unfinished (store, op->kind == OP_CLAIM_UNFINISHED, 0, &op->error)))
        return;
      /* The outbox's own unfinished jobs (a station stopped while alone)
       * run here again, and are handed over when they are finished. */
      if (op->kind == OP_CLAIM_UNFINISHED && self->outbox != NULL)
        {
          g_autoptr(GPtrArray) local = find_unfinished (self->outbox, TRUE, OUTBOX_BASE, &op->error);

          if (local == NULL)
            return;
          g_ptr_array_extend_and_steal (rows, g_steal_pointer (&local));
        }
      op->result = g_steal_pointer (&rows);
      op->result_free = (GDestroyNotify) g_ptr_array_unref;
      break;

    case OP_CONFLICT:
      if (onb_job_store_add_conflict (store, op->conflict, &op->error))
        op->result = GINT_TO_POINTER (TRUE);
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

/* Says once each way whether the shared store can be reached, when there
 * is an outbox to keep the work meanwhile. */
static void
set_alone (OnbJournal *self,
           gboolean    alone)
{
  if (g_atomic_int_exchange (&self->alone, alone) == alone)
    return;
  if (alone)
    g_message ("The shared database cannot be reached: this station keeps its new jobs in its own outbox and "
               "shares them when the database is back.");
  else
    g_message ("The shared database is back: this station shares the jobs of its outbox.");
}

/* One group of ops on @store, in one transaction; each op of a group of
 * several is all or nothing (a savepoint). A group that fails as a whole
 * gives its error to every op. */
static void
run_group (OnbJournal  *self,
           OnbJobStore *store,
           GPtrArray   *group)
{
  g_autoptr(GError) error = NULL;
  gboolean claims = FALSE;

  if (group->len == 0)
    return;
  for (guint i = 0; i < group->len; i++)
    {
      OpKind kind = ((Op *) group->pdata[i])->kind;

      claims |= kind != OP_SAVE && kind != OP_RELEASE && kind != OP_FIND_UNCLAIMED;
    }
  onb_job_store_begin (store, claims, &error);
  /* A claim whose steps do not fit leaves no row behind. A lone op needs
   * no savepoint (two statements fewer): the group's own rollback undoes
   * it. */
  if (error == NULL && group->len == 1)
    {
      Op *only = group->pdata[0];

      run_op (self, store, only);
      if (only->error != NULL)
        onb_job_store_rollback (store);
      else if (!onb_job_store_commit (store, &error))
        onb_job_store_rollback (store);
    }
  else
    {
      for (guint i = 0; error == NULL && i < group->len; i++)
        {
          Op *current = group->pdata[i];

          if (!onb_job_store_op_begin (store, &current->error))
            continue;
          run_op (self, store, current);
          onb_job_store_op_end (store, current->error == NULL);
        }
      if (error == NULL && !onb_job_store_commit (store, &error))
        onb_job_store_rollback (store);
    }
  for (guint i = 0; error != NULL && i < group->len; i++)
    {
      Op *done = group->pdata[i];

      if (done->error == NULL)
        done->error = g_error_copy (error);
    }
}

/* Whether @op goes to the outbox: the outbox's own jobs, and new scans
 * while the shared store is out of reach or while the outbox still holds
 * the box's job. Under the lock. */
static gboolean
for_outbox (OnbJournal *self,
            Op         *op)
{
  gint64 *shared_id;
  OnbJobFilter filter = { .state = -1 };
  g_autoptr(GPtrArray) rows = NULL;

  if (self->outbox == NULL)
    return FALSE;
  switch (op->kind)
    {
    case OP_SAVE:
    case OP_RELEASE:
      return op->row->id >= OUTBOX_BASE;

    case OP_CLAIM_ID:
      /* A retry of a job handed over meanwhile: its shared row. */
      if (op->id >= OUTBOX_BASE && (shared_id = g_hash_table_lookup (self->handed_over, &op->id)) != NULL)
        op->id = *shared_id;
      return op->id >= OUTBOX_BASE;

    case OP_CLAIM:
      if (g_atomic_int_get (&self->alone))
        return TRUE;
      filter.dev_eui = op->row->dev_eui;
      rows = onb_job_store_find (self->outbox, &filter, NULL, NULL);
      return rows != NULL && rows->len > 0;

    case OP_STOP:
    case OP_CLAIM_UNFINISHED:
    case OP_FIND_UNCLAIMED:
    case OP_CONFLICT:
    default:
      return FALSE;
    }
}

/* A new scan the shared store could not take: its row as it was, for the
 * outbox. */
static void
reset_claim (Op *op)
{
  OnbJournalClaimResult *result = op->result;

  if (result != NULL && result->claim == ONB_JOURNAL_CLAIM_NEW)
    {
      g_clear_pointer (&op->row, onb_job_row_free);
      op->row = g_steal_pointer (&result->row);
      op->row->id = 0;
    }
  if (result != NULL)
    onb_journal_claim_result_free (result);
  op->result = NULL;
  g_clear_error (&op->error);
}

/* What hands an outbox job over: the box's row in the shared store (none,
 * or the one kept) decides. The outcome in @shared_id: the shared row's
 * id once the outbox's row may go, 0 while it must wait. */
static gboolean
hand_over_row (OnbJournal  *self,
               OnbJobRow   *row,
               gint64      *shared_id,
               GError     **error)
{
  OnbJobFilter filter = { .dev_eui = row->dev_eui, .state = -1, .for_claim = TRUE };
  g_autoptr(GPtrArray) rows = onb_job_store_find (self->store, &filter, NULL, error);
  gint64 local_id = row->id;
  OnbJobRow *shared;
  gboolean ok;

  *shared_id = 0;
  if (rows == NULL)
    return FALSE;
  if (rows->len == 0)
    {
      row->id = 0;
      ok = onb_job_store_write (self->store, row, FALSE, error);
      *shared_id = ok ? row->id : 0;
      row->id = local_id;
      return ok;
    }
  shared = rows->pdata[0];
  /* Another station works on the box: its run finds in the clouds what
   * this one made, and the outbox's row goes once it has finished. */
  if (shared->state != ONB_JOB_STATE_DONE && shared->state != ONB_JOB_STATE_FAILED)
    return TRUE;
  *shared_id = shared->id;
  if (shared->state == ONB_JOB_STATE_FAILED && row->state == ONB_JOB_STATE_DONE)
    {
      row->id = shared->id;
      ok = onb_job_store_take (self->store, shared->id, error) && onb_job_store_write (self->store, row, FALSE, error);
      row->id = local_id;
      return ok;
    }
  g_debug ("Job of %s: the shared store's row (%s) is kept over this station's outbox (%s)", row->dev_eui,
           onb_job_state_to_string (shared->state), onb_job_state_to_string (row->state));
  return TRUE;
}

/* Hands the outbox's finished jobs to the shared store, in one
 * transaction, then removes them from the outbox: a crash in between
 * hands them over again, and the box's row in the shared store then keeps
 * them from becoming a second job. Under the lock. */
static void
hand_over (OnbJournal *self)
{
  OnbJobFilter all = { .state = -1 };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GArray) local_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) shared_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;

  self->to_hand_over = FALSE;
  if (!(rows = onb_job_store_find (self->outbox, &all, NULL, &error)))
    goto out;
  for (guint i = rows->len; i > 0; i--)
    {
      OnbJobRow *row = rows->pdata[i - 1];

      if (row->state != ONB_JOB_STATE_DONE && row->state != ONB_JOB_STATE_FAILED)
        g_ptr_array_remove_index (rows, i - 1);
    }
  if (rows->len == 0 || !onb_job_store_begin (self->store, TRUE, &error))
    goto out;
  for (guint i = 0; i < rows->len; i++)
    {
      OnbJobRow *row = rows->pdata[i];
      g_autoptr(GError) row_error = NULL;
      gint64 shared_id = 0;
      gboolean ok;

      if (!onb_job_store_op_begin (self->store, &error))
        break;
      ok = hand_over_row (self, row, &shared_id, &row_error);
      onb_job_store_op_end (self->store, ok);
      if (!ok && is_unreachable (row_error))
        {
          g_propagate_error (&error, g_steal_pointer (&row_error));
          break;
        }
      if (!ok)
        g_warning ("The job of %s cannot be handed to the shared store: %s", row->dev_eui, row_error->message);
      else if (shared_id > 0)
        {
          g_array_append_val (local_ids, row->id);
          g_array_append_val (shared_ids, shared_id);
        }
    }
  if (error == NULL && !onb_job_store_commit (self->store, &error))
    onb_job_store_rollback (self->store);
  else if (error != NULL)
    onb_job_store_rollback (self->store);
  if (error == NULL &&
      onb_sqlite_job_store_remove (ONB_SQLITE_JOB_STORE (self->outbox), (gint64 *) (gpointer) local_ids->data,
                                   local_ids->len, &error))
    for (guint i = 0; i < local_ids->len; i++)
      {
        gint64 local_id = g_array_index (local_ids, gint64, i) + OUTBOX_BASE;

        g_hash_table_insert (self->handed_over, g_memdup2 (&local_id, sizeof local_id),
                             g_memdup2 (&g_array_index (shared_ids, gint64, i), sizeof (gint64)));
      }

out:
  if (error != NULL)
    {
      self->to_hand_over = TRUE;
      if (is_unreachable (error))
        set_alone (self, TRUE);
      else
        g_warning ("The outbox cannot be handed to the shared store: %s", error->message);
    }
  else if (local_ids->len > 0)
    g_message ("%u jobs of the outbox are handed over to the shared store.", local_ids->len);
}

/* Whether any op of @group failed because the shared store is out of
 * reach. */
static gboolean
group_unreachable (GPtrArray *group)
{
  for (guint i = 0; i < group->len; i++)
    if (is_unreachable (((Op *) group->pdata[i])->error))
      return TRUE;
  return FALSE;
}

/* Runs @group: the outbox's ops there, the others on the store; new scans
 * the shared store could not take go to the outbox. */
static void
run_groups (OnbJournal *self,
            GPtrArray  *group)
{
  g_autoptr(GPtrArray) shared = g_ptr_array_new ();
  g_autoptr(GPtrArray) local = g_ptr_array_new ();
  gboolean unreachable;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < group->len; i++)
    g_ptr_array_add (for_outbox (self, group->pdata[i]) ? local : shared, group->pdata[i]);
  run_group (self, self->store, shared);
  unreachable = group_unreachable (shared);
  if (self->outbox != NULL && shared->len > 0)
    {
      set_alone (self, unreachable);
      for (guint i = 0; unreachable && i < shared->len; i++)
        {
          Op *op = shared->pdata[i];

          if (op->kind == OP_CLAIM && is_unreachable (op->error))
            {
              reset_claim (op);
              g_ptr_array_add (local, op);
            }
        }
    }
  run_group (self, self->outbox, local);
  self->to_hand_over |= local->len > 0;
  if (self->outbox != NULL && !unreachable && shared->len > 0 && self->to_hand_over)
    hand_over (self);
  g_mutex_unlock (&self->lock);
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
    {
      set_alone (self, !onb_job_store_check_space (self->store, NULL));
      if (!g_atomic_int_get (&self->alone))
        hand_over (self);
    }
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
      Op *op = renew_ms > 0 ? g_async_queue_timeout_pop (self->ops, renew_ms * 1000ull) : g_async_queue_pop (self->ops);
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
          const GError *fault = NULL;

          run_groups (self, group);
          /* Known before any caller hears of the failure. */
          for (guint i = 0; !is_journal_fault (self, fault) && i < group->len; i++)
            fault = ((Op *) group->pdata[i])->error;
          record_fault (self, fault);
          for (guint i = 0; i < group->len; i++)
            op_complete (group->pdata[i]);
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
      /* A last try, so that a `provision` that finished while alone
       * leaves nothing in its outbox when the database is back. */
      if (self->outbox != NULL)
        hand_over (self);
    }
  g_clear_pointer (&self->ops, g_async_queue_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->outbox);
  g_clear_pointer (&self->handed_over, g_hash_table_unref);
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
  self->handed_over = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
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
  self->outbox = outbox;
  self->to_hand_over = outbox != NULL;
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

      /* A station that runs jobs keeps an outbox for the time the
       * database cannot be reached (docs/design.md, The outbox). */
      if (!read_only)
        {
          path = onb_journal_outbox_path (data_dir);
          if (!(outbox = onb_sqlite_job_store_open (path, error)))
            return NULL;
        }
      station = onb_store_get_station (config);
      return journal_new (onb_pg_job_store_open (url, station, onb_store_get_lease_s (config), read_only, error),
                          g_steal_pointer (&outbox), NULL, read_only);
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
  if (self->outbox != NULL && g_atomic_int_get (&self->alone))
    ok = onb_job_store_check_space (self->outbox, error);
  else
    {
      g_autoptr(GError) local_error = NULL;

      ok = onb_job_store_check_space (self->store, &local_error);
      /* Out of reach: the scan goes to the outbox. */
      if (!ok && self->outbox != NULL && is_unreachable (local_error))
        ok = onb_job_store_check_space (self->outbox, error);
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

/* An op that names no row. */
static void
push_kind (OnbJournal          *self,
           OpKind               kind,
           gpointer             source_tag,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  push_op (self, op, source_tag, callback, user_data);
}

void
onb_journal_claim_unfinished_async (OnbJournal          *self,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  push_kind (self, OP_CLAIM_UNFINISHED, onb_journal_claim_unfinished_async, callback, user_data);
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
  push_kind (self, OP_FIND_UNCLAIMED, onb_journal_find_unclaimed_async, callback, user_data);
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
