/* onb-run.c: one run of a job, and the one place where it settles
 *
 * A run counts its operations in flight (cloud requests and journal
 * commits). The chains go on only while nothing has failed and the engine
 * is not shutting down; whenever an operation completes, run_settle()
 * looks at what the run has come to once nothing is in flight. See
 * docs/design.md, "Settling a run".
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-engine-private.h"
#include "onb-error.h"

Run *
run_new (OnbEngine *engine,
         OnbJob    *job)
{
  Run *run = g_new0 (Run, 1);

  run->engine = engine;
  run->job = g_object_ref (job);
  return run;
}

void
run_clear_answers (Run *run)
{
  for (guint i = 0; i < G_N_ELEMENTS (run->answers.tts); i++)
    g_clear_pointer (&run->answers.tts[i], json_object_put);
  g_clear_pointer (&run->answers.blynk_device, onb_blynk_device_unref);
  g_clear_pointer (&run->answers.blynk_namesakes, g_ptr_array_unref);
}

static void
run_clear_failure (Run *run)
{
  g_clear_error (&run->transient);
  g_clear_error (&run->permanent);
  g_clear_pointer (&run->fail_reason, g_free);
  g_clear_pointer (&run->fail_message, g_free);
  if (run->left_behind != NULL)
    g_string_free (g_steal_pointer (&run->left_behind), TRUE);
  run->rolling_back = FALSE;
}

void
run_free (Run *run)
{
  g_clear_handle_id (&run->timer, g_source_remove);
  g_clear_object (&run->job);
  g_clear_pointer (&run->entry, onb_registry_entry_unref);
  g_clear_pointer (&run->old_entry, onb_registry_entry_unref);
  g_clear_pointer (&run->tts_device, onb_tts_device_unref);
  g_clear_pointer (&run->old_tts_device, onb_tts_device_unref);
  g_clear_error (&run->claim_refused);
  g_free (run->last_reason);
  g_free (run->last_message);
  run_clear_failure (run);
  run_clear_answers (run);
  g_free (run);
}

/* Every operation in flight holds the engine, so a callback never finds
 * it finalized. */
void
run_begin_op (Run *run)
{
  run->in_flight++;
  g_object_ref (run->engine);
}

/* Ends an operation and returns its hold on the engine (transfer full):
 * the callback drops it when it returns. */
OnbEngine *
run_end_op_take_hold (Run *run)
{
  run->in_flight--;
  return run->engine;
}

gboolean
run_may_continue (Run *run)
{
  return run->transient == NULL && run->permanent == NULL && !run->engine->stopping &&
         !g_cancellable_is_cancelled (run->engine->cancellable);
}

gboolean
run_is_replace (Run *run)
{
  return onb_job_get_kind (run->job) == ONB_JOB_KIND_REPLACE;
}

void
run_set_permanent (Run          *run,
                   const GError *error)
{
  if (run->permanent != NULL)
    return;
  run->permanent = g_error_copy (error);
  g_free (run->fail_reason);
  run->fail_reason = g_strdup (onb_error_get_reason (error));
  g_free (run->fail_message);
  run->fail_message = g_strdup (error->message);
}

/* ---- commits ------------------------------------------------------------------- */

typedef struct
{
  Run *run;
  RunFunc then;
} CommitData;

static void
committed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  CommitData *data = user_data;
  Run *run = data->run;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  RunFunc then = data->then;
  g_autoptr(GError) error = NULL;

  g_free (data);
  if (!onb_journal_save_finish (ONB_JOURNAL (object), result, &error))
    {
      g_warning ("Journal write failed: %s", error->message);
      run_set_permanent (run, error);
    }
  else if (then != NULL && run_may_continue (run))
    then (run);
  run_settle (run);
}

static CommitData *
commit_data_new (Run     *run,
                 RunFunc  then)
{
  CommitData *data = g_new0 (CommitData, 1);

  data->run = run;
  data->then = then;
  run_begin_op (run);
  onb_engine_emit_job_changed (run->engine, run->job);
  return data;
}

/* Commits the job's current state, then calls @then (unless the run must
 * stop meanwhile). */
void
run_commit (Run     *run,
            RunFunc  then)
{
  CommitData *data = commit_data_new (run, then);

  onb_journal_save_async (run->engine->journal, onb_job_to_row (run->job), committed_cb, data);
}

/* Shutdown: the job's state goes to the journal with its row released,
 * so the next owner (a new engine, another process) resumes it. */
static void
run_hand_back (Run *run)
{
  CommitData *data;

  g_clear_handle_id (&run->timer, g_source_remove);
  run->handing_back = TRUE;
  if (onb_job_get_state (run->job) == ONB_JOB_STATE_RUNNING)
    onb_job_set_state (run->job, ONB_JOB_STATE_QUEUED, run->last_reason, run->last_message);
  data = commit_data_new (run, NULL);
  onb_journal_release_async (run->engine->journal, onb_job_to_row (run->job), committed_cb, data);
}

