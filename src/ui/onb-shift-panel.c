/* onb-shift-panel.c: batch progress, boxes per hour, the last eight boxes */

#define G_LOG_DOMAIN "onb-shift-panel"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-batch-chooser.h"
#include "onb-job.h"
#include "onb-shift-panel.h"

typedef struct
{
  GtkWidget *box;
  GtkImage  *icon;
  GtkLabel  *state;
  GtkLabel  *name;
  GtkLabel  *dev_eui;
  GtkLabel  *time;
} RecentRow;

struct _OnbShiftPanel
{
  GtkWidget        parent_instance;

  GtkWidget       *batch_header;
  OnbBatchChooser *batch_chooser;
  GtkProgressBar  *batch_bar;
  GtkLabel        *batch_label;
  GtkLabel        *fleet_label;
  GtkLabel        *rate_label;
  GtkWidget       *recent_box;
  RecentRow        recent[ONB_SHIFT_PANEL_N_RECENT];

  OnbBatchModel   *model;
  GListModel      *jobs;
  gboolean         large;
};

G_DEFINE_FINAL_TYPE (OnbShiftPanel, onb_shift_panel, GTK_TYPE_WIDGET)

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_text (label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
on_model_changed (OnbShiftPanel *self)
{
  const OnbBatch *batch = self->model != NULL ? onb_batch_model_get_batch (self->model) : NULL;
  g_autofree char *text = NULL;

  if (batch == NULL || batch->n_devices == 0)
    {
      gtk_progress_bar_set_fraction (self->batch_bar, 0);
      set_label (self->batch_label, _("No device list yet"));
      return;
    }

  gtk_progress_bar_set_fraction (self->batch_bar, (double) batch->n_done / batch->n_devices);
  /* Numbers before words: read at a glance. */
  if (self->large)
    /* Translators: progress of the current device list */
    text = g_strdup_printf (_("%u done · %u to do · %u failed"), batch->n_done, batch->n_to_do,
                            batch->n_failed);
  else
    /* Translators: short progress of the current device list, "5/12 · 1 failed" */
    text = g_strdup_printf (_("%u/%u · %u failed"), batch->n_done, batch->n_devices, batch->n_failed);
  set_label (self->batch_label, text);
}

void
onb_shift_panel_set_model (OnbShiftPanel *self,
                           OnbBatchModel *model)
{
  g_return_if_fail (ONB_IS_SHIFT_PANEL (self));

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  onb_batch_chooser_set_model (self->batch_chooser, model);
  if (model != NULL)
    g_signal_connect_swapped (model, "changed", G_CALLBACK (on_model_changed), self);
  on_model_changed (self);
}

static void
show_job (RecentRow *row,
          OnbJob    *job)
{
  const char *icon, *word, *style;
  GDateTime *updated = onb_job_get_updated (job);
  g_autofree char *time = updated != NULL ? g_date_time_format (updated, "%H:%M:%S") : g_strdup ("");
  const char *name = onb_job_get_device_name (job);

  switch (onb_job_get_state (job))
    {
    case ONB_JOB_STATE_DONE:
      icon = "emblem-ok-symbolic", word = _("Done"), style = "success";
      break;
    case ONB_JOB_STATE_FAILED:
      icon = "dialog-error-symbolic", word = _("Failed"), style = "error";
      break;
    case ONB_JOB_STATE_WAITING:
      icon = "emblem-synchronizing-symbolic", word = _("Waiting"), style = "warning";
      break;
    case ONB_JOB_STATE_QUEUED:
    case ONB_JOB_STATE_RUNNING:
    default:
      icon = "emblem-synchronizing-symbolic", word = _("Working"), style = "warning";
      break;
    }

  gtk_widget_remove_css_class (row->box, "success");
  gtk_widget_remove_css_class (row->box, "error");
  gtk_widget_remove_css_class (row->box, "warning");
  gtk_widget_add_css_class (row->box, style);
  gtk_image_set_from_icon_name (row->icon, icon);
  gtk_label_set_text (row->state, word);
  gtk_label_set_text (row->name, name != NULL ? name : "");
  gtk_label_set_text (row->dev_eui, onb_job_get_dev_eui (job));
  gtk_label_set_text (row->time, time);
  {
    /* Translators: one of the last boxes: name: state, DevEUI, time */
    g_autofree char *description = g_strdup_printf (_("%s: %s, %s, %s"), name != NULL ? name : "", word,
                                                    onb_job_get_dev_eui (job), time);

    gtk_accessible_update_property (GTK_ACCESSIBLE (row->box),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                    -1);
  }
}

void
onb_shift_panel_update_jobs (OnbShiftPanel *self)
{
  guint n = self->jobs != NULL ? g_list_model_get_n_items (self->jobs) : 0;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) hour_ago = g_date_time_add_hours (now, -1);
  g_autofree char *rate = NULL;
  guint last_hour = 0;

  g_return_if_fail (ONB_IS_SHIFT_PANEL (self));

  for (guint i = 0; i < ONB_SHIFT_PANEL_N_RECENT; i++)
    {
      g_autoptr(OnbJob) job = i < n ? g_list_model_get_item (self->jobs, i) : NULL;

      gtk_widget_set_visible (self->recent[i].box, job != NULL);
      if (job != NULL)
        show_job (&self->recent[i], job);
    }

  /* Boxes done in the last hour, as this station saw them. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OnbJob) job = g_list_model_get_item (self->jobs, i);
      GDateTime *finished = onb_job_get_finished (job);

      if (onb_job_get_state (job) == ONB_JOB_STATE_DONE && finished != NULL &&
          g_date_time_compare (finished, hour_ago) >= 0)
        last_hour++;
    }
  rate = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u box done in the last hour",
                                       "%u boxes done in the last hour", last_hour), last_hour);
  set_label (self->rate_label, rate);
}

void
onb_shift_panel_set_jobs (OnbShiftPanel *self,
                          GListModel    *jobs)
{
  g_return_if_fail (ONB_IS_SHIFT_PANEL (self));

  if (self->jobs != NULL)
    g_signal_handlers_disconnect_by_data (self->jobs, self);
  g_set_object (&self->jobs, jobs);
  if (jobs != NULL)
    g_signal_connect_swapped (jobs, "items-changed", G_CALLBACK (onb_shift_panel_update_jobs), self);
  onb_shift_panel_update_jobs (self);
}

void
onb_shift_panel_set_large (OnbShiftPanel *self,
                           gboolean       large)
{
  g_return_if_fail (ONB_IS_SHIFT_PANEL (self));

  self->large = large;
  /* 800×480: the card first; the progress bar and its numbers fit, the
   * rest goes (the "Still to scan" page is one tap in the switcher). */
  gtk_widget_set_visible (self->batch_header, large);
  gtk_widget_set_visible (GTK_WIDGET (self->rate_label), large);
  gtk_widget_set_visible (self->recent_box, large);
  on_model_changed (self);
}

