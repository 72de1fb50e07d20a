/* onb-blynk-client.c: Blynk Platform API operations (docs/design.md, The clouds)
 *
 * Shapes, status codes and texts: docs/blynk-api.md (examples in
 * tests/fixtures/blynk/). What the documentation does not show is assumed
 * in exactly one function each, marked "Undocumented". The transport
 * (token, redirects, 429 gate, pages) is onb-blynk-call.c.
 */

#define G_LOG_DOMAIN "onb-blynk"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "onb-blynk-client-private.h"
#include "onb-blynk-decode-private.h"
#include "onb-cloud-error.h"

/* The documented limit of the search query. */
#define MAX_SEARCH_QUERY 255

G_DEFINE_FINAL_TYPE (OnbBlynkClient, onb_blynk_client, G_TYPE_OBJECT)

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
  onb_blynk_secret_free (self->client_secret);
  g_free (self->template_id);
  for (guint i = 0; i < ONB_BLYNK_N_ROLES; i++)
    g_free (self->metafield_names[i]);
  onb_blynk_secret_free (self->access_token);
  g_ptr_array_unref (self->token_waiters);
  g_hash_table_unref (self->templates);
  g_hash_table_unref (self->metafields);
  g_free (self->metafield_cache);
  g_hash_table_unref (self->cached);

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
  self->cached = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

OnbBlynkClient *
onb_blynk_client_new (OnbHttpClient  *http,
                      OnbConfig      *config,
                      GError        **error)
{
  static const struct { const char *key; const char *name; } names[ONB_BLYNK_N_ROLES] = {
    [ONB_BLYNK_ROLE_DEV_EUI]    = { "metafield_dev_eui",    ONB_BLYNK_METAFIELD_DEV_EUI },
    [ONB_BLYNK_ROLE_JOIN_EUI]   = { "metafield_join_eui",   ONB_BLYNK_METAFIELD_JOIN_EUI },
    [ONB_BLYNK_ROLE_APP_KEY]    = { "metafield_app_key",    ONB_BLYNK_METAFIELD_APP_KEY },
    [ONB_BLYNK_ROLE_TTN_DEVICE] = { "metafield_ttn_device", ONB_BLYNK_METAFIELD_TTN_DEVICE },
  };
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

  for (guint i = 0; i < ONB_BLYNK_N_ROLES; i++)
    {
      g_autofree char *name = onb_config_get_string (config, "blynk", names[i].key);

      self->metafield_names[i] = name != NULL && g_strstrip (name)[0] != '\0' ? g_steal_pointer (&name)
                                                                               : g_strdup (names[i].name);
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

const char *
onb_blynk_client_get_metafield_name (OnbBlynkClient *self,
                                     OnbBlynkRole    role)
{
  g_return_val_if_fail (ONB_IS_BLYNK_CLIENT (self), NULL);
  g_return_val_if_fail (role < ONB_BLYNK_N_ROLES, NULL);

  return self->metafield_names[role];
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
  g_clear_pointer (&self->access_token, onb_blynk_secret_free);
  onb_blynk_ensure_token_async (self, cancellable, callback, user_data);
}

gboolean
onb_blynk_client_authenticate_finish (OnbBlynkClient  *self,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return onb_blynk_ensure_token_finish (self, result, error);
}

/* ---- devices --------------------------------------------------------------- */

static OnbBlynkDevice *
device_from_response (OnbHttpResponse  *response,
                      GError          **error)
{
  json_object *json = onb_blynk_response_json (response, _("a device request"), error);

  return json != NULL ? onb_blynk_device_new_from_json (json, error) : NULL;
}

/* Completes @task with @device (transfer full) or @error (transfer full):
 * the one end of every call that answers a device. */
static void
return_device (GTask          *task,
               OnbBlynkDevice *device,
               GError         *error)
{
  if (device == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, device, (GDestroyNotify) onb_blynk_device_unref);
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

  response = onb_blynk_call_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (response != NULL)
    device = device_from_response (response, &error);
  return_device (task, device, error);
}

/* Runs @call and returns its answer as an OnbBlynkDevice. */
static void
device_call_async (OnbBlynkClient      *self,
                   OnbBlynkCall        *call,
                   GCancellable        *cancellable,
                   gpointer             source_tag,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  onb_blynk_call_async (self, call, cancellable, source_tag, device_cb, task);
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
  OnbBlynkCall *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (template_id != NULL);
  g_return_if_fail (name != NULL);

  call = onb_blynk_call_new ("POST", "api", "v1", "organization", "device", "create", NULL);
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
  OnbBlynkCall *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));

  call = onb_blynk_call_new ("GET", "api", "v1", "organization", "device", NULL);
  onb_blynk_call_add_query_int (call, "deviceId", device_id);

  device_call_async (self, call, cancellable, onb_blynk_client_get_device_async, callback, user_data);
}

