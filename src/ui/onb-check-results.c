/* onb-check-results.c: Test Connection's answers on the Setup page */

#define G_LOG_DOMAIN "onb-check-results"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-check-results.h"
#include "onb-model-check.h"
#include "onb-tts-client.h"
#include "onb-tts-repository.h"
#include "onb-ui-util.h"

struct _OnbCheckResults
{
  AdwPreferencesGroup  parent_instance;

  AdwPreferencesGroup *models_group;

  GPtrArray           *rows;
  GPtrArray           *model_rows;
  GPtrArray           *items;
  char               **metafields;    /* NULL: they could not be read */
  GPtrArray           *model_checks;  /* NULL: the models could not be read */
};

G_DEFINE_FINAL_TYPE (OnbCheckResults, onb_check_results, ADW_TYPE_PREFERENCES_GROUP)

/* One test: its parts answer in any order, the task once all have. */
typedef struct
{
  guint    pending;
  gboolean cancelled;
} Run;

static void
part_done (GTask  *task,
           GError *error)
{
  Run *run = g_task_get_task_data (task);

  run->cancelled |= g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  if (--run->pending > 0)
    return;
  if (run->cancelled)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("The connection test was cancelled."));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_check_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbCheckResults *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  GPtrArray *items;

  /* Only cancellation fails as a whole. */
  if ((items = onb_connection_check_finish (result, &error)) != NULL)
    {
      g_clear_pointer (&self->items, g_ptr_array_unref);
      self->items = items;
      /* The template's metafields, for the fields that name them; when
       * they could not be read, the item says why. */
      for (guint i = 0; i < items->len; i++)
        if (g_str_equal (((OnbCheckItem *) g_ptr_array_index (items, i))->id, ONB_CHECK_BLYNK_METAFIELDS))
          self->metafields = g_strdupv (((OnbCheckItem *) g_ptr_array_index (items, i))->names);
    }
  part_done (task, error);
}

static void
on_models_checked (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbCheckResults *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->model_checks = onb_model_check_finish (result, &error);
  part_done (task, error);
}

/* What each device model gets, as `onboarder-cli models` says it; values
 * that do not pass make no model table, and the fields and the connection
 * test say why. */
static void
check_models (GTask         *task,
              OnbHttpClient *http,
              OnbConfig     *config)
{
  Run *run = g_task_get_task_data (task);
  g_autoptr(OnbModelTable) table = NULL;
  g_autoptr(OnbTtsClient) tts = NULL;
  g_autoptr(OnbTtsRepository) repository = NULL;

  if (!onb_config_check_values (config, NULL))
    return;
  table = onb_model_table_new (config);
  /* Without a TTS client the repository cannot be asked: each model that
   * needs it says so. */
  tts = onb_tts_client_new (http, config, NULL);
  repository = tts != NULL ? onb_tts_repository_new (tts, config, NULL, NULL) : NULL;
  run->pending++;
  onb_model_check_async (table, repository, g_task_get_cancellable (task), on_models_checked, g_object_ref (task));
}

