/* onb-run-blynk.c: the Blynk chain of a run
 *
 *   device      create, or claim a static token; a run that may have
 *               run before looks first (by name, or in the static-token
 *               list) and adopts what it finds; a refused claim asks the
 *               token list whose device it is; a replace finds the old
 *               device
 *   metafields  written together with a search for namesakes (the race
 *               check verify needs, onb-run-blynk-search.c), since our
 *               device already exists; once answered, the device is read
 *               back for verify
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-run-private.h"

/* ---- the device ------------------------------------------------------------------- */

static void
device_made (OnbRun         *run,
             OnbBlynkDevice *device,
             const GError   *error)
{
  if (device == NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, error);
  else
    {
      /* Recorded even when the other chain failed: the rollback needs it. */
      onb_run_blynk_record_device (run, device, ONB_JOB_MADE);
      onb_run_step_done (run, ONB_JOB_STEP_BLYNK_DEVICE, onb_run_blynk_metafields);
    }
}

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  device = onb_blynk_client_create_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  device_made (run, device, error);
  onb_run_op_settle (run);
}

static void
create (OnbRun *run)
{
  OnbRunHost *host = run->host;

  onb_run_op_begin (run);
  onb_blynk_client_create_device_async (host->blynk, onb_run_blynk_template (run),
                                        onb_registry_entry_get_blynk_name (run->entry),
                                        onb_blynk_client_get_owner_id (host->blynk),
                                        host->cancellable, created_cb, run);
}

/* ---- static tokens (docs/design.md, Static tokens) ------------------------------------ */

static void claim (OnbRun *run);

/* The token list says whose device a claimed token became: ours
 * ([blynk] owner_id) is adopted, another owner's fails the job for good,
 * naming both, before anything is made in Blynk. */
static void
token_found_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) refused = g_steal_pointer (&run->claim_refused);
  g_autoptr(OnbBlynkStaticToken) token = NULL;
  gint64 owner = onb_blynk_client_get_owner_id (run->host->blynk);

  token = onb_blynk_client_find_static_token_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (token == NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, error);
  else if (!onb_blynk_static_token_is_claimed (token))
    {
      /* Free: claim it (again, after a crash). A refused claim the list
       * does not explain stays refused. */
      if (refused != NULL)
        onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, refused);
      else if (onb_run_may_continue (run))
        claim (run);
    }
  else if (onb_blynk_static_token_get_owner_id (token) == owner)
    {
      /* Refused: another station of ours won the race, its device is
       * adopted. Else it is this job's own claim, whose answer a crash
       * lost: ours to roll back. */
      onb_run_blynk_record (run, onb_blynk_static_token_get_device_id (token),
                            onb_blynk_static_token_get_product_id (token),
                            refused == NULL ? ONB_JOB_MADE : ONB_JOB_ADOPTED);
      onb_run_step_done (run, ONB_JOB_STEP_BLYNK_DEVICE, onb_run_blynk_metafields);
    }
  else
    {
      g_autoptr(GError) taken =
        g_error_new (ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_TOKEN_CLAIMED,
                     /* %lld, not G_GINT64_FORMAT: xgettext cuts a message at a macro. */
                     _("This box’s static token is already claimed in Blynk as device %lld of user %lld, not of "
                       "this station’s owner (%lld). Ask that user to release it."),
                     (long long) onb_blynk_static_token_get_device_id (token),
                     (long long) onb_blynk_static_token_get_owner_id (token), (long long) owner);
      onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, taken);
    }
  onb_run_op_settle (run);
}

static void
find_token (OnbRun *run)
{
  onb_run_op_begin (run);
  onb_blynk_client_find_static_token_async (run->host->blynk, onb_registry_entry_get_static_token (run->entry),
                                            run->host->cancellable, token_found_cb, run);
}

static void
claimed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  device = onb_blynk_client_claim_static_token_finish (ONB_BLYNK_CLIENT (object), result, &error);
  /* Blynk refuses a claimed token with a 400: the list tells by whom. */
  if (g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST) && onb_run_may_continue (run))
    {
      run->claim_refused = g_steal_pointer (&error);
      find_token (run);
    }
  else
    device_made (run, device, error);
  onb_run_op_settle (run);
}

