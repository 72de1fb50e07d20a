/* onb-engine.c: from a scanned payload to a verified device in both clouds
 *
 * Each running job has a Run: the registry row, the cloud device, and a
 * count of operations in flight (cloud requests and journal commits).
 * Chains continue only while nothing has failed; once the count drops to
 * zero after a failure the job is settled: a permanent failure rolls back
 * what the job made, a transient one waits with backoff. The job's row is
 * committed before its first request and every state change is committed
 * as it happens; a job found unfinished after a crash checks the clouds
 * (Blynk search by name, TTS 409 + GET) and adopts what exists instead of
 * creating it again.
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-blynk-client.h"
#include "onb-cloud-error.h"
#include "onb-engine.h"
#include "onb-error.h"
#include "onb-http-client.h"
#include "onb-journal-private.h"
#include "onb-provision-enums.h"
#include "onb-tts-client.h"

ONB_DEFINE_ERROR_DOMAIN (onb_engine_error, onb_engine_error_get_type)

/* Finished jobs kept in the model; older ones are history (journal). */
#define MAX_FINISHED_IN_MODEL 200
#define FOLLOW_INTERVAL_MS    1000
#define DEFAULT_MIN_DELAY_MS  1000
#define DEFAULT_MAX_DELAY_MS  (5 * 60 * 1000)

typedef struct _Run Run;

struct _OnbEngine
{
  GObject parent_instance;

  OnbConfig *config;
  OnbHttpClient *http;
  OnbTtsClient *tts;
  OnbBlynkClient *blynk;
  OnbRegistry *registry;
  OnbJournal *journal;
  char **profile_ids;

  GListStore *jobs;        /* newest first */
  GHashTable *by_dev_eui;  /* dev_eui → OnbJob in the model */
  GQueue pending;          /* OnbJob* waiting for a slot */
  GHashTable *runs;        /* OnbJob* → Run* (running or waiting) */
  GPtrArray *followed;     /* OnbJob* run by another process */
  GHashTable *resumed;     /* OnbJob* found unfinished in the journal, not yet run */
  guint follow_source;
  guint n_claims;          /* journal claims in flight */
  GCancellable *cancellable;

  guint max_jobs;
  guint n_running;
  guint min_delay_ms;
  guint max_delay_ms;
  guint n_done;
  guint n_failed;
  guint n_queued;
  guint n_trimmed_done;    /* finished jobs that left the model still count */
  guint n_trimmed_failed;
};

G_DEFINE_FINAL_TYPE (OnbEngine, onb_engine, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_DONE,
  PROP_N_FAILED,
  PROP_N_QUEUED,
  PROP_MAX_JOBS,
  N_PROPS
};

