/* onb-batch-model.c: the current batch, loaded off the main thread */

#define G_LOG_DOMAIN "onb-batch-model"

#include "config.h"

#include "onb-batch-model.h"
#include "onb-journal.h"

struct _OnbBatchModel
{
  GObject      parent_instance;

  OnbRegistry *registry;
  OnbConfig   *journal_config;  /* the worker's own copy of where the journal is */
  OnbJournal  *journal;      /* opened by the first load, in the worker */
  GMutex       journal_lock;

  gint64       batch_id;     /* 0: the newest */
  OnbBatch    *batch;
  GPtrArray   *missing;
  GPtrArray   *batches;
  GError      *error;

  gboolean     loading;
  gboolean     again;        /* a reload was asked for while loading */
  gboolean     again_batches;
};

G_DEFINE_FINAL_TYPE (OnbBatchModel, onb_batch_model, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct
{
  gint64     batch_id;
  gboolean   with_batches;
  OnbBatch  *batch;
  GPtrArray *missing;
  GPtrArray *batches;
} Load;

static void
load_free (Load *load)
{
  g_clear_pointer (&load->batch, onb_batch_free);
  g_clear_pointer (&load->missing, g_ptr_array_unref);
  g_clear_pointer (&load->batches, g_ptr_array_unref);
  g_free (load);
}

static OnbJournal *
get_journal (OnbBatchModel  *self,
             GError        **error)
{
  OnbJournal *journal;

  g_mutex_lock (&self->journal_lock);
  if (self->journal == NULL)
    self->journal = onb_journal_open_for_config (self->journal_config, TRUE, error);
  journal = self->journal != NULL ? g_object_ref (self->journal) : NULL;
  g_mutex_unlock (&self->journal_lock);
  return journal;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OnbBatchModel *self = source_object;
  Load *load = task_data;
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(OnbDeviceStates) states = NULL;
  g_autofree const char **dev_euis = NULL;
  GError *error = NULL;

  if (load->with_batches && !(load->batches = onb_registry_list_batches (self->registry, NULL, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!(load->batch = onb_registry_get_batch (self->registry, load->batch_id, &load->missing, &error)) ||
      !(journal = get_journal (self, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  dev_euis = onb_batch_devices_get_dev_euis (load->missing);
  if (!(states = onb_journal_get_device_states (journal, dev_euis, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  onb_batch_apply_states (load->batch, load->missing, states);
  g_task_return_boolean (task, TRUE);
}

static void start_load (OnbBatchModel *self,
                        gboolean       with_batches);

static gboolean
has_batch (GPtrArray *batches,
           gint64     id)
{
  for (guint i = 0; batches != NULL && i < batches->len; i++)
    if (((OnbBatch *) batches->pdata[i])->id == id)
      return TRUE;
  return FALSE;
}

static void
on_loaded (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  OnbBatchModel *self = ONB_BATCH_MODEL (object);
  Load *load = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->loading = FALSE;
  g_clear_error (&self->error);
  g_clear_pointer (&self->batch, onb_batch_free);
  g_clear_pointer (&self->missing, g_ptr_array_unref);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    self->error = g_steal_pointer (&error);
  else
    {
      self->batch = g_steal_pointer (&load->batch);
      self->missing = g_steal_pointer (&load->missing);
    }
  if (load->batches != NULL)
    {
      g_clear_pointer (&self->batches, g_ptr_array_unref);
      self->batches = g_steal_pointer (&load->batches);
    }

  /* A list imported elsewhere (Setup, the CLI, another station): the
   * chooser lists it too. */
  if (self->batch != NULL && !has_batch (self->batches, self->batch->id))
    {
      self->again = TRUE;
      self->again_batches = TRUE;
    }

  g_signal_emit (self, signals[CHANGED], 0);

  if (self->again)
    {
      self->again = FALSE;
      start_load (self, self->again_batches);
    }
}

static void
start_load (OnbBatchModel *self,
            gboolean       with_batches)
{
  g_autoptr(GTask) task = NULL;
  Load *load;

  if (self->loading)
    {
      self->again = TRUE;
      self->again_batches |= with_batches;
      return;
    }
  self->again_batches = FALSE;
  self->loading = TRUE;

  load = g_new0 (Load, 1);
  load->batch_id = self->batch_id;
  load->with_batches = with_batches || self->batches == NULL;
  task = g_task_new (self, NULL, on_loaded, NULL);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

void
onb_batch_model_reload (OnbBatchModel *self,
                        gboolean       with_batches)
{
  g_return_if_fail (ONB_IS_BATCH_MODEL (self));

  start_load (self, with_batches);
}

void
onb_batch_model_set_batch_id (OnbBatchModel *self,
                              gint64         batch_id)
{
  g_return_if_fail (ONB_IS_BATCH_MODEL (self));

  if (self->batch_id == batch_id)
    return;
  self->batch_id = batch_id;
  start_load (self, FALSE);
}

gint64
onb_batch_model_get_batch_id (OnbBatchModel *self)
{
  g_return_val_if_fail (ONB_IS_BATCH_MODEL (self), 0);

  return self->batch_id;
}

const OnbBatch *
onb_batch_model_get_batch (OnbBatchModel *self)
{
  g_return_val_if_fail (ONB_IS_BATCH_MODEL (self), NULL);

  return self->batch;
}

GPtrArray *
onb_batch_model_get_missing (OnbBatchModel *self)
{
  g_return_val_if_fail (ONB_IS_BATCH_MODEL (self), NULL);

  return self->missing;
}

GPtrArray *
onb_batch_model_get_batches (OnbBatchModel *self)
{
  g_return_val_if_fail (ONB_IS_BATCH_MODEL (self), NULL);

  return self->batches;
}

const GError *
onb_batch_model_get_error (OnbBatchModel *self)
{
  g_return_val_if_fail (ONB_IS_BATCH_MODEL (self), NULL);

  return self->error;
}

static void
onb_batch_model_finalize (GObject *object)
{
  OnbBatchModel *self = (OnbBatchModel *) object;

  g_clear_object (&self->registry);
  g_clear_object (&self->journal);
  g_clear_object (&self->journal_config);
  g_clear_pointer (&self->batch, onb_batch_free);
  g_clear_pointer (&self->missing, g_ptr_array_unref);
  g_clear_pointer (&self->batches, g_ptr_array_unref);
  g_clear_error (&self->error);
  g_mutex_clear (&self->journal_lock);
  G_OBJECT_CLASS (onb_batch_model_parent_class)->finalize (object);
}

static void
onb_batch_model_class_init (OnbBatchModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_batch_model_finalize;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
}

static void
onb_batch_model_init (OnbBatchModel *self)
{
  g_mutex_init (&self->journal_lock);
}

OnbBatchModel *
onb_batch_model_new (OnbRegistry *registry,
                     OnbConfig   *config)
{
  static const char * const journal_keys[][2] = {
    { "store", "url" }, { "store", "station" }, { "store", "lease_s" }, { "kiosk", "data_dir" },
  };
  OnbBatchModel *self = g_object_new (ONB_TYPE_BATCH_MODEL, NULL);

  self->registry = g_object_ref (registry);
  /* The worker opens the journal (a shared store's connection must not
   * stall the kiosk), and Setup may change @config meanwhile on the main
   * thread: it gets its own copy of the keys onb_journal_open_for_config()
   * reads. */
  self->journal_config = onb_config_new ();
  for (guint i = 0; i < G_N_ELEMENTS (journal_keys); i++)
    {
      g_autofree char *value = onb_config_get_string (config, journal_keys[i][0], journal_keys[i][1]);

      onb_config_set_string (self->journal_config, journal_keys[i][0], journal_keys[i][1], value);
    }
  return self;
}
