/* onb-blynk-client.c: Blynk Platform API, OAuth2 (docs/design.md, The clouds) */

#define G_LOG_DOMAIN "onb-blynk"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "onb-blynk-client.h"
#include "onb-cloud-error.h"

#define MAX_REDIRECTS 3

struct _OnbBlynkClient
{
  GObject        parent_instance;

  OnbHttpClient *http;
  char          *server;        /* scheme://host[:port], no trailing "/" */
  char          *client_id;
  char          *client_secret;
  char          *template_id;
  gint64         owner_id;

  char          *access_token;
  guint          token_generation; /* counts tokens received */
  gint64         token_expires_us; /* monotonic */
  gboolean       token_fetching;
  GPtrArray     *token_waiters;    /* GTask*: calls waiting for a token */

  gint64         blocked_until_us; /* monotonic: after a 429 */
  GHashTable    *templates;        /* "TMPL…" → gint64* */
  GHashTable    *metafields;       /* gint64* template → GHashTable name → gint64* */
};

G_DEFINE_FINAL_TYPE (OnbBlynkClient, onb_blynk_client, G_TYPE_OBJECT)

static gint64 *
int64_dup (gint64 value)
{
  return g_memdup2 (&value, sizeof value);
}

static void
secret_free (char *secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

/* ---- one call, with token, redirects, 401 retry and 429 gate ---------- */

typedef struct
{
  char        *method;
  GStrv        segments;
  GPtrArray   *query;          /* key, value, key, value… */
  json_object *body;
  gboolean     is_token;       /* the OAuth2 token request itself */
  gboolean     not_found_ok;
  gboolean     retried_auth;
  guint        token_generation; /* of the token this call last sent */
  guint        redirects;
} Call;

static void
call_free (gpointer data)
{
  Call *call = data;

  g_free (call->method);
  g_strfreev (call->segments);
  g_ptr_array_unref (call->query);
  g_clear_pointer (&call->body, json_object_put);
  g_free (call);
}

static Call *
call_new (const char *method,
          const char *first_segment,
          ...) G_GNUC_NULL_TERMINATED;

static Call *
call_new (const char *method,
          const char *first_segment,
          ...)
{
  g_autoptr(GStrvBuilder) segments = g_strv_builder_new ();
  Call *call = g_new0 (Call, 1);
  va_list args;

  va_start (args, first_segment);
  for (const char *segment = first_segment; segment != NULL; segment = va_arg (args, const char *))
    g_strv_builder_add (segments, segment);
  va_end (args);

  call->method = g_strdup (method);
  call->segments = g_strv_builder_end (segments);
  call->query = g_ptr_array_new_with_free_func (g_free);

  return call;
}

static void
call_add_query (Call       *call,
                const char *key,
                const char *value)
{
  g_ptr_array_add (call->query, g_strdup (key));
  g_ptr_array_add (call->query, g_strdup (value));
}

static void
call_add_query_int (Call       *call,
                    const char *key,
                    gint64      value)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  call_add_query (call, key, text);
}

static GError *
rate_limited_error (gint64 wait_s)
{
  g_autofree char *message =
    g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                  "Blynk’s request limit for the organisation is reached. The device stays queued and is retried in %d second.",
                                  "Blynk’s request limit for the organisation is reached. The device stays queued and is retried in %d seconds.",
                                  (gulong) wait_s),
                     (int) wait_s);

  return onb_cloud_error_new_full (ONB_CLOUD_ERROR_RATE_LIMITED, 429, NULL, NULL, NULL, wait_s, message);
}

/* Blynk's {"error": {"message"}} or OAuth2's {"error", "error_description"}
 * as a classified error with a worker's sentence. */