enum {
  JOB_ADDED,
  JOB_CHANGED,
  IDLE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

struct _Run
{
  OnbEngine *engine;
  OnbJob *job;
  OnbRegistryEntry *entry;
  OnbRegistryEntry *old_entry;  /* replace jobs */
  OnbTtsDevice *tts_device;
  OnbTtsDevice *old_tts_device; /* replace jobs: for restoring the old metafields */
  gint64 template_number;       /* Blynk numeric template id, 0 until known */
  guint in_flight;
  guint components_left;
  guint readbacks_left;
  guint blynk_left;             /* metafield writes and the namesake search */
  gboolean resumed;             /* may have run before (another run, another process): look first */
  gboolean blynk_done;
  gboolean tts_done;
  gboolean rolling_back;
  GError *transient;
  GError *permanent;
  char *fail_reason;   /* what the failed job will say */
  char *fail_message;
  guint timer;
  /* What verify compares: the servers' answers to this process's steps,
   * else read back (a step done by an earlier process, an answer that
   * said nothing). */
  json_object *readback[4];
  GHashTable *blynk_stored;     /* metafield name → value, as the answers said */
  OnbBlynkDevice *blynk_readback;
  GPtrArray *blynk_namesakes;
};

static void run_start          (Run *run);
static void run_check          (Run *run);
static void blynk_chain        (Run *run);
static void blynk_metafields   (Run *run);
static void tts_chain          (Run *run);
static void tts_components     (Run *run);
static void verify             (Run *run);
static void pump               (OnbEngine *self);
static void update_counters    (OnbEngine *self);

/* ---- runs ----------------------------------------------------------------------- */

static void
clear_readback (Run *run)
{
  for (guint i = 0; i < G_N_ELEMENTS (run->readback); i++)
    g_clear_pointer (&run->readback[i], json_object_put);
  g_clear_pointer (&run->blynk_stored, g_hash_table_unref);
  g_clear_pointer (&run->blynk_readback, onb_blynk_device_unref);
  g_clear_pointer (&run->blynk_namesakes, g_ptr_array_unref);
}

static void
run_free (Run *run)
{
  g_clear_handle_id (&run->timer, g_source_remove);
  g_clear_object (&run->job);
  g_clear_pointer (&run->entry, onb_registry_entry_unref);
  g_clear_pointer (&run->old_entry, onb_registry_entry_unref);
  g_clear_pointer (&run->tts_device, onb_tts_device_unref);
  g_clear_pointer (&run->old_tts_device, onb_tts_device_unref);
  g_clear_error (&run->transient);
  g_clear_error (&run->permanent);
  g_free (run->fail_reason);
  g_free (run->fail_message);
  clear_readback (run);
  g_free (run);
}

/* Every operation in flight holds the engine, so a callback never finds
 * it finalized; the hold is dropped when the callback returns. */
static void
run_hold (Run *run)
{
  run->in_flight++;
  g_object_ref (run->engine);
}

static OnbEngine *
run_release (Run *run)
{
  run->in_flight--;
  return run->engine;
}

static gboolean
run_failed (Run *run)
{
  return run->transient != NULL || run->permanent != NULL ||
         g_cancellable_is_cancelled (run->engine->cancellable);
}

/* A LoRaWAN 1.1 row without its NwkKey would only fail at the Join
 * Server, after the device was created in the Identity Server: refuse it
 * before anything is sent. */
static gboolean
check_keys (OnbEngine         *self,
            OnbRegistryEntry  *entry,
            GError           **error)
{
  g_autofree char *lorawan_version = onb_config_get_string (self->config, "tts", "lorawan_version");

  return onb_registry_entry_check_keys (entry, lorawan_version, error);
}

/* @joining: the device is created (not only deleted) in TTS. */
static OnbTtsDevice *
tts_device_for (OnbEngine         *self,
                OnbRegistryEntry  *entry,
                gboolean           joining,
                GError           **error)
{
  if (joining && !check_keys (self, entry, error))
    return NULL;
  return onb_tts_device_new (onb_registry_entry_get_dev_eui (entry), onb_registry_entry_get_join_eui (entry),
                             onb_registry_entry_get_app_key (entry), onb_registry_entry_get_nwk_key (entry), error);
}

/* The registry rows and TTS devices a job needs; they hold keys, so they
 * are looked up for each run instead of being journaled. */
static gboolean
run_prepare (Run     *run,
             GError **error)
{
  OnbRegistry *registry = run->engine->registry;

  if (run->entry == NULL &&
      !(run->entry = onb_registry_lookup (registry, onb_job_get_dev_eui (run->job), error)))
    return FALSE;
  if (run->tts_device == NULL && !(run->tts_device = tts_device_for (run->engine, run->entry, TRUE, error)))
    return FALSE;
  if (onb_job_get_kind (run->job) == ONB_JOB_KIND_REPLACE)
    {
      if (run->old_entry == NULL &&
          !(run->old_entry = onb_registry_lookup (registry, onb_job_get_old_dev_eui (run->job), error)))
        return FALSE;
      if (run->old_tts_device == NULL && !(run->old_tts_device = tts_device_for (run->engine, run->old_entry, FALSE, error)))
        return FALSE;
    }
  return TRUE;
}

static void
set_permanent (Run          *run,
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

/* Commits the job's current state, then calls @next (unless something
 * failed meanwhile). Every commit counts as an operation in flight. */
typedef void (*RunFunc) (Run *run);

typedef struct
{
  Run *run;
  RunFunc next;
} SaveData;

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SaveData *data = user_data;
  Run *run = data->run;
  g_autoptr(OnbEngine) hold = run_release (run);
  RunFunc next = data->next;
  g_autoptr(GError) error = NULL;

  g_free (data);
  if (!onb_journal_save_finish (ONB_JOURNAL (object), result, &error))
    {
      g_warning ("Journal write failed: %s", error->message);
      set_permanent (run, error);
    }
  else if (next != NULL && !run_failed (run))
    next (run);
  run_check (run);
}

static void
run_save (Run     *run,
          RunFunc  next)
{
  SaveData *data = g_new0 (SaveData, 1);

  data->run = run;
  data->next = next;
  run_hold (run);
  g_signal_emit (run->engine, signals[JOB_CHANGED], 0, run->job);
  onb_journal_save_async (run->engine->journal, onb_job_to_row (run->job), save_cb, data);
}

/* Records a failed step; the job settles once nothing is in flight. */
static void
step_error (Run        *run,
            OnbJobStep  step,
            GError     *error)
{
  gboolean transient = onb_cloud_error_is_transient (error);

  onb_job_set_step (run->job, step, transient ? ONB_STEP_STATE_RETRYING : ONB_STEP_STATE_FAILED,
                    onb_error_get_reason (error), error->message);
  if (transient && run->transient == NULL)
    run->transient = g_error_copy (error);
  else if (!transient)
    set_permanent (run, error);
  run_save (run, NULL);
}

/* The outcome is committed right away, but the next request does not wait
 * for that commit: only the job's row is committed before anything is
 * sent, and a resumed run checks the clouds before creating, so a lost
 * outcome is found again rather than repeated. This keeps disk syncs off
 * the critical path (DESIGN.md §4.3: about two round trips per job). */
static void
step_done (Run        *run,
           OnbJobStep  step,
           RunFunc     next)
{
  onb_job_set_step (run->job, step, ONB_STEP_STATE_DONE, NULL, NULL);
  run_save (run, NULL);
  if (next != NULL && !run_failed (run))
    next (run);
}

/* ---- Blynk chain ---------------------------------------------------------------- */

static GHashTable *
metafield_values (OnbRegistryEntry *entry,
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

/* A Blynk device with our name belongs to this box unless its Device EUI
 * says otherwise (empty: its metafields are not written yet). */
static gboolean
blynk_device_matches (OnbBlynkDevice *device,
                      const char     *dev_eui)
{
  const char *eui = onb_blynk_device_get_metafield (device, ONB_BLYNK_METAFIELD_DEV_EUI);

  return eui == NULL || *eui == '\0' || g_ascii_strcasecmp (eui, dev_eui) == 0;
}

/* The lowest id wins when two stations raced: both pick the same one. */
static OnbBlynkDevice *
blynk_winner (GPtrArray  *devices,
              const char *dev_eui)
{
  OnbBlynkDevice *winner = NULL;

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      OnbBlynkDevice *device = devices->pdata[i];

      if (blynk_device_matches (device, dev_eui) &&
          (winner == NULL || onb_blynk_device_get_id (device) < onb_blynk_device_get_id (winner)))
        winner = device;
    }
  return winner;
}

static void
blynk_adopt (Run      *run,
             gint64    id,
             gint64    template_number,
             gboolean  owned)
{
  g_autofree char *remote = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  onb_job_set_blynk_device_id (run->job, id);
  onb_job_set_step_remote (run->job, ONB_JOB_STEP_BLYNK_DEVICE, remote, owned);
  if (template_number > 0)
    run->template_number = template_number;
}

static void
blynk_created_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_release (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  if (onb_registry_entry_get_static_token (run->entry) != NULL)
    device = onb_blynk_client_claim_static_token_finish (ONB_BLYNK_CLIENT (object), result, &error);
  else
    device = onb_blynk_client_create_device_finish (ONB_BLYNK_CLIENT (object), result, &error);

  if (device == NULL)
    step_error (run, ONB_JOB_STEP_BLYNK_DEVICE, error);
  else
    {
      /* Recorded even when the other chain failed: the rollback needs it. */
      blynk_adopt (run, onb_blynk_device_get_id (device), onb_blynk_device_get_template_id (device), TRUE);
      step_done (run, ONB_JOB_STEP_BLYNK_DEVICE, blynk_metafields);
    }
  run_check (run);
}

static void
blynk_create (Run *run)
{
  OnbEngine *self = run->engine;
  const char *token = onb_registry_entry_get_static_token (run->entry);

  run_hold (run);
  if (token != NULL)
    onb_blynk_client_claim_static_token_async (self->blynk, token, onb_blynk_client_get_owner_id (self->blynk),
                                               self->cancellable, blynk_created_cb, run);
  else
    onb_blynk_client_create_device_async (self->blynk, onb_blynk_client_get_template_id (self->blynk),
                                          onb_registry_entry_get_blynk_name (run->entry),
                                          onb_blynk_client_get_owner_id (self->blynk),
                                          self->cancellable, blynk_created_cb, run);
}

static void
blynk_search_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_release (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  OnbBlynkDevice *winner;
  gboolean replace = onb_job_get_kind (run->job) == ONB_JOB_KIND_REPLACE;

  devices = onb_blynk_client_search_devices_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (devices == NULL)
    step_error (run, ONB_JOB_STEP_BLYNK_DEVICE, error);
  else if ((winner = blynk_winner (devices, onb_registry_entry_get_dev_eui (replace ? run->old_entry : run->entry))))
    {
      /* Found: adopt it. A resumed create may have made it (ours to roll
       * back); for a replace it is the old device, never ours. */
      blynk_adopt (run, onb_blynk_device_get_id (winner), onb_blynk_device_get_template_id (winner), !replace);
      step_done (run, ONB_JOB_STEP_BLYNK_DEVICE, blynk_metafields);
    }
  else if (replace)
    {
      g_autoptr(GError) missing =
        g_error_new (ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_OLD_NOT_PROVISIONED,
                     _("The old device “%s” was not found in Blynk, so its history cannot move to the new one."),
                     onb_registry_entry_get_blynk_name (run->old_entry));
      step_error (run, ONB_JOB_STEP_BLYNK_DEVICE, missing);
    }
  else if (!run_failed (run))
    blynk_create (run);
  run_check (run);
}

static void
blynk_search (Run              *run,
              OnbRegistryEntry *entry)
{
  run_hold (run);
  onb_blynk_client_search_devices_async (run->engine->blynk, onb_registry_entry_get_blynk_name (entry),
                                         run->engine->cancellable, blynk_search_cb, run);
}

static void
blynk_device_step (Run *run)
{
  gboolean resumed = run->resumed || onb_job_get_step_attempts (run->job, ONB_JOB_STEP_BLYNK_DEVICE) > 1;

  if (onb_job_get_kind (run->job) == ONB_JOB_KIND_REPLACE)
    blynk_search (run, run->old_entry);
  /* A create that may have reached the server before a crash: look first. */
  else if (resumed)
    blynk_search (run, run->entry);
  else
    blynk_create (run);
}

static gboolean
blynk_device_known (Run *run)
{
  return onb_job_get_step_state (run->job, ONB_JOB_STEP_BLYNK_DEVICE) == ONB_STEP_STATE_DONE &&
         onb_job_get_blynk_device_id (run->job) > 0;
}

/* The step was marked running in the job's start commit. */
static void
blynk_chain (Run *run)
{
  if (blynk_device_known (run))
    blynk_metafields (run);
  else
    blynk_device_step (run);
}

/* Marks one chain (Blynk or TTS) finished; verify waits for both. */
static void
chain_done (Run      *run,
            gboolean *chain)
{
  *chain = TRUE;
  if (run->blynk_done && run->tts_done && !run_failed (run))
    verify (run);
}

static void
blynk_part_done (Run *run)
{
  if (--run->blynk_left == 0)
    chain_done (run, &run->blynk_done);
}

static void
metafields_set_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_release (run);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&run->blynk_stored, g_hash_table_unref);
  if (!onb_blynk_client_set_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error))
    step_error (run, ONB_JOB_STEP_BLYNK_METAFIELDS, error);
  else
    step_done (run, ONB_JOB_STEP_BLYNK_METAFIELDS, blynk_part_done);
  run_check (run);
}

