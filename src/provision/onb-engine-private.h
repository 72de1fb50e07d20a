/* onb-engine-private.h: what the engine's files share (docs/design.md)
 *
 * The files and the one way they call each other are listed in
 * onb-run-private.h. Everything here runs on the thread of the default
 * main context.
 */
#pragma once

#include "onb-engine.h"
#include "onb-run-private.h"

G_BEGIN_DECLS

struct _OnbEngine
{
  GObject parent_instance;

  OnbRunHost host;         /* what the runs use: clients, journal, slots, backoff bounds */
  OnbHttpClient *http;

  GListStore *jobs;        /* the model, newest first */
  GHashTable *by_dev_eui;  /* dev_eui → OnbJob in the model (borrowed from the model) */
  GQueue pending;          /* OnbJob* (borrowed) waiting for a slot */
  GHashTable *runs;        /* OnbJob* → OnbRun* (owned): running, waiting or ending */
  GPtrArray *followed;     /* OnbJob* (owned) run by another owner of the journal */
  GHashTable *resumed;     /* OnbJob* (owned) found unfinished in the journal, not yet run */
  guint follow_source;
  guint sweep_source;      /* the look for rows whose owner's lease ran out */
  guint n_journal_calls;   /* claims in flight, outside any run */
  GTask *shutdown_task;    /* until every run and journal call is over */
  gulong shutdown_cancelled_id;

  guint max_jobs;
  guint n_done;
  guint n_failed;
  guint n_unfinished;      /* queued, running or waiting */
  guint n_trimmed_done;    /* finished jobs that left the model still count */
  guint n_trimmed_failed;
};

/* Defined in onb-engine.c, raised in onb-engine-model.c too. */
enum {
  ONB_ENGINE_PROP_0,
  ONB_ENGINE_PROP_N_DONE,
  ONB_ENGINE_PROP_N_FAILED,
  ONB_ENGINE_PROP_N_UNFINISHED,
  ONB_ENGINE_PROP_MAX_JOBS,
  ONB_ENGINE_N_PROPS
};

enum {
  ONB_ENGINE_SIGNAL_JOB_ADDED,
  ONB_ENGINE_SIGNAL_JOB_CHANGED,
  ONB_ENGINE_SIGNAL_IDLE,
  ONB_ENGINE_SIGNAL_INTEGRATION_CONFLICT,
  ONB_ENGINE_N_SIGNALS
};

extern GParamSpec *_onb_engine_properties[ONB_ENGINE_N_PROPS];
extern guint _onb_engine_signals[ONB_ENGINE_N_SIGNALS];

/* onb-engine-queue.c */
void      _onb_engine_init_host        (OnbEngine *self);
void      _onb_engine_enqueue          (OnbEngine *self,
                                        OnbJob    *job);
void      _onb_engine_pump             (OnbEngine *self);
void      _onb_engine_claim_new        (OnbEngine *self,
                                        OnbJob    *job);
void      _onb_engine_claim_for_retry  (OnbEngine *self,
                                        OnbJob    *job);
void      _onb_engine_hand_back        (OnbEngine *self,
                                        OnbJob    *job);
/* Also stops the sweep. */
void      _onb_engine_stop_following   (OnbEngine *self);
void      _onb_engine_start_sweep      (OnbEngine *self);

/* onb-engine-model.c */
void      _onb_engine_model_add        (OnbEngine *self,
                                        OnbJob    *job);
/* A job of a journal row, added unless the model has its DevEUI already
 * (NULL then). (transfer none) */
OnbJob   *_onb_engine_model_add_row    (OnbEngine *self,
                                        OnbJobRow *row);
void      _onb_engine_emit_job_changed (OnbEngine *self,
                                        OnbJob    *job);
void      _onb_engine_update_counters  (OnbEngine *self);
void      _onb_engine_trim_model       (OnbEngine *self);
void      _onb_engine_maybe_shut_down  (OnbEngine *self);

G_END_DECLS