static GError *
error_from_response (OnbBlynkClient  *self,
                     Call            *call,
                     OnbHttpResponse *response)
{
  json_object *json = onb_http_response_get_json (response);
  json_object *error_member = NULL;
  json_object *value = NULL;
  const char *server_message = NULL;
  const char *oauth_error = NULL;
  guint status = onb_http_response_get_status (response);
  g_autofree char *message = NULL;
  gint64 retry_after = onb_http_response_get_retry_after (response);
  GError *error;

  /* {"error": {"message": "..."}} or OAuth2's {"error": "...",
   * "error_description": "..."}. */
  if (json_object_object_get_ex (json, "error", &error_member))
    {
      if (json_object_is_type (error_member, json_type_object) &&
          json_object_object_get_ex (error_member, "message", &value))
        server_message = json_object_get_string (value);
      else if (json_object_is_type (error_member, json_type_string))
        {
          oauth_error = json_object_get_string (error_member);
          if (json_object_object_get_ex (json, "error_description", &value))
            server_message = json_object_get_string (value);
        }
    }

  if (status == 429)
    {
      /* Honour it for every request of this client, not only this one. */
      gint64 wait_s = MAX (retry_after, 1);

      self->blocked_until_us = g_get_monotonic_time () + wait_s * G_USEC_PER_SEC;
      return rate_limited_error (wait_s);
    }

  if (call->is_token && (status == 400 || status == 401))
    message = g_strdup (_("Blynk did not accept the OAuth2 client ID or client secret. Check both in the settings (Blynk.Console → Developer Zone → OAuth2)."));
  else if (status == 401)
    message = g_strdup (_("Blynk refused the access token even after renewing it. Check that the OAuth2 client may use the Platform API."));
  else if (status >= 500)
    message = g_strdup_printf (_("Blynk has a problem right now (HTTP %u). The device stays queued and is retried."), status);
  else if (status >= 300 && status < 400)
    message = g_strdup_printf (_("Blynk sent a redirect without a usable address (HTTP %u). Check the Blynk server address in the settings."), status);
  else
    message = g_strdup_printf (_("Blynk refused the request (HTTP %u): %s"), status,
                               server_message != NULL ? server_message : _("no details"));

  error = onb_http_response_to_error (response, NULL, oauth_error, server_message, message);
  if (call->is_token && status == 400)
    error->code = ONB_CLOUD_ERROR_UNAUTHORIZED;

  return error;
}

static void call_start (GTask *task);

static void
call_response_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  guint status;
  json_object *json;

  response = onb_http_client_send_finish (ONB_HTTP_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  status = onb_http_response_get_status (response);

  /* The wrong regional host answers 308 with the right one. */
  if ((status == 301 || status == 302 || status == 307 || status == 308) &&
      onb_http_response_get_header (response, "Location") != NULL)
    {
      g_autoptr(GUri) location = g_uri_parse (onb_http_response_get_header (response, "Location"),
                                              G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
      g_autofree char *server = NULL;

      if (++call->redirects > MAX_REDIRECTS)
        {
          g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_TOO_MANY_REDIRECTS, status, NULL, NULL, NULL, -1,
                                                               _("The Blynk server keeps redirecting. Check the Blynk server address in the settings.")));
          return;
        }

      if (location != NULL && g_uri_get_host (location) != NULL)
        server = g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (location), NULL,
                             g_uri_get_host (location), g_uri_get_port (location), "", NULL, NULL);

      if (server != NULL && onb_http_client_check_url (self->http, server, &error))
        {
          g_info ("Blynk server moved from %s to %s", self->server, server);
          g_free (self->server);
          self->server = g_steal_pointer (&server);
          call_start (g_steal_pointer (&task));
          return;
        }
      if (error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  /* An expired or revoked token: renew it once and try again. */
  if (status == 401 && !call->is_token && !call->retried_auth)
    {
      call->retried_auth = TRUE;
      /* Unless a concurrent call already replaced it. */
      if (call->token_generation == self->token_generation)
        g_clear_pointer (&self->access_token, secret_free);
      call_start (g_steal_pointer (&task));
      return;
    }

  if (status == 404 && call->not_found_ok)
    {
      g_task_return_pointer (task, json_object_new_object (), (GDestroyNotify) json_object_put);
      return;
    }

  if (!onb_http_response_is_success (response))
    {
      g_task_return_error (task, error_from_response (self, call, response));
      return;
    }

  json = onb_http_response_get_json (response);
  if (json == NULL && g_bytes_get_size (onb_http_response_get_body (response)) > 0)
    {
      g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, status, NULL, NULL, NULL, -1,
                                                           _("The Blynk server sent an answer that is not JSON. Check the Blynk server address in the settings.")));
      return;
    }

  g_task_return_pointer (task, json != NULL ? json_object_get (json) : json_object_new_object (),
                         (GDestroyNotify) json_object_put);
}