/* Our device exists, so any namesake made later has a higher id and loses
 * to ours: the search for a race need not wait for the metafields. */
static void
namesakes_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_release (run);
  g_autoptr(GError) error = NULL;

  run->blynk_namesakes = onb_blynk_client_search_devices_finish (ONB_BLYNK_CLIENT (object), result, &error);
  /* Not found now: verify searches again. */
  if (error != NULL)
    g_debug ("Blynk search before verify failed: %s", error->message);
  if (!run_failed (run))
    blynk_part_done (run);
  run_check (run);
}

static void
metafields_send (Run        *run,
                 GHashTable *values)
{
  run_hold (run);
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
  g_autoptr(OnbEngine) hold = run_release (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) known = NULL;

  known = onb_blynk_client_get_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (known == NULL)
    step_error (run, ONB_JOB_STEP_BLYNK_METAFIELDS, error);
  else if (!run_failed (run))
    {
      g_autoptr(GHashTable) values = metafield_values (run->entry, run->tts_device);

      /* A claimed device is named after its token: give it our name, by
       * which it is found again. */
      if (g_hash_table_contains (known, "Device Name"))
        g_hash_table_insert (values, g_strdup ("Device Name"),
                             g_strdup (onb_registry_entry_get_blynk_name (run->entry)));
      metafields_send (run, values);
    }
  run_check (run);
}

static void
blynk_metafields_send (Run *run)
{
  gboolean replace = onb_job_get_kind (run->job) == ONB_JOB_KIND_REPLACE;

  if (!replace && onb_registry_entry_get_static_token (run->entry) != NULL && run->template_number > 0)
    {
      run_hold (run);
      onb_blynk_client_get_metafields_async (run->engine->blynk, run->template_number, run->engine->cancellable,
                                             template_metafields_cb, run);
    }
  else
    {
      g_autoptr(GHashTable) values = metafield_values (run->entry, run->tts_device);

      metafields_send (run, values);
    }
}

static void
blynk_metafields (Run *run)
{
  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS) == ONB_STEP_STATE_DONE)
    {
      chain_done (run, &run->blynk_done);
      return;
    }
  onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS, ONB_STEP_STATE_RUNNING, NULL, NULL);
  run_save (run, NULL);
  g_clear_pointer (&run->blynk_stored, g_hash_table_unref);
  g_clear_pointer (&run->blynk_namesakes, g_ptr_array_unref);
  run->blynk_left = 1;
  if (onb_job_get_kind (run->job) != ONB_JOB_KIND_REPLACE)
    {
      run->blynk_left++;
      run_hold (run);
      onb_blynk_client_search_devices_async (run->engine->blynk, onb_registry_entry_get_blynk_name (run->entry),
                                             run->engine->cancellable, namesakes_cb, run);
    }
  blynk_metafields_send (run);
}

/* ---- TTS chain ------------------------------------------------------------------ */

/* Same device, same application: already there. Ours only if an earlier
 * attempt of this job may have made it. */
static void
tts_is_adopt (Run      *run,
              gboolean  resumed)
{
  onb_job_set_step_remote (run->job, ONB_JOB_STEP_TTS_IS, onb_job_get_tts_device_id (run->job), resumed);
  step_done (run, ONB_JOB_STEP_TTS_IS, tts_components);
}

static void
tts_is_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_release (run);
  g_autoptr(GError) error = NULL;
  gboolean resumed = run->resumed || onb_job_get_step_attempts (run->job, ONB_JOB_STEP_TTS_IS) > 1;

  g_clear_pointer (&run->readback[ONB_TTS_COMPONENT_IS], json_object_put);
  if (onb_tts_client_create_is_finish (ONB_TTS_CLIENT (object), result, &run->readback[ONB_TTS_COMPONENT_IS], &error))
    {
      onb_job_set_step_remote (run->job, ONB_JOB_STEP_TTS_IS, onb_job_get_tts_device_id (run->job), TRUE);
      step_done (run, ONB_JOB_STEP_TTS_IS, tts_components);
    }
  else if (g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_ALREADY_EXISTS))
    tts_is_adopt (run, resumed);
  else
    step_error (run, ONB_JOB_STEP_TTS_IS, error);
  run_check (run);
}

static void
tts_is_send (Run *run)
{
  run_hold (run);
  onb_tts_client_create_is_async (run->engine->tts, run->tts_device, run->engine->cancellable, tts_is_cb, run);
}

/* IS was marked running in the job's start commit. */
static void
tts_chain (Run *run)
{
  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_IS) == ONB_STEP_STATE_DONE)
    tts_components (run);
  else
    tts_is_send (run);
}

static OnbJobStep
component_step (OnbTtsComponent component)
{
  return ONB_JOB_STEP_TTS_IS + (component - ONB_TTS_COMPONENT_IS);
}

typedef struct
{
  Run *run;
  OnbTtsComponent component;
} ComponentData;

static void
component_saved (Run *run)
{
  if (--run->components_left == 0)
    chain_done (run, &run->tts_done);
}

static void
tts_set_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ComponentData *data = user_data;
  Run *run = data->run;
  g_autoptr(OnbEngine) hold = run_release (run);
  OnbTtsComponent component = data->component;
  OnbJobStep step = component_step (component);
  g_autoptr(GError) error = NULL;

  g_free (data);
  g_clear_pointer (&run->readback[component], json_object_put);
  if (onb_tts_client_set_finish (ONB_TTS_CLIENT (object), result, &run->readback[component], &error))
    {
      onb_job_set_step_remote (run->job, step, onb_job_get_tts_device_id (run->job), TRUE);
      step_done (run, step, component_saved);
    }
  else
    step_error (run, step, error);
  run_check (run);
}

static void
tts_components_send (Run *run)
{
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
    if (onb_job_get_step_state (run->job, component_step (c)) == ONB_STEP_STATE_RUNNING)
      {
        ComponentData *data = g_new0 (ComponentData, 1);

        data->run = run;
        data->component = c;
        run_hold (run);
        onb_tts_client_set_async (run->engine->tts, c, run->tts_device, run->engine->cancellable, tts_set_cb, data);
      }
}

static void
tts_components (Run *run)
{
  run->components_left = 0;
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
    if (onb_job_get_step_state (run->job, component_step (c)) != ONB_STEP_STATE_DONE)
      {
        onb_job_set_step (run->job, component_step (c), ONB_STEP_STATE_RUNNING, NULL, NULL);
        run->components_left++;
      }
  if (run->components_left == 0)
    chain_done (run, &run->tts_done);
  else
    {
      run_save (run, NULL);
      tts_components_send (run);
    }
}

/* ---- verify --------------------------------------------------------------------- */

static void finish (Run *run, OnbJobState state);

static void
delete_old_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_release (run);
  g_autoptr(GError) error = NULL;

  if (onb_tts_client_delete_finish (ONB_TTS_CLIENT (object), result, &error))
    {
      onb_job_set_step (run->job, ONB_JOB_STEP_TTS_DELETE_OLD, ONB_STEP_STATE_DONE, NULL, NULL);
      finish (run, ONB_JOB_STATE_DONE);
    }
  else
    step_error (run, ONB_JOB_STEP_TTS_DELETE_OLD, error);
  run_check (run);
}

