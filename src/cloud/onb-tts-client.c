/* onb-tts-client.c: The Things Stack HTTP API v3 (docs/design.md, The clouds)
 *
 * Paths and field masks: docs/tts-api.md, "The device's four components".
 * The bodies sent and the comparison of what is read back are
 * onb-tts-end-device.c; the decoders of its answers, onb-tts-decode.c;
 * what `check` asks, onb-tts-check.c.
 */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-enums.h"
#include "onb-cloud-error.h"
#include "onb-tts-client-private.h"

G_DEFINE_FINAL_TYPE (OnbTtsClient, onb_tts_client, G_TYPE_OBJECT)

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
      !(self->api_key = require_string (config, "api_key", error)))
    return NULL;

  /* The station's radio defaults, for a device without its model's
   * settings; a station whose models (or the Device Repository) give
   * them needs none. */
  {
    g_auto(GStrv) plans = onb_config_get_frequency_plans (config);

    self->frequency_plan = g_strdup (plans[0]);
  }
  self->lorawan_version = onb_config_get_string (config, "tts", "lorawan_version");
  self->phy_version = onb_config_get_string (config, "tts", "phy_version");
  self->class_b = onb_config_get_boolean (config, "tts", "class_b", FALSE);
  self->class_c = onb_config_get_boolean (config, "tts", "class_c", FALSE);
  {
    g_autofree char *created_by = onb_config_get_string (config, "tts", "created_by");

    self->blynk_creates = g_strcmp0 (created_by, "blynk") == 0;
  }
  self->blynk_wait_s = (guint) onb_config_get_int (config, "tts", "blynk_wait_s", ONB_TTS_BLYNK_WAIT_S_DEFAULT);

  return g_steal_pointer (&self);
}

gboolean
onb_tts_client_get_blynk_creates (OnbTtsClient *self)
{
  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), FALSE);

  return self->blynk_creates;
}

guint
onb_tts_client_get_blynk_wait_s (OnbTtsClient *self)
{
  g_return_val_if_fail (ONB_IS_TTS_CLIENT (self), 0);

  return self->blynk_wait_s;
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

/* ---- one call ---------------------------------------------------------- */

/* How a call takes a 404. */
typedef enum
{
  CALL_NOT_FOUND_FAILS,
  CALL_NOT_FOUND_OK,      /* a delete: already gone is what we wanted */
} CallNotFound;

typedef struct
{
  OnbTtsComponent  component;
  char            *device_id;
  CallNotFound     not_found;
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

  if (call->not_found == CALL_NOT_FOUND_OK && onb_http_response_get_status (response) == 404)
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
            CallNotFound         not_found,
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
  call->not_found = not_found;
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

  dev_eui = onb_tts_json_path_string (existing, "ids.dev_eui");
  join_eui = onb_tts_json_path_string (existing, "ids.join_eui");
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

  call_async (self, ONB_TTS_COMPONENT_IS, onb_tts_device_get_device_id (device), CALL_NOT_FOUND_FAILS,
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
    *out_record = onb_tts_json_path (answer, "ids") != NULL ? g_steal_pointer (&answer) : NULL;
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
  call_async (self, component, onb_tts_device_get_device_id (device), CALL_NOT_FOUND_FAILS,
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

/* ---- fan-out of the component deletes ------------------------------------ */

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
fan_out_delete_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GError *error = NULL;

  onb_tts_client_delete_from_finish (ONB_TTS_CLIENT (object), result, &error);
  fan_out_step_done (user_data, error);
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

  call_async (self, component, device_id, CALL_NOT_FOUND_FAILS, request, cancellable,
              onb_tts_client_get_async, callback, user_data);
}

json_object *
onb_tts_client_get_finish (OnbTtsClient  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return call_finish (self, result, error);
}

/* ---- delete -------------------------------------------------------------------- */

/* The one end of every delete: @user_data is the task to complete. */
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

/* Takes @task, completed by delete_from_cb(). */
static void
delete_from (OnbTtsClient    *self,
             OnbTtsComponent  component,
             const char      *device_id,
             GTask           *task)
{
  g_autofree char *url = device_url (self, component, device_id);
  g_autoptr(OnbHttpRequest) request = onb_http_request_new ("DELETE", url);

  call_async (self, component, device_id, CALL_NOT_FOUND_OK, request, g_task_get_cancellable (task),
              g_task_get_source_tag (task), delete_from_cb, task);
}

void
onb_tts_client_delete_from_async (OnbTtsClient        *self,
                                  OnbTtsComponent      component,
                                  const char          *device_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ONB_IS_TTS_CLIENT (self));
  g_return_if_fail (component <= ONB_TTS_COMPONENT_AS);
  g_return_if_fail (device_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_client_delete_from_async);
  delete_from (self, component, device_id, task);
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
  delete_from (ONB_TTS_CLIENT (object), ONB_TTS_COMPONENT_IS, g_task_get_task_data (task),
               g_object_ref (task));
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

/* ---- reads for check (onb-tts-check.c) --------------------------------------------- */

void
onb_tts_client_read_async (OnbTtsClient        *self,
                           char                *url,
                           gpointer             source_tag,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(OnbHttpRequest) request = onb_http_request_new ("GET", url);

  g_free (url);
  call_async (self, ONB_TTS_COMPONENT_IS, NULL, CALL_NOT_FOUND_FAILS, request, cancellable,
              source_tag, callback, user_data);
}

json_object *
onb_tts_client_read_finish (OnbTtsClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return call_finish (self, result, error);
}

void
onb_tts_client_send_async (OnbTtsClient        *self,
                           OnbHttpRequest      *request,
                           gpointer             source_tag,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  call_async (self, ONB_TTS_COMPONENT_IS, NULL, CALL_NOT_FOUND_FAILS, request, cancellable,
              source_tag, callback, user_data);
}
