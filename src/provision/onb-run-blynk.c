/* onb-run-blynk.c: the Blynk chain of a run
 *
 *   device      create, or claim a static token; a run that may have
 *               run before looks first (by name, or in the static-token
 *               list) and adopts what it finds; a refused claim asks the
 *               token list whose device it is; a replace finds the old
 *               device
 *   metafields  written together with a search for namesakes (the race
 *               check verify needs), since our device already exists;
 *               once answered, the device is read back for verify
 *   namesakes   a device with our name counts only if this station could
 *               have made it (template, owner, metafields)
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-engine-private.h"

GHashTable *
run_metafield_values (OnbRegistryEntry *entry,
                      OnbTtsDevice     *tts_device)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, onb_registry_entry_get_metafields (entry));
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (values, g_strdup (key), g_strdup (value));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_DEV_EUI), g_strdup (onb_registry_entry_get_dev_eui (entry)));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_JOIN_EUI), g_strdup (onb_registry_entry_get_join_eui (entry)));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_APP_KEY), g_strdup (onb_registry_entry_get_app_key (entry)));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_TTN_DEVICE),
                       g_strdup (onb_tts_device_get_device_id (tts_device)));
  return values;
}

/* ---- namesakes this station could have made (docs/design.md, Namesakes) ------------- */

typedef struct
{
  Run *run;
  OnbRegistryEntry *entry;  /* the box whose device is looked for (borrowed from the run) */
  gint64 skip;              /* our own device: known, not read */
  RunSearchFunc then;
  GPtrArray *fitting;
  GError *error;
  guint left;
} Search;

/* Blynk allows equal names, so a namesake is ours only if this station
 * could have made it: our template, our owner, and (except the old device
 * of a replace, which holds the old box's values) no metafield holding
 * anything but our value. A stranger's device is never adopted, so never
 * gets our keys. */
static gboolean
could_be_ours (Search         *search,
               OnbBlynkDevice *device)
{
  Run *run = search->run;
  OnbBlynkClient *blynk = run->engine->blynk;
  g_autoptr(GHashTable) expected = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (onb_blynk_device_get_owner_id (device) != onb_blynk_client_get_owner_id (blynk))
    return FALSE;
  if (run->template_number > 0 ? onb_blynk_device_get_template_number (device) != run->template_number
                               : g_strcmp0 (onb_blynk_device_get_template_id (device),
                                            onb_blynk_client_get_template_id (blynk)) != 0)
    return FALSE;
  if (run_is_replace (run))
    return TRUE;

  expected = run_metafield_values (search->entry, run->tts_device);
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *found = onb_blynk_device_get_metafield (device, key);

      if (found != NULL && *found != '\0' && g_strcmp0 (found, value) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
search_finish (Search *search)
{
  Run *run = search->run;

  search->then (run, search->error != NULL ? NULL : search->fitting, search->error);
  g_clear_pointer (&search->fitting, g_ptr_array_unref);
  g_clear_error (&search->error);
  g_free (search);
}

static void
candidate_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Search *search = user_data;
  Run *run = search->run;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  device = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (device != NULL && could_be_ours (search, device))
    g_ptr_array_add (search->fitting, g_steal_pointer (&device));
  /* Deleted since the search (a race loser's own device): not a namesake. */
  else if (error != NULL && search->error == NULL &&
           !g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND))
    search->error = g_steal_pointer (&error);
  if (--search->left == 0)
    search_finish (search);
  run_settle (run);
}

/* Search results carry no metafields: each candidate is read. */
static void
searched_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Search *search = user_data;
  Run *run = search->run;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GPtrArray) devices = NULL;

  devices = onb_blynk_client_search_devices_finish (ONB_BLYNK_CLIENT (object), result, &search->error);
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      OnbBlynkDevice *device = devices->pdata[i];

      if (onb_blynk_device_get_id (device) == search->skip || !could_be_ours (search, device))
        continue;
      search->left++;
      run_begin_op (run);
      onb_blynk_client_get_device_async (run->engine->blynk, onb_blynk_device_get_id (device),
                                         run->engine->cancellable, candidate_read_cb, search);
    }
  if (search->left == 0)
    search_finish (search);
  run_settle (run);
}

/* Finds the devices named after @entry that this station could have made,
 * @skip (our own device, 0 if none) left out, and hands them to @then,
 * or the first error. */