static void
delete_old_send (Run *run)
{
  run_hold (run);
  onb_tts_client_delete_async (run->engine->tts, onb_tts_device_get_device_id (run->old_tts_device),
                               run->engine->cancellable, delete_old_cb, run);
}

static void
verified (Run *run)
{
  if (onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_DELETE_OLD) == ONB_STEP_STATE_SKIPPED ||
      onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_DELETE_OLD) == ONB_STEP_STATE_DONE)
    {
      finish (run, ONB_JOB_STATE_DONE);
      return;
    }
  onb_job_set_step (run->job, ONB_JOB_STEP_TTS_DELETE_OLD, ONB_STEP_STATE_RUNNING, NULL, NULL);
  run_save (run, NULL);
  delete_old_send (run);
}

static void
blynk_loser_adopted (Run *run)
{
  /* Write our values on the winner too, then verify again. */
  onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS, ONB_STEP_STATE_PENDING, NULL, NULL);
  onb_job_set_step (run->job, ONB_JOB_STEP_VERIFY, ONB_STEP_STATE_PENDING, NULL, NULL);
  run->blynk_done = FALSE;
  run_save (run, blynk_metafields);
}

static void
blynk_loser_deleted_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(OnbEngine) hold = run_release (run);
  g_autoptr(GError) error = NULL;

  if (!onb_blynk_client_delete_device_finish (ONB_BLYNK_CLIENT (object), result, &error))
    step_error (run, ONB_JOB_STEP_VERIFY, error);
  else
    blynk_loser_adopted (run);
  run_check (run);
}

static gboolean
blynk_check (Run     *run,
             GError **error)
{
  g_autoptr(GHashTable) expected = metafield_values (run->entry, run->tts_device);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *found = run->blynk_stored != NULL ? g_hash_table_lookup (run->blynk_stored, key)
                                                    : onb_blynk_device_get_metafield (run->blynk_readback, key);

      if (g_strcmp0 (found, value) != 0)
        {
          g_set_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE,
                       _("Blynk does not show the metafield “%s” as it was written."), (const char *) key);
          return FALSE;
        }
    }
  return TRUE;
}

static void
verify_settle (Run *run)
{
  OnbEngine *self = run->engine;
  g_autoptr(GError) error = NULL;
  gboolean replace = onb_job_get_kind (run->job) == ONB_JOB_KIND_REPLACE;

  for (OnbTtsComponent c = ONB_TTS_COMPONENT_IS; c <= ONB_TTS_COMPONENT_AS && error == NULL; c++)
    onb_tts_client_verify_device (self->tts, c, run->tts_device, run->readback[c], &error);

  if (error == NULL && !replace)
    {
      OnbBlynkDevice *winner = blynk_winner (run->blynk_namesakes, onb_job_get_dev_eui (run->job));
      gint64 ours = onb_job_get_blynk_device_id (run->job);

      if (winner != NULL && onb_blynk_device_get_id (winner) != ours)
        {
          gboolean owned = onb_job_get_step_owned (run->job, ONB_JOB_STEP_BLYNK_DEVICE);

          /* Another station made the same device first: use theirs and
           * remove ours (the lowest id wins everywhere). */
          g_debug ("Blynk device %" G_GINT64_FORMAT " lost to %" G_GINT64_FORMAT, ours,
                   onb_blynk_device_get_id (winner));
          blynk_adopt (run, onb_blynk_device_get_id (winner), onb_blynk_device_get_template_id (winner), FALSE);
          if (owned)
            {
              run_hold (run);
              onb_blynk_client_delete_device_async (self->blynk, ours, self->cancellable, blynk_loser_deleted_cb,
                                                    run);
            }
          else
            blynk_loser_adopted (run);
          return;
        }
    }

  if (error == NULL)
    blynk_check (run, &error);

  if (error != NULL)
    {
      step_error (run, ONB_JOB_STEP_VERIFY, error);
      return;
    }
  /* Committed together with the job's end. */
  onb_job_set_step (run->job, ONB_JOB_STEP_VERIFY, ONB_STEP_STATE_DONE, NULL, NULL);
  verified (run);
}

typedef struct
{
  Run *run;
  int what; /* a TTS component, or -1 Blynk get, -2 Blynk search */
} VerifyData;

static void
verify_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  VerifyData *data = user_data;
  Run *run = data->run;
  g_autoptr(OnbEngine) hold = run_release (run);
  g_autoptr(GError) error = NULL;

  if (data->what >= 0)
    run->readback[data->what] = onb_tts_client_get_finish (ONB_TTS_CLIENT (object), result, &error);
  else if (data->what == -1)
    run->blynk_readback = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  else
    run->blynk_namesakes = onb_blynk_client_search_devices_finish (ONB_BLYNK_CLIENT (object), result, &error);
  g_free (data);

  if (error != NULL)
    step_error (run, ONB_JOB_STEP_VERIFY, error);
  /* The last read-back decides. */
  if (--run->readbacks_left == 0 && !run_failed (run))
    verify_settle (run);
  run_check (run);
}

static VerifyData *
verify_data_new (Run *run,
                 int  what)
{
  VerifyData *data = g_new0 (VerifyData, 1);

  data->run = run;
  data->what = what;
  run->readbacks_left++;
  run_hold (run);
  return data;
}

/* Reads back only what the steps' answers did not give; with every answer
 * at hand (all steps ran in this process) nothing is sent. */
static void
verify_send (Run *run)
{
  OnbEngine *self = run->engine;
  gboolean replace = onb_job_get_kind (run->job) == ONB_JOB_KIND_REPLACE;
  gboolean search = !replace && run->blynk_namesakes == NULL;
  gboolean get = run->blynk_stored == NULL;

  g_clear_pointer (&run->blynk_readback, onb_blynk_device_unref);
  run->readbacks_left = 0;
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_IS; c <= ONB_TTS_COMPONENT_AS; c++)
    if (run->readback[c] == NULL)
      onb_tts_client_get_async (self->tts, c, onb_tts_device_get_device_id (run->tts_device), self->cancellable,
                                verify_cb, verify_data_new (run, c));
  if (get)
    onb_blynk_client_get_device_async (self->blynk, onb_job_get_blynk_device_id (run->job), self->cancellable,
                                       verify_cb, verify_data_new (run, -1));
  if (search)
    onb_blynk_client_search_devices_async (self->blynk, onb_registry_entry_get_blynk_name (run->entry),
                                           self->cancellable, verify_cb, verify_data_new (run, -2));
  if (run->readbacks_left == 0)
    verify_settle (run);
}

static void
verify (Run *run)
{
  onb_job_set_step (run->job, ONB_JOB_STEP_VERIFY, ONB_STEP_STATE_RUNNING, NULL, NULL);
  run_save (run, NULL);
  verify_send (run);
}

/* ---- settling: done, waiting, rollback ------------------------------------------ */

static void
run_remove (Run *run)
{
  OnbEngine *self = run->engine;

  g_hash_table_remove (self->runs, run->job);
  update_counters (self);
  pump (self);
}

static void
trim_model (OnbEngine *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->jobs));
  guint n_finished = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OnbJob) job = g_list_model_get_item (G_LIST_MODEL (self->jobs), i);

      if (onb_job_is_finished (job))
        n_finished++;
    }
  for (guint i = n; i > 0 && n_finished > MAX_FINISHED_IN_MODEL; i--)
    {
      g_autoptr(OnbJob) job = g_list_model_get_item (G_LIST_MODEL (self->jobs), i - 1);

      if (onb_job_is_finished (job))
        {
          if (onb_job_get_state (job) == ONB_JOB_STATE_DONE)
            self->n_trimmed_done++;
          else
            self->n_trimmed_failed++;
          g_hash_table_remove (self->by_dev_eui, onb_job_get_dev_eui (job));
          g_list_store_remove (self->jobs, i - 1);
          n_finished--;
        }
    }
}