void
run_hand_back_idle (Run *run)
{
  g_return_if_fail (run->in_flight == 0);
  run_free_slot (run);
  run_hand_back (run);
}

/* ---- steps --------------------------------------------------------------------- */

/* Records a failed step; the run settles once nothing is in flight. A
 * request cancelled by a shutdown records nothing: the step stays running
 * in the journal, so its next runner looks before it creates. */
void
run_step_failed (Run          *run,
                 OnbJobStep    step,
                 const GError *error)
{
  gboolean transient = onb_cloud_error_is_transient (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  onb_job_set_step (run->job, step, transient ? ONB_STEP_STATE_RETRYING : ONB_STEP_STATE_FAILED,
                    onb_error_get_reason (error), error->message);
  if (transient && run->transient == NULL)
    run->transient = g_error_copy (error);
  else if (!transient)
    run_set_permanent (run, error);
  run_commit (run, NULL);
}

/* The outcome is committed right away, but the next request does not wait
 * for that commit: only the job's row is committed before anything is
 * sent, and a resumed run checks the clouds before creating, so a lost
 * outcome is found again rather than repeated (docs/design.md, "What is
 * committed when"). */
void
run_step_done (Run        *run,
               OnbJobStep  step,
               RunFunc     next)
{
  onb_job_set_step (run->job, step, ONB_STEP_STATE_DONE, NULL, NULL);
  run_commit (run, NULL);
  if (next != NULL && run_may_continue (run))
    next (run);
}

/* Marks one chain (Blynk or TTS) finished; verify waits for both. */
void
run_chain_done (Run      *run,
                gboolean *chain)
{
  *chain = TRUE;
  if (run->blynk_done && run->tts_done && run_may_continue (run))
    run_verify (run);
}

/* ---- starting ------------------------------------------------------------------ */

static gboolean
has_failed_step (OnbJob *job)
{
  for (guint s = 0; s < ONB_JOB_N_STEPS; s++)
    if (onb_job_get_step_state (job, s) == ONB_STEP_STATE_FAILED)
      return TRUE;
  return FALSE;
}

static OnbTtsDevice *
tts_device_for (OnbRegistryEntry  *entry,
                GError           **error)
{
  return onb_tts_device_new (onb_registry_entry_get_dev_eui (entry), onb_registry_entry_get_join_eui (entry),
                             onb_registry_entry_get_app_key (entry), onb_registry_entry_get_nwk_key (entry), error);
}

/* A device to create must have every key its LoRaWAN version needs; one
 * that is only deleted (the old device of a replace) need not. */
static OnbTtsDevice *
tts_device_to_create (OnbEngine         *self,
                      OnbRegistryEntry  *entry,
                      GError           **error)
{
  if (!onb_engine_check_keys (self, entry, error))
    return NULL;
  return tts_device_for (entry, error);
}

/* The registry rows and TTS devices a job needs; they hold keys, so they
 * are looked up for each run instead of being journaled. */
static gboolean
run_prepare (Run     *run,
             GError **error)
{
  OnbRegistry *registry = run->engine->registry;

  if (run->entry == NULL &&
      !(run->entry = onb_registry_lookup (registry, onb_job_get_dev_eui (run->job), error)))
    return FALSE;
  if (run->tts_device == NULL && !(run->tts_device = tts_device_to_create (run->engine, run->entry, error)))
    return FALSE;
  if (run_is_replace (run))
    {
      if (run->old_entry == NULL &&
          !(run->old_entry = onb_registry_lookup (registry, onb_job_get_old_dev_eui (run->job), error)))
        return FALSE;
      if (run->old_tts_device == NULL && !(run->old_tts_device = tts_device_for (run->old_entry, error)))
        return FALSE;
    }
  return TRUE;
}

static void
run_go (Run *run)
{
  if (has_failed_step (run->job))
    {
      /* A failure whose undo was interrupted: finish the undo, keeping
       * the failed step's reason. */
      for (guint s = 0; s < ONB_JOB_N_STEPS && run->fail_reason == NULL; s++)
        if (onb_job_get_step_state (run->job, s) == ONB_STEP_STATE_FAILED)
          {
            run->fail_reason = g_strdup (onb_job_get_step_reason (run->job, s));
            run->fail_message = g_strdup (onb_job_get_step_message (run->job, s));
          }
      run_rollback (run);
      return;
    }
  run_blynk_chain (run);
  run_tts_chain (run);
}

void
run_start (Run *run)
{
  g_autoptr(GError) error = NULL;

  run->blynk_done = run->tts_done = FALSE;
  run->handing_back = FALSE;
  run_clear_failure (run);
  onb_job_begin_attempt (run->job);
  /* Kept off the running job (they would read as current), so a job handed
   * back in the middle of its retry still says why it is queued. */
  g_free (run->last_reason);
  run->last_reason = g_strdup (onb_job_get_reason (run->job));
  g_free (run->last_message);
  run->last_message = g_strdup (onb_job_get_message (run->job));
  onb_job_set_state (run->job, ONB_JOB_STATE_RUNNING, NULL, NULL);
  /* The creating steps are marked (and counted) before anything is sent:
   * a later run that finds them marked looks before creating again. */
  if (!has_failed_step (run->job))
    {
      if (!run_blynk_device_known (run))
        onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_DEVICE, ONB_STEP_STATE_RUNNING, NULL, NULL);
      if (onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_IS) != ONB_STEP_STATE_DONE)
        onb_job_set_step (run->job, ONB_JOB_STEP_TTS_IS, ONB_STEP_STATE_RUNNING, NULL, NULL);
    }

  if (!run_prepare (run, &error))
    {
      /* The registry row went away (re-import): nothing can be sent. */
      run_set_permanent (run, error);
      run_commit (run, NULL);
      return;
    }
  /* The job's row was committed when it was claimed, before this; a run
   * that crashes before this commit lands is resumed, and looks first. */
  run_commit (run, NULL);
  run_go (run);
}

