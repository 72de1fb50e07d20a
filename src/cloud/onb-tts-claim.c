/* onb-tts-claim.c: The Things Stack's Device Claiming Server (docs/tts-api.md) */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-cloud-enums.h"
#include "onb-cloud-error.h"
#include "onb-code.h"
#include "onb-error.h"
#include "onb-tts-answer-decode-private.h"
#include "onb-tts-claim.h"
#include "onb-tts-client-private.h"

ONB_DEFINE_ERROR_DOMAIN (onb_tts_claim_error, onb_tts_claim_error_get_type)

struct _OnbTtsClaim
{
  GObject parent_instance;

  OnbTtsClient *client;
  char *url;
  GHashTable *supports;   /* JoinEUI → GINT_TO_POINTER (supports claiming) */
};

G_DEFINE_FINAL_TYPE (OnbTtsClaim, onb_tts_claim, G_TYPE_OBJECT)

/* What one call is about, for its answer and its words. */
typedef struct
{
  char *dev_eui;
  char *join_eui;
  char *device_id;
} Call;

static void
call_free (gpointer data)
{
  Call *call = data;

  g_free (call->dev_eui);
  g_free (call->join_eui);
  g_free (call->device_id);
  g_free (call);
}

static void
onb_tts_claim_finalize (GObject *object)
{
  OnbTtsClaim *self = (OnbTtsClaim *) object;

  g_clear_object (&self->client);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->supports, g_hash_table_unref);

  G_OBJECT_CLASS (onb_tts_claim_parent_class)->finalize (object);
}

static void
onb_tts_claim_class_init (OnbTtsClaimClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_tts_claim_finalize;
}

