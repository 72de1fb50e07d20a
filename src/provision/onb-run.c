/* onb-run.c: a run's phases, and the one place where it ends
 *
 * A run goes queued → working (the Blynk and TTS chains) → verifying →
 * ending; a permanent failure goes through undoing, a transient one
 * through waiting and back to queued. Whenever an operation completes,
 * run_react() looks at what the run has come to: it starts verify as soon
 * as both chains are done and ends the run as soon as verify is, without
 * waiting for commits; every other change of phase waits until nothing is
 * in flight (run_settle()). Every run ends in onb_run_end(): done, failed,
 * handed back at shutdown, or refused by the journal's claim. See
 * docs/design.md, "A run".
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-run-private.h"

#define BOTH_CHAINS (ONB_RUN_CHAIN_BLYNK | ONB_RUN_CHAIN_TTS)

static void run_react (OnbRun *run);
static void run_unblock (OnbRun *run);

OnbRun *
onb_run_new (OnbRunHost *host,
             OnbJob     *job)
{
  OnbRun *run = g_new0 (OnbRun, 1);

  run->host = host;
  run->job = g_object_ref (job);
  run->phase = ONB_RUN_PHASE_QUEUED;
  run->react = run_react;
  return run;
}

static void
run_clear_failure (OnbRun *run)
{
  g_clear_error (&run->transient);
  g_clear_error (&run->permanent);
  g_clear_pointer (&run->fail_reason, g_free);
  g_clear_pointer (&run->fail_message, g_free);
  if (run->left_behind != NULL)
    g_string_free (g_steal_pointer (&run->left_behind), TRUE);
}

void
onb_run_free (OnbRun *run)
{
  onb_run_disarm_retry (run);
  g_clear_object (&run->job);
  g_clear_pointer (&run->entry, onb_registry_entry_unref);
  g_clear_pointer (&run->old_entry, onb_registry_entry_unref);
  g_clear_pointer (&run->tts_device, onb_tts_device_unref);
  g_clear_pointer (&run->old_tts_device, onb_tts_device_unref);
  g_clear_pointer (&run->settings, onb_model_settings_free);
  g_clear_error (&run->claim_refused);
  g_clear_pointer (&run->metafields_last, g_hash_table_unref);
  g_free (run->last_reason);
  g_free (run->last_message);
  g_clear_error (&run->blocked);
  run_clear_failure (run);
  onb_run_clear_answers (run);
  g_free (run);
}

/* ---- slots ------------------------------------------------------------------------ */

static void
run_take_slot (OnbRun *run)
{
  g_return_if_fail (!run->holds_slot);
  run->holds_slot = TRUE;
  run->host->n_running++;
}

static void
run_free_slot (OnbRun *run)
{
  if (!run->holds_slot)
    return;
  run->holds_slot = FALSE;
  run->host->n_running--;
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

/* A claimed device's keys stay on its own Join Server: none are taken. */
static OnbTtsDevice *
tts_device_for (OnbRegistryEntry  *entry,
                gboolean           claimed,
                GError           **error)
{
  return onb_tts_device_new (onb_registry_entry_get_dev_eui (entry), onb_registry_entry_get_join_eui (entry),
                             claimed ? NULL : onb_registry_entry_get_app_key (entry),
                             claimed ? NULL : onb_registry_entry_get_nwk_key (entry), error);
}

/* The registry rows and TTS devices a job needs; they hold keys, so they
 * are looked up for each run instead of being journaled. A device to
 * create must have every key its LoRaWAN version needs; one that is only
 * deleted (the old device of a replace) need not. */
static gboolean
run_prepare (OnbRun  *run,
             GError **error)
{
  OnbRegistry *registry = run->host->registry;

  if (run->entry == NULL &&
      !(run->entry = onb_registry_lookup (registry, onb_job_get_dev_eui (run->job), error)))
    return FALSE;
  if (!run->claims && onb_registry_entry_get_app_key (run->entry) == NULL)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NO_APP_KEY,
                   _("The Join Server of JoinEUI %s does not take claims, and the device list has no AppKey for "
                     "this box. Import a list with its AppKey."), onb_registry_entry_get_join_eui (run->entry));
      return FALSE;
    }
  if (run->tts_device == NULL &&
      ((!run->claims && !onb_run_check_keys (run->settings->lorawan_version, run->entry, error)) ||
       !(run->tts_device = tts_device_for (run->entry, run->claims, error))))
    return FALSE;
  /* Where Blynk's integration makes the device, these are only what the
   * model names (onb_run_model_settings()): verify holds it to those. */
  onb_tts_device_set_settings (run->tts_device, run->settings);
  onb_tts_device_set_claimed (run->tts_device, run->claims);
  /* A device Blynk's integration made, adopted by an earlier attempt. */
  if (g_strcmp0 (onb_job_get_tts_device_id (run->job), onb_tts_device_get_device_id (run->tts_device)) != 0)
    {
      OnbTtsDevice *theirs = onb_tts_device_new_with_id (run->tts_device, onb_job_get_tts_device_id (run->job));

      onb_tts_device_unref (run->tts_device);
      run->tts_device = theirs;
    }
  if (onb_run_is_replace (run))
    {
      if (run->old_entry == NULL &&
          !(run->old_entry = onb_registry_lookup (registry, onb_job_get_old_dev_eui (run->job), error)))
        return FALSE;
      if (run->old_tts_device == NULL && !(run->old_tts_device = tts_device_for (run->old_entry, FALSE, error)))
        return FALSE;
    }
  return TRUE;
}