void
run_blynk_search (Run              *run,
                  OnbRegistryEntry *entry,
                  gint64            skip,
                  RunSearchFunc     then)
{
  Search *search = g_new0 (Search, 1);

  search->run = run;
  search->entry = entry;
  search->skip = skip;
  search->then = then;
  search->fitting = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_blynk_device_unref);
  run_begin_op (run);
  onb_blynk_client_search_devices_async (run->engine->blynk, onb_registry_entry_get_blynk_name (entry),
                                         run->engine->cancellable, searched_cb, search);
}

/* The lowest id wins when two stations raced: both pick the same one. */
OnbBlynkDevice *
run_blynk_winner (GPtrArray *devices)
{
  OnbBlynkDevice *winner = NULL;

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      OnbBlynkDevice *device = devices->pdata[i];

      if (winner == NULL || onb_blynk_device_get_id (device) < onb_blynk_device_get_id (winner))
        winner = device;
    }
  return winner;
}

static void
record_id (Run    *run,
           gint64  id,
           gint64  template_number,
           gboolean owned)
{
  g_autofree char *remote = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  onb_job_set_blynk_device_id (run->job, id);
  onb_job_set_step_remote (run->job, ONB_JOB_STEP_BLYNK_DEVICE, remote, owned);
  if (template_number > 0)
    run->template_number = template_number;
}

static void
record_device (Run            *run,
               OnbBlynkDevice *device,
               gboolean        owned)
{
  record_id (run, onb_blynk_device_get_id (device), onb_blynk_device_get_template_number (device), owned);
}

/* This job made @device: a rollback removes it. */
void
run_blynk_made (Run            *run,
                OnbBlynkDevice *device)
{
  record_device (run, device, TRUE);
}

/* @device was made by someone else (another station, the old device of a
 * replace): it is used, never removed. */
void
run_blynk_adopted (Run            *run,
                   OnbBlynkDevice *device)
{
  record_device (run, device, FALSE);
}

gboolean
run_blynk_device_known (Run *run)
{
  return onb_job_get_step_state (run->job, ONB_JOB_STEP_BLYNK_DEVICE) == ONB_STEP_STATE_DONE &&
         onb_job_get_blynk_device_id (run->job) > 0;
}

/* ---- the device ------------------------------------------------------------------- */

static void
device_made (Run            *run,
             OnbBlynkDevice *device,
             const GError   *error)
{
  if (device == NULL)
    run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, error);
  else
    {
      /* Recorded even when the other chain failed: the rollback needs it. */
      run_blynk_made (run, device);
      run_step_done (run, ONB_JOB_STEP_BLYNK_DEVICE, run_blynk_metafields);
    }
}

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  device = onb_blynk_client_create_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  device_made (run, device, error);
  run_settle (run);
}

static void
create (Run *run)
{
  OnbEngine *self = run->engine;

  run_begin_op (run);
  onb_blynk_client_create_device_async (self->blynk, onb_blynk_client_get_template_id (self->blynk),
                                        onb_registry_entry_get_blynk_name (run->entry),
                                        onb_blynk_client_get_owner_id (self->blynk),
                                        self->cancellable, created_cb, run);
}

/* ---- static tokens (docs/design.md, Static tokens) ------------------------------------ */

static void claim (Run *run);

/* The token list says whose device a claimed token became: ours
 * ([blynk] owner_id) is adopted, another owner's fails the job for good,
 * naming both, before anything is made in Blynk. */
