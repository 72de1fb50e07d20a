/* onb-engine-queue.c: who runs a job, and when
 *
 * A job runs only in the engine whose journal claim holds its row
 * (docs/design.md, "Claims"); rows another owner holds are followed until
 * they finish or their owner is gone, and on a shared store the rows of a
 * station that died are looked for once a lease. Claimed jobs wait in the
 * pending queue for one of max_jobs slots. This file is the runs' host:
 * it hears when a run frees its slot, is queued again after its backoff,
 * or has ended.
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include "onb-engine-private.h"
#include "onb-store.h"

#define FOLLOW_INTERVAL_MS 1000

/* ---- the pending queue -------------------------------------------------------- */

static OnbRun *
run_for (OnbEngine *self,
         OnbJob    *job)
{
  OnbRun *run = g_hash_table_lookup (self->runs, job);

  if (run == NULL)
    {
      run = onb_run_new (&self->host, job);
      run->resumed = g_hash_table_remove (self->resumed, job);
      g_hash_table_insert (self->runs, job, run);
    }
  return run;
}

void
_onb_engine_pump (OnbEngine *self)
{
  while (!self->host.stopping && self->host.n_running < self->max_jobs && !g_queue_is_empty (&self->pending))
    onb_run_start (run_for (self, g_queue_pop_head (&self->pending)));
  _onb_engine_update_counters (self);
}

void
_onb_engine_enqueue (OnbEngine *self,
                     OnbJob    *job)
{
  if (onb_job_get_state (job) != ONB_JOB_STATE_QUEUED)
    onb_job_set_state (job, ONB_JOB_STATE_QUEUED, NULL, NULL);
  g_queue_push_tail (&self->pending, job);
  _onb_engine_emit_job_changed (self, job);
  _onb_engine_pump (self);
}

/* A job claimed here that will not run (shutdown): its row is released. */
void
_onb_engine_hand_back (OnbEngine *self,
                       OnbJob    *job)
{
  onb_run_end (run_for (self, job), ONB_RUN_HANDED_BACK);
}

static void follow (OnbEngine *self, OnbJob *job);

/* ---- the runs' host ------------------------------------------------------------- */

static void
host_job_changed (OnbRunHost *host,
                  OnbJob     *job)
{
  _onb_engine_emit_job_changed (ONB_ENGINE (host->owner), job);
}

static void
host_slot_freed (OnbRunHost *host)
{
  _onb_engine_pump (ONB_ENGINE (host->owner));
}

static void
host_requeue (OnbRunHost *host,
              OnbJob     *job)
{
  OnbEngine *self = ONB_ENGINE (host->owner);

  _onb_engine_emit_job_changed (self, job);
  g_queue_push_tail (&self->pending, job);
  _onb_engine_pump (self);
}

static void
host_ended (OnbRunHost *host,
            OnbRun     *run)
{
  OnbEngine *self = ONB_ENGINE (host->owner);
  gboolean finished = onb_job_is_finished (run->job);
  g_autoptr(OnbJob) retry = run->retry_when_ended && !host->stopping ? g_object_ref (run->job) : NULL;
  g_autoptr(OnbJob) lost = run->claim_lost && !host->stopping ? g_object_ref (run->job) : NULL;

  g_hash_table_remove (self->runs, run->job);
  if (retry != NULL)
    _onb_engine_claim_for_retry (self, retry);
  /* Another station took the job over: it is followed to its end there. */
  if (lost != NULL)
    follow (self, lost);
  if (finished)
    _onb_engine_trim_model (self);
  _onb_engine_update_counters (self);
  _onb_engine_pump (self);
  _onb_engine_maybe_shut_down (self);
}

static void
host_conflict (OnbRunHost *host,
               OnbJob     *job,
               const char *device_id)
{
  g_signal_emit (host->owner, _onb_engine_signals[ONB_ENGINE_SIGNAL_INTEGRATION_CONFLICT], 0, job, device_id);
}

static const OnbRunHostFuncs host_funcs = {
  .job_changed = host_job_changed,
  .conflict = host_conflict,
  .slot_freed = host_slot_freed,
  .requeue = host_requeue,
  .ended = host_ended,
};

void
_onb_engine_init_host (OnbEngine *self)
{
  self->host.funcs = &host_funcs;
  self->host.owner = G_OBJECT (self);
}

/* ---- claims --------------------------------------------------------------------- */

typedef struct
{
  OnbEngine *engine;
  OnbJob *job;
} JournalCall;

static JournalCall *
journal_call_new (OnbEngine *self,
                  OnbJob    *job)
{
  JournalCall *call = g_new0 (JournalCall, 1);

  call->engine = g_object_ref (self);
  call->job = g_object_ref (job);
  self->n_journal_calls++;
  return call;
}

