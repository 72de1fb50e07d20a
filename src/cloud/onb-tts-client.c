/* onb-tts-client.c: The Things Stack HTTP API v3 (docs/design.md, The clouds) */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-enums.h"
#include "onb-cloud-error.h"
#include "onb-tts-client-private.h"

struct _OnbTtsClient
{
  GObject        parent_instance;

  OnbHttpClient *http;
  char          *server_url[4];     /* by OnbTtsComponent, no trailing "/" */
  char          *server_address[4]; /* host[:port], as device records want */
  char          *application_id;
  char          *api_key;
  char          *frequency_plan;
  char          *lorawan_version;
  char          *phy_version;
  gboolean       class_b;
  gboolean       class_c;
};

G_DEFINE_FINAL_TYPE (OnbTtsClient, onb_tts_client, G_TYPE_OBJECT)

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

/* The config keys of each component's server, by OnbTtsComponent. */
static const char * const server_keys[] = {
  "identity_server", "join_server", "network_server", "application_server",
};

const char *
onb_tts_component_to_string (OnbTtsComponent component)
{
  static const char * const names[] = { "is", "js", "ns", "as" };

  g_return_val_if_fail (component <= ONB_TTS_COMPONENT_AS, NULL);

  return names[component];
}

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

static int
phy_number (const char *phy)
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
  int phy = phy_number (phy_version);

  if (mac_version == NULL || phy < 0)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (mac_versions); i++)
    if (g_str_equal (mac_version, mac_versions[i].mac))
      return (mac_versions[i].phys & (1u << phy)) != 0;

  return FALSE;
}

/* ---- rights ----------------------------------------------------------- */

static const struct { const char *right; const char *label; } needed_rights[] = {
  { "RIGHT_APPLICATION_DEVICES_READ", N_("View devices in application") },
  { "RIGHT_APPLICATION_DEVICES_READ_KEYS", N_("View device keys in application") },
  { "RIGHT_APPLICATION_DEVICES_WRITE", N_("Create devices in application") },
  { "RIGHT_APPLICATION_DEVICES_WRITE_KEYS", N_("Edit device keys in application") },
};

const char *
onb_tts_right_get_label (const char *right)
{
  for (guint i = 0; i < G_N_ELEMENTS (needed_rights); i++)
    if (g_str_equal (right, needed_rights[i].right))
      return _(needed_rights[i].label);

  return right;
}

/* Item @index of @array, or NULL when @array is not an array (json-c
 * asserts on that) or too short: server answers may have any shape. */
static json_object *
json_array_item (json_object *array,
                 size_t       index)
{
  if (!json_object_is_type (array, json_type_array) ||
      index >= json_object_array_length (array))
    return NULL;

  return json_object_array_get_idx (array, index);
}

/* The string value, or NULL for any other JSON type. */
static const char *
json_string (json_object *value)
{
  return json_object_is_type (value, json_type_string) ? json_object_get_string (value) : NULL;
}

static gboolean
json_array_has_string (json_object *array,
                       const char  *value)
{
  if (!json_object_is_type (array, json_type_array))
    return FALSE;

  for (size_t i = 0; i < json_object_array_length (array); i++)
    if (g_strcmp0 (json_string (json_array_item (array, i)), value) == 0)
      return TRUE;

  return FALSE;
}

/* Walks "a.b.c" through nested objects; NULL when any step is missing. */
static json_object *
json_path (json_object *object,
           const char  *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; object != NULL && parts[i] != NULL; i++)
    if (!json_object_object_get_ex (object, parts[i], &object))
      return NULL;

  return object;
}

static const char *
json_path_string (json_object *object,
                  const char  *path)
{
  return json_string (json_path (object, path));
}

