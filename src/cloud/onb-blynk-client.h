/* onb-blynk-client.h: Blynk Platform API, OAuth2 (docs/design.md, The clouds)
 *
 * Speaks what docs/blynk-api.md describes (examples: tests/fixtures/blynk/);
 * the transport is onb-blynk-call.c, the operations onb-blynk-client.c.
 * The client-credentials access token is cached, refreshed shortly before
 * `expires_in` runs out and once more when a request gets a 401. A
 * redirect from the wrong regional host is followed, over HTTPS and only
 * inside the configured host's domain (fra1.blynk.cloud ↔ ny3.blynk.cloud;
 * a white-label host's own domain), and the new host is used from then on
 * (onb_blynk_client_get_server()); any other is refused before a
 * credential is sent. A 429 is an ONB_CLOUD_ERROR_RATE_LIMITED error
 * carrying Retry-After, for the job engine to honour. Errors decode
 * Blynk's `{"error": {"message"}}` and OAuth2's `{"error",
 * "error_description"}`; an answer of the wrong shape is
 * ONB_CLOUD_ERROR_BAD_RESPONSE. Lists are walked page by page
 * (`page`, `size`=100) until `totalElements` items are read.
 */
#pragma once

#include <gio/gio.h>

#include "onb-blynk-device.h"
#include "onb-blynk-static-token.h"
#include "onb-config.h"
#include "onb-http-client.h"

G_BEGIN_DECLS

/* Names: a template's id is its "TMPL…" text (as in [blynk] template_id
 * and the create call); its number is the numeric id the metafield calls
 * take, found with resolve_template or on a device read. */

/* set_metafields: the template's number is unknown, read it from the
 * device first. */
#define ONB_BLYNK_TEMPLATE_NUMBER_UNKNOWN 0

/* The metafields every device of the template must have, by role; the
 * names are Blynk's defaults (docs/blynk-api.md, "Integration metafields"),
 * which [blynk] metafield_dev_eui, _join_eui, _app_key and _ttn_device
 * override for a template whose fields were renamed. */
typedef enum
{
  ONB_BLYNK_ROLE_DEV_EUI,
  ONB_BLYNK_ROLE_JOIN_EUI,
  ONB_BLYNK_ROLE_APP_KEY,
  ONB_BLYNK_ROLE_TTN_DEVICE,
} OnbBlynkRole;
#define ONB_BLYNK_N_ROLES (ONB_BLYNK_ROLE_TTN_DEVICE + 1)

#define ONB_BLYNK_METAFIELD_DEV_EUI    "Device EUI"
#define ONB_BLYNK_METAFIELD_JOIN_EUI   "Join EUI"
#define ONB_BLYNK_METAFIELD_APP_KEY    "Application Key"
#define ONB_BLYNK_METAFIELD_TTN_DEVICE "TheThingsNetwork Device"

#define ONB_TYPE_BLYNK_CLIENT (onb_blynk_client_get_type ())
G_DECLARE_FINAL_TYPE (OnbBlynkClient, onb_blynk_client, ONB, BLYNK_CLIENT, GObject)

/* Reads [blynk] server, client_id, client_secret, template_id, owner_id
 * and the metafield_… names.
 * Fails with ONB_CLOUD_ERROR_NOT_CONFIGURED naming the missing key. */
OnbBlynkClient  *onb_blynk_client_new                      (OnbHttpClient        *http,
                                                            OnbConfig            *config,
                                                            GError              **error);
/* The server base URL in use: the configured one, or the regional host a
 * 308 redirected us to. */
const char      *onb_blynk_client_get_server               (OnbBlynkClient       *self);
const char      *onb_blynk_client_get_template_id          (OnbBlynkClient       *self);
gint64           onb_blynk_client_get_owner_id             (OnbBlynkClient       *self);
/* The name of the metafield holding @role in this site's template. */
const char      *onb_blynk_client_get_metafield_name       (OnbBlynkClient       *self,
                                                            OnbBlynkRole          role);

/* Gets a fresh access token now (the check's "credentials valid" item);
 * other calls do it on demand. */