static void
call_send (GTask *task)
{
  OnbBlynkClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autofree char *url = onb_http_build_url_strv (self->server, (const char * const *) call->segments);
  g_autoptr(OnbHttpRequest) request = onb_http_request_new (call->method, url);

  for (guint i = 0; i + 1 < call->query->len; i += 2)
    onb_http_request_add_query (request, g_ptr_array_index (call->query, i), g_ptr_array_index (call->query, i + 1));
  if (call->body != NULL)
    onb_http_request_set_json_body (request, call->body);

  if (call->is_token)
    onb_http_request_set_basic_auth (request, self->client_id, self->client_secret);
  else
    {
      onb_http_request_set_bearer_token (request, self->access_token);
      call->token_generation = self->token_generation;
    }

  onb_http_client_send_async (self->http, request, g_task_get_cancellable (task), call_response_cb, task);
}

static gboolean
token_is_fresh (OnbBlynkClient *self)
{
  return self->access_token != NULL && g_get_monotonic_time () < self->token_expires_us;
}

static void call_async (OnbBlynkClient *self, Call *call, GCancellable *cancellable,
                        gpointer source_tag, GAsyncReadyCallback callback, gpointer user_data);

static void
token_fetch_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  g_autoptr(json_object) json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) waiters = NULL;
  json_object *value = NULL;

  self->token_fetching = FALSE;
  waiters = g_steal_pointer (&self->token_waiters);
  self->token_waiters = g_ptr_array_new_with_free_func (g_object_unref);

  json = g_task_propagate_pointer (G_TASK (result), &error);
  if (json != NULL &&
      (!json_object_object_get_ex (json, "access_token", &value) || !json_object_is_type (value, json_type_string)))
    error = onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, 200, NULL, NULL, NULL, -1,
                                      _("Blynk answered the login without an access token. Check the Blynk server address in the settings."));

  if (error == NULL)
    {
      json_object *expires = NULL;
      gint64 expires_in = 3600;

      if (json_object_object_get_ex (json, "expires_in", &expires) && json_object_is_type (expires, json_type_int))
        expires_in = json_object_get_int64 (expires);
      g_clear_pointer (&self->access_token, secret_free);
      self->access_token = g_strdup (json_object_get_string (value));
      self->token_generation++;
      /* Renew a little (10 %, 1 s to 1 min) before the server would refuse
       * it, so requests in flight at the turn do not get a 401. */
      self->token_expires_us = g_get_monotonic_time () +
                               (expires_in - CLAMP (expires_in / 10, 1, 60)) * G_USEC_PER_SEC;
      g_debug ("new Blynk access token, valid for %" G_GINT64_FORMAT " s", expires_in);
    }

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *waiter = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (waiter, g_error_copy (error));
      else
        g_task_return_boolean (waiter, TRUE);
    }
}

/* Completes once a fresh access token is cached; one token request
 * serves every caller that needs one meanwhile. */
static void
ensure_token_async (OnbBlynkClient      *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  if (token_is_fresh (self))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  g_ptr_array_add (self->token_waiters, task);
  if (!self->token_fetching)
    {
      Call *token = call_new ("POST", "oauth2", "token", NULL);

      token->is_token = TRUE;
      call_add_query (token, "grant_type", "client_credentials");
      self->token_fetching = TRUE;
      call_async (self, token, NULL, ensure_token_async, token_fetch_cb, NULL);
    }
}

static gboolean
ensure_token_finish (OnbBlynkClient  *self,
                     GAsyncResult    *result,
                     GError         **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
call_token_ready_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (ensure_token_finish (ONB_BLYNK_CLIENT (object), result, &error))
    {
      call_send (task);
      return;
    }

  g_task_return_error (task, error);
  g_object_unref (task);
}