static void
token_found_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) refused = g_steal_pointer (&run->claim_refused);
  g_autoptr(OnbBlynkStaticToken) token = NULL;
  gint64 owner = onb_blynk_client_get_owner_id (run->engine->blynk);

  token = onb_blynk_client_find_static_token_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (token == NULL)
    run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, error);
  else if (!onb_blynk_static_token_is_claimed (token))
    {
      /* Free: claim it (again, after a crash). A refused claim the list
       * does not explain stays refused. */
      if (refused != NULL)
        run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, refused);
      else if (run_may_continue (run))
        claim (run);
    }
  else if (onb_blynk_static_token_get_owner_id (token) == owner)
    {
      /* Refused: another station of ours won the race, its device is
       * adopted. Else it is this job's own claim, whose answer a crash
       * lost: ours to roll back. */
      record_id (run, onb_blynk_static_token_get_device_id (token), onb_blynk_static_token_get_product_id (token),
                 refused == NULL);
      run_step_done (run, ONB_JOB_STEP_BLYNK_DEVICE, run_blynk_metafields);
    }
  else
    {
      g_autoptr(GError) taken =
        g_error_new (ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_TOKEN_CLAIMED,
                     _("This box’s static token is already claimed in Blynk as device %" G_GINT64_FORMAT
                       " of user %" G_GINT64_FORMAT ", not of this station’s owner (%" G_GINT64_FORMAT
                       "). Ask that user to release it."),
                     onb_blynk_static_token_get_device_id (token), onb_blynk_static_token_get_owner_id (token),
                     owner);
      run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, taken);
    }
  run_settle (run);
}

static void
find_token (Run *run)
{
  run_begin_op (run);
  onb_blynk_client_find_static_token_async (run->engine->blynk, onb_registry_entry_get_static_token (run->entry),
                                            run->engine->cancellable, token_found_cb, run);
}

static void
claimed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  device = onb_blynk_client_claim_static_token_finish (ONB_BLYNK_CLIENT (object), result, &error);
  /* Blynk refuses a claimed token with a 400: the list tells by whom. */
  if (g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST) && run_may_continue (run))
    {
      run->claim_refused = g_steal_pointer (&error);
      find_token (run);
    }
  else
    device_made (run, device, error);
  run_settle (run);
}

static void
claim (Run *run)
{
  OnbEngine *self = run->engine;

  run_begin_op (run);
  onb_blynk_client_claim_static_token_async (self->blynk, onb_registry_entry_get_static_token (run->entry),
                                             onb_blynk_client_get_owner_id (self->blynk), self->cancellable,
                                             claimed_cb, run);
}

/* ---- found by name ------------------------------------------------------------------- */

static void
found (Run          *run,
       GPtrArray    *devices,
       const GError *error)
{
  gboolean replace = run_is_replace (run);
  OnbBlynkDevice *winner;

  if (devices == NULL)
    run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, error);
  else if (!run_may_continue (run))
    return;
  else if ((winner = run_blynk_winner (devices)))
    {
      /* Found: a resumed create of this job may have made it (ours to
       * roll back); for a replace it is the old device, never ours. */
      if (replace)
        run_blynk_adopted (run, winner);
      else
        run_blynk_made (run, winner);
      run_step_done (run, ONB_JOB_STEP_BLYNK_DEVICE, run_blynk_metafields);
    }
  else if (replace)
    {
      g_autoptr(GError) missing =
        g_error_new (ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_OLD_NOT_PROVISIONED,
                     _("The old device “%s” was not found in Blynk, so its history cannot move to the new one."),
                     onb_registry_entry_get_blynk_name (run->old_entry));
      run_step_failed (run, ONB_JOB_STEP_BLYNK_DEVICE, missing);
    }
  else
    create (run);
}

static void
find (Run              *run,
      OnbRegistryEntry *entry)
{
  run_blynk_search (run, entry, 0, found);
}

/* The device step was marked running in the run's start commit. */
void
run_blynk_chain (Run *run)
{
  gboolean may_have_run = run->resumed ||
                          onb_job_get_step_attempts (run->job, ONB_JOB_STEP_BLYNK_DEVICE) > 1;

  /* A read-back of an earlier attempt may be out of date. */
  g_clear_pointer (&run->answers.blynk_device, onb_blynk_device_unref);

  if (run_blynk_device_known (run))
    run_blynk_metafields (run);
  else if (run_is_replace (run))
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
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GError) error = NULL;

  run->answers.blynk_device = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  /* Not read now: verify reads again. */
  if (error != NULL)
    g_debug ("Blynk read-back before verify failed: %s", error->message);
  if (run_may_continue (run))
    run_chain_done (run, &run->blynk_done);
  run_settle (run);
}

/* A metafield write answers nothing, so verify needs the device read
 * back: read it as soon as the writes are answered, beside the TTS chain,
 * to keep a job within three round trips. */
static void
part_done (Run *run)
{
  if (--run->blynk_left > 0)
    return;
  run_begin_op (run);
  onb_blynk_client_get_device_async (run->engine->blynk, onb_job_get_blynk_device_id (run->job),
                                     run->engine->cancellable, read_back_cb, run);
}

