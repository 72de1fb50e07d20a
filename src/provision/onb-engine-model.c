/* onb-engine-model.c: what the engine shows, and when its shutdown is over
 *
 * The model holds this session's jobs and the unfinished ones, newest
 * first; the oldest finished ones drop out past a few hundred (they stay
 * in the journal and count on in the shift's counters).
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include "onb-engine-private.h"

/* Finished jobs kept in the model; older ones are history (journal). */
#define MAX_FINISHED_IN_MODEL 200

void
_onb_engine_model_add (OnbEngine *self,
                       OnbJob    *job)
{
  g_list_store_insert (self->jobs, 0, job);
  g_hash_table_insert (self->by_dev_eui, g_strdup (onb_job_get_dev_eui (job)), job);
  g_signal_emit (self, _onb_engine_signals[ONB_ENGINE_SIGNAL_JOB_ADDED], 0, job);
}

OnbJob *
_onb_engine_model_add_row (OnbEngine *self,
                           OnbJobRow *row)
{
  g_autoptr(OnbJob) job = NULL;

  if (g_hash_table_contains (self->by_dev_eui, row->dev_eui))
    return NULL;
  job = onb_job_new_from_row (row);
  onb_job_show_model (job, self->host.models);
  _onb_engine_model_add (self, job);
  return job;
}

void
_onb_engine_emit_job_changed (OnbEngine *self,
                              OnbJob    *job)
{
  g_signal_emit (self, _onb_engine_signals[ONB_ENGINE_SIGNAL_JOB_CHANGED], 0, job);
}

void
_onb_engine_update_counters (OnbEngine *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->jobs));
  guint done = 0, failed = 0, unfinished = 0;

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
          unfinished++;
          break;
        }
    }
  /* Counters of the shift: trimmed finished jobs still count. */
  done += self->n_trimmed_done;
  failed += self->n_trimmed_failed;
  if (done != self->n_done)
    {
      self->n_done = done;
      g_object_notify_by_pspec (G_OBJECT (self), _onb_engine_properties[ONB_ENGINE_PROP_N_DONE]);
    }
  if (failed != self->n_failed)
    {
      self->n_failed = failed;
      g_object_notify_by_pspec (G_OBJECT (self), _onb_engine_properties[ONB_ENGINE_PROP_N_FAILED]);
    }
  if (unfinished != self->n_unfinished)
    {
      self->n_unfinished = unfinished;
      g_object_notify_by_pspec (G_OBJECT (self), _onb_engine_properties[ONB_ENGINE_PROP_N_UNFINISHED]);
      if (unfinished == 0)
        g_signal_emit (self, _onb_engine_signals[ONB_ENGINE_SIGNAL_IDLE], 0);
    }
}

void
_onb_engine_trim_model (OnbEngine *self)
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

/* A shutdown is over once no run and no journal call is left. */
void
_onb_engine_maybe_shut_down (OnbEngine *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->shutdown_task == NULL || g_hash_table_size (self->runs) > 0 || self->n_journal_calls > 0)
    return;
  task = g_steal_pointer (&self->shutdown_task);
  if (self->shutdown_cancelled_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), self->shutdown_cancelled_id);
  self->shutdown_cancelled_id = 0;
  _onb_engine_update_counters (self);
  g_task_return_boolean (task, TRUE);
}
