/* onb-engine-queue.c: who runs a job, and when
 *
 * A job runs only in the engine whose journal claim holds its row
 * (docs/design.md, "Claims"); rows another owner holds are followed until
 * they finish or their owner is gone. Runs take one of max_jobs slots; a
 * waiting run gives its slot back once its waiting state is committed,
 * and only then starts its backoff.
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include "onb-cloud-error.h"
#include "onb-engine-private.h"
#include "onb-error.h"

#define FOLLOW_INTERVAL_MS 1000

/* ---- slots ------------------------------------------------------------------------ */

void
run_take_slot (Run *run)
{
  g_return_if_fail (!run->holds_slot);
  run->holds_slot = TRUE;
  run->engine->n_running++;
}

void
run_free_slot (Run *run)
{
  if (!run->holds_slot)
    return;
  run->holds_slot = FALSE;
  run->engine->n_running--;
}

void
onb_engine_pump (OnbEngine *self)
{
  while (!self->stopping && self->n_running < self->max_jobs && !g_queue_is_empty (&self->pending))
    {
      OnbJob *job = g_queue_pop_head (&self->pending);
      Run *run = g_hash_table_lookup (self->runs, job);

      if (run == NULL)
        {
          run = run_new (self, job);
          run->resumed = g_hash_table_remove (self->resumed, job);
          g_hash_table_insert (self->runs, job, run);
        }
      run_take_slot (run);
      run_start (run);
    }
  onb_engine_update_counters (self);
}

void
onb_engine_enqueue (OnbEngine *self,
                    OnbJob    *job)
{
  if (onb_job_get_state (job) != ONB_JOB_STATE_QUEUED)
    onb_job_set_state (job, ONB_JOB_STATE_QUEUED, NULL, NULL);
  g_queue_push_tail (&self->pending, job);
  onb_engine_emit_job_changed (self, job);
  onb_engine_pump (self);
}

/* ---- backoff -------------------------------------------------------------------- */

static guint
backoff_ms (OnbEngine *self,
            guint      attempts,
            gint64     retry_after_s)
{
  guint64 delay = self->min_delay_ms;

  for (guint i = 1; i < attempts && delay < self->max_delay_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->max_delay_ms);
  /* "Equal jitter": half fixed, half random, so stations drift apart. */
  delay = delay / 2 + g_random_int_range (0, (gint32) MAX (1, delay / 2 + 1));
  if (retry_after_s > 0)
    delay = MAX (delay, (guint64) retry_after_s * 1000);
  return (guint) delay;
}

/* A transient failure: the job waits. Its backoff starts once this state
 * is on disk (run_settle() calls run_arm_retry() then), so a short backoff
 * never restarts a run that still holds its slot. */
void
run_wait (Run *run)
{
  guint delay = backoff_ms (run->engine, onb_job_get_attempts (run->job),
                            onb_cloud_error_get_retry_after (run->transient));

  onb_job_set_state (run->job, ONB_JOB_STATE_WAITING, onb_error_get_reason (run->transient),
                     run->transient->message);
  onb_job_set_next_attempt (run->job, g_get_real_time () + (gint64) delay * 1000);
  g_clear_error (&run->transient);
  run_commit (run, NULL);
}

static void
requeue (Run *run)
{
  OnbEngine *self = run->engine;

  onb_job_set_state (run->job, ONB_JOB_STATE_QUEUED, onb_job_get_reason (run->job), onb_job_get_message (run->job));
  onb_engine_emit_job_changed (self, run->job);
  g_queue_push_tail (&self->pending, run->job);
  onb_engine_pump (self);
}

static gboolean
retry_timeout (gpointer user_data)
{
  Run *run = user_data;

  run->timer = 0;
  requeue (run);
  return G_SOURCE_REMOVE;
}

void
run_arm_retry (Run *run)
{
  gint64 remaining_us = onb_job_get_next_attempt_us (run->job) - g_get_real_time ();

  if (run->timer == 0)
    run->timer = g_timeout_add ((guint) CLAMP (remaining_us / 1000, 0, G_MAXUINT), retry_timeout, run);
}

gboolean
run_retry_now (Run *run)
{
  if (run->timer == 0)
    return FALSE;
  g_clear_handle_id (&run->timer, g_source_remove);
  requeue (run);
  return TRUE;
}

/* ---- claims --------------------------------------------------------------------- */

static void follow (OnbEngine *self, OnbJob *job);

typedef struct
{
  OnbEngine *engine;
  OnbJob *job;
} JournalCall;

static JournalCall *
journal_call_new (OnbEngine *self,
                  OnbJob    *job)
{
  JournalCall *call = g_new0 (JournalCall, 1);

  call->engine = g_object_ref (self);
  call->job = g_object_ref (job);
  self->n_journal_calls++;
  return call;
}