char **
onb_tts_client_missing_rights (OnbTtsClient *self,
                               json_object  *auth_info)
{
  g_autoptr(GStrvBuilder) missing = g_strv_builder_new ();
  json_object *rights = json_path (auth_info, "api_key.api_key.rights");
  const char *key_app = json_path_string (auth_info, "api_key.entity_ids.application_ids.application_id");
  /* An application key works for its own application only; user and
   * organisation keys carry application rights for all theirs. */
  gboolean other_app = key_app != NULL && g_strcmp0 (key_app, self->application_id) != 0;
  gboolean all = json_array_has_string (rights, "RIGHT_APPLICATION_ALL");

  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (needed_rights); i++)
    if (other_app || (!all && !json_array_has_string (rights, needed_rights[i].right)))
      g_strv_builder_add (missing, needed_rights[i].right);

  return g_strv_builder_end (missing);
}

/* ---- construction ----------------------------------------------------- */

static char *
address_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_PARSE_RELAXED, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;

  /* The device record wants host[:port], no scheme. */
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));

  return g_strdup (g_uri_get_host (uri));
}

static char *
require_string (OnbConfig   *config,
                const char  *key,
                GError     **error)
{
  g_autofree char *value = onb_config_get_string (config, "tts", key);

  if (value == NULL || g_strstrip (value)[0] == '\0')
    {
      g_autofree char *message =
        g_strdup_printf (_("The Things Stack setting “%s” is empty. Fill it in on the setup page (or in the [tts] section of the configuration)."), key);

      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_NOT_CONFIGURED, 0, NULL, key, NULL, -1, message));
      return NULL;
    }

  return g_steal_pointer (&value);
}

static void
onb_tts_client_finalize (GObject *object)
{
  OnbTtsClient *self = (OnbTtsClient *) object;

  for (guint i = 0; i < G_N_ELEMENTS (self->server_url); i++)
    {
      g_free (self->server_url[i]);
      g_free (self->server_address[i]);
    }
  g_clear_object (&self->http);
  g_free (self->application_id);
  g_free (self->api_key);
  g_free (self->frequency_plan);
  g_free (self->lorawan_version);
  g_free (self->phy_version);

  G_OBJECT_CLASS (onb_tts_client_parent_class)->finalize (object);
}

static void
onb_tts_client_class_init (OnbTtsClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_tts_client_finalize;
}

static void
onb_tts_client_init (OnbTtsClient *self)
{
}

OnbTtsClient *
onb_tts_client_new (OnbHttpClient  *http,
                    OnbConfig      *config,
                    GError        **error)
{
  g_autoptr(OnbTtsClient) self = NULL;

  g_return_val_if_fail (ONB_IS_HTTP_CLIENT (http), NULL);
  g_return_val_if_fail (ONB_IS_CONFIG (config), NULL);

  self = g_object_new (ONB_TYPE_TTS_CLIENT, NULL);
  self->http = g_object_ref (http);

  for (guint i = 0; i < G_N_ELEMENTS (server_keys); i++)
    {
      g_autofree char *url = require_string (config, server_keys[i], error);
      gsize len;

      if (url == NULL || !onb_http_client_check_url (http, url, error))
        return NULL;

      len = strlen (url);
      while (len > 0 && url[len - 1] == '/')
        url[--len] = '\0';
      self->server_address[i] = address_of (url);
      self->server_url[i] = g_steal_pointer (&url);
    }

  if (!(self->application_id = require_string (config, "application_id", error)) ||
      !(self->api_key = require_string (config, "api_key", error)) ||
      !(self->frequency_plan = require_string (config, "frequency_plan", error)) ||
      !(self->lorawan_version = require_string (config, "lorawan_version", error)) ||
      !(self->phy_version = require_string (config, "phy_version", error)))
    return NULL;

  self->class_b = onb_config_get_boolean (config, "tts", "class_b", FALSE);
  self->class_c = onb_config_get_boolean (config, "tts", "class_c", FALSE);

  return g_steal_pointer (&self);
}