static void
run_undo (OnbRun *run)
{
  run->phase = ONB_RUN_PHASE_UNDOING;
  g_clear_error (&run->transient);
  onb_run_rollback (run);
}

/* The TTS chain starts beside the Blynk chain, except after the Blynk
 * metafields are written: where Blynk's integration makes the device
 * (those writes set it off), and for a replace, whose old Blynk device
 * must point at the new TTS device before that device can join, as
 * Blynk's guide orders it (docs/blynk-api.md, Automated Device
 * Onboarding). */
static void
run_tts (OnbRun *run)
{
  /* Not before the attempt began (its model is being looked up). */
  if (run->tts_started || run->tts_device == NULL ||
      ((run->blynk_creates || onb_run_is_replace (run)) &&
       onb_job_get_step_state (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS) != ONB_STEP_STATE_DONE))
    return;
  run->tts_started = TRUE;
  onb_run_tts_chain (run);
}

static void
run_go (OnbRun *run)
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
      run_undo (run);
      return;
    }
  run->tts_started = FALSE;
  onb_run_blynk_chain (run);
  run_tts (run);
}

/* The steps of the mode this run does not use (docs/design.md, Who
 * creates the TTS device): those Blynk makes, or the search for Blynk's
 * device. A step done earlier (the settings changed) stays as it is. */
static void
skip_other_mode (OnbRun *run)
{
  OnbJobStep unused_join;
  OnbStepState unused_state;

  for (guint s = ONB_JOB_STEP_TTS_IS; s <= ONB_JOB_STEP_TTS_BY_BLYNK; s++)
    {
      gboolean by_blynk = s == ONB_JOB_STEP_TTS_BY_BLYNK;
      OnbStepState state = onb_job_get_step_state (run->job, s);

      if ((s <= ONB_JOB_STEP_TTS_AS || by_blynk) && by_blynk != run->blynk_creates &&
          (state == ONB_STEP_STATE_PENDING || state == ONB_STEP_STATE_RETRYING))
        onb_job_set_step (run->job, s, ONB_STEP_STATE_SKIPPED, NULL, NULL);
    }
  /* A device is claimed or written to the cluster's Join Server, never
   * both; one whose Join Server takes no claims is written after all. */
  if (!run->claims && !run->blynk_creates &&
      onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_JS) == ONB_STEP_STATE_SKIPPED)
    onb_job_set_step (run->job, ONB_JOB_STEP_TTS_JS, ONB_STEP_STATE_PENDING, NULL, NULL);
  unused_join = run->claims ? ONB_JOB_STEP_TTS_JS : ONB_JOB_STEP_TTS_CLAIM;
  unused_state = onb_job_get_step_state (run->job, unused_join);
  if (unused_state == ONB_STEP_STATE_PENDING || unused_state == ONB_STEP_STATE_RETRYING)
    onb_job_set_step (run->job, unused_join, ONB_STEP_STATE_SKIPPED, NULL, NULL);
}

static void run_begin (OnbRun *run, const GError *refused);

/* A box in no device list is added to the batch "Claimed at this
 * station" only now that its Join Server is known to take claims; one
 * whose Join Server does not is refused, and nothing is added or made.
 * A run resumed without its label (never kept) whose box is in no list
 * waits for the label. */