static void
onb_tts_claim_init (OnbTtsClaim *self)
{
  self->supports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

OnbTtsClaim *
onb_tts_claim_new (OnbTtsClient  *client,
                   OnbConfig     *config,
                   GError       **error)
{
  g_autoptr(OnbTtsClaim) self = NULL;

  g_return_val_if_fail (ONB_IS_TTS_CLIENT (client), NULL);
  g_return_val_if_fail (ONB_IS_CONFIG (config), NULL);

  self = g_object_new (ONB_TYPE_TTS_CLAIM, NULL);
  self->client = g_object_ref (client);
  if (!(self->url = onb_tts_cluster_url (client, config, "claiming_server", error)))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
onb_tts_claim_get_url (OnbTtsClaim *self)
{
  g_return_val_if_fail (ONB_IS_TTS_CLAIM (self), NULL);

  return self->url;
}

gboolean
onb_tts_claim_check_possible (OnbTtsClaim  *self,
                              GError      **error)
{
  g_return_val_if_fail (ONB_IS_TTS_CLAIM (self), FALSE);

  if (!onb_tts_client_get_blynk_creates (self->client))
    return TRUE;
  g_set_error_literal (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_BLYNK_CREATES,
                       _("This box is claimed with the owner token on its label, but on this station Blynk creates "
                         "the devices in The Things Stack ([tts] created_by = blynk), and Blynk needs the AppKey, "
                         "which a claimed device does not have. Set the box aside for a station where Onboarder "
                         "creates the devices."));
  return FALSE;
}

/* ---- errors ------------------------------------------------------------- */

/* The Device Claiming Server's errors by name (docs/tts-api.md, Device
 * Claiming Server): the worker's sentence; everything else stays as the
 * TTS client worded it. */
static GError *
claim_error (OnbTtsClaim *self,
             Call        *call,
             GError      *error)
{
  const char *name = onb_cloud_error_get_server_name (error);
  const char *shown = call->dev_eui != NULL ? call->dev_eui : call->device_id;
  g_autofree char *message = NULL;
  int code;

  if (g_strcmp0 (name, "claiming_not_supported") == 0)
    {
      code = ONB_TTS_CLAIM_ERROR_NOT_SUPPORTED;
      message = g_strdup_printf (_("The Join Server of the device %s does not support claiming: this box needs its "
                                   "keys in a device list."), shown);
    }
  else if (g_strcmp0 (name, "device_access_denied") == 0)
    {
      code = ONB_TTS_CLAIM_ERROR_DENIED;
      message = g_strdup_printf (_("The Join Server refused the owner token on the label of %s: the token is wrong, "
                                   "or another network has already claimed the device. Set the box aside and ask "
                                   "its supplier."), shown);
    }
  else if (g_strcmp0 (name, "device_not_provisioned") == 0)
    {
      code = ONB_TTS_CLAIM_ERROR_UNKNOWN_DEVICE;
      message = g_strdup_printf (_("The Join Server of the device %s does not know it. Check the label, or ask the "
                                   "supplier."), shown);
    }
  else if (g_strcmp0 (name, "device_not_found") == 0 || g_strcmp0 (name, "no_euis") == 0)
    {
      code = ONB_TTS_CLAIM_ERROR_NO_DEVICE;
      message = g_strdup_printf (_("The Identity Server holds no device %s with its EUIs in the application “%s”, "
                                   "so its claim cannot be read or undone there."),
                                 shown, onb_tts_client_get_application_id (self->client));
    }
  else
    return error;

  {
    GError *reworded = onb_tts_error_reword (error, ONB_TTS_CLAIM_ERROR, code, message);

    g_error_free (error);
    return reworded;
  }
}

/* ---- one call ----------------------------------------------------------- */

static void
send (OnbTtsClaim         *self,
      GTask               *task,
      Call                *call,
      const char          *method,
      const char          *url,
      json_object         *body,
      GAsyncReadyCallback  callback)
{
  g_autoptr(OnbHttpRequest) request = onb_http_request_new (method, url);

  g_task_set_task_data (task, call, call_free);
  if (body != NULL)
    onb_http_request_set_json_body (request, body);
  onb_tts_client_send_async (self->client, request, g_task_get_source_tag (task),
                             g_task_get_cancellable (task), callback, task);
}

/* The answer of a call, or NULL with the task returned in error. */
static json_object *
answer_of (GTask        *task,
           GAsyncResult *result)
{
  OnbTtsClaim *self = g_task_get_source_object (task);
  GError *error = NULL;
  json_object *answer = onb_tts_client_read_finish (self->client, result, &error);

  if (answer == NULL)
    g_task_return_error (task, claim_error (self, g_task_get_task_data (task), error));
  return answer;
}

/* A task that returned a yes/no as an int: FALSE on an error, else TRUE
 * with the answer in @out (may be NULL). */
static gboolean
propagate_flag (GAsyncResult  *result,
                gboolean      *out,
                GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize value = g_task_propagate_int (G_TASK (result), &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (out != NULL)
    *out = value != 0;
  return TRUE;
}

static char *
device_url (OnbTtsClaim *self,
            const char  *device_id)
{
  return onb_http_build_url (self->url, "api", "v3", "edcs", "claim",
                             onb_tts_client_get_application_id (self->client), "devices", device_id, NULL);
}

/* ---- info --------------------------------------------------------------- */

static void
info_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbTtsClaim *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(json_object) answer = answer_of (task, result);
  GError *error = NULL;
  gboolean supports = FALSE;

  if (answer == NULL)
    return;
  if (!onb_tts_decode_claim_info (answer, call->join_eui, &supports, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_hash_table_insert (self->supports, g_strdup (call->join_eui), GINT_TO_POINTER (supports));
  g_task_return_int (task, supports);
}

void
onb_tts_claim_get_info_async (OnbTtsClaim         *self,
                              const char          *join_eui,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  Call *call;
  gpointer supports;
  g_autofree char *url = NULL;
  g_autoptr(json_object) body = json_object_new_object ();

  g_return_if_fail (ONB_IS_TTS_CLAIM (self));
  g_return_if_fail (join_eui != NULL && onb_hex_is_valid (join_eui, 16));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_claim_get_info_async);
  call = g_new0 (Call, 1);
  call->join_eui = g_ascii_strup (join_eui, -1);

  if (g_hash_table_lookup_extended (self->supports, call->join_eui, NULL, &supports))
    {
      call_free (call);
      g_task_return_int (task, GPOINTER_TO_INT (supports));
      g_object_unref (task);
      return;
    }

  json_object_object_add (body, "join_eui", json_object_new_string (call->join_eui));
  url = onb_http_build_url (self->url, "api", "v3", "edcs", "claim", "info", NULL);
  send (self, task, call, "POST", url, body, info_cb);
}

gboolean
onb_tts_claim_get_info_finish (OnbTtsClaim   *self,
                               GAsyncResult  *result,
                               gboolean      *supports_claiming,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return propagate_flag (result, supports_claiming, error);
}

gboolean
onb_tts_claim_lookup_info (OnbTtsClaim *self,
                           const char  *join_eui,
                           gboolean    *supports_claiming)
{
  g_autofree char *key = NULL;
  gpointer supports;

  g_return_val_if_fail (ONB_IS_TTS_CLAIM (self), FALSE);
  g_return_val_if_fail (join_eui != NULL, FALSE);

  key = g_ascii_strup (join_eui, -1);
  if (!g_hash_table_lookup_extended (self->supports, key, NULL, &supports))
    return FALSE;
  if (supports_claiming != NULL)
    *supports_claiming = GPOINTER_TO_INT (supports);
  return TRUE;
}

/* ---- claim -------------------------------------------------------------- */

static void
claim_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbTtsClaim *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(json_object) answer = answer_of (task, result);
  GError *error = NULL;

  if (answer == NULL)
    return;
  if (!onb_tts_decode_claimed_ids (answer, onb_tts_client_get_application_id (self->client), call->device_id,
                                   call->dev_eui, call->join_eui, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The claim request's field rule for the authentication code,
 * ^[A-Z0-9]{1,32}$. The token itself never goes into a message. */
static gboolean
check_owner_token (const char  *dev_eui,
                   const char  *token,
                   GError     **error)
{
  gsize len = token != NULL ? strlen (token) : 0;
  gboolean valid = len >= 1 && len <= 32;

  for (gsize i = 0; valid && i < len; i++)
    valid = g_ascii_isupper (token[i]) || g_ascii_isdigit (token[i]);
  if (!valid)
    g_set_error (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_DENIED,
                 _("The owner token on the label of %s is not one The Things Stack accepts (1 to 32 capital "
                   "letters and digits). The label is damaged or misprinted: set the box aside."), dev_eui);
  return valid;
}

void
onb_tts_claim_claim_async (OnbTtsClaim         *self,
                           const char          *dev_eui,
                           const char          *join_eui,
                           const char          *owner_token,
                           const char          *device_id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  Call *call;
  g_autofree char *url = NULL;
  g_autoptr(json_object) body = json_object_new_object ();
  json_object *ids;
  json_object *app_ids;
  GError *error = NULL;

  g_return_if_fail (ONB_IS_TTS_CLAIM (self));
  g_return_if_fail (dev_eui != NULL && onb_hex_is_valid (dev_eui, 16));
  g_return_if_fail (join_eui != NULL && onb_hex_is_valid (join_eui, 16));
  g_return_if_fail (device_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_claim_claim_async);
  call = g_new0 (Call, 1);
  call->dev_eui = g_ascii_strup (dev_eui, -1);
  call->join_eui = g_ascii_strup (join_eui, -1);
  call->device_id = g_strdup (device_id);

  if (!onb_tts_claim_check_possible (self, &error) || !check_owner_token (call->dev_eui, owner_token, &error))
    {
      call_free (call);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  ids = json_object_new_object ();
  json_object_object_add (ids, "join_eui", json_object_new_string (call->join_eui));
  json_object_object_add (ids, "dev_eui", json_object_new_string (call->dev_eui));
  json_object_object_add (ids, "authentication_code", json_object_new_string (owner_token));
  json_object_object_add (body, "authenticated_identifiers", ids);
  app_ids = json_object_new_object ();
  json_object_object_add (app_ids, "application_id",
                          json_object_new_string (onb_tts_client_get_application_id (self->client)));
  json_object_object_add (body, "target_application_ids", app_ids);
  json_object_object_add (body, "target_device_id", json_object_new_string (device_id));

  url = onb_http_build_url (self->url, "api", "v3", "edcs", "claim", NULL);
  send (self, task, call, "POST", url, body, claim_cb);
}

gboolean
onb_tts_claim_claim_finish (OnbTtsClaim   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- status and unclaim ------------------------------------------------- */

/* device_not_claimed: FALSE without an error; else the answer. */
static json_object *
claimed_answer (GTask        *task,
                GAsyncResult *result,
                gboolean     *not_claimed)
{
  OnbTtsClaim *self = g_task_get_source_object (task);
  GError *error = NULL;
  json_object *answer = onb_tts_client_read_finish (self->client, result, &error);

  *not_claimed = FALSE;
  if (answer == NULL && g_strcmp0 (onb_cloud_error_get_server_name (error), "device_not_claimed") == 0)
    {
      *not_claimed = TRUE;
      g_error_free (error);
    }
  else if (answer == NULL)
    g_task_return_error (task, claim_error (self, g_task_get_task_data (task), error));
  return answer;
}

static void
status_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbTtsClaim *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  gboolean not_claimed;
  g_autoptr(json_object) answer = claimed_answer (task, result, &not_claimed);
  GError *error = NULL;

  if (not_claimed)
    g_task_return_int (task, FALSE);
  else if (answer == NULL)
    return;
  else if (!onb_tts_decode_claim_status (answer, onb_tts_client_get_application_id (self->client),
                                         call->device_id, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, TRUE);
}

static void
device_call (OnbTtsClaim         *self,
             const char          *method,
             const char          *device_id,
             gpointer             source_tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  done,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);
  g_autofree char *url = device_url (self, device_id);

  g_task_set_source_tag (task, source_tag);
  call->device_id = g_strdup (device_id);
  send (self, task, call, method, url, NULL, done);
}

void
onb_tts_claim_get_status_async (OnbTtsClaim         *self,
                                const char          *device_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (ONB_IS_TTS_CLAIM (self));
  g_return_if_fail (device_id != NULL);

  device_call (self, "GET", device_id, onb_tts_claim_get_status_async, cancellable, status_cb, callback, user_data);
}

gboolean
onb_tts_claim_get_status_finish (OnbTtsClaim   *self,
                                 GAsyncResult  *result,
                                 gboolean      *claimed,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return propagate_flag (result, claimed, error);
}

static void
unclaim_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  gboolean not_claimed;
  g_autoptr(json_object) answer = claimed_answer (task, result, &not_claimed);

  /* Any 2xx body is fine: the server answers an empty object. */
  if (not_claimed || answer != NULL)
    g_task_return_boolean (task, TRUE);
}

void
onb_tts_claim_unclaim_async (OnbTtsClaim         *self,
                             const char          *device_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (ONB_IS_TTS_CLAIM (self));
  g_return_if_fail (device_id != NULL);

  device_call (self, "DELETE", device_id, onb_tts_claim_unclaim_async, cancellable, unclaim_cb, callback, user_data);
}

gboolean
onb_tts_claim_unclaim_finish (OnbTtsClaim   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