static void
claim_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  JournalCall *call = user_data;
  g_autoptr(OnbEngine) self = call->engine;
  g_autoptr(OnbJob) job = call->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJournalClaimResult) claim = NULL;

  g_free (call);
  self->n_journal_calls--;
  claim = onb_journal_claim_finish (ONB_JOURNAL (object), result, &error);
  /* The shared database is out of reach for a moment: a stored job is
   * read again at the next follow tick instead of failing. */
  if (claim == NULL && g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_UNREACHABLE) &&
      onb_job_get_id (job) > 0 && !self->host.stopping)
    {
      follow (self, job);
      return;
    }
  if (claim == NULL)
    {
      OnbRun *run = run_for (self, job);

      g_ptr_array_remove (self->followed, job);
      onb_run_set_permanent (run, error);
      onb_run_end (run, ONB_RUN_NOT_CLAIMED);
      return;
    }

  onb_job_update_from_row (job, claim->row);
  switch (claim->claim)
    {
    case ONB_JOURNAL_CLAIM_RESUMED:
    case ONB_JOURNAL_CLAIM_NEW:
      g_ptr_array_remove (self->followed, job);
      if (self->host.stopping)
        _onb_engine_hand_back (self, job);
      else
        {
          if (claim->claim == ONB_JOURNAL_CLAIM_RESUMED)
            g_hash_table_add (self->resumed, g_object_ref (job));
          _onb_engine_enqueue (self, job);
        }
      break;

    case ONB_JOURNAL_CLAIM_ALREADY_DONE:
      if (!g_ptr_array_remove (self->followed, job))
        onb_job_set_already_done (job, onb_job_get_state (job) == ONB_JOB_STATE_DONE);
      _onb_engine_emit_job_changed (self, job);
      break;

    case ONB_JOURNAL_CLAIM_FOREIGN:
    default:
      _onb_engine_emit_job_changed (self, job);
      if (!self->host.stopping)
        follow (self, job);
      break;
    }
  _onb_engine_update_counters (self);
  _onb_engine_maybe_shut_down (self);
}

/* A new scan: its DevEUI's row is found or made, and claimed (a failed
 * one is queued again). */
void
_onb_engine_claim_new (OnbEngine *self,
                       OnbJob    *job)
{
  onb_journal_claim_async (self->host.journal, onb_job_to_row (job), ONB_JOURNAL_CLAIM_REQUEUE_FAILED, claim_cb,
                           journal_call_new (self, job));
}

/* A failed job is claimed again for a retry. */
void
_onb_engine_claim_for_retry (OnbEngine *self,
                             OnbJob    *job)
{
  onb_journal_claim_id_async (self->host.journal, onb_job_get_id (job), ONB_JOURNAL_CLAIM_REQUEUE_FAILED, claim_cb,
                              journal_call_new (self, job));
}

/* ---- jobs of other owners -------------------------------------------------------- */

/* Read their rows until they finish, or take them over when their owner
 * is gone. */
static gboolean
follow_tick (gpointer user_data)
{
  OnbEngine *self = user_data;

  for (guint i = 0; i < self->followed->len; i++)
    {
      OnbJob *job = self->followed->pdata[i];

      onb_journal_claim_id_async (self->host.journal, onb_job_get_id (job), ONB_JOURNAL_CLAIM_DEFAULT, claim_cb,
                                  journal_call_new (self, job));
    }
  if (self->followed->len == 0)
    {
      self->follow_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
follow (OnbEngine *self,
        OnbJob    *job)
{
  if (!g_ptr_array_find (self->followed, job, NULL))
    g_ptr_array_add (self->followed, g_object_ref (job));
  if (self->follow_source == 0)
    self->follow_source = g_timeout_add (FOLLOW_INTERVAL_MS, follow_tick, self);
}

/* A station that dies leaves its claims to lapse with its lease: about
 * once a lease, the unfinished rows no live engine holds join the model
 * and are followed, so that the next follow tick takes them over. A
 * station's own file has no lease (its engines take each other's jobs
 * over as they scan, follow or start), and no sweep. */
static void
sweep_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(OnbEngine) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = onb_journal_find_unclaimed_finish (ONB_JOURNAL (object), result, &error);

  self->n_journal_calls--;
  if (rows == NULL)
    g_debug ("No look for jobs other stations left: %s", error->message);
  for (guint i = 0; rows != NULL && !self->host.stopping && i < rows->len; i++)
    {
      OnbJob *job = _onb_engine_model_add_row (self, rows->pdata[i]);

      if (job != NULL)
        follow (self, job);
    }
  _onb_engine_update_counters (self);
  _onb_engine_maybe_shut_down (self);
}

static gboolean
sweep_tick (gpointer user_data)
{
  OnbEngine *self = user_data;

  self->n_journal_calls++;
  onb_journal_find_unclaimed_async (self->host.journal, sweep_cb, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

void
_onb_engine_start_sweep (OnbEngine *self)
{
  if (onb_journal_get_path (self->host.journal) == NULL && self->sweep_source == 0 && !self->host.stopping)
    self->sweep_source = g_timeout_add_seconds (onb_store_get_lease_s (self->host.config), sweep_tick, self);
}

void
_onb_engine_stop_following (OnbEngine *self)
{
  g_clear_handle_id (&self->sweep_source, g_source_remove);
  g_clear_handle_id (&self->follow_source, g_source_remove);
  g_ptr_array_set_size (self->followed, 0);
}
