/* test-http-client.c: the HTTP core on the main loop, against
 * cloud-test-server (on the same main loop) and the simulator */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cloud-test.h"
#include "cloud-test-server.h"
#include "onb-cloud-error.h"
#include "onb-error.h"
#include "onb-http-response-private.h"

#define OK_RESPONSE "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\": true}"

static OnbHttpResponse *
send_request (OnbHttpClient   *http,
              OnbHttpRequest  *request,
              GCancellable    *cancellable,
              GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_http_client_send_async (http, request, cancellable, cloud_test_store_result, &result);
  return onb_http_client_send_finish (http, cloud_test_wait (&result), error);
}

typedef struct
{
  guint       ticks;
  TestServer *server;
} Ticker;

/* The server's answer waits for the 15th tick, not for a time a loaded
 * machine may stretch: the request completes only if the main loop kept
 * running while it waited. */
static gboolean
tick (gpointer user_data)
{
  Ticker *ticker = user_data;

  if (++ticker->ticks == 15)
    test_server_release (ticker->server);
  return G_SOURCE_CONTINUE;
}

static void
test_build_url (void)
{
  g_autofree char *url = onb_http_build_url ("https://h.example/base/", "api", "a/b?c=d#e", "x y", NULL);
  g_autoptr(OnbHttpRequest) request = onb_http_request_new ("get", url);
  g_autofree char *full = NULL;

  g_assert_cmpstr (url, ==, "https://h.example/base/api/a%2Fb%3Fc%3Dd%23e/x%20y");
  onb_http_request_add_query (request, "query", "a&b=c d");
  onb_http_request_add_query (request, "n", "1");
  full = onb_http_request_dup_full_url (request);
  g_assert_cmpstr (full, ==, "https://h.example/base/api/a%2Fb%3Fc%3Dd%23e/x%20y?query=a%26b%3Dc%20d&n=1");
  g_assert_cmpstr (onb_http_request_get_method (request), ==, "GET");
}

static void
test_retry_after (void)
{
  /* Sun, 06 Nov 1994 08:49:37 GMT */
  gint64 then = 784111777;

  g_assert_cmpint (onb_http_parse_retry_after ("120", 0), ==, 120);
  g_assert_cmpint (onb_http_parse_retry_after (" 7 ", 0), ==, 7);
  g_assert_cmpint (onb_http_parse_retry_after ("Sun, 06 Nov 1994 08:49:37 GMT", then - 30), ==, 30);
  g_assert_cmpint (onb_http_parse_retry_after ("Sun, 06 Nov 1994 08:49:37 GMT", then + 30), ==, 0);
  g_assert_cmpint (onb_http_parse_retry_after ("soon", 0), ==, -1);
  g_assert_cmpint (onb_http_parse_retry_after (NULL, 0), ==, -1);
}

