/* onb-tts-answer-decode.c: the Device Repository's and the Device Claiming
 * Server's answers → checked values and worded errors (docs/tts-api.md,
 * Device Repository and Device Claiming Server)
 */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-tts-answer-decode-private.h"
#include "onb-tts-claim.h"
#include "onb-tts-client-private.h"

/* Far above any real ID, version or band name. */
#define MAX_NAME 64

G_GNUC_PRINTF (2, 3)
static gboolean
bad_answer (GError     **error,
            const char  *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE, message);
  return FALSE;
}

/* An optional object member: absent (or null) is fine, another type not. */
static gboolean
optional_member (json_object  *object,
                 const char   *key,
                 json_type     type,
                 json_object **out)
{
  json_object *value = NULL;

  *out = NULL;
  if (!json_object_object_get_ex (object, key, &value) || value == NULL)
    return TRUE;
  if (!json_object_is_type (value, type))
    return FALSE;
  *out = value;
  return TRUE;
}

/* An optional name (letters, digits, _ - .) of at most MAX_NAME
 * characters: NULL when absent; FALSE for anything else. */
static gboolean
optional_name (json_object  *object,
               const char   *key,
               char        **out)
{
  json_object *value;
  const char *text;

  *out = NULL;
  if (!optional_member (object, key, json_type_string, &value))
    return FALSE;
  if (value == NULL)
    return TRUE;
  text = json_object_get_string (value);
  if (strlen (text) > MAX_NAME)
    return FALSE;
  for (const char *c = text; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '_' && *c != '-' && *c != '.')
      return FALSE;
  if (text[0] != '\0')
    *out = g_strdup (text);
  return TRUE;
}

static gboolean
optional_boolean (json_object *object,
                  const char  *key,
                  gboolean    *out)
{
  json_object *value;

  *out = FALSE;
  if (!optional_member (object, key, json_type_boolean, &value))
    return FALSE;
  *out = value != NULL && json_object_get_boolean (value);
  return TRUE;
}

OnbModelTemplate *
onb_tts_decode_model_template (json_object  *answer,
                               const char   *profile_id,
                               GError      **error)
{
  g_autoptr(OnbModelTemplate) template = onb_model_template_new ();
  json_object *end_device = NULL;
  json_object *version_ids = NULL;
  const char *field = NULL;

  if (!json_object_is_type (answer, json_type_object) ||
      !optional_member (answer, "end_device", json_type_object, &end_device) || end_device == NULL)
    {
      bad_answer (error, _("The Device Repository's answer for the Profile ID %s holds no end device. "
                           "Check [tts] device_repository in the settings."), profile_id);
      return NULL;
    }

  if (!optional_member (end_device, "version_ids", json_type_object, &version_ids))
    field = "version_ids";
  else if (version_ids != NULL && !optional_name (version_ids, "brand_id", &template->brand_id))
    field = "version_ids.brand_id";
  else if (version_ids != NULL && !optional_name (version_ids, "model_id", &template->model_id))
    field = "version_ids.model_id";
  else if (version_ids != NULL && !optional_name (version_ids, "band_id", &template->band_id))
    field = "version_ids.band_id";
  else if (!optional_name (end_device, "lorawan_version", &template->lorawan_version))
    field = "lorawan_version";
  else if (!optional_name (end_device, "lorawan_phy_version", &template->phy_version))
    field = "lorawan_phy_version";
  else if (!optional_boolean (end_device, "supports_join", &template->supports_join))
    field = "supports_join";
  else if (!optional_boolean (end_device, "supports_class_b", &template->supports_class_b))
    field = "supports_class_b";
  else if (!optional_boolean (end_device, "supports_class_c", &template->supports_class_c))
    field = "supports_class_c";
  if (field != NULL)
    {
      bad_answer (error, _("The Device Repository's answer for the Profile ID %s has a “%s” of an unexpected "
                           "type or length."), profile_id, field);
      return NULL;
    }

  /* The enums' zero values mean "not known". */
  if (g_strcmp0 (template->lorawan_version, "MAC_UNKNOWN") == 0)
    g_clear_pointer (&template->lorawan_version, g_free);
  if (g_strcmp0 (template->phy_version, "PHY_UNKNOWN") == 0)
    g_clear_pointer (&template->phy_version, g_free);
  if ((template->lorawan_version != NULL || template->phy_version != NULL) &&
      !onb_tts_mac_phy_compatible (template->lorawan_version, template->phy_version))
    {
      bad_answer (error, _("The Device Repository's answer for the Profile ID %s names the LoRaWAN version %s "
                           "with the PHY version %s, which do not go together. Name both in its [model] section."),
                  profile_id, template->lorawan_version ?: "?", template->phy_version ?: "?");
      return NULL;
    }
  /* Onboarder onboards OTAA devices only. */
  if (!template->supports_join && template->lorawan_version != NULL)
    {
      bad_answer (error, _("The Device Repository says the model of the Profile ID %s does not join over the air "
                           "(OTAA): Onboarder cannot onboard it."), profile_id);
      return NULL;
    }

  return g_steal_pointer (&template);
}

