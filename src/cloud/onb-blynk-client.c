/* onb-blynk-client.c: Blynk Platform API, OAuth2 (docs/design.md, The clouds)
 *
 * Shapes, status codes and texts: ref/blynk-api.md (its examples are in
 * tests/fixtures/blynk/). What the documentation does not show is assumed
 * in exactly one function each, marked "Undocumented".
 */

#define G_LOG_DOMAIN "onb-blynk"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "onb-blynk-client.h"
#include "onb-blynk-decode-private.h"
#include "onb-cloud-error.h"

#define MAX_REDIRECTS 3
/* More pages than totalElements allows: the server is not Blynk. */
#define MAX_PAGES (ONB_BLYNK_MAX_TOTAL / ONB_BLYNK_PAGE_SIZE + 1)
/* The documented limit of the search query. */
#define MAX_SEARCH_QUERY 255

struct _OnbBlynkClient
{
  GObject        parent_instance;

  OnbHttpClient *http;
  char          *configured_server; /* as in the settings */
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
call_new_strv (const char         *method,
               const char * const *segments)
{
  Call *call = g_new0 (Call, 1);

  call->method = g_strdup (method);
  call->segments = g_strdupv ((GStrv) segments);
  call->query = g_ptr_array_new_with_free_func (g_free);

  return call;
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
                     Call            *call,
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
static json_object *
response_json (OnbHttpResponse  *response,
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
  Call *call = g_task_get_task_data (task);
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
        g_clear_pointer (&self->access_token, secret_free);
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
static OnbHttpResponse *call_finish (OnbBlynkClient *self, GAsyncResult *result, GError **error);

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

  response = call_finish (self, result, &error);
  if (response != NULL &&
      (json = response_json (response, _("the login"), &error)) != NULL &&
      onb_blynk_decode_token_answer (json, &token, &expires_in, &error))
    {
      g_clear_pointer (&self->access_token, secret_free);
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

/* Takes @call; the task returns the 2xx response (transfer full), or the
 * 404 one for a call with not_found_ok. */
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

static OnbHttpResponse *
call_finish (OnbBlynkClient  *self,
             GAsyncResult    *result,
             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- pages: walked with page/size until every item is read ------------ */

typedef enum
{
  WALK_NEXT,
  WALK_STOP,
  WALK_FAILED,
} WalkStep;

/* Called for each item of each page, in order. */
typedef WalkStep (*WalkItemFunc) (OnbBlynkClient  *self,
                                  json_object     *item,
                                  gpointer         data,
                                  GError         **error);

typedef struct
{
  GStrv         segments;
  GPtrArray    *query;      /* key, value…: the same on every page */
  const char   *what;       /* translated, static */
  WalkItemFunc  item_func;
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

  response = call_finish (self, result, &error);
  if (response == NULL ||
      (json = response_json (response, walk->what, &error)) == NULL ||
      !onb_blynk_decode_page (json, ONB_BLYNK_PAGE_SIZE, &content, &total, walk->what, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  n = json_object_array_length (content);
  for (size_t i = 0; i < n; i++)
    switch (walk->item_func (self, json_object_array_get_idx (content, i), walk->item_data, &error))
      {
      case WALK_FAILED:
        g_task_return_error (task, error);
        return;
      case WALK_STOP:
        g_task_return_boolean (task, TRUE);
        return;
      case WALK_NEXT:
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
  Call *call = call_new_strv ("GET", (const char * const *) walk->segments);

  for (guint i = 0; i + 1 < walk->query->len; i += 2)
    call_add_query (call, g_ptr_array_index (walk->query, i), g_ptr_array_index (walk->query, i + 1));
  call_add_query_int (call, "page", walk->page);
  call_add_query_int (call, "size", ONB_BLYNK_PAGE_SIZE);
  call_async (self, call, g_task_get_cancellable (task), walk_next_page, walk_page_cb, task);
}

/* Reads the list at @segments (GET, with @query pairs, may be NULL) page by
 * page, giving each item to @item_func until it says stop or every item
 * is read. @item_data stays owned by the caller and must outlive the walk. */
static void
walk_async (OnbBlynkClient      *self,
            const char * const  *segments,
            const char * const  *query,
            const char          *what,
            WalkItemFunc         item_func,
            gpointer             item_data,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Walk *walk = g_new0 (Walk, 1);

  g_task_set_source_tag (task, walk_async);
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

static gboolean
walk_finish (OnbBlynkClient  *self,
             GAsyncResult    *result,
             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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
  g_free (self->configured_server);
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

  /* A user:password@ part is no Blynk credential and must not appear
   * wherever the server is shown or logged. */
  {
    g_autoptr(GUri) uri = g_uri_parse (self->server, G_URI_FLAGS_ENCODED, NULL);

    if (uri != NULL && g_uri_get_userinfo (uri) != NULL)
      {
        g_free (self->server);
        self->server = g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO);
      }
  }
  len = strlen (self->server);
  while (len > 0 && self->server[len - 1] == '/')
    self->server[--len] = '\0';
  self->configured_server = g_strdup (self->server);

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

static OnbBlynkDevice *
device_from_response (OnbHttpResponse  *response,
                      GError          **error)
{
  json_object *json = response_json (response, _("a device request"), error);

  return json != NULL ? onb_blynk_device_new_from_json (json, error) : NULL;
}

static void
device_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(OnbHttpResponse) response = NULL;
  OnbBlynkDevice *device = NULL;
  GError *error = NULL;

  response = call_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (response != NULL)
    device = device_from_response (response, &error);
  if (device == NULL)
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

static WalkStep
search_item (OnbBlynkClient  *self,
             json_object     *item,
             gpointer         data,
             GError         **error)
{
  GPtrArray *found = data;
  OnbBlynkDevice *device = onb_blynk_device_new_from_json (item, error);

  if (device == NULL)
    return WALK_FAILED;
  g_ptr_array_add (found, device);
  return WALK_NEXT;
}

typedef struct
{
  char      *name;
  GPtrArray *devices;   /* every device of every page */
} Search;

static void
search_free (gpointer data)
{
  Search *search = data;

  g_free (search->name);
  g_ptr_array_unref (search->devices);
  g_free (search);
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Search *search = g_task_get_task_data (task);
  g_autoptr(GPtrArray) exact = NULL;
  GError *error = NULL;

  if (!walk_finish (ONB_BLYNK_CLIENT (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Blynk's search matches parts of names: keep the exact ones. */
  exact = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_blynk_device_unref);
  for (guint i = 0; i < search->devices->len; i++)
    {
      OnbBlynkDevice *device = g_ptr_array_index (search->devices, i);

      if (g_strcmp0 (onb_blynk_device_get_name (device), search->name) == 0)
        g_ptr_array_add (exact, onb_blynk_device_ref (device));
    }

  g_task_return_pointer (task, g_steal_pointer (&exact), (GDestroyNotify) g_ptr_array_unref);
}

void
onb_blynk_client_search_devices_async (OnbBlynkClient      *self,
                                       const char          *name,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  static const char * const segments[] = { "api", "v1", "organization", "search", "devices", NULL };
  const char *query[] = { "query", name, NULL };
  GTask *task;
  Search *search;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_search_devices_async);

  if (name[0] == '\0' || g_utf8_strlen (name, -1) > MAX_SEARCH_QUERY)
    {
      g_autofree char *message =
        g_strdup_printf (_("A Blynk device name must have 1 to %d characters."), MAX_SEARCH_QUERY);

      g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_INVALID_REQUEST, 0, NULL, NULL, NULL, -1, message));
      g_object_unref (task);
      return;
    }

  search = g_new0 (Search, 1);
  search->name = g_strdup (name);
  search->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_blynk_device_unref);
  g_task_set_task_data (task, search, search_free);

  walk_async (self, segments, query, _("a device search"), search_item, search->devices,
              cancellable, search_cb, task);
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
delete_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(OnbHttpResponse) response = NULL;
  GError *error = NULL;

  /* 204 (documented) or any other 2xx; the body, if any, says nothing. */
  response = call_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (response == NULL)
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
  call_async (self, call, cancellable, onb_blynk_client_delete_device_async, delete_cb, task);
}

gboolean
onb_blynk_client_delete_device_finish (OnbBlynkClient  *self,
                                       GAsyncResult    *result,
                                       GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- static tokens ------------------------------------------------------------ */

/* The list shows plain tokens; a QR code may add "+orgId". */
static char *
plain_token (const char *token)
{
  const char *plus = strchr (token, '+');

  return plus != NULL ? g_strndup (token, plus - token) : g_strdup (token);
}

typedef struct
{
  char                *token;   /* plain */
  OnbBlynkStaticToken *found;
} TokenLookup;

static void
token_lookup_free (gpointer data)
{
  TokenLookup *lookup = data;

  secret_free (lookup->token);
  g_clear_pointer (&lookup->found, onb_blynk_static_token_unref);
  g_free (lookup);
}

static WalkStep
token_item (OnbBlynkClient  *self,
            json_object     *item,
            gpointer         data,
            GError         **error)
{
  TokenLookup *lookup = data;
  g_autoptr(OnbBlynkStaticToken) entry = onb_blynk_static_token_new_from_json (item, error);

  if (entry == NULL)
    return WALK_FAILED;
  if (strcmp (onb_blynk_static_token_get_token (entry), lookup->token) != 0)
    return WALK_NEXT;

  lookup->found = g_steal_pointer (&entry);
  return WALK_STOP;
}

static void
token_lookup_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TokenLookup *lookup = g_task_get_task_data (task);
  GError *error = NULL;

  if (!walk_finish (ONB_BLYNK_CLIENT (object), result, &error))
    g_task_return_error (task, error);
  else if (lookup->found == NULL)
    g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_NOT_FOUND, 0, NULL, NULL, NULL, -1,
                                                         _("The static token of this label is not in the Blynk organisation’s token list. Check that the label belongs to this organisation.")));
  else
    g_task_return_pointer (task, onb_blynk_static_token_ref (lookup->found),
                           (GDestroyNotify) onb_blynk_static_token_unref);
}

void
onb_blynk_client_find_static_token_async (OnbBlynkClient      *self,
                                          const char          *token,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  static const char * const segments[] = { "api", "v1", "organization", "static-tokens", NULL };
  GTask *task;
  TokenLookup *lookup;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_find_static_token_async);
  lookup = g_new0 (TokenLookup, 1);
  lookup->token = plain_token (token);
  g_task_set_task_data (task, lookup, token_lookup_free);

  walk_async (self, segments, NULL, _("the static-token list"), token_item, lookup,
              cancellable, token_lookup_cb, task);
}

OnbBlynkStaticToken *
onb_blynk_client_find_static_token_finish (OnbBlynkClient  *self,
                                           GAsyncResult    *result,
                                           GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Undocumented: the claim's request body. Blynk's pages say the call takes
 * the QR text (plain or "sqr_…+orgId") and the new owner's userId, but not
 * the field names (ref/blynk-api.md, "The claim call"). */
static Call *
claim_call_new (const char *token,
                gint64      user_id)
{
  Call *call = call_new ("POST", "api", "v1", "organization", "static-tokens", "claim", NULL);

  call->body = json_object_new_object ();
  json_object_object_add (call->body, "token", json_object_new_string (token));
  json_object_object_add (call->body, "userId", json_object_new_int64 (user_id));

  return call;
}

static void
claim_device_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkDevice *device;
  GError *error = NULL;

  device = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (device == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, device, (GDestroyNotify) onb_blynk_device_unref);
}

static void
claim_lookup_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  g_autoptr(OnbBlynkStaticToken) entry = NULL;
  GError *error = NULL;

  entry = onb_blynk_client_find_static_token_finish (self, result, &error);
  if (entry == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!onb_blynk_static_token_is_claimed (entry))
    {
      g_task_return_error (task, onb_blynk_bad_response (_("the static-token claim"),
                                                         _("it accepted the claim, but its token list shows the token unclaimed")));
      return;
    }

  onb_blynk_client_get_device_async (self, onb_blynk_static_token_get_device_id (entry),
                                     g_task_get_cancellable (task), claim_device_cb, g_object_ref (task));
}

/* Undocumented: the claim's answer. Either the device (as create answers)
 * or an empty 2xx, after which the token list names the device. */
static void
claim_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  g_autoptr(OnbHttpResponse) response = NULL;
  OnbBlynkDevice *device;
  GError *error = NULL;

  response = call_finish (self, result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (g_bytes_get_size (onb_http_response_get_body (response)) == 0)
    {
      onb_blynk_client_find_static_token_async (self, g_task_get_task_data (task), g_task_get_cancellable (task),
                                                claim_lookup_cb, g_object_ref (task));
      return;
    }

  device = device_from_response (response, &error);
  if (device == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, device, (GDestroyNotify) onb_blynk_device_unref);
}

void
onb_blynk_client_claim_static_token_async (OnbBlynkClient      *self,
                                           const char          *token,
                                           gint64               user_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_claim_static_token_async);
  g_task_set_task_data (task, g_strdup (token), (GDestroyNotify) secret_free);

  call_async (self, claim_call_new (token, user_id), cancellable,
              onb_blynk_client_claim_static_token_async, claim_cb, task);
}

OnbBlynkDevice *
onb_blynk_client_claim_static_token_finish (OnbBlynkClient  *self,
                                            GAsyncResult    *result,
                                            GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- templates and metafields ------------------------------------------------ */

static WalkStep
template_item (OnbBlynkClient  *self,
               json_object     *item,
               gpointer         data,
               GError         **error)
{
  g_auto(GStrv) codes = NULL;
  gint64 id = 0;

  if (!onb_blynk_decode_template (item, &id, &codes, error))
    return WALK_FAILED;

  /* Every template is read and cached: one listing serves every later
   * lookup (an organisation has few). */
  for (guint i = 0; codes[i] != NULL; i++)
    g_hash_table_insert (self->templates, g_strdup (codes[i]), int64_dup (id));

  return WALK_NEXT;
}

static void
resolve_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  const char *code = g_task_get_task_data (task);
  g_autofree char *message = NULL;
  gint64 *number;
  GError *error = NULL;

  if (!walk_finish (self, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if ((number = g_hash_table_lookup (self->templates, code)) != NULL)
    {
      g_task_return_int (task, *number);
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
  static const char * const segments[] = { "api", "v1", "organization", "templates", NULL };
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

  walk_async (self, segments, NULL, _("the template list"), template_item, NULL, cancellable, resolve_cb, task);
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
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GHashTable) map = NULL;
  json_object *json = NULL;
  GError *error = NULL;

  response = call_finish (self, result, &error);
  if (response == NULL ||
      (json = response_json (response, _("the template’s metafield list"), &error)) == NULL ||
      (map = onb_blynk_decode_template_metafields (json, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
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
  guint       pending;
  GError     *error;
} SetMetafields;

static void
set_metafields_free (gpointer data)
{
  SetMetafields *state = data;

  g_hash_table_unref (state->values);
  g_clear_error (&state->error);
  g_free (state);
}

static void
metafield_written_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SetMetafields *state = g_task_get_task_data (task);
  g_autoptr(OnbHttpResponse) response = NULL;
  GError *error = NULL;

  /* 204 without a body (documented): nothing in it to check, so the
   * caller verifies by reading the device back. */
  response = call_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (error != NULL && state->error == NULL)
    state->error = error;
  else
    g_clear_error (&error);

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
      call_async (self, call, g_task_get_cancellable (task), onb_blynk_client_set_metafields_async,
                  metafield_written_cb, g_object_ref (task));
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
  g_task_set_task_data (task, state, set_metafields_free);

  if (template_id > 0)
    onb_blynk_client_get_metafields_async (self, template_id, cancellable, set_metafields_map_cb, task);
  else
    onb_blynk_client_get_device_async (self, device_id, cancellable, set_metafields_device_cb, task);
}

gboolean
onb_blynk_client_set_metafields_finish (OnbBlynkClient  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