/* Consumes the reference on @task. */
static void
call_start (GTask *task)
{
  OnbBlynkClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  gint64 now = g_get_monotonic_time ();

  if (now < self->blocked_until_us)
    {
      gint64 wait_s = (self->blocked_until_us - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;

      g_task_return_error (task, rate_limited_error (wait_s));
      g_object_unref (task);
      return;
    }

  if (call->is_token || token_is_fresh (self))
    call_send (task);
  else
    ensure_token_async (self, g_task_get_cancellable (task), call_token_ready_cb, task);
}

/* Takes @call; the task returns the answer's JSON (transfer full). */
static void
call_async (OnbBlynkClient      *self,
            Call                *call,
            GCancellable        *cancellable,
            gpointer             source_tag,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, call_free);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  call_start (task);
}

static json_object *
call_finish (OnbBlynkClient  *self,
             GAsyncResult    *result,
             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- construction ------------------------------------------------------ */

static char *
require_string (OnbConfig   *config,
                const char  *key,
                GError     **error)
{
  g_autofree char *value = onb_config_get_string (config, "blynk", key);

  if (value == NULL || g_strstrip (value)[0] == '\0')
    {
      g_autofree char *message =
        g_strdup_printf (_("The Blynk setting “%s” is empty. Fill it in on the setup page (or in the [blynk] section of the configuration)."), key);

      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_NOT_CONFIGURED, 0, NULL, key, NULL, -1, message));
      return NULL;
    }

  return g_steal_pointer (&value);
}

static void
onb_blynk_client_finalize (GObject *object)
{
  OnbBlynkClient *self = (OnbBlynkClient *) object;

  g_clear_object (&self->http);
  g_free (self->server);
  g_free (self->client_id);
  secret_free (self->client_secret);
  g_free (self->template_id);
  secret_free (self->access_token);
  g_ptr_array_unref (self->token_waiters);
  g_hash_table_unref (self->templates);
  g_hash_table_unref (self->metafields);

  G_OBJECT_CLASS (onb_blynk_client_parent_class)->finalize (object);
}

static void
onb_blynk_client_class_init (OnbBlynkClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_blynk_client_finalize;
}

static void
onb_blynk_client_init (OnbBlynkClient *self)
{
  self->token_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->templates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->metafields = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                            (GDestroyNotify) g_hash_table_unref);
}

OnbBlynkClient *
onb_blynk_client_new (OnbHttpClient  *http,
                      OnbConfig      *config,
                      GError        **error)
{
  g_autoptr(OnbBlynkClient) self = NULL;
  g_autofree char *owner = NULL;
  gsize len;

  g_return_val_if_fail (ONB_IS_HTTP_CLIENT (http), NULL);
  g_return_val_if_fail (ONB_IS_CONFIG (config), NULL);

  self = g_object_new (ONB_TYPE_BLYNK_CLIENT, NULL);
  self->http = g_object_ref (http);

  if (!(self->server = require_string (config, "server", error)) ||
      !onb_http_client_check_url (http, self->server, error) ||
      !(self->client_id = require_string (config, "client_id", error)) ||
      !(self->client_secret = require_string (config, "client_secret", error)) ||
      !(self->template_id = require_string (config, "template_id", error)) ||
      !(owner = require_string (config, "owner_id", error)))
    return NULL;

  len = strlen (self->server);
  while (len > 0 && self->server[len - 1] == '/')
    self->server[--len] = '\0';

  if (!g_ascii_string_to_signed (owner, 10, 1, G_MAXINT64, &self->owner_id, NULL))
    {
      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_NOT_CONFIGURED, 0, NULL, "owner_id", NULL, -1,
                                                          _("The Blynk setting “owner_id” must be the numeric id of the user who will own the devices.")));
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
onb_blynk_client_get_server (OnbBlynkClient *self)
{
  g_return_val_if_fail (ONB_IS_BLYNK_CLIENT (self), NULL);

  return self->server;
}

const char *
onb_blynk_client_get_template_id (OnbBlynkClient *self)
{
  g_return_val_if_fail (ONB_IS_BLYNK_CLIENT (self), NULL);

  return self->template_id;
}

gint64
onb_blynk_client_get_owner_id (OnbBlynkClient *self)
{
  g_return_val_if_fail (ONB_IS_BLYNK_CLIENT (self), 0);

  return self->owner_id;
}