static void
metafields_set_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GError) error = NULL;

  if (!onb_blynk_client_set_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error))
    run_step_failed (run, ONB_JOB_STEP_BLYNK_METAFIELDS, error);
  else
    run_step_done (run, ONB_JOB_STEP_BLYNK_METAFIELDS, part_done);
  run_settle (run);
}

/* Our device exists, so any namesake made later has a higher id and loses
 * to ours: the search for a race need not wait for the metafields. */
static void
namesakes_found (Run          *run,
                 GPtrArray    *devices,
                 const GError *error)
{
  /* Not found now: verify searches again. */
  if (devices != NULL)
    run->answers.blynk_namesakes = g_ptr_array_ref (devices);
  else
    g_debug ("Blynk search before verify failed: %s", error->message);
  if (run_may_continue (run))
    part_done (run);
}

static void
metafields_send (Run        *run,
                 GHashTable *values)
{
  run_begin_op (run);
  onb_blynk_client_set_metafields_async (run->engine->blynk, onb_job_get_blynk_device_id (run->job),
                                         run->template_number, values, run->engine->cancellable,
                                         metafields_set_cb, run);
}

static void
template_metafields_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) known = NULL;

  known = onb_blynk_client_get_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (known == NULL)
    run_step_failed (run, ONB_JOB_STEP_BLYNK_METAFIELDS, error);
  else if (run_may_continue (run))
    {
      g_autoptr(GHashTable) values = run_metafield_values (run->entry, run->tts_device);

      /* A claimed device is named after its token: give it our name, by
       * which it is found again. */
      if (g_hash_table_contains (known, "Device Name"))
        g_hash_table_insert (values, g_strdup ("Device Name"),
                             g_strdup (onb_registry_entry_get_blynk_name (run->entry)));
      metafields_send (run, values);
    }
  run_settle (run);
}

static void metafields_write (Run *run);

static void
template_known_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_end_op_take_hold (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  device = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (device == NULL)
    run_step_failed (run, ONB_JOB_STEP_BLYNK_METAFIELDS, error);
  else if (onb_blynk_device_get_template_number (device) <= 0)
    {
      g_autoptr(GError) unknown = g_error_new (ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE,
                                               _("Blynk did not say which template device %" G_GINT64_FORMAT
                                                 " belongs to."), onb_blynk_device_get_id (device));
      run_step_failed (run, ONB_JOB_STEP_BLYNK_METAFIELDS, unknown);
    }
  else if (run_may_continue (run))
    {
      run->template_number = onb_blynk_device_get_template_number (device);
      metafields_write (run);
    }
  run_settle (run);
}

static void
metafields_write (Run *run)
{
  gboolean claimed = !run_is_replace (run) && onb_registry_entry_get_static_token (run->entry) != NULL;

  /* A resumed run knows the claimed device but not its template. */
  if (claimed && run->template_number <= 0)
    {
      run_begin_op (run);
      onb_blynk_client_get_device_async (run->engine->blynk, onb_job_get_blynk_device_id (run->job),
                                         run->engine->cancellable, template_known_cb, run);
    }
  else if (claimed)
    {
      run_begin_op (run);
      onb_blynk_client_get_metafields_async (run->engine->blynk, run->template_number, run->engine->cancellable,
                                             template_metafields_cb, run);
    }
  else
    {
      g_autoptr(GHashTable) values = run_metafield_values (run->entry, run->tts_device);

      metafields_send (run, values);
    }
}

void
run_blynk_metafields (Run *run)
{
  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS) == ONB_STEP_STATE_DONE)
    {
      run_chain_done (run, &run->blynk_done);
      return;
    }
  onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS, ONB_STEP_STATE_RUNNING, NULL, NULL);
  run_commit (run, NULL);
  g_clear_pointer (&run->answers.blynk_device, onb_blynk_device_unref);
  g_clear_pointer (&run->answers.blynk_namesakes, g_ptr_array_unref);
  run->blynk_left = 1;
  if (!run_is_replace (run))
    {
      run->blynk_left++;
      run_blynk_search (run, run->entry, onb_job_get_blynk_device_id (run->job), namesakes_found);
    }
  metafields_write (run);
}
