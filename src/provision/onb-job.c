/* onb-job.c: one box going into both clouds */

#define G_LOG_DOMAIN "onb-job"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "onb-job-private.h"
#include "onb-provision-enums.h"

struct _OnbJob
{
  GObject parent_instance;
  OnbJobRow row;
  gboolean already_done;
  GDateTime *created;
  GDateTime *updated;
  GDateTime *finished;
  GDateTime *next_attempt;
  char *tts_device_id;
  char *owner_token;    /* a secret: kept in memory only */
  char *model_name;     /* shown; the row keeps the model's key */
};

G_DEFINE_FINAL_TYPE (OnbJob, onb_job, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_STATE,
  PROP_DEV_EUI,
  PROP_JOIN_EUI,
  PROP_DEVICE_NAME,
  PROP_TTS_DEVICE_ID,
  PROP_BLYNK_DEVICE_ID,
  PROP_OLD_DEV_EUI,
  PROP_SOURCE,
  PROP_CODE_KIND,
  PROP_MODEL_NAME,
  PROP_REASON,
  PROP_MESSAGE,
  PROP_ATTEMPTS,
  PROP_ALREADY_DONE,
  PROP_UPDATED,
  PROP_FINISHED,
  PROP_NEXT_ATTEMPT,
  PROP_STEP_FIRST,
  N_PROPS = PROP_STEP_FIRST + ONB_JOB_N_STEPS
};

enum {
  STEP_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
step_row_clear (OnbJobStepRow *step)
{
  g_clear_pointer (&step->remote_id, g_free);
  g_clear_pointer (&step->reason, g_free);
  g_clear_pointer (&step->message, g_free);
}

static void
row_clear (OnbJobRow *row)
{
  g_clear_pointer (&row->dev_eui, g_free);
  g_clear_pointer (&row->join_eui, g_free);
  g_clear_pointer (&row->device_name, g_free);
  g_clear_pointer (&row->old_dev_eui, g_free);
  g_clear_pointer (&row->source, g_free);
  g_clear_pointer (&row->code_kind, g_free);
  g_clear_pointer (&row->model_key, g_free);
  g_clear_pointer (&row->reason, g_free);
  g_clear_pointer (&row->message, g_free);
  for (guint i = 0; i < ONB_JOB_N_STEPS; i++)
    step_row_clear (&row->steps[i]);
}

static void
row_copy (OnbJobRow       *dest,
          const OnbJobRow *src)
{
  *dest = *src;
  dest->dev_eui = g_strdup (src->dev_eui);
  dest->join_eui = g_strdup (src->join_eui);
  dest->device_name = g_strdup (src->device_name);
  dest->old_dev_eui = g_strdup (src->old_dev_eui);
  dest->source = g_strdup (src->source);
  dest->code_kind = g_strdup (src->code_kind);
  dest->model_key = g_strdup (src->model_key);
  dest->reason = g_strdup (src->reason);
  dest->message = g_strdup (src->message);
  for (guint i = 0; i < ONB_JOB_N_STEPS; i++)
    {
      dest->steps[i].remote_id = g_strdup (src->steps[i].remote_id);
      dest->steps[i].reason = g_strdup (src->steps[i].reason);
      dest->steps[i].message = g_strdup (src->steps[i].message);
    }
}

void
onb_job_row_free (OnbJobRow *row)
{
  if (row == NULL)
    return;
  row_clear (row);
  g_free (row);
}

static GDateTime *
date_time_from_us (gint64 us)
{
  g_autoptr(GDateTime) seconds = NULL;

  if (us <= 0)
    return NULL;
  seconds = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  return g_date_time_add (seconds, us % G_USEC_PER_SEC);
}

/* GDateTimes follow the row's microsecond fields. */
static void
sync_times (OnbJob *self)
{
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->updated, g_date_time_unref);
  g_clear_pointer (&self->finished, g_date_time_unref);
  g_clear_pointer (&self->next_attempt, g_date_time_unref);
  self->created = date_time_from_us (self->row.created_us);
  self->updated = date_time_from_us (self->row.updated_us);
  self->finished = date_time_from_us (self->row.finished_us);
  if (self->row.state == ONB_JOB_STATE_WAITING)
    self->next_attempt = date_time_from_us (self->row.next_attempt_us);
}