OnbBlynkDevice *
onb_blynk_client_get_device_finish (OnbBlynkClient  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  return device_call_finish (self, result, error);
}

static OnbBlynkWalkStep
search_item (OnbBlynkClient  *self,
             json_object     *item,
             gpointer         data,
             GError         **error)
{
  GPtrArray *found = data;
  OnbBlynkDevice *device = onb_blynk_device_new_from_json (item, error);

  if (device == NULL)
    return ONB_BLYNK_WALK_FAILED;
  g_ptr_array_add (found, device);
  return ONB_BLYNK_WALK_NEXT;
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

  if (!onb_blynk_walk_finish (ONB_BLYNK_CLIENT (object), result, &error))
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

  onb_blynk_walk_async (self, segments, query, _("a device search"), search_item, search->devices,
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
  response = onb_blynk_call_finish (ONB_BLYNK_CLIENT (object), result, &error);
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
  OnbBlynkCall *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_delete_device_async);

  call = onb_blynk_call_new ("DELETE", "api", "v1", "organization", "device", NULL);
  onb_blynk_call_add_query_int (call, "deviceId", device_id);
  /* Already gone is what we wanted. */
  call->not_found_ok = TRUE;
  onb_blynk_call_async (self, call, cancellable, onb_blynk_client_delete_device_async, delete_cb, task);
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

  onb_blynk_secret_free (lookup->token);
  g_clear_pointer (&lookup->found, onb_blynk_static_token_unref);
  g_free (lookup);
}

static OnbBlynkWalkStep
token_item (OnbBlynkClient  *self,
            json_object     *item,
            gpointer         data,
            GError         **error)
{
  TokenLookup *lookup = data;
  g_autoptr(OnbBlynkStaticToken) entry = onb_blynk_static_token_new_from_json (item, error);

  if (entry == NULL)
    return ONB_BLYNK_WALK_FAILED;
  if (strcmp (onb_blynk_static_token_get_token (entry), lookup->token) != 0)
    return ONB_BLYNK_WALK_NEXT;

  lookup->found = g_steal_pointer (&entry);
  return ONB_BLYNK_WALK_STOP;
}

static void
token_lookup_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TokenLookup *lookup = g_task_get_task_data (task);
  GError *error = NULL;

  if (!onb_blynk_walk_finish (ONB_BLYNK_CLIENT (object), result, &error))
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

  onb_blynk_walk_async (self, segments, NULL, _("the static-token list"), token_item, lookup,
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
 * the field names (docs/blynk-api.md, "The claim call"). */
static OnbBlynkCall *
claim_call_new (const char *token,
                gint64      user_id)
{
  OnbBlynkCall *call = onb_blynk_call_new ("POST", "api", "v1", "organization", "static-tokens", "claim", NULL);

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
  GError *error = NULL;
  OnbBlynkDevice *device = onb_blynk_client_get_device_finish (ONB_BLYNK_CLIENT (object), result, &error);

  return_device (task, device, error);
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

  response = onb_blynk_call_finish (self, result, &error);
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
  return_device (task, device, error);
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
  g_task_set_task_data (task, g_strdup (token), (GDestroyNotify) onb_blynk_secret_free);

  onb_blynk_call_async (self, claim_call_new (token, user_id), cancellable,
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
