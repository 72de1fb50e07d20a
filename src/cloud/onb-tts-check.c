/* onb-tts-check.c: what `check` and the setup page ask The Things Stack
 * (docs/tts-api.md)
 *
 * The API key's rights, the application, the frequency plans, and which
 * MAC and PHY versions go together. Provisioning itself is
 * onb-tts-client.c.
 */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-tts-client-private.h"

G_DEFINE_BOXED_TYPE (OnbTtsFrequencyPlan, onb_tts_frequency_plan,
                     onb_tts_frequency_plan_copy, onb_tts_frequency_plan_free)

OnbTtsFrequencyPlan *
onb_tts_frequency_plan_copy (const OnbTtsFrequencyPlan *plan)
{
  OnbTtsFrequencyPlan *copy = g_new0 (OnbTtsFrequencyPlan, 1);

  copy->id = g_strdup (plan->id);
  copy->name = g_strdup (plan->name);
  copy->band_id = g_strdup (plan->band_id);
  copy->base_frequency = plan->base_frequency;

  return copy;
}

void
onb_tts_frequency_plan_free (OnbTtsFrequencyPlan *plan)
{
  if (plan == NULL)
    return;

  g_free (plan->id);
  g_free (plan->name);
  g_free (plan->band_id);
  g_free (plan);
}

/* ---- MAC/PHY versions ------------------------------------------------- */

/* TTS's enum names and their aliases, as numbers (ttnpb.PHYVersion). */
static const struct { const char *name; int number; } phy_versions[] = {
  { "PHY_V1_0", 1 }, { "TS001_V1_0", 1 },
  { "PHY_V1_0_1", 2 }, { "TS001_V1_0_1", 2 },
  { "PHY_V1_0_2_REV_A", 3 }, { "RP001_V1_0_2", 3 },
  { "PHY_V1_0_2_REV_B", 4 }, { "RP001_V1_0_2_REV_B", 4 },
  { "PHY_V1_1_REV_A", 5 }, { "RP001_V1_1_REV_A", 5 },
  { "PHY_V1_1_REV_B", 6 }, { "RP001_V1_1_REV_B", 6 },
  { "PHY_V1_0_3_REV_A", 7 }, { "RP001_V1_0_3_REV_A", 7 },
  { "RP002_V1_0_0", 8 }, { "RP002_V1_0_1", 9 }, { "RP002_V1_0_2", 10 },
  { "RP002_V1_0_3", 11 }, { "RP002_V1_0_4", 12 },
};

/* Each MAC version with the regional-parameters revisions it is specified
 * with (as TTS's band package pairs them), bit n = PHY number n. */
#define RP002_ALL ((1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12))
static const struct { const char *mac; guint phys; } mac_versions[] = {
  { "MAC_V1_0", 1 << 1 },
  { "MAC_V1_0_1", 1 << 2 },
  { "MAC_V1_0_2", (1 << 3) | (1 << 4) },
  { "MAC_V1_0_3", 1 << 7 },
  { "MAC_V1_0_4", RP002_ALL },
  { "MAC_V1_1", (1 << 5) | (1 << 6) | RP002_ALL },
};

int
onb_tts_phy_number (const char *phy)
{
  for (guint i = 0; phy != NULL && i < G_N_ELEMENTS (phy_versions); i++)
    if (g_str_equal (phy, phy_versions[i].name))
      return phy_versions[i].number;

  return -1;
}

gboolean
onb_tts_mac_phy_compatible (const char *mac_version,
                            const char *phy_version)
{
  int phy = onb_tts_phy_number (phy_version);

  if (mac_version == NULL || phy < 0)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (mac_versions); i++)
    if (g_str_equal (mac_version, mac_versions[i].mac))
      return (mac_versions[i].phys & (1u << phy)) != 0;

  return FALSE;
}

/* ---- rights ----------------------------------------------------------- */

static const struct { const char *right; const char *label; gboolean write; } needed_rights[] = {
  { "RIGHT_APPLICATION_DEVICES_READ", N_("View devices in application"), FALSE },
  { "RIGHT_APPLICATION_DEVICES_READ_KEYS", N_("View device keys in application"), FALSE },
  { "RIGHT_APPLICATION_DEVICES_WRITE", N_("Create devices in application"), TRUE },
  { "RIGHT_APPLICATION_DEVICES_WRITE_KEYS", N_("Edit device keys in application"), TRUE },
};

const char *
onb_tts_right_get_label (const char *right)
{
  for (guint i = 0; i < G_N_ELEMENTS (needed_rights); i++)
    if (g_str_equal (right, needed_rights[i].right))
      return _(needed_rights[i].label);

  return right;
}

static gboolean
json_array_has_string (json_object *array,
                       const char  *value)
{
  if (!json_object_is_type (array, json_type_array))
    return FALSE;

  for (size_t i = 0; i < json_object_array_length (array); i++)
    if (g_strcmp0 (onb_tts_json_string (onb_tts_json_array_item (array, i)), value) == 0)
      return TRUE;

  return FALSE;
}

