/* onb-run-verify.c: the last steps of a run
 *
 *   verify      compares what the servers answered to this run's writes
 *               and reads back only what no answer gave (a step done by an
 *               earlier run or another station); see docs/design.md, "Why
 *               verify reads what it reads"
 *   race        a namesake with a lower id (another station made the same
 *               box first) wins: ours is deleted, theirs adopted, and our
 *               values written on it before verifying again
 *   delete old  a replace that asked for it deletes the old TTS device
 *   TTN device  a TTS device Blynk's integration made: the Blynk device
 *               is pointed at it when Blynk has not done so
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-run-private.h"

/* What a read-back of verify fetches. */
typedef enum
{
  READ_TTS_IS = ONB_TTS_COMPONENT_IS,
  READ_TTS_JS = ONB_TTS_COMPONENT_JS,
  READ_TTS_NS = ONB_TTS_COMPONENT_NS,
  READ_TTS_AS = ONB_TTS_COMPONENT_AS,
  READ_BLYNK_DEVICE,
} Read;

/* ---- delete the old TTS device (replace) ------------------------------------------ */

static void
old_deleted_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;

  if (onb_tts_client_delete_finish (ONB_TTS_CLIENT (object), result, &error))
    {
      onb_job_set_step (run->job, ONB_JOB_STEP_TTS_DELETE_OLD, ONB_STEP_STATE_DONE, NULL, NULL);
      onb_run_chain_done (run, ONB_RUN_CHAIN_VERIFY);
    }
  else if (g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_FORBIDDEN))
    {
      /* The delete is optional: a key that may not delete leaves the old
       * device, and the replace is done all the same. */
      g_autofree char *message =
        g_strdup_printf (_("The old device “%s” in The Things Stack was left: this station’s key for The Things "
                           "Stack may not delete devices. Delete it in The Things Stack console if it is no longer "
                           "needed."), onb_tts_device_get_device_id (run->old_tts_device));

      onb_job_set_step (run->job, ONB_JOB_STEP_TTS_DELETE_OLD, ONB_STEP_STATE_SKIPPED, "old-not-deleted", message);
      onb_run_chain_done (run, ONB_RUN_CHAIN_VERIFY);
    }
  else
    onb_run_step_failed (run, ONB_JOB_STEP_TTS_DELETE_OLD, error);
  onb_run_op_settle (run);
}

/* The old device is found by its EUIs: Onboarder deletes it only under the
 * ID it gives the devices it makes; one Blynk's integration made is left,
 * with words. */
static void
old_found_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) record = NULL;
  json_object *ids = NULL;
  json_object *id = NULL;
  const char *ours = onb_tts_device_get_device_id (run->old_tts_device);
  const char *found = NULL;

  record = onb_tts_client_find_by_eui_finish (ONB_TTS_CLIENT (object), result, &error);
  if (record != NULL && json_object_object_get_ex (record, "ids", &ids) &&
      json_object_object_get_ex (ids, "device_id", &id))
    found = json_object_get_string (id);
  if (error != NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_TTS_DELETE_OLD, error);
  else if (found == NULL)
    {
      /* Already gone. */
      onb_job_set_step (run->job, ONB_JOB_STEP_TTS_DELETE_OLD, ONB_STEP_STATE_DONE, NULL, NULL);
      onb_run_chain_done (run, ONB_RUN_CHAIN_VERIFY);
    }
  else if (g_strcmp0 (found, ours) != 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("The old device “%s” in The Things Stack was not made by Onboarder (Blynk made it), so "
                           "it was left. Delete it in The Things Stack console if it is no longer needed."), found);

      onb_job_set_step (run->job, ONB_JOB_STEP_TTS_DELETE_OLD, ONB_STEP_STATE_SKIPPED, "old-not-ours", message);
      onb_run_chain_done (run, ONB_RUN_CHAIN_VERIFY);
    }
  else if (onb_run_may_continue (run))
    {
      onb_run_op_begin (run);
      onb_tts_client_delete_async (run->host->tts, ours, run->host->cancellable, old_deleted_cb, run);
    }
  onb_run_op_settle (run);
}

static void
verified (OnbRun *run)
{
  OnbStepState delete_old = onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_DELETE_OLD);

  if (delete_old == ONB_STEP_STATE_SKIPPED || delete_old == ONB_STEP_STATE_DONE)
    {
      onb_run_chain_done (run, ONB_RUN_CHAIN_VERIFY);
      return;
    }
  onb_job_set_step (run->job, ONB_JOB_STEP_TTS_DELETE_OLD, ONB_STEP_STATE_RUNNING, NULL, NULL);
  onb_run_commit (run);
  onb_run_op_begin (run);
  onb_tts_client_find_by_eui_async (run->host->tts, run->old_tts_device, run->host->cancellable, old_found_cb, run);
}

/* ---- the race loser ------------------------------------------------------------------ */