static gboolean
run_add_unlisted (OnbRun  *run,
                  GError **error)
{
  const char *dev_eui = onb_job_get_dev_eui (run->job);
  OnbCode *code = g_hash_table_lookup (run->host->unlisted, dev_eui);
  g_autoptr(GError) lookup_error = NULL;
  OnbRegistryEntry *entry;

  if (has_failed_step (run->job))
    return TRUE;
  if (code == NULL)
    {
      if (!run->claims || onb_job_get_owner_token (run->job) != NULL || run->entry != NULL ||
          !onb_model_table_get_allow_unlisted_claims (run->host->models) ||
          (run->entry = onb_registry_lookup (run->host->registry, dev_eui, &lookup_error)) != NULL ||
          !g_error_matches (lookup_error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_DEVICE))
        return TRUE;
      g_set_error_literal (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_OWNER_TOKEN_NEEDED,
                           _("This box is in no device list, and Onboarder adds it only with the owner token on its "
                             "label, which it does not keep. Scan the label again."));
      return FALSE;
    }
  if (!run->claims)
    {
      g_hash_table_remove (run->host->unlisted, dev_eui);
      return onb_run_refuse_unlisted (onb_job_get_join_eui (run->job), error);
    }
  if (!(entry = onb_registry_add_unlisted (run->host->registry, code, error)))
    return FALSE;
  g_clear_pointer (&run->entry, onb_registry_entry_unref);
  run->entry = entry;
  g_hash_table_remove (run->host->unlisted, dev_eui);
  return TRUE;
}

static void
claim_info_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  gboolean supported = FALSE;

  if (onb_tts_claim_get_info_finish (ONB_TTS_CLAIM (object), result, &supported, &error))
    run->claims = supported;
  if (!onb_run_is_stopping (run))
    run_begin (run, error);
  onb_run_op_settle (run);
}

/* A label with an owner token is claimed where its JoinEUI's Join Server
 * supports claiming (asked once per JoinEUI), else written to the
 * cluster's JS with the list's keys. A claim begun before stays one. FALSE
 * while the Device Claiming Server is asked (claim_info_cb() goes on). */
static gboolean
run_ask_claim (OnbRun *run)
{
  OnbStepState state = onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_CLAIM);

  if (state != ONB_STEP_STATE_PENDING && state != ONB_STEP_STATE_SKIPPED)
    {
      run->claims = TRUE;
      return TRUE;
    }
  /* A label with an owner token skipped the JS step when it was scanned. */
  if ((onb_job_get_owner_token (run->job) == NULL &&
       onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_JS) != ONB_STEP_STATE_SKIPPED) ||
      onb_run_is_replace (run) || state == ONB_STEP_STATE_SKIPPED)
    return TRUE;
  onb_run_op_begin (run);
  onb_tts_claim_get_info_async (run->host->claim, onb_job_get_join_eui (run->job), run->host->cancellable,
                                claim_info_cb, run);
  return FALSE;
}

static void
template_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbModelTemplate) answer = NULL;

  answer = onb_tts_repository_get_template_finish (ONB_TTS_REPOSITORY (object), result, &error);
  /* Not in the repository: the section may still name everything. */
  if (answer == NULL && g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND))
    g_clear_error (&error);
  /* The radio settings of the box's model: NULL and @error when the
   * station cannot onboard it (another band, a Profile ID nobody knows):
   * nothing is made then. */
  if (error == NULL)
    run->settings = onb_model_resolve (run->model, answer, &error);
  if (!onb_run_is_stopping (run) && (error != NULL || run_ask_claim (run)))
    run_begin (run, error);
  onb_run_op_settle (run);
}

/* Finds the box's model and its settings before anything is sent: a box
 * the station cannot onboard gets words and nothing is made. FALSE while
 * the Device Repository is asked (template_cb() goes on). */
static gboolean
run_resolve_model (OnbRun  *run,
                   GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (run->model == NULL && !(run->model = onb_run_find_model (run, error)))
    return TRUE;
  run->settings = onb_run_model_settings (run->host, run->model, onb_job_get_kind (run->job), &local_error);
  if (run->settings == NULL && local_error == NULL)
    {
      onb_run_op_begin (run);
      onb_tts_repository_get_template_async (run->host->repository, onb_model_get_profile_id (run->model),
                                             run->host->cancellable, template_cb, run);
      return FALSE;
    }
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return TRUE;
}

/* Takes a slot and starts a new attempt, unless the journal cannot record:
 * its first requests do not wait for its first commit. */
void
onb_run_start (OnbRun *run)
{
  g_autoptr(GError) error = NULL;

  run_take_slot (run);
  if (onb_journal_get_fault (run->host->journal, &error) || !onb_journal_can_record (run->host->journal, &error))
    {
      onb_run_block (run, error);
      run_react (run);
      return;
    }

  run->phase = ONB_RUN_PHASE_WORKING;
  if (run->settings != NULL || has_failed_step (run->job) ||
      (run_resolve_model (run, &error) && (error != NULL || run_ask_claim (run))))
    run_begin (run, error);
  run_react (run);
}