static void
claim (OnbRun *run)
{
  OnbRunHost *host = run->host;

  onb_run_op_begin (run);
  onb_blynk_client_claim_static_token_async (host->blynk, onb_registry_entry_get_static_token (run->entry),
                                             onb_blynk_client_get_owner_id (host->blynk), host->cancellable,
                                             claimed_cb, run);
}

/* ---- found by name ------------------------------------------------------------------- */

static void
found (OnbRun       *run,
       GPtrArray    *devices,
       const GError *error)
{
  gboolean replace = onb_run_is_replace (run);
  OnbBlynkDevice *winner;

  if (devices == NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, error);
  else if (!onb_run_may_continue (run))
    return;
  else if ((winner = onb_run_blynk_winner (devices)))
    {
      /* Found: a resumed create of this job may have made it (ours to
       * roll back); for a replace it is the old device, never ours. */
      if (replace)
        onb_run_blynk_record_device (run, winner, ONB_JOB_ADOPTED);
      else
        onb_run_blynk_record_device (run, winner, ONB_JOB_MADE);
      onb_run_step_done (run, ONB_JOB_STEP_BLYNK_DEVICE, onb_run_blynk_metafields);
    }
  else if (replace)
    {
      g_autoptr(GError) missing =
        g_error_new (ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_OLD_NOT_PROVISIONED,
                     _("The old device “%s” was not found in Blynk, so its history cannot move to the new one."),
                     onb_registry_entry_get_blynk_name (run->old_entry));
      onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, missing);
    }
  else
    create (run);
}

static void
find (OnbRun           *run,
      OnbRegistryEntry *entry)
{
  onb_run_blynk_search (run, entry, 0, found);
}

/* The device step was marked running in the run's start commit. */
void
onb_run_blynk_chain (OnbRun *run)
{
  gboolean may_have_run = run->resumed ||
                          onb_job_get_step_attempts (run->job, ONB_JOB_STEP_BLYNK_DEVICE) > 1;

  /* A read-back of an earlier attempt may be out of date. */
  g_clear_pointer (&run->answers.blynk_device, onb_blynk_device_unref);

  if (onb_run_blynk_device_known (run))
    onb_run_blynk_metafields (run);
  else if (onb_run_is_replace (run))
    find (run, run->old_entry);
  /* A claim that may have reached Blynk shows in the token list. */
  else if (onb_registry_entry_get_static_token (run->entry) != NULL)
    {
      if (may_have_run)
        find_token (run);
      else
        claim (run);
    }
  /* A create that may have reached the server before a crash: look first. */
  else if (may_have_run)
    find (run, run->entry);
  else
    create (run);
}

/* ---- metafields and namesakes ------------------------------------------------------ */

static void
read_back_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;

  run->answers.blynk_device = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  /* Not read now: verify reads again. */
  if (error != NULL)
    g_debug ("Blynk read-back before verify failed: %s", error->message);
  if (onb_run_may_continue (run))
    onb_run_chain_done (run, ONB_RUN_CHAIN_BLYNK);
  onb_run_op_settle (run);
}

/* A metafield write answers nothing, so verify needs the device read
 * back: read it as soon as the writes are answered, beside the TTS chain,
 * to keep a job within three round trips. */
static void
part_done (OnbRun *run)
{
  if (--run->blynk_left > 0)
    return;
  onb_run_op_begin (run);
  onb_blynk_client_get_device_async (run->host->blynk, onb_job_get_blynk_device_id (run->job),
                                     run->host->cancellable, read_back_cb, run);
}

static void metafields_send (OnbRun *run, GHashTable *values);

static void
metafields_set_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;

  if (!onb_blynk_client_set_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error))
    onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_METAFIELDS, error);
  else if (run->metafields_last != NULL && onb_run_may_continue (run))
    {
      g_autoptr(GHashTable) last = g_steal_pointer (&run->metafields_last);

      metafields_send (run, last);
    }
  else
    onb_run_step_done (run, ONB_JOB_STEP_BLYNK_METAFIELDS, part_done);
  onb_run_op_settle (run);
}

/* Our device exists, so any namesake made later has a higher id and loses
 * to ours: the search for a race need not wait for the metafields. */
