/* onb-run-blynk-search.c: the Blynk look-ups several chains share
 *
 *   values      what a box's Blynk device holds: the list's metafields
 *               and the keys pointing at its TTS device
 *   namesakes   devices with a box's name that this station could have
 *               made (docs/design.md, "Namesakes"); the race's winner
 *   record      the device a job uses, made by it or adopted
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include "onb-cloud-error.h"
#include "onb-run-private.h"

/* The values @entry's Blynk device holds: the list's metafields and the
 * keys, under the names this site's template gives them, and
 * TheThingsNetwork Device pointing at @ttn_device (NULL: not written, as
 * when Blynk makes the TTS device). (transfer full) */
GHashTable *
onb_run_metafield_values (OnbRun           *run,
                          OnbRegistryEntry *entry,
                          const char       *ttn_device)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *identity[ONB_BLYNK_N_ROLES] = {
    [ONB_BLYNK_ROLE_DEV_EUI] = onb_registry_entry_get_dev_eui (entry),
    [ONB_BLYNK_ROLE_JOIN_EUI] = onb_registry_entry_get_join_eui (entry),
    /* A claimed device's key stays on its own Join Server. */
    [ONB_BLYNK_ROLE_APP_KEY] = run->claims ? NULL : onb_registry_entry_get_app_key (entry),
    [ONB_BLYNK_ROLE_TTN_DEVICE] = ttn_device,
  };
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, onb_registry_entry_get_metafields (entry));
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (values, g_strdup (key), g_strdup (value));
  for (OnbBlynkRole role = 0; role < ONB_BLYNK_N_ROLES; role++)
    if (identity[role] != NULL)
      g_hash_table_insert (values, g_strdup (onb_run_metafield_name (run, role)),
                           g_strdup (identity[role]));
  return values;
}

/* ---- namesakes this station could have made (docs/design.md, Namesakes) ------------- */

typedef struct
{
  OnbRun *run;
  OnbRegistryEntry *entry;  /* the box whose device is looked for (borrowed from the run) */
  gint64 skip;              /* our own device: known, not read */
  OnbRunSearchFunc then;
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
  OnbRun *run = search->run;
  OnbBlynkClient *blynk = run->host->blynk;
  g_autoptr(GHashTable) expected = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (onb_blynk_device_get_owner_id (device) != onb_blynk_client_get_owner_id (blynk))
    return FALSE;
  if (run->template_number > 0 ? onb_blynk_device_get_template_number (device) != run->template_number
                               : g_strcmp0 (onb_blynk_device_get_template_id (device),
                                            onb_run_blynk_template (run)) != 0)
    return FALSE;
  if (onb_run_is_replace (run))
    return TRUE;

  expected = onb_run_metafield_values (run, search->entry, onb_run_ttn_device (run));
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
  OnbRun *run = search->run;

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
  OnbRun *run = search->run;
  g_autoptr(GObject) hold = onb_run_op_end (run);
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
  onb_run_op_settle (run);
}

/* Search results carry no metafields: each candidate is read. */
static void
searched_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Search *search = user_data;
  OnbRun *run = search->run;
  g_autoptr(GObject) hold = onb_run_op_end (run);
  g_autoptr(GPtrArray) devices = NULL;

  devices = onb_blynk_client_search_devices_finish (ONB_BLYNK_CLIENT (object), result, &search->error);
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      OnbBlynkDevice *device = devices->pdata[i];

      if (onb_blynk_device_get_id (device) == search->skip || !could_be_ours (search, device))
        continue;
      search->left++;
      onb_run_op_begin (run);
      onb_blynk_client_get_device_async (run->host->blynk, onb_blynk_device_get_id (device),
                                         run->host->cancellable, candidate_read_cb, search);
    }
  if (search->left == 0)
    search_finish (search);
  onb_run_op_settle (run);
}

/* Finds the devices named after @entry that this station could have made,
 * @skip (our own device, 0 if none) left out, and hands them to @then,
 * or the first error. */
void
onb_run_blynk_search (OnbRun        *run,
                      OnbRegistryEntry *entry,
                      gint64            skip,
                      OnbRunSearchFunc  then)
{
  Search *search = g_new0 (Search, 1);

  search->run = run;
  search->entry = entry;
  search->skip = skip;
  search->then = then;
  search->fitting = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_blynk_device_unref);
  onb_run_op_begin (run);
  onb_blynk_client_search_devices_async (run->host->blynk, onb_registry_entry_get_blynk_name (entry),
                                         run->host->cancellable, searched_cb, search);
}

/* The lowest id wins when two stations raced: both pick the same one. */
OnbBlynkDevice *
onb_run_blynk_winner (GPtrArray *devices)
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

/* Records the Blynk device the job uses; @template_number (0 when not
 * known) saves a look-up later. */
void
onb_run_blynk_record (OnbRun    *run,
                      gint64        device_id,
                      gint64        template_number,
                      OnbJobOrigin  origin)
{
  g_autofree char *remote = g_strdup_printf ("%" G_GINT64_FORMAT, device_id);

  onb_job_set_blynk_device_id (run->job, device_id);
  onb_job_set_step_remote (run->job, ONB_JOB_STEP_BLYNK_DEVICE, remote, origin);
  if (template_number > 0)
    run->template_number = template_number;
}

void
onb_run_blynk_record_device (OnbRun      *run,
                             OnbBlynkDevice *device,
                             OnbJobOrigin    origin)
{
  onb_run_blynk_record (run, onb_blynk_device_get_id (device), onb_blynk_device_get_template_number (device), origin);
}

gboolean
onb_run_blynk_device_known (OnbRun *run)
{
  return onb_job_get_step_state (run->job, ONB_JOB_STEP_BLYNK_DEVICE) == ONB_STEP_STATE_DONE &&
         onb_job_get_blynk_device_id (run->job) > 0;
}