/* The attempt proper, once the model is known; @refused: why the box's
 * model cannot be onboarded (or the repository could not be asked). */
static void
run_begin (OnbRun       *run,
           const GError *refused)
{
  g_autoptr(GError) error = NULL;

  run->chains_done = 0;
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
  run->blynk_creates = onb_run_blynk_makes (run->host, onb_job_get_kind (run->job));
  /* An undo of a claimed device asks nothing first. */
  if (has_failed_step (run->job))
    run_ask_claim (run);
  if (refused == NULL && !run_add_unlisted (run, &error))
    refused = error;
  if (refused != NULL)
    {
      /* Before any step is marked: there is nothing to undo. */
      if (onb_run_error_waits (refused))
        run->transient = g_error_copy (refused);
      else
        onb_run_set_permanent (run, refused);
      onb_run_commit (run);
      return;
    }
  skip_other_mode (run);
  if (!has_failed_step (run->job))
    {
      if (!onb_run_blynk_device_known (run))
        onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_DEVICE, ONB_STEP_STATE_RUNNING, NULL, NULL);
      if (!run->blynk_creates && onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_IS) != ONB_STEP_STATE_DONE)
        onb_job_set_step (run->job, ONB_JOB_STEP_TTS_IS, ONB_STEP_STATE_RUNNING, NULL, NULL);
    }

  if (!run_prepare (run, &error))
    {
      /* The registry row went away (re-import): nothing can be sent. */
      onb_run_set_permanent (run, error);
      onb_run_commit (run);
      return;
    }
  /* The job's row was committed when it was claimed, before this; a run
   * that crashes before this commit lands is resumed, and looks first.
   * On a disk that was full a moment ago, that commit may fail: then the
   * first requests wait for it (run_react()). */
  onb_run_commit (run);
  run->start_held = onb_journal_faulted_lately (run->host->journal);
  if (!run->start_held)
    run_go (run);
}

/* ---- ending -------------------------------------------------------------------- */

static void
run_set_failed (OnbRun *run)
{
  if (run->left_behind != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("%s Undoing what it made failed too: %s"),
                         run->fail_message != NULL ? run->fail_message : "", run->left_behind->str);

      onb_job_set_state (run->job, ONB_JOB_STATE_FAILED, ONB_JOB_REASON_ROLLBACK_INCOMPLETE,
                         g_strstrip (message));
    }
  else
    onb_job_set_state (run->job, ONB_JOB_STATE_FAILED, run->fail_reason, run->fail_message);
}

static void run_settle (OnbRun *run);

/* Every run ends here. The job gets its last state, which is committed (a
 * hand-back releases the row with it); the host frees the run once that
 * commit and everything else in flight is answered. @run must not be
 * touched after this returns. */
void
onb_run_end (OnbRun        *run,
             OnbRunOutcome  outcome)
{
  run->phase = ONB_RUN_PHASE_ENDING;
  switch (outcome)
    {
    case ONB_RUN_DONE:
      onb_job_set_state (run->job, ONB_JOB_STATE_DONE, NULL, NULL);
      onb_run_commit (run);
      break;

    case ONB_RUN_FAILED:
      run_set_failed (run);
      onb_run_commit (run);
      break;

    case ONB_RUN_HANDED_BACK:
      onb_run_disarm_retry (run);
      run_free_slot (run);
      if (onb_job_get_state (run->job) == ONB_JOB_STATE_RUNNING)
        onb_job_set_state (run->job, ONB_JOB_STATE_QUEUED, run->last_reason, run->last_message);
      onb_run_release (run);
      break;

    case ONB_RUN_NOT_CLAIMED:
    default:
      /* No row of ours to commit to. */
      run_set_failed (run);
      run->host->funcs->job_changed (run->host, run->job);
      break;
    }
  if (run->in_flight == 0)
    run_settle (run);
}

/* ---- phases -------------------------------------------------------------------- */

/* The undo is over: failed, unless it waits for the network. The failed
 * step stays recorded, so the next run goes on undoing. */
static void
run_undone (OnbRun *run)
{
  g_autoptr(GError) transient = g_steal_pointer (&run->transient);

  if (transient == NULL)
    {
      onb_run_end (run, ONB_RUN_FAILED);
      return;
    }
  run_clear_failure (run);
  run->transient = g_steal_pointer (&transient);
  run->phase = ONB_RUN_PHASE_WAITING;
  onb_run_wait (run);
}

