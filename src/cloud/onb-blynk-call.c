/* onb-blynk-call.c: the Blynk client's transport (docs/blynk-api.md,
 * "OAuth2 token" and "Paginated answers")
 *
 * One call: the OAuth2 access token (cached, renewed shortly before it
 * runs out and once more on a 401), regional redirects followed only
 * inside the configured host's domain, and the 429 gate every request of
 * the client honours. Lists are walked page by page. The operations
 * (onb-blynk-client.c) build calls and read answers; nothing here knows
 * what a device is.
 */

#define G_LOG_DOMAIN "onb-blynk"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "onb-blynk-client-private.h"
#include "onb-blynk-decode-private.h"
#include "onb-cloud-error.h"

#define MAX_REDIRECTS 3
/* More pages than totalElements allows: the server is not Blynk. */
#define MAX_PAGES (ONB_BLYNK_MAX_TOTAL / ONB_BLYNK_PAGE_SIZE + 1)

void
onb_blynk_secret_free (char *secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

/* ---- redirects: only inside the configured host's domain -------------- */

/* Blynk's regional redirects (fra1 ↔ ny3 ↔ blynk.cloud) stay in its
 * domain over HTTPS. Anything else is refused before a credential goes
 * there. Plain http only to the very host configured (a loopback test
 * server on another port). */
static char *
redirect_target (OnbBlynkClient  *self,
                 const char      *location,
                 guint            status,
                 GError         **error)
{
  g_autoptr(GUri) base = g_uri_parse (self->server, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(GUri) configured = g_uri_parse (self->configured_server, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(GUri) target = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *message = NULL;
  const char *host;
  const char *scheme;

  if (base != NULL)
    target = g_uri_parse_relative (base, location, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  host = target != NULL ? g_uri_get_host (target) : NULL;
  scheme = target != NULL ? g_uri_get_scheme (target) : NULL;

  if (host != NULL && host[0] != '\0' && configured != NULL && g_uri_get_host (configured) != NULL &&
      onb_blynk_same_site (g_uri_get_host (configured), host) &&
      (g_ascii_strcasecmp (scheme, "https") == 0 ||
       (g_ascii_strcasecmp (scheme, "http") == 0 &&
        g_ascii_strcasecmp (g_uri_get_scheme (configured), "http") == 0 &&
        g_ascii_strcasecmp (g_uri_get_host (configured), host) == 0)))
    {
      g_autofree char *server = g_uri_join (G_URI_FLAGS_ENCODED, scheme, NULL, host, g_uri_get_port (target),
                                            "", NULL, NULL);

      if (!onb_http_client_check_url (self->http, server, error))
        return NULL;
      return g_steal_pointer (&server);
    }

  shown = host != NULL ? g_strdup_printf ("%s://%s", scheme, host) : g_utf8_make_valid (location, MIN (strlen (location), 200));
  message = g_strdup_printf (_("The Blynk server sent Onboarder on to %s, which is not a Blynk server in the domain of %s over HTTPS. Onboarder did not follow it and sent no credentials there. Check the Blynk server address in the settings."),
                             shown, self->configured_server);
  g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_HTTP, status, NULL, NULL, NULL, -1, message));
  return NULL;
}

/* ---- one call, with token, redirects, 401 retry and 429 gate ---------- */

static void
call_free (gpointer data)
{
  OnbBlynkCall *call = data;

  g_free (call->method);
  g_strfreev (call->segments);
  g_ptr_array_unref (call->query);
  g_clear_pointer (&call->body, json_object_put);
  g_free (call);
}

static OnbBlynkCall *
call_new_strv (const char         *method,
               const char * const *segments)
{
  OnbBlynkCall *call = g_new0 (OnbBlynkCall, 1);

  call->method = g_strdup (method);
  call->segments = g_strdupv ((GStrv) segments);
  call->query = g_ptr_array_new_with_free_func (g_free);

  return call;
}

OnbBlynkCall *
onb_blynk_call_new (const char *method,
                    const char *first_segment,
                    ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) segments = NULL;
  va_list args;

  va_start (args, first_segment);
  for (const char *segment = first_segment; segment != NULL; segment = va_arg (args, const char *))
    g_strv_builder_add (builder, segment);
  va_end (args);
  segments = g_strv_builder_end (builder);

  return call_new_strv (method, (const char * const *) segments);
}

void
onb_blynk_call_add_query (OnbBlynkCall *call,
                          const char   *key,
                          const char   *value)
{
  g_ptr_array_add (call->query, g_strdup (key));
  g_ptr_array_add (call->query, g_strdup (value));
}

void
onb_blynk_call_add_query_int (OnbBlynkCall *call,
                              const char   *key,
                              gint64        value)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  onb_blynk_call_add_query (call, key, text);
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

/* A failed token request: 400 with an RFC 6749 error code (documented), or
 * 401 from servers that answer so. */
static GError *
token_error (OnbHttpResponse *response,
             const char      *oauth_error,
             const char      *server_message)
{
  guint status = onb_http_response_get_status (response);
  OnbCloudError code = ONB_CLOUD_ERROR_UNAUTHORIZED;
  g_autofree char *message = NULL;

  if (oauth_error == NULL || g_strcmp0 (oauth_error, "invalid_client") == 0)
    message = g_strdup (_("Blynk did not accept the OAuth2 client ID or client secret. Check both in the settings (Blynk.Console → Developer Zone → OAuth2)."));
  else if (g_strcmp0 (oauth_error, "invalid_grant") == 0)
    message = g_strdup (_("Blynk refused to give this OAuth2 client an access token (invalid_grant). Check in Blynk.Console → Developer Zone → OAuth2 that the client is active."));
  else if (g_strcmp0 (oauth_error, "unauthorized_client") == 0)
    message = g_strdup (_("This OAuth2 client may not ask Blynk for access tokens with its own credentials (unauthorized_client). Allow the client-credentials grant for it in Blynk.Console → Developer Zone → OAuth2."));
  else
    {
      code = ONB_CLOUD_ERROR_INVALID_REQUEST;
      message = g_strdup_printf (_("Blynk did not understand Onboarder’s login request (%s). Check that the Blynk server address points at Blynk’s Platform API."),
                                 oauth_error);
    }

  return onb_cloud_error_new_full (code, status, NULL, oauth_error, server_message,
                                   onb_http_response_get_retry_after (response), message);
}

/* Blynk's {"error": {"message"}} or OAuth2's {"error", "error_description"}
 * as a classified error with a worker's sentence. */
static GError *
error_from_response (OnbBlynkClient  *self,
                     OnbBlynkCall            *call,
                     OnbHttpResponse *response)
{
  g_autofree char *server_message = NULL;
  g_autofree char *oauth_error = NULL;
  g_autofree char *message = NULL;
  guint status = onb_http_response_get_status (response);

  onb_blynk_decode_error_body (onb_http_response_get_json (response), &server_message, &oauth_error);

  if (status == 429)
    {
      /* Honour it for every request of this client, not only this one. */
      gint64 wait_s = MAX (onb_http_response_get_retry_after (response), 1);

      self->blocked_until_us = g_get_monotonic_time () + wait_s * G_USEC_PER_SEC;
      return rate_limited_error (wait_s);
    }

  if (call->is_token && (status == 400 || status == 401))
    return token_error (response, oauth_error, server_message);

  if (status == 401)
    message = g_strdup (_("Blynk refused the access token even after renewing it. Check that the OAuth2 client may use the Platform API."));
  else if (status >= 500)
    message = g_strdup_printf (_("Blynk has a problem right now (HTTP %u). The device stays queued and is retried."), status);
  else if (status >= 300 && status < 400)
    message = g_strdup_printf (_("Blynk sent a redirect without a usable address (HTTP %u). Check the Blynk server address in the settings."), status);
  else
    message = g_strdup_printf (_("Blynk refused the request (HTTP %u): %s"), status,
                               server_message != NULL ? server_message : _("no details"));

  return onb_http_response_to_error (response, NULL, oauth_error, server_message, message);
}

/* The answer's JSON, or a worded error for an empty or non-JSON body (an
 * HTML page from a proxy, say). (transfer none) */
json_object *
onb_blynk_response_json (OnbHttpResponse  *response,
               const char       *what,
               GError          **error)
{
  json_object *json = onb_http_response_get_json (response);

  if (json != NULL)
    return json;

  if (g_bytes_get_size (onb_http_response_get_body (response)) == 0)
    g_propagate_error (error, onb_blynk_bad_response (what, _("an empty answer")));
  else
    g_propagate_error (error, onb_blynk_bad_response (what, _("an answer that is not JSON (a web page?)")));
  return NULL;
}

static void call_start (GTask *task);

static void
call_response_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = g_task_get_source_object (task);
  OnbBlynkCall *call = g_task_get_task_data (task);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *location;
  guint status;

  response = onb_http_client_send_finish (ONB_HTTP_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  status = onb_http_response_get_status (response);
  location = onb_http_response_get_header (response, "Location");

  /* The wrong regional host answers 308 with the right one. */
  if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) && location != NULL)
    {
      g_autofree char *server = NULL;

      if (++call->redirects > MAX_REDIRECTS)
        {
          g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_TOO_MANY_REDIRECTS, status, NULL, NULL, NULL, -1,
                                                               _("The Blynk server keeps redirecting. Check the Blynk server address in the settings.")));
          return;
        }

      server = redirect_target (self, location, status, &error);
      if (server == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      g_info ("Blynk server moved from %s to %s", self->server, server);
      g_free (self->server);
      self->server = g_steal_pointer (&server);
      call_start (g_steal_pointer (&task));
      return;
    }

  /* Undocumented: how Blynk refuses an expired or revoked bearer token;
   * any 401 is taken as that. Renew it once and try again. */
  if (status == 401 && !call->is_token && !call->retried_auth)
    {
      call->retried_auth = TRUE;
      /* Unless a concurrent call already replaced it. */
      if (call->token_generation == self->token_generation)
        g_clear_pointer (&self->access_token, onb_blynk_secret_free);
      call_start (g_steal_pointer (&task));
      return;
    }

  if (!onb_http_response_is_success (response) && !(status == 404 && call->not_found_ok))
    {
      g_task_return_error (task, error_from_response (self, call, response));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&response), (GDestroyNotify) onb_http_response_unref);
}