static void
loser_adopted (OnbRun *run)
{
  /* Write our values on the winner too, then verify again, once this is
   * committed. */
  onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS, ONB_STEP_STATE_PENDING, NULL, NULL);
  onb_job_set_step (run->job, ONB_JOB_STEP_VERIFY, ONB_STEP_STATE_PENDING, NULL, NULL);
  onb_run_chain_reopen (run, ONB_RUN_CHAIN_BLYNK);
  onb_run_commit (run);
}

static void
loser_deleted_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;

  if (!onb_blynk_client_delete_device_finish (ONB_BLYNK_CLIENT (object), result, &error))
    onb_run_step_failed (run, ONB_JOB_STEP_VERIFY, error);
  else
    loser_adopted (run);
  onb_run_op_settle (run);
}

/* Another station made the same device first (the lowest id wins
 * everywhere): use theirs and remove ours. FALSE when we won. */
static gboolean
blynk_race_lost (OnbRun *run)
{
  OnbBlynkDevice *winner = onb_run_blynk_winner (run->answers.blynk_namesakes);
  gint64 ours = onb_job_get_blynk_device_id (run->job);
  gboolean owned = onb_job_get_step_owned (run->job, ONB_JOB_STEP_BLYNK_DEVICE);

  if (winner == NULL || onb_blynk_device_get_id (winner) >= ours)
    return FALSE;

  g_debug ("Blynk device %" G_GINT64_FORMAT " lost to %" G_GINT64_FORMAT, ours, onb_blynk_device_get_id (winner));
  onb_run_blynk_record_device (run, winner, ONB_JOB_ADOPTED);
  if (owned)
    {
      onb_run_op_begin (run);
      onb_blynk_client_delete_device_async (run->host->blynk, ours, run->host->cancellable, loser_deleted_cb,
                                            run);
    }
  else
    loser_adopted (run);
  return TRUE;
}

/* ---- compare --------------------------------------------------------------------------- */

static gboolean
blynk_check (OnbRun  *run,
             GError **error)
{
  g_autoptr(GHashTable) expected = onb_run_metafield_values (run, run->entry, onb_run_ttn_device (run));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *found = onb_blynk_device_get_metafield (run->answers.blynk_device, key);

      if (g_strcmp0 (found, value) != 0)
        {
          g_set_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE,
                       _("Blynk does not show the metafield “%s” as it was written."), (const char *) key);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- TheThingsNetwork Device of a device Blynk made ---------------------------------- */

static void compare (OnbRun *run);

/* Whether Blynk's integration writes TheThingsNetwork Device back once it
 * made the TTS device is not documented (docs/blynk-api.md, Automated
 * Device Onboarding): this is the one place that assumes anything about
 * it. A field still empty is ours to fill with the device found; one
 * holding our own eui-… ID (written before Blynk's device was found) is
 * ours to correct; anything else was written by Blynk or a person, and
 * verify names it instead. */
static gboolean
ttn_device_ours_to_write (OnbRun     *run,
                          const char *found)
{
  g_autofree char *ours = onb_tts_device_id_for_dev_eui (onb_tts_device_get_dev_eui (run->tts_device));

  if (run->ttn_written || onb_run_ttn_device (run) == NULL || g_strcmp0 (found, onb_run_ttn_device (run)) == 0)
    return FALSE;
  return found == NULL || found[0] == '\0' || g_strcmp0 (found, ours) == 0;
}

static void
ttn_read_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&run->answers.blynk_device, onb_blynk_device_unref);
  run->answers.blynk_device = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (error != NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_VERIFY, error);
  else if (onb_run_may_continue (run))
    compare (run);
  onb_run_op_settle (run);
}

static void
ttn_written_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;

  if (!onb_blynk_client_set_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error))
    onb_run_step_failed (run, ONB_JOB_STEP_VERIFY, error);
  else if (onb_run_may_continue (run))
    {
      /* A metafield write answers nothing: read it back. */
      onb_run_op_begin (run);
      onb_blynk_client_get_device_async (run->host->blynk, onb_job_get_blynk_device_id (run->job),
                                         run->host->cancellable, ttn_read_cb, run);
    }
  onb_run_op_settle (run);
}

/* Points the Blynk device at the TTS device Blynk's integration made, when
 * Blynk has not. FALSE when there is nothing to write. */
static gboolean
ttn_device_fill (OnbRun *run)
{
  OnbBlynkClient *blynk = run->host->blynk;
  const char *name = onb_run_metafield_name (run, ONB_BLYNK_ROLE_TTN_DEVICE);
  g_autoptr(GHashTable) values = NULL;

  if (!ttn_device_ours_to_write (run, onb_blynk_device_get_metafield (run->answers.blynk_device, name)))
    return FALSE;
  run->ttn_written = TRUE;
  values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (values, g_strdup (name), g_strdup (onb_run_ttn_device (run)));
  onb_run_op_begin (run);
  onb_blynk_client_set_metafields_async (blynk, onb_job_get_blynk_device_id (run->job),
                                         run->template_number > 0 ? run->template_number
                                                                  : ONB_BLYNK_TEMPLATE_NUMBER_UNKNOWN,
                                         values, run->host->cancellable, ttn_written_cb, run);
  return TRUE;
}

