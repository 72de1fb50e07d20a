/* onb-model-check.c: what each device model of a station gets */

#define G_LOG_DOMAIN "onb-model"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-model-check.h"

void
onb_model_check_free (OnbModelCheck *check)
{
  if (check == NULL)
    return;
  g_clear_object (&check->model);
  g_clear_pointer (&check->answer, onb_model_template_free);
  g_clear_error (&check->answer_error);
  g_clear_pointer (&check->settings, onb_model_settings_free);
  g_clear_error (&check->error);
  g_clear_error (&check->replace_error);
  g_free (check);
}

static void
resolve_full (OnbModelCheck *check)
{
  /* "It does not know the model" lets the model resolve without an
   * answer, and so does any lasting failure for a model without a section
   * (the station's [tts] settings, as before models: a server without a
   * Device Repository). A transient failure leaves the settings unknown:
   * ask again later. */
  if (check->answer_error != NULL &&
      !g_error_matches (check->answer_error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND) &&
      (onb_model_has_section (check->model) || onb_cloud_error_is_transient (check->answer_error)))
    {
      check->error = g_error_copy (check->answer_error);
      return;
    }
  check->settings = onb_model_resolve (check->model, check->answer, &check->error);
  /* Versions a section mixed with the repository's must still be a pair
   * the Network Server accepts. */
  if (check->settings != NULL &&
      !onb_tts_mac_phy_compatible (check->settings->lorawan_version, check->settings->phy_version))
    {
      check->error = g_error_new (ONB_MODEL_ERROR, ONB_MODEL_ERROR_VERSIONS,
                                  _("Devices of %s would get LoRaWAN %s with the PHY version %s, which do not go "
                                    "together. Name matching lorawan_version and phy_version in its [model] section."),
                                  onb_model_get_name (check->model), check->settings->lorawan_version,
                                  check->settings->phy_version);
      g_clear_pointer (&check->settings, onb_model_settings_free);
    }
}

static void
resolve (OnbModelCheck *check)
{
  resolve_full (check);
  /* Blynk's integration sets the rest of a new box's settings: what the
   * full settings lack only refuses a replace. */
  if (check->named_only)
    {
      check->replace_error = g_steal_pointer (&check->error);
      g_clear_pointer (&check->settings, onb_model_settings_free);
      check->settings = onb_model_get_named (check->model);
    }
}

static void
template_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(OnbModelCheck) check = g_task_get_task_data (task);

  g_task_set_task_data (task, NULL, NULL);
  check->answer = onb_tts_repository_get_template_finish (ONB_TTS_REPOSITORY (object), result, &check->answer_error);
  if (g_error_matches (check->answer_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&check->answer_error));
      return;
    }
  resolve (check);
  g_task_return_pointer (task, g_steal_pointer (&check), (GDestroyNotify) onb_model_check_free);
}

void
onb_model_check_one_async (OnbModel            *model,
                           gboolean             blynk_creates,
                           OnbTtsRepository    *repository,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(OnbModelCheck) check = g_new0 (OnbModelCheck, 1);

  g_return_if_fail (ONB_IS_MODEL (model));
  g_return_if_fail (repository == NULL || ONB_IS_TTS_REPOSITORY (repository));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_model_check_one_async);
  check->model = g_object_ref (model);
  check->asked = onb_model_needs_repository (model);
  check->named_only = onb_model_named_only (blynk_creates, FALSE);

  if (check->asked && repository != NULL)
    {
      g_task_set_task_data (task, g_steal_pointer (&check), NULL);
      onb_tts_repository_get_template_async (repository, onb_model_get_profile_id (model), cancellable,
                                             template_cb, g_steal_pointer (&task));
      return;
    }
  if (check->asked)
    check->answer_error = g_error_new_literal (ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_CONFIGURED,
                                               _("The Device Repository was not asked: The Things Stack is not "
                                                 "set up on this station."));
  resolve (check);
  g_task_return_pointer (task, g_steal_pointer (&check), (GDestroyNotify) onb_model_check_free);
}

OnbModelCheck *
onb_model_check_one_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  gboolean blynk_creates;
  OnbTtsRepository *repository;
  GPtrArray *models;     /* (element-type OnbModel) */
  GPtrArray *checks;     /* (element-type OnbModelCheck) */
} Run;

static void
run_free (gpointer data)
{
  Run *run = data;

  g_clear_object (&run->repository);
  g_ptr_array_unref (run->models);
  g_ptr_array_unref (run->checks);
  g_free (run);
}

static void check_next (GTask *task);

static void
check_one_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  OnbModelCheck *check = onb_model_check_one_finish (result, &error);

  if (check == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_ptr_array_add (run->checks, check);
  check_next (task);
}

/* One model after the other: the repository is asked at most once each. */
static void
check_next (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (run->checks->len < run->models->len)
    {
      onb_model_check_one_async (g_ptr_array_index (run->models, run->checks->len), run->blynk_creates,
                                 run->repository,
                                 g_task_get_cancellable (task), check_one_cb, task);
      return;
    }
  g_task_return_pointer (task, g_ptr_array_ref (run->checks), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

void
onb_model_check_async (OnbModelTable       *table,
                       OnbTtsRepository    *repository,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task;
  Run *run;

  g_return_if_fail (ONB_IS_MODEL_TABLE (table));
  g_return_if_fail (repository == NULL || ONB_IS_TTS_REPOSITORY (repository));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_model_check_async);
  run = g_new0 (Run, 1);
  run->blynk_creates = onb_model_table_get_blynk_creates (table);
  run->repository = repository != NULL ? g_object_ref (repository) : NULL;
  run->models = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < onb_model_table_get_models (table)->len; i++)
    g_ptr_array_add (run->models, g_object_ref (g_ptr_array_index (onb_model_table_get_models (table), i)));
  if (run->models->len == 0)
    g_ptr_array_add (run->models, g_object_ref (onb_model_table_lookup (table, NULL, NULL)));
  run->checks = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_model_check_free);
  g_task_set_task_data (task, run, run_free);

  check_next (task);
}

GPtrArray *
onb_model_check_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
onb_model_check_all_ok (GPtrArray *checks)
{
  for (guint i = 0; i < checks->len; i++)
    if (((OnbModelCheck *) g_ptr_array_index (checks, i))->settings == NULL)
      return FALSE;
  return TRUE;
}

char *
onb_model_check_classes_words (gboolean class_b,
                               gboolean class_c)
{
  /* TRANSLATORS: the LoRaWAN device classes a model supports */
  return g_strdup_printf (_("class A%s%s"), class_b ? "+B" : "", class_c ? "+C" : "");
}

char *
onb_model_check_named_words (const OnbModelSettings *settings)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  if (settings->frequency_plan != NULL)
    g_ptr_array_add (parts, settings->frequency_plan);
  if (settings->lorawan_version != NULL)
    g_ptr_array_add (parts, settings->lorawan_version);
  if (settings->phy_version != NULL)
    g_ptr_array_add (parts, settings->phy_version);
  if (settings->class_b_named)
    g_ptr_array_add (parts, settings->class_b ? _("class B") : _("no class B"));
  if (settings->class_c_named)
    g_ptr_array_add (parts, settings->class_c ? _("class C") : _("no class C"));
  if (parts->len == 0)
    return g_strdup (_("no LoRaWAN settings of its own"));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (", ", (char **) parts->pdata);
}
