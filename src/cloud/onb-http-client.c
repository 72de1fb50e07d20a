/* onb-http-client.c: asynchronous HTTP on the GLib main loop
 *
 * libcurl's multi interface in "socket action" mode: libcurl tells us which
 * sockets to watch (socket_cb) and when it next needs a timeout
 * (timer_cb); we turn those into GSources of the client's main context and
 * call curl_multi_socket_action() from them. Nothing here ever waits.
 */

#define G_LOG_DOMAIN "onb-http"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <curl/curl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-http-client.h"
#include "onb-http-request-private.h"
#include "onb-http-response-private.h"

struct _OnbHttpClient
{
  GObject       parent_instance;

  CURLM        *multi;
  GMainContext *context;
  GSource      *timer;
  GHashTable   *sockets; /* GSource* we attached, for finalize */
  guint         n_active;
  guint         connect_timeout_ms;
  guint         total_timeout_ms;
  gboolean      allow_insecure_http;
};

G_DEFINE_FINAL_TYPE (OnbHttpClient, onb_http_client, G_TYPE_OBJECT)

typedef struct
{
  OnbHttpClient     *client;  /* owned by the task (its source object) */
  GTask             *task;    /* our ref while in flight */
  OnbHttpRequest    *request;
  CURL              *easy;
  struct curl_slist *headers;
  char              *body;    /* serialised JSON; may hold keys */
  gsize              body_len;
  GByteArray        *response_body;
  GHashTable        *response_headers;
  GSource           *cancel_source;
  char              *log_url; /* scheme://host/path: no query, nothing secret */
  gboolean           too_big; /* the body passed ONB_HTTP_MAX_BODY_SIZE */
  gint64             started_us;
  char               error_buffer[CURL_ERROR_SIZE];
} Transfer;

static void
transfer_free (gpointer data)
{
  Transfer *t = data;

  if (t->cancel_source != NULL)
    {
      g_source_destroy (t->cancel_source);
      g_source_unref (t->cancel_source);
    }
  g_clear_pointer (&t->easy, curl_easy_cleanup);
  g_clear_pointer (&t->headers, curl_slist_free_all);
  if (t->body != NULL)
    {
      /* Request bodies carry AppKeys and static tokens. */
      memset (t->body, 0, t->body_len);
      g_free (t->body);
    }
  g_clear_pointer (&t->request, onb_http_request_unref);
  g_clear_pointer (&t->response_body, g_byte_array_unref);
  g_clear_pointer (&t->response_headers, g_hash_table_unref);
  g_free (t->log_url);
  g_free (t);
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0 ||
      g_str_has_suffix (host, ".localhost"))
    return TRUE;

  address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_is_loopback (address);
}

gboolean
onb_http_client_check_url (OnbHttpClient  *self,
                           const char     *url,
                           GError        **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  g_return_val_if_fail (ONB_IS_HTTP_CLIENT (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  host = uri != NULL ? g_uri_get_host (uri) : NULL;

  if (scheme == NULL || host == NULL || host[0] == '\0' ||
      (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    {
      g_autofree char *shown = onb_http_url_for_display (url);
      g_autofree char *message =
        g_strdup_printf (_("“%s” is not a server address. Enter it as https://host, for example https://eu1.cloud.thethings.network."),
                         shown);

      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_INVALID_URL, 0, NULL, NULL, NULL, -1, message));
      return FALSE;
    }

  if (g_ascii_strcasecmp (scheme, "http") == 0 &&
      !self->allow_insecure_http &&
      !host_is_loopback (host))
    {
      g_autofree char *message =
        g_strdup_printf (_("The server address %s is not encrypted (http://). Use https:// instead, or set allow_insecure_http=true in the [cloud] section of the configuration if this network really needs it."),
                         host);

      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_INSECURE_URL, 0, NULL, NULL, NULL, -1, message));
      return FALSE;
    }

  return TRUE;
}

/**
 * onb_http_url_for_display:
 *
 * @url as it may be shown or printed: without its user:password@ part
 * (never a credential on screen), valid UTF-8 and at most 200 characters.
 */