/* ---- compare --------------------------------------------------------------------------- */

/* A TTS device this job did not make (Blynk's, or another station's) that
 * does not hold what the list says is a real failure, named on the card. */
static GError *
not_ours_differs (OnbRun       *run,
                  const GError *error)
{
  OnbJobStep made_by = run->blynk_creates ? ONB_JOB_STEP_TTS_BY_BLYNK : ONB_JOB_STEP_TTS_IS;

  if (onb_job_get_step_owned (run->job, made_by) || error->domain != ONB_CLOUD_ERROR)
    return g_error_copy (error);
  return g_error_new (ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_TTS_DEVICE_DIFFERS,
                      _("The device “%s” in The Things Stack has this box’s EUIs but was not made by this station, "
                        "and it does not match the device list: %s Delete it in The Things Stack (or correct the "
                        "list), then retry."),
                      onb_tts_device_get_device_id (run->tts_device), error->message);
}

static void
compare (OnbRun *run)
{
  g_autoptr(GError) error = NULL;

  for (OnbTtsComponent c = ONB_TTS_COMPONENT_IS; c <= ONB_TTS_COMPONENT_AS && error == NULL; c++)
    {
      g_autoptr(GError) differs = NULL;

      if (c == ONB_TTS_COMPONENT_JS && onb_tts_device_get_claimed (run->tts_device))
        continue;
      if (!onb_tts_client_verify_device (run->host->tts, c, run->tts_device, run->answers.tts[c], &differs))
        error = not_ours_differs (run, differs);
    }

  if (error == NULL && !onb_run_is_replace (run) && blynk_race_lost (run))
    return;
  if (error == NULL && ttn_device_fill (run))
    return;
  if (error == NULL)
    blynk_check (run, &error);

  if (error != NULL)
    {
      onb_run_step_failed (run, ONB_JOB_STEP_VERIFY, error);
      return;
    }
  /* Committed together with the job's end. */
  onb_job_set_step (run->job, ONB_JOB_STEP_VERIFY, ONB_STEP_STATE_DONE, NULL, NULL);
  verified (run);
}

/* ---- read back what no answer gave ------------------------------------------------------ */

typedef struct
{
  OnbRun *run;
  Read read;
} ReadCall;

static void
read_done (OnbRun       *run,
           const GError *error)
{
  if (error != NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_VERIFY, error);
  /* The last read-back decides. */
  if (--run->reads_left == 0 && onb_run_may_continue (run))
    compare (run);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  ReadCall *call = user_data;
  OnbRun *run = call->run;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;

  switch (call->read)
    {
    case READ_BLYNK_DEVICE:
      run->answers.blynk_device = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
      break;
    case READ_TTS_IS:
    case READ_TTS_JS:
    case READ_TTS_NS:
    case READ_TTS_AS:
    default:
      run->answers.tts[call->read] = onb_tts_client_get_finish (ONB_TTS_CLIENT (object), result, &error);
      break;
    }
  g_free (call);
  read_done (run, error);
  onb_run_op_settle (run);
}

static void
namesakes_read (OnbRun       *run,
                GPtrArray    *devices,
                const GError *error)
{
  if (devices != NULL)
    run->answers.blynk_namesakes = g_ptr_array_ref (devices);
  read_done (run, error);
}

static ReadCall *
read_call_new (OnbRun  *run,
               Read  read)
{
  ReadCall *call = g_new0 (ReadCall, 1);

  call->run = run;
  call->read = read;
  run->reads_left++;
  onb_run_op_begin (run);
  return call;
}

void
onb_run_verify (OnbRun *run)
{
  OnbRunHost *host = run->host;

  onb_job_set_step (run->job, ONB_JOB_STEP_VERIFY, ONB_STEP_STATE_RUNNING, NULL, NULL);
  onb_run_commit (run);

  run->reads_left = 0;
  /* A claimed device's keys are on its own Join Server, not ours. */
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_IS; c <= ONB_TTS_COMPONENT_AS; c++)
    if (run->answers.tts[c] == NULL &&
        !(c == ONB_TTS_COMPONENT_JS && onb_tts_device_get_claimed (run->tts_device)))
      onb_tts_client_get_async (host->tts, c, onb_tts_device_get_device_id (run->tts_device), host->cancellable,
                                read_cb, read_call_new (run, (Read) c));
  /* Read at the end of the Blynk chain, unless that chain was done before. */
  if (run->answers.blynk_device == NULL)
    onb_blynk_client_get_device_async (host->blynk, onb_job_get_blynk_device_id (run->job), host->cancellable,
                                       read_cb, read_call_new (run, READ_BLYNK_DEVICE));
  if (!onb_run_is_replace (run) && run->answers.blynk_namesakes == NULL)
    {
      run->reads_left++;
      onb_run_blynk_search (run, run->entry, onb_job_get_blynk_device_id (run->job), namesakes_read);
    }
  if (run->reads_left == 0)
    compare (run);
}