static void
finished_saved (Run *run)
{
  OnbEngine *self = run->engine;

  self->n_running--;
  run_remove (run);
  trim_model (self);
}

static void
finish (Run         *run,
        OnbJobState  state)
{
  const GError *why = run->permanent;

  g_return_if_fail (state != ONB_JOB_STATE_FAILED || why != NULL || run->fail_reason != NULL);
  if (state == ONB_JOB_STATE_FAILED)
    onb_job_set_state (run->job, state, run->fail_reason ? run->fail_reason : onb_error_get_reason (why),
                       run->fail_message ? run->fail_message : (why ? why->message : NULL));
  else
    onb_job_set_state (run->job, state, NULL, NULL);
  run->rolling_back = FALSE;
  /* The last commit of the job: the run ends when it is on disk. */
  run_save (run, NULL);
}

static guint
backoff_ms (OnbEngine *self,
            guint      attempts,
            gint64     retry_after_s)
{
  guint64 delay = self->min_delay_ms;

  for (guint i = 1; i < attempts && delay < self->max_delay_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->max_delay_ms);
  /* "Equal jitter": half fixed, half random, so stations drift apart. */
  delay = delay / 2 + g_random_int_range (0, (gint32) MAX (1, delay / 2 + 1));
  if (retry_after_s > 0)
    delay = MAX (delay, (guint64) retry_after_s * 1000);
  return (guint) delay;
}

static gboolean
retry_timeout (gpointer user_data)
{
  Run *run = user_data;
  OnbEngine *self = run->engine;

  run->timer = 0;
  onb_job_set_state (run->job, ONB_JOB_STATE_QUEUED, onb_job_get_reason (run->job), onb_job_get_message (run->job));
  g_signal_emit (self, signals[JOB_CHANGED], 0, run->job);
  g_queue_push_tail (&self->pending, run->job);
  update_counters (self);
  pump (self);
  return G_SOURCE_REMOVE;
}

static void
waiting_saved (Run *run)
{
  OnbEngine *self = run->engine;

  /* A waiting job frees its slot: other boxes go on meanwhile. */
  self->n_running--;
  update_counters (self);
  pump (self);
}

static void
wait_and_retry (Run *run)
{
  OnbEngine *self = run->engine;
  guint delay = backoff_ms (self, onb_job_get_attempts (run->job), onb_cloud_error_get_retry_after (run->transient));

  onb_job_set_state (run->job, ONB_JOB_STATE_WAITING, onb_error_get_reason (run->transient),
                     run->transient->message);
  onb_job_set_next_attempt (run->job, g_get_real_time () + (gint64) delay * 1000);
  g_clear_error (&run->transient);
  run->timer = g_timeout_add (delay, retry_timeout, run);
  run_save (run, waiting_saved);
}

static void rollback (Run *run);

/* Called after every completion: once nothing is in flight, a failed run
 * settles. */
static void
run_check (Run *run)
{
  if (run->in_flight > 0)
    return;

  if (onb_job_is_finished (run->job))
    {
      finished_saved (run);
      return;
    }
  if (g_cancellable_is_cancelled (run->engine->cancellable))
    return;
  if (run->permanent != NULL && !run->rolling_back)
    rollback (run);
  else if (run->transient != NULL)
    wait_and_retry (run);
}

typedef struct
{
  Run *run;
  OnbJobStep step;
} UndoData;

static void
undo_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  UndoData *data = user_data;
  Run *run = data->run;
  g_autoptr(OnbEngine) hold = run_release (run);
  OnbJobStep step = data->step;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_free (data);
  if (ONB_IS_TTS_CLIENT (object))
    ok = onb_tts_client_delete_finish (ONB_TTS_CLIENT (object), result, &error);
  else if (step == ONB_JOB_STEP_BLYNK_METAFIELDS)
    ok = onb_blynk_client_set_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error);
  else
    ok = onb_blynk_client_delete_device_finish (ONB_BLYNK_CLIENT (object), result, &error);

  if (ok)
    {
      if (ONB_IS_TTS_CLIENT (object))
        for (OnbJobStep s = ONB_JOB_STEP_TTS_IS; s <= ONB_JOB_STEP_TTS_AS; s++)
          {
            if (onb_job_get_step_state (run->job, s) == ONB_STEP_STATE_DONE)
              onb_job_set_step (run->job, s, ONB_STEP_STATE_ROLLED_BACK, NULL, NULL);
            onb_job_set_step_remote (run->job, s, NULL, FALSE);
          }
      else if (step == ONB_JOB_STEP_BLYNK_DEVICE)
        {
          onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_DEVICE, ONB_STEP_STATE_ROLLED_BACK, NULL, NULL);
          onb_job_set_step_remote (run->job, ONB_JOB_STEP_BLYNK_DEVICE, NULL, FALSE);
          if (onb_job_get_step_state (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS) == ONB_STEP_STATE_DONE)
            onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS, ONB_STEP_STATE_ROLLED_BACK, NULL, NULL);
          onb_job_set_blynk_device_id (run->job, 0);
        }
      else
        onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_METAFIELDS, ONB_STEP_STATE_ROLLED_BACK, NULL, NULL);
    }
  else if (onb_cloud_error_is_transient (error) && run->transient == NULL)
    run->transient = g_steal_pointer (&error);
  else if (error != NULL)
    g_warning ("Could not undo step %s of job %" G_GINT64_FORMAT ": %s", onb_job_step_to_string (step),
               onb_job_get_id (run->job), error->message);

  if (run->in_flight == 0)
    {
      if (run->transient != NULL)
        {
          /* The undo waits for the network; the failed step stays
           * recorded, so the next run goes on undoing. */
          run->rolling_back = FALSE;
          g_clear_error (&run->permanent);
          g_clear_pointer (&run->fail_reason, g_free);
          g_clear_pointer (&run->fail_message, g_free);
          wait_and_retry (run);
        }
      else
        finish (run, ONB_JOB_STATE_FAILED);
    }
}

static void
rollback (Run *run)
{
  OnbEngine *self = run->engine;
  OnbJob *job = run->job;
  UndoData *data;

  run->rolling_back = TRUE;
  g_clear_error (&run->transient);

  if (onb_job_get_kind (job) == ONB_JOB_KIND_REPLACE)
    {
      /* Point the old Blynk device back at the old TTS device. */
      if (onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_METAFIELDS) == ONB_STEP_STATE_DONE)
        {
          g_autoptr(GHashTable) values = metafield_values (run->old_entry, run->old_tts_device);

          data = g_new0 (UndoData, 1);
          data->run = run;
          data->step = ONB_JOB_STEP_BLYNK_METAFIELDS;
          run_hold (run);
          onb_blynk_client_set_metafields_async (self->blynk, onb_job_get_blynk_device_id (job), 0, values,
                                                 self->cancellable, undo_cb, data);
        }
    }
  else if (onb_job_get_step_owned (job, ONB_JOB_STEP_BLYNK_DEVICE) && onb_job_get_blynk_device_id (job) > 0)
    {
      data = g_new0 (UndoData, 1);
      data->run = run;
      data->step = ONB_JOB_STEP_BLYNK_DEVICE;
      run_hold (run);
      onb_blynk_client_delete_device_async (self->blynk, onb_job_get_blynk_device_id (job), self->cancellable,
                                            undo_cb, data);
    }

  if (onb_job_get_step_owned (job, ONB_JOB_STEP_TTS_IS))
    {
      data = g_new0 (UndoData, 1);
      data->run = run;
      data->step = ONB_JOB_STEP_TTS_IS;
      run_hold (run);
      onb_tts_client_delete_async (self->tts, onb_job_get_tts_device_id (job), self->cancellable, undo_cb, data);
    }

  if (run->in_flight == 0)
    finish (run, ONB_JOB_STATE_FAILED);
}

/* ---- starting runs -------------------------------------------------------------- */