void             onb_blynk_client_authenticate_async       (OnbBlynkClient       *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean         onb_blynk_client_authenticate_finish      (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* `POST /api/v1/organization/device/create` with
 * {"templateId": @template_id ("TMPL…"), "name", "ownerId"}. */
void             onb_blynk_client_create_device_async      (OnbBlynkClient       *self,
                                                            const char           *template_id,
                                                            const char           *name,
                                                            gint64                owner_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
OnbBlynkDevice  *onb_blynk_client_create_device_finish     (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* Claims a static token (plain "sqr_…" or "sqr_…+orgId") for @user_id:
 * `POST /api/v1/organization/static-tokens/claim`. The one undocumented
 * call: the body {"token", "userId"} is an assumption, and the answer may
 * be the device or an empty 2xx, in which case the device is found
 * through the static-token list and read. A token already claimed fails
 * (Blynk says so with a 4xx); find_static_token tells whose it is. */
void             onb_blynk_client_claim_static_token_async (OnbBlynkClient       *self,
                                                            const char           *token,
                                                            gint64                user_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
OnbBlynkDevice  *onb_blynk_client_claim_static_token_finish (OnbBlynkClient      *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* The entry of @token (plain or "+orgId") in the organisation's
 * static-token list (`GET /api/v1/organization/static-tokens`, paged):
 * its status, and once claimed its device id and owner id. Stops at the
 * page that holds it. ONB_CLOUD_ERROR_NOT_FOUND when no page does. */
void             onb_blynk_client_find_static_token_async  (OnbBlynkClient       *self,
                                                            const char           *token,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
OnbBlynkStaticToken *onb_blynk_client_find_static_token_finish (OnbBlynkClient   *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* The number of the template whose id is @template_id ("TMPL…"), needed
 * by the metafield calls:
 * the entry of the organisation's template list
 * (`GET /api/v1/organization/templates`, paged) whose `templateIds` holds
 * it. Every template read is cached. ONB_CLOUD_ERROR_NOT_FOUND (and -1)
 * when the organisation has no such template. */
void             onb_blynk_client_resolve_template_async   (OnbBlynkClient       *self,
                                                            const char           *template_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gint64           onb_blynk_client_resolve_template_finish  (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* Metafield name → id of the template numbered @template_number, fetched once per template
 * and cached. Keys are names (char*), values metafield ids (gint64*).
 * (transfer container) */
void             onb_blynk_client_get_metafields_async     (OnbBlynkClient       *self,
                                                            gint64                template_number,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
GHashTable      *onb_blynk_client_get_metafields_finish    (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* Fetches what a process's first job would otherwise wait for: the OAuth2
 * token and, unless known (also from the file of
 * onb_blynk_client_set_metafield_cache()), the number and metafield list
 * of each of @template_ids (NULL-terminated, may be NULL). Fails with the
 * first error; what was fetched is kept all the same. */
void             onb_blynk_client_prepare_async            (OnbBlynkClient       *self,
                                                            const char * const   *template_ids,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean         onb_blynk_client_prepare_finish           (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* Keeps the templates' metafield lists (names and ids, nothing secret) in
 * the file @path across processes, so the first job of a process writes
 * its metafields right after the create instead of fetching the list
 * first. A list read from @path is fetched again when a write with it is
 * refused or it lacks a name; a file that cannot be read or decoded is
 * ignored and written anew. */
void             onb_blynk_client_set_metafield_cache      (OnbBlynkClient       *self,
                                                            const char           *path);

/* Writes each metafield of @values (name → value, both char*) on the
 * device, all requests concurrently; the first failure is returned after
 * every request has finished. An unknown name is
 * ONB_CLOUD_ERROR_INVALID_REQUEST naming it, and nothing is written. The
 * device's template number is read (get_device) when @template_number is
 * ONB_BLYNK_TEMPLATE_NUMBER_UNKNOWN.
 * Blynk answers each write 204 without a body: verify by reading the
 * device back (onb_blynk_device_get_metafield()). */
void             onb_blynk_client_set_metafields_async     (OnbBlynkClient       *self,
                                                            gint64                device_id,
                                                            gint64                template_number,
                                                            GHashTable           *values,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean         onb_blynk_client_set_metafields_finish    (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* `GET /api/v1/organization/device?deviceId=`: the device with its
 * `metaFieldValues`; not-found when absent. */
void             onb_blynk_client_get_device_async         (OnbBlynkClient       *self,
                                                            gint64                device_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
OnbBlynkDevice  *onb_blynk_client_get_device_finish        (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* `GET /api/v1/organization/search/devices?query=`, every page: the
 * devices whose name is exactly @name (Blynk matches parts of names;
 * filtered here). A page answer carries no metafield values.
 * GPtrArray of OnbBlynkDevice. (transfer container; free func set) */
void             onb_blynk_client_search_devices_async     (OnbBlynkClient       *self,
                                                            const char           *name,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
GPtrArray       *onb_blynk_client_search_devices_finish    (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* `DELETE /api/v1/organization/device?deviceId=`; 404 counts as success. */
void             onb_blynk_client_delete_device_async      (OnbBlynkClient       *self,
                                                            gint64                device_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean         onb_blynk_client_delete_device_finish     (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

G_END_DECLS