static void
test_check_url (void)
{
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(OnbConfig) config = onb_config_new ();
  g_autoptr(OnbHttpClient) lax = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (onb_http_client_check_url (http, "https://eu1.cloud.thethings.network", &error));
  g_assert_true (onb_http_client_check_url (http, "http://127.0.0.1:8080/x", &error));
  g_assert_true (onb_http_client_check_url (http, "http://localhost:1", &error));
  onb_test_assert_ok (onb_http_client_check_url (http, "http://[::1]:1/", &error), error);

  g_assert_false (onb_http_client_check_url (http, "http://fra1.blynk.cloud", &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INSECURE_URL);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "insecure-url");
  g_assert_nonnull (strstr (error->message, "allow_insecure_http"));
  g_clear_error (&error);

  g_assert_false (onb_http_client_check_url (http, "ftp://example.com", &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_URL);
  g_clear_error (&error);
  g_assert_false (onb_http_client_check_url (http, "eu1.cloud.thethings.network", &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_URL);
  g_clear_error (&error);

  onb_config_set_boolean (config, "cloud", "allow_insecure_http", TRUE);
  lax = onb_http_client_new (config);
  g_assert_true (onb_http_client_get_allow_insecure_http (lax));
  onb_test_assert_ok (onb_http_client_check_url (lax, "http://fra1.blynk.cloud", &error), error);
}

static void
test_request_on_main_loop (void)
{
  g_autoptr(TestServer) server = test_server_new (OK_RESPONSE);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(OnbHttpRequest) request = NULL;
  g_autoptr(OnbHttpRequest) second = NULL;
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(json_object) body = json_object_new_object ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = onb_http_build_url (server->url, "api", "v3", "x", NULL);
  Ticker ticker = { 0, server };
  guint ticker_id;

  server->delay_ms = 300;
  server->held = TRUE;
  request = onb_http_request_new ("POST", url);
  onb_http_request_set_bearer_token (request, "tok123");
  onb_http_request_set_header (request, "X-Test", "1");
  json_object_object_add (body, "name", json_object_new_string ("a\"b"));
  onb_http_request_set_json_body (request, body);

  /* A 10 ms ticker keeps running while the request waits 300 ms. */
  ticker_id = g_timeout_add (10, tick, &ticker);
  response = send_request (http, request, NULL, &error);
  g_source_remove (ticker_id);
  g_assert_no_error (error);
  g_assert_cmpuint (ticker.ticks, >=, 15);

  g_assert_cmpuint (onb_http_response_get_status (response), ==, 200);
  g_assert_true (onb_http_response_is_success (response));
  g_assert_cmpstr (onb_http_response_get_header (response, "content-TYPE"), ==, "application/json");
  g_assert_true (json_object_get_boolean (json_object_object_get (onb_http_response_get_json (response), "a")));
  g_assert_cmpint (onb_http_response_get_elapsed_us (response), >=, 300000);

  g_assert_nonnull (strstr (server->last_request->str, "POST /api/v3/x HTTP/1.1\n"));
  g_assert_nonnull (strstr (server->last_request->str, "User-Agent: Onboarder/" PACKAGE_VERSION "\n"));
  g_assert_nonnull (strstr (server->last_request->str, "Authorization: Bearer tok123\n"));
  g_assert_nonnull (strstr (server->last_request->str, "X-Test: 1\n"));
  g_assert_nonnull (strstr (server->last_request->str, "Content-Type: application/json\n"));
  /* json-c escaped the quote: the body was built, not formatted. */
  g_assert_nonnull (strstr (server->last_request->str, "{\"name\":\"a\\\"b\"}"));

  /* A second request reuses the kept-alive connection. */
  server->delay_ms = 0;
  second = onb_http_request_new ("GET", url);
  g_clear_pointer (&response, onb_http_response_unref);
  response = send_request (http, second, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (server->n_requests, ==, 2);
  g_assert_cmpuint (server->n_connections, ==, 1);
  g_assert_cmpuint (onb_http_client_get_n_active (http), ==, 0);
}

static void
expect_status (const char *raw,
               guint       status,
               int         code,
               gboolean    transient,
               gint64      retry_after)
{
  g_autoptr(TestServer) server = test_server_new (raw);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(OnbHttpRequest) request = onb_http_request_new ("GET", server->url);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) classified = NULL;

  response = send_request (http, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (onb_http_response_get_status (response), ==, status);

  classified = onb_http_response_to_error (response, NULL, NULL, NULL, "x");
  g_assert_error (classified, ONB_CLOUD_ERROR, code);
  g_assert_cmpint (onb_cloud_error_is_transient (classified), ==, transient);
  g_assert_cmpint (onb_cloud_error_get_retry_after (classified), ==, retry_after);
  g_assert_cmpuint (onb_cloud_error_get_http_status (classified), ==, status);

  /* The extended data survives a copy. */
  {
    g_autoptr(GError) copy = g_error_copy (classified);

    g_assert_cmpint (onb_cloud_error_get_retry_after (copy), ==, retry_after);
    g_assert_cmpuint (onb_cloud_error_get_http_status (copy), ==, status);
  }
}

static void
test_status_classes (void)
{
  expect_status ("HTTP/1.1 429 Too Many\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n", 429, ONB_CLOUD_ERROR_RATE_LIMITED, TRUE, 5);
  expect_status ("HTTP/1.1 429 Too Many\r\nX-Rate-Limit-Retry: 3\r\nContent-Length: 0\r\n\r\n", 429, ONB_CLOUD_ERROR_RATE_LIMITED, TRUE, 3);
  expect_status ("HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n", 503, ONB_CLOUD_ERROR_SERVER_ERROR, TRUE, -1);
  expect_status ("HTTP/1.1 408 Timeout\r\nContent-Length: 0\r\n\r\n", 408, ONB_CLOUD_ERROR_TIMEOUT, TRUE, -1);
  expect_status ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404, ONB_CLOUD_ERROR_NOT_FOUND, FALSE, -1);
  expect_status ("HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n", 400, ONB_CLOUD_ERROR_INVALID_REQUEST, FALSE, -1);
  expect_status ("HTTP/1.1 418 Teapot\r\nContent-Length: 0\r\n\r\n", 418, ONB_CLOUD_ERROR_HTTP, FALSE, -1);
}

static void
test_refused (void)
{
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(OnbHttpRequest) request = NULL;
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint16 port;

  /* A port that was free a moment ago: nobody listens there now. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  url = g_strdup_printf ("http://127.0.0.1:%u/", port);

  request = onb_http_request_new ("GET", url);
  response = send_request (http, request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_CONNECTION_REFUSED);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_assert_cmpuint (onb_cloud_error_get_http_status (error), ==, 0);
}

static void
test_network_down (void)
{
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  /* ".invalid" never resolves (RFC 6761), with or without a network. */
  g_autoptr(OnbHttpRequest) request = onb_http_request_new ("GET", "https://onboarder-test.invalid/api");
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = send_request (http, request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NETWORK_DOWN);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_assert_cmpstr (onb_error_get_reason (error), ==, "network-down");
  g_assert_nonnull (strstr (error->message, "onboarder-test.invalid"));
}

static gboolean
on_tls_incoming (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source,
                 gpointer           user_data)
{
  g_autoptr(GIOStream) tls = g_tls_server_connection_new (G_IO_STREAM (connection), user_data, NULL);

  /* The client must give up during the handshake: nothing else to do. */
  if (tls != NULL)
    g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, NULL, NULL);

  return TRUE;
}

static void
test_tls_verified (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("onb-tls-XXXXXX", &error);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  const char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", NULL };
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(OnbHttpRequest) request = NULL;
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autofree char *url = NULL;
  int status = -1;
  guint16 port;

  g_assert_no_error (error);
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()) ||
      !g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL) ||
      status != 0)
    {
      g_test_skip ("needs a GIO TLS backend and the openssl command");
      return;
    }

  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  service = g_socket_service_new ();
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_tls_incoming), certificate);

  /* A self-signed certificate is refused: verification is always on. */
  url = g_strdup_printf ("https://localhost:%u/", port);
  request = onb_http_request_new ("GET", url);
  response = send_request (http, request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_TLS);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "tls-failed");

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_unlink (key);
  g_unlink (cert);
  g_rmdir (dir);
}

