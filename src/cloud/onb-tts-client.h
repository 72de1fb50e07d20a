/* onb-tts-client.h: The Things Stack HTTP API v3 (docs/design.md, The clouds)
 *
 * Creates, reads and deletes end devices in one application, component by
 * component, with the exact bodies and field masks each server accepts.
 * Every call is asynchronous on the main loop. Errors are ONB_CLOUD_ERROR,
 * decoded from TTS's `details[0]` (namespace/name, kept as extended error
 * data) into a sentence a warehouse worker can act on.
 *
 * The job engine records each step, so each is callable on its own:
 *   create_is → set(JS), set(NS), set(AS) concurrently → get(...) to verify;
 *   rollback: delete (AS, NS, JS, then IS; 404 counts as done).
 * Paths, bodies and field masks: docs/tts-api.md. What `check` and the
 * setup page ask (rights, application, frequency plans, MAC/PHY pairs) is
 * in onb-tts-check.c.
 */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>

#include "onb-config.h"
#include "onb-http-client.h"
#include "onb-tts-device.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_TTS_COMPONENT_IS, /*< nick=is >*/
  ONB_TTS_COMPONENT_JS, /*< nick=js >*/
  ONB_TTS_COMPONENT_NS, /*< nick=ns >*/
  ONB_TTS_COMPONENT_AS, /*< nick=as >*/
} OnbTtsComponent;

#define ONB_TYPE_TTS_FREQUENCY_PLAN (onb_tts_frequency_plan_get_type ())
typedef struct
{
  char  *id;             /* e.g. "EU_863_870_TTN" */
  char  *name;           /* e.g. "Europe 863-870 MHz (SF9 for RX2 - recommended)" */
  char  *band_id;        /* e.g. "EU_863_870" */
  guint  base_frequency; /* MHz: 433, 470, 868 or 915; 0 when unknown */
} OnbTtsFrequencyPlan;

GType                onb_tts_frequency_plan_get_type (void) G_GNUC_CONST;
OnbTtsFrequencyPlan *onb_tts_frequency_plan_copy     (const OnbTtsFrequencyPlan *plan);
void                 onb_tts_frequency_plan_free     (OnbTtsFrequencyPlan       *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbTtsFrequencyPlan, onb_tts_frequency_plan_free)

#define ONB_TYPE_TTS_CLIENT (onb_tts_client_get_type ())
G_DECLARE_FINAL_TYPE (OnbTtsClient, onb_tts_client, ONB, TTS_CLIENT, GObject)

/* Reads [tts] identity_server, join_server, network_server,
 * application_server, application_id, api_key, frequency_plan,
 * lorawan_version, phy_version, class_b, class_c. Fails with
 * ONB_CLOUD_ERROR_NOT_CONFIGURED naming the missing key, or
 * ONB_CLOUD_ERROR_INSECURE_URL / INVALID_URL for a server URL. */
OnbTtsClient  *onb_tts_client_new                      (OnbHttpClient        *http,
                                                        OnbConfig            *config,
                                                        GError              **error);
const char    *onb_tts_client_get_application_id       (OnbTtsClient         *self);
/* [tts] created_by = blynk: Blynk's Automated Device Onboarding makes new
 * devices in TTS (docs/blynk-api.md), Onboarder only finds them, waiting
 * at most [tts] blynk_wait_s seconds per attempt. */
#define ONB_TTS_BLYNK_WAIT_S_DEFAULT 120
gboolean       onb_tts_client_get_blynk_creates        (OnbTtsClient         *self);
guint          onb_tts_client_get_blynk_wait_s         (OnbTtsClient         *self);
const char    *onb_tts_client_get_server_url           (OnbTtsClient         *self,
                                                        OnbTtsComponent       component);

/* Step 1: `POST {is}/api/v3/applications/{app}/devices`. A 409 is looked
 * into: ONB_CLOUD_ERROR_ALREADY_EXISTS when this application already holds
 * this device (same ID and EUIs: adopt it), ONB_CLOUD_ERROR_EUIS_TAKEN when
 * the EUIs belong to another device or application, ONB_CLOUD_ERROR_ID_TAKEN
 * when the ID holds other EUIs. When that look fails transiently, its error
 * (the job stays queued and looks again).
 * On success, @out_record (may be NULL) gets the device as the server
 * created it, for onb_tts_client_verify_device(); NULL when the answer
 * holds no end device (read it back with get then). (transfer full) */
