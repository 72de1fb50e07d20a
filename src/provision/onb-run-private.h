/* onb-run-private.h: one run of a job (docs/design.md, "A run")
 *
 * The engine's files call one way: each calls only files below it.
 *
 *   onb-engine.c            the GObject: submit, retry, shutdown, history
 *   onb-engine-queue.c      claims, jobs of other owners, the pending queue;
 *                           the runs' host
 *   onb-engine-model.c      the model, its counters, the end of a shutdown
 *   onb-run.c               a run's phases, and onb_run_end(), where every
 *                           run ends
 *   onb-run-retry.c         wait, backoff and requeue
 *   onb-run-blynk.c         the Blynk chain            (the chains are leaves:
 *   onb-run-tts.c           the TTS chain               they call only the
 *   onb-run-verify.c        verify, the race loser,     files below)
 *                           the old TTS device
 *   onb-run-rollback.c      undoing what a failed job made
 *   onb-run-blynk-search.c  namesakes, the race's winner, a device's values
 *   onb-run-op.c            the operation API: requests in flight, commits,
 *                           steps, chains
 *
 * A run reaches the engine only through its OnbRunHost. Everything here
 * runs on the thread of the default main context.
 */
#pragma once

#include <json.h>

#include "onb-blynk-client.h"
#include "onb-config.h"
#include "onb-engine.h"
#include "onb-job-private.h"
#include "onb-journal-private.h"
#include "onb-model-table.h"
#include "onb-registry.h"
#include "onb-tts-claim.h"
#include "onb-tts-client.h"
#include "onb-tts-repository.h"

G_BEGIN_DECLS

typedef struct _OnbRun OnbRun;
typedef struct _OnbRunHost OnbRunHost;

typedef void (*OnbRunFunc) (OnbRun *run);
/* The devices found (transfer none), or NULL and the error. */
typedef void (*OnbRunSearchFunc) (OnbRun       *run,
                                  GPtrArray    *devices,
                                  const GError *error);

/* What a run asks of the engine that runs it. */
typedef struct
{
  /* The job's state, reason or a step changed. */
  void (*job_changed) (OnbRunHost *host,
                       OnbJob     *job);
  /* Blynk's integration made the TTS device this job meant to make (it
   * was adopted, and recorded in the journal). */
  void (*conflict)    (OnbRunHost *host,
                       OnbJob     *job,
                       const char *device_id);
  /* A waiting run gave its slot back. */
  void (*slot_freed)  (OnbRunHost *host);
  /* The backoff of a waiting run is over: the job is queued again. */
  void (*requeue)     (OnbRunHost *host,
                       OnbJob     *job);
  /* The run has ended and nothing of it is in flight: the host frees it. */
  void (*ended)       (OnbRunHost *host,
                       OnbRun     *run);
} OnbRunHostFuncs;

struct _OnbRunHost
{
  const OnbRunHostFuncs *funcs;
  GObject *owner;               /* held by every operation in flight */
  OnbConfig *config;
  OnbJournal *journal;
  OnbRegistry *registry;
  OnbTtsClient *tts;
  OnbTtsRepository *repository;
  OnbTtsClaim *claim;
  OnbBlynkClient *blynk;
  OnbModelTable *models;
  /* DevEUI → OnbCode: boxes in no device list ([labels]
   * allow_unlisted_claims), added to it by their run once their Join
   * Server is known to take claims. */
  GHashTable *unlisted;
  GCancellable *cancellable;    /* cancelled: requests in flight are abandoned */
  gboolean stopping;            /* shut down or shutting down: nothing new starts */
  guint n_running;              /* runs holding one of max_jobs slots */
  guint min_delay_ms;           /* backoff bounds */
  guint max_delay_ms;
};

/* Where a run is. Only onb-run.c moves a run from phase to phase, except
 * that the end of a backoff queues it again (onb-run-retry.c). A phase
 * changes when something completes: onb-run-op.c calls the run's react
 * function at the end of every operation. */
typedef enum
{
  ONB_RUN_PHASE_QUEUED,     /* waiting for a slot */
  ONB_RUN_PHASE_WORKING,    /* the Blynk and TTS chains, side by side */
  ONB_RUN_PHASE_VERIFYING,  /* read-backs and compare; a race loser's redo; the old TTS device */
  ONB_RUN_PHASE_UNDOING,    /* a permanent failure: removing what this job made */
  ONB_RUN_PHASE_WAITING,    /* a transient failure: the waiting state is committed, then the backoff */
  ONB_RUN_PHASE_ENDING,     /* onb_run_end(): the last commit is on its way */
  ONB_RUN_PHASE_BLOCKED,    /* the journal refuses commits (full disk, read-only folder): no step
                             * starts, outcomes are held in memory and committed again until the
                             * disk takes them; then back to blocked_from */
} OnbRunPhase;

