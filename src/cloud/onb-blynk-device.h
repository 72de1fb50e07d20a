/* onb-blynk-device.h: a device as the Blynk Platform API describes it
 *
 * Immutable, ref-counted, decoded and checked once from the server's JSON
 * (the documented device object: numeric `templateId`, the TMPL code in
 * `hardwareInfo.templateId`, `ownerUserId`, and on a single-device read
 * `metaFieldValues` [{id, name, value: {type, value}}]). The device token
 * is a secret: never log it.
 */
#pragma once

#include <glib-object.h>
#include <json-c/json.h>

G_BEGIN_DECLS

#define ONB_TYPE_BLYNK_DEVICE (onb_blynk_device_get_type ())
typedef struct _OnbBlynkDevice OnbBlynkDevice;

GType            onb_blynk_device_get_type        (void) G_GNUC_CONST;
/* Takes a reference on @json. NULL with ONB_CLOUD_ERROR_BAD_RESPONSE when
 * any member has the wrong type or size, or `id`, `name` or `templateId`
 * is missing. */
OnbBlynkDevice  *onb_blynk_device_new_from_json   (json_object     *json,
                                                   GError         **error);
OnbBlynkDevice  *onb_blynk_device_ref             (OnbBlynkDevice  *self);
void             onb_blynk_device_unref           (OnbBlynkDevice  *self);
gint64           onb_blynk_device_get_id          (OnbBlynkDevice  *self);
const char      *onb_blynk_device_get_name        (OnbBlynkDevice  *self);
/* The device's auth token, NULL when the server did not send one. */
const char      *onb_blynk_device_get_token       (OnbBlynkDevice  *self);
/* The template's number (the device object's numeric `templateId`), which
 * the metafield calls take. */
gint64           onb_blynk_device_get_template_number (OnbBlynkDevice *self);
/* The template's id, "TMPL…" (`hardwareInfo.templateId`), or NULL. */
const char      *onb_blynk_device_get_template_id     (OnbBlynkDevice *self);
/* `ownerUserId`, or 0 when the answer names no owner. */
gint64           onb_blynk_device_get_owner_id    (OnbBlynkDevice  *self);
/* TRUE when the answer carried `metaFieldValues` (a single-device read);
 * list and search pages do not. */
gboolean         onb_blynk_device_has_metafields  (OnbBlynkDevice  *self);
/* A metafield's value by metafield name, or NULL when the device has no
 * such metafield or its value is not a text. */
const char      *onb_blynk_device_get_metafield   (OnbBlynkDevice  *self,
                                                   const char      *name);
/* Every text metafield: name → value (both char*). (transfer none) */
GHashTable      *onb_blynk_device_get_metafields  (OnbBlynkDevice  *self);
/* The whole server object. (transfer none) */
json_object     *onb_blynk_device_get_json        (OnbBlynkDevice  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbBlynkDevice, onb_blynk_device_unref)

G_END_DECLS