static void
touch (OnbJob *self)
{
  self->row.updated_us = g_get_real_time ();
  sync_times (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED]);
}

static void
onb_job_finalize (GObject *object)
{
  OnbJob *self = (OnbJob *) object;

  row_clear (&self->row);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->updated, g_date_time_unref);
  g_clear_pointer (&self->finished, g_date_time_unref);
  g_clear_pointer (&self->next_attempt, g_date_time_unref);
  g_free (self->tts_device_id);
  g_free (self->model_name);
  onb_job_set_owner_token (self, NULL);
  G_OBJECT_CLASS (onb_job_parent_class)->finalize (object);
}

static void
onb_job_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  OnbJob *self = ONB_JOB (object);

  if (prop_id >= PROP_STEP_FIRST && prop_id < N_PROPS)
    {
      g_value_set_enum (value, self->row.steps[prop_id - PROP_STEP_FIRST].state);
      return;
    }

  switch (prop_id)
    {
    case PROP_ID: g_value_set_int64 (value, self->row.id); break;
    case PROP_KIND: g_value_set_enum (value, self->row.kind); break;
    case PROP_STATE: g_value_set_enum (value, self->row.state); break;
    case PROP_DEV_EUI: g_value_set_string (value, self->row.dev_eui); break;
    case PROP_JOIN_EUI: g_value_set_string (value, self->row.join_eui); break;
    case PROP_DEVICE_NAME: g_value_set_string (value, self->row.device_name); break;
    case PROP_TTS_DEVICE_ID: g_value_set_string (value, onb_job_get_tts_device_id (self)); break;
    case PROP_BLYNK_DEVICE_ID: g_value_set_int64 (value, self->row.blynk_device_id); break;
    case PROP_OLD_DEV_EUI: g_value_set_string (value, self->row.old_dev_eui); break;
    case PROP_SOURCE: g_value_set_string (value, self->row.source); break;
    case PROP_CODE_KIND: g_value_set_string (value, self->row.code_kind); break;
    case PROP_MODEL_NAME: g_value_set_string (value, self->model_name); break;
    case PROP_REASON: g_value_set_string (value, self->row.reason); break;
    case PROP_MESSAGE: g_value_set_string (value, self->row.message); break;
    case PROP_ATTEMPTS: g_value_set_uint (value, self->row.attempts); break;
    case PROP_ALREADY_DONE: g_value_set_boolean (value, self->already_done); break;
    case PROP_UPDATED: g_value_set_boxed (value, self->updated); break;
    case PROP_FINISHED: g_value_set_boxed (value, self->finished); break;
    case PROP_NEXT_ATTEMPT: g_value_set_boxed (value, self->next_attempt); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_job_class_init (OnbJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = onb_job_finalize;
  object_class->get_property = onb_job_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, ONB_TYPE_JOB_KIND, ONB_JOB_KIND_PROVISION, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, ONB_TYPE_JOB_STATE, ONB_JOB_STATE_QUEUED, flags);
  properties[PROP_DEV_EUI] = g_param_spec_string ("dev-eui", NULL, NULL, NULL, flags);
  properties[PROP_JOIN_EUI] = g_param_spec_string ("join-eui", NULL, NULL, NULL, flags);
  properties[PROP_DEVICE_NAME] = g_param_spec_string ("device-name", NULL, NULL, NULL, flags);
  properties[PROP_TTS_DEVICE_ID] = g_param_spec_string ("tts-device-id", NULL, NULL, NULL, flags);
  properties[PROP_BLYNK_DEVICE_ID] = g_param_spec_int64 ("blynk-device-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_OLD_DEV_EUI] = g_param_spec_string ("old-dev-eui", NULL, NULL, NULL, flags);
  properties[PROP_SOURCE] = g_param_spec_string ("source", NULL, NULL, NULL, flags);
  properties[PROP_CODE_KIND] = g_param_spec_string ("code-kind", NULL, NULL, NULL, flags);
  properties[PROP_MODEL_NAME] = g_param_spec_string ("model-name", NULL, NULL, NULL, flags);
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, flags);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, flags);
  properties[PROP_ATTEMPTS] = g_param_spec_uint ("attempts", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_ALREADY_DONE] = g_param_spec_boolean ("already-done", NULL, NULL, FALSE, flags);
  properties[PROP_UPDATED] = g_param_spec_boxed ("updated", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_FINISHED] = g_param_spec_boxed ("finished", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_NEXT_ATTEMPT] = g_param_spec_boxed ("next-attempt", NULL, NULL, G_TYPE_DATE_TIME, flags);
  /* One property per step, "step-blynk-device" … "step-tts-delete-old". */
  for (guint i = 0; i < ONB_JOB_N_STEPS; i++)
    {
      g_autofree char *name = g_strconcat ("step-", onb_job_step_to_string (i), NULL);

      properties[PROP_STEP_FIRST + i] =
        g_param_spec_enum (g_intern_string (name), NULL, NULL, ONB_TYPE_STEP_STATE, ONB_STEP_STATE_PENDING,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY);
    }
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STEP_CHANGED] =
    g_signal_new ("step-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, ONB_TYPE_JOB_STEP);
}

