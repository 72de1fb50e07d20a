/* onb-http-request.c: one HTTP request to a cloud API */

#define G_LOG_DOMAIN "onb-http"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "onb-http-request-private.h"

G_DEFINE_BOXED_TYPE (OnbHttpRequest, onb_http_request, onb_http_request_ref, onb_http_request_unref)

char *
onb_http_build_url_strv (const char         *base_url,
                         const char * const *segments)
{
  GString *url;

  g_return_val_if_fail (base_url != NULL, NULL);

  url = g_string_new (base_url);
  while (url->len > 0 && url->str[url->len - 1] == '/')
    g_string_truncate (url, url->len - 1);

  for (guint i = 0; segments != NULL && segments[i] != NULL; i++)
    {
      g_string_append_c (url, '/');
      /* No reserved character allowed unescaped: a segment is pure data. */
      g_string_append_uri_escaped (url, segments[i], NULL, FALSE);
    }

  return g_string_free (url, FALSE);
}

char *
onb_http_build_url (const char *base_url,
                    const char *first_segment,
                    ...)
{
  g_autoptr(GPtrArray) segments = g_ptr_array_new ();
  va_list args;

  va_start (args, first_segment);
  for (const char *segment = first_segment; segment != NULL; segment = va_arg (args, const char *))
    g_ptr_array_add (segments, (gpointer) segment);
  va_end (args);
  g_ptr_array_add (segments, NULL);

  return onb_http_build_url_strv (base_url, (const char * const *) segments->pdata);
}

OnbHttpRequest *
onb_http_request_new (const char *method,
                      const char *url)
{
  OnbHttpRequest *self;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (url != NULL, NULL);

  self = g_atomic_rc_box_new0 (OnbHttpRequest);
  self->method = g_ascii_strup (method, -1);
  self->url = g_strdup (url);
  self->query = g_string_new (NULL);
  self->headers = g_ptr_array_new_with_free_func (g_free);

  return self;
}

OnbHttpRequest *
onb_http_request_ref (OnbHttpRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

static void
onb_http_request_clear (gpointer data)
{
  OnbHttpRequest *self = data;

  g_free (self->method);
  g_free (self->url);
  g_string_free (self->query, TRUE);
  g_ptr_array_unref (self->headers);
  g_clear_pointer (&self->bearer_token, g_free);
  g_clear_pointer (&self->basic_user, g_free);
  g_clear_pointer (&self->basic_password, g_free);
  g_clear_pointer (&self->body, json_object_put);
}

void
onb_http_request_unref (OnbHttpRequest *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, onb_http_request_clear);
}

const char *
onb_http_request_get_method (OnbHttpRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->method;
}

const char *
onb_http_request_get_url (OnbHttpRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->url;
}

char *
onb_http_request_dup_full_url (OnbHttpRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->query->len == 0)
    return g_strdup (self->url);

  return g_strconcat (self->url, "?", self->query->str, NULL);
}

void
onb_http_request_add_query (OnbHttpRequest *self,
                            const char     *key,
                            const char     *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);
  g_return_if_fail (value != NULL);

  if (self->query->len > 0)
    g_string_append_c (self->query, '&');
  g_string_append_uri_escaped (self->query, key, NULL, FALSE);
  g_string_append_c (self->query, '=');
  g_string_append_uri_escaped (self->query, value, NULL, FALSE);
}

void
onb_http_request_set_header (OnbHttpRequest *self,
                             const char     *name,
                             const char     *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL && strpbrk (name, ":\r\n") == NULL);
  g_return_if_fail (value != NULL && strpbrk (value, "\r\n") == NULL);
  /* Credentials have their own setters so they stay out of any log. */
  g_return_if_fail (g_ascii_strcasecmp (name, "Authorization") != 0);

  g_ptr_array_add (self->headers, g_strdup_printf ("%s: %s", name, value));
}

void
onb_http_request_set_bearer_token (OnbHttpRequest *self,
                                   const char     *token)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (token != NULL && strpbrk (token, "\r\n") == NULL);

  g_free (self->bearer_token);
  self->bearer_token = g_strdup (token);
}

void
onb_http_request_set_basic_auth (OnbHttpRequest *self,
                                 const char     *user,
                                 const char     *password)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (user != NULL);
  g_return_if_fail (password != NULL);

  g_free (self->basic_user);
  g_free (self->basic_password);
  self->basic_user = g_strdup (user);
  self->basic_password = g_strdup (password);
}

void
onb_http_request_set_json_body (OnbHttpRequest *self,
                                json_object    *body)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (body != NULL);

  g_clear_pointer (&self->body, json_object_put);
  self->body = json_object_get (body);
}

void
onb_http_request_set_timeouts (OnbHttpRequest *self,
                               guint           connect_timeout_ms,
                               guint           total_timeout_ms)
{
  g_return_if_fail (self != NULL);

  self->connect_timeout_ms = connect_timeout_ms;
  self->total_timeout_ms = total_timeout_ms;
}