const char *
onb_tts_client_get_application_id (OnbTtsClient *self)
{
  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), NULL);

  return self->application_id;
}

const char *
onb_tts_client_get_server_url (OnbTtsClient    *self,
                               OnbTtsComponent  component)
{
  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), NULL);
  g_return_val_if_fail (component <= ONB_TTS_COMPONENT_AS, NULL);

  return self->server_url[component];
}

/* ---- errors ------------------------------------------------------------ */

/* Server text goes into a worker's sentence: at most this many
 * characters of it, and only valid UTF-8. */
#define MAX_SERVER_TEXT 200

static char *
server_text (const char *text)
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
  json_object *value = json_path (attributes, name);
  const char *item;

  if (json_object_is_type (value, json_type_array))
    {
      g_autoptr(GString) joined = g_string_new (NULL);

      for (size_t i = 0; i < 8 && i < json_object_array_length (value); i++)
        if ((item = json_string (json_array_item (value, i))) != NULL)
          g_string_append_printf (joined, "%s%s", joined->len > 0 ? "’, ‘" : "",
                                  onb_tts_right_get_label (item));

      return joined->len > 0 ? server_text (joined->str) : NULL;
    }

  if (json_object_is_type (value, json_type_string) ||
      json_object_is_type (value, json_type_int) ||
      json_object_is_type (value, json_type_double))
    return server_text (json_object_get_string (value));

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
  json_object *detail = json_array_item (json_path (json, "details"), 0);
  json_object *attributes = json_path (detail, "attributes");
  g_autofree char *ns = server_text (json_path_string (detail, "namespace"));
  g_autofree char *name = server_text (json_path_string (detail, "name"));
  g_autofree char *server_message = server_text (json_path_string (json, "message"));
  guint status = onb_http_response_get_status (response);
  g_autofree char *message = NULL;
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
           g_str_has_suffix (json_path_string (attributes, "field") ?: "", "lorawan_phy_version"))
    {
      code = ONB_CLOUD_ERROR_BAND_VERSION;
      message = g_strdup_printf (_("The PHY version %s does not go with LoRaWAN %s and the frequency plan %s. Choose a matching PHY version in the settings."),
                                 self->phy_version, self->lorawan_version, self->frequency_plan);
    }
  else if (g_strcmp0 (ns, "pkg/frequencyplans") == 0 && g_strcmp0 (name, "not_found") == 0)
    {
      code = ONB_CLOUD_ERROR_FREQUENCY_PLAN;
      message = g_strdup_printf (_("The Things Stack does not know the frequency plan “%s”. Choose one of the plans it offers in the settings."),
                                 self->frequency_plan);
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
      g_autofree char *host = server_text (target != NULL ? g_uri_get_host (target) : NULL);

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

/* ---- one call ---------------------------------------------------------- */

typedef struct
{
  OnbTtsComponent  component;
  char            *device_id;
  gboolean         not_found_ok;
} Call;

static void
call_free (gpointer data)
{
  Call *call = data;

  g_free (call->device_id);
  g_free (call);
}

static void
call_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbTtsClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  json_object *json;

  response = onb_http_client_send_finish (ONB_HTTP_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (call->not_found_ok && onb_http_response_get_status (response) == 404)
    {
      g_task_return_pointer (task, json_object_new_object (), (GDestroyNotify) json_object_put);
      return;
    }

  if (!onb_http_response_is_success (response))
    {
      g_task_return_error (task, onb_tts_client_decode_error (self, call->component, call->device_id, response));
      return;
    }

  json = onb_tts_client_decode_answer (response, &error);
  if (json == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, json, (GDestroyNotify) json_object_put);
}

/* Sends @request with the API key; the task returns the answer's JSON
 * (an empty object for an empty body) or a decoded error. */
static void
call_async (OnbTtsClient        *self,
            OnbTtsComponent      component,
            const char          *device_id,
            gboolean             not_found_ok,
            OnbHttpRequest      *request,
            GCancellable        *cancellable,
            gpointer             source_tag,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  call->component = component;
  call->device_id = g_strdup (device_id);
  call->not_found_ok = not_found_ok;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, call_free);

  onb_http_request_set_bearer_token (request, self->api_key);
  onb_http_client_send_async (self->http, request, cancellable, call_done, task);
}