void
onb_check_results_run_async (OnbCheckResults     *self,
                             OnbHttpClient       *http,
                             OnbConfig           *config,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Run *run;

  g_return_if_fail (ONB_IS_CHECK_RESULTS (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_check_results_run_async);
  run = g_new0 (Run, 1);
  g_task_set_task_data (task, run, g_free);

  onb_ui_clear_rows (ADW_PREFERENCES_GROUP (self), self->rows);
  onb_ui_add_result_row (ADW_PREFERENCES_GROUP (self), self->rows, TRUE,
                         _("Testing…"), _("Asking The Things Stack and Blynk."));
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
  g_clear_pointer (&self->metafields, g_strfreev);
  g_clear_pointer (&self->model_checks, g_ptr_array_unref);

  run->pending = 1;
  onb_connection_check_async (http, config, cancellable, on_check_done, g_object_ref (task));
  check_models (task, http, config);
}

gboolean
onb_check_results_run_finish (OnbCheckResults  *self,
                              GAsyncResult     *result,
                              GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char * const *
onb_check_results_get_metafields (OnbCheckResults *self)
{
  g_return_val_if_fail (ONB_IS_CHECK_RESULTS (self), NULL);

  return (const char * const *) self->metafields;
}

/* "class A", "class A+B+C" */
/* What The Things Stack's Device Repository answered for a model, and
 * what its devices get here, or why its boxes are refused. (transfer full) */
static char *
model_words (const OnbModelCheck *check)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (check->answer != NULL)
    {
      const OnbModelTemplate *answer = check->answer;
      g_autofree char *supports = onb_model_check_classes_words (answer->supports_class_b, answer->supports_class_c);

      /* Translators: what the Device Repository says of a model: band, MAC and PHY versions, classes */
      g_string_append_printf (text, _("Device Repository: %s, %s, %s, %s."),
                              answer->band_id != NULL ? onb_band_get_title (answer->band_id) : _("no band"),
                              answer->lorawan_version != NULL ? answer->lorawan_version : "–",
                              answer->phy_version != NULL ? answer->phy_version : "–", supports);
    }
  else if (check->answer_error != NULL)
    g_string_append_printf (text, _("Device Repository: %s"), check->answer_error->message);

  if (text->len > 0)
    g_string_append_c (text, ' ');
  if (check->named_only)
    {
      g_autofree char *named = onb_model_check_named_words (check->settings);

      /* Translators: what a new box of a model gets where Blynk's integration makes its TTS device */
      g_string_append_printf (text, _("Its devices get %s; Blynk's integration sets the rest."), named);
      if (check->replace_error != NULL)
        g_string_append_printf (text, " %s %s",
                                _("A replace makes its new TTS device itself, with full settings, and would be refused:"),
                                check->replace_error->message);
    }
  else if (check->settings != NULL)
    {
      const OnbModelSettings *settings = check->settings;
      g_autofree char *gets = onb_model_check_classes_words (settings->class_b, settings->class_c);

      /* Translators: what a device of a model gets: frequency plan, MAC and PHY versions, classes */
      g_string_append_printf (text, _("Its devices get %s, %s, %s, %s."), settings->frequency_plan,
                              settings->lorawan_version, settings->phy_version, gets);
    }
  else
    g_string_append_printf (text, _("Its boxes are refused here: %s"), check->error->message);

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
show_models (OnbCheckResults *self)
{
  onb_ui_clear_rows (self->models_group, self->model_rows);
  gtk_widget_set_visible (GTK_WIDGET (self->models_group), self->model_checks != NULL);
  for (guint i = 0; self->model_checks != NULL && i < self->model_checks->len; i++)
    {
      OnbModelCheck *check = g_ptr_array_index (self->model_checks, i);
      const char *profile_id = onb_model_get_profile_id (check->model);
      const char *name = onb_model_get_name (check->model);
      /* A model without a section is named by its Profile ID already. */
      g_autofree char *title = profile_id != NULL && g_strcmp0 (name, profile_id) != 0
                               /* Translators: a device model's name and its Profile ID */
                               ? g_strdup_printf (_("%s (%s)"), name, profile_id)
                               : g_strdup (name);
      g_autofree char *words = model_words (check);

      onb_ui_add_result_row (self->models_group, self->model_rows, check->settings != NULL, title, words);
    }
}

static void
on_fix_clicked (GtkButton *button,
                GtkWidget *field_row)
{
  gtk_widget_grab_focus (field_row);
}

void
onb_check_results_show (OnbCheckResults *self,
                        OnbCheckFixFunc  fix,
                        gpointer         user_data)
{
  g_return_if_fail (ONB_IS_CHECK_RESULTS (self));

  onb_ui_clear_rows (ADW_PREFERENCES_GROUP (self), self->rows);
  for (guint i = 0; self->items != NULL && i < self->items->len; i++)
    {
      OnbCheckItem *item = g_ptr_array_index (self->items, i);
      GtkWidget *row = onb_ui_add_result_row (ADW_PREFERENCES_GROUP (self), self->rows, item->ok,
                                              item->title, item->message);
      GtkWidget *field_row = item->ok ? NULL : fix (item, user_data);

      /* The result points at the field to change: one touch goes there. */
      if (field_row != NULL)
        {
          g_autofree char *label = g_strdup_printf (_("Fix: %s"),
                                                    adw_preferences_row_get_title (ADW_PREFERENCES_ROW (field_row)));
          GtkWidget *button = gtk_button_new_with_label (label);

          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          g_signal_connect_object (button, "clicked", G_CALLBACK (on_fix_clicked), field_row, 0);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
        }
    }
  show_models (self);
}

gboolean
onb_check_results_get_all_ok (OnbCheckResults *self)
{
  g_return_val_if_fail (ONB_IS_CHECK_RESULTS (self), FALSE);

  return self->items != NULL && onb_connection_check_all_ok (self->items) &&
         (self->model_checks == NULL || onb_model_check_all_ok (self->model_checks));
}

static void
onb_check_results_dispose (GObject *object)
{
  OnbCheckResults *self = ONB_CHECK_RESULTS (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ONB_TYPE_CHECK_RESULTS);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->model_rows, g_ptr_array_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->metafields, g_strfreev);
  g_clear_pointer (&self->model_checks, g_ptr_array_unref);

  G_OBJECT_CLASS (onb_check_results_parent_class)->dispose (object);
}

static void
onb_check_results_class_init (OnbCheckResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_check_results_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-check-results.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbCheckResults, models_group);
}

static void
onb_check_results_init (OnbCheckResults *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new ();
  self->model_rows = g_ptr_array_new ();
}