static void
onb_job_init (OnbJob *self)
{
}

static OnbJob *
job_new (OnbJobKind    kind,
         const char   *dev_eui,
         const char   *join_eui,
         const char   *device_name,
         const char   *old_dev_eui,
         OnbJobOldTts  old_tts,
         const char   *source,
         const char   *code_kind)
{
  OnbJob *self = g_object_new (ONB_TYPE_JOB, NULL);

  self->row.kind = kind;
  self->row.state = ONB_JOB_STATE_QUEUED;
  self->row.dev_eui = g_ascii_strup (dev_eui, -1);
  self->row.join_eui = g_ascii_strup (join_eui, -1);
  self->row.device_name = g_strdup (device_name);
  self->row.old_dev_eui = old_dev_eui != NULL ? g_ascii_strup (old_dev_eui, -1) : NULL;
  self->row.delete_old = old_tts == ONB_JOB_DELETE_OLD_TTS;
  self->row.source = g_strdup (source);
  self->row.code_kind = g_strdup (code_kind);
  self->row.created_us = self->row.updated_us = g_get_real_time ();
  self->tts_device_id = g_strconcat ("eui-", dev_eui, NULL);
  for (char *c = self->tts_device_id; *c; c++)
    *c = g_ascii_tolower (*c);
  if (kind != ONB_JOB_KIND_REPLACE || old_tts != ONB_JOB_DELETE_OLD_TTS)
    self->row.steps[ONB_JOB_STEP_TTS_DELETE_OLD].state = ONB_STEP_STATE_SKIPPED;
  sync_times (self);
  return self;
}

OnbJob *
onb_job_new_provision (const char *dev_eui,
                       const char *join_eui,
                       const char *device_name,
                       const char *source,
                       const char *code_kind)
{
  return job_new (ONB_JOB_KIND_PROVISION, dev_eui, join_eui, device_name, NULL, ONB_JOB_KEEP_OLD_TTS, source,
                  code_kind);
}

OnbJob *
onb_job_new_replace (const char   *dev_eui,
                     const char   *join_eui,
                     const char   *device_name,
                     const char   *old_dev_eui,
                     OnbJobOldTts  old_tts,
                     const char   *source,
                     const char   *code_kind)
{
  g_return_val_if_fail (old_dev_eui != NULL, NULL);

  return job_new (ONB_JOB_KIND_REPLACE, dev_eui, join_eui, device_name, old_dev_eui, old_tts, source, code_kind);
}