/* ---- operations ---------------------------------------------------------- */

void
onb_blynk_client_authenticate_async (OnbBlynkClient      *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));

  /* The caller wants the credentials tested, not a cached token. */
  g_clear_pointer (&self->access_token, secret_free);
  ensure_token_async (self, cancellable, callback, user_data);
}

gboolean
onb_blynk_client_authenticate_finish (OnbBlynkClient  *self,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return ensure_token_finish (self, result, error);
}

/* ---- devices --------------------------------------------------------------- */

static void
device_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(json_object) json = NULL;
  OnbBlynkDevice *device = NULL;
  GError *error = NULL;

  json = call_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (json != NULL)
    device = onb_blynk_device_new_from_json (json, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, device, (GDestroyNotify) onb_blynk_device_unref);
}

/* Runs @call and returns its answer as an OnbBlynkDevice. */
static void
device_call_async (OnbBlynkClient      *self,
                   Call                *call,
                   GCancellable        *cancellable,
                   gpointer             source_tag,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  call_async (self, call, cancellable, source_tag, device_cb, task);
}

static OnbBlynkDevice *
device_call_finish (OnbBlynkClient  *self,
                    GAsyncResult    *result,
                    GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
onb_blynk_client_create_device_async (OnbBlynkClient      *self,
                                      const char          *template_id,
                                      const char          *name,
                                      gint64               owner_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  Call *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (template_id != NULL);
  g_return_if_fail (name != NULL);

  call = call_new ("POST", "api", "v1", "organization", "device", "create", NULL);
  call->body = json_object_new_object ();
  json_object_object_add (call->body, "templateId", json_object_new_string (template_id));
  json_object_object_add (call->body, "name", json_object_new_string (name));
  json_object_object_add (call->body, "ownerId", json_object_new_int64 (owner_id));

  device_call_async (self, call, cancellable, onb_blynk_client_create_device_async, callback, user_data);
}

OnbBlynkDevice *
onb_blynk_client_create_device_finish (OnbBlynkClient  *self,
                                       GAsyncResult    *result,
                                       GError         **error)
{
  return device_call_finish (self, result, error);
}

void
onb_blynk_client_claim_static_token_async (OnbBlynkClient      *self,
                                           const char          *token,
                                           gint64               user_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  Call *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (token != NULL);

  /* The documented request names no field names; this is the one place
   * that decides them (docs/design.md, The clouds). */
  call = call_new ("POST", "api", "v1", "organization", "static-tokens", "claim", NULL);
  call->body = json_object_new_object ();
  json_object_object_add (call->body, "token", json_object_new_string (token));
  json_object_object_add (call->body, "userId", json_object_new_int64 (user_id));

  device_call_async (self, call, cancellable, onb_blynk_client_claim_static_token_async, callback, user_data);
}

OnbBlynkDevice *
onb_blynk_client_claim_static_token_finish (OnbBlynkClient  *self,
                                            GAsyncResult    *result,
                                            GError         **error)
{
  return device_call_finish (self, result, error);
}

void
onb_blynk_client_get_device_async (OnbBlynkClient      *self,
                                   gint64               device_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  Call *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));

  call = call_new ("GET", "api", "v1", "organization", "device", NULL);
  call_add_query_int (call, "deviceId", device_id);

  device_call_async (self, call, cancellable, onb_blynk_client_get_device_async, callback, user_data);
}

OnbBlynkDevice *
onb_blynk_client_get_device_finish (OnbBlynkClient  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  return device_call_finish (self, result, error);
}

/* Every device of a JSON array answer, or only those named @name. */
static GPtrArray *
devices_from_array (json_object  *json,
                    const char   *name,
                    GError      **error)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_blynk_device_unref);

  if (!json_object_is_type (json, json_type_array))
    {
      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, 200, NULL, NULL, NULL, -1,
                                                          _("Blynk answered a device search with something else than a list. Check the Blynk server address in the settings.")));
      return NULL;
    }

  for (size_t i = 0; i < json_object_array_length (json); i++)
    {
      OnbBlynkDevice *device = onb_blynk_device_new_from_json (json_object_array_get_idx (json, i), NULL);

      if (device == NULL)
        continue;
      if (name != NULL && g_strcmp0 (onb_blynk_device_get_name (device), name) != 0)
        onb_blynk_device_unref (device);
      else
        g_ptr_array_add (devices, device);
    }

  return g_steal_pointer (&devices);
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(json_object) json = NULL;
  GPtrArray *devices = NULL;
  GError *error = NULL;

  json = call_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (json != NULL)
    devices = devices_from_array (json, g_task_get_task_data (task), &error);
  if (devices == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, devices, (GDestroyNotify) g_ptr_array_unref);
}