static void
call_send (GTask *task)
{
  OnbBlynkClient *self = g_task_get_source_object (task);
  OnbBlynkCall *call = g_task_get_task_data (task);
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


static void
token_fetch_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) waiters = NULL;
  char *token = NULL;
  gint64 expires_in = 0;
  json_object *json = NULL;

  self->token_fetching = FALSE;
  waiters = g_steal_pointer (&self->token_waiters);
  self->token_waiters = g_ptr_array_new_with_free_func (g_object_unref);

  response = onb_blynk_call_finish (self, result, &error);
  if (response != NULL &&
      (json = onb_blynk_response_json (response, _("the login"), &error)) != NULL &&
      onb_blynk_decode_token_answer (json, &token, &expires_in, &error))
    {
      g_clear_pointer (&self->access_token, onb_blynk_secret_free);
      self->access_token = token;
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
void
onb_blynk_ensure_token_async (OnbBlynkClient      *self,
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
      OnbBlynkCall *token = onb_blynk_call_new ("POST", "oauth2", "token", NULL);

      token->is_token = TRUE;
      onb_blynk_call_add_query (token, "grant_type", "client_credentials");
      self->token_fetching = TRUE;
      onb_blynk_call_async (self, token, NULL, onb_blynk_ensure_token_async, token_fetch_cb, NULL);
    }
}