static gboolean
has_failed_step (OnbJob *job)
{
  for (guint s = 0; s < ONB_JOB_N_STEPS; s++)
    if (onb_job_get_step_state (job, s) == ONB_STEP_STATE_FAILED)
      return TRUE;
  return FALSE;
}

static void
run_go (Run *run)
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
      rollback (run);
      return;
    }
  blynk_chain (run);
  tts_chain (run);
}

static void
run_start (Run *run)
{
  g_autoptr(GError) error = NULL;

  run->blynk_done = run->tts_done = FALSE;
  run->rolling_back = FALSE;
  g_clear_error (&run->transient);
  g_clear_error (&run->permanent);
  g_clear_pointer (&run->fail_reason, g_free);
  g_clear_pointer (&run->fail_message, g_free);
  onb_job_begin_attempt (run->job);
  onb_job_set_state (run->job, ONB_JOB_STATE_RUNNING, NULL, NULL);
  /* The creating steps are marked (and counted) before anything is sent:
   * a later run that finds them marked looks before creating again. */
  if (!has_failed_step (run->job))
    {
      if (!blynk_device_known (run))
        onb_job_set_step (run->job, ONB_JOB_STEP_BLYNK_DEVICE, ONB_STEP_STATE_RUNNING, NULL, NULL);
      if (onb_job_get_step_state (run->job, ONB_JOB_STEP_TTS_IS) != ONB_STEP_STATE_DONE)
        onb_job_set_step (run->job, ONB_JOB_STEP_TTS_IS, ONB_STEP_STATE_RUNNING, NULL, NULL);
    }

  if (!run_prepare (run, &error))
    {
      /* The registry row went away (re-import): nothing can be sent. */
      set_permanent (run, error);
      run_save (run, NULL);
      return;
    }
  /* The job's row was committed when it was claimed, before this; a run
   * that crashes before this commit lands is resumed, and looks first. */
  run_save (run, NULL);
  run_go (run);
}

static void
pump (OnbEngine *self)
{
  while (self->n_running < self->max_jobs && !g_queue_is_empty (&self->pending))
    {
      OnbJob *job = g_queue_pop_head (&self->pending);
      Run *run = g_hash_table_lookup (self->runs, job);

      if (run == NULL)
        {
          run = g_new0 (Run, 1);
          run->engine = self;
          run->job = g_object_ref (job);
          run->resumed = g_hash_table_remove (self->resumed, job);
          g_hash_table_insert (self->runs, job, run);
        }
      self->n_running++;
      run_start (run);
    }
  update_counters (self);
}

/* ---- the model ------------------------------------------------------------------ */

static void
update_counters (OnbEngine *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->jobs));
  guint done = 0, failed = 0, queued = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OnbJob) job = g_list_model_get_item (G_LIST_MODEL (self->jobs), i);

      switch (onb_job_get_state (job))
        {
        case ONB_JOB_STATE_DONE: done++; break;
        case ONB_JOB_STATE_FAILED: failed++; break;
        case ONB_JOB_STATE_QUEUED:
        case ONB_JOB_STATE_RUNNING:
        case ONB_JOB_STATE_WAITING:
        default:
          queued++;
          break;
        }
    }
  /* Counters of the shift: trimmed finished jobs still count. */
  done += self->n_trimmed_done;
  failed += self->n_trimmed_failed;
  if (done != self->n_done)
    {
      self->n_done = done;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
    }
  if (failed != self->n_failed)
    {
      self->n_failed = failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
    }
  if (queued != self->n_queued)
    {
      self->n_queued = queued;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_QUEUED]);
      if (queued == 0)
        g_signal_emit (self, signals[IDLE], 0);
    }
}

static void
model_add (OnbEngine *self,
           OnbJob    *job)
{
  g_list_store_insert (self->jobs, 0, job);
  g_hash_table_insert (self->by_dev_eui, g_strdup (onb_job_get_dev_eui (job)), job);
  g_signal_emit (self, signals[JOB_ADDED], 0, job);
}

static void
enqueue (OnbEngine *self,
         OnbJob    *job)
{
  if (onb_job_get_state (job) != ONB_JOB_STATE_QUEUED)
    onb_job_set_state (job, ONB_JOB_STATE_QUEUED, NULL, NULL);
  g_queue_push_tail (&self->pending, job);
  g_signal_emit (self, signals[JOB_CHANGED], 0, job);
  pump (self);
}

static gboolean follow_tick (gpointer user_data);

static void
follow (OnbEngine *self,
        OnbJob    *job)
{
  if (!g_ptr_array_find (self->followed, job, NULL))
    g_ptr_array_add (self->followed, g_object_ref (job));
  if (self->follow_source == 0)
    self->follow_source = g_timeout_add (FOLLOW_INTERVAL_MS, follow_tick, self);
}

typedef struct
{
  OnbEngine *engine;
  OnbJob *job;
} ClaimData;

static void
claim_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  ClaimData *data = user_data;
  g_autoptr(OnbEngine) self = data->engine;
  g_autoptr(OnbJob) job = data->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJournalClaimResult) claim = NULL;

  g_free (data);
  self->n_claims--;
  claim = onb_journal_claim_finish (ONB_JOURNAL (object), result, &error);
  if (claim == NULL)
    {
      g_ptr_array_remove (self->followed, job);
      onb_job_set_state (job, ONB_JOB_STATE_FAILED, onb_error_get_reason (error), error->message);
      g_signal_emit (self, signals[JOB_CHANGED], 0, job);
      update_counters (self);
      return;
    }

  onb_job_update_from_row (job, claim->row);
  switch (claim->claim)
    {
    case ONB_JOURNAL_CLAIM_RESUMED:
      g_hash_table_add (self->resumed, g_object_ref (job));
      G_GNUC_FALLTHROUGH;
    case ONB_JOURNAL_CLAIM_NEW:
      g_ptr_array_remove (self->followed, job);
      enqueue (self, job);
      break;

    case ONB_JOURNAL_CLAIM_ALREADY_DONE:
      if (!g_ptr_array_remove (self->followed, job))
        onb_job_set_already_done (job, onb_job_get_state (job) == ONB_JOB_STATE_DONE);
      g_signal_emit (self, signals[JOB_CHANGED], 0, job);
      break;

    case ONB_JOURNAL_CLAIM_FOREIGN:
    default:
      g_signal_emit (self, signals[JOB_CHANGED], 0, job);
      follow (self, job);
      break;
    }
  update_counters (self);
}

static void
claim (OnbEngine *self,
       OnbJob    *job,
       gboolean   by_id,
       gboolean   requeue_failed)
{
  ClaimData *data = g_new0 (ClaimData, 1);

  data->engine = g_object_ref (self);
  data->job = g_object_ref (job);
  self->n_claims++;
  if (by_id)
    onb_journal_claim_id_async (self->journal, onb_job_get_id (job), requeue_failed, claim_cb, data);
  else
    onb_journal_claim_async (self->journal, onb_job_to_row (job), requeue_failed, claim_cb, data);
}

/* Jobs another process runs on this journal: read their row until they
 * finish, or take them over when that process is gone. */