void
onb_shift_panel_set_fleet (OnbShiftPanel *self,
                           guint          n_stations,
                           gboolean       working_alone)
{
  g_autofree char *text = NULL;

  g_return_if_fail (ONB_IS_SHIFT_PANEL (self));

  if (working_alone)
    text = g_strdup (_("Working alone"));
  else if (n_stations > 1)
    text = g_strdup_printf (ngettext ("%u station on this pallet", "%u stations on this pallet", n_stations),
                            n_stations);
  set_label (self->fleet_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->fleet_label), text != NULL);
  if (working_alone)
    gtk_widget_add_css_class (GTK_WIDGET (self->fleet_label), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->fleet_label), "warning");
  /* What "alone" means, for a screen reader and a pointer. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->fleet_label),
                               working_alone ? _("The shared database cannot be reached: this station keeps "
                                                 "working, and what it does is shared when the database is back.")
                                             : NULL);
}

const char *
onb_shift_panel_get_fleet_text (OnbShiftPanel *self)
{
  g_return_val_if_fail (ONB_IS_SHIFT_PANEL (self), NULL);

  return gtk_label_get_text (self->fleet_label);
}

const char *
onb_shift_panel_get_progress_text (OnbShiftPanel *self)
{
  g_return_val_if_fail (ONB_IS_SHIFT_PANEL (self), NULL);

  return gtk_label_get_text (self->batch_label);
}

guint
onb_shift_panel_get_n_recent (OnbShiftPanel *self)
{
  guint n = 0;

  g_return_val_if_fail (ONB_IS_SHIFT_PANEL (self), 0);

  for (guint i = 0; i < ONB_SHIFT_PANEL_N_RECENT; i++)
    n += gtk_widget_get_visible (self->recent[i].box) && gtk_widget_get_mapped (self->recent[i].box);
  return n;
}

static GtkLabel *
row_label (GtkWidget  *box,
           const char *style,
           gboolean    expand)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, expand);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  gtk_box_append (GTK_BOX (box), label);
  return GTK_LABEL (label);
}

static void
onb_shift_panel_dispose (GObject *object)
{
  GtkWidget *child;
  OnbShiftPanel *self = ONB_SHIFT_PANEL (object);

  onb_shift_panel_set_jobs (self, NULL);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  gtk_widget_dispose_template (GTK_WIDGET (object), ONB_TYPE_SHIFT_PANEL);
  /* The template's unnamed top box is not among its bound children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (onb_shift_panel_parent_class)->dispose (object);
}

static void
onb_shift_panel_class_init (OnbShiftPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_shift_panel_dispose;

  g_type_ensure (ONB_TYPE_BATCH_CHOOSER);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-shift-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbShiftPanel, batch_header);
  gtk_widget_class_bind_template_child (widget_class, OnbShiftPanel, batch_chooser);
  gtk_widget_class_bind_template_child (widget_class, OnbShiftPanel, batch_bar);
  gtk_widget_class_bind_template_child (widget_class, OnbShiftPanel, batch_label);
  gtk_widget_class_bind_template_child (widget_class, OnbShiftPanel, fleet_label);
  gtk_widget_class_bind_template_child (widget_class, OnbShiftPanel, rate_label);
  gtk_widget_class_bind_template_child (widget_class, OnbShiftPanel, recent_box);
}

static void
onb_shift_panel_init (OnbShiftPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Eight rows of the same shape: made here rather than repeated in the
   * template. */
  for (guint i = 0; i < ONB_SHIFT_PANEL_N_RECENT; i++)
    {
      RecentRow *row = &self->recent[i];

      row->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      gtk_widget_add_css_class (row->box, "recent-box");
      row->icon = GTK_IMAGE (gtk_image_new ());
      gtk_box_append (GTK_BOX (row->box), GTK_WIDGET (row->icon));
      row->state = row_label (row->box, "state", FALSE);
      gtk_widget_set_size_request (GTK_WIDGET (row->state), 90, -1);
      row->name = row_label (row->box, NULL, TRUE);
      row->dev_eui = row_label (row->box, "eui", FALSE);
      row->time = row_label (row->box, "time", FALSE);
      gtk_widget_set_visible (row->box, FALSE);
      gtk_box_append (GTK_BOX (self->recent_box), row->box);
    }
  onb_shift_panel_set_large (self, FALSE);
  onb_shift_panel_set_model (self, NULL);
  onb_shift_panel_update_jobs (self);
}