gboolean
onb_blynk_ensure_token_finish (OnbBlynkClient  *self,
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

  if (onb_blynk_ensure_token_finish (ONB_BLYNK_CLIENT (object), result, &error))
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
  OnbBlynkCall *call = g_task_get_task_data (task);
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
    onb_blynk_ensure_token_async (self, g_task_get_cancellable (task), call_token_ready_cb, task);
}

/* Takes @call; the task returns the 2xx response (transfer full), or the
 * 404 one for a call with not_found_ok. */
void
onb_blynk_call_async (OnbBlynkClient      *self,
                      OnbBlynkCall        *call,
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

OnbHttpResponse *
onb_blynk_call_finish (OnbBlynkClient  *self,
                       GAsyncResult    *result,
                       GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- pages: walked with page/size until every item is read ------------ */


typedef struct
{
  GStrv         segments;
  GPtrArray    *query;      /* key, value…: the same on every page */
  const char   *what;       /* translated, static */
  OnbBlynkWalkItemFunc item_func;
  gpointer      item_data;
  gint64        page;
  gint64        seen;
} Walk;

static void
walk_free (gpointer data)
{
  Walk *walk = data;

  g_strfreev (walk->segments);
  g_ptr_array_unref (walk->query);
  g_free (walk);
}

static void walk_next_page (GTask *task);

static void
walk_page_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  Walk *walk = g_task_get_task_data (task);
  g_autoptr(OnbHttpResponse) response = NULL;
  json_object *json = NULL;
  json_object *content = NULL;
  gint64 total = 0;
  GError *error = NULL;
  size_t n;

  response = onb_blynk_call_finish (self, result, &error);
  if (response == NULL ||
      (json = onb_blynk_response_json (response, walk->what, &error)) == NULL ||
      !onb_blynk_decode_page (json, ONB_BLYNK_PAGE_SIZE, &content, &total, walk->what, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  n = json_object_array_length (content);
  for (size_t i = 0; i < n; i++)
    switch (walk->item_func (self, json_object_array_get_idx (content, i), walk->item_data, &error))
      {
      case ONB_BLYNK_WALK_FAILED:
        g_task_return_error (task, error);
        return;
      case ONB_BLYNK_WALK_STOP:
        g_task_return_boolean (task, TRUE);
        return;
      case ONB_BLYNK_WALK_NEXT:
      default:
        break;
      }

  walk->seen += n;
  walk->page++;
  /* totalElements may change between pages (devices made meanwhile); an
   * empty page ends the walk either way. */
  if (n == 0 || walk->seen >= total)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (walk->page >= MAX_PAGES)
    {
      g_task_return_error (task, onb_blynk_bad_response (walk->what, _("more pages than its “totalElements” allows")));
      return;
    }

  walk_next_page (g_steal_pointer (&task));
}

/* Consumes the reference on @task. */
static void
walk_next_page (GTask *task)
{
  OnbBlynkClient *self = g_task_get_source_object (task);
  Walk *walk = g_task_get_task_data (task);
  OnbBlynkCall *call = call_new_strv ("GET", (const char * const *) walk->segments);

  for (guint i = 0; i + 1 < walk->query->len; i += 2)
    onb_blynk_call_add_query (call, g_ptr_array_index (walk->query, i), g_ptr_array_index (walk->query, i + 1));
  onb_blynk_call_add_query_int (call, "page", walk->page);
  onb_blynk_call_add_query_int (call, "size", ONB_BLYNK_PAGE_SIZE);
  onb_blynk_call_async (self, call, g_task_get_cancellable (task), walk_next_page, walk_page_cb, task);
}

/* Reads the list at @segments (GET, with @query pairs, may be NULL) page by
 * page, giving each item to @item_func until it says stop or every item
 * is read. @item_data stays owned by the caller and must outlive the walk. */
void
onb_blynk_walk_async (OnbBlynkClient       *self,
                      const char * const   *segments,
                      const char * const   *query,
                      const char           *what,
                      OnbBlynkWalkItemFunc  item_func,
                      gpointer              item_data,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Walk *walk = g_new0 (Walk, 1);

  g_task_set_source_tag (task, onb_blynk_walk_async);
  walk->segments = g_strdupv ((GStrv) segments);
  walk->query = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; query != NULL && query[i] != NULL && query[i + 1] != NULL; i += 2)
    {
      g_ptr_array_add (walk->query, g_strdup (query[i]));
      g_ptr_array_add (walk->query, g_strdup (query[i + 1]));
    }
  walk->what = what;
  walk->item_func = item_func;
  walk->item_data = item_data;
  g_task_set_task_data (task, walk, walk_free);

  walk_next_page (task);
}

gboolean
onb_blynk_walk_finish (OnbBlynkClient  *self,
             GAsyncResult    *result,
             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