/* How a run ends (onb_run_end()). */
typedef enum
{
  ONB_RUN_DONE,         /* verified in both clouds */
  ONB_RUN_FAILED,       /* for good, after undoing what it made */
  ONB_RUN_HANDED_BACK,  /* shutdown: the row released (queued or waiting) for the next owner */
  ONB_RUN_NOT_CLAIMED,  /* the journal refused the claim: failed, nothing to commit */
} OnbRunOutcome;

/* The parts of a run that finish on their own. */
typedef enum
{
  ONB_RUN_CHAIN_BLYNK  = 1 << 0,
  ONB_RUN_CHAIN_TTS    = 1 << 1,
  ONB_RUN_CHAIN_VERIFY = 1 << 2,  /* verified (and the old TTS device deleted) */
} OnbRunChains;

/* What verify compares: the servers' answers to this run's TTS writes, else
 * what it reads back. Blynk's metafield write answers 204 with no body, so
 * Blynk is always read back. */
typedef struct
{
  json_object *tts[ONB_TTS_COMPONENT_AS + 1];
  OnbBlynkDevice *blynk_device;   /* read back: its metaFieldValues */
  GPtrArray *blynk_namesakes;     /* other devices with our name this station could have made (the race check) */
} OnbRunAnswers;

struct _OnbRun
{
  OnbRunHost *host;
  OnbJob *job;
  OnbRunPhase phase;
  OnbRunFunc react;             /* onb-run.c's answer to an operation's end */
  guint in_flight;              /* requests and commits not yet answered */
  gboolean holds_slot;          /* counted in host->n_running */
  gboolean resumed;             /* may have run before: look before creating */
  gboolean claim_lost;          /* another station took the job over: stop, undo nothing */
  gboolean blynk_creates;       /* [tts] created_by = blynk and a new device: Blynk's integration
                                 * makes the TTS device, this run only finds it */
  gboolean tts_started;         /* the TTS chain of this attempt has started */
  gboolean claims;              /* the label's owner token claims the device instead of the JS write */
  OnbModel *model;              /* the box's device model (the host's table holds it), NULL until known */
  OnbModelSettings *settings;   /* its radio settings, NULL until resolved; where Blynk's
                                 * integration makes the device, only what the model names */
  gint64 blynk_deadline_us;     /* monotonic: when waiting for Blynk's TTS device turns to waiting */
  guint search_timer;           /* the next search for Blynk's TTS device (holds an operation) */
  gint64 searched_us;           /* monotonic: when the last search was sent */
  gboolean ttn_written;         /* verify wrote TheThingsNetwork Device itself */
  GHashTable *metafields_last;  /* a replace's metafield written after the others (its Device EUI) */
  gboolean retry_when_ended;    /* retried while its failure was being committed */
  gboolean start_held;          /* its first requests wait for its start commit (the journal failed lately) */
  guint timer;                  /* the backoff of a waiting run, armed once it is committed; a
                                 * blocked run's next try to commit */
  GError *blocked;              /* why the journal refuses this run's commits */
  OnbRunPhase blocked_from;     /* the phase a blocked run goes back to */

  OnbRegistryEntry *entry;
  OnbRegistryEntry *old_entry;  /* replace jobs */
  OnbTtsDevice *tts_device;
  OnbTtsDevice *old_tts_device; /* replace jobs: for restoring the old metafields */
  gint64 template_number;       /* the Blynk template's number, 0 until known */
  GError *claim_refused;        /* the static-token claim's 400, until the token list explains it */

  /* Progress of this attempt. */
  OnbRunChains chains_done;
  guint blynk_left;             /* metafield write and namesake search */
  guint components_left;        /* JS/NS/AS writes */
  guint reads_left;             /* verify's read-backs */
  OnbRunAnswers answers;

  /* Why it stops. */
  GError *transient;            /* the first transient failure: wait and retry */
  GError *permanent;            /* the first permanent failure: undo and fail */
  char *fail_reason;            /* what the failed job will say */
  char *fail_message;
  GString *left_behind;         /* what an undo could not remove, in words */
  char *last_reason;            /* the failure this attempt retries, said again */
  char *last_message;           /*   if the run is handed back before it ends */
};

/* onb-run.c */
OnbRun     *onb_run_new                (OnbRunHost       *host,
                                        OnbJob           *job);
void        onb_run_free               (OnbRun           *run);
void        onb_run_start              (OnbRun           *run);
void        onb_run_end                (OnbRun           *run,
                                        OnbRunOutcome     outcome);

