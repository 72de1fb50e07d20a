/* onb-tts-end-device.c: one of our end devices as The Things Stack holds
 * it (docs/tts-api.md, "The device's four components")
 *
 * The body each component is sent, built from the device and its model's
 * settings (else the station's), and the comparison of a read-back with
 * what was sent. No I/O: the calls are onb-tts-client.c.
 */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-tts-client-private.h"

/* ---- bodies ------------------------------------------------------------- */

static json_object *
ids_object (OnbTtsClient *self,
            OnbTtsDevice *device)
{
  json_object *ids = json_object_new_object ();
  json_object *app = json_object_new_object ();

  json_object_object_add (app, "application_id", json_object_new_string (self->application_id));
  json_object_object_add (ids, "device_id", json_object_new_string (onb_tts_device_get_device_id (device)));
  json_object_object_add (ids, "application_ids", app);
  json_object_object_add (ids, "dev_eui", json_object_new_string (onb_tts_device_get_dev_eui (device)));
  json_object_object_add (ids, "join_eui", json_object_new_string (onb_tts_device_get_join_eui (device)));

  return ids;
}

static void
add_string (json_object *end_device,
            json_object *paths,
            const char  *path,
            const char  *value)
{
  json_object_object_add (end_device, path, json_object_new_string (value));
  json_object_array_add (paths, json_object_new_string (path));
}

static void
add_boolean (json_object *end_device,
             json_object *paths,
             const char  *path,
             gboolean     value)
{
  json_object_object_add (end_device, path, json_object_new_boolean (value));
  json_object_array_add (paths, json_object_new_string (path));
}

/* The radio settings a device gets: its model's, else the station's. A
 * NULL string or an unnamed class is not checked by a verify. */
typedef struct
{
  const char *frequency_plan;
  const char *lorawan_version;
  const char *phy_version;
  gboolean class_b;
  gboolean class_c;
  gboolean class_b_named;
  gboolean class_c_named;
} Radio;

static Radio
radio_of (OnbTtsClient *self,
          OnbTtsDevice *device)
{
  const OnbModelSettings *settings = onb_tts_device_get_settings (device);

  if (settings != NULL)
    return (Radio) { settings->frequency_plan, settings->lorawan_version, settings->phy_version, settings->class_b,
                     settings->class_c, settings->class_b_named, settings->class_c_named };
  return (Radio) { self->frequency_plan, self->lorawan_version, self->phy_version, self->class_b, self->class_c,
                   TRUE, TRUE };
}

static json_object *
key_envelope (const char *key)
{
  json_object *envelope = json_object_new_object ();

  json_object_object_add (envelope, "key", json_object_new_string (key));

  return envelope;
}

json_object *
onb_tts_client_build_body (OnbTtsClient     *self,
                           OnbTtsComponent   component,
                           OnbTtsDevice     *device,
                           GError          **error)
{
  json_object *body = json_object_new_object ();
  json_object *end_device = json_object_new_object ();
  json_object *paths = json_object_new_array ();
  Radio radio;

  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), NULL);
  g_return_val_if_fail (device != NULL, NULL);

  radio = radio_of (self, device);
  json_object_object_add (end_device, "ids", ids_object (self, device));
  json_object_object_add (body, "end_device", end_device);

  switch (component)
    {
    case ONB_TTS_COMPONENT_IS:
      json_object_object_add (end_device, "network_server_address", json_object_new_string (self->server_address[ONB_TTS_COMPONENT_NS]));
      json_object_object_add (end_device, "application_server_address", json_object_new_string (self->server_address[ONB_TTS_COMPONENT_AS]));
      /* A claimed device's keys stay on its own Join Server, as
       * ttn-lw-cli's claim leaves the address out. */
      if (!onb_tts_device_get_claimed (device))
        json_object_object_add (end_device, "join_server_address",
                                json_object_new_string (self->server_address[ONB_TTS_COMPONENT_JS]));
      /* CreateEndDeviceRequest has no field mask. */
      json_object_put (paths);
      return body;

    case ONB_TTS_COMPONENT_JS:
      {
        json_object *root_keys = json_object_new_object ();
        gboolean v1_1 = g_strcmp0 (radio.lorawan_version, "MAC_V1_1") == 0;

        if (v1_1 && onb_tts_device_get_nwk_key (device) == NULL)
          {
            json_object_put (body);
            json_object_put (paths);
            json_object_put (root_keys);
            g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_INVALID_REQUEST, 0, NULL, NULL, NULL, -1,
                                                                _("This station is set to LoRaWAN 1.1, but the device list has no NwkKey for this device. Import a list with a NwkKey column, or set the LoRaWAN version the device uses.")));
            return NULL;
          }

        add_string (end_device, paths, "network_server_address", self->server_address[ONB_TTS_COMPONENT_NS]);
        add_string (end_device, paths, "application_server_address", self->server_address[ONB_TTS_COMPONENT_AS]);
        json_object_object_add (root_keys, "app_key", key_envelope (onb_tts_device_get_app_key (device)));
        json_object_array_add (paths, json_object_new_string ("root_keys.app_key.key"));
        if (v1_1)
          {
            json_object_object_add (root_keys, "nwk_key", key_envelope (onb_tts_device_get_nwk_key (device)));
            json_object_array_add (paths, json_object_new_string ("root_keys.nwk_key.key"));
          }
        json_object_object_add (end_device, "root_keys", root_keys);
      }
      break;

    case ONB_TTS_COMPONENT_NS:
      if (radio.lorawan_version == NULL || radio.phy_version == NULL || radio.frequency_plan == NULL)
        {
          json_object_put (body);
          json_object_put (paths);
          g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_NOT_CONFIGURED, 0, NULL, NULL, NULL, -1,
                                                              _("This device has no LoRaWAN versions or frequency plan: give its model lorawan_version, phy_version and frequency_plan, or set them in the [tts] section.")));
          return NULL;
        }
      add_boolean (end_device, paths, "supports_join", TRUE);
      add_string (end_device, paths, "lorawan_version", radio.lorawan_version);
      add_string (end_device, paths, "lorawan_phy_version", radio.phy_version);
      add_string (end_device, paths, "frequency_plan_id", radio.frequency_plan);
      add_boolean (end_device, paths, "supports_class_b", radio.class_b);
      add_boolean (end_device, paths, "supports_class_c", radio.class_c);
      break;

    case ONB_TTS_COMPONENT_AS:
    default:
      break;
    }

  {
    json_object *mask = json_object_new_object ();

    json_object_object_add (mask, "paths", paths);
    json_object_object_add (body, "field_mask", mask);
  }

  return body;
}