static gboolean
follow_tick (gpointer user_data)
{
  OnbEngine *self = user_data;

  for (guint i = 0; i < self->followed->len; i++)
    claim (self, self->followed->pdata[i], TRUE, FALSE);
  if (self->followed->len == 0)
    {
      self->follow_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- GObject -------------------------------------------------------------------- */

static void
onb_engine_dispose (GObject *object)
{
  OnbEngine *self = (OnbEngine *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->follow_source, g_source_remove);
  g_queue_clear (&self->pending);
  G_OBJECT_CLASS (onb_engine_parent_class)->dispose (object);
}

static void
onb_engine_finalize (GObject *object)
{
  OnbEngine *self = (OnbEngine *) object;

  g_clear_pointer (&self->runs, g_hash_table_unref);
  g_clear_pointer (&self->followed, g_ptr_array_unref);
  g_clear_pointer (&self->resumed, g_hash_table_unref);
  g_clear_pointer (&self->by_dev_eui, g_hash_table_unref);
  g_clear_object (&self->jobs);
  g_clear_object (&self->tts);
  g_clear_object (&self->blynk);
  g_clear_object (&self->http);
  g_clear_object (&self->registry);
  g_clear_object (&self->journal);
  g_clear_object (&self->config);
  g_clear_object (&self->cancellable);
  g_strfreev (self->profile_ids);
  G_OBJECT_CLASS (onb_engine_parent_class)->finalize (object);
}

static void
onb_engine_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  OnbEngine *self = ONB_ENGINE (object);

  switch (prop_id)
    {
    case PROP_N_DONE: g_value_set_uint (value, self->n_done); break;
    case PROP_N_FAILED: g_value_set_uint (value, self->n_failed); break;
    case PROP_N_QUEUED: g_value_set_uint (value, self->n_queued); break;
    case PROP_MAX_JOBS: g_value_set_uint (value, self->max_jobs); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_engine_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  OnbEngine *self = ONB_ENGINE (object);

  switch (prop_id)
    {
    case PROP_MAX_JOBS: onb_engine_set_max_jobs (self, g_value_get_uint (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_engine_class_init (OnbEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = onb_engine_dispose;
  object_class->finalize = onb_engine_finalize;
  object_class->get_property = onb_engine_get_property;
  object_class->set_property = onb_engine_set_property;

  properties[PROP_N_DONE] = g_param_spec_uint ("n-done", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_FAILED] = g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_QUEUED] = g_param_spec_uint ("n-queued", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_MAX_JOBS] = g_param_spec_uint ("max-jobs", NULL, NULL, 1, 256, ONB_ENGINE_DEFAULT_MAX_JOBS,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[JOB_ADDED] = g_signal_new ("job-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                     NULL, G_TYPE_NONE, 1, ONB_TYPE_JOB);
  signals[JOB_CHANGED] = g_signal_new ("job-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                       NULL, NULL, G_TYPE_NONE, 1, ONB_TYPE_JOB);
  signals[IDLE] = g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                G_TYPE_NONE, 0);
}

static void
onb_engine_init (OnbEngine *self)
{
  self->jobs = g_list_store_new (ONB_TYPE_JOB);
  self->by_dev_eui = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->runs = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) run_free);
  self->followed = g_ptr_array_new_with_free_func (g_object_unref);
  self->resumed = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->cancellable = g_cancellable_new ();
  self->max_jobs = ONB_ENGINE_DEFAULT_MAX_JOBS;
  self->min_delay_ms = DEFAULT_MIN_DELAY_MS;
  self->max_delay_ms = DEFAULT_MAX_DELAY_MS;
  g_queue_init (&self->pending);
}

OnbEngine *
onb_engine_new (OnbConfig  *config,
                GError    **error)
{
  g_autoptr(OnbEngine) self = g_object_new (ONB_TYPE_ENGINE, NULL);
  g_autofree char *data_dir = NULL;
  g_autofree char *registry_path = NULL;
  g_autofree char *journal_path = NULL;
  gint64 max_jobs;

  g_return_val_if_fail (ONB_IS_CONFIG (config), NULL);

  self->config = g_object_ref (config);
  self->http = onb_http_client_new (config);
  if (!(self->tts = onb_tts_client_new (self->http, config, error)) ||
      !(self->blynk = onb_blynk_client_new (self->http, config, error)))
    return NULL;

  data_dir = onb_config_get_data_dir (config);
  registry_path = onb_registry_default_path (data_dir);
  journal_path = onb_journal_default_path (data_dir);
  if (!(self->registry = onb_registry_open (registry_path, error)) ||
      !(self->journal = onb_journal_open (journal_path, error)))
    return NULL;

  self->profile_ids = onb_config_get_profile_ids (config);
  max_jobs = onb_config_get_int (config, "kiosk", "max_jobs", ONB_ENGINE_DEFAULT_MAX_JOBS);
  self->max_jobs = CLAMP (max_jobs, 1, 256);
  return g_steal_pointer (&self);
}

OnbRegistry *
onb_engine_get_registry (OnbEngine *self)
{
  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);
  return self->registry;
}

static void
start_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = onb_journal_claim_unfinished_finish (ONB_JOURNAL (object), result, &error);

  if (rows == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      OnbJobRow *row = rows->pdata[i];
      g_autoptr(OnbJob) job = NULL;

      if (g_hash_table_contains (self->by_dev_eui, row->dev_eui))
        continue;
      job = onb_job_new_from_row (row);
      model_add (self, job);
      g_hash_table_add (self->resumed, g_object_ref (job));
      enqueue (self, job);
    }
  update_counters (self);
  g_task_return_boolean (task, TRUE);
}

void
onb_engine_start_async (OnbEngine           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ONB_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_engine_start_async);
  onb_journal_claim_unfinished_async (self->journal, start_cb, task);
}

gboolean
onb_engine_start_finish (OnbEngine     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The payload as far as the station is concerned: parsed, of the right
 * product, and in the device list. */
static OnbRegistryEntry *
resolve_payload (OnbEngine   *self,
                 const char  *data,
                 gssize       length,
                 OnbCode    **code_out,
                 GError     **error)
{
  g_autoptr(OnbCode) code = onb_code_parse (data, length, error);
  g_autoptr(OnbRegistryEntry) entry = NULL;
  const char *profile_id;

  if (code == NULL || !onb_code_check_profile (code, (const char * const *) self->profile_ids, error))
    return NULL;
  if (!(entry = onb_registry_resolve (self->registry, code, error)) || !check_keys (self, entry, error))
    return NULL;
  /* Bare DevEUIs and tokens carry no Profile ID: the list's row says. */
  profile_id = onb_registry_entry_get_profile_id (entry);
  if (onb_code_get_profile_id (code) == NULL && profile_id != NULL &&
      !onb_profile_id_check (profile_id, (const char * const *) self->profile_ids, error))
    return NULL;
  if (code_out != NULL)
    *code_out = g_steal_pointer (&code);
  return g_steal_pointer (&entry);
}

OnbJob *
onb_engine_submit_payload (OnbEngine   *self,
                           const char  *data,
                           gssize       length,
                           const char  *source,
                           GError     **error)
{
  g_autoptr(OnbCode) code = NULL;
  g_autoptr(OnbRegistryEntry) entry = NULL;
  OnbJob *job;

  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);

  if (!(entry = resolve_payload (self, data, length, &code, error)))
    return NULL;

  job = g_hash_table_lookup (self->by_dev_eui, onb_registry_entry_get_dev_eui (entry));
  if (job != NULL)
    {
      if (onb_job_get_state (job) == ONB_JOB_STATE_FAILED)
        return onb_engine_retry (self, onb_job_get_id (job), error);
      if (onb_job_get_state (job) == ONB_JOB_STATE_DONE)
        {
          onb_job_set_already_done (job, TRUE);
          g_signal_emit (self, signals[JOB_CHANGED], 0, job);
        }
      return g_object_ref (job);
    }

  job = onb_job_new (ONB_JOB_KIND_PROVISION, onb_registry_entry_get_dev_eui (entry),
                     onb_registry_entry_get_join_eui (entry), onb_registry_entry_get_blynk_name (entry), NULL,
                     FALSE, source, onb_code_kind_to_string (onb_code_get_kind (code)));
  model_add (self, job);
  claim (self, job, FALSE, TRUE);
  update_counters (self);
  return job;
}

OnbJob *
onb_engine_submit_replace (OnbEngine   *self,
                           const char  *old_data,
                           gssize       old_length,
                           const char  *new_data,
                           gssize       new_length,
                           gboolean     delete_old_tts,
                           const char  *source,
                           GError     **error)
{
  g_autoptr(OnbCode) code = NULL;
  g_autoptr(OnbRegistryEntry) old_entry = NULL;
  g_autoptr(OnbRegistryEntry) new_entry = NULL;
  g_autoptr(OnbJobRow) old_row = NULL;
  g_autoptr(OnbJobRow) new_row = NULL;
  g_autoptr(GError) local_error = NULL;
  OnbJob *job;

  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);

  /* The old label only has to name a device of the list. */
  {
    g_autoptr(OnbCode) old_code = onb_code_parse (old_data, old_length, error);

    if (old_code == NULL || !(old_entry = onb_registry_resolve (self->registry, old_code, error)))
      return NULL;
  }
  if (!(new_entry = resolve_payload (self, new_data, new_length, &code, error)))
    return NULL;

  if (g_str_equal (onb_registry_entry_get_dev_eui (old_entry), onb_registry_entry_get_dev_eui (new_entry)))
    {
      g_set_error (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_SAME_DEVICE,
                   _("The old and the new label are the same device (%s). Scan the label of the new device."),
                   onb_registry_entry_get_dev_eui (new_entry));
      return NULL;
    }

  old_row = onb_journal_lookup_dev_eui (self->journal, onb_registry_entry_get_dev_eui (old_entry), &local_error);
  new_row = onb_journal_lookup_dev_eui (self->journal, onb_registry_entry_get_dev_eui (new_entry), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (old_row == NULL || old_row->state != ONB_JOB_STATE_DONE)
    {
      g_set_error (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_OLD_NOT_PROVISIONED,
                   _("The old device %s was never set up on this station, so there is nothing to replace. "
                     "Scan it as a new device instead."), onb_registry_entry_get_dev_eui (old_entry));
      return NULL;
    }
  if (new_row != NULL && !(new_row->kind == ONB_JOB_KIND_REPLACE &&
                           g_strcmp0 (new_row->old_dev_eui, old_row->dev_eui) == 0))
    {
      g_set_error (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_NEW_ALREADY_USED,
                   _("The new device %s is already set up as a device of its own. Use another new device."),
                   onb_registry_entry_get_dev_eui (new_entry));
      return NULL;
    }

  if ((job = g_hash_table_lookup (self->by_dev_eui, onb_registry_entry_get_dev_eui (new_entry))) != NULL)
    return g_object_ref (job);

  job = onb_job_new (ONB_JOB_KIND_REPLACE, onb_registry_entry_get_dev_eui (new_entry),
                     onb_registry_entry_get_join_eui (new_entry), onb_registry_entry_get_blynk_name (old_entry),
                     onb_registry_entry_get_dev_eui (old_entry), delete_old_tts, source,
                     onb_code_kind_to_string (onb_code_get_kind (code)));
  model_add (self, job);
  claim (self, job, FALSE, TRUE);
  update_counters (self);
  return job;
}

OnbJob *
onb_engine_retry (OnbEngine  *self,
                  gint64      job_id,
                  GError    **error)
{
  OnbJob *job;
  Run *run;

  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);

  job = onb_engine_lookup_job (self, job_id);
  if (job == NULL)
    {
      g_autoptr(OnbJob) stored = onb_journal_get_job (self->journal, job_id, error);

      if (stored == NULL)
        return NULL;
      if (g_hash_table_contains (self->by_dev_eui, onb_job_get_dev_eui (stored)))
        job = g_hash_table_lookup (self->by_dev_eui, onb_job_get_dev_eui (stored));
      else
        {
          job = stored;
          model_add (self, job);
        }
    }

  switch (onb_job_get_state (job))
    {
    case ONB_JOB_STATE_FAILED:
      claim (self, job, TRUE, TRUE);
      break;

    case ONB_JOB_STATE_WAITING:
      if ((run = g_hash_table_lookup (self->runs, job)) != NULL && run->timer != 0)
        {
          g_clear_handle_id (&run->timer, g_source_remove);
          retry_timeout (run);
        }
      break;

    case ONB_JOB_STATE_QUEUED:
    case ONB_JOB_STATE_RUNNING:
    case ONB_JOB_STATE_DONE:
    default:
      g_set_error (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_JOB_NOT_FAILED,
                   _("Job %lld is %s; only failed or waiting jobs can be retried."), (long long) job_id,
                   onb_job_state_to_string (onb_job_get_state (job)));
      return NULL;
    }
  update_counters (self);
  return g_object_ref (job);
}

GListModel *
onb_engine_get_jobs (OnbEngine *self)
{
  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);
  return G_LIST_MODEL (self->jobs);
}