void
onb_blynk_client_search_devices_async (OnbBlynkClient      *self,
                                       const char          *name,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_search_devices_async);
  /* The server's search matches parts of names; keep exact matches only. */
  g_task_set_task_data (task, g_strdup (name), g_free);

  call = call_new ("GET", "api", "v1", "organization", "search", "devices", NULL);
  call_add_query (call, "query", name);
  call_async (self, call, cancellable, onb_blynk_client_search_devices_async, search_cb, task);
}

GPtrArray *
onb_blynk_client_search_devices_finish (OnbBlynkClient  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
boolean_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(json_object) json = NULL;
  GError *error = NULL;

  json = call_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (json == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
onb_blynk_client_delete_device_async (OnbBlynkClient      *self,
                                      gint64               device_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_delete_device_async);

  call = call_new ("DELETE", "api", "v1", "organization", "device", NULL);
  call_add_query_int (call, "deviceId", device_id);
  /* Already gone is what we wanted. */
  call->not_found_ok = TRUE;
  call_async (self, call, cancellable, onb_blynk_client_delete_device_async, boolean_cb, task);
}

gboolean
onb_blynk_client_delete_device_finish (OnbBlynkClient  *self,
                                       GAsyncResult    *result,
                                       GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- templates and metafields ------------------------------------------------ */

/* The fallback for servers without the template listing: the numeric id
 * is the `productId` of a device of the template. */
static void
resolve_from_devices_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  const char *code = g_task_get_task_data (task);
  g_autoptr(json_object) json = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  GError *error = NULL;

  json = call_finish (self, result, &error);
  if (json != NULL)
    devices = devices_from_array (json, NULL, &error);
  if (devices == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < devices->len; i++)
    {
      OnbBlynkDevice *device = g_ptr_array_index (devices, i);
      gint64 number = onb_blynk_device_get_template_id (device);

      if (number > 0 && g_strcmp0 (onb_blynk_device_get_template_code (device), code) == 0)
        {
          g_hash_table_insert (self->templates, g_strdup (code), int64_dup (number));
          g_task_return_int (task, number);
          return;
        }
    }

  {
    g_autofree char *message =
      g_strdup_printf (_("No Blynk device of the template “%s” exists yet, so its metafields cannot be looked up. Check the template ID, or create one device of it first."), code);

    g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_NOT_FOUND, 0, NULL, NULL, NULL, -1, message));
  }
}

static void
resolve_from_list_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  const char *code = g_task_get_task_data (task);
  g_autoptr(json_object) json = NULL;
  g_autofree char *message = NULL;
  GError *error = NULL;

  json = call_finish (self, result, &error);
  if (json == NULL && onb_cloud_error_get_http_status (error) == 404)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      /* An older server without the listing. */
      g_debug ("no Blynk template listing; resolving %s through the device list", code);
      g_clear_error (&error);
      call_async (self, call_new ("GET", "api", "v1", "organization", "devices", NULL),
                  cancellable, onb_blynk_client_resolve_template_async,
                  resolve_from_devices_cb, g_steal_pointer (&task));
      return;
    }
  if (json == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!json_object_is_type (json, json_type_array))
    {
      g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, 200, NULL, NULL, NULL, -1,
                                                           _("Blynk answered the template list with something else than a list. Check the Blynk server address in the settings.")));
      return;
    }

  /* Every template is cached: one listing serves later lookups too. */
  for (size_t i = 0; i < json_object_array_length (json); i++)
    {
      json_object *entry = json_object_array_get_idx (json, i);
      json_object *id = NULL;
      json_object *template_code = NULL;

      if (json_object_object_get_ex (entry, "id", &id) && json_object_is_type (id, json_type_int) &&
          json_object_get_int64 (id) > 0 &&
          json_object_object_get_ex (entry, "templateId", &template_code) &&
          json_object_is_type (template_code, json_type_string))
        g_hash_table_insert (self->templates, g_strdup (json_object_get_string (template_code)),
                             int64_dup (json_object_get_int64 (id)));
    }

  if (g_hash_table_contains (self->templates, code))
    {
      g_task_return_int (task, *(gint64 *) g_hash_table_lookup (self->templates, code));
      return;
    }

  message = g_strdup_printf (_("The Blynk template %s does not exist in this organisation: check [blynk] template_id in Setup."), code);
  g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_NOT_FOUND, 0, NULL, NULL, NULL, -1, message));
}

