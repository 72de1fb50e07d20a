/* onb-run-rollback.c: undoing what a failed job made
 *
 * Only what this job made is removed (steps marked owned): an adopted
 * record belongs to another run or station. A replace points the old
 * Blynk device back at the old TTS device. An undo that waits for the
 * network keeps the job waiting; one that is refused for good is recorded
 * in the job's message (reason rollback-incomplete) and its step stays
 * done, so nobody is told that nothing was left behind.
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-run-private.h"
#include "onb-error.h"

typedef enum
{
  UNDO_BLYNK_DEVICE,      /* delete the device this job made */
  UNDO_BLYNK_METAFIELDS,  /* replace: restore the old device's values */
  UNDO_TTS_DEVICE,        /* delete the TTS device this job made */
  UNDO_TTS_CLAIM,         /* unclaim the device this job claimed, then delete it */
} Undo;

typedef struct
{
  OnbRun *run;
  Undo undo;
} UndoCall;

static void
undone (OnbRun  *run,
        Undo  undo)
{
  OnbJob *job = run->job;

  switch (undo)
    {
    case UNDO_TTS_DEVICE:
      for (OnbJobStep s = ONB_JOB_STEP_TTS_IS; s <= ONB_JOB_STEP_TTS_AS; s++)
        {
          if (onb_job_get_step_state (job, s) == ONB_STEP_STATE_DONE)
            onb_job_set_step (job, s, ONB_STEP_STATE_ROLLED_BACK, NULL, NULL);
          onb_job_set_step_remote (job, s, NULL, ONB_JOB_ADOPTED);
        }
      break;

    case UNDO_BLYNK_DEVICE:
      onb_job_set_step (job, ONB_JOB_STEP_BLYNK_DEVICE, ONB_STEP_STATE_ROLLED_BACK, NULL, NULL);
      onb_job_set_step_remote (job, ONB_JOB_STEP_BLYNK_DEVICE, NULL, ONB_JOB_ADOPTED);
      if (onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_METAFIELDS) == ONB_STEP_STATE_DONE)
        onb_job_set_step (job, ONB_JOB_STEP_BLYNK_METAFIELDS, ONB_STEP_STATE_ROLLED_BACK, NULL, NULL);
      onb_job_set_blynk_device_id (job, 0);
      break;

    case UNDO_TTS_CLAIM:
      onb_job_set_step (job, ONB_JOB_STEP_TTS_CLAIM, ONB_STEP_STATE_ROLLED_BACK, NULL, NULL);
      onb_job_set_step_remote (job, ONB_JOB_STEP_TTS_CLAIM, NULL, ONB_JOB_ADOPTED);
      break;

    case UNDO_BLYNK_METAFIELDS:
    default:
      onb_job_set_step (job, ONB_JOB_STEP_BLYNK_METAFIELDS, ONB_STEP_STATE_ROLLED_BACK, NULL, NULL);
      break;
    }
}

/* What is left behind, in words for the result card and the supervisor. */
static void
left_behind (OnbRun       *run,
             Undo          undo,
             const GError *error)
{
  OnbJob *job = run->job;
  g_autofree char *what = NULL;

  g_message ("Could not undo step %s of job %" G_GINT64_FORMAT ": %s",
             undo == UNDO_TTS_DEVICE || undo == UNDO_TTS_CLAIM ? "tts" : "blynk", onb_job_get_id (job), error->message);
  switch (undo)
    {
    case UNDO_TTS_DEVICE:
      what = g_strdup_printf (_("the device “%s” is still in The Things Stack (%s)."),
                              onb_job_get_tts_device_id (job), error->message);
      break;
    case UNDO_TTS_CLAIM:
      what = g_strdup_printf (_("the device “%s” is still claimed by this application (%s)."),
                              onb_job_get_tts_device_id (job), error->message);
      break;
    case UNDO_BLYNK_DEVICE:
      what = g_strdup_printf (_("the Blynk device %lld (“%s”) is still there (%s)."),
                              (long long) onb_job_get_blynk_device_id (job), onb_job_get_device_name (job),
                              error->message);
      break;
    case UNDO_BLYNK_METAFIELDS:
    default:
      what = g_strdup_printf (_("the Blynk device “%s” still points at the new device (%s)."),
                              onb_job_get_device_name (job), error->message);
      break;
    }
  if (run->left_behind == NULL)
    run->left_behind = g_string_new (what);
  else
    g_string_append_printf (run->left_behind, " %s", what);
}

