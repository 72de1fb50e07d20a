/* onb-job.h: one box going into both clouds (docs/design.md)
 *
 * A job is keyed by DevEUI and mirrors its journal row. The engine updates
 * it on the main thread only; every property notifies, and "step-changed"
 * is emitted after any step's state, attempts, remote ID or error changes,
 * so a result card can bind to it directly. Jobs returned by history
 * queries are snapshots that do not change.
 *
 * Nothing here is secret: reasons and messages never contain keys or
 * tokens.
 */
#pragma once

#include <glib-object.h>

#include "onb-model-table.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_JOB_KIND_PROVISION, /*< nick=provision >*/
  ONB_JOB_KIND_REPLACE,   /*< nick=replace >*/  /* hardware swap: new TTS device, old Blynk device */
} OnbJobKind;

typedef enum
{
  ONB_JOB_STATE_QUEUED,  /*< nick=queued >*/   /* journaled, waiting for a free slot */
  ONB_JOB_STATE_RUNNING, /*< nick=running >*/
  ONB_JOB_STATE_WAITING, /*< nick=waiting >*/  /* transient failure: retried at next-attempt */
  ONB_JOB_STATE_DONE,    /*< nick=done >*/     /* verified in both clouds */
  ONB_JOB_STATE_FAILED,  /*< nick=failed >*/   /* permanent failure, rolled back; see reason */
} OnbJobState;

/* A filter of job states (history, jobs): every state. */
#define ONB_JOB_STATE_ANY (-1)

/* The reason of a failed job whose undo was refused: something it made is
 * still in a cloud (its step stays done; the message says what). A retry
 * goes on from there. */
#define ONB_JOB_REASON_ROLLBACK_INCOMPLETE "rollback-incomplete"

/* In the order the result card shows them. */
typedef enum
{
  ONB_JOB_STEP_BLYNK_DEVICE,     /*< nick=blynk-device >*/     /* create or claim (replace: find the old one) */
  ONB_JOB_STEP_BLYNK_METAFIELDS, /*< nick=blynk-metafields >*/
  ONB_JOB_STEP_TTS_IS,           /*< nick=tts-is >*/
  ONB_JOB_STEP_TTS_JS,           /*< nick=tts-js >*/
  ONB_JOB_STEP_TTS_NS,           /*< nick=tts-ns >*/
  ONB_JOB_STEP_TTS_AS,           /*< nick=tts-as >*/
  ONB_JOB_STEP_VERIFY,           /*< nick=verify >*/
  ONB_JOB_STEP_TTS_DELETE_OLD,   /*< nick=tts-delete-old >*/   /* replace only, when asked */
  ONB_JOB_STEP_TTS_BY_BLYNK,     /*< nick=tts-by-blynk >*/     /* [tts] created_by = blynk: the TTS device
                                                                * Blynk's integration made, found; the
                                                                * tts-is/js/ns/as steps are skipped then */
  ONB_JOB_STEP_TTS_CLAIM,        /*< nick=tts-claim >*/        /* a label's owner token claimed the device
                                                                * through the Device Claiming Server instead
                                                                * of the JS write (tts-js skipped then); the
                                                                * card shows it where "TTS JS" stands */
} OnbJobStep;

#define ONB_JOB_N_STEPS (ONB_JOB_STEP_TTS_CLAIM + 1)

typedef enum
{
  ONB_STEP_STATE_PENDING,     /*< nick=pending >*/
  ONB_STEP_STATE_RUNNING,     /*< nick=running >*/
  ONB_STEP_STATE_DONE,        /*< nick=done >*/
  ONB_STEP_STATE_RETRYING,    /*< nick=retrying >*/     /* transient failure, will be tried again */
  ONB_STEP_STATE_FAILED,      /*< nick=failed >*/
  ONB_STEP_STATE_SKIPPED,     /*< nick=skipped >*/      /* does not apply to this job */
  ONB_STEP_STATE_ROLLED_BACK, /*< nick=rolled-back >*/  /* was done, undone after a failure */
} OnbStepState;

