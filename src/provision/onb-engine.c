/* onb-engine.c: the job engine's object: submit, retry, shutdown, history
 *
 * A scan becomes a job here (parsed, checked, found in the device list),
 * is claimed in the journal and queued (onb-engine-queue.c) and run
 * (onb-run*.c); the model is onb-engine-model.c. See docs/design.md and,
 * for how the files call each other, onb-run-private.h.
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-engine-private.h"
#include "onb-error.h"
#include "onb-http-client.h"
#include "onb-provision-enums.h"

/* Beside registry.sqlite and journal.sqlite: the Blynk templates'
 * metafield lists (names and ids, nothing secret). */
#define BLYNK_METAFIELDS_FILE "blynk-metafields.json"
#define DEFAULT_MIN_DELAY_MS  1000
#define DEFAULT_MAX_DELAY_MS  (5 * 60 * 1000)

G_DEFINE_FINAL_TYPE (OnbEngine, onb_engine, G_TYPE_OBJECT)

GParamSpec *_onb_engine_properties[ONB_ENGINE_N_PROPS];
guint _onb_engine_signals[ONB_ENGINE_N_SIGNALS];

/* ---- GObject -------------------------------------------------------------------- */

static void
onb_engine_dispose (GObject *object)
{
  OnbEngine *self = (OnbEngine *) object;

  g_cancellable_cancel (self->host.cancellable);
  _onb_engine_stop_following (self);
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
  g_clear_object (&self->host.claim);
  g_clear_object (&self->host.repository);
  g_clear_object (&self->host.tts);
  g_clear_object (&self->host.blynk);
  g_clear_object (&self->host.models);
  g_clear_pointer (&self->host.unlisted, g_hash_table_unref);
  g_clear_object (&self->http);
  g_clear_object (&self->host.registry);
  g_clear_object (&self->host.journal);
  g_clear_object (&self->host.config);
  g_clear_object (&self->host.cancellable);
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
    case ONB_ENGINE_PROP_N_DONE: g_value_set_uint (value, self->n_done); break;
    case ONB_ENGINE_PROP_N_FAILED: g_value_set_uint (value, self->n_failed); break;
    case ONB_ENGINE_PROP_N_UNFINISHED: g_value_set_uint (value, self->n_unfinished); break;
    case ONB_ENGINE_PROP_MAX_JOBS: g_value_set_uint (value, self->max_jobs); break;
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
    case ONB_ENGINE_PROP_MAX_JOBS: onb_engine_set_max_jobs (self, g_value_get_uint (value)); break;
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

  _onb_engine_properties[ONB_ENGINE_PROP_N_DONE] = g_param_spec_uint ("n-done", NULL, NULL, 0, G_MAXUINT, 0, ro);
  _onb_engine_properties[ONB_ENGINE_PROP_N_FAILED] = g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, ro);
  _onb_engine_properties[ONB_ENGINE_PROP_N_UNFINISHED] = g_param_spec_uint ("n-unfinished", NULL, NULL, 0, G_MAXUINT, 0, ro);
  _onb_engine_properties[ONB_ENGINE_PROP_MAX_JOBS] = g_param_spec_uint ("max-jobs", NULL, NULL, 1, ONB_ENGINE_MAX_MAX_JOBS,
                                                 ONB_ENGINE_DEFAULT_MAX_JOBS,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ONB_ENGINE_N_PROPS, _onb_engine_properties);

  _onb_engine_signals[ONB_ENGINE_SIGNAL_JOB_ADDED] = g_signal_new ("job-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                     NULL, G_TYPE_NONE, 1, ONB_TYPE_JOB);
  _onb_engine_signals[ONB_ENGINE_SIGNAL_JOB_CHANGED] = g_signal_new ("job-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                       NULL, NULL, G_TYPE_NONE, 1, ONB_TYPE_JOB);
  _onb_engine_signals[ONB_ENGINE_SIGNAL_IDLE] = g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                G_TYPE_NONE, 0);
  _onb_engine_signals[ONB_ENGINE_SIGNAL_INTEGRATION_CONFLICT] =
    g_signal_new ("integration-conflict", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, ONB_TYPE_JOB, G_TYPE_STRING);
}

