/* onb-run-tts.c: the TTS chain of a run
 *
 *   claim       a label with an owner token: the Device Claiming Server
 *               claims it instead of the JS write (a resumed run reads
 *               the claim's status first), before IS
 *   IS          create; "already exists" (same device, same application)
 *               is adopted; EUIs taken by a device of this application
 *               with our keys (Blynk's integration made it too) is adopted
 *               and recorded as a conflict, never removed
 *   JS, NS, AS  written side by side once IS holds the EUIs
 *   by Blynk    [tts] created_by = blynk: no TTS write; once the Blynk
 *               metafields are written, the device Blynk's integration
 *               makes is looked for by its EUIs every second, up to
 *               [tts] blynk_wait_s, then the job waits
 *
 * The servers' answers are kept for verify. See docs/design.md, Who
 * creates the TTS device.
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-run-private.h"

static void components (OnbRun *run);

static OnbJobStep
component_step (OnbTtsComponent component)
{
  return ONB_JOB_STEP_TTS_IS + (component - ONB_TTS_COMPONENT_IS);
}

/* ---- a device someone else made ----------------------------------------------------- */

static const char *
record_device_id (json_object *record)
{
  json_object *ids = NULL;
  json_object *id = NULL;

  if (!json_object_object_get_ex (record, "ids", &ids) || !json_object_object_get_ex (ids, "device_id", &id) ||
      !json_object_is_type (id, json_type_string))
    return NULL;
  return json_object_get_string (id);
}

/* The TTS device @record (found by its EUIs, with an ID) becomes the one
 * this job uses, adopted: a rollback never removes it. Its IS record is
 * verify's answer; the other components are read back. */
static void
adopt (OnbRun      *run,
       OnbJobStep   step,
       json_object *record)
{
  const char *device_id = record_device_id (record);
  OnbTtsDevice *theirs = onb_tts_device_new_with_id (run->tts_device, device_id);

  onb_tts_device_unref (run->tts_device);
  run->tts_device = theirs;
  onb_job_set_step_remote (run->job, step, device_id, ONB_JOB_ADOPTED);
  g_clear_pointer (&run->answers.tts[ONB_TTS_COMPONENT_IS], json_object_put);
  run->answers.tts[ONB_TTS_COMPONENT_IS] = json_object_get (record);
}

typedef struct
{
  OnbRun *run;
  GError *taken;  /* the IS create's "EUIs taken" */
} Conflict;

/* "EUIs taken": by a device of this application (then Blynk's integration
 * made it beside us, with the keys verify will compare), or of another
 * application (a real conflict). */
static void
holder_found_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Conflict *conflict = user_data;
  OnbRun *run = conflict->run;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) taken = conflict->taken;
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) record = NULL;

  g_free (conflict);
  record = onb_tts_client_find_by_eui_finish (ONB_TTS_CLIENT (object), result, &error);
  if (error != NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_TTS_IS, error);
  else if (record == NULL || record_device_id (record) == NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_TTS_IS, taken);
  else
    {
      const char *device_id;

      adopt (run, ONB_JOB_STEP_TTS_IS, record);
      device_id = onb_job_get_tts_device_id (run->job);
      g_debug ("Job %" G_GINT64_FORMAT ": The Things Stack already holds this box as “%s”, made by Blynk’s "
               "integration; adopted", onb_job_get_id (run->job), device_id);
      /* Blynk wrote its other components: not ours to write or remove. */
      for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
        {
          onb_job_set_step_remote (run->job, component_step (c), device_id, ONB_JOB_ADOPTED);
          onb_job_set_step (run->job, component_step (c), ONB_STEP_STATE_DONE, NULL, NULL);
        }
      /* Where Blynk is said to make the devices (a replace, whose new
       * values set the integration off), this is no surprise. */
      if (!onb_tts_client_get_blynk_creates (run->host->tts))
        {
          onb_journal_record_conflict_async (run->host->journal, onb_job_get_dev_eui (run->job), device_id, NULL,
                                             NULL);
          run->host->funcs->conflict (run->host, run->job, device_id);
        }
      onb_run_step_done (run, ONB_JOB_STEP_TTS_IS, components);
    }
  onb_run_op_settle (run);
}