void
onb_blynk_client_resolve_template_async (OnbBlynkClient      *self,
                                         const char          *template_code,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  GTask *task;
  gint64 *number;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (template_code != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_resolve_template_async);
  g_task_set_task_data (task, g_strdup (template_code), g_free);

  if ((number = g_hash_table_lookup (self->templates, template_code)) != NULL)
    {
      g_task_return_int (task, *number);
      g_object_unref (task);
      return;
    }

  call_async (self, call_new ("GET", "api", "v1", "organization", "templates", NULL),
              cancellable, onb_blynk_client_resolve_template_async, resolve_from_list_cb, task);
}

gint64
onb_blynk_client_resolve_template_finish (OnbBlynkClient  *self,
                                          GAsyncResult    *result,
                                          GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

static void
metafields_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  gint64 *template_id = g_task_get_task_data (task);
  g_autoptr(json_object) json = NULL;
  g_autoptr(GHashTable) map = NULL;
  GError *error = NULL;

  json = call_finish (self, result, &error);
  if (json == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!json_object_is_type (json, json_type_array))
    {
      g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, 200, NULL, NULL, NULL, -1,
                                                           _("Blynk answered the metafield list with something else than a list. Check the Blynk server address in the settings.")));
      return;
    }

  map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (size_t i = 0; i < json_object_array_length (json); i++)
    {
      json_object *field = json_object_array_get_idx (json, i);
      json_object *id = NULL;
      json_object *name = NULL;

      if (json_object_object_get_ex (field, "id", &id) && json_object_is_type (id, json_type_int) &&
          json_object_object_get_ex (field, "name", &name) && json_object_is_type (name, json_type_string))
        g_hash_table_insert (map, g_strdup (json_object_get_string (name)), int64_dup (json_object_get_int64 (id)));
    }

  g_hash_table_insert (self->metafields, int64_dup (*template_id), g_hash_table_ref (map));
  g_task_return_pointer (task, g_steal_pointer (&map), (GDestroyNotify) g_hash_table_unref);
}

void
onb_blynk_client_get_metafields_async (OnbBlynkClient      *self,
                                       gint64               template_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  GHashTable *cached;
  Call *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_get_metafields_async);
  g_task_set_task_data (task, int64_dup (template_id), g_free);

  if ((cached = g_hash_table_lookup (self->metafields, &template_id)) != NULL)
    {
      g_task_return_pointer (task, g_hash_table_ref (cached), (GDestroyNotify) g_hash_table_unref);
      g_object_unref (task);
      return;
    }

  call = call_new ("GET", "api", "v1", "organization", "template", "metafields", NULL);
  call_add_query_int (call, "templateId", template_id);
  call_async (self, call, cancellable, onb_blynk_client_get_metafields_async, metafields_cb, task);
}

GHashTable *
onb_blynk_client_get_metafields_finish (OnbBlynkClient  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  gint64      device_id;
  GHashTable *values;  /* name → value */
  GHashTable *stored;  /* name → value, as each answer says */
  guint       pending;
  GError     *error;
} SetMetafields;

static void
set_metafields_free (gpointer data)
{
  SetMetafields *state = data;

  g_hash_table_unref (state->values);
  g_hash_table_unref (state->stored);
  g_clear_error (&state->error);
  g_free (state);
}