static void
onb_engine_init (OnbEngine *self)
{
  self->jobs = g_list_store_new (ONB_TYPE_JOB);
  self->by_dev_eui = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->runs = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) onb_run_free);
  self->followed = g_ptr_array_new_with_free_func (g_object_unref);
  self->resumed = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->host.cancellable = g_cancellable_new ();
  self->host.unlisted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) onb_code_unref);
  self->max_jobs = ONB_ENGINE_DEFAULT_MAX_JOBS;
  self->host.min_delay_ms = DEFAULT_MIN_DELAY_MS;
  self->host.max_delay_ms = DEFAULT_MAX_DELAY_MS;
  g_queue_init (&self->pending);
  _onb_engine_init_host (self);
}

OnbEngine *
onb_engine_new (OnbConfig      *config,
                OnbHttpClient  *http,
                GError        **error)
{
  g_autoptr(OnbEngine) self = g_object_new (ONB_TYPE_ENGINE, NULL);
  g_autofree char *data_dir = NULL;
  g_autofree char *metafields_path = NULL;
  gint64 max_jobs;

  g_return_val_if_fail (ONB_IS_CONFIG (config), NULL);
  g_return_val_if_fail (ONB_IS_HTTP_CLIENT (http), NULL);

  self->host.config = g_object_ref (config);
  self->http = g_object_ref (http);
  if (!(self->host.tts = onb_tts_client_new (self->http, config, error)) ||
      !(self->host.blynk = onb_blynk_client_new (self->http, config, error)))
    return NULL;

  data_dir = onb_config_get_data_dir (config);
  if (!(self->host.registry = onb_registry_open_for_config (config, FALSE, error)) ||
      !(self->host.journal = onb_journal_open_for_config (config, FALSE, error)) ||
      !(self->host.repository = onb_tts_repository_new (self->host.tts, config, self->host.registry, error)) ||
      !(self->host.claim = onb_tts_claim_new (self->host.tts, config, error)))
    return NULL;
  self->host.models = onb_model_table_new (config);
  /* The template's metafield list outlives the process, so a process's
   * first job does not fetch it after its create. */
  metafields_path = g_build_filename (data_dir, BLYNK_METAFIELDS_FILE, NULL);
  onb_blynk_client_set_metafield_cache (self->host.blynk, metafields_path);

  max_jobs = onb_config_get_int (config, "kiosk", "max_jobs", ONB_ENGINE_DEFAULT_MAX_JOBS);
  self->max_jobs = CLAMP (max_jobs, 1, ONB_ENGINE_MAX_MAX_JOBS);
  return g_steal_pointer (&self);
}

OnbRegistry *
onb_engine_get_registry (OnbEngine *self)
{
  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);
  return self->host.registry;
}

/* A start waits for the journal and for what the first job would
 * otherwise fetch (the Blynk token, the templates' metafield lists), but
 * not longer than this for the latter: a station without network starts
 * all the same, and its jobs say why they wait. */
#define PREPARE_WAIT_MS 1000

typedef struct
{
  guint pending;          /* the journal, the clouds */
  guint clouds_left;      /* Blynk and each Device Repository question */
  gboolean clouds_counted; /* the clouds still count in pending */
  guint timer;            /* the end of waiting for the clouds */
  GError *error;          /* the journal's */
} Start;

static void
start_free (gpointer data)
{
  Start *start = data;

  g_clear_handle_id (&start->timer, g_source_remove);
  g_clear_error (&start->error);
  g_free (start);
}

/* A part of the start is over; the start ends with the last (the
 * journal's failure, if any, is the start's). */
static void
start_part_done (GTask *task)
{
  Start *start = g_task_get_task_data (task);

  if (--start->pending > 0)
    return;
  if (start->error != NULL)
    g_task_return_error (task, g_steal_pointer (&start->error));
  else
    g_task_return_boolean (task, TRUE);
}

/* The clouds are ready, or no longer waited for (@all). */
static void
start_clouds_done (GTask    *task,
                   gboolean  all)
{
  Start *start = g_task_get_task_data (task);

  if (!all && --start->clouds_left > 0)
    return;
  if (!start->clouds_counted)
    return;
  start->clouds_counted = FALSE;
  g_clear_handle_id (&start->timer, g_source_remove);
  start_part_done (task);
}