static void
find_holder (OnbRun *run,
             GError *taken)
{
  Conflict *conflict = g_new0 (Conflict, 1);

  conflict->run = run;
  conflict->taken = taken;
  onb_run_op_begin (run);
  onb_tts_client_find_by_eui_async (run->host->tts, run->tts_device, run->host->cancellable, holder_found_cb,
                                    conflict);
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
  else if (g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_EUIS_TAKEN) && onb_run_may_continue (run))
    find_holder (run, g_steal_pointer (&error));
  else
    onb_run_step_failed (run, ONB_JOB_STEP_TTS_IS, error);
  onb_run_op_settle (run);
}

static void by_blynk (OnbRun *run);

static void
is_create (OnbRun *run)
{
  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_IS) == ONB_STEP_STATE_DONE)
    {
      components (run);
      return;
    }
  onb_run_op_begin (run);
  onb_tts_client_create_is_async (run->host->tts, run->tts_device, run->host->cancellable, is_created_cb, run);
}

/* ---- claimed by the label's owner token ------------------------------------------- */

/* As ttn-lw-cli's claim does it: the Device Claiming Server first, then
 * the IS record (without join_server_address), NS and AS; the cluster's
 * JS is never written. Claiming again what this cluster claimed is
 * accepted, so a claim whose answer a crash lost is simply sent again; a
 * device another application holds fails at the IS create. */
static void
claimed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;

  if (onb_tts_claim_claim_finish (ONB_TTS_CLAIM (object), result, &error))
    {
      onb_job_set_step_remote (run->job, ONB_JOB_STEP_TTS_CLAIM, onb_job_get_tts_device_id (run->job), ONB_JOB_MADE);
      onb_run_step_done (run, ONB_JOB_STEP_TTS_CLAIM, is_create);
    }
  else
    onb_run_step_failed (run, ONB_JOB_STEP_TTS_CLAIM, error);
  onb_run_op_settle (run);
}

static void
claim (OnbRun *run)
{
  const char *token = onb_job_get_owner_token (run->job);

  if (token == NULL)
    {
      /* Never kept: the label has it. */
      g_autoptr(GError) error =
        g_error_new_literal (ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_OWNER_TOKEN_NEEDED,
                             _("This box is claimed by the owner token on its label, which Onboarder does not keep. "
                               "Scan the label again."));

      onb_run_step_failed (run, ONB_JOB_STEP_TTS_CLAIM, error);
      return;
    }
  onb_run_op_begin (run);
  onb_tts_claim_claim_async (run->host->claim, onb_tts_device_get_dev_eui (run->tts_device),
                             onb_tts_device_get_join_eui (run->tts_device), token,
                             onb_tts_device_get_device_id (run->tts_device), run->host->cancellable, claimed_cb, run);
}

/* A resumed run reads the claim's status before claiming. */
static void
status_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  gboolean claimed = FALSE;

  /* Without an IS record the status cannot be read: claim (again). */
  if (!onb_tts_claim_get_status_finish (ONB_TTS_CLAIM (object), result, &claimed, &error) &&
      !g_error_matches (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_NO_DEVICE))
    onb_run_step_failed (run, ONB_JOB_STEP_TTS_CLAIM, error);
  else if (!onb_run_may_continue (run))
    ;
  else if (claimed)
    {
      onb_job_set_step_remote (run->job, ONB_JOB_STEP_TTS_CLAIM, onb_job_get_tts_device_id (run->job), ONB_JOB_MADE);
      onb_run_step_done (run, ONB_JOB_STEP_TTS_CLAIM, is_create);
    }
  else
    claim (run);
  onb_run_op_settle (run);
}

static void
claim_step (OnbRun *run)
{
  gboolean may_have_run;

  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_CLAIM) == ONB_STEP_STATE_DONE)
    {
      is_create (run);
      return;
    }
  may_have_run = run->resumed || onb_job_get_step_attempts (run->job, ONB_JOB_STEP_TTS_CLAIM) > 0;
  onb_job_set_step (run->job, ONB_JOB_STEP_TTS_CLAIM, ONB_STEP_STATE_RUNNING, NULL, NULL);
  onb_run_commit (run);
  if (!may_have_run)
    {
      claim (run);
      return;
    }
  onb_run_op_begin (run);
  onb_tts_claim_get_status_async (run->host->claim, onb_tts_device_get_device_id (run->tts_device),
                                  run->host->cancellable, status_cb, run);
}

