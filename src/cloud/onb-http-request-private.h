/* onb-http-request-private.h: what the HTTP client reads from a request */
#pragma once

#include "onb-http-request.h"

G_BEGIN_DECLS

struct _OnbHttpRequest
{
  char        *method;
  char        *url;
  GString     *query;
  GPtrArray   *headers;        /* "Name: value" */
  char        *bearer_token;   /* secret */
  char        *basic_user;
  char        *basic_password; /* secret */
  json_object *body;
  guint        connect_timeout_ms;
  guint        total_timeout_ms;
};

G_END_DECLS
