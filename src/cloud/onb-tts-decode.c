/* onb-tts-decode.c: The Things Stack's answers → checked values and
 * worded errors (docs/tts-api.md, "Errors")
 *
 * Answers may have any shape (an HTML page from a proxy, an empty 500):
 * every decoder checks each type before use. No I/O: the fuzz target
 * calls these directly.
 */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-tts-client-private.h"

static const char *
component_title (OnbTtsComponent component)
{
  switch (component)
    {
    case ONB_TTS_COMPONENT_IS: return _("Identity Server");
    case ONB_TTS_COMPONENT_JS: return _("Join Server");
    case ONB_TTS_COMPONENT_NS: return _("Network Server");
    case ONB_TTS_COMPONENT_AS: return _("Application Server");
    default: g_return_val_if_reached (NULL);
    }
}

/* Item @index of @array, or NULL when @array is not an array (json-c
 * asserts on that) or too short: server answers may have any shape. */
json_object *
onb_tts_json_array_item (json_object *array,
                         size_t       index)
{
  if (!json_object_is_type (array, json_type_array) ||
      index >= json_object_array_length (array))
    return NULL;

  return json_object_array_get_idx (array, index);
}

/* The string value, or NULL for any other JSON type. */
const char *
onb_tts_json_string (json_object *value)
{
  return json_object_is_type (value, json_type_string) ? json_object_get_string (value) : NULL;
}

/* Walks "a.b.c" through nested objects; NULL when any step is missing. */
json_object *
onb_tts_json_path (json_object *object,
                   const char  *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; object != NULL && parts[i] != NULL; i++)
    if (!json_object_object_get_ex (object, parts[i], &object))
      return NULL;

  return object;
}

const char *
onb_tts_json_path_string (json_object *object,
                          const char  *path)
{
  return onb_tts_json_string (onb_tts_json_path (object, path));
}

/* ---- errors ------------------------------------------------------------ */

/* Server text goes into a worker's sentence: at most this many
 * characters of it, and only valid UTF-8. */
#define MAX_SERVER_TEXT 200

char *
onb_tts_server_text (const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, MIN (strlen (text), MAX_SERVER_TEXT * 4));
  if (g_utf8_strlen (valid, -1) <= MAX_SERVER_TEXT)
    return g_steal_pointer (&valid);

  {
    g_autofree char *cut = g_utf8_substring (valid, 0, MAX_SERVER_TEXT);

    return g_strconcat (cut, "…", NULL);
  }
}

/* An attribute that is a string, a number, or an array of strings (of
 * which the first few are named); anything else is unknown (NULL). */
static char *
attribute_string (json_object *attributes,
                  const char  *name)
{
  json_object *value = onb_tts_json_path (attributes, name);
  const char *item;

  if (json_object_is_type (value, json_type_array))
    {
      g_autoptr(GString) joined = g_string_new (NULL);

      for (size_t i = 0; i < 8 && i < json_object_array_length (value); i++)
        if ((item = onb_tts_json_string (onb_tts_json_array_item (value, i))) != NULL)
          g_string_append_printf (joined, "%s%s", joined->len > 0 ? "’, ‘" : "",
                                  onb_tts_right_get_label (item));

      return joined->len > 0 ? onb_tts_server_text (joined->str) : NULL;
    }

  if (json_object_is_type (value, json_type_string) ||
      json_object_is_type (value, json_type_int) ||
      json_object_is_type (value, json_type_double))
    return onb_tts_server_text (json_object_get_string (value));

  return NULL;
}

/* Turns TTS's {"code", "message", "details": [{namespace, name,
 * attributes}]} into the error class and a worker's sentence. Any part
 * may be missing or of another type (an HTML page from a proxy, an empty
 * 500): the status alone then decides. */