typedef struct
{
  GTask *task;
  char  *name;
} MetafieldWrite;

static void
metafield_written_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  MetafieldWrite *write = user_data;
  g_autoptr(GTask) task = write->task;
  g_autofree char *name = write->name;
  SetMetafields *state = g_task_get_task_data (task);
  g_autoptr(json_object) json = NULL;
  json_object *value = NULL;
  GError *error = NULL;

  g_free (write);
  json = call_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (error != NULL && state->error == NULL)
    state->error = error;
  else
    g_clear_error (&error);

  /* Blynk answers with the metafield as it stored it. */
  if (json_object_object_get_ex (json, "value", &value) && json_object_is_type (value, json_type_string))
    g_hash_table_insert (state->stored, g_steal_pointer (&name), g_strdup (json_object_get_string (value)));

  if (--state->pending > 0)
    return;

  if (state->error != NULL)
    g_task_return_error (task, g_steal_pointer (&state->error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
set_metafields_map_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  SetMetafields *state = g_task_get_task_data (task);
  g_autoptr(GHashTable) map = NULL;
  MetafieldWrite *write;
  GHashTableIter iter;
  gpointer name, value;
  GError *error = NULL;

  map = onb_blynk_client_get_metafields_finish (self, result, &error);
  if (map == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Check every name before writing anything. */
  g_hash_table_iter_init (&iter, state->values);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!g_hash_table_contains (map, name))
      {
        g_autofree char *message =
          g_strdup_printf (_("The Blynk template has no metafield “%s”. Add it to the template in Blynk.Console, or rename the column in the device list."), (const char *) name);

        g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_INVALID_REQUEST, 0, NULL, NULL, NULL, -1, message));
        return;
      }

  state->pending = g_hash_table_size (state->values);
  if (state->pending == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Independent writes: all at once. */
  g_hash_table_iter_init (&iter, state->values);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      Call *call = call_new ("POST", "api", "v1", "organization", "device", "metafield", NULL);

      call->body = json_object_new_object ();
      json_object_object_add (call->body, "deviceId", json_object_new_int64 (state->device_id));
      json_object_object_add (call->body, "metaFieldId", json_object_new_int64 (*(gint64 *) g_hash_table_lookup (map, name)));
      json_object_object_add (call->body, "newValue", json_object_new_string (value));
      write = g_new0 (MetafieldWrite, 1);
      write->task = g_object_ref (task);
      write->name = g_strdup (name);
      call_async (self, call, g_task_get_cancellable (task), onb_blynk_client_set_metafields_async,
                  metafield_written_cb, write);
    }
}

static void
set_metafields_device_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  g_autoptr(OnbBlynkDevice) device = NULL;
  GError *error = NULL;

  device = onb_blynk_client_get_device_finish (self, result, &error);
  if (device == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  onb_blynk_client_get_metafields_async (self, onb_blynk_device_get_template_id (device),
                                         g_task_get_cancellable (task),
                                         set_metafields_map_cb, g_object_ref (task));
}

void
onb_blynk_client_set_metafields_async (OnbBlynkClient      *self,
                                       gint64               device_id,
                                       gint64               template_id,
                                       GHashTable          *values,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  SetMetafields *state;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (values != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_set_metafields_async);
  state = g_new0 (SetMetafields, 1);
  state->device_id = device_id;
  state->values = g_hash_table_ref (values);
  state->stored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_task_set_task_data (task, state, set_metafields_free);

  if (template_id > 0)
    onb_blynk_client_get_metafields_async (self, template_id, cancellable, set_metafields_map_cb, task);
  else
    onb_blynk_client_get_device_async (self, device_id, cancellable, set_metafields_device_cb, task);
}

gboolean
onb_blynk_client_set_metafields_finish (OnbBlynkClient  *self,
                                        GAsyncResult    *result,
                                        GHashTable     **out_stored,
                                        GError         **error)
{
  SetMetafields *state;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  state = g_task_get_task_data (G_TASK (result));
  if (out_stored != NULL)
    *out_stored = g_hash_table_size (state->stored) == g_hash_table_size (state->values) ?
                  g_hash_table_ref (state->stored) : NULL;
  return TRUE;
}