static json_object *
call_finish (OnbTtsClient  *self,
             GAsyncResult  *result,
             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static char *
device_url (OnbTtsClient    *self,
            OnbTtsComponent  component,
            const char      *device_id)
{
  const char *base = self->server_url[component];

  if (component == ONB_TTS_COMPONENT_IS)
    return onb_http_build_url (base, "api", "v3", "applications", self->application_id,
                               "devices", device_id, NULL);

  return onb_http_build_url (base, "api", "v3", onb_tts_component_to_string (component),
                             "applications", self->application_id, "devices", device_id, NULL);
}

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

  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), NULL);
  g_return_val_if_fail (device != NULL, NULL);

  json_object_object_add (end_device, "ids", ids_object (self, device));
  json_object_object_add (body, "end_device", end_device);

  switch (component)
    {
    case ONB_TTS_COMPONENT_IS:
      json_object_object_add (end_device, "network_server_address", json_object_new_string (self->server_address[ONB_TTS_COMPONENT_NS]));
      json_object_object_add (end_device, "application_server_address", json_object_new_string (self->server_address[ONB_TTS_COMPONENT_AS]));
      json_object_object_add (end_device, "join_server_address", json_object_new_string (self->server_address[ONB_TTS_COMPONENT_JS]));
      /* CreateEndDeviceRequest has no field mask. */
      json_object_put (paths);
      return body;

    case ONB_TTS_COMPONENT_JS:
      {
        json_object *root_keys = json_object_new_object ();
        gboolean v1_1 = g_str_equal (self->lorawan_version, "MAC_V1_1");

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
      add_boolean (end_device, paths, "supports_join", TRUE);
      add_string (end_device, paths, "lorawan_version", self->lorawan_version);
      add_string (end_device, paths, "lorawan_phy_version", self->phy_version);
      add_string (end_device, paths, "frequency_plan_id", self->frequency_plan);
      add_boolean (end_device, paths, "supports_class_b", self->class_b);
      add_boolean (end_device, paths, "supports_class_c", self->class_c);
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

/* ---- create in IS --------------------------------------------------------- */

typedef struct
{
  OnbTtsDevice *device;
  GError       *conflict; /* the 409, kept while we look at what is there */
} CreateIs;

static void
create_is_free (gpointer data)
{
  CreateIs *state = data;

  g_clear_pointer (&state->device, onb_tts_device_unref);
  g_clear_error (&state->conflict);
  g_free (state);
}

static void
create_is_existing_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbTtsClient *self = ONB_TTS_CLIENT (object);
  CreateIs *state = g_task_get_task_data (task);
  g_autoptr(json_object) existing = NULL;
  g_autoptr(GError) error = NULL;
  const char *dev_eui;
  const char *join_eui;

  existing = onb_tts_client_get_finish (self, result, &error);
  if (existing == NULL)
    {
      /* Could not look for now (dropped, timed out, 5xx): that passes, and
       * the retry will look again; only a real answer can say "taken". */
      if (onb_cloud_error_is_transient (error))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_error (task, g_steal_pointer (&state->conflict));
      return;
    }

  dev_eui = json_path_string (existing, "ids.dev_eui");
  join_eui = json_path_string (existing, "ids.join_eui");
  if (g_ascii_strcasecmp (dev_eui ? dev_eui : "", onb_tts_device_get_dev_eui (state->device)) == 0 &&
      g_ascii_strcasecmp (join_eui ? join_eui : "", onb_tts_device_get_join_eui (state->device)) == 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("This device is already registered in the application “%s”."), self->application_id);
      GError *already = onb_cloud_error_new_full (ONB_CLOUD_ERROR_ALREADY_EXISTS, 409,
                                                  onb_cloud_error_get_server_namespace (state->conflict),
                                                  onb_cloud_error_get_server_name (state->conflict),
                                                  onb_cloud_error_get_server_message (state->conflict),
                                                  -1, message);

      g_task_return_error (task, already);
      return;
    }

  g_task_return_error (task, g_steal_pointer (&state->conflict));
}