OnbJob *
onb_engine_lookup_job (OnbEngine *self,
                       gint64     job_id)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);

  g_hash_table_iter_init (&iter, self->by_dev_eui);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (onb_job_get_id (value) == job_id && job_id > 0)
      return value;
  return NULL;
}

guint onb_engine_get_n_done (OnbEngine *self) { return self->n_done; }
guint onb_engine_get_n_failed (OnbEngine *self) { return self->n_failed; }
guint onb_engine_get_n_queued (OnbEngine *self) { return self->n_queued; }
guint onb_engine_get_max_jobs (OnbEngine *self) { return self->max_jobs; }

gboolean
onb_engine_get_busy (OnbEngine *self)
{
  g_return_val_if_fail (ONB_IS_ENGINE (self), FALSE);

  return g_hash_table_size (self->runs) > 0 || !g_queue_is_empty (&self->pending) || self->followed->len > 0 ||
         self->n_claims > 0;
}

void
onb_engine_set_max_jobs (OnbEngine *self,
                         guint      max_jobs)
{
  g_return_if_fail (ONB_IS_ENGINE (self));

  max_jobs = CLAMP (max_jobs, 1, 256);
  if (max_jobs == self->max_jobs)
    return;
  self->max_jobs = max_jobs;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_JOBS]);
  pump (self);
}

void
onb_engine_set_retry_delays (OnbEngine *self,
                             guint      min_ms,
                             guint      max_ms)
{
  g_return_if_fail (ONB_IS_ENGINE (self));

  self->min_delay_ms = MAX (1, min_ms);
  self->max_delay_ms = MAX (self->min_delay_ms, max_ms);
}

typedef struct
{
  char *query;
  int state;
  guint limit;
  char *path;
} HistoryData;

static void
history_data_free (HistoryData *data)
{
  g_free (data->query);
  g_free (data->path);
  g_free (data);
}

static void
history_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  OnbEngine *self = source_object;
  HistoryData *data = task_data;
  GError *error = NULL;
  g_autoptr(GPtrArray) jobs = onb_journal_list_jobs (self->journal, data->query, data->state, data->limit, &error);
  GListStore *store;

  if (jobs == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  store = g_list_store_new (ONB_TYPE_JOB);
  g_list_store_splice (store, 0, 0, jobs->pdata, jobs->len);
  g_task_return_pointer (task, store, g_object_unref);
}

void
onb_engine_search_history_async (OnbEngine           *self,
                                 const char          *query,
                                 int                  state,
                                 guint                limit,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HistoryData *data = g_new0 (HistoryData, 1);

  g_return_if_fail (ONB_IS_ENGINE (self));

  data->query = g_strdup (query);
  data->state = state;
  data->limit = limit;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_engine_search_history_async);
  g_task_set_task_data (task, data, (GDestroyNotify) history_data_free);
  g_task_run_in_thread (task, history_thread);
}

GListModel *
onb_engine_search_history_finish (OnbEngine     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  OnbEngine *self = source_object;
  HistoryData *data = task_data;
  GError *error = NULL;

  if (onb_journal_export_csv (self->journal, data->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
onb_engine_export_csv_async (OnbEngine           *self,
                             GFile               *file,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HistoryData *data = g_new0 (HistoryData, 1);

  g_return_if_fail (ONB_IS_ENGINE (self));

  data->path = g_file_get_path (file);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_engine_export_csv_async);
  g_task_set_task_data (task, data, (GDestroyNotify) history_data_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
onb_engine_export_csv_finish (OnbEngine     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
