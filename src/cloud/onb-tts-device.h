/* onb-tts-device.h: the identity and root keys of one end device for TTS
 *
 * What the TTS client needs from the registry row: EUIs and root keys, and
 * the radio settings (frequency plan, MAC/PHY versions, class B/C) of the
 * box's device model, else the station's [tts] settings. Ref-counted and
 * not changed once shared; AppKey/NwkKey are secrets and are never logged.
 */
#pragma once

#include <glib-object.h>

#include "onb-model.h"

G_BEGIN_DECLS

#define ONB_TYPE_TTS_DEVICE (onb_tts_device_get_type ())
typedef struct _OnbTtsDevice OnbTtsDevice;

GType          onb_tts_device_get_type        (void) G_GNUC_CONST;
/* EUIs are 16 hex digits, keys 32, in either case (normalised to upper
 * case). @nwk_key is NULL for LoRaWAN 1.0.x devices, @app_key for a
 * claimed device (onb_tts_device_set_claimed()). Fails with
 * ONB_CLOUD_ERROR_INVALID_REQUEST naming the bad field (never its value). */
OnbTtsDevice  *onb_tts_device_new             (const char    *dev_eui,
                                               const char    *join_eui,
                                               const char    *app_key,
                                               const char    *nwk_key,
                                               GError       **error);
/* The same EUIs and keys under another device ID: a device made by
 * someone else (Blynk's integration) that this box's job adopts. */
OnbTtsDevice  *onb_tts_device_new_with_id     (OnbTtsDevice  *self,
                                               const char    *device_id);
OnbTtsDevice  *onb_tts_device_ref             (OnbTtsDevice  *self);
void           onb_tts_device_unref           (OnbTtsDevice  *self);
/* "eui-<dev eui in lower case>", the TTS device ID (unless made with
 * onb_tts_device_new_with_id()). */
const char    *onb_tts_device_get_device_id   (OnbTtsDevice  *self);
const char    *onb_tts_device_get_dev_eui     (OnbTtsDevice  *self);
const char    *onb_tts_device_get_join_eui    (OnbTtsDevice  *self);
const char    *onb_tts_device_get_app_key     (OnbTtsDevice  *self);
const char    *onb_tts_device_get_nwk_key     (OnbTtsDevice  *self);

/* The device ID for a DevEUI (any case), as a new string. */
char          *onb_tts_device_id_for_dev_eui  (const char    *dev_eui);

/* The radio settings of the device's model (copied); NULL: the station's
 * [tts] settings. Set before the device is shared. */
void           onb_tts_device_set_settings    (OnbTtsDevice           *self,
                                               const OnbModelSettings *settings);
const OnbModelSettings *onb_tts_device_get_settings (OnbTtsDevice     *self);
/* Claimed through the Device Claiming Server: its keys stay on an external
 * Join Server, so it has no AppKey, its IS record no join_server_address,
 * and nothing is written to or read from the cluster's JS. */
void           onb_tts_device_set_claimed     (OnbTtsDevice  *self,
                                               gboolean       claimed);
gboolean       onb_tts_device_get_claimed     (OnbTtsDevice  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbTtsDevice, onb_tts_device_unref)

G_END_DECLS
