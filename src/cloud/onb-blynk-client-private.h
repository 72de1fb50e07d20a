/* onb-blynk-client-private.h: what the Blynk client's two files share
 *
 *   onb-blynk-call.c    the transport: token, redirects, 401 retry, the
 *                       429 gate, page walking
 *   onb-blynk-client.c  the object and the operations, built on calls
 */
#pragma once

#include <json-c/json.h>

#include "onb-blynk-client.h"
#include "onb-http-response.h"

G_BEGIN_DECLS

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
  char          *metafield_names[ONB_BLYNK_N_ROLES];

  char          *access_token;
  guint          token_generation; /* counts tokens received */
  gint64         token_expires_us; /* monotonic */
  gboolean       token_fetching;
  GPtrArray     *token_waiters;    /* GTask*: calls waiting for a token */

  gint64         blocked_until_us; /* monotonic: after a 429 */
  GHashTable    *templates;        /* template id "TMPL…" → its number (gint64*) */
  GHashTable    *metafields;       /* template number (gint64*) → GHashTable name → gint64* */
  char          *metafield_cache;  /* the file that keeps them across processes, or NULL */
  GHashTable    *cached;           /* template numbers (gint64*) whose list came from that file */
};

/* One request: path segments, query pairs, an optional JSON body. */
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
} OnbBlynkCall;

OnbBlynkCall     *onb_blynk_call_new             (const char           *method,
                                                  const char           *first_segment,
                                                  ...) G_GNUC_NULL_TERMINATED;
void              onb_blynk_call_add_query       (OnbBlynkCall         *call,
                                                  const char           *key,
                                                  const char           *value);
void              onb_blynk_call_add_query_int   (OnbBlynkCall         *call,
                                                  const char           *key,
                                                  gint64                value);
/* Takes @call; the task returns the 2xx response (transfer full), or the
 * 404 one for a call with not_found_ok. */
void              onb_blynk_call_async           (OnbBlynkClient       *self,
                                                  OnbBlynkCall         *call,
                                                  GCancellable         *cancellable,
                                                  gpointer              source_tag,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
OnbHttpResponse  *onb_blynk_call_finish          (OnbBlynkClient       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* The answer's JSON, or a worded error for an empty or non-JSON body.
 * (transfer none) */
json_object      *onb_blynk_response_json        (OnbHttpResponse      *response,
                                                  const char           *what,
                                                  GError              **error);

/* Completes once a fresh access token is cached. */
void              onb_blynk_ensure_token_async   (OnbBlynkClient       *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          onb_blynk_ensure_token_finish  (OnbBlynkClient       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* Wipes a secret's bytes before freeing it. */
void              onb_blynk_secret_free          (char                 *secret);

typedef enum
{
  ONB_BLYNK_WALK_NEXT,
  ONB_BLYNK_WALK_STOP,
  ONB_BLYNK_WALK_FAILED,
} OnbBlynkWalkStep;

/* Called for each item of each page, in order. */
typedef OnbBlynkWalkStep (*OnbBlynkWalkItemFunc) (OnbBlynkClient  *self,
                                                  json_object     *item,
                                                  gpointer         data,
                                                  GError         **error);

/* Reads the list at @segments (GET, with @query pairs, may be NULL) page by
 * page, giving each item to @item_func until it says stop or every item
 * is read. @item_data stays owned by the caller and must outlive the walk. */
void              onb_blynk_walk_async           (OnbBlynkClient       *self,
                                                  const char * const   *segments,
                                                  const char * const   *query,
                                                  const char           *what,
                                                  OnbBlynkWalkItemFunc  item_func,
                                                  gpointer              item_data,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          onb_blynk_walk_finish          (OnbBlynkClient       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
