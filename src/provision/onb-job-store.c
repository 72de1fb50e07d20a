/* onb-job-store.c: where the journal keeps its jobs */

#define G_LOG_DOMAIN "onb-journal"

#include "config.h"

#include "onb-job-store.h"
#include "onb-provision-enums.h"

G_DEFINE_INTERFACE (OnbJobStore, onb_job_store, G_TYPE_OBJECT)

static void
onb_job_store_default_init (OnbJobStoreInterface *iface)
{
}

#define IFACE(self) ONB_JOB_STORE_GET_IFACE (self)

gboolean
onb_job_store_begin (OnbJobStore  *self,
                     gboolean      claims,
                     GError      **error)
{
  return IFACE (self)->begin (self, claims, error);
}

gboolean
onb_job_store_commit (OnbJobStore  *self,
                      GError      **error)
{
  return IFACE (self)->commit (self, error);
}

void
onb_job_store_rollback (OnbJobStore *self)
{
  IFACE (self)->rollback (self);
}

gboolean
onb_job_store_op_begin (OnbJobStore  *self,
                        GError      **error)
{
  return IFACE (self)->op_begin (self, error);
}

void
onb_job_store_op_end (OnbJobStore *self,
                      gboolean     keep)
{
  IFACE (self)->op_end (self, keep);
}

GPtrArray *
onb_job_store_find (OnbJobStore         *self,
                    const OnbJobFilter  *filter,
                    GArray              *foreign,
                    GError             **error)
{
  return IFACE (self)->find (self, filter, foreign, error);
}

gboolean
onb_job_store_write (OnbJobStore  *self,
                     OnbJobRow    *row,
                     gboolean      claim,
                     GError      **error)
{
  return IFACE (self)->write (self, row, claim, error);
}

gboolean
onb_job_store_take (OnbJobStore  *self,
                    gint64        id,
                    GError      **error)
{
  return IFACE (self)->take (self, id, error);
}

gboolean
onb_job_store_add_conflict (OnbJobStore               *self,
                            const OnbJournalConflict  *conflict,
                            GError                   **error)
{
  return IFACE (self)->add_conflict (self, conflict, error);
}

OnbJournalConflict *
onb_job_store_last_conflict (OnbJobStore  *self,
                             guint        *n_conflicts,
                             GError      **error)
{
  return IFACE (self)->last_conflict (self, n_conflicts, error);
}

OnbDeviceStates *
onb_job_store_device_states (OnbJobStore         *self,
                             const char          *station,
                             const char * const  *dev_euis,
                             GError             **error)
{
  return IFACE (self)->device_states (self, station, dev_euis, error);
}

gboolean
onb_job_store_check_space (OnbJobStore  *self,
                           GError      **error)
{
  return IFACE (self)->check_space (self, error);
}

guint
onb_job_store_renew (OnbJobStore *self)
{
  return IFACE (self)->renew (self);
}

GPtrArray *
onb_job_store_stations (OnbJobStore  *self,
                        gint64        since_us,
                        GError      **error)
{
  return IFACE (self)->stations (self, since_us, error);
}

/* Rows and values */

int
onb_job_enum_from_nick (GType       type,
                        const char *nick)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *value = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;
  int result = value != NULL ? value->value : 0;

  g_type_class_unref (klass);
  return result;
}

const char *
onb_job_enum_to_nick (GType type,
                      int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  const char *nick = v != NULL ? v->value_nick : "";

  g_type_class_unref (klass);
  return nick;
}

static gint64
number (const char *value)
{
  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : 0;
}

OnbJobRow *
onb_job_row_from_values (const char * const *values)
{
  OnbJobRow *row = g_new0 (OnbJobRow, 1);

  row->id = number (values[0]);
  row->dev_eui = g_strdup (values[1]);
  row->kind = onb_job_enum_from_nick (ONB_TYPE_JOB_KIND, values[2]);
  row->state = onb_job_enum_from_nick (ONB_TYPE_JOB_STATE, values[3]);
  row->join_eui = g_strdup (values[4]);
  row->device_name = g_strdup (values[5]);
  row->old_dev_eui = g_strdup (values[6]);
  row->delete_old = number (values[7]) != 0;
  row->source = g_strdup (values[8]);
  row->code_kind = g_strdup (values[9]);
  row->reason = g_strdup (values[10]);
  row->message = g_strdup (values[11]);
  row->attempts = number (values[12]);
  row->blynk_device_id = number (values[13]);
  row->created_us = number (values[14]);
  row->updated_us = number (values[15]);
  row->started_us = number (values[16]);
  row->finished_us = number (values[17]);
  row->next_attempt_us = number (values[18]);
  row->model_key = g_strdup (values[19]);
  return row;
}