static void
create_is_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbTtsClient *self = ONB_TTS_CLIENT (object);
  CreateIs *state = g_task_get_task_data (task);
  g_autoptr(json_object) created = NULL;
  g_autoptr(GError) error = NULL;

  created = call_finish (self, result, &error);
  if (created != NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&created), (GDestroyNotify) json_object_put);
      return;
    }

  /* A 409 on our deterministic device ID: is it this very device (a retry
   * after a crash or a second scan) or another one? Look before saying. */
  if (g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_ID_TAKEN))
    {
      state->conflict = g_steal_pointer (&error);
      onb_tts_client_get_async (self, ONB_TTS_COMPONENT_IS,
                                onb_tts_device_get_device_id (state->device),
                                g_task_get_cancellable (task),
                                create_is_existing_cb, g_object_ref (task));
      return;
    }

  g_task_return_error (task, g_steal_pointer (&error));
}

void
onb_tts_client_create_is_async (OnbTtsClient        *self,
                                OnbTtsDevice        *device,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(OnbHttpRequest) request = NULL;
  g_autoptr(json_object) body = NULL;
  g_autofree char *url = NULL;
  CreateIs *state;

  g_return_if_fail (ONB_IS_TTS_CLIENT (self));
  g_return_if_fail (device != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_client_create_is_async);
  state = g_new0 (CreateIs, 1);
  state->device = onb_tts_device_ref (device);
  g_task_set_task_data (task, state, create_is_free);

  url = onb_http_build_url (self->server_url[ONB_TTS_COMPONENT_IS], "api", "v3", "applications",
                            self->application_id, "devices", NULL);
  request = onb_http_request_new ("POST", url);
  body = onb_tts_client_build_body (self, ONB_TTS_COMPONENT_IS, device, NULL);
  onb_http_request_set_json_body (request, body);

  call_async (self, ONB_TTS_COMPONENT_IS, onb_tts_device_get_device_id (device), FALSE,
              request, cancellable, onb_tts_client_create_is_async,
              create_is_cb, g_steal_pointer (&task));
}

/* Hands the server's answer to @out_record when it is an end device (it
 * has its ids), else NULL: the caller then reads the device back. */
static gboolean
record_finish (OnbTtsClient  *self,
               GAsyncResult  *result,
               json_object  **out_record,
               GError       **error)
{
  g_autoptr(json_object) answer = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  answer = g_task_propagate_pointer (G_TASK (result), error);
  if (answer == NULL)
    return FALSE;
  if (out_record != NULL)
    *out_record = json_path (answer, "ids") != NULL ? g_steal_pointer (&answer) : NULL;
  return TRUE;
}

gboolean
onb_tts_client_create_is_finish (OnbTtsClient  *self,
                                 GAsyncResult  *result,
                                 json_object  **out_record,
                                 GError       **error)
{
  return record_finish (self, result, out_record, error);
}

/* ---- set on JS/NS/AS ------------------------------------------------------ */