static void undo_send (OnbRun *run, Undo undo);

static void
undo_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  UndoCall *call = user_data;
  OnbRun *run = call->run;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  Undo undo = call->undo;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_free (call);
  switch (undo)
    {
    case UNDO_TTS_DEVICE:
      ok = onb_tts_client_delete_finish (ONB_TTS_CLIENT (object), result, &error);
      break;
    case UNDO_TTS_CLAIM:
      ok = onb_tts_claim_unclaim_finish (ONB_TTS_CLAIM (object), result, &error);
      break;
    case UNDO_BLYNK_METAFIELDS:
      ok = onb_blynk_client_set_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error);
      break;
    case UNDO_BLYNK_DEVICE:
    default:
      ok = onb_blynk_client_delete_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
      break;
    }

  if (ok)
    {
      undone (run, undo);
      /* The IS record goes once the claim has: unclaiming reads it. */
      if (undo == UNDO_TTS_CLAIM && onb_job_get_step_owned (run->job, ONB_JOB_STEP_TTS_IS))
        undo_send (run, UNDO_TTS_DEVICE);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ; /* Shutting down: the next run undoes it. */
  else if (onb_cloud_error_is_transient (error))
    {
      if (run->transient == NULL)
        run->transient = g_steal_pointer (&error);
    }
  else
    left_behind (run, undo, error);
  onb_run_op_settle (run);
}

static void
undo_send (OnbRun  *run,
           Undo  undo)
{
  OnbRunHost *host = run->host;
  OnbJob *job = run->job;
  UndoCall *call = g_new0 (UndoCall, 1);

  call->run = run;
  call->undo = undo;
  onb_run_op_begin (run);
  switch (undo)
    {
    case UNDO_TTS_DEVICE:
      onb_tts_client_delete_async (host->tts, onb_job_get_tts_device_id (job), host->cancellable, undo_cb, call);
      break;
    case UNDO_TTS_CLAIM:
      onb_tts_claim_unclaim_async (host->claim, onb_job_get_tts_device_id (job), host->cancellable, undo_cb, call);
      break;
    case UNDO_BLYNK_METAFIELDS:
      {
        g_autoptr(GHashTable) values = onb_run_metafield_values (run, run->old_entry, onb_tts_device_get_device_id (run->old_tts_device));

        onb_blynk_client_set_metafields_async (host->blynk, onb_job_get_blynk_device_id (job),
                                               ONB_BLYNK_TEMPLATE_NUMBER_UNKNOWN, values,
                                               host->cancellable, undo_cb, call);
      }
      break;
    case UNDO_BLYNK_DEVICE:
    default:
      onb_blynk_client_delete_device_async (host->blynk, onb_job_get_blynk_device_id (job), host->cancellable,
                                            undo_cb, call);
      break;
    }
}

/* Sends the undos side by side; onb-run.c fails the job once they are all
 * answered (or none was needed). */
void
onb_run_rollback (OnbRun *run)
{
  OnbJob *job = run->job;

  if (onb_run_is_replace (run))
    {
      /* Point the old Blynk device back at the old TTS device. */
      if (onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_METAFIELDS) == ONB_STEP_STATE_DONE)
        undo_send (run, UNDO_BLYNK_METAFIELDS);
    }
  else if (onb_job_get_step_owned (job, ONB_JOB_STEP_BLYNK_DEVICE) && onb_job_get_blynk_device_id (job) > 0)
    undo_send (run, UNDO_BLYNK_DEVICE);

  /* Unclaimed first, then the IS record deleted (undo_cb()). Without an
   * IS record of ours the claim can be neither read nor undone: where
   * another application holds the device, the claim is that one's. */
  if (onb_job_get_step_owned (job, ONB_JOB_STEP_TTS_CLAIM) &&
      onb_job_get_step_state (job, ONB_JOB_STEP_TTS_CLAIM) == ONB_STEP_STATE_DONE &&
      onb_job_get_step_owned (job, ONB_JOB_STEP_TTS_IS))
    undo_send (run, UNDO_TTS_CLAIM);
  else if (onb_job_get_step_owned (job, ONB_JOB_STEP_TTS_IS))
    undo_send (run, UNDO_TTS_DEVICE);
}
