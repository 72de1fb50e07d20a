/* onb-run-op.c: the operation API the chains use
 *
 * A run counts its operations in flight (cloud requests and journal
 * commits); each holds the host's owner, so a callback never finds the
 * engine finalized. Every callback ends with onb_run_op_settle(), which
 * hands the run to onb-run.c to decide what comes next. Steps and chains
 * are recorded here; what they lead to is decided there.
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-error.h"
#include "onb-provision-enums.h"
#include "onb-run-private.h"

/* The engine's error domain lives at the bottom of the engine's files:
 * runs raise it too. */
ONB_DEFINE_ERROR_DOMAIN (onb_engine_error, onb_engine_error_get_type)

void
onb_run_op_begin (OnbRun *run)
{
  run->in_flight++;
  g_object_ref (run->host->owner);
}

/* Ends an operation and returns its hold on the owner (transfer full): the
 * callback drops it when it returns. */
GObject *
onb_run_op_end (OnbRun *run)
{
  run->in_flight--;
  return run->host->owner;
}

/* The last call of every callback. The run must not be touched after. */
void
onb_run_op_settle (OnbRun *run)
{
  run->react (run);
}

gboolean
onb_run_is_stopping (OnbRun *run)
{
  return run->host->stopping || run->claim_lost || g_cancellable_is_cancelled (run->host->cancellable);
}

gboolean
onb_run_may_continue (OnbRun *run)
{
  return run->transient == NULL && run->permanent == NULL && run->phase != ONB_RUN_PHASE_BLOCKED &&
         !onb_journal_get_fault (run->host->journal, NULL) && !onb_run_is_stopping (run);
}

gboolean
onb_run_is_replace (OnbRun *run)
{
  return onb_job_get_kind (run->job) == ONB_JOB_KIND_REPLACE;
}

/* The TTS device ID the box's Blynk device points at (TheThingsNetwork
 * Device): ours, or the one Blynk's integration made once it is found
 * (NULL before). */
const char *
onb_run_ttn_device (OnbRun *run)
{
  if (!run->blynk_creates)
    return onb_tts_device_get_device_id (run->tts_device);
  return onb_job_get_step_remote_id (run->job, ONB_JOB_STEP_TTS_BY_BLYNK);
}

void
onb_run_set_permanent (OnbRun       *run,
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

/* A LoRaWAN 1.1 row without its NwkKey would only fail at the Join
 * Server, after the device was created in the Identity Server: refused
 * before anything is sent. */
gboolean
onb_run_check_keys (const char        *lorawan_version,
                    OnbRegistryEntry  *entry,
                    GError           **error)
{
  return onb_registry_entry_check_keys (entry, lorawan_version, error);
}

gboolean
onb_run_refuse_unlisted (const char  *join_eui,
                         GError     **error)
{
  g_set_error (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_NOT_SUPPORTED,
               _("This box is in no device list, and the Join Server of its JoinEUI %s does not take claims: it "
                 "cannot be onboarded without its AppKey. Set it aside, or import a list with its AppKey."),
               join_eui);
  return FALSE;
}

gboolean
onb_run_blynk_makes (OnbRunHost *host,
                     OnbJobKind  kind)
{
  return kind == ONB_JOB_KIND_PROVISION && onb_tts_client_get_blynk_creates (host->tts);
}

OnbModelSettings *
onb_run_model_settings (OnbRunHost  *host,
                        OnbModel    *model,
                        OnbJobKind   kind,
                        GError     **error)
{
  g_autoptr(OnbModelTemplate) answer = NULL;

  /* The LoRaWAN settings are the integration's: whatever the repository
   * says, there is nothing of them to send or to refuse. */
  if (onb_run_blynk_makes (host, kind))
    return onb_model_get_named (model);
  if (onb_model_needs_repository (model) &&
      !onb_tts_repository_lookup_kept (host->repository, onb_model_get_profile_id (model), &answer))
    return NULL;
  return onb_model_resolve (model, answer, error);
}

/* The job's device model, found again by the key the job keeps (its
 * Profile ID, or an earlier version's model name); a job older than
 * models, or whose model is no longer configured under that name, takes
 * its list row's Profile ID. (transfer none) */
OnbModel *
onb_run_find_model (OnbRun  *run,
                    GError **error)
{
  OnbModelTable *table = run->host->models;
  const char *key = onb_job_get_model_key (run->job);
  OnbModel *model = key != NULL ? onb_model_table_find_key (table, key) : NULL;

  if (model != NULL)
    return model;
  return onb_model_table_lookup (table, run->entry != NULL ? onb_registry_entry_get_profile_id (run->entry) : NULL,
                                 error);
}

/* The Blynk template of the box's model, else the station's. */
const char *
onb_run_blynk_template (OnbRun *run)
{
  const char *template_id = run->model != NULL ? onb_model_get_blynk_template (run->model) : NULL;

  return template_id != NULL ? template_id : onb_blynk_client_get_template_id (run->host->blynk);
}

/* The name of a metafield in the template of the box's model. */
const char *
onb_run_metafield_name (OnbRun       *run,
                        OnbBlynkRole  role)
{
  const char *name = run->model != NULL ? onb_model_get_metafield (run->model, (OnbModelMetafield) role) : NULL;

  return name != NULL ? name : onb_blynk_client_get_metafield_name (run->host->blynk, role);
}

void
onb_run_clear_answers (OnbRun *run)
{
  for (guint i = 0; i < G_N_ELEMENTS (run->answers.tts); i++)
    g_clear_pointer (&run->answers.tts[i], json_object_put);
  g_clear_pointer (&run->answers.blynk_device, onb_blynk_device_unref);
  g_clear_pointer (&run->answers.blynk_namesakes, g_ptr_array_unref);
}

/* ---- commits ------------------------------------------------------------------- */

static void
committed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;

  if (onb_journal_save_finish (ONB_JOURNAL (object), result, &error))
    g_clear_error (&run->blocked);
  else if (onb_journal_error_is_fault (error))
    onb_run_block (run, error);
  /* Another station runs the job now: this run stops as at a shutdown,
   * and undoes nothing of what the new owner goes on with. */
  else if (g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_CLAIM_LOST))
    {
      g_message ("%s", error->message);
      run->claim_lost = TRUE;
    }
  else
    {
      g_warning ("Journal write failed: %s", error->message);
      onb_run_set_permanent (run, error);
    }
  onb_run_op_settle (run);
}

