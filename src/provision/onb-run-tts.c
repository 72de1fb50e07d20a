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
#include "onb-engine-private.h"

static void components (Run *run);

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
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GError) error = NULL;
  gboolean may_have_run = run->resumed || onb_job_get_step_attempts (run->job, ONB_JOB_STEP_TTS_IS) > 1;
  json_object **answer = &run->answers.tts[ONB_TTS_COMPONENT_IS];

  g_clear_pointer (answer, json_object_put);
  if (onb_tts_client_create_is_finish (ONB_TTS_CLIENT (object), result, answer, &error))
    {
      onb_job_set_step_remote (run->job, ONB_JOB_STEP_TTS_IS, onb_job_get_tts_device_id (run->job), TRUE);
      run_step_done (run, ONB_JOB_STEP_TTS_IS, components);
    }
  else if (g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_ALREADY_EXISTS))
    {
      /* Same device, same application: already there. Ours only if an
       * earlier attempt of this job may have made it. */
      onb_job_set_step_remote (run->job, ONB_JOB_STEP_TTS_IS, onb_job_get_tts_device_id (run->job), may_have_run);
      run_step_done (run, ONB_JOB_STEP_TTS_IS, components);
    }
  else
    run_step_failed (run, ONB_JOB_STEP_TTS_IS, error);
  run_settle (run);
}

/* IS was marked running in the run's start commit. */
void
run_tts_chain (Run *run)
{
  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_IS) == ONB_STEP_STATE_DONE)
    {
      components (run);
      return;
    }
  run_begin_op (run);
  onb_tts_client_create_is_async (run->engine->tts, run->tts_device, run->engine->cancellable, is_created_cb, run);
}

/* ---- JS, NS, AS ------------------------------------------------------------------------ */

typedef struct
{
  Run *run;
  OnbTtsComponent component;
} ComponentCall;

/* Runs when a component's step is done, before its commit lands. */
static void
component_done (Run *run)
{
  if (--run->components_left == 0)
    run_chain_done (run, &run->tts_done);
}

static void
component_set_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ComponentCall *call = user_data;
  Run *run = call->run;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  OnbTtsComponent component = call->component;
  OnbJobStep step = component_step (component);
  g_autoptr(GError) error = NULL;

  g_free (call);
  g_clear_pointer (&run->answers.tts[component], json_object_put);
  if (onb_tts_client_set_finish (ONB_TTS_CLIENT (object), result, &run->answers.tts[component], &error))
    {
      onb_job_set_step_remote (run->job, step, onb_job_get_tts_device_id (run->job), TRUE);
      run_step_done (run, step, component_done);
    }
  else
    run_step_failed (run, step, error);
  run_settle (run);
}

static void
components (Run *run)
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
      run_chain_done (run, &run->tts_done);
      return;
    }

  run_commit (run, NULL);
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
    if (onb_job_get_step_state (run->job, component_step (c)) == ONB_STEP_STATE_RUNNING)
      {
        ComponentCall *call = g_new0 (ComponentCall, 1);

        call->run = run;
        call->component = c;
        run_begin_op (run);
        onb_tts_client_set_async (run->engine->tts, c, run->tts_device, run->engine->cancellable, component_set_cb,
                                  call);
      }
}
