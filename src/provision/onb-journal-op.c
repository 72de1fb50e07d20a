/* onb-journal-op.c: the journal's ops on one job store
 *
 * What a claim means (a new row, one resumed, one done or run elsewhere)
 * is decided here, once, for the shared store and the outbox alike; who
 * holds a claim, and until when, is the store's.
 */

#define G_LOG_DOMAIN "onb-journal"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-error.h"
#include "onb-journal-op-private.h"

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
 * engine sees moved up by ONB_JOURNAL_OUTBOX_BASE. */
static void
run_op (OnbJobStore  *store,
        OnbJobStore  *outbox,
        OnbJournalOp *op)
{
  g_autoptr(GArray) foreign = g_array_new (FALSE, TRUE, sizeof (gboolean));
  g_autoptr(GPtrArray) rows = NULL;
  OnbJobFilter filter = { .state = -1, .for_claim = TRUE };
  gint64 base = store == outbox ? ONB_JOURNAL_OUTBOX_BASE : 0;

  switch (op->kind)
    {
    case ONB_JOURNAL_OP_CLAIM:
    case ONB_JOURNAL_OP_CLAIM_ID:
      if (op->kind == ONB_JOURNAL_OP_CLAIM)
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
      else if (op->kind == ONB_JOURNAL_OP_CLAIM_ID)
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

    case ONB_JOURNAL_OP_SAVE:
    case ONB_JOURNAL_OP_RELEASE:
      op->row->id -= base;
      if (onb_job_store_write (store, op->row, op->kind == ONB_JOURNAL_OP_SAVE, &op->error))
        op->result = GINT_TO_POINTER (TRUE);
      break;

    case ONB_JOURNAL_OP_CLAIM_UNFINISHED:
    case ONB_JOURNAL_OP_FIND_UNCLAIMED:
      if (!(rows = find_unfinished (store, op->kind == ONB_JOURNAL_OP_CLAIM_UNFINISHED, base, &op->error)))
        return;
      /* The outbox's own unfinished jobs (a station stopped while alone)
       * run here again, and are handed over when they are finished. */
      if (op->kind == ONB_JOURNAL_OP_CLAIM_UNFINISHED && outbox != NULL && store != outbox)
        {
          g_autoptr(GPtrArray) local = find_unfinished (outbox, TRUE, ONB_JOURNAL_OUTBOX_BASE, &op->error);

          if (local == NULL)
            return;
          g_ptr_array_extend_and_steal (rows, g_steal_pointer (&local));
        }
      op->result = g_steal_pointer (&rows);
      op->result_free = (GDestroyNotify) g_ptr_array_unref;
      break;

    case ONB_JOURNAL_OP_CONFLICT:
      if (onb_job_store_add_conflict (store, op->conflict, &op->error))
        op->result = GINT_TO_POINTER (TRUE);
      break;

    case ONB_JOURNAL_OP_STOP:
    default:
      break;
    }
}

void
onb_journal_op_complete (OnbJournalOp *op)
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

void
onb_journal_op_run_group (OnbJobStore *store,
                          OnbJobStore *outbox,
                          GPtrArray   *group)
{
  g_autoptr(GError) error = NULL;
  gboolean claims = FALSE;

  if (group->len == 0)
    return;
  for (guint i = 0; i < group->len; i++)
    {
      OnbJournalOpKind kind = ((OnbJournalOp *) group->pdata[i])->kind;

      claims |= kind != ONB_JOURNAL_OP_SAVE && kind != ONB_JOURNAL_OP_RELEASE && kind != ONB_JOURNAL_OP_FIND_UNCLAIMED;
    }
  onb_job_store_begin (store, claims, &error);
  /* A claim whose steps do not fit leaves no row behind. A lone op needs
   * no savepoint (two statements fewer): the group's own rollback undoes
   * it. */
  if (error == NULL && group->len == 1)
    {
      OnbJournalOp *only = group->pdata[0];

      run_op (store, outbox, only);
      if (only->error != NULL)
        onb_job_store_rollback (store);
      else if (!onb_job_store_commit (store, &error))
        onb_job_store_rollback (store);
    }
  else
    {
      for (guint i = 0; error == NULL && i < group->len; i++)
        {
          OnbJournalOp *current = group->pdata[i];

          if (!onb_job_store_op_begin (store, &current->error))
            continue;
          run_op (store, outbox, current);
          onb_job_store_op_end (store, current->error == NULL);
        }
      if (error == NULL && !onb_job_store_commit (store, &error))
        onb_job_store_rollback (store);
    }
  for (guint i = 0; error != NULL && i < group->len; i++)
    {
      OnbJournalOp *done = group->pdata[i];

      if (done->error == NULL)
        done->error = g_error_copy (error);
    }
}