void
onb_tts_client_set_async (OnbTtsClient        *self,
                          OnbTtsComponent      component,
                          OnbTtsDevice        *device,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(OnbHttpRequest) request = NULL;
  g_autoptr(json_object) body = NULL;
  g_autofree char *url = NULL;
  GError *error = NULL;

  g_return_if_fail (ONB_IS_TTS_CLIENT (self));
  g_return_if_fail (component != ONB_TTS_COMPONENT_IS && component <= ONB_TTS_COMPONENT_AS);
  g_return_if_fail (device != NULL);

  body = onb_tts_client_build_body (self, component, device, &error);
  if (body == NULL)
    {
      g_task_report_error (self, callback, user_data, onb_tts_client_set_async, error);
      return;
    }

  url = device_url (self, component, onb_tts_device_get_device_id (device));
  request = onb_http_request_new ("PUT", url);
  onb_http_request_set_json_body (request, body);

  /* The answer is the end device as stored, for the mask sent. */
  call_async (self, component, onb_tts_device_get_device_id (device), FALSE,
              request, cancellable, onb_tts_client_set_async, callback, user_data);
}

gboolean
onb_tts_client_set_finish (OnbTtsClient  *self,
                           GAsyncResult  *result,
                           json_object  **out_record,
                           GError       **error)
{
  return record_finish (self, result, out_record, error);
}

/* ---- fan-out of several boolean steps ------------------------------------- */

/* Runs steps concurrently and completes @task once all are done, with the
 * first error (the others are logged at debug level, without secrets). */
typedef struct
{
  GTask  *task;
  guint   pending;
  GError *error;
} FanOut;

static FanOut *
fan_out_new (GTask *task,
             guint  n)
{
  FanOut *fan = g_new0 (FanOut, 1);

  fan->task = g_object_ref (task);
  fan->pending = n;

  return fan;
}

static void
fan_out_step_done (FanOut *fan,
                   GError *error)
{
  if (error != NULL)
    {
      if (fan->error == NULL)
        fan->error = error;
      else
        {
          g_debug ("another concurrent step failed too: %s", onb_cloud_error_get_server_name (error));
          g_error_free (error);
        }
    }

  if (--fan->pending > 0)
    return;

  if (fan->error != NULL)
    g_task_return_error (fan->task, fan->error);
  else
    g_task_return_boolean (fan->task, TRUE);
  g_object_unref (fan->task);
  g_free (fan);
}

static void
fan_out_set_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError *error = NULL;

  onb_tts_client_set_finish (ONB_TTS_CLIENT (object), result, NULL, &error);
  fan_out_step_done (user_data, error);
}

static void
fan_out_delete_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GError *error = NULL;

  onb_tts_client_delete_from_finish (ONB_TTS_CLIENT (object), result, &error);
  fan_out_step_done (user_data, error);
}

/* ---- whole creation ---------------------------------------------------------- */

static void
create_device_is_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbTtsClient *self = ONB_TTS_CLIENT (object);
  OnbTtsDevice *device = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  FanOut *fan;

  if (!onb_tts_client_create_is_finish (self, result, NULL, &error) &&
      !g_error_matches (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_ALREADY_EXISTS))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* JS, NS and AS only need the IS record: all three at once. */
  fan = fan_out_new (task, 3);
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
    onb_tts_client_set_async (self, c, device, g_task_get_cancellable (task), fan_out_set_cb, fan);
}

void
onb_tts_client_create_device_async (OnbTtsClient        *self,
                                    OnbTtsDevice        *device,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ONB_IS_TTS_CLIENT (self));
  g_return_if_fail (device != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_client_create_device_async);
  g_task_set_task_data (task, onb_tts_device_ref (device), (GDestroyNotify) onb_tts_device_unref);

  onb_tts_client_create_is_async (self, device, cancellable, create_device_is_cb, task);
}

