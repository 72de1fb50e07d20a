/* onb-http-response.h: what a server answered
 *
 * Any HTTP status is a response (the cloud clients decode their server's
 * error bodies); only transport failures are errors of
 * onb_http_client_send_finish().
 */
#pragma once

#include <glib-object.h>
#include <json-c/json.h>

G_BEGIN_DECLS

#define ONB_TYPE_HTTP_RESPONSE (onb_http_response_get_type ())
typedef struct _OnbHttpResponse OnbHttpResponse;

GType             onb_http_response_get_type        (void) G_GNUC_CONST;
OnbHttpResponse  *onb_http_response_ref             (OnbHttpResponse *self);
void              onb_http_response_unref           (OnbHttpResponse *self);
guint             onb_http_response_get_status      (OnbHttpResponse *self);
gboolean          onb_http_response_is_success      (OnbHttpResponse *self);
/* 1 for HTTP/1.x, 2 for HTTP/2. */
guint             onb_http_response_get_http_version (OnbHttpResponse *self);
/* Header lookup is case-insensitive; the last value wins. */
const char       *onb_http_response_get_header      (OnbHttpResponse *self,
                                                     const char      *name);
GBytes           *onb_http_response_get_body        (OnbHttpResponse *self);
/* The body parsed as JSON, or NULL when empty or not JSON. (transfer none) */
json_object      *onb_http_response_get_json        (OnbHttpResponse *self);
/* Seconds from Retry-After (delta or HTTP date) or X-Rate-Limit-Retry, or
 * -1 when absent. */
gint64            onb_http_response_get_retry_after (OnbHttpResponse *self);
/* How long the request took, in microseconds, from sending to the last byte. */
gint64            onb_http_response_get_elapsed_us  (OnbHttpResponse *self);
/* The error class of this response's status (e.g. ONB_CLOUD_ERROR_RATE_LIMITED
 * for 429) with its status and Retry-After, for the clients to refine with
 * the server's own error name. Returns NULL for 2xx. @message is the
 * worker-readable sentence. */
GError           *onb_http_response_to_error        (OnbHttpResponse *self,
                                                     const char      *server_namespace,
                                                     const char      *server_name,
                                                     const char      *server_message,
                                                     const char      *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbHttpResponse, onb_http_response_unref)

G_END_DECLS