char *
onb_http_url_for_display (const char *url)
{
  g_autoptr(GString) shown = NULL;
  g_autofree char *valid = NULL;
  const char *authority;
  gsize authority_len;

  g_return_val_if_fail (url != NULL, NULL);

  shown = g_string_new (url);
  authority = strstr (shown->str, "://");
  authority = authority != NULL ? authority + 3 : shown->str;
  authority_len = strcspn (authority, "/?#");
  for (gsize i = authority_len; i > 0; i--)
    if (authority[i - 1] == '@')
      {
        g_string_erase (shown, authority - shown->str, i);
        break;
      }

  valid = g_utf8_make_valid (shown->str, MIN (shown->len, 800));
  if (g_utf8_strlen (valid, -1) <= 200)
    return g_steal_pointer (&valid);

  {
    g_autofree char *cut = g_utf8_substring (valid, 0, 200);

    return g_strconcat (cut, "…", NULL);
  }
}

static char *
make_log_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);

  if (uri == NULL)
    return g_strdup ("(invalid URL)");

  /* No user info, query or fragment: only where the request went. */
  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL,
                     g_uri_get_host (uri), g_uri_get_port (uri),
                     g_uri_get_path (uri), NULL, NULL);
}

static char *
host_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);

  if (uri != NULL && g_uri_get_host (uri) != NULL)
    return g_strdup (g_uri_get_host (uri));

  return onb_http_url_for_display (url);
}

static GError *
error_for_curl_code (Transfer *t,
                     CURLcode  code)
{
  g_autofree char *host = host_of (t->request->url);
  OnbCloudError cloud_code;
  g_autofree char *message = NULL;
  long os_errno = 0;

  curl_easy_getinfo (t->easy, CURLINFO_OS_ERRNO, &os_errno);

  /* Our body callback stops an answer that grows past the cap. */
  if (code == CURLE_WRITE_ERROR && t->too_big)
    code = CURLE_FILESIZE_EXCEEDED;

  /* As int: CURLcode has a hundred values, most irrelevant to HTTP. */
  switch ((int) code)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      cloud_code = ONB_CLOUD_ERROR_NETWORK_DOWN;
      message = g_strdup_printf (_("Cannot find the server %s: the network is down or the address is misspelt. Check the network connection and the server address."), host);
      break;

    case CURLE_COULDNT_CONNECT:
      if (os_errno == ECONNREFUSED)
        {
          cloud_code = ONB_CLOUD_ERROR_CONNECTION_REFUSED;
          message = g_strdup_printf (_("The server %s refused the connection: it may be down for maintenance. Try again later."), host);
        }
      else
        {
          cloud_code = ONB_CLOUD_ERROR_NETWORK_DOWN;
          message = g_strdup_printf (_("Cannot reach the server %s: no network route. Check the network cable or Wi-Fi."), host);
        }
      break;

    case CURLE_OPERATION_TIMEDOUT:
      cloud_code = ONB_CLOUD_ERROR_TIMEOUT;
      message = g_strdup_printf (_("The server %s did not answer in time. The network may be slow or the server busy; try again later."), host);
      break;

    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      cloud_code = ONB_CLOUD_ERROR_TLS;
      message = g_strdup_printf (_("The secure connection to %s failed: its certificate could not be verified. Check the date and time of this station and that the network does not intercept connections."), host);
      break;

    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      cloud_code = ONB_CLOUD_ERROR_INVALID_URL;
      message = g_strdup_printf (_("“%s” is not a usable server address. Check the server addresses in the settings."), host);
      break;

    case CURLE_TOO_MANY_REDIRECTS:
      cloud_code = ONB_CLOUD_ERROR_TOO_MANY_REDIRECTS;
      message = g_strdup_printf (_("The server %s keeps redirecting. Check the server address in the settings."), host);
      break;

    case CURLE_FILESIZE_EXCEEDED:
      cloud_code = ONB_CLOUD_ERROR_BAD_RESPONSE;
      message = g_strdup_printf (_("The server %s sent an answer larger than %u MB; Onboarder refuses it. Check the server address in the settings."),
                                 host, ONB_HTTP_MAX_BODY_SIZE / (1024 * 1024));
      break;

    case CURLE_WRITE_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
      cloud_code = ONB_CLOUD_ERROR_BAD_RESPONSE;
      message = g_strdup_printf (_("The server %s sent an answer that makes no sense. Check the server address in the settings."), host);
      break;

    case CURLE_OK:
    default:
      /* Send/receive errors, empty replies, HTTP/2 stream resets: the
       * connection went away under us. */
      cloud_code = ONB_CLOUD_ERROR_CONNECTION_RESET;
      message = g_strdup_printf (_("The connection to %s was cut off. Check the network connection; the request will be tried again."), host);
      break;
    }

  g_debug ("%s %s failed: %s (%s)", t->request->method, t->log_url,
           curl_easy_strerror (code), t->error_buffer);

  return onb_cloud_error_new_full (cloud_code, 0, NULL, NULL, NULL, -1, message);
}

