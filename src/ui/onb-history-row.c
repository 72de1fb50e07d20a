/* onb-history-row.c: one job in the history list
 *
 * What happened to a box, in words: its state, when, every step, and for a
 * failure the reason. Retry for a failed or waiting job; Replace for a
 * device that was done (the hardware swap starts from here).
 */

#define G_LOG_DOMAIN "onb-history-row"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-history-row.h"

struct _OnbHistoryRow
{
  GtkListBoxRow  parent_instance;

  GtkImage      *icon;
  GtkLabel      *title;
  GtkLabel      *subtitle;
  GtkLabel      *steps;
  GtkLabel      *message;
  GtkButton     *retry_button;
  GtkButton     *replace_button;

  OnbJob        *job;
};

G_DEFINE_FINAL_TYPE (OnbHistoryRow, onb_history_row, GTK_TYPE_LIST_BOX_ROW)

static const char *
state_words (OnbJobState state)
{
  switch (state)
    {
    case ONB_JOB_STATE_QUEUED:  return _("Queued");
    case ONB_JOB_STATE_RUNNING: return _("Creating");
    case ONB_JOB_STATE_WAITING: return _("Waiting to retry");
    case ONB_JOB_STATE_DONE:    return _("Done");
    case ONB_JOB_STATE_FAILED:  return _("Failed");
    default:
      g_return_val_if_reached (NULL);
    }
}

static const char *
state_icon (OnbJobState state)
{
  switch (state)
    {
    case ONB_JOB_STATE_QUEUED:
    case ONB_JOB_STATE_RUNNING: return "content-loading-symbolic";
    case ONB_JOB_STATE_WAITING: return "emblem-synchronizing-symbolic";
    case ONB_JOB_STATE_DONE:    return "emblem-ok-symbolic";
    case ONB_JOB_STATE_FAILED:  return "dialog-error-symbolic";
    default:
      g_return_val_if_reached (NULL);
    }
}

static const char *
step_mark (OnbStepState state)
{
  switch (state)
    {
    case ONB_STEP_STATE_DONE:        return "✓";
    case ONB_STEP_STATE_FAILED:      return "✗";
    case ONB_STEP_STATE_ROLLED_BACK: return "↺";
    case ONB_STEP_STATE_RETRYING:    return "…";
    case ONB_STEP_STATE_RUNNING:     return "…";
    case ONB_STEP_STATE_PENDING:
    case ONB_STEP_STATE_SKIPPED:
    default:                         return NULL;
    }
}

static char *
describe_steps (OnbJob *job)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < ONB_JOB_N_STEPS; i++)
    {
      const char *mark = step_mark (onb_job_get_step_state (job, i));

      if (mark == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, " · ");
      g_string_append_printf (text, "%s %s", onb_job_step_get_title (i), mark);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
update (OnbHistoryRow *self)
{
  OnbJob *job = self->job;
  OnbJobState state = onb_job_get_state (job);
  g_autofree char *when = g_date_time_format (onb_job_get_created (job), "%x %X");
  g_autofree char *subtitle = NULL;
  g_autofree char *label = NULL;
  g_autofree char *steps = describe_steps (job);
  const char *message = onb_job_get_message (job);

  gtk_image_set_from_icon_name (self->icon, state_icon (state));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, state_words (state),
                                  -1);
  gtk_label_set_text (self->title, onb_job_get_device_name (job));
  if (onb_job_get_model_name (job) != NULL)
    /* Translators: DevEUI · device model · state · date and time */
    subtitle = g_strdup_printf (_("%s · %s · %s · %s"), onb_job_get_dev_eui (job), onb_job_get_model_name (job),
                                state_words (state), when);
  else
    /* Translators: DevEUI · state · date and time */
    subtitle = g_strdup_printf (_("%s · %s · %s"), onb_job_get_dev_eui (job), state_words (state), when);
  gtk_label_set_text (self->subtitle, subtitle);
  /* A screen reader names the row by its device and state. */
  label = g_strdup_printf (_("%s: %s"), onb_job_get_device_name (job), state_words (state));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle,
                                  -1);
  gtk_label_set_text (self->steps, steps);
  gtk_label_set_text (self->message, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message), message != NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->retry_button),
                          state == ONB_JOB_STATE_FAILED || state == ONB_JOB_STATE_WAITING);
  gtk_widget_set_visible (GTK_WIDGET (self->replace_button), state == ONB_JOB_STATE_DONE);
}

static void
onb_history_row_dispose (GObject *object)
{
  OnbHistoryRow *self = ONB_HISTORY_ROW (object);

  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);
  gtk_widget_dispose_template (GTK_WIDGET (self), ONB_TYPE_HISTORY_ROW);

  G_OBJECT_CLASS (onb_history_row_parent_class)->dispose (object);
}

static void
onb_history_row_class_init (OnbHistoryRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_history_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-history-row.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryRow, icon);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryRow, title);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryRow, subtitle);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryRow, steps);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryRow, message);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryRow, replace_button);
}

static void
onb_history_row_init (OnbHistoryRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
onb_history_row_new (OnbJob *job)
{
  OnbHistoryRow *self;

  g_return_val_if_fail (ONB_IS_JOB (job), NULL);

  self = g_object_new (ONB_TYPE_HISTORY_ROW, NULL);
  self->job = g_object_ref (job);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->retry_button),
                                          g_variant_new_int64 (onb_job_get_id (job)));
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->replace_button),
                                          g_variant_new_string (onb_job_get_dev_eui (job)));
  /* Live jobs change under our eyes; history snapshots never do. */
  g_signal_connect_swapped (job, "notify", G_CALLBACK (update), self);
  g_signal_connect_swapped (job, "step-changed", G_CALLBACK (update), self);
  update (self);

  return GTK_WIDGET (self);
}