OnbJob *
onb_job_new_from_row (const OnbJobRow *row)
{
  OnbJob *self = g_object_new (ONB_TYPE_JOB, NULL);

  row_copy (&self->row, row);
  self->tts_device_id = g_strconcat ("eui-", row->dev_eui, NULL);
  for (char *c = self->tts_device_id; *c; c++)
    *c = g_ascii_tolower (*c);
  sync_times (self);
  return self;
}

OnbJobRow *
onb_job_to_row (OnbJob *self)
{
  OnbJobRow *row = g_new0 (OnbJobRow, 1);

  row_copy (row, &self->row);
  return row;
}

void
onb_job_update_from_row (OnbJob          *self,
                         const OnbJobRow *row)
{
  OnbJobRow old = self->row;

  g_object_freeze_notify (G_OBJECT (self));
  row_copy (&self->row, row);
  sync_times (self);
  if (old.id != row->id)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
  if (old.state != row->state)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (old.blynk_device_id != row->blynk_device_id)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLYNK_DEVICE_ID]);
  if (old.attempts != row->attempts)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTEMPTS]);
  if (g_strcmp0 (old.reason, row->reason) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASON]);
  if (g_strcmp0 (old.message, row->message) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_ATTEMPT]);
  for (guint i = 0; i < ONB_JOB_N_STEPS; i++)
    if (old.steps[i].state != row->steps[i].state)
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP_FIRST + i]);
  row_clear (&old);
  g_object_thaw_notify (G_OBJECT (self));
  for (guint i = 0; i < ONB_JOB_N_STEPS; i++)
    g_signal_emit (self, signals[STEP_CHANGED], 0, (OnbJobStep) i);
}

#define STEP(self, step) (&(self)->row.steps[(step)])

gint64 onb_job_get_id (OnbJob *self) { return self->row.id; }
OnbJobKind onb_job_get_kind (OnbJob *self) { return self->row.kind; }
OnbJobState onb_job_get_state (OnbJob *self) { return self->row.state; }
const char *onb_job_get_dev_eui (OnbJob *self) { return self->row.dev_eui; }
const char *onb_job_get_join_eui (OnbJob *self) { return self->row.join_eui; }
const char *onb_job_get_device_name (OnbJob *self) { return self->row.device_name; }
/* The device Blynk's integration made, once found or adopted; else ours. */
const char *
onb_job_get_tts_device_id (OnbJob *self)
{
  const char *found = self->row.steps[ONB_JOB_STEP_TTS_BY_BLYNK].remote_id;

  if (found == NULL)
    found = self->row.steps[ONB_JOB_STEP_TTS_IS].remote_id;
  return found != NULL ? found : self->tts_device_id;
}
gint64 onb_job_get_blynk_device_id (OnbJob *self) { return self->row.blynk_device_id; }
const char *onb_job_get_old_dev_eui (OnbJob *self) { return self->row.old_dev_eui; }
const char *onb_job_get_source (OnbJob *self) { return self->row.source; }
const char *onb_job_get_code_kind (OnbJob *self) { return self->row.code_kind; }
const char *onb_job_get_model_name (OnbJob *self) { return self->model_name; }
const char *onb_job_get_model_key (OnbJob *self) { return self->row.model_key; }
const char *onb_job_get_reason (OnbJob *self) { return self->row.reason; }
const char *onb_job_get_message (OnbJob *self) { return self->row.message; }
guint onb_job_get_attempts (OnbJob *self) { return self->row.attempts; }
gboolean onb_job_get_already_done (OnbJob *self) { return self->already_done; }
GDateTime *onb_job_get_created (OnbJob *self) { return self->created; }
GDateTime *onb_job_get_updated (OnbJob *self) { return self->updated; }
GDateTime *onb_job_get_finished (OnbJob *self) { return self->finished; }
GDateTime *onb_job_get_next_attempt (OnbJob *self) { return self->next_attempt; }

