/* onb-engine-private.h: what the engine's files share (docs/design.md)
 *
 *   onb-engine.c          the GObject, submit, retry, shutdown, the job model
 *   onb-engine-queue.c    journal claims, following other owners' jobs,
 *                         slots, the backoff timer
 *   onb-run.c             one run of a job: its operations, its commits, and
 *                         run_settle(), the one place where a run ends
 *                         (done, waiting, failed, handed back)
 *   onb-run-blynk.c       the Blynk chain: device, metafields, namesakes
 *   onb-run-tts.c         the TTS chain: IS, then JS/NS/AS
 *   onb-run-verify.c      verify, the race loser's path, the old TTS device
 *   onb-run-rollback.c    undoing what a failed job made
 *
 * Everything here runs on the thread of the default main context.
 */
#pragma once

#include <json.h>

#include "onb-blynk-client.h"
#include "onb-engine.h"
#include "onb-journal-private.h"
#include "onb-tts-client.h"

G_BEGIN_DECLS

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

  GListStore *jobs;        /* the model, newest first */
  GHashTable *by_dev_eui;  /* dev_eui → OnbJob in the model (borrowed from the model) */
  GQueue pending;          /* OnbJob* (borrowed) waiting for a slot */
  GHashTable *runs;        /* OnbJob* → Run* (owned): running, waiting or being handed back */
  GPtrArray *followed;     /* OnbJob* (owned) run by another owner of the journal */
  GHashTable *resumed;     /* OnbJob* (owned) found unfinished in the journal, not yet run */
  guint follow_source;
  guint n_journal_calls;   /* claims and hand-backs in flight, outside any run */
  GCancellable *cancellable;       /* cancelled: requests in flight are abandoned */
  gboolean stopping;               /* shut down or shutting down: nothing new starts */
  GTask *shutdown_task;            /* until every run and journal call is over */
  gulong shutdown_cancelled_id;

  guint max_jobs;
  guint n_running;         /* runs holding a slot */
  guint min_delay_ms;
  guint max_delay_ms;
  guint n_done;
  guint n_failed;
  guint n_unfinished;      /* queued, running or waiting */
  guint n_trimmed_done;    /* finished jobs that left the model still count */
  guint n_trimmed_failed;
};

typedef void (*RunFunc) (Run *run);
/* The devices found (transfer none), or NULL and the error. */
typedef void (*RunSearchFunc) (Run          *run,
                               GPtrArray    *devices,
                               const GError *error);

/* What verify compares: the servers' answers to this run's TTS writes, else
 * what it reads back. Blynk's metafield write answers 204 with no body, so
 * Blynk is always read back. */
typedef struct
{
  json_object *tts[ONB_TTS_COMPONENT_AS + 1];
  OnbBlynkDevice *blynk_device;   /* read back: its metaFieldValues */
  GPtrArray *blynk_namesakes;     /* other devices with our name this station could have made (the race check) */
} RunAnswers;

struct _Run
{
  OnbEngine *engine;
  OnbJob *job;
  OnbRegistryEntry *entry;
  OnbRegistryEntry *old_entry;  /* replace jobs */
  OnbTtsDevice *tts_device;
  OnbTtsDevice *old_tts_device; /* replace jobs: for restoring the old metafields */
  gint64 template_number;       /* Blynk numeric template id, 0 until known */
  GError *claim_refused;        /* the static-token claim's 400, until the token list explains it */

  guint in_flight;              /* requests and commits not yet answered */
  gboolean holds_slot;          /* counted in engine->n_running */
  gboolean resumed;             /* may have run before: look before creating */
  guint timer;                  /* the backoff of a waiting run, armed once it is committed */

  /* Progress of the chains of this run. */
  gboolean blynk_done;
  gboolean tts_done;
  guint blynk_left;             /* metafield write and namesake search */
  guint components_left;        /* JS/NS/AS writes */
  guint reads_left;             /* verify's read-backs */

  /* Why it stops. */
  GError *transient;
  GError *permanent;
  char *fail_reason;            /* what the failed job will say */
  char *fail_message;
  gboolean rolling_back;
  GString *left_behind;         /* what an undo could not remove, in words */
  gboolean handing_back;        /* shutdown: the row is being released */
  char *last_reason;            /* the failure this attempt retries, said again */
  char *last_message;           /*   if the run is handed back before it ends */
  gboolean retry_when_settled;  /* retried while its failure was being committed */

  RunAnswers answers;
};

/* onb-engine.c */
void      onb_engine_update_counters   (OnbEngine *self);
void      onb_engine_emit_job_changed  (OnbEngine *self,
                                        OnbJob    *job);
void      onb_engine_trim_model        (OnbEngine *self);
void      onb_engine_maybe_shut_down   (OnbEngine *self);
gboolean  onb_engine_check_keys        (OnbEngine          *self,
                                        OnbRegistryEntry   *entry,
                                        GError            **error);

/* onb-engine-queue.c */
void      onb_engine_enqueue           (OnbEngine *self,
                                        OnbJob    *job);
void      onb_engine_pump              (OnbEngine *self);
void      onb_engine_claim_new         (OnbEngine *self,
                                        OnbJob    *job);
void      onb_engine_claim_failed      (OnbEngine *self,
                                        OnbJob    *job);
void      onb_engine_hand_back         (OnbEngine *self,
                                        OnbJob    *job);
void      onb_engine_stop_following    (OnbEngine *self);
void      run_take_slot                (Run       *run);
void      run_free_slot                (Run       *run);
void      run_wait                     (Run       *run);
void      run_arm_retry                (Run       *run);
gboolean  run_retry_now                (Run       *run);

/* onb-run.c */
Run        *run_new                    (OnbEngine *engine,
                                        OnbJob    *job);
void        run_free                   (Run       *run);
void        run_start                  (Run       *run);
void        run_begin_op               (Run       *run);
OnbEngine  *run_end_op_take_hold       (Run       *run);
gboolean    run_may_continue           (Run       *run);
gboolean    run_is_replace             (Run       *run);
void        run_commit                 (Run       *run,
                                        RunFunc    then);
void        run_step_done              (Run       *run,
                                        OnbJobStep step,
                                        RunFunc    next);
void        run_step_failed            (Run       *run,
                                        OnbJobStep step,
                                        const GError *error);
void        run_set_permanent          (Run       *run,
                                        const GError *error);
void        run_chain_done             (Run       *run,
                                        gboolean  *chain);
void        run_settle                 (Run       *run);
void        run_hand_back_idle         (Run       *run);
void        run_finish                 (Run       *run,
                                        OnbJobState state);
void        run_clear_answers          (Run       *run);

/* onb-run-blynk.c */
void            run_blynk_chain        (Run       *run);
gboolean        run_blynk_device_known (Run       *run);
void            run_blynk_metafields   (Run       *run);
void            run_blynk_made         (Run            *run,
                                        OnbBlynkDevice *device);
void            run_blynk_adopted      (Run            *run,
                                        OnbBlynkDevice *device);
GHashTable     *run_metafield_values   (OnbRegistryEntry *entry,
                                        OnbTtsDevice     *tts_device);
OnbBlynkDevice *run_blynk_winner       (GPtrArray  *devices);
void            run_blynk_search       (Run              *run,
                                        OnbRegistryEntry *entry,
                                        gint64            skip,
                                        RunSearchFunc     then);

/* onb-run-tts.c */
void      run_tts_chain                (Run       *run);

/* onb-run-verify.c */
void      run_verify                   (Run       *run);

/* onb-run-rollback.c */
void      run_rollback                 (Run       *run);

G_END_DECLS
