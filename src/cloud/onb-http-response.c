/* onb-http-response.c: what a server answered */

#define G_LOG_DOMAIN "onb-http"

#include "config.h"

#include <string.h>

#include <curl/curl.h>
#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-http-response-private.h"

struct _OnbHttpResponse
{
  guint        status;
  guint        http_version;
  GHashTable  *headers;
  GBytes      *body;
  json_object *json;
  gint64       elapsed_us;
};

G_DEFINE_BOXED_TYPE (OnbHttpResponse, onb_http_response, onb_http_response_ref, onb_http_response_unref)

OnbHttpResponse *
onb_http_response_new (guint       status,
                       guint       http_version,
                       GHashTable *headers,
                       GBytes     *body,
                       gint64      elapsed_us)
{
  OnbHttpResponse *self = g_atomic_rc_box_new0 (OnbHttpResponse);
  gsize size;
  const char *data = g_bytes_get_data (body, &size);

  self->status = status;
  self->http_version = http_version;
  self->headers = headers;
  self->body = body;
  self->elapsed_us = elapsed_us;

  if (size > 0 && size <= G_MAXINT)
    {
      json_tokener *tokener = json_tokener_new ();

      self->json = json_tokener_parse_ex (tokener, data, (int) size);
      if (self->json != NULL)
        {
          /* Trailing garbage means it was not JSON after all. */
          for (gsize i = json_tokener_get_parse_end (tokener); i < size; i++)
            {
              if (!g_ascii_isspace (data[i]))
                {
                  g_clear_pointer (&self->json, json_object_put);
                  break;
                }
            }
        }
      json_tokener_free (tokener);
    }

  return self;
}

void
onb_http_headers_add_line (GHashTable *headers,
                           const char *line,
                           gsize       length)
{
  g_autofree char *copy = g_strndup (line, length);
  char *colon;

  /* A new status line (after 1xx) starts a new set of headers. */
  if (g_str_has_prefix (copy, "HTTP/"))
    {
      g_hash_table_remove_all (headers);
      return;
    }

  colon = strchr (copy, ':');
  if (colon == NULL)
    return;

  *colon = '\0';
  g_hash_table_insert (headers, g_ascii_strdown (g_strstrip (copy), -1), g_strdup (g_strstrip (colon + 1)));
}

OnbHttpResponse *
onb_http_response_ref (OnbHttpResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

static void
onb_http_response_clear (gpointer data)
{
  OnbHttpResponse *self = data;

  g_clear_pointer (&self->headers, g_hash_table_unref);
  g_clear_pointer (&self->body, g_bytes_unref);
  g_clear_pointer (&self->json, json_object_put);
}

void
onb_http_response_unref (OnbHttpResponse *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, onb_http_response_clear);
}

guint
onb_http_response_get_status (OnbHttpResponse *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->status;
}

gboolean
onb_http_response_is_success (OnbHttpResponse *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->status >= 200 && self->status < 300;
}

guint
onb_http_response_get_http_version (OnbHttpResponse *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->http_version;
}

const char *
onb_http_response_get_header (OnbHttpResponse *self,
                              const char      *name)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  lower = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (self->headers, lower);
}

GBytes *
onb_http_response_get_body (OnbHttpResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->body;
}

json_object *
onb_http_response_get_json (OnbHttpResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->json;
}

gint64
onb_http_response_get_elapsed_us (OnbHttpResponse *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->elapsed_us;
}

gint64
onb_http_parse_retry_after (const char *value,
                            gint64      now_unix)
{
  g_autofree char *trimmed = NULL;
  guint64 seconds;
  time_t when;

  if (value == NULL)
    return -1;

  trimmed = g_strstrip (g_strdup (value));
  if (g_ascii_string_to_unsigned (trimmed, 10, 0, G_MAXINT32, &seconds, NULL))
    return (gint64) seconds;

  /* An HTTP date; one already past means "now". */
  when = curl_getdate (trimmed, NULL);
  if (when == (time_t) -1)
    return -1;

  return MAX ((gint64) when - now_unix, 0);
}

gint64
onb_http_response_get_retry_after (OnbHttpResponse *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 seconds;

  g_return_val_if_fail (self != NULL, -1);

  seconds = onb_http_parse_retry_after (onb_http_response_get_header (self, "Retry-After"), now);
  if (seconds < 0)
    /* The Things Stack names the wait in its own rate-limit header. */
    seconds = onb_http_parse_retry_after (onb_http_response_get_header (self, "X-Rate-Limit-Retry"), now);

  return seconds;
}

static OnbCloudError
code_for_status (guint status)
{
  if (status >= 500)
    return ONB_CLOUD_ERROR_SERVER_ERROR;

  switch (status)
    {
    case 400:
    case 422:
      return ONB_CLOUD_ERROR_INVALID_REQUEST;
    case 401:
      return ONB_CLOUD_ERROR_UNAUTHORIZED;
    case 403:
      return ONB_CLOUD_ERROR_FORBIDDEN;
    case 404:
    case 410:
      return ONB_CLOUD_ERROR_NOT_FOUND;
    case 408:
      return ONB_CLOUD_ERROR_TIMEOUT;
    case 409:
      return ONB_CLOUD_ERROR_CONFLICT;
    case 429:
      return ONB_CLOUD_ERROR_RATE_LIMITED;
    default:
      return ONB_CLOUD_ERROR_HTTP;
    }
}

GError *
onb_http_response_to_error (OnbHttpResponse *self,
                            const char      *server_namespace,
                            const char      *server_name,
                            const char      *server_message,
                            const char      *message)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  if (onb_http_response_is_success (self))
    return NULL;

  return onb_cloud_error_new_full (code_for_status (self->status),
                                   self->status,
                                   server_namespace,
                                   server_name,
                                   server_message,
                                   onb_http_response_get_retry_after (self),
                                   message);
}