static void
test_timeout_and_cancel (void)
{
  g_autoptr(TestServer) server = test_server_new (NULL);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(OnbHttpRequest) request = onb_http_request_new ("GET", server->url);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  onb_http_request_set_timeouts (request, 1000, 300);
  response = send_request (http, request, NULL, &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_TIMEOUT);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 300 * 1000 + CLOUD_TEST_LATE_US);
  g_clear_error (&error);

  g_timeout_add_once (50, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  onb_http_request_set_timeouts (request, 0, 0);
  response = send_request (http, request, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (onb_cloud_error_is_transient (error));
  g_assert_cmpuint (onb_http_client_get_n_active (http), ==, 0);
}

static void
test_dropped (void)
{
  g_autoptr(OnbTestSim) sim = cloud_test_sim_start (NULL);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autofree char *url = onb_http_build_url (onb_test_sim_get_url (sim), "api", "v3", "configuration", "frequency-plans", NULL);
  g_autoptr(OnbHttpRequest) request = onb_http_request_new ("GET", url);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  onb_test_sim_set_faults (sim, "{\"script\": {\"tts.frequency_plans\": [\"drop\"]}}", &error);
  g_assert_no_error (error);
  response = send_request (http, request, NULL, &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_CONNECTION_RESET);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_clear_error (&error);

  response = send_request (http, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (onb_http_response_get_status (response), ==, 200);
}

/* A body over ONB_HTTP_MAX_BODY_SIZE, announced or not, is refused in
 * words; the client stays usable. */
static void
test_huge_body (void)
{
  gsize size = ONB_HTTP_MAX_BODY_SIZE + 4096;
  g_autofree char *announced_head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n", size);
  const char *unannounced_head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
  const char *heads[] = { announced_head, unannounced_head };

  for (guint i = 0; i < G_N_ELEMENTS (heads); i++)
    {
      g_autoptr(GString) raw = g_string_new (heads[i]);
      g_autoptr(TestServer) server = NULL;
      g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
      g_autoptr(OnbHttpRequest) request = NULL;
      g_autoptr(OnbHttpResponse) response = NULL;
      g_autoptr(GError) error = NULL;

      g_string_set_size (raw, raw->len + size);
      memset (raw->str + strlen (heads[i]), '[', size);
      server = test_server_new_len (raw->str, raw->len);
      request = onb_http_request_new ("GET", server->url);
      response = send_request (http, request, NULL, &error);
      g_assert_null (response);
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
      g_assert_nonnull (strstr (error->message, "8 MB"));
      g_assert_cmpuint (onb_http_client_get_n_active (http), ==, 0);
    }
}

/* 64 MB of zeros in about 64 KB of gzip: the cap counts decoded bytes. */
static void
test_gzip_bomb (void)
{
  g_autoptr(GConverter) gzip = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9));
  g_autoptr(GByteArray) compressed = g_byte_array_new ();
  g_autofree char *zeros = g_malloc0 (1024 * 1024);
  g_autoptr(GString) raw = NULL;
  g_autoptr(TestServer) server = NULL;
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(OnbHttpRequest) request = NULL;
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  guint8 buffer[65536];

  for (guint i = 0; i < 64; i++)
    {
      gsize read = 0, written = 0;
      GConverterResult res;
      gsize offset = 0;

      do
        {
          res = g_converter_convert (gzip, zeros + offset, 1024 * 1024 - offset, buffer, sizeof buffer,
                                     i == 63 ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
                                     &read, &written, &error);
          g_assert_no_error (error);
          offset += read;
          g_byte_array_append (compressed, buffer, written);
        }
      while (offset < 1024 * 1024 || (i == 63 && res != G_CONVERTER_FINISHED));
    }
  g_assert_cmpuint (compressed->len, <, 1024 * 1024);

  raw = g_string_new (NULL);
  g_string_printf (raw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                   "Content-Length: %u\r\n\r\n", compressed->len);
  g_string_append_len (raw, (const char *) compressed->data, compressed->len);
  server = test_server_new_len (raw->str, raw->len);
  request = onb_http_request_new ("GET", server->url);
  response = send_request (http, request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
}

/* A megabyte of API key or address is refused at once, without a word of
 * it in the message and without anything sent. */
static void
test_oversized_request (void)
{
  g_autoptr(TestServer) server = test_server_new (OK_RESPONSE);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autofree char *key = g_strnfill (1024 * 1024, 'K');
  g_autofree char *long_url = g_strconcat (server->url, "/", key, NULL);
  g_autoptr(OnbHttpRequest) keyed = onb_http_request_new ("GET", server->url);
  g_autoptr(OnbHttpRequest) addressed = onb_http_request_new ("GET", long_url);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  onb_http_request_set_bearer_token (keyed, key);
  response = send_request (http, keyed, NULL, &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
  g_assert_null (strstr (error->message, "KKKK"));
  g_assert_nonnull (strstr (error->message, "API key"));
  g_clear_error (&error);

  response = send_request (http, addressed, NULL, &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
  g_assert_cmpuint (strlen (error->message), <, 400);

  g_assert_cmpuint (server->n_requests, ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, CLOUD_TEST_LATE_US);
}

typedef struct
{
  GSocketConnection *connection;
  guint              sent;
} Drip;

static gboolean
drip_one (gpointer user_data)
{
  Drip *drip = user_data;
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (drip->connection));

  if (g_output_stream_write (output, " ", 1, NULL, NULL) != 1)
    return G_SOURCE_REMOVE;
  drip->sent++;
  return G_SOURCE_CONTINUE;
}

static gboolean
drip_incoming (GSocketService     *service,
               GSocketConnection  *connection,
               GObject            *source,
               gpointer            user_data)
{
  Drip *drip = user_data;
  const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";

  drip->connection = g_object_ref (connection);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             head, strlen (head), NULL, NULL, NULL);
  g_timeout_add (50, drip_one, drip);
  return TRUE;
}

/* A byte every 50 ms keeps a connection alive forever: the total timeout
 * still ends it. */
static void
test_slow_drip (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(OnbHttpRequest) request = onb_http_request_new ("GET", url);
  g_autoptr(OnbHttpResponse) response = NULL;
  Drip drip = { NULL, 0 };
  gint64 start;

  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (drip_incoming), &drip);
  g_socket_service_start (service);

  /* 30 drips are due before the timeout; a few stalls still leave 4. */
  onb_http_request_set_timeouts (request, 1000, 1500);
  start = g_get_monotonic_time ();
  response = send_request (http, request, NULL, &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1500 * 1000 + CLOUD_TEST_LATE_US);
  g_assert_cmpuint (drip.sent, >, 3);

  while (g_source_remove_by_user_data (&drip))
    ;
  g_socket_service_stop (service);
  g_clear_object (&drip.connection);
}

