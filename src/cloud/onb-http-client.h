/* onb-http-client.h: asynchronous HTTP on the GLib main loop
 *
 * One OnbHttpClient per process drives libcurl's multi interface from the
 * thread-default main context it was created in: sockets and timers are
 * GSources, so no request ever blocks the UI. Connections are kept alive
 * and reused, HTTP/2 is used where the server offers it, TLS is always
 * verified, and plain http:// is refused for anything but loopback hosts
 * unless `[cloud] allow_insecure_http=true`.
 *
 * Logging (G_LOG_DOMAIN "onb-http", debug level): method, URL, status and
 * duration only; never headers, credentials or bodies.
 */
#pragma once

#include <gio/gio.h>

#include "onb-config.h"
#include "onb-http-request.h"
#include "onb-http-response.h"

G_BEGIN_DECLS

#define ONB_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define ONB_HTTP_DEFAULT_TOTAL_TIMEOUT_MS   30000

/* The largest answer body kept, after decoding (gzip, deflate, br): a
 * bigger one, announced or compressed, is refused as a bad response
 * before it fills memory. Nothing the clouds send comes near it. */
#define ONB_HTTP_MAX_BODY_SIZE (8 * 1024 * 1024)
/* The longest URL and header line sent; a longer one (a pasted file in
 * a setting) is refused before anything is sent. */
#define ONB_HTTP_MAX_REQUEST_LINE 8192

#define ONB_TYPE_HTTP_CLIENT (onb_http_client_get_type ())
G_DECLARE_FINAL_TYPE (OnbHttpClient, onb_http_client, ONB, HTTP_CLIENT, GObject)

/* @url without user:password@, capped in length: for messages. (transfer full) */
char          *onb_http_url_for_display                (const char     *url);

/* @config (nullable) supplies `[cloud] allow_insecure_http`,
 * `[cloud] connect_timeout_ms` and `[cloud] timeout_ms`. */
OnbHttpClient   *onb_http_client_new                   (OnbConfig           *config);
gboolean         onb_http_client_get_allow_insecure_http (OnbHttpClient     *self);
void             onb_http_client_set_allow_insecure_http (OnbHttpClient     *self,
                                                          gboolean           allow);
/* Fails early, without I/O, with ONB_CLOUD_ERROR_INVALID_URL or
 * ONB_CLOUD_ERROR_INSECURE_URL when @url may not be used. */
gboolean         onb_http_client_check_url             (OnbHttpClient       *self,
                                                        const char          *url,
                                                        GError             **error);
/* Number of requests in flight (for tests and the status bar). */
guint            onb_http_client_get_n_active          (OnbHttpClient       *self);
void             onb_http_client_send_async            (OnbHttpClient       *self,
                                                        OnbHttpRequest      *request,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
/* Returns the response whatever its status; errors are ONB_CLOUD_ERROR
 * transport failures (network-down, connection-refused, connection-reset,
 * timeout, tls-failed, insecure-url, ...) or G_IO_ERROR_CANCELLED. */
OnbHttpResponse *onb_http_client_send_finish           (OnbHttpClient       *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

G_END_DECLS