gboolean
onb_tts_client_create_device_finish (OnbTtsClient  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- reads ------------------------------------------------------------------- */

/* The fields each component owns and a verify compares. */
static const char * const get_masks[] = {
  "network_server_address,application_server_address,join_server_address",
  "network_server_address,application_server_address,root_keys",
  "frequency_plan_id,lorawan_version,lorawan_phy_version,supports_join,supports_class_b,supports_class_c",
  "ids",
};

void
onb_tts_client_get_async (OnbTtsClient        *self,
                          OnbTtsComponent      component,
                          const char          *device_id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(OnbHttpRequest) request = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (ONB_IS_TTS_CLIENT (self));
  g_return_if_fail (component <= ONB_TTS_COMPONENT_AS);
  g_return_if_fail (device_id != NULL);

  url = device_url (self, component, device_id);
  request = onb_http_request_new ("GET", url);
  onb_http_request_add_query (request, "field_mask", get_masks[component]);

  call_async (self, component, device_id, FALSE, request, cancellable,
              onb_tts_client_get_async, callback, user_data);
}

json_object *
onb_tts_client_get_finish (OnbTtsClient  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return call_finish (self, result, error);
}

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
  json_object *value = json_path (end_device, field);
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
  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), FALSE);
  g_return_val_if_fail (device != NULL, FALSE);

  if (differs ("ids.device_id", onb_tts_device_get_device_id (device), json_path_string (end_device, "ids.device_id"), error) ||
      differs ("ids.dev_eui", onb_tts_device_get_dev_eui (device), json_path_string (end_device, "ids.dev_eui"), error) ||
      differs ("ids.join_eui", onb_tts_device_get_join_eui (device), json_path_string (end_device, "ids.join_eui"), error))
    return FALSE;

  switch (component)
    {
    case ONB_TTS_COMPONENT_JS:
      if (differs ("root_keys.app_key", onb_tts_device_get_app_key (device), json_path_string (end_device, "root_keys.app_key.key"), error))
        return FALSE;
      if (g_str_equal (self->lorawan_version, "MAC_V1_1") &&
          differs ("root_keys.nwk_key", onb_tts_device_get_nwk_key (device), json_path_string (end_device, "root_keys.nwk_key.key"), error))
        return FALSE;
      break;

    case ONB_TTS_COMPONENT_NS:
      {
        const char *phy = json_path_string (end_device, "lorawan_phy_version");

        if (differs ("frequency_plan_id", self->frequency_plan, json_path_string (end_device, "frequency_plan_id"), error) ||
            differs ("lorawan_version", self->lorawan_version, json_path_string (end_device, "lorawan_version"), error) ||
            /* The server answers with the canonical name of an alias. */
            (phy_number (phy) != phy_number (self->phy_version) &&
             differs ("lorawan_phy_version", self->phy_version, phy, error)) ||
            boolean_differs (end_device, "supports_join", TRUE, error) ||
            boolean_differs (end_device, "supports_class_b", self->class_b, error) ||
            boolean_differs (end_device, "supports_class_c", self->class_c, error))
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

/* ---- delete -------------------------------------------------------------------- */

static void
delete_from_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(json_object) answer = NULL;
  GError *error = NULL;

  answer = call_finish (ONB_TTS_CLIENT (object), result, &error);
  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
onb_tts_client_delete_from_async (OnbTtsClient        *self,
                                  OnbTtsComponent      component,
                                  const char          *device_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(OnbHttpRequest) request = NULL;
  g_autofree char *url = NULL;
  GTask *task;

  g_return_if_fail (ONB_IS_TTS_CLIENT (self));
  g_return_if_fail (component <= ONB_TTS_COMPONENT_AS);
  g_return_if_fail (device_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_client_delete_from_async);

  url = device_url (self, component, device_id);
  request = onb_http_request_new ("DELETE", url);

  /* Already gone is what we wanted. */
  call_async (self, component, device_id, TRUE, request, cancellable,
              onb_tts_client_delete_from_async, delete_from_cb, task);
}

gboolean
onb_tts_client_delete_from_finish (OnbTtsClient  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
delete_is_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (onb_tts_client_delete_from_finish (ONB_TTS_CLIENT (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
delete_components_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GTask *components = G_TASK (result);
  GError *error = NULL;

  if (!g_task_propagate_boolean (components, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* IS last: its record is what reserves the EUIs for the others. */
  onb_tts_client_delete_from_async (ONB_TTS_CLIENT (object), ONB_TTS_COMPONENT_IS,
                                    g_task_get_task_data (task), g_task_get_cancellable (task),
                                    delete_is_cb, g_object_ref (task));
}

void
onb_tts_client_delete_async (OnbTtsClient        *self,
                             const char          *device_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  g_autoptr(GTask) components = NULL;
  FanOut *fan;

  g_return_if_fail (ONB_IS_TTS_CLIENT (self));
  g_return_if_fail (device_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_client_delete_async);
  g_task_set_task_data (task, g_strdup (device_id), g_free);

  /* AS, NS and JS do not depend on each other: delete them together. */
  components = g_task_new (self, cancellable, delete_components_cb, task);
  fan = fan_out_new (components, 3);
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_AS; c >= ONB_TTS_COMPONENT_JS; c--)
    onb_tts_client_delete_from_async (self, c, device_id, cancellable, fan_out_delete_cb, fan);
}

gboolean
onb_tts_client_delete_finish (OnbTtsClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- other reads ----------------------------------------------------------------- */

static void
simple_get (OnbTtsClient        *self,
            char                *url,
            gpointer             source_tag,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(OnbHttpRequest) request = onb_http_request_new ("GET", url);

  g_free (url);
  call_async (self, ONB_TTS_COMPONENT_IS, NULL, FALSE, request, cancellable,
              source_tag, callback, user_data);
}

void
onb_tts_client_get_auth_info_async (OnbTtsClient        *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (ONB_IS_TTS_CLIENT (self));

  simple_get (self,
              onb_http_build_url (self->server_url[ONB_TTS_COMPONENT_IS], "api", "v3", "auth_info", NULL),
              onb_tts_client_get_auth_info_async, cancellable, callback, user_data);
}

json_object *
onb_tts_client_get_auth_info_finish (OnbTtsClient  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return call_finish (self, result, error);
}

void
onb_tts_client_get_application_async (OnbTtsClient        *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (ONB_IS_TTS_CLIENT (self));

  simple_get (self,
              onb_http_build_url (self->server_url[ONB_TTS_COMPONENT_IS], "api", "v3", "applications",
                                  self->application_id, NULL),
              onb_tts_client_get_application_async, cancellable, callback, user_data);
}

json_object *
onb_tts_client_get_application_finish (OnbTtsClient  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return call_finish (self, result, error);
}

/* {"frequency_plans": [{id, name, band_id, base_frequency}]}; entries
 * without a string id are skipped, a list of another type is refused. */
GPtrArray *
onb_tts_decode_frequency_plans (json_object  *json,
                                GError      **error)
{
  g_autoptr(GPtrArray) plans = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_tts_frequency_plan_free);
  json_object *list = json_path (json, "frequency_plans");

  if (!json_object_is_type (list, json_type_array))
    {
      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, 0, NULL, NULL, NULL, -1,
                                                          _("The Things Stack sent no list of frequency plans. Check the Identity Server address in the settings.")));
      return NULL;
    }

  for (size_t i = 0; i < json_object_array_length (list); i++)
    {
      json_object *item = json_array_item (list, i);
      json_object *frequency = json_path (item, "base_frequency");
      OnbTtsFrequencyPlan *plan;

      if (json_path_string (item, "id") == NULL)
        continue;

      plan = g_new0 (OnbTtsFrequencyPlan, 1);
      plan->id = server_text (json_path_string (item, "id"));
      plan->name = server_text (json_path_string (item, "name"));
      plan->band_id = server_text (json_path_string (item, "band_id"));
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

  json = call_finish (ONB_TTS_CLIENT (object), result, &error);
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
  simple_get (self,
              onb_http_build_url (self->server_url[ONB_TTS_COMPONENT_IS], "api", "v3", "configuration",
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