gboolean
onb_job_is_finished (OnbJob *self)
{
  return self->row.state == ONB_JOB_STATE_DONE || self->row.state == ONB_JOB_STATE_FAILED;
}

gboolean
onb_job_get_rollback_incomplete (OnbJob *self)
{
  return self->row.state == ONB_JOB_STATE_FAILED &&
         g_strcmp0 (self->row.reason, ONB_JOB_REASON_ROLLBACK_INCOMPLETE) == 0;
}

gint64 onb_job_get_next_attempt_us (OnbJob *self) { return self->row.next_attempt_us; }

OnbStepState onb_job_get_step_state (OnbJob *self, OnbJobStep step) { return STEP (self, step)->state; }
guint onb_job_get_step_attempts (OnbJob *self, OnbJobStep step) { return STEP (self, step)->attempts; }
const char *onb_job_get_step_remote_id (OnbJob *self, OnbJobStep step) { return STEP (self, step)->remote_id; }
const char *onb_job_get_step_reason (OnbJob *self, OnbJobStep step) { return STEP (self, step)->reason; }
const char *onb_job_get_step_message (OnbJob *self, OnbJobStep step) { return STEP (self, step)->message; }
gboolean onb_job_get_step_owned (OnbJob *self, OnbJobStep step) { return STEP (self, step)->owned; }

void
onb_job_set_state (OnbJob      *self,
                   OnbJobState  state,
                   const char  *reason,
                   const char  *message)
{
  /* Copy first: the caller may pass the job's own reason back in. */
  char *new_reason = g_strdup (reason);
  char *new_message = g_strdup (message);

  g_object_freeze_notify (G_OBJECT (self));
  self->row.state = state;
  g_free (self->row.reason);
  self->row.reason = new_reason;
  g_free (self->row.message);
  self->row.message = new_message;
  if (state == ONB_JOB_STATE_DONE || state == ONB_JOB_STATE_FAILED)
    self->row.finished_us = g_get_real_time ();
  else
    self->row.finished_us = 0;
  if (state != ONB_JOB_STATE_WAITING)
    self->row.next_attempt_us = 0;
  touch (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASON]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_ATTEMPT]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
onb_job_begin_attempt (OnbJob *self)
{
  self->row.attempts++;
  self->row.started_us = g_get_real_time ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTEMPTS]);
}

void
onb_job_set_next_attempt (OnbJob *self,
                          gint64  real_time_us)
{
  self->row.next_attempt_us = real_time_us;
  sync_times (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_ATTEMPT]);
}

void
onb_job_set_already_done (OnbJob   *self,
                          gboolean  already_done)
{
  self->already_done = already_done;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALREADY_DONE]);
}

void
onb_job_set_blynk_device_id (OnbJob *self,
                             gint64  id)
{
  self->row.blynk_device_id = id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLYNK_DEVICE_ID]);
}

void
onb_job_set_model_key (OnbJob     *self,
                       const char *model_key)
{
  g_free (self->row.model_key);
  self->row.model_key = g_strdup (model_key);
}

void
onb_job_show_model (OnbJob        *self,
                    OnbModelTable *models)
{
  g_return_if_fail (ONB_IS_JOB (self));
  g_return_if_fail (ONB_IS_MODEL_TABLE (models));

  onb_job_set_model_name (self, onb_model_table_get_job_name (models, self->row.model_key));
}

void
onb_job_set_model_name (OnbJob     *self,
                        const char *model_name)
{
  if (g_strcmp0 (self->model_name, model_name) == 0)
    return;
  g_free (self->model_name);
  self->model_name = g_strdup (model_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_NAME]);
}