static void
transfer_finish (Transfer *t,
                 CURLcode  code)
{
  g_autoptr(GTask) task = g_steal_pointer (&t->task);
  OnbHttpClient *self = t->client;
  gint64 elapsed_us = g_get_monotonic_time () - t->started_us;

  self->n_active--;

  if (code == CURLE_OK)
    {
      long status = 0;
      long version = 0;
      OnbHttpResponse *response;
      GBytes *body;

      curl_easy_getinfo (t->easy, CURLINFO_RESPONSE_CODE, &status);
      curl_easy_getinfo (t->easy, CURLINFO_HTTP_VERSION, &version);
      body = g_byte_array_free_to_bytes (g_steal_pointer (&t->response_body));

      g_debug ("%s %s -> %ld (HTTP/%s, %" G_GINT64_FORMAT " ms)",
               t->request->method, t->log_url, status,
               version >= CURL_HTTP_VERSION_2_0 ? "2" : "1.1",
               elapsed_us / 1000);

      response = onb_http_response_new ((guint) status,
                                        version >= CURL_HTTP_VERSION_2_0 ? 2 : 1,
                                        g_steal_pointer (&t->response_headers),
                                        body,
                                        elapsed_us);
      g_task_return_pointer (task, response, (GDestroyNotify) onb_http_response_unref);
    }
  else
    {
      g_task_return_error (task, error_for_curl_code (t, code));
    }
}

static void
check_completed (OnbHttpClient *self)
{
  CURLMsg *msg;
  int left;

  while ((msg = curl_multi_info_read (self->multi, &left)) != NULL)
    {
      CURL *easy;
      CURLcode code;
      Transfer *t = NULL;

      if (msg->msg != CURLMSG_DONE)
        continue;

      /* msg is invalid once the handle is removed. */
      easy = msg->easy_handle;
      code = msg->data.result;
      curl_easy_getinfo (easy, CURLINFO_PRIVATE, (char **) &t);
      curl_multi_remove_handle (self->multi, easy);
      transfer_finish (t, code);
    }
}

