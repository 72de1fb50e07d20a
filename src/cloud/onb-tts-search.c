/* onb-tts-search.c: a device of the application found by its EUIs
 *
 * When Blynk's integration makes a device in The Things Stack, its ID is
 * Blynk's to choose (docs/blynk-api.md, Automated Device Onboarding), so
 * the device is found by its EUIs with the Identity Server's search
 * (docs/tts-api.md, Search by EUI), never by a guessed ID.
 */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-tts-client-private.h"

/* The search matches substrings and ignores case: only a device whose
 * DevEUI and JoinEUI both equal ours is it. */
static json_object *
exact_match (json_object  *answer,
             OnbTtsDevice *device,
             GError      **error)
{
  json_object *list = NULL;

  /* No match is answered `{}`. */
  if (!json_object_object_get_ex (answer, "end_devices", &list) || list == NULL)
    return NULL;
  if (!json_object_is_type (list, json_type_array))
    {
      g_set_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE,
                   _("The Things Stack answered the device search with “end_devices” that is not a list."));
      return NULL;
    }
  for (size_t i = 0; i < json_object_array_length (list); i++)
    {
      json_object *item = onb_tts_json_array_item (list, i);
      const char *dev_eui = onb_tts_json_path_string (item, "ids.dev_eui");
      const char *join_eui = onb_tts_json_path_string (item, "ids.join_eui");
      const char *device_id = onb_tts_json_path_string (item, "ids.device_id");

      if (dev_eui != NULL && join_eui != NULL && device_id != NULL && device_id[0] != '\0' &&
          g_ascii_strcasecmp (dev_eui, onb_tts_device_get_dev_eui (device)) == 0 &&
          g_ascii_strcasecmp (join_eui, onb_tts_device_get_join_eui (device)) == 0)
        return json_object_get (item);
    }
  return NULL;
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(json_object) answer = NULL;
  GError *error = NULL;
  json_object *found;

  answer = onb_tts_client_read_finish (ONB_TTS_CLIENT (object), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  found = exact_match (answer, g_task_get_task_data (task), &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, found, (GDestroyNotify) json_object_put);
}

void
onb_tts_client_find_by_eui_async (OnbTtsClient        *self,
                                  OnbTtsDevice        *device,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (ONB_IS_TTS_CLIENT (self));
  g_return_if_fail (device != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_client_find_by_eui_async);
  g_task_set_task_data (task, onb_tts_device_ref (device), (GDestroyNotify) onb_tts_device_unref);
  path = onb_http_build_url (self->server_url[ONB_TTS_COMPONENT_IS], "api", "v3", "search", "applications",
                             self->application_id, "devices", NULL);
  /* EUIs are hex: nothing to escape. */
  url = g_strdup_printf ("%s?dev_eui_contains=%s&join_eui_contains=%s", path, onb_tts_device_get_dev_eui (device),
                         onb_tts_device_get_join_eui (device));
  onb_tts_client_read_async (self, g_steal_pointer (&url), onb_tts_client_find_by_eui_async, cancellable, search_cb,
                             g_steal_pointer (&task));
}

json_object *
onb_tts_client_find_by_eui_finish (OnbTtsClient  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