/* ---- settling ------------------------------------------------------------------ */

void
run_finish (Run         *run,
            OnbJobState  state)
{
  if (state == ONB_JOB_STATE_FAILED && run->left_behind != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("%s Undoing what it made failed too: %s"),
                         run->fail_message != NULL ? run->fail_message : "", run->left_behind->str);

      onb_job_set_state (run->job, state, ONB_JOB_REASON_ROLLBACK_INCOMPLETE, g_strstrip (message));
    }
  else if (state == ONB_JOB_STATE_FAILED)
    onb_job_set_state (run->job, state, run->fail_reason, run->fail_message);
  else
    onb_job_set_state (run->job, state, NULL, NULL);
  run->rolling_back = FALSE;
  /* The last commit of the job: the run ends when it is on disk. */
  run_commit (run, NULL);
}

static void
run_remove (Run *run)
{
  OnbEngine *self = run->engine;
  gboolean finished = onb_job_is_finished (run->job);
  g_autoptr(OnbJob) retry = run->retry_when_settled && !self->stopping ? g_object_ref (run->job) : NULL;

  run_free_slot (run);
  g_hash_table_remove (self->runs, run->job);
  if (retry != NULL)
    onb_engine_claim_failed (self, retry);
  if (finished)
    onb_engine_trim_model (self);
  onb_engine_update_counters (self);
  onb_engine_pump (self);
  onb_engine_maybe_shut_down (self);
}

/* Called whenever an operation of the run completes. Once nothing is in
 * flight, the run comes to one of these ends:
 *   - finished (done or failed) and its last commit landed: removed;
 *   - handed back at shutdown and its release landed: removed;
 *   - waiting, and its waiting state landed: the slot goes to another box
 *     and the backoff starts (or, shutting down, the row is handed back);
 *   - shutting down: handed back (queued, row released);
 *   - undoing: failed when the undo is complete (or the undo waits for
 *     the network);
 *   - a permanent failure: undone first;
 *   - a transient failure: waiting, committed before its backoff starts.
 * The run must not be touched after this returns. */
void
run_settle (Run *run)
{
  OnbEngine *self = run->engine;
  OnbJobState state = onb_job_get_state (run->job);

  if (run->in_flight > 0)
    return;

  if (onb_job_is_finished (run->job) || run->handing_back)
    run_remove (run);
  else if (state == ONB_JOB_STATE_WAITING)
    {
      run_free_slot (run);
      if (self->stopping)
        run_hand_back (run);
      else
        {
          onb_engine_pump (self);
          run_arm_retry (run);
        }
    }
  else if (state != ONB_JOB_STATE_RUNNING)
    return;
  else if (self->stopping || g_cancellable_is_cancelled (self->cancellable))
    run_hand_back (run);
  else if (run->rolling_back && run->transient != NULL)
    {
      /* The undo waits for the network; the failed step stays recorded,
       * so the next run goes on undoing. */
      g_autoptr(GError) transient = g_steal_pointer (&run->transient);

      run_clear_failure (run);
      run->transient = g_steal_pointer (&transient);
      run_wait (run);
    }
  else if (run->rolling_back)
    run_finish (run, ONB_JOB_STATE_FAILED);
  else if (run->permanent != NULL)
    run_rollback (run);
  else if (run->transient != NULL)
    run_wait (run);
}
