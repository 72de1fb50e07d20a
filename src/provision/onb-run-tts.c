/* onb-run-tts.c: the TTS chain of a run
 *
 *   IS          create; "already exists" (same device, same application)
 *               is adopted
 *   JS, NS, AS  written side by side once IS holds the EUIs
 *
 * The servers' answers are kept for verify.
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include "onb-cloud-error.h"
#include "onb-run-private.h"

static void components (OnbRun *run);

static OnbJobStep
component_step (OnbTtsComponent component)
{
  return ONB_JOB_STEP_TTS_IS + (component - ONB_TTS_COMPONENT_IS);
}

/* ---- IS ------------------------------------------------------------------------------ */

static void
is_created_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  gboolean may_have_run = run->resumed || onb_job_get_step_attempts (run->job, ONB_JOB_STEP_TTS_IS) > 1;
  json_object **answer = &run->answers.tts[ONB_TTS_COMPONENT_IS];

  g_clear_pointer (answer, json_object_put);
  if (onb_tts_client_create_is_finish (ONB_TTS_CLIENT (object), result, answer, &error))
    {
      onb_job_set_step_remote (run->job, ONB_JOB_STEP_TTS_IS, onb_job_get_tts_device_id (run->job), ONB_JOB_MADE);
      onb_run_step_done (run, ONB_JOB_STEP_TTS_IS, components);
    }
  else if (g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_ALREADY_EXISTS))
    {
      /* Same device, same application: already there. Ours only if an
       * earlier attempt of this job may have made it. */
      onb_job_set_step_remote (run->job, ONB_JOB_STEP_TTS_IS, onb_job_get_tts_device_id (run->job),
                               may_have_run ? ONB_JOB_MADE : ONB_JOB_ADOPTED);
      onb_run_step_done (run, ONB_JOB_STEP_TTS_IS, components);
    }
  else
    onb_run_step_failed (run, ONB_JOB_STEP_TTS_IS, error);
  onb_run_op_settle (run);
}

/* IS was marked running in the run's start commit. */
void
onb_run_tts_chain (OnbRun *run)
{
  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_IS) == ONB_STEP_STATE_DONE)
    {
      components (run);
      return;
    }
  onb_run_op_begin (run);
  onb_tts_client_create_is_async (run->host->tts, run->tts_device, run->host->cancellable, is_created_cb, run);
}

/* ---- JS, NS, AS ------------------------------------------------------------------------ */

typedef struct
{
  OnbRun *run;
  OnbTtsComponent component;
} ComponentCall;

/* Runs when a component's step is done, before its commit lands. */
static void
component_done (OnbRun *run)
{
  if (--run->components_left == 0)
    onb_run_chain_done (run, ONB_RUN_CHAIN_TTS);
}

static void
component_set_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ComponentCall *call = user_data;
  OnbRun *run = call->run;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  OnbTtsComponent component = call->component;
  OnbJobStep step = component_step (component);
  g_autoptr(GError) error = NULL;

  g_free (call);
  g_clear_pointer (&run->answers.tts[component], json_object_put);
  if (onb_tts_client_set_finish (ONB_TTS_CLIENT (object), result, &run->answers.tts[component], &error))
    {
      onb_job_set_step_remote (run->job, step, onb_job_get_tts_device_id (run->job), ONB_JOB_MADE);
      onb_run_step_done (run, step, component_done);
    }
  else
    onb_run_step_failed (run, step, error);
  onb_run_op_settle (run);
}

static void
components (OnbRun *run)
{
  run->components_left = 0;
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
    if (onb_job_get_step_state (run->job, component_step (c)) != ONB_STEP_STATE_DONE)
      {
        onb_job_set_step (run->job, component_step (c), ONB_STEP_STATE_RUNNING, NULL, NULL);
        run->components_left++;
      }
  if (run->components_left == 0)
    {
      onb_run_chain_done (run, ONB_RUN_CHAIN_TTS);
      return;
    }

  onb_run_commit (run);
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
    if (onb_job_get_step_state (run->job, component_step (c)) == ONB_STEP_STATE_RUNNING)
      {
        ComponentCall *call = g_new0 (ComponentCall, 1);

        call->run = run;
        call->component = c;
        onb_run_op_begin (run);
        onb_tts_client_set_async (run->host->tts, c, run->tts_device, run->host->cancellable, component_set_cb,
                                  call);
      }
}