void
onb_job_set_step (OnbJob       *self,
                  OnbJobStep    step,
                  OnbStepState  state,
                  const char   *reason,
                  const char   *message)
{
  OnbJobStepRow *s = STEP (self, step);
  char *new_reason = g_strdup (reason);
  char *new_message = g_strdup (message);

  s->state = state;
  if (state == ONB_STEP_STATE_RUNNING)
    s->attempts++;
  g_free (s->reason);
  s->reason = new_reason;
  g_free (s->message);
  s->message = new_message;
  touch (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP_FIRST + step]);
  g_signal_emit (self, signals[STEP_CHANGED], 0, step);
}

void
onb_job_set_step_remote (OnbJob       *self,
                         OnbJobStep    step,
                         const char   *remote_id,
                         OnbJobOrigin  origin)
{
  OnbJobStepRow *s = STEP (self, step);
  /* @remote_id may be this very string (onb_job_get_tts_device_id()). */
  char *copy = g_strdup (remote_id);

  g_free (s->remote_id);
  s->remote_id = copy;
  s->owned = origin == ONB_JOB_MADE;
  if (step == ONB_JOB_STEP_TTS_IS || step == ONB_JOB_STEP_TTS_BY_BLYNK)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TTS_DEVICE_ID]);
  g_signal_emit (self, signals[STEP_CHANGED], 0, step);
}

static const char *
enum_nick (GType type,
           int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  const char *nick = v != NULL ? v->value_nick : NULL;

  /* Enum classes are never freed once made; the nick outlives the ref. */
  g_type_class_unref (klass);
  return nick;
}

const char *onb_job_state_to_string (OnbJobState state) { return enum_nick (ONB_TYPE_JOB_STATE, state); }
const char *onb_job_step_to_string (OnbJobStep step) { return enum_nick (ONB_TYPE_JOB_STEP, step); }
const char *onb_step_state_to_string (OnbStepState state) { return enum_nick (ONB_TYPE_STEP_STATE, state); }

int
onb_job_state_from_string (const char *text)
{
  GEnumClass *klass = g_type_class_ref (ONB_TYPE_JOB_STATE);
  GEnumValue *v = text != NULL ? g_enum_get_value_by_nick (klass, text) : NULL;
  int value = v != NULL ? v->value : -1;

  g_type_class_unref (klass);
  return value;
}

OnbJobStep
onb_job_get_join_step (OnbJob *self)
{
  OnbStepState claim;

  g_return_val_if_fail (ONB_IS_JOB (self), ONB_JOB_STEP_TTS_JS);

  claim = onb_job_get_step_state (self, ONB_JOB_STEP_TTS_CLAIM);
  return claim != ONB_STEP_STATE_PENDING && claim != ONB_STEP_STATE_SKIPPED ? ONB_JOB_STEP_TTS_CLAIM
                                                                              : ONB_JOB_STEP_TTS_JS;
}

const char *
onb_job_step_get_title (OnbJobStep step)
{
  switch (step)
    {
    case ONB_JOB_STEP_BLYNK_DEVICE: return _("Blynk device");
    case ONB_JOB_STEP_BLYNK_METAFIELDS: return _("Blynk metafields");
    case ONB_JOB_STEP_TTS_IS: return _("TTS IS");
    case ONB_JOB_STEP_TTS_JS: return _("TTS JS");
    case ONB_JOB_STEP_TTS_NS: return _("TTS NS");
    case ONB_JOB_STEP_TTS_AS: return _("TTS AS");
    case ONB_JOB_STEP_VERIFY: return _("Verified");
    case ONB_JOB_STEP_TTS_DELETE_OLD: return _("Old TTS device removed");
    case ONB_JOB_STEP_TTS_BY_BLYNK: return _("TTS (by Blynk)");
    case ONB_JOB_STEP_TTS_CLAIM: return _("Claimed");
    default: return NULL;
    }
}

void
onb_job_set_owner_token (OnbJob     *self,
                         const char *owner_token)
{
  if (self->owner_token != NULL)
    memset (self->owner_token, 0, strlen (self->owner_token));
  g_free (self->owner_token);
  self->owner_token = g_strdup (owner_token);
}

const char *
onb_job_get_owner_token (OnbJob *self)
{
  return self->owner_token;
}
