/* onb-http-request.h: one HTTP request to a cloud API
 *
 * A ref-counted description of a request: method, URL (built from escaped
 * segments), query, headers, credentials, JSON body and timeouts. Credentials
 * are kept apart from ordinary headers so they can never be logged.
 */
#pragma once

#include <glib-object.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/* g_autoptr(json_object) for every layer above; define it nowhere else. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_object, json_object_put)

#define ONB_TYPE_HTTP_REQUEST (onb_http_request_get_type ())
typedef struct _OnbHttpRequest OnbHttpRequest;

/* Builds "<base_url>/<segment>/<segment>..." with every segment
 * percent-escaped (a "/" or "?" inside a value stays data), so no label or
 * CSV content can change which resource a request addresses. @base_url may
 * end in "/" and may carry a path prefix; it must not carry a query. */
char            *onb_http_build_url                   (const char     *base_url,
                                                       const char     *first_segment,
                                                       ...) G_GNUC_NULL_TERMINATED;

/* The same with the segments in a NULL-terminated vector. */
char            *onb_http_build_url_strv              (const char         *base_url,
                                                       const char * const *segments);

GType            onb_http_request_get_type            (void) G_GNUC_CONST;
/* @method is "GET", "POST", "PUT", "DELETE" or "PATCH". */
OnbHttpRequest  *onb_http_request_new                 (const char     *method,
                                                       const char     *url);
OnbHttpRequest  *onb_http_request_ref                 (OnbHttpRequest *self);
void             onb_http_request_unref               (OnbHttpRequest *self);
const char      *onb_http_request_get_method          (OnbHttpRequest *self);
/* The URL as given to onb_http_request_new(), without the query. */
const char      *onb_http_request_get_url             (OnbHttpRequest *self);
/* The URL with the escaped query appended: what is actually sent. */
char            *onb_http_request_dup_full_url        (OnbHttpRequest *self);
/* Appends "key=value" to the query, both percent-escaped. */
void             onb_http_request_add_query           (OnbHttpRequest *self,
                                                       const char     *key,
                                                       const char     *value);
/* Ordinary, non-secret headers. Use the two setters below for credentials. */
void             onb_http_request_set_header          (OnbHttpRequest *self,
                                                       const char     *name,
                                                       const char     *value);
/* "Authorization: Bearer <token>"; the token is never logged. */
void             onb_http_request_set_bearer_token    (OnbHttpRequest *self,
                                                       const char     *token);
/* HTTP Basic authentication; neither value is ever logged. */
void             onb_http_request_set_basic_auth      (OnbHttpRequest *self,
                                                       const char     *user,
                                                       const char     *password);
/* Sends @body (serialised by json-c) as application/json. Takes a new
 * reference on @body. */
void             onb_http_request_set_json_body       (OnbHttpRequest *self,
                                                       json_object    *body);
/* 0 keeps the client's default for either timeout. */
void             onb_http_request_set_timeouts        (OnbHttpRequest *self,
                                                       guint           connect_timeout_ms,
                                                       guint           total_timeout_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbHttpRequest, onb_http_request_unref)

G_END_DECLS