/* Printed URLs never carry user:password@. */
static void
test_url_for_display (void)
{
  g_autofree char *a = onb_http_url_for_display ("https://user:s3cret@blynk.cloud:443/path?q=1");
  g_autofree char *b = onb_http_url_for_display ("https://a@b@host");
  g_autofree char *c = onb_http_url_for_display ("https://blynk.cloud/x@y");
  g_autofree char *d = onb_http_url_for_display ("not a url:pw@x");
  g_autofree char *long_url = g_strnfill (5000, 'h');
  g_autofree char *e = onb_http_url_for_display (long_url);

  g_assert_cmpstr (a, ==, "https://blynk.cloud:443/path?q=1");
  g_assert_cmpstr (b, ==, "https://host");
  g_assert_cmpstr (c, ==, "https://blynk.cloud/x@y");
  g_assert_null (strstr (d, "pw"));
  g_assert_cmpuint (g_utf8_strlen (e, -1), <=, 201);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http/build-url", test_build_url);
  g_test_add_func ("/http/retry-after", test_retry_after);
  g_test_add_func ("/http/check-url", test_check_url);
  g_test_add_func ("/http/request-on-main-loop", test_request_on_main_loop);
  g_test_add_func ("/http/status-classes", test_status_classes);
  g_test_add_func ("/http/refused", test_refused);
  g_test_add_func ("/http/network-down", test_network_down);
  g_test_add_func ("/http/tls-verified", test_tls_verified);
  g_test_add_func ("/http/timeout-and-cancel", test_timeout_and_cancel);
  g_test_add_func ("/http/dropped", test_dropped);
  g_test_add_func ("/http/huge-body", test_huge_body);
  g_test_add_func ("/http/gzip-bomb", test_gzip_bomb);
  g_test_add_func ("/http/oversized-request", test_oversized_request);
  g_test_add_func ("/http/slow-drip", test_slow_drip);
  g_test_add_func ("/http/url-for-display", test_url_for_display);

  return g_test_run ();
}