gboolean
onb_tts_decode_claim_info (json_object  *answer,
                           const char   *join_eui,
                           gboolean     *supports_claiming,
                           GError      **error)
{
  if (!json_object_is_type (answer, json_type_object) ||
      !optional_boolean (answer, "supports_claiming", supports_claiming))
    return bad_answer (error, _("The Device Claiming Server answered the question about the JoinEUI %s in an "
                                "unexpected shape. Check [tts] claiming_server in the settings."), join_eui);
  return TRUE;
}

/* An EUI of the answer, when it names one, is the one asked for. */
static gboolean
same_eui (const char *answered,
          const char *expected)
{
  return answered == NULL || expected == NULL || g_ascii_strcasecmp (answered, expected) == 0;
}

gboolean
onb_tts_decode_claimed_ids (json_object  *ids,
                            const char   *application_id,
                            const char   *device_id,
                            const char   *dev_eui,
                            const char   *join_eui,
                            GError      **error)
{
  const char *shown = dev_eui != NULL ? dev_eui : device_id;
  json_object *app_ids = NULL;
  g_autofree char *app = NULL;
  g_autofree char *dev = NULL;
  g_autofree char *answered_dev_eui = NULL;
  g_autofree char *answered_join_eui = NULL;

  if (!json_object_is_type (ids, json_type_object) ||
      !optional_member (ids, "application_ids", json_type_object, &app_ids) || app_ids == NULL ||
      !optional_name (app_ids, "application_id", &app) || app == NULL ||
      !optional_name (ids, "device_id", &dev) ||
      !optional_name (ids, "dev_eui", &answered_dev_eui) ||
      !optional_name (ids, "join_eui", &answered_join_eui))
    return bad_answer (error, _("The Device Claiming Server's answer for the device %s does not name the device's "
                                "application in the expected shape."), shown);

  if (!g_str_equal (app, application_id))
    {
      g_set_error (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_OTHER_APPLICATION,
                   _("The device %s is claimed into another application (%s), not into %s. Ask the owner of that "
                     "application to unclaim it, or set the box aside."), shown, app, application_id);
      return FALSE;
    }

  if ((device_id != NULL && dev != NULL && !g_str_equal (dev, device_id)) ||
      !same_eui (answered_dev_eui, dev_eui) || !same_eui (answered_join_eui, join_eui))
    return bad_answer (error, _("The Device Claiming Server answered for another device than %s. "
                                "Check [tts] claiming_server in the settings."), shown);

  return TRUE;
}

gboolean
onb_tts_decode_claim_status (json_object  *answer,
                             const char   *application_id,
                             const char   *device_id,
                             GError      **error)
{
  json_object *ids = NULL;
  g_autofree char *home_net_id = NULL;

  if (!json_object_is_type (answer, json_type_object) ||
      !optional_member (answer, "end_device_ids", json_type_object, &ids) || ids == NULL ||
      !optional_name (answer, "home_net_id", &home_net_id))
    return bad_answer (error, _("The Device Claiming Server answered the claim status of the device %s in an "
                                "unexpected shape. Check [tts] claiming_server in the settings."), device_id);

  return onb_tts_decode_claimed_ids (ids, application_id, device_id, NULL, NULL, error);
}

GError *
onb_tts_error_reword (const GError *error,
                      GQuark        domain,
                      int           code,
                      const char   *message)
{
  if (domain != ONB_CLOUD_ERROR)
    return g_error_new_literal (domain, code, message);

  return onb_cloud_error_new_full (code, onb_cloud_error_get_http_status (error),
                                   onb_cloud_error_get_server_namespace (error),
                                   onb_cloud_error_get_server_name (error),
                                   onb_cloud_error_get_server_message (error),
                                   onb_cloud_error_get_retry_after (error), message);
}

char *
onb_tts_cluster_url (OnbTtsClient  *client,
                     OnbConfig     *config,
                     const char    *key,
                     GError       **error)
{
  g_autofree char *url = onb_config_get_string (config, "tts", key);
  gsize len;

  if (url == NULL)
    return g_strdup (onb_tts_client_get_server_url (client, ONB_TTS_COMPONENT_IS));
  if (!onb_http_client_check_url (client->http, url, error))
    return NULL;
  len = strlen (url);
  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';
  return g_steal_pointer (&url);
}