static void
destroy_source (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

static gboolean
on_socket_ready (int           fd,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  g_autoptr(OnbHttpClient) self = g_object_ref (ONB_HTTP_CLIENT (user_data));
  int action = 0;
  int running;

  if (condition & G_IO_IN)
    action |= CURL_CSELECT_IN;
  if (condition & G_IO_OUT)
    action |= CURL_CSELECT_OUT;
  if (condition & (G_IO_ERR | G_IO_HUP))
    action |= CURL_CSELECT_ERR;

  curl_multi_socket_action (self->multi, fd, action, &running);
  check_completed (self);

  /* socket_cb replaces or removes this source when libcurl changes its
   * mind about the socket. */
  return G_SOURCE_CONTINUE;
}

static int
socket_cb (CURL          *easy,
           curl_socket_t  fd,
           int            what,
           void          *user_data,
           void          *socket_data)
{
  OnbHttpClient *self = user_data;
  GSource *source = socket_data;
  GIOCondition condition = 0;

  if (source != NULL)
    {
      g_hash_table_remove (self->sockets, source);
      source = NULL;
    }

  if (what != CURL_POLL_REMOVE)
    {
      if (what & CURL_POLL_IN)
        condition |= G_IO_IN | G_IO_HUP | G_IO_ERR;
      if (what & CURL_POLL_OUT)
        condition |= G_IO_OUT | G_IO_ERR;

      source = g_unix_fd_source_new (fd, condition);
      g_source_set_callback (source, G_SOURCE_FUNC (on_socket_ready), self, NULL);
      g_source_set_static_name (source, "[onb-http] socket");
      g_source_attach (source, self->context);
      g_hash_table_add (self->sockets, source);
    }

  curl_multi_assign (self->multi, fd, source);

  return 0;
}

static gboolean
on_timeout (gpointer user_data)
{
  g_autoptr(OnbHttpClient) self = g_object_ref (ONB_HTTP_CLIENT (user_data));
  int running;

  /* Dispatching keeps the source alive; timer_cb may install a new one. */
  g_clear_pointer (&self->timer, g_source_unref);

  curl_multi_socket_action (self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  check_completed (self);

  return G_SOURCE_REMOVE;
}

static void
clear_timer (OnbHttpClient *self)
{
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
}

static int
timer_cb (CURLM *multi,
          long   timeout_ms,
          void  *user_data)
{
  OnbHttpClient *self = user_data;

  clear_timer (self);

  if (timeout_ms >= 0)
    {
      self->timer = g_timeout_source_new ((guint) MIN (timeout_ms, G_MAXUINT));
      g_source_set_callback (self->timer, on_timeout, self, NULL);
      g_source_set_static_name (self->timer, "[onb-http] timer");
      g_source_attach (self->timer, self->context);
    }

  return 0;
}

static size_t
on_header (char   *buffer,
           size_t  size,
           size_t  n_items,
           void   *user_data)
{
  Transfer *t = user_data;

  onb_http_headers_add_line (t->response_headers, buffer, size * n_items);

  return size * n_items;
}

static size_t
on_body (char   *buffer,
         size_t  size,
         size_t  n_items,
         void   *user_data)
{
  Transfer *t = user_data;
  gsize len = size * n_items;

  /* libcurl hands us decoded bytes, so this also stops a gzip bomb. */
  if (len > ONB_HTTP_MAX_BODY_SIZE - t->response_body->len)
    {
      t->too_big = TRUE;
      return 0; /* aborts with CURLE_WRITE_ERROR */
    }

  g_byte_array_append (t->response_body, (const guint8 *) buffer, len);

  return len;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  Transfer *t = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&t->task);

  if (task == NULL)
    return G_SOURCE_REMOVE;

  g_debug ("%s %s cancelled", t->request->method, t->log_url);
  curl_multi_remove_handle (t->client->multi, t->easy);
  t->client->n_active--;
  g_task_return_error_if_cancelled (task);

  return G_SOURCE_REMOVE;
}

static gboolean
setup_easy (OnbHttpClient  *self,
            Transfer       *t,
            GError        **error)
{
  OnbHttpRequest *request = t->request;
  g_autofree char *url = onb_http_request_dup_full_url (request);
  guint connect_ms = request->connect_timeout_ms ? request->connect_timeout_ms : self->connect_timeout_ms;
  guint total_ms = request->total_timeout_ms ? request->total_timeout_ms : self->total_timeout_ms;

  t->easy = curl_easy_init ();
  if (t->easy == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "curl_easy_init() failed");
      return FALSE;
    }

  curl_easy_setopt (t->easy, CURLOPT_URL, url);
  curl_easy_setopt (t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (t->easy, CURLOPT_USERAGENT, "Onboarder/" PACKAGE_VERSION);
  curl_easy_setopt (t->easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
  /* Prefer waiting for an HTTP/2 connection to multiplex on over opening
   * another one. */
  curl_easy_setopt (t->easy, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt (t->easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (t->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (t->easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (t->easy, CURLOPT_SSL_VERIFYHOST, 2L);
  /* Redirects are the callers' business (Blynk's 308 must be remembered). */
  curl_easy_setopt (t->easy, CURLOPT_FOLLOWLOCATION, 0L);
  /* The total timeout also ends a silent server and a slow drip. */
  curl_easy_setopt (t->easy, CURLOPT_CONNECTTIMEOUT_MS, (long) connect_ms);
  curl_easy_setopt (t->easy, CURLOPT_TIMEOUT_MS, (long) total_ms);
  /* Refuses an announced Content-Length over the cap before reading it. */
  curl_easy_setopt (t->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) ONB_HTTP_MAX_BODY_SIZE);
  curl_easy_setopt (t->easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt (t->easy, CURLOPT_ERRORBUFFER, t->error_buffer);
  curl_easy_setopt (t->easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt (t->easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (t->easy, CURLOPT_HEADERDATA, t);
  curl_easy_setopt (t->easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (t->easy, CURLOPT_WRITEDATA, t);

  t->headers = curl_slist_append (t->headers, "Accept: application/json");
  /* No "Expect: 100-continue" round trip for small JSON bodies. */
  t->headers = curl_slist_append (t->headers, "Expect:");
  for (guint i = 0; i < request->headers->len; i++)
    t->headers = curl_slist_append (t->headers, g_ptr_array_index (request->headers, i));

  if (request->bearer_token != NULL)
    {
      g_autofree char *line = g_strconcat ("Authorization: Bearer ", request->bearer_token, NULL);

      t->headers = curl_slist_append (t->headers, line);
      memset (line, 0, strlen (line));
    }
  if (request->basic_user != NULL)
    {
      curl_easy_setopt (t->easy, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
      curl_easy_setopt (t->easy, CURLOPT_USERNAME, request->basic_user);
      curl_easy_setopt (t->easy, CURLOPT_PASSWORD, request->basic_password);
    }

  if (request->body != NULL)
    {
      const char *text = json_object_to_json_string_ext (request->body, JSON_C_TO_STRING_PLAIN);

      t->body_len = strlen (text);
      t->body = g_strndup (text, t->body_len);
      t->headers = curl_slist_append (t->headers, "Content-Type: application/json");
      curl_easy_setopt (t->easy, CURLOPT_POSTFIELDSIZE, (long) t->body_len);
      curl_easy_setopt (t->easy, CURLOPT_POSTFIELDS, t->body);
    }
  else if (g_str_equal (request->method, "POST") || g_str_equal (request->method, "PUT"))
    {
      curl_easy_setopt (t->easy, CURLOPT_POSTFIELDSIZE, 0L);
      curl_easy_setopt (t->easy, CURLOPT_POSTFIELDS, "");
    }

  if (g_str_equal (request->method, "GET"))
    curl_easy_setopt (t->easy, CURLOPT_HTTPGET, 1L);
  else if (!g_str_equal (request->method, "POST"))
    curl_easy_setopt (t->easy, CURLOPT_CUSTOMREQUEST, request->method);

  curl_easy_setopt (t->easy, CURLOPT_HTTPHEADER, t->headers);

  return TRUE;
}

/* A setting far too long (a pasted file) makes a request servers drop or
 * never answer: refuse it at once, naming the part but not its value. */
static gboolean
check_request_size (OnbHttpRequest  *request,
                    GError         **error)
{
  g_autofree char *url = onb_http_request_dup_full_url (request);
  const char *part = NULL;

  if (strlen (url) > ONB_HTTP_MAX_REQUEST_LINE)
    part = _("address");
  else if (request->bearer_token != NULL && strlen (request->bearer_token) > ONB_HTTP_MAX_REQUEST_LINE)
    part = _("API key or token");
  else if ((request->basic_user != NULL && strlen (request->basic_user) > ONB_HTTP_MAX_REQUEST_LINE) ||
           (request->basic_password != NULL && strlen (request->basic_password) > ONB_HTTP_MAX_REQUEST_LINE))
    part = _("client ID or secret");
  for (guint i = 0; part == NULL && i < request->headers->len; i++)
    if (strlen (g_ptr_array_index (request->headers, i)) > ONB_HTTP_MAX_REQUEST_LINE)
      part = _("header");

  if (part == NULL)
    return TRUE;

  {
    g_autofree char *host = host_of (request->url);
    g_autofree char *message =
      g_strdup_printf (_("The request to %s was not sent: its %s is longer than %u characters. Check the settings."),
                       strlen (host) > 255 ? _("the server") : host, part, ONB_HTTP_MAX_REQUEST_LINE);

    g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_INVALID_REQUEST, 0, NULL, NULL, NULL, -1, message));
    return FALSE;
  }
}

void
onb_http_client_send_async (OnbHttpClient       *self,
                            OnbHttpRequest      *request,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Transfer *t;
  CURLMcode mcode;

  g_return_if_fail (ONB_IS_HTTP_CLIENT (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_http_client_send_async);
  g_task_set_name (task, "[onb-http] send");

  if (!onb_http_client_check_url (self, request->url, &error) ||
      !check_request_size (request, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  t = g_new0 (Transfer, 1);
  t->client = self;
  t->request = onb_http_request_ref (request);
  t->response_body = g_byte_array_new ();
  t->response_headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  t->log_url = make_log_url (request->url);
  g_task_set_task_data (task, t, transfer_free);

  if (!setup_easy (self, t, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  t->task = g_object_ref (task);
  t->started_us = g_get_monotonic_time ();
  mcode = curl_multi_add_handle (self->multi, t->easy);
  if (mcode != CURLM_OK)
    {
      g_clear_object (&t->task);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "curl_multi_add_handle() failed: %s", curl_multi_strerror (mcode));
      return;
    }
  self->n_active++;

  if (cancellable != NULL)
    {
      t->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (t->cancel_source, G_SOURCE_FUNC (on_cancelled), t, NULL);
      g_source_attach (t->cancel_source, self->context);
    }

  g_debug ("%s %s", request->method, t->log_url);
}

OnbHttpResponse *
onb_http_client_send_finish (OnbHttpClient  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (ONB_IS_HTTP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
onb_http_client_get_n_active (OnbHttpClient *self)
{
  g_return_val_if_fail (ONB_IS_HTTP_CLIENT (self), 0);

  return self->n_active;
}

gboolean
onb_http_client_get_allow_insecure_http (OnbHttpClient *self)
{
  g_return_val_if_fail (ONB_IS_HTTP_CLIENT (self), FALSE);

  return self->allow_insecure_http;
}

void
onb_http_client_set_allow_insecure_http (OnbHttpClient *self,
                                         gboolean       allow)
{
  g_return_if_fail (ONB_IS_HTTP_CLIENT (self));

  self->allow_insecure_http = !!allow;
}

static void
onb_http_client_finalize (GObject *object)
{
  OnbHttpClient *self = (OnbHttpClient *) object;

  /* Tasks hold a reference on us, so nothing is in flight here; cleanup
   * closes idle connections and may still call socket_cb. */
  curl_multi_cleanup (self->multi);
  g_clear_pointer (&self->sockets, g_hash_table_unref);
  clear_timer (self);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (onb_http_client_parent_class)->finalize (object);
}

static void
onb_http_client_class_init (OnbHttpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = onb_http_client_finalize;

  curl_global_init (CURL_GLOBAL_DEFAULT);
}

static void
onb_http_client_init (OnbHttpClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->connect_timeout_ms = ONB_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
  self->total_timeout_ms = ONB_HTTP_DEFAULT_TOTAL_TIMEOUT_MS;

  self->sockets = g_hash_table_new_full (NULL, NULL, NULL, destroy_source);
  self->multi = curl_multi_init ();
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_PIPELINING, (long) CURLPIPE_MULTIPLEX);
}

OnbHttpClient *
onb_http_client_new (OnbConfig *config)
{
  OnbHttpClient *self;

  g_return_val_if_fail (!config || ONB_IS_CONFIG (config), NULL);

  self = g_object_new (ONB_TYPE_HTTP_CLIENT, NULL);

  if (config != NULL)
    {
      gint64 connect_ms = onb_config_get_int (config, "cloud", "connect_timeout_ms", ONB_HTTP_DEFAULT_CONNECT_TIMEOUT_MS);
      gint64 total_ms = onb_config_get_int (config, "cloud", "timeout_ms", ONB_HTTP_DEFAULT_TOTAL_TIMEOUT_MS);

      self->allow_insecure_http = onb_config_get_boolean (config, "cloud", "allow_insecure_http", FALSE);
      self->connect_timeout_ms = (guint) CLAMP (connect_ms, 100, 600000);
      self->total_timeout_ms = (guint) CLAMP (total_ms, 100, 3600000);
    }

  return self;
}