static void
prepared_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* The first job meets the same failure and says it in words. */
  if (!onb_blynk_client_prepare_finish (ONB_BLYNK_CLIENT (object), result, &error))
    g_debug ("Blynk not ready at start: %s", error->message);
  start_clouds_done (task, FALSE);
}

static void
template_known_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbModelTemplate) answer = NULL;

  /* Kept in the registry; a job asks again and says what is wrong. */
  answer = onb_tts_repository_get_template_finish (ONB_TTS_REPOSITORY (object), result, &error);
  if (answer == NULL)
    g_debug ("Device Repository not asked at start: %s", error->message);
  start_clouds_done (task, FALSE);
}

static gboolean
prepare_waited_cb (gpointer user_data)
{
  GTask *task = user_data;
  Start *start = g_task_get_task_data (task);

  start->timer = 0;
  start_clouds_done (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
start_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbEngine *self = g_task_get_source_object (task);
  Start *start = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = onb_journal_claim_unfinished_finish (ONB_JOURNAL (object), result, &error);

  if (rows == NULL)
    {
      start->error = g_steal_pointer (&error);
      start_part_done (task);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      OnbJob *job = _onb_engine_model_add_row (self, rows->pdata[i]);

      if (job == NULL)
        continue;
      g_hash_table_add (self->resumed, g_object_ref (job));
      _onb_engine_enqueue (self, job);
    }
  _onb_engine_start_sweep (self);
  _onb_engine_update_counters (self);
  start_part_done (task);
}

void
onb_engine_start_async (OnbEngine           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GPtrArray *models = onb_model_table_get_models (self->host.models);
  g_autoptr(GPtrArray) templates = g_ptr_array_new ();
  GTask *task;
  Start *start;

  g_return_if_fail (ONB_IS_ENGINE (self));

  g_ptr_array_add (templates, (gpointer) onb_blynk_client_get_template_id (self->host.blynk));
  for (guint i = 0; i < models->len; i++)
    if (onb_model_get_blynk_template (models->pdata[i]) != NULL)
      g_ptr_array_add (templates, (gpointer) onb_model_get_blynk_template (models->pdata[i]));
  g_ptr_array_add (templates, NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_engine_start_async);
  start = g_new0 (Start, 1);
  start->pending = 2;
  start->clouds_counted = TRUE;
  start->clouds_left = 1;
  g_task_set_task_data (task, start, start_free);
  /* Beside the journal's load, so that the first job is as quick as the
   * next ones. */
  onb_blynk_client_prepare_async (self->host.blynk, (const char * const *) templates->pdata, self->host.cancellable,
                                  prepared_cb, g_object_ref (task));
  for (guint i = 0; i < models->len; i++)
    if (onb_model_needs_repository (models->pdata[i]))
      {
        start->clouds_left++;
        onb_tts_repository_get_template_async (self->host.repository, onb_model_get_profile_id (models->pdata[i]),
                                               self->host.cancellable, template_known_cb, g_object_ref (task));
      }
  start->timer = g_timeout_add (PREPARE_WAIT_MS, prepare_waited_cb, task);
  onb_journal_claim_unfinished_async (self->host.journal, start_cb, task);
}

gboolean
onb_engine_start_finish (OnbEngine     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- shutdown ------------------------------------------------------------------- */

static void
cancel_requests (GCancellable *cancellable,
                 OnbEngine    *self)
{
  g_cancellable_cancel (self->host.cancellable);
}

void
onb_engine_shutdown_async (OnbEngine           *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GPtrArray) idle_jobs = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  OnbJob *job;

  g_return_if_fail (ONB_IS_ENGINE (self));
  g_return_if_fail (!self->host.stopping);

  self->host.stopping = TRUE;
  self->shutdown_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->shutdown_task, onb_engine_shutdown_async);
  /* Cancelling the shutdown cancels the requests in flight instead of
   * waiting for their answers. */
  if (cancellable != NULL)
    self->shutdown_cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancel_requests), self, NULL);

  _onb_engine_stop_following (self);
  /* Jobs waiting for a slot, and runs waiting out their backoff: nothing
   * of theirs is in flight. Running ones are handed back once their
   * requests are answered and committed (onb-run.c). */
  while ((job = g_queue_pop_head (&self->pending)) != NULL)
    g_ptr_array_add (idle_jobs, job);
  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((OnbRun *) value)->timer != 0)
      g_ptr_array_add (idle_jobs, ((OnbRun *) value)->job);
  for (guint i = 0; i < idle_jobs->len; i++)
    _onb_engine_hand_back (self, idle_jobs->pdata[i]);

  _onb_engine_update_counters (self);
  _onb_engine_maybe_shut_down (self);
}