void
onb_job_row_get_values (const OnbJobRow  *row,
                        char            **values)
{
  char **v = values;

  *v++ = g_strdup (row->dev_eui);
  *v++ = g_strdup (onb_job_enum_to_nick (ONB_TYPE_JOB_KIND, row->kind));
  *v++ = g_strdup (onb_job_enum_to_nick (ONB_TYPE_JOB_STATE, row->state));
  *v++ = g_strdup (row->join_eui);
  *v++ = g_strdup (row->device_name);
  *v++ = g_strdup (row->old_dev_eui);
  *v++ = g_strdup (row->delete_old ? "1" : "0");
  *v++ = g_strdup (row->source);
  *v++ = g_strdup (row->code_kind);
  *v++ = g_strdup (row->reason);
  *v++ = g_strdup (row->message);
  *v++ = g_strdup_printf ("%u", row->attempts);
  *v++ = g_strdup_printf ("%" G_GINT64_FORMAT, row->blynk_device_id);
  *v++ = g_strdup_printf ("%" G_GINT64_FORMAT, row->created_us);
  *v++ = g_strdup_printf ("%" G_GINT64_FORMAT, row->updated_us);
  *v++ = g_strdup_printf ("%" G_GINT64_FORMAT, row->started_us);
  *v++ = g_strdup_printf ("%" G_GINT64_FORMAT, row->finished_us);
  *v++ = g_strdup_printf ("%" G_GINT64_FORMAT, row->next_attempt_us);
  *v++ = g_strdup (row->model_key);
  g_assert (v - values == ONB_JOB_N_COLUMNS - 1);
}

void
onb_job_row_set_step (OnbJobRow          *row,
                      const char * const *values)
{
  OnbJobStep step = onb_job_enum_from_nick (ONB_TYPE_JOB_STEP, values[0]);
  OnbJobStepRow *s = &row->steps[step];

  s->state = onb_job_enum_from_nick (ONB_TYPE_STEP_STATE, values[1]);
  s->attempts = number (values[2]);
  s->owned = number (values[3]) != 0;
  g_free (s->remote_id);
  s->remote_id = g_strdup (values[4]);
  g_free (s->reason);
  s->reason = g_strdup (values[5]);
  g_free (s->message);
  s->message = g_strdup (values[6]);
}

void
onb_job_row_get_step_values (const OnbJobRow  *row,
                             guint             step,
                             char            **values)
{
  const OnbJobStepRow *s = &row->steps[step];

  values[0] = g_strdup (onb_job_enum_to_nick (ONB_TYPE_JOB_STEP, step));
  values[1] = g_strdup (onb_job_enum_to_nick (ONB_TYPE_STEP_STATE, s->state));
  values[2] = g_strdup_printf ("%u", s->attempts);
  values[3] = g_strdup (s->owned ? "1" : "0");
  values[4] = g_strdup (s->remote_id);
  values[5] = g_strdup (s->reason);
  values[6] = g_strdup (s->message);
}

void
onb_job_values_clear (char  **values,
                      guint   n_values)
{
  for (guint i = 0; i < n_values; i++)
    g_clear_pointer (&values[i], g_free);
}

void
onb_job_states_add (OnbDeviceStates *states,
                    const char      *dev_eui,
                    const char      *state,
                    const char      *reason,
                    const char      *message)
{
  OnbDeviceProgress progress = g_strcmp0 (state, "done") == 0     ? ONB_DEVICE_PROGRESS_DONE
                               : g_strcmp0 (state, "failed") == 0 ? ONB_DEVICE_PROGRESS_FAILED
                                                                  : ONB_DEVICE_PROGRESS_TO_DO;

  onb_device_states_add (states, dev_eui, progress, reason, message);
}

/* Here, beside the stores that make them, so that a store never calls back
 * into the journal above it. */
void
onb_journal_station_free (OnbJournalStation *station)
{
  if (station == NULL)
    return;
  g_free (station->name);
  g_free (station);
}
