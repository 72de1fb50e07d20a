/* onb-history-page.c: every job, newest first, searchable
 *
 * The list is the journal, read on the engine's worker (never on the main
 * thread) whenever the page is shown, the search changes or a job changes
 * while it is visible.
 */

#define G_LOG_DOMAIN "onb-history-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "onb-history-page.h"
#include "onb-history-row.h"

#define HISTORY_LIMIT     500
#define SEARCH_DELAY_MS   250
#define REFRESH_DELAY_MS  1000

struct _OnbHistoryPage
{
  GtkWidget       parent_instance;

  GtkWidget      *root;
  GtkSearchEntry *search;
  GtkStack       *stack;
  GtkListBox     *list;
  AdwStatusPage  *empty;
  GtkLabel       *pin_attempts;

  OnbEngine      *engine;
  OnbPinGuard    *pin_guard;
  GSettings      *settings;
  GCancellable   *cancellable;
  guint           refresh_source;
};

G_DEFINE_FINAL_TYPE (OnbHistoryPage, onb_history_page, GTK_TYPE_WIDGET)

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  return onb_history_row_new (item);
}

static void
on_history_loaded (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(OnbHistoryPage) self = user_data;
  g_autoptr(GListModel) jobs = NULL;
  g_autoptr(GError) error = NULL;

  jobs = onb_engine_search_history_finish (ONB_ENGINE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (jobs == NULL)
    {
      adw_status_page_set_title (self->empty, _("History Unavailable"));
      adw_status_page_set_description (self->empty, error->message);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  gtk_list_box_bind_model (self->list, jobs, create_row, NULL, NULL);
  if (g_list_model_get_n_items (jobs) > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else
    {
      const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search));

      adw_status_page_set_title (self->empty, query[0] != '\0' ? _("Nothing Found") : _("No Jobs Yet"));
      adw_status_page_set_description (self->empty,
                                       query[0] != '\0'
                                       ? _("No job matches this DevEUI or name.")
                                       : _("Every scanned box appears here, newest first."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
}

void
onb_history_page_refresh (OnbHistoryPage *self)
{
  const char *query;

  g_return_if_fail (ONB_IS_HISTORY_PAGE (self));

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->engine == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  query = gtk_editable_get_text (GTK_EDITABLE (self->search));
  onb_engine_search_history_async (self->engine, query[0] != '\0' ? query : NULL,
                                   ONB_JOB_STATE_ANY, HISTORY_LIMIT,
                                   self->cancellable, on_history_loaded, g_object_ref (self));
}

static gboolean
refresh_cb (gpointer user_data)
{
  OnbHistoryPage *self = user_data;

  self->refresh_source = 0;
  onb_history_page_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (OnbHistoryPage *self,
                  guint           delay_ms)
{
  if (self->refresh_source != 0 || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  self->refresh_source = g_timeout_add (delay_ms, refresh_cb, self);
}

static void
on_search_changed (OnbHistoryPage *self)
{
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-history-search",
                           gtk_editable_get_text (GTK_EDITABLE (self->search)));

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  schedule_refresh (self, SEARCH_DELAY_MS);
}

static void
on_jobs_changed (OnbHistoryPage *self)
{
  schedule_refresh (self, REFRESH_DELAY_MS);
}

static void
on_export_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OnbHistoryPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)));

  if (onb_engine_export_csv_finish (ONB_ENGINE (object), result, &error))
    gtk_widget_activate_action (window, "win.toast", "s", _("The journal was exported."));
  else
    gtk_widget_activate_action (window, "win.toast", "s", error->message);
}

static void
on_export_file_chosen (GtkNativeDialog *dialog,
                       int              response,
                       OnbHistoryPage  *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->engine != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      onb_engine_export_csv_async (self->engine, file, NULL, on_export_done, g_object_ref (self));
    }

  g_object_unref (dialog);
}