#define ONB_TYPE_JOB (onb_job_get_type ())
G_DECLARE_FINAL_TYPE (OnbJob, onb_job, ONB, JOB, GObject)

gint64        onb_job_get_id                 (OnbJob      *self);
OnbJobKind    onb_job_get_kind               (OnbJob      *self);
OnbJobState   onb_job_get_state              (OnbJob      *self);
/* done or failed */
gboolean      onb_job_is_finished            (OnbJob      *self);
/* Failed, and not everything it made could be removed again. */
gboolean      onb_job_get_rollback_incomplete (OnbJob     *self);
const char   *onb_job_get_dev_eui            (OnbJob      *self);
const char   *onb_job_get_join_eui           (OnbJob      *self);
/* The Blynk device name (registry Device Name or "eui-<dev eui>"). */
const char   *onb_job_get_device_name        (OnbJob      *self);
/* "eui-<dev eui>" */
const char   *onb_job_get_tts_device_id      (OnbJob      *self);
/* 0 until known. */
gint64        onb_job_get_blynk_device_id    (OnbJob      *self);
/* Replace jobs: the DevEUI of the device being swapped out, else NULL. */
const char   *onb_job_get_old_dev_eui        (OnbJob      *self);
/* Where the scan came from ("camera", "keyboard", "cli", ...), and the
 * label kind (onb_code_kind_to_string()). */
const char   *onb_job_get_source             (OnbJob      *self);
const char   *onb_job_get_code_kind          (OnbJob      *self);
/* The device model's name, as the card, History and `jobs` show it: its
 * [model] section's name; NULL for a model without a section (a station's
 * single product) and for jobs older than models. A job read from the
 * journal learns it from the station's models: onb_job_show_model(). */
const char   *onb_job_get_model_name         (OnbJob      *self);
void          onb_job_show_model             (OnbJob      *self,
                                              OnbModelTable *models);
/* Why it failed or waits: stable reason (e.g. "euis-taken",
 * "network-down") and a sentence for the worker; NULL otherwise. */
const char   *onb_job_get_reason             (OnbJob      *self);
const char   *onb_job_get_message            (OnbJob      *self);
/* Times the job has been run (1 on the first run). */
guint         onb_job_get_attempts           (OnbJob      *self);
/* TRUE when this scan found the box already done by an earlier job. */
gboolean      onb_job_get_already_done       (OnbJob      *self);
GDateTime    *onb_job_get_created            (OnbJob      *self);
GDateTime    *onb_job_get_updated            (OnbJob      *self);
/* NULL until finished. */
GDateTime    *onb_job_get_finished           (OnbJob      *self);
/* When a waiting job runs again; NULL unless waiting. */
GDateTime    *onb_job_get_next_attempt       (OnbJob      *self);

OnbStepState  onb_job_get_step_state         (OnbJob      *self,
                                              OnbJobStep   step);
guint         onb_job_get_step_attempts      (OnbJob      *self,
                                              OnbJobStep   step);
/* The ID a cloud gave the step's record (Blynk device id, TTS device id),
 * NULL when none. */
const char   *onb_job_get_step_remote_id     (OnbJob      *self,
                                              OnbJobStep   step);
const char   *onb_job_get_step_reason        (OnbJob      *self,
                                              OnbJobStep   step);
const char   *onb_job_get_step_message       (OnbJob      *self,
                                              OnbJobStep   step);

const char   *onb_job_state_to_string        (OnbJobState  state);
const char   *onb_job_step_to_string         (OnbJobStep   step);
const char   *onb_step_state_to_string       (OnbStepState state);
/* The step the card shows where the Join Server step stands: tts-claim
 * for a device claimed by its owner token, else tts-js. */
OnbJobStep    onb_job_get_join_step          (OnbJob      *self);
/* The translated label of a step for the result card ("TTS JS"). */
const char   *onb_job_step_get_title         (OnbJobStep   step);
/* -1 when @text is not a state nick. */
int           onb_job_state_from_string      (const char  *text);

G_END_DECLS