/* ---- the read-back against what was sent ------------------------------- */

static gboolean
differs (const char   *field,
         const char   *expected,
         const char   *actual,
         GError      **error)
{
  g_autofree char *message = NULL;

  if (expected == NULL ? actual == NULL : (actual != NULL && g_ascii_strcasecmp (expected, actual) == 0))
    return FALSE;

  message = g_strdup_printf (_("The Things Stack holds a different ‘%s’ than was sent. Provision the device again."), field);
  g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, 0, NULL, NULL, NULL, -1,
                                                      message));
  return TRUE;
}

static gboolean
boolean_differs (json_object  *end_device,
                 const char   *field,
                 gboolean      expected,
                 GError      **error)
{
  json_object *value = onb_tts_json_path (end_device, field);
  /* Protobuf JSON leaves false booleans out; a string "false" is not false. */
  gboolean actual = json_object_is_type (value, json_type_boolean) && json_object_get_boolean (value);

  if (actual == !!expected && (value == NULL || json_object_is_type (value, json_type_boolean)))
    return FALSE;

  return differs (field, expected ? "true" : "false",
                  json_object_is_type (value, json_type_boolean) ? (actual ? "true" : "false") : "?", error);
}

gboolean
onb_tts_client_verify_device (OnbTtsClient     *self,
                              OnbTtsComponent   component,
                              OnbTtsDevice     *device,
                              json_object      *end_device,
                              GError          **error)
{
  Radio radio;

  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), FALSE);
  g_return_val_if_fail (device != NULL, FALSE);
  radio = radio_of (self, device);

  if (differs ("ids.device_id", onb_tts_device_get_device_id (device), onb_tts_json_path_string (end_device, "ids.device_id"), error) ||
      differs ("ids.dev_eui", onb_tts_device_get_dev_eui (device), onb_tts_json_path_string (end_device, "ids.dev_eui"), error) ||
      differs ("ids.join_eui", onb_tts_device_get_join_eui (device), onb_tts_json_path_string (end_device, "ids.join_eui"), error))
    return FALSE;

  switch (component)
    {
    case ONB_TTS_COMPONENT_JS:
      if (differs ("root_keys.app_key", onb_tts_device_get_app_key (device), onb_tts_json_path_string (end_device, "root_keys.app_key.key"), error))
        return FALSE;
      if (g_strcmp0 (radio.lorawan_version, "MAC_V1_1") == 0 &&
          differs ("root_keys.nwk_key", onb_tts_device_get_nwk_key (device), onb_tts_json_path_string (end_device, "root_keys.nwk_key.key"), error))
        return FALSE;
      break;

    case ONB_TTS_COMPONENT_NS:
      {
        const char *phy = onb_tts_json_path_string (end_device, "lorawan_phy_version");

        /* Only what the device's settings name: where Blynk's
         * integration made the device, the rest is the integration's. */
        if ((radio.frequency_plan != NULL &&
             differs ("frequency_plan_id", radio.frequency_plan, onb_tts_json_path_string (end_device, "frequency_plan_id"), error)) ||
            (radio.lorawan_version != NULL &&
             differs ("lorawan_version", radio.lorawan_version, onb_tts_json_path_string (end_device, "lorawan_version"), error)) ||
            /* The server answers with the canonical name of an alias. */
            (radio.phy_version != NULL && onb_tts_phy_number (phy) != onb_tts_phy_number (radio.phy_version) &&
             differs ("lorawan_phy_version", radio.phy_version, phy, error)) ||
            boolean_differs (end_device, "supports_join", TRUE, error) ||
            (radio.class_b_named && boolean_differs (end_device, "supports_class_b", radio.class_b, error)) ||
            (radio.class_c_named && boolean_differs (end_device, "supports_class_c", radio.class_c, error)))
          return FALSE;
      }
      break;

    case ONB_TTS_COMPONENT_IS:
    case ONB_TTS_COMPONENT_AS:
    default:
      break;
    }

  return TRUE;
}