/* The journal cannot record (the journal says so once, in the log): no
 * step starts, what comes back is kept on the job in memory, and the run
 * commits it again, later, before it goes on. Nothing is undone for it. */
void
onb_run_block (OnbRun       *run,
               const GError *error)
{
  if (run->phase != ONB_RUN_PHASE_BLOCKED)
    {
      run->blocked_from = run->phase;
      run->phase = ONB_RUN_PHASE_BLOCKED;
    }
  if (run->blocked == NULL)
    run->blocked = g_error_copy (error);
}

static void
commit_begin (OnbRun *run)
{
  onb_run_op_begin (run);
  run->host->funcs->job_changed (run->host, run->job);
}

/* Commits the job's current state. A blocked run only keeps it: its next
 * try commits everything since. */
void
onb_run_commit (OnbRun *run)
{
  if (run->phase == ONB_RUN_PHASE_BLOCKED)
    {
      run->host->funcs->job_changed (run->host, run->job);
      return;
    }
  commit_begin (run);
  onb_journal_save_async (run->host->journal, onb_job_to_row (run->job), committed_cb, run);
}

/* A blocked run's try to commit what it holds; its settle goes on from
 * there. */
void
onb_run_recommit (OnbRun *run)
{
  commit_begin (run);
  onb_journal_save_async (run->host->journal, onb_job_to_row (run->job), committed_cb, run);
}

/* Commits the job's current state with its row released, so the next
 * owner (a new engine, another process) resumes it. */
void
onb_run_release (OnbRun *run)
{
  commit_begin (run);
  onb_journal_release_async (run->host->journal, onb_job_to_row (run->job), committed_cb, run);
}

/* ---- steps and chains ----------------------------------------------------------- */

gboolean
onb_run_error_waits (const GError *error)
{
  /* A device Blynk has not made yet may come later, and a label be scanned
   * again: wait, do not fail. */
  return onb_cloud_error_is_transient (error) ||
         g_error_matches (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_BLYNK_NOT_ONBOARDED) ||
         g_error_matches (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_OWNER_TOKEN_NEEDED);
}

/* Records a failed step; the run settles once nothing is in flight. A
 * request cancelled by a shutdown records nothing: the step stays running
 * in the journal, so its next runner looks before it creates. */
void
onb_run_step_failed (OnbRun       *run,
                     OnbJobStep    step,
                     const GError *error)
{
  gboolean transient = onb_run_error_waits (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  onb_job_set_step (run->job, step, transient ? ONB_STEP_STATE_RETRYING : ONB_STEP_STATE_FAILED,
                    onb_error_get_reason (error), error->message);
  if (transient && run->transient == NULL)
    run->transient = g_error_copy (error);
  else if (!transient)
    onb_run_set_permanent (run, error);
  onb_run_commit (run);
}

/* The outcome is committed right away, but the next request does not wait
 * for that commit: only the job's row is committed before anything is
 * sent, and a resumed run checks the clouds before creating, so a lost
 * outcome is found again rather than repeated (docs/design.md, "What is
 * committed when"). */
void
onb_run_step_done (OnbRun     *run,
                   OnbJobStep  step,
                   OnbRunFunc  next)
{
  onb_job_set_step (run->job, step, ONB_STEP_STATE_DONE, NULL, NULL);
  onb_run_commit (run);
  if (next != NULL && onb_run_may_continue (run))
    next (run);
}

/* A chain finished; onb-run.c starts verify once Blynk and TTS both have,
 * and ends the run once verify has. */
void
onb_run_chain_done (OnbRun       *run,
                    OnbRunChains  chain)
{
  run->chains_done |= chain;
}

/* A chain must run again (a race loser writes on the winner): it starts
 * over once everything in flight is answered. */
void
onb_run_chain_reopen (OnbRun       *run,
                      OnbRunChains  chain)
{
  run->chains_done &= ~chain;
}