void           onb_tts_client_create_is_async          (OnbTtsClient         *self,
                                                        OnbTtsDevice         *device,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean       onb_tts_client_create_is_finish         (OnbTtsClient         *self,
                                                        GAsyncResult         *result,
                                                        json_object         **out_record,
                                                        GError              **error);

/* Step 2: `PUT {js|ns|as}/api/v3/{js|ns|as}/applications/{app}/devices/{id}`
 * with that component's body and field mask. Idempotent. @component must be
 * JS, NS or AS. @out_record as for create_is: the server answers with the
 * end device as stored, for the fields sent. */
void           onb_tts_client_set_async                (OnbTtsClient         *self,
                                                        OnbTtsComponent       component,
                                                        OnbTtsDevice         *device,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean       onb_tts_client_set_finish               (OnbTtsClient         *self,
                                                        GAsyncResult         *result,
                                                        json_object         **out_record,
                                                        GError              **error);

/* The JSON body step 1 or 2 sends for @component (holds the keys, do not
 * log it). (transfer full) */
json_object   *onb_tts_client_build_body               (OnbTtsClient         *self,
                                                        OnbTtsComponent       component,
                                                        OnbTtsDevice         *device,
                                                        GError              **error);

/* `GET …/devices/{id}?field_mask=…` on @component, asking for the fields
 * that component owns (JS: keys included, needs the "view keys" right).
 * Returns the end device object; ONB_CLOUD_ERROR_NOT_FOUND when absent.
 * (transfer full) */
void           onb_tts_client_get_async                (OnbTtsClient         *self,
                                                        OnbTtsComponent       component,
                                                        const char           *device_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
json_object   *onb_tts_client_get_finish               (OnbTtsClient         *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* Does a read-back from @component (or its answer to set/create) agree with
 * what set/create wrote for @device and the configuration? On FALSE, @error
 * (ONB_CLOUD_ERROR_BAD_RESPONSE) names the first field that differs. */
gboolean       onb_tts_client_verify_device            (OnbTtsClient         *self,
                                                        OnbTtsComponent       component,
                                                        OnbTtsDevice         *device,
                                                        json_object          *end_device,
                                                        GError              **error);

/* The device of this application whose DevEUI and JoinEUI are @device's,
 * whatever its ID, from the Identity Server's search (onb-tts-search.c):
 * its record (ids and timestamps), or NULL without an error when the
 * application has none. Needs only the right to view devices.
 * (transfer full) */
void           onb_tts_client_find_by_eui_async        (OnbTtsClient         *self,
                                                        OnbTtsDevice         *device,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
json_object   *onb_tts_client_find_by_eui_finish       (OnbTtsClient         *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* Deletes from one component; 404 counts as success (already gone). */
void           onb_tts_client_delete_from_async        (OnbTtsClient         *self,
                                                        OnbTtsComponent       component,
                                                        const char           *device_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean       onb_tts_client_delete_from_finish       (OnbTtsClient         *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* Deletes everywhere: AS, NS and JS (404 is fine), then IS last, so no
 * orphaned component record keeps blocking the EUIs. */
void           onb_tts_client_delete_async             (OnbTtsClient         *self,
                                                        const char           *device_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean       onb_tts_client_delete_finish            (OnbTtsClient         *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* ---- for `check` and the setup page (onb-tts-check.c) ---- */

/* `GET {is}/api/v3/auth_info`. (transfer full) */
void           onb_tts_client_get_auth_info_async      (OnbTtsClient         *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
json_object   *onb_tts_client_get_auth_info_finish     (OnbTtsClient         *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* The rights the provisioning needs that @auth_info lacks for this
 * application, as RIGHT_… names (empty vector when nothing is missing):
 * the read rights, and with @writes those that create devices and write
 * their keys. A key of another application lacks them all. (transfer full) */
char         **onb_tts_client_missing_rights           (OnbTtsClient         *self,
                                                        json_object          *auth_info,
                                                        gboolean              writes);

/* The console's name of a RIGHT_… value, e.g. "Edit device keys in
 * application" for RIGHT_APPLICATION_DEVICES_WRITE_KEYS (translated); the
 * value itself when unknown. */
const char    *onb_tts_right_get_label                 (const char           *right);

/* `GET {is}/api/v3/configuration/frequency-plans`: a GPtrArray of
 * OnbTtsFrequencyPlan. (transfer container; free func set) */
void           onb_tts_client_list_frequency_plans_async  (OnbTtsClient      *self,
                                                           GCancellable      *cancellable,
                                                           GAsyncReadyCallback callback,
                                                           gpointer           user_data);
GPtrArray     *onb_tts_client_list_frequency_plans_finish (OnbTtsClient      *self,
                                                           GAsyncResult      *result,
                                                           GError           **error);

/* `GET {is}/api/v3/applications/{app}`. (transfer full) */
void           onb_tts_client_get_application_async    (OnbTtsClient         *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
json_object   *onb_tts_client_get_application_finish   (OnbTtsClient         *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* Whether TTS accepts this MAC (lorawan_version) with this PHY
 * (lorawan_phy_version), e.g. MAC_V1_0_3 + PHY_V1_0_3_REV_A. */
gboolean       onb_tts_mac_phy_compatible              (const char           *mac_version,
                                                        const char           *phy_version);
const char    *onb_tts_component_to_string             (OnbTtsComponent       component);

G_END_DECLS