gboolean
onb_engine_shutdown_finish (OnbEngine     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The box's row of the device list. With [labels] allow_unlisted_claims
 * (and @unlisted given) a label to claim (an owner token) whose box is in
 * no list gets the row it would have, not stored: its run adds it to the
 * list once the JoinEUI's Join Server is known to take claims. One known
 * not to is refused now. */
static OnbRegistryEntry *
lookup_entry (OnbEngine      *self,
              const OnbCode  *code,
              gboolean       *unlisted,
              GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  OnbRegistryEntry *entry = onb_registry_resolve (self->host.registry, code, &local_error);
  gboolean supported = TRUE;

  if (entry == NULL && g_error_matches (local_error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_DEVICE) &&
      unlisted != NULL && onb_code_get_owner_token (code) != NULL && onb_code_get_join_eui (code) != NULL &&
      onb_model_table_get_allow_unlisted_claims (self->host.models))
    {
      if (onb_tts_claim_lookup_info (self->host.claim, onb_code_get_join_eui (code), &supported) && !supported)
        {
          onb_run_refuse_unlisted (onb_code_get_join_eui (code), error);
          return NULL;
        }
      *unlisted = TRUE;
      return onb_registry_entry_new_unlisted (code);
    }
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return entry;
}

/* The payload as far as the station is concerned: parsed, of a model
 * the station onboards, and in the device list. A label with an owner
 * token is claimed: it needs no keys in the list. @unlisted (NULL: no
 * box in no list is taken): set when the box's row is not stored yet
 * (lookup_entry()). @kind: the job the box would get. */
static OnbRegistryEntry *
resolve_payload (OnbEngine   *self,
                 const char  *data,
                 gssize       length,
                 OnbJobKind   kind,
                 OnbCode    **code_out,
                 OnbModel   **model_out,
                 gboolean    *unlisted,
                 GError     **error)
{
  g_autoptr(OnbCode) code = onb_code_parse (data, length, error);
  g_autoptr(OnbRegistryEntry) entry = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *label_id;
  const char *listed_id;
  g_autoptr(OnbModelSettings) settings = NULL;
  g_autofree char *lorawan_version = NULL;
  OnbModel *model;

  if (code == NULL)
    return NULL;
  label_id = onb_code_get_profile_id (code);
  if ((label_id != NULL && !onb_model_table_lookup (self->host.models, label_id, error)) ||
      (onb_code_get_owner_token (code) != NULL && !onb_tts_claim_check_possible (self->host.claim, error)) ||
      !(entry = lookup_entry (self, code, unlisted, error)))
    return NULL;
  /* Bare DevEUIs and tokens carry no Profile ID: the list's row says. */
  listed_id = onb_registry_entry_get_profile_id (entry);
  if (label_id != NULL && listed_id != NULL && g_ascii_strcasecmp (label_id, listed_id) != 0)
    {
      g_set_error (error, ONB_CODE_ERROR, ONB_CODE_ERROR_PROFILE_MISMATCH,
                   _("The label says Profile ID %s, but the device list says %s for this box. Check the list, or "
                     "set the box aside."), label_id, listed_id);
      return NULL;
    }
  if (!(model = onb_model_table_lookup (self->host.models, label_id != NULL ? label_id : listed_id, error)))
    return NULL;
  /* A model whose settings are known without a request (none needed from
   * the Device Repository, or its answer kept) is settled now: a box
   * without versions or plan, or of another band, gets its words at the
   * scan. Any other is settled by its run, before anything is sent. */
  if (!(settings = onb_run_model_settings (&self->host, model, kind, &local_error)) && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* Else the model's own version, where its section names one, else the
   * station's (the run checks the keys again with the settled version). */
  if (settings != NULL)
    lorawan_version = g_strdup (settings->lorawan_version);
  else if (onb_model_get_lorawan_version (model) != NULL)
    lorawan_version = g_strdup (onb_model_get_lorawan_version (model));
  else
    lorawan_version = onb_config_get_string (self->host.config, "tts", "lorawan_version");
  if (onb_code_get_owner_token (code) == NULL && !onb_run_check_keys (lorawan_version, entry, error))
    return NULL;
  if (code_out != NULL)
    *code_out = g_steal_pointer (&code);
  if (model_out != NULL)
    *model_out = model;
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
  OnbModel *model = NULL;
  gboolean unlisted = FALSE;
  OnbJob *job;

  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);

  /* Nothing is sent that could not be recorded. */
  if (!(entry = resolve_payload (self, data, length, ONB_JOB_KIND_PROVISION, &code, &model, &unlisted, error)) ||
      !onb_journal_can_record (self->host.journal, error))
    return NULL;
  if (unlisted)
    g_hash_table_replace (self->host.unlisted, g_strdup (onb_registry_entry_get_dev_eui (entry)), onb_code_ref (code));

  job = g_hash_table_lookup (self->by_dev_eui, onb_registry_entry_get_dev_eui (entry));
  if (job != NULL)
    {
      /* A resumed job learns its owner token again from its label. */
      if (onb_code_get_owner_token (code) != NULL)
        onb_job_set_owner_token (job, onb_code_get_owner_token (code));
      if (onb_job_get_state (job) == ONB_JOB_STATE_FAILED)
        return onb_engine_retry (self, onb_job_get_id (job), error);
      if (onb_job_get_state (job) == ONB_JOB_STATE_DONE)
        {
          onb_job_set_already_done (job, TRUE);
          _onb_engine_emit_job_changed (self, job);
        }
      return g_object_ref (job);
    }

  job = onb_job_new_provision (onb_registry_entry_get_dev_eui (entry), onb_registry_entry_get_join_eui (entry),
                               onb_registry_entry_get_blynk_name (entry), source,
                               onb_code_kind_to_string (onb_code_get_kind (code)));
  onb_job_set_model_key (job, onb_model_get_profile_id (model));
  onb_job_set_model_name (job, onb_model_get_job_name (model));
  onb_job_set_owner_token (job, onb_code_get_owner_token (code));
  /* Journaled with the job's row: a run resumed without the label (the
   * token is never kept) still knows the box is to be claimed. */
  if (onb_code_get_owner_token (code) != NULL)
    onb_job_set_step (job, ONB_JOB_STEP_TTS_JS, ONB_STEP_STATE_SKIPPED, NULL, NULL);
  _onb_engine_model_add (self, job);
  _onb_engine_claim_new (self, job);
  _onb_engine_update_counters (self);
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
  g_autoptr(GError) old_error = NULL;
  g_autoptr(GError) new_error = NULL;
  OnbModel *model = NULL;
  OnbJob *job;

  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);

  /* The old label only has to name a device of the list. */
  {
    g_autoptr(OnbCode) old_code = onb_code_parse (old_data, old_length, error);

    if (old_code == NULL || !(old_entry = onb_registry_resolve (self->host.registry, old_code, error)))
      return NULL;
  }
  if (!(new_entry = resolve_payload (self, new_data, new_length, ONB_JOB_KIND_REPLACE, &code, &model, NULL, error)) ||
      !onb_journal_can_record (self->host.journal, error))
    return NULL;

  if (g_str_equal (onb_registry_entry_get_dev_eui (old_entry), onb_registry_entry_get_dev_eui (new_entry)))
    {
      g_set_error (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_SAME_DEVICE,
                   _("The old and the new label are the same device (%s). Scan the label of the new device."),
                   onb_registry_entry_get_dev_eui (new_entry));
      return NULL;
    }

  /* One error each: a failed first look-up must not be overwritten. */
  old_row = onb_journal_lookup_dev_eui (self->host.journal, onb_registry_entry_get_dev_eui (old_entry), &old_error);
  if (old_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&old_error));
      return NULL;
    }
  new_row = onb_journal_lookup_dev_eui (self->host.journal, onb_registry_entry_get_dev_eui (new_entry), &new_error);
  if (new_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&new_error));
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

  job = onb_job_new_replace (onb_registry_entry_get_dev_eui (new_entry), onb_registry_entry_get_join_eui (new_entry),
                             onb_registry_entry_get_blynk_name (old_entry), onb_registry_entry_get_dev_eui (old_entry),
                             delete_old_tts ? ONB_JOB_DELETE_OLD_TTS : ONB_JOB_KEEP_OLD_TTS, source,
                             onb_code_kind_to_string (onb_code_get_kind (code)));
  onb_job_set_model_key (job, onb_model_get_profile_id (model));
  onb_job_set_model_name (job, onb_model_get_job_name (model));
  _onb_engine_model_add (self, job);
  _onb_engine_claim_new (self, job);
  _onb_engine_update_counters (self);
  return job;
}

