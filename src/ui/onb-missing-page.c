/* onb-missing-page.c: "Still to scan" */

#define G_LOG_DOMAIN "onb-missing-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "onb-batch-chooser.h"
#include "onb-missing-page.h"

struct _OnbMissingPage
{
  GtkWidget        parent_instance;

  OnbBatchChooser *batch_chooser;
  GtkLabel        *summary_label;
  GtkSearchEntry  *search_entry;
  GtkListBox      *list_box;

  OnbBatchModel   *model;
  guint            n_rows;
};

G_DEFINE_FINAL_TYPE (OnbMissingPage, onb_missing_page, GTK_TYPE_WIDGET)

static GtkWidget *
device_row (const OnbBatchDevice *device)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = g_markup_escape_text (device->device_name, -1);
  g_autoptr(GString) subtitle = g_string_new (device->dev_eui);
  GtkWidget *state;

  if (device->serial != NULL)
    g_string_append_printf (subtitle, " · %s", device->serial);
  if (device->message != NULL)
    g_string_append_printf (subtitle, " · %s", device->message);
  {
    g_autofree char *escaped = g_markup_escape_text (subtitle->str, -1);

    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
  }
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);

  state = gtk_label_new (device->progress == ONB_DEVICE_PROGRESS_FAILED ? _("Failed") : _("To do"));
  gtk_widget_add_css_class (state, device->progress == ONB_DEVICE_PROGRESS_FAILED ? "error" : "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), state);
  return row;
}

static void
rebuild (OnbMissingPage *self)
{
  const OnbBatch *batch = self->model != NULL ? onb_batch_model_get_batch (self->model) : NULL;
  GPtrArray *missing = self->model != NULL ? onb_batch_model_get_missing (self->model) : NULL;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *summary = NULL;
  guint n_matches = 0;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  self->n_rows = 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "missing.export", missing != NULL && missing->len > 0);
  if (batch == NULL || missing == NULL)
    {
      const GError *error = self->model != NULL ? onb_batch_model_get_error (self->model) : NULL;

      gtk_label_set_text (self->summary_label, error != NULL ? error->message
                                                             : _("No device list has been imported yet."));
      return;
    }

  for (guint i = 0; i < missing->len; i++)
    {
      const OnbBatchDevice *device = missing->pdata[i];

      if (!onb_batch_device_matches (device, query))
        continue;
      n_matches++;
      if (self->n_rows < ONB_MISSING_PAGE_MAX_ROWS)
        {
          gtk_list_box_append (self->list_box, device_row (device));
          self->n_rows++;
        }
    }

  if (missing->len == 0)
    summary = g_strdup_printf (_("Every device of this list is done (%u)."), batch->n_devices);
  else if (n_matches > self->n_rows)
    /* Translators: still to scan, of all, and how many are shown */
    summary = g_strdup_printf (_("%u of %u still to scan, %u failed; the first %u are shown, search for the others."),
                               batch->n_to_do + batch->n_failed, batch->n_devices, batch->n_failed, self->n_rows);
  else
    summary = g_strdup_printf (_("%u of %u still to scan, %u of them failed."),
                               batch->n_to_do + batch->n_failed, batch->n_devices, batch->n_failed);
  gtk_label_set_text (self->summary_label, summary);
}

void
onb_missing_page_set_model (OnbMissingPage *self,
                            OnbBatchModel  *model)
{
  g_return_if_fail (ONB_IS_MISSING_PAGE (self));

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  onb_batch_chooser_set_model (self->batch_chooser, model);
  if (model != NULL)
    g_signal_connect_swapped (model, "changed", G_CALLBACK (rebuild), self);
  rebuild (self);
}

guint
onb_missing_page_get_n_rows (OnbMissingPage *self)
{
  g_return_val_if_fail (ONB_IS_MISSING_PAGE (self), 0);

  return self->n_rows;
}

gboolean
onb_missing_page_export (OnbMissingPage  *self,
                         const char      *path,
                         GError         **error)
{
  GPtrArray *missing = self->model != NULL ? onb_batch_model_get_missing (self->model) : NULL;
  g_autoptr(GPtrArray) none = NULL;

  g_return_val_if_fail (ONB_IS_MISSING_PAGE (self), FALSE);

  if (missing == NULL)
    missing = none = g_ptr_array_new ();
  return onb_missing_devices_write_csv (missing, path, error);
}

static void
on_export_file_chosen (GtkNativeDialog *dialog,
                       int              response,
                       OnbMissingPage  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;

      if (onb_missing_page_export (self, path, &error))
        text = g_strdup_printf (_("Saved the list to %s."), path);
      else
        text = g_strdup_printf (_("The list could not be saved: %s"), error->message);
      gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", text);
    }
  g_object_unref (dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OnbMissingPage *self = ONB_MISSING_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Export Still to Scan"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), _("still-to-scan.csv"));
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
onb_missing_page_dispose (GObject *object)
{
  GtkWidget *child;
  OnbMissingPage *self = ONB_MISSING_PAGE (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  gtk_widget_dispose_template (GTK_WIDGET (object), ONB_TYPE_MISSING_PAGE);
  /* The template's unnamed top box is not among its bound children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (onb_missing_page_parent_class)->dispose (object);
}

static void
onb_missing_page_class_init (OnbMissingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_missing_page_dispose;

  g_type_ensure (ONB_TYPE_BATCH_CHOOSER);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-missing-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbMissingPage, batch_chooser);
  gtk_widget_class_bind_template_child (widget_class, OnbMissingPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, OnbMissingPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, OnbMissingPage, list_box);
  gtk_widget_class_install_action (widget_class, "missing.export", NULL, export_action);
}

static void
onb_missing_page_init (OnbMissingPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (rebuild), self);
  rebuild (self);
}