GError *
onb_tts_client_decode_error (OnbTtsClient    *self,
                             OnbTtsComponent  component,
                             const char      *device_id,
                             OnbHttpResponse *response)
{
  json_object *json = onb_http_response_get_json (response);
  json_object *detail = onb_tts_json_array_item (onb_tts_json_path (json, "details"), 0);
  json_object *attributes = onb_tts_json_path (detail, "attributes");
  g_autofree char *ns = onb_tts_server_text (onb_tts_json_path_string (detail, "namespace"));
  g_autofree char *name = onb_tts_server_text (onb_tts_json_path_string (detail, "name"));
  g_autofree char *server_message = onb_tts_server_text (onb_tts_json_path_string (json, "message"));
  guint status = onb_http_response_get_status (response);
  g_autofree char *message = NULL;
  g_autofree char *plan = NULL;
  int code = -1;

  if (g_strcmp0 (name, "insufficient_application_rights") == 0)
    {
      g_autofree char *missing = attribute_string (attributes, "missing");

      message = g_strdup_printf (_("The Things Stack API key is missing rights for this step: add the right ‘%s’ to the key in the console (application “%s” → API keys), or use another key."),
                                 missing != NULL ? missing : "?", self->application_id);
    }
  else if (g_strcmp0 (name, "no_application_rights") == 0)
    message = g_strdup_printf (_("The Things Stack API key has no rights on the application “%s”: it probably belongs to another application. Create a key in this application and enter it in the settings."),
                               self->application_id);
  else if (status == 401)
    message = g_strdup (_("The Things Stack did not accept the API key: it is wrong, expired or deleted. Enter a valid API key (NNSXS…) in the settings."));
  else if (g_strcmp0 (name, "end_device_euis_taken") == 0 || g_strcmp0 (name, "duplicate_identifiers") == 0)
    {
      g_autofree char *app = attribute_string (attributes, "application_id");
      g_autofree char *dev = attribute_string (attributes, "device_id");

      code = ONB_CLOUD_ERROR_EUIS_TAKEN;
      if (g_strcmp0 (app, self->application_id) == 0)
        message = g_strdup_printf (_("This DevEUI is already registered in this application as “%s”. Delete that device in The Things Stack or re-provision it."),
                                   dev != NULL ? dev : "?");
      else
        message = g_strdup_printf (_("This DevEUI is already registered in another application (%s). Ask the owner of that application to delete it, or check the label."),
                                   app != NULL ? app : _("unknown"));
    }
  else if (g_strcmp0 (name, "id_taken") == 0)
    {
      code = ONB_CLOUD_ERROR_ID_TAKEN;
      message = g_strdup_printf (_("The device ID “%s” is already used in this application."), device_id);
    }
  else if (g_strcmp0 (name, "field_mask_paths") == 0)
    {
      g_autofree char *paths = attribute_string (attributes, "forbidden_paths");

      code = ONB_CLOUD_ERROR_FIELD_MASK;
      message = g_strdup_printf (_("The %s refused the fields ‘%s’. This is a bug in Onboarder: please report it."),
                                 component_title (component), paths != NULL ? paths : "?");
    }
  else if (g_strcmp0 (name, "no_band_version") == 0 ||
           g_str_has_suffix (onb_tts_json_path_string (attributes, "field") ?: "", "lorawan_phy_version"))
    {
      code = ONB_CLOUD_ERROR_BAND_VERSION;
      message = g_strdup (_("The device's PHY version does not go with its LoRaWAN version and frequency plan. Choose a matching phy_version for its model, or in the settings."));
    }
  else if (g_strcmp0 (ns, "pkg/frequencyplans") == 0 && g_strcmp0 (name, "not_found") == 0)
    {
      code = ONB_CLOUD_ERROR_FREQUENCY_PLAN;
      plan = attribute_string (attributes, "id");
      message = g_strdup_printf (_("The Things Stack does not know the frequency plan “%s”. Choose one of the plans it offers in the settings."),
                                 plan != NULL ? plan : "?");
    }
  else if (status == 404)
    message = g_strdup_printf (_("The device “%s” does not exist on the %s."),
                               device_id != NULL ? device_id : self->application_id, component_title (component));
  else if (status == 429)
    message = g_strdup (_("The Things Stack is receiving too many requests. The device stays queued and is retried shortly."));
  else if (status >= 300 && status < 400)
    {
      /* Never followed: the API key would go along to wherever it points. */
      g_autoptr(GUri) target = g_uri_parse (onb_http_response_get_header (response, "Location") ?: "",
                                            G_URI_FLAGS_PARSE_RELAXED, NULL);
      g_autofree char *host = onb_tts_server_text (target != NULL ? g_uri_get_host (target) : NULL);

      message = g_strdup_printf (_("The %s sends Onboarder to another address (%s) instead of answering. Onboarder does not follow it with the API key: check the server address in the settings."),
                                 component_title (component), host != NULL ? host : _("unknown"));
    }
  else if (status >= 500)
    message = g_strdup_printf (_("The Things Stack has a problem right now (HTTP %u). The device stays queued and is retried."), status);
  else if (g_strcmp0 (name, "validation") == 0 || g_strcmp0 (name, "field_value") == 0 ||
           g_strcmp0 (name, "invalid_field_value") == 0)
    {
      g_autofree char *field = attribute_string (attributes, "field");
      g_autofree char *reason = attribute_string (attributes, "reason");

      code = ONB_CLOUD_ERROR_INVALID_REQUEST;
      message = g_strdup_printf (_("The %s rejected the value of ‘%s’%s%s. Check the settings."),
                                 component_title (component), field != NULL ? field : "?",
                                 reason != NULL ? ": " : "", reason != NULL ? reason : "");
    }
  else
    message = g_strdup_printf (_("The %s refused the request (HTTP %u): %s"),
                               component_title (component), status,
                               server_message != NULL ? server_message : _("no details"));

  /* The refined class at creation: a GError's code is not rewritten. */
  if (code >= 0)
    return onb_cloud_error_new_full (code, status, ns, name, server_message,
                                     onb_http_response_get_retry_after (response), message);
  return onb_http_response_to_error (response, ns, name, server_message, message);
}

/* Every answer of The Things Stack's API is a JSON object; an empty body
 * (a DELETE) counts as an empty one. */
json_object *
onb_tts_client_decode_answer (OnbHttpResponse  *response,
                              GError          **error)
{
  json_object *json = onb_http_response_get_json (response);

  if (json == NULL && g_bytes_get_size (onb_http_response_get_body (response)) == 0)
    return json_object_new_object ();

  if (!json_object_is_type (json, json_type_object))
    {
      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE,
                                                          onb_http_response_get_status (response),
                                                          NULL, NULL, NULL, -1,
                                                          json == NULL
                                                          ? _("The Things Stack sent an answer that is not JSON. Check the server addresses in the settings.")
                                                          : _("The Things Stack sent an answer of an unexpected shape. Check the server addresses in the settings.")));
      return NULL;
    }

  return json_object_get (json);
}