static void
handed_back_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  JournalCall *call = user_data;
  g_autoptr(OnbEngine) self = call->engine;
  g_autoptr(OnbJob) job = call->job;
  g_autoptr(GError) error = NULL;

  g_free (call);
  self->n_journal_calls--;
  /* Not released: the row frees itself when this process ends. */
  if (!onb_journal_save_finish (ONB_JOURNAL (object), result, &error))
    g_warning ("Could not hand job %" G_GINT64_FORMAT " back: %s", onb_job_get_id (job), error->message);
  onb_engine_maybe_shut_down (self);
}

/* A job claimed but never run here: its row is released as it is. */
void
onb_engine_hand_back (OnbEngine *self,
                      OnbJob    *job)
{
  onb_journal_release_async (self->journal, onb_job_to_row (job), handed_back_cb, journal_call_new (self, job));
}

static void
claim_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  JournalCall *call = user_data;
  g_autoptr(OnbEngine) self = call->engine;
  g_autoptr(OnbJob) job = call->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJournalClaimResult) claim = NULL;

  g_free (call);
  self->n_journal_calls--;
  claim = onb_journal_claim_finish (ONB_JOURNAL (object), result, &error);
  if (claim == NULL)
    {
      g_ptr_array_remove (self->followed, job);
      onb_job_set_state (job, ONB_JOB_STATE_FAILED, onb_error_get_reason (error), error->message);
      onb_engine_emit_job_changed (self, job);
      onb_engine_update_counters (self);
      onb_engine_maybe_shut_down (self);
      return;
    }

  onb_job_update_from_row (job, claim->row);
  switch (claim->claim)
    {
    case ONB_JOURNAL_CLAIM_RESUMED:
    case ONB_JOURNAL_CLAIM_NEW:
      g_ptr_array_remove (self->followed, job);
      if (self->stopping)
        onb_engine_hand_back (self, job);
      else
        {
          if (claim->claim == ONB_JOURNAL_CLAIM_RESUMED)
            g_hash_table_add (self->resumed, g_object_ref (job));
          onb_engine_enqueue (self, job);
        }
      break;

    case ONB_JOURNAL_CLAIM_ALREADY_DONE:
      if (!g_ptr_array_remove (self->followed, job))
        onb_job_set_already_done (job, onb_job_get_state (job) == ONB_JOB_STATE_DONE);
      onb_engine_emit_job_changed (self, job);
      break;

    case ONB_JOURNAL_CLAIM_FOREIGN:
    default:
      onb_engine_emit_job_changed (self, job);
      if (!self->stopping)
        follow (self, job);
      break;
    }
  onb_engine_update_counters (self);
  onb_engine_maybe_shut_down (self);
}

/* A new scan: its DevEUI's row is found or made, and claimed (a failed
 * one is queued again). */
void
onb_engine_claim_new (OnbEngine *self,
                      OnbJob    *job)
{
  onb_journal_claim_async (self->journal, onb_job_to_row (job), ONB_JOURNAL_CLAIM_REQUEUE_FAILED, claim_cb,
                           journal_call_new (self, job));
}

/* A retry of a failed job. */
void
onb_engine_claim_failed (OnbEngine *self,
                         OnbJob    *job)
{
  onb_journal_claim_id_async (self->journal, onb_job_get_id (job), ONB_JOURNAL_CLAIM_REQUEUE_FAILED, claim_cb,
                              journal_call_new (self, job));
}

/* ---- jobs of other owners -------------------------------------------------------- */

/* Read their rows until they finish, or take them over when their owner
 * is gone. */
static gboolean
follow_tick (gpointer user_data)
{
  OnbEngine *self = user_data;

  for (guint i = 0; i < self->followed->len; i++)
    {
      OnbJob *job = self->followed->pdata[i];

      onb_journal_claim_id_async (self->journal, onb_job_get_id (job), ONB_JOURNAL_CLAIM_DEFAULT, claim_cb,
                                  journal_call_new (self, job));
    }
  if (self->followed->len == 0)
    {
      self->follow_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
follow (OnbEngine *self,
        OnbJob    *job)
{
  if (!g_ptr_array_find (self->followed, job, NULL))
    g_ptr_array_add (self->followed, g_object_ref (job));
  if (self->follow_source == 0)
    self->follow_source = g_timeout_add (FOLLOW_INTERVAL_MS, follow_tick, self);
}

void
onb_engine_stop_following (OnbEngine *self)
{
  g_clear_handle_id (&self->follow_source, g_source_remove);
  g_ptr_array_set_size (self->followed, 0);
}