/* IS was marked running in the run's start commit. */
void
onb_run_tts_chain (OnbRun *run)
{
  if (run->blynk_creates)
    by_blynk (run);
  else if (run->claims)
    claim_step (run);
  else
    is_create (run);
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
    if (onb_job_get_step_state (run->job, component_step (c)) != ONB_STEP_STATE_DONE &&
        onb_job_get_step_state (run->job, component_step (c)) != ONB_STEP_STATE_SKIPPED)
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

/* ---- made by Blynk ([tts] created_by = blynk) ---------------------------------------- */

static void search (OnbRun *run);

static GError *
not_onboarded (OnbRun *run)
{
  guint wait_s = onb_tts_client_get_blynk_wait_s (run->host->tts);
  g_autofree char *after = wait_s % 60 == 0 ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u min", "%u min", wait_s / 60), wait_s / 60)
                                             : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u s", "%u s", wait_s), wait_s);

  return g_error_new (ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_BLYNK_NOT_ONBOARDED,
                      _("Blynk has not created the device in The Things Stack after %s: is Automated Device "
                        "Onboarding on for template %s, connected to the application “%s”? (Blynk cannot create "
                        "it there if another application holds these EUIs.) Onboarder looks again later."),
                      after, onb_run_blynk_template (run),
                      onb_tts_client_get_application_id (run->host->tts));
}

static gboolean
search_again (gpointer data)
{
  OnbRun *run = data;
  g_autoptr(GObject) hold = NULL;

  run->search_timer = 0;
  if (onb_run_may_continue (run))
    search (run);
  hold = onb_run_op_end (run);
  onb_run_op_settle (run);
  return G_SOURCE_REMOVE;
}

static void
searched_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) record = NULL;

  record = onb_tts_client_find_by_eui_finish (ONB_TTS_CLIENT (object), result, &error);
  if (error == NULL && record != NULL && record_device_id (record) == NULL)
    error = g_error_new (ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE,
                         _("The Things Stack found a device with this box’s EUIs but did not say its ID."));
  if (error != NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_TTS_BY_BLYNK, error);
  else if (record != NULL)
    {
      adopt (run, ONB_JOB_STEP_TTS_BY_BLYNK, record);
      onb_run_step_done (run, ONB_JOB_STEP_TTS_BY_BLYNK, NULL);
      onb_run_chain_done (run, ONB_RUN_CHAIN_TTS);
    }
  else if (!onb_run_may_continue (run))
    ;
  else if (g_get_monotonic_time () >= run->blynk_deadline_us)
    {
      g_autoptr(GError) waiting = not_onboarded (run);

      onb_run_step_failed (run, ONB_JOB_STEP_TTS_BY_BLYNK, waiting);
    }
  else
    {
      /* Every second from the last search's start, so that a device
       * appearing is found within a second. The timer holds an operation,
       * so the run stays in its phase. */
      gint64 since_ms = (g_get_monotonic_time () - run->searched_us) / 1000;

      onb_run_op_begin (run);
      run->search_timer = g_timeout_add (since_ms < 1000 ? 1000 - since_ms : 0, search_again, run);
    }
  onb_run_op_settle (run);
}

static void
search (OnbRun *run)
{
  run->searched_us = g_get_monotonic_time ();
  onb_run_op_begin (run);
  onb_tts_client_find_by_eui_async (run->host->tts, run->tts_device, run->host->cancellable, searched_cb, run);
}

/* Started once the Blynk metafields are written: that is when Blynk's
 * integration makes the device. A device found by an earlier attempt is
 * verified again. */
static void
by_blynk (OnbRun *run)
{
  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_BY_BLYNK) == ONB_STEP_STATE_DONE)
    {
      onb_run_chain_done (run, ONB_RUN_CHAIN_TTS);
      return;
    }
  onb_job_set_step (run->job, ONB_JOB_STEP_TTS_BY_BLYNK, ONB_STEP_STATE_RUNNING, NULL, NULL);
  onb_run_commit (run);
  run->blynk_deadline_us = g_get_monotonic_time () +
                           onb_tts_client_get_blynk_wait_s (run->host->tts) * G_USEC_PER_SEC;
  search (run);
}
