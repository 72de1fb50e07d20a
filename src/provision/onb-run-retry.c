/* onb-run-retry.c: wait, backoff and requeue
 *
 * A transient failure makes the job wait: capped exponential backoff with
 * jitter, Retry-After honoured. The waiting state is committed first; only
 * once it is on disk does the run give its slot back and its backoff start
 * (onb-run.c calls onb_run_arm_retry() then), so a short backoff never
 * restarts a run that still holds its slot. When the backoff is over the
 * job is queued again for a slot.
 */

#define G_LOG_DOMAIN "onb-engine"

#include "config.h"

#include "onb-cloud-error.h"
#include "onb-error.h"
#include "onb-run-private.h"

static guint
backoff_ms (OnbRunHost *host,
            guint       attempts,
            gint64      retry_after_s)
{
  guint64 delay = host->min_delay_ms;

  for (guint i = 1; i < attempts && delay < host->max_delay_ms; i++)
    delay *= 2;
  delay = MIN (delay, host->max_delay_ms);
  /* "Equal jitter": half fixed, half random, so stations drift apart. */
  delay = delay / 2 + g_random_int_range (0, (gint32) MAX (1, delay / 2 + 1));
  if (retry_after_s > 0)
    delay = MAX (delay, (guint64) retry_after_s * 1000);
  return (guint) delay;
}

/* The run's transient failure becomes the job's waiting state, committed. */
void
onb_run_wait (OnbRun *run)
{
  guint delay = backoff_ms (run->host, onb_job_get_attempts (run->job),
                            onb_cloud_error_get_retry_after (run->transient));

  onb_job_set_state (run->job, ONB_JOB_STATE_WAITING, onb_error_get_reason (run->transient),
                     run->transient->message);
  onb_job_set_next_attempt (run->job, g_get_real_time () + (gint64) delay * 1000);
  g_clear_error (&run->transient);
  onb_run_commit (run);
}

/* How often a blocked run tries to commit again: soon enough that the
 * station goes on by itself once there is room. */
#define RECOMMIT_INTERVAL_MS 1000

/* The job keeps the reason it waited for until its next attempt says
 * otherwise. */
void
onb_run_requeue (OnbRun *run)
{
  onb_job_set_state (run->job, ONB_JOB_STATE_QUEUED, onb_job_get_reason (run->job), onb_job_get_message (run->job));
  run->phase = ONB_RUN_PHASE_QUEUED;
  run->host->funcs->requeue (run->host, run->job);
}

/* The backoff of a waiting run is over, or a blocked run tries its
 * commit again. */
static gboolean
timer_cb (gpointer user_data)
{
  OnbRun *run = user_data;

  run->timer = 0;
  if (run->phase == ONB_RUN_PHASE_BLOCKED)
    onb_run_recommit (run);
  else
    onb_run_requeue (run);
  return G_SOURCE_REMOVE;
}

static void
arm (OnbRun *run,
     guint   delay_ms)
{
  if (run->timer == 0)
    run->timer = g_timeout_add (delay_ms, timer_cb, run);
}

/* A blocked run, with nothing in flight, tries its commit again later. */
void
onb_run_arm_recommit (OnbRun *run)
{
  arm (run, RECOMMIT_INTERVAL_MS);
}

/* The waiting state is on disk: the backoff starts. */
void
onb_run_arm_retry (OnbRun *run)
{
  gint64 remaining_us = onb_job_get_next_attempt_us (run->job) - g_get_real_time ();

  arm (run, (guint) CLAMP (remaining_us / 1000, 0, G_MAXUINT));
}

void
onb_run_disarm_retry (OnbRun *run)
{
  g_clear_handle_id (&run->timer, g_source_remove);
}

/* A retry asked for by hand cuts the backoff short. A run whose waiting
 * state is not on disk yet starts its backoff soon; it is not hurried; nor
 * is a blocked one. */
gboolean
onb_run_retry_now (OnbRun *run)
{
  if (run->timer == 0 || run->phase == ONB_RUN_PHASE_BLOCKED)
    return FALSE;
  onb_run_disarm_retry (run);
  onb_run_requeue (run);
  return TRUE;
}