/* The attempt starts again, past the steps already done: the job is
 * queued for a slot. */
static void
run_restart (OnbRun *run)
{
  run_free_slot (run);
  run->resumed = TRUE;
  onb_run_requeue (run);
}

/* Nothing of the run is in flight: the phase decides what comes next. */
static void
run_settle (OnbRun *run)
{
  OnbRunHost *host = run->host;
  g_autoptr(GError) fault = NULL;

  switch (run->phase)
    {
    case ONB_RUN_PHASE_ENDING:
      run_free_slot (run);
      host->funcs->ended (host, run);
      return;

    case ONB_RUN_PHASE_WAITING:
      /* The waiting state is on disk: the slot goes to another box and
       * the backoff starts, unless the engine is shutting down. */
      run_free_slot (run);
      if (host->stopping)
        onb_run_end (run, ONB_RUN_HANDED_BACK);
      else
        {
          host->funcs->slot_freed (host);
          onb_run_arm_retry (run);
        }
      return;

    case ONB_RUN_PHASE_QUEUED:
      return;

    case ONB_RUN_PHASE_BLOCKED:
      run_unblock (run);
      return;

    case ONB_RUN_PHASE_WORKING:
    case ONB_RUN_PHASE_VERIFYING:
    case ONB_RUN_PHASE_UNDOING:
    default:
      break;
    }

  /* Another run's commit failed: this one stops too, and holds on. */
  if (!onb_run_is_stopping (run) && onb_journal_get_fault (host->journal, &fault))
    {
      onb_run_block (run, fault);
      run_unblock (run);
    }
  else if (onb_run_is_stopping (run))
    onb_run_end (run, ONB_RUN_HANDED_BACK);
  else if (run->phase == ONB_RUN_PHASE_UNDOING)
    run_undone (run);
  else if (run->permanent != NULL)
    {
      run_undo (run);
      if (run->in_flight == 0)
        run_undone (run);
    }
  else if (run->transient != NULL)
    {
      run->phase = ONB_RUN_PHASE_WAITING;
      onb_run_wait (run);
    }
  else if (run->phase == ONB_RUN_PHASE_VERIFYING && !(run->chains_done & ONB_RUN_CHAIN_BLYNK))
    {
      /* A race loser adopted the winner: our values go on it, then verify
       * runs again. */
      run->phase = ONB_RUN_PHASE_WORKING;
      onb_run_blynk_metafields (run);
    }
  else
    /* Nothing in flight, nothing failed, not finished: a step did not
     * start while the journal could not record. */
    run_restart (run);
}

/* A blocked run with nothing in flight: it tries to commit again later,
 * unless the engine shuts down (what is on disk then is what the next
 * owner resumes from, looking before it creates). Once its state is on
 * disk it goes back to where it was; a run whose steps stopped while it
 * was blocked starts its attempt again, past the steps already done. */
static void
run_unblock (OnbRun *run)
{
  if (run->blocked != NULL && !run->host->stopping)
    {
      onb_run_arm_recommit (run);
      return;
    }
  g_clear_error (&run->blocked);
  run->phase = run->blocked_from;
  /* Blocked before it started: it starts again (and looks at the journal
   * again), or is handed back at shutdown. */
  if (run->phase == ONB_RUN_PHASE_QUEUED && run->host->stopping)
    onb_run_end (run, ONB_RUN_HANDED_BACK);
  else if (run->phase == ONB_RUN_PHASE_QUEUED)
    run_restart (run);
  else
    run_react (run);
}

/* Called whenever an operation of the run completes (and once a start has
 * sent its first requests). The run must not be touched after. */
static void
run_react (OnbRun *run)
{
  if (run->start_held && run->phase == ONB_RUN_PHASE_WORKING && run->in_flight == 0 && onb_run_may_continue (run))
    {
      /* The start is on disk: its requests may go. */
      run->start_held = FALSE;
      run_go (run);
    }
  if (run->phase == ONB_RUN_PHASE_WORKING && !run->start_held && onb_run_may_continue (run))
    run_tts (run);
  if (run->phase == ONB_RUN_PHASE_WORKING && (run->chains_done & BOTH_CHAINS) == BOTH_CHAINS &&
      onb_run_may_continue (run))
    {
      run->phase = ONB_RUN_PHASE_VERIFYING;
      onb_run_verify (run);
    }
  if (run->phase == ONB_RUN_PHASE_VERIFYING && (run->chains_done & ONB_RUN_CHAIN_VERIFY))
    onb_run_end (run, ONB_RUN_DONE);
  else if (run->in_flight == 0)
    run_settle (run);
}