/* onb-run-retry.c */
void        onb_run_wait               (OnbRun           *run);
void        onb_run_requeue            (OnbRun           *run);
void        onb_run_arm_recommit       (OnbRun           *run);
void        onb_run_arm_retry          (OnbRun           *run);
void        onb_run_disarm_retry       (OnbRun           *run);
gboolean    onb_run_retry_now          (OnbRun           *run);

/* onb-run-blynk.c */
void        onb_run_blynk_chain        (OnbRun           *run);
void        onb_run_blynk_metafields   (OnbRun           *run);

/* onb-run-tts.c */
void        onb_run_tts_chain          (OnbRun           *run);

/* onb-run-verify.c */
void        onb_run_verify             (OnbRun           *run);

/* onb-run-rollback.c */
void        onb_run_rollback           (OnbRun           *run);

/* onb-run-blynk-search.c */
GHashTable     *onb_run_metafield_values   (OnbRun           *run,
                                            OnbRegistryEntry *entry,
                                            const char       *ttn_device);
void            onb_run_blynk_search       (OnbRun           *run,
                                            OnbRegistryEntry *entry,
                                            gint64            skip,
                                            OnbRunSearchFunc  then);
OnbBlynkDevice *onb_run_blynk_winner       (GPtrArray        *devices);
void            onb_run_blynk_record       (OnbRun           *run,
                                            gint64            device_id,
                                            gint64            template_number,
                                            OnbJobOrigin      origin);
void            onb_run_blynk_record_device (OnbRun          *run,
                                             OnbBlynkDevice  *device,
                                             OnbJobOrigin     origin);
gboolean        onb_run_blynk_device_known (OnbRun           *run);

/* onb-run-op.c */
void        onb_run_op_begin           (OnbRun           *run);
GObject    *onb_run_op_end             (OnbRun           *run);
void        onb_run_op_settle          (OnbRun           *run);
gboolean    onb_run_is_stopping        (OnbRun           *run);
gboolean    onb_run_may_continue       (OnbRun           *run);
gboolean    onb_run_is_replace         (OnbRun           *run);
const char *onb_run_ttn_device         (OnbRun           *run);
void        onb_run_set_permanent      (OnbRun           *run,
                                        const GError     *error);
void        onb_run_commit             (OnbRun           *run);
void        onb_run_block              (OnbRun           *run,
                                        const GError     *error);
void        onb_run_recommit           (OnbRun           *run);
void        onb_run_release            (OnbRun           *run);
void        onb_run_step_done          (OnbRun           *run,
                                        OnbJobStep        step,
                                        OnbRunFunc        next);
void        onb_run_step_failed        (OnbRun           *run,
                                        OnbJobStep        step,
                                        const GError     *error);
void        onb_run_chain_done         (OnbRun           *run,
                                        OnbRunChains      chain);
void        onb_run_chain_reopen       (OnbRun           *run,
                                        OnbRunChains      chain);
void        onb_run_clear_answers      (OnbRun           *run);
gboolean    onb_run_check_keys         (const char       *lorawan_version,
                                        OnbRegistryEntry *entry,
                                        GError          **error);
/* TRUE when a job failing with @error waits and tries again (a transient
 * failure, or one a later event may end) instead of failing for good. */
gboolean    onb_run_error_waits        (const GError     *error);
/* FALSE, and in words: a box in no device list whose Join Server does not
 * take claims cannot be onboarded. */
gboolean    onb_run_refuse_unlisted    (const char       *join_eui,
                                        GError          **error);
OnbModel   *onb_run_find_model         (OnbRun           *run,
                                        GError          **error);
/* TRUE when Blynk's integration makes the TTS device of a job of @kind
 * ([tts] created_by = blynk). A replace makes its new TTS device itself
 * in either mode, as Blynk's guide orders it (docs/blynk-api.md,
 * Automated Device Onboarding). */
gboolean    onb_run_blynk_makes        (OnbRunHost       *host,
                                        OnbJobKind        kind);
/* What a device of @model gets, as far as it is known without a
 * request: where Blynk's integration makes the device, only what the
 * model names (verify checks those; no versions or plan are needed);
 * else the model's settings with the Device Repository's answer, when
 * the model needs one and it is kept. NULL without @error when the
 * repository must be asked first; NULL and @error (ONB_MODEL_ERROR, in
 * words) when the station cannot onboard the box. (transfer full) */
OnbModelSettings *onb_run_model_settings (OnbRunHost     *host,
                                          OnbModel       *model,
                                          OnbJobKind      kind,
                                          GError        **error);
const char *onb_run_blynk_template     (OnbRun           *run);
const char *onb_run_metafield_name     (OnbRun           *run,
                                        OnbBlynkRole      role);

G_END_DECLS