OnbJob *
onb_engine_retry (OnbEngine  *self,
                  gint64      job_id,
                  GError    **error)
{
  OnbJob *job;
  OnbRun *run;

  g_return_val_if_fail (ONB_IS_ENGINE (self), NULL);

  job = onb_engine_lookup_job (self, job_id);
  if (job == NULL)
    {
      g_autoptr(OnbJob) stored = onb_journal_get_job (self->host.journal, job_id, error);

      if (stored == NULL)
        return NULL;
      if (g_hash_table_contains (self->by_dev_eui, onb_job_get_dev_eui (stored)))
        job = g_hash_table_lookup (self->by_dev_eui, onb_job_get_dev_eui (stored));
      else
        {
          job = stored;
          _onb_engine_model_add (self, job);
        }
    }

  switch (onb_job_get_state (job))
    {
    case ONB_JOB_STATE_FAILED:
      /* A failure whose last commit has not landed is claimed again once
       * its run has ended, so the two runs never overlap. */
      if ((run = g_hash_table_lookup (self->runs, job)) != NULL)
        run->retry_when_ended = TRUE;
      else
        _onb_engine_claim_for_retry (self, job);
      break;

    case ONB_JOB_STATE_WAITING:
      /* A run whose waiting state is not on disk yet starts its backoff
       * soon; it is not hurried. */
      if ((run = g_hash_table_lookup (self->runs, job)) != NULL)
        onb_run_retry_now (run);
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
  _onb_engine_update_counters (self);
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
guint onb_engine_get_n_unfinished (OnbEngine *self) { return self->n_unfinished; }
guint onb_engine_get_max_jobs (OnbEngine *self) { return self->max_jobs; }

gboolean
onb_engine_get_busy (OnbEngine *self)
{
  g_return_val_if_fail (ONB_IS_ENGINE (self), FALSE);

  return g_hash_table_size (self->runs) > 0 || !g_queue_is_empty (&self->pending) || self->followed->len > 0 ||
         self->n_journal_calls > 0;
}

void
onb_engine_set_max_jobs (OnbEngine *self,
                         guint      max_jobs)
{
  g_return_if_fail (ONB_IS_ENGINE (self));

  max_jobs = CLAMP (max_jobs, 1, ONB_ENGINE_MAX_MAX_JOBS);
  if (max_jobs == self->max_jobs)
    return;
  self->max_jobs = max_jobs;
  g_object_notify_by_pspec (G_OBJECT (self), _onb_engine_properties[ONB_ENGINE_PROP_MAX_JOBS]);
  _onb_engine_pump (self);
}

void
onb_engine_set_retry_delays (OnbEngine *self,
                             guint      min_ms,
                             guint      max_ms)
{
  g_return_if_fail (ONB_IS_ENGINE (self));

  self->host.min_delay_ms = MAX (1, min_ms);
  self->host.max_delay_ms = MAX (self->host.min_delay_ms, max_ms);
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
  g_autoptr(GPtrArray) jobs = onb_journal_list_jobs (self->host.journal, data->query, data->state, data->limit, &error);
  GListStore *store;

  if (jobs == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < jobs->len; i++)
    onb_job_show_model (jobs->pdata[i], self->host.models);
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

  if (onb_journal_export_csv (self->host.journal, data->path, &error))
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
