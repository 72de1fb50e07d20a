/* onb-blynk-client.h: Blynk Platform API, OAuth2 (docs/design.md, The clouds)
 *
 * The client-credentials access token is cached, refreshed shortly before
 * `expires_in` runs out and once more when a request gets a 401. A 308
 * from the wrong regional host is followed and the new host is used from
 * then on (onb_blynk_client_get_server()). A 429 is an
 * ONB_CLOUD_ERROR_RATE_LIMITED error carrying Retry-After, for the job
 * engine to honour. Errors decode Blynk's `{"error": {"message"}}`.
 */
#pragma once

#include <gio/gio.h>

#include "onb-blynk-device.h"
#include "onb-config.h"
#include "onb-http-client.h"

G_BEGIN_DECLS

/* The metafields every device of the template must have. */
#define ONB_BLYNK_METAFIELD_DEV_EUI    "Device EUI"
#define ONB_BLYNK_METAFIELD_JOIN_EUI   "Join EUI"
#define ONB_BLYNK_METAFIELD_APP_KEY    "Application Key"
#define ONB_BLYNK_METAFIELD_TTN_DEVICE "TheThingsNetwork Device"

#define ONB_TYPE_BLYNK_CLIENT (onb_blynk_client_get_type ())
G_DECLARE_FINAL_TYPE (OnbBlynkClient, onb_blynk_client, ONB, BLYNK_CLIENT, GObject)

/* Reads [blynk] server, client_id, client_secret, template_id, owner_id.
 * Fails with ONB_CLOUD_ERROR_NOT_CONFIGURED naming the missing key. */
OnbBlynkClient  *onb_blynk_client_new                      (OnbHttpClient        *http,
                                                            OnbConfig            *config,
                                                            GError              **error);
/* The server base URL in use: the configured one, or the regional host a
 * 308 redirected us to. */
const char      *onb_blynk_client_get_server               (OnbBlynkClient       *self);
const char      *onb_blynk_client_get_template_id          (OnbBlynkClient       *self);
gint64           onb_blynk_client_get_owner_id             (OnbBlynkClient       *self);

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

/* `POST /api/v1/organization/static-tokens/claim` with {"token", "userId"}:
 * creates the device from the token's template, owned by @user_id. */
void             onb_blynk_client_claim_static_token_async (OnbBlynkClient       *self,
                                                            const char           *token,
                                                            gint64                user_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
OnbBlynkDevice  *onb_blynk_client_claim_static_token_finish (OnbBlynkClient      *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* The numeric id of a "TMPL…" template, needed by the metafield calls,
 * from the organisation's template list (`GET /api/v1/organization/templates`)
 * and cached. ONB_CLOUD_ERROR_NOT_FOUND (and -1) when the organisation has
 * no such template. A server answering the listing 404 (older versions) is
 * asked for its device list instead, the id being a device's `productId`;
 * then NOT_FOUND also means no device of the template exists yet. */
void             onb_blynk_client_resolve_template_async   (OnbBlynkClient       *self,
                                                            const char           *template_code,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gint64           onb_blynk_client_resolve_template_finish  (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* Metafield name → id of a template (numeric id), fetched once per template
 * and cached. Keys are names (char*), values metafield ids (gint64*).
 * (transfer container) */
void             onb_blynk_client_get_metafields_async     (OnbBlynkClient       *self,
                                                            gint64                template_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
GHashTable      *onb_blynk_client_get_metafields_finish    (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* Writes each metafield of @values (name → value, both char*) on the
 * device, all requests concurrently; the first failure is returned after
 * every request has finished. An unknown name is
 * ONB_CLOUD_ERROR_INVALID_REQUEST naming it. The device's template id is
 * looked up (get_device) when @template_id is 0.
 * On success, @out_stored (may be NULL) gets name → value as Blynk's
 * answers say it stored them, or NULL when an answer did not say (read the
 * device back then). (transfer full) */
void             onb_blynk_client_set_metafields_async     (OnbBlynkClient       *self,
                                                            gint64                device_id,
                                                            gint64                template_id,
                                                            GHashTable           *values,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean         onb_blynk_client_set_metafields_finish    (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GHashTable          **out_stored,
                                                            GError              **error);

/* `GET /api/v1/organization/device?deviceId=`; not-found when absent. */
void             onb_blynk_client_get_device_async         (OnbBlynkClient       *self,
                                                            gint64                device_id,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
OnbBlynkDevice  *onb_blynk_client_get_device_finish        (OnbBlynkClient       *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* `GET /api/v1/organization/search/devices?query=`: devices whose name
 * is exactly @name (the server's search is fuzzy; filtered here).
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
