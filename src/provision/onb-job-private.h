/* onb-job-private.h: how the engine and the journal fill in a job */
#pragma once

#include "onb-job.h"

G_BEGIN_DECLS

/* A plain copy of a job, safe to hand to the journal thread. */
typedef struct
{
  OnbStepState state;
  guint attempts;
  gboolean owned;  /* this job made the remote record (so a rollback removes it) */
  char *remote_id;
  char *reason;
  char *message;
} OnbJobStepRow;

typedef struct
{
  gint64 id;
  OnbJobKind kind;
  OnbJobState state;
  char *dev_eui;
  char *join_eui;
  char *device_name;
  char *old_dev_eui;
  gboolean delete_old;
  char *source;
  char *code_kind;
  /* The device model's key (onb_model_table_find_key()): its Profile ID,
   * NULL for the implied model or before models were known. Journaled in
   * the column model_name, where earlier versions kept the model's name. */
  char *model_key;
  char *reason;
  char *message;
  guint attempts;
  gint64 blynk_device_id;
  gint64 created_us;
  gint64 updated_us;
  gint64 started_us;
  gint64 finished_us;
  gint64 next_attempt_us;
  OnbJobStepRow steps[ONB_JOB_N_STEPS];
} OnbJobRow;

void         onb_job_row_free          (OnbJobRow    *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbJobRow, onb_job_row_free)

/* What a replace does with the old device's TTS record. */
typedef enum
{
  ONB_JOB_KEEP_OLD_TTS,
  ONB_JOB_DELETE_OLD_TTS,
} OnbJobOldTts;

/* A new device: @source is free text ("camera", "cli"), @code_kind what
 * the label was. */
OnbJob      *onb_job_new_provision     (const char   *dev_eui,
                                        const char   *join_eui,
                                        const char   *device_name,
                                        const char   *source,
                                        const char   *code_kind);
/* A hardware swap: the new device @dev_eui takes over the Blynk device
 * @device_name of @old_dev_eui. */
OnbJob      *onb_job_new_replace       (const char   *dev_eui,
                                        const char   *join_eui,
                                        const char   *device_name,
                                        const char   *old_dev_eui,
                                        OnbJobOldTts  old_tts,
                                        const char   *source,
                                        const char   *code_kind);
OnbJob      *onb_job_new_from_row      (const OnbJobRow *row);
/* (transfer full) */
OnbJobRow   *onb_job_to_row            (OnbJob       *self);
/* Takes every field of @row (a reload from the journal). */
void         onb_job_update_from_row   (OnbJob       *self,
                                        const OnbJobRow *row);

gboolean     onb_job_get_step_owned    (OnbJob       *self,
                                        OnbJobStep    step);
/* Real time of the next attempt of a waiting job, 0 otherwise. */
gint64       onb_job_get_next_attempt_us (OnbJob     *self);

void         onb_job_set_state         (OnbJob       *self,
                                        OnbJobState   state,
                                        const char   *reason,
                                        const char   *message);
void         onb_job_begin_attempt     (OnbJob       *self);
void         onb_job_set_next_attempt  (OnbJob       *self,
                                        gint64        real_time_us);
void         onb_job_set_already_done  (OnbJob       *self,
                                        gboolean      already_done);
void         onb_job_set_blynk_device_id (OnbJob     *self,
                                        gint64        id);
void         onb_job_set_model_key     (OnbJob       *self,
                                        const char   *model_key);
const char  *onb_job_get_model_key     (OnbJob       *self);
/* What the job shows (onb_model_table_get_job_name()): not journaled. */
void         onb_job_set_model_name    (OnbJob       *self,
                                        const char   *model_name);
/* The label's owner token (TR005 "O"), which claims the device: a
 * secret, never journaled nor logged; a resumed job has none until its
 * box is scanned again. */
void         onb_job_set_owner_token   (OnbJob       *self,
                                        const char   *owner_token);
const char  *onb_job_get_owner_token   (OnbJob       *self);
/* Counts an attempt when @state is RUNNING. Reason and message are
 * cleared unless given. */
void         onb_job_set_step          (OnbJob       *self,
                                        OnbJobStep    step,
                                        OnbStepState  state,
                                        const char   *reason,
                                        const char   *message);
/* Who made a step's remote record. */
typedef enum
{
  ONB_JOB_ADOPTED,  /* another run, station or the old device of a replace: never removed */
  ONB_JOB_MADE,     /* this job: a rollback removes it */
} OnbJobOrigin;

/* The remote record a step made or adopted (NULL: none any more). */
void         onb_job_set_step_remote   (OnbJob       *self,
                                        OnbJobStep    step,
                                        const char   *remote_id,
                                        OnbJobOrigin  origin);

G_END_DECLS