static void
namesakes_found (OnbRun       *run,
                 GPtrArray    *devices,
                 const GError *error)
{
  /* Not found now: verify searches again. */
  if (devices != NULL)
    run->answers.blynk_namesakes = g_ptr_array_ref (devices);
  else
    g_debug ("Blynk search before verify failed: %s", error->message);
  if (onb_run_may_continue (run))
    part_done (run);
}

static void
metafields_send (OnbRun     *run,
                 GHashTable *values)
{
  onb_run_op_begin (run);
  onb_blynk_client_set_metafields_async (run->host->blynk, onb_job_get_blynk_device_id (run->job),
                                         run->template_number, values, run->host->cancellable,
                                         metafields_set_cb, run);
}

static void
template_metafields_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) known = NULL;

  known = onb_blynk_client_get_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (known == NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_METAFIELDS, error);
  else if (onb_run_may_continue (run))
    {
      g_autoptr(GHashTable) values = onb_run_metafield_values (run, run->entry, onb_run_ttn_device (run));

      /* A claimed device is named after its token: give it our name, by
       * which it is found again. */
      if (g_hash_table_contains (known, "Device Name"))
        g_hash_table_insert (values, g_strdup ("Device Name"),
                             g_strdup (onb_registry_entry_get_blynk_name (run->entry)));
      metafields_send (run, values);
    }
  onb_run_op_settle (run);
}

static void metafields_write (OnbRun *run);

static void
template_known_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  OnbRun *run = user_data;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  device = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (device == NULL)
    onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_METAFIELDS, error);
  else if (onb_blynk_device_get_template_number (device) <= 0)
    {
      g_autoptr(GError) unknown = g_error_new (ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE,
                                               _("Blynk did not say which template device %lld belongs to."),
                                               (long long) onb_blynk_device_get_id (device));
      onb_run_step_failed (run, ONB_JOB_STEP_BLYNK_METAFIELDS, unknown);
    }
  else if (onb_run_may_continue (run))
    {
      run->template_number = onb_blynk_device_get_template_number (device);
      metafields_write (run);
    }
  onb_run_op_settle (run);
}

static void
metafields_write (OnbRun *run)
{
  gboolean claimed = !onb_run_is_replace (run) && onb_registry_entry_get_static_token (run->entry) != NULL;

  /* A resumed run knows the claimed device but not its template. */
  if (claimed && run->template_number <= 0)
    {
      onb_run_op_begin (run);
      onb_blynk_client_get_device_async (run->host->blynk, onb_job_get_blynk_device_id (run->job),
                                         run->host->cancellable, template_known_cb, run);
    }
  else if (claimed)
    {
      onb_run_op_begin (run);
      onb_blynk_client_get_metafields_async (run->host->blynk, run->template_number, run->host->cancellable,
                                             template_metafields_cb, run);
    }
  else
    {
      g_autoptr(GHashTable) values = onb_run_metafield_values (run, run->entry, onb_run_ttn_device (run));

      /* A replace changes a device Blynk's integration watches: its new
       * Device EUI goes last, so the integration never sees it beside the
       * old key (docs/design.md, Who creates the TTS device). */
      if (onb_run_is_replace (run))
        {
          const char *name = onb_run_metafield_name (run, ONB_BLYNK_ROLE_DEV_EUI);
          gpointer key, value;

          g_clear_pointer (&run->metafields_last, g_hash_table_unref);
          if (g_hash_table_steal_extended (values, name, &key, &value))
            {
              run->metafields_last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
              g_hash_table_insert (run->metafields_last, key, value);
            }
        }
      metafields_send (run, values);
    }
}

void
onb_run_blynk_metafields (OnbRun *run)
{
  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS) == ONB_STEP_STATE_DONE)
    {
      onb_run_chain_done (run, ONB_RUN_CHAIN_BLYNK);
      return;
    }
  onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS, ONB_STEP_STATE_RUNNING, NULL, NULL);
  onb_run_commit (run);
  g_clear_pointer (&run->answers.blynk_device, onb_blynk_device_unref);
  g_clear_pointer (&run->answers.blynk_namesakes, g_ptr_array_unref);
  run->blynk_left = onb_run_is_replace (run) ? 1 : 2;
  /* The writes first: they are on the job's critical path, the search
   * is not. */
  metafields_write (run);
  if (!onb_run_is_replace (run))
    onb_run_blynk_search (run, run->entry, onb_job_get_blynk_device_id (run->job), namesakes_found);
}