static void
on_export_clicked (OnbHistoryPage *self)
{
  GtkFileChooserNative *dialog;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *name = g_date_time_format (now, "onboarder-journal-%Y-%m-%d.csv");

  dialog = gtk_file_chooser_native_new (_("Export Journal"),
                                        GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
retry_job (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  OnbHistoryPage *self = ONB_HISTORY_PAGE (widget);
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(GError) error = NULL;

  if (self->engine == NULL)
    return;

  job = onb_engine_retry (self->engine, g_variant_get_int64 (parameter), &error);
  if (job == NULL)
    gtk_widget_activate_action (widget, "win.toast", "s", error->message);
  onb_history_page_refresh (self);
}

void
onb_history_page_set_engine (OnbHistoryPage *self,
                             OnbEngine      *engine)
{
  g_return_if_fail (ONB_IS_HISTORY_PAGE (self));

  if (self->engine == engine)
    return;

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);
  if (engine != NULL)
    {
      g_signal_connect_swapped (engine, "job-added", G_CALLBACK (on_jobs_changed), self);
      g_signal_connect_swapped (engine, "job-changed", G_CALLBACK (on_jobs_changed), self);
    }

  gtk_list_box_bind_model (self->list, NULL, NULL, NULL, NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    onb_history_page_refresh (self);
}

/* The supervisor sees who tried the PIN, and when. */
static void
update_pin_attempts (OnbHistoryPage *self)
{
  GPtrArray *failures = self->pin_guard != NULL ? onb_pin_guard_get_failures (self->pin_guard) : NULL;
  g_autofree char *last = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->pin_attempts), failures != NULL && failures->len > 0);
  if (failures == NULL || failures->len == 0)
    return;

  {
    g_autoptr(GDateTime) local = g_date_time_to_local (g_ptr_array_index (failures, failures->len - 1));

    last = g_date_time_format (local, "%x %X");
  }
  text = g_strdup_printf (ngettext ("%u wrong PIN on record, the last on %s.%s",
                                    "%u wrong PINs on record, the last on %s.%s",
                                    failures->len),
                          failures->len, last,
                          onb_pin_guard_get_memory_only (self->pin_guard)
                          ? _(" They cannot be stored in the data folder: a wait ends when Onboarder restarts.")
                          : "");
  gtk_label_set_text (self->pin_attempts, text);
}

void
onb_history_page_set_pin_guard (OnbHistoryPage *self,
                                OnbPinGuard    *guard)
{
  g_return_if_fail (ONB_IS_HISTORY_PAGE (self));

  g_set_object (&self->pin_guard, guard);
  update_pin_attempts (self);
}

static void
onb_history_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (onb_history_page_parent_class)->map (widget);
  update_pin_attempts (ONB_HISTORY_PAGE (widget));

  onb_history_page_refresh (ONB_HISTORY_PAGE (widget));
}

static void
onb_history_page_dispose (GObject *object)
{
  OnbHistoryPage *self = ONB_HISTORY_PAGE (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  onb_history_page_set_engine (self, NULL);
  g_clear_object (&self->pin_guard);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), ONB_TYPE_HISTORY_PAGE);

  G_OBJECT_CLASS (onb_history_page_parent_class)->dispose (object);
}

static void
onb_history_page_class_init (OnbHistoryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_history_page_dispose;
  widget_class->map = onb_history_page_map;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-history-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryPage, root);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryPage, search);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryPage, stack);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryPage, list);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryPage, empty);
  gtk_widget_class_bind_template_child (widget_class, OnbHistoryPage, pin_attempts);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked);
  gtk_widget_class_install_action (widget_class, "history.retry", "x", retry_job);
}

void
onb_history_page_set_settings (OnbHistoryPage *self,
                               GSettings      *settings)
{
  g_autofree char *last = NULL;

  g_return_if_fail (ONB_IS_HISTORY_PAGE (self));

  g_set_object (&self->settings, settings);
  last = g_settings_get_string (settings, "last-history-search");
  gtk_editable_set_text (GTK_EDITABLE (self->search), last);
}

static void
onb_history_page_init (OnbHistoryPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