char **
onb_tts_client_missing_rights (OnbTtsClient *self,
                               json_object  *auth_info,
                               gboolean      writes)
{
  g_autoptr(GStrvBuilder) missing = g_strv_builder_new ();
  json_object *rights = onb_tts_json_path (auth_info, "api_key.api_key.rights");
  const char *key_app = onb_tts_json_path_string (auth_info, "api_key.entity_ids.application_ids.application_id");
  /* An application key works for its own application only; user and
   * organisation keys carry application rights for all theirs. */
  gboolean other_app = key_app != NULL && g_strcmp0 (key_app, onb_tts_client_get_application_id (self)) != 0;
  gboolean all = json_array_has_string (rights, "RIGHT_APPLICATION_ALL");

  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (needed_rights); i++)
    if ((writes || !needed_rights[i].write) && (other_app || (!all && !json_array_has_string (rights, needed_rights[i].right))))
      g_strv_builder_add (missing, needed_rights[i].right);

  return g_strv_builder_end (missing);
}

void
onb_tts_client_get_auth_info_async (OnbTtsClient        *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (ONB_IS_TTS_CLIENT (self));

  onb_tts_client_read_async (self,
              onb_http_build_url (onb_tts_client_get_server_url (self, ONB_TTS_COMPONENT_IS), "api", "v3", "auth_info", NULL),
              onb_tts_client_get_auth_info_async, cancellable, callback, user_data);
}

json_object *
onb_tts_client_get_auth_info_finish (OnbTtsClient  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return onb_tts_client_read_finish (self, result, error);
}

void
onb_tts_client_get_application_async (OnbTtsClient        *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (ONB_IS_TTS_CLIENT (self));

  onb_tts_client_read_async (self,
              onb_http_build_url (onb_tts_client_get_server_url (self, ONB_TTS_COMPONENT_IS), "api", "v3", "applications",
                                  onb_tts_client_get_application_id (self), NULL),
              onb_tts_client_get_application_async, cancellable, callback, user_data);
}

json_object *
onb_tts_client_get_application_finish (OnbTtsClient  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return onb_tts_client_read_finish (self, result, error);
}

/* {"frequency_plans": [{id, name, band_id, base_frequency}]}; entries
 * without a string id are skipped, a list of another type is refused. */
GPtrArray *
onb_tts_decode_frequency_plans (json_object  *json,
                                GError      **error)
{
  g_autoptr(GPtrArray) plans = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_tts_frequency_plan_free);
  json_object *list = onb_tts_json_path (json, "frequency_plans");

  if (!json_object_is_type (list, json_type_array))
    {
      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, 0, NULL, NULL, NULL, -1,
                                                          _("The Things Stack sent no list of frequency plans. Check the Identity Server address in the settings.")));
      return NULL;
    }

  for (size_t i = 0; i < json_object_array_length (list); i++)
    {
      json_object *item = onb_tts_json_array_item (list, i);
      json_object *frequency = onb_tts_json_path (item, "base_frequency");
      OnbTtsFrequencyPlan *plan;

      if (onb_tts_json_path_string (item, "id") == NULL)
        continue;

      plan = g_new0 (OnbTtsFrequencyPlan, 1);
      plan->id = onb_tts_server_text (onb_tts_json_path_string (item, "id"));
      plan->name = onb_tts_server_text (onb_tts_json_path_string (item, "name"));
      plan->band_id = onb_tts_server_text (onb_tts_json_path_string (item, "band_id"));
      if (json_object_is_type (frequency, json_type_int))
        plan->base_frequency = (guint) CLAMP (json_object_get_int64 (frequency), 0, G_MAXUINT);
      g_ptr_array_add (plans, plan);
    }

  return g_steal_pointer (&plans);
}

static void
plans_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(json_object) json = NULL;
  g_autoptr(GPtrArray) plans = NULL;
  GError *error = NULL;

  json = onb_tts_client_read_finish (ONB_TTS_CLIENT (object), result, &error);
  if (json == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  plans = onb_tts_decode_frequency_plans (json, &error);
  if (plans == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&plans), (GDestroyNotify) g_ptr_array_unref);
}

void
onb_tts_client_list_frequency_plans_async (OnbTtsClient        *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ONB_IS_TTS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_client_list_frequency_plans_async);
  onb_tts_client_read_async (self,
              onb_http_build_url (onb_tts_client_get_server_url (self, ONB_TTS_COMPONENT_IS), "api", "v3", "configuration",
                                  "frequency-plans", NULL),
              onb_tts_client_list_frequency_plans_async, cancellable, plans_cb, task);
}

GPtrArray *
onb_tts_client_list_frequency_plans_finish (OnbTtsClient  *self,
                                            GAsyncResult  *result,
                                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
