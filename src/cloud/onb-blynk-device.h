/* onb-blynk-device.h: a device as the Blynk Platform API describes it
 *
 * Immutable, ref-counted view over the server's JSON. The device token is
 * a secret: never log it.
 */
#pragma once

#include <glib-object.h>
#include <json-c/json.h>

G_BEGIN_DECLS

#define ONB_TYPE_BLYNK_DEVICE (onb_blynk_device_get_type ())
typedef struct _OnbBlynkDevice OnbBlynkDevice;

GType            onb_blynk_device_get_type        (void) G_GNUC_CONST;
/* Takes a reference on @json; NULL (with ONB_CLOUD_ERROR_BAD_RESPONSE)
 * when it has no numeric "id". */
OnbBlynkDevice  *onb_blynk_device_new_from_json   (json_object     *json,
                                                   GError         **error);
OnbBlynkDevice  *onb_blynk_device_ref             (OnbBlynkDevice  *self);
void             onb_blynk_device_unref           (OnbBlynkDevice  *self);
gint64           onb_blynk_device_get_id          (OnbBlynkDevice  *self);
const char      *onb_blynk_device_get_name        (OnbBlynkDevice  *self);
/* The device's auth token, NULL when the server did not send one. */
const char      *onb_blynk_device_get_token       (OnbBlynkDevice  *self);
/* Numeric template id, or 0 when not in the JSON. */
gint64           onb_blynk_device_get_template_id (OnbBlynkDevice  *self);
/* The template's "TMPL…" id, or NULL when not in the JSON. */
const char      *onb_blynk_device_get_template_code (OnbBlynkDevice *self);
/* A metafield value by metafield name (from "metaFields"), or NULL. */
const char      *onb_blynk_device_get_metafield   (OnbBlynkDevice  *self,
                                                   const char      *name);
/* The whole server object. (transfer none) */
json_object     *onb_blynk_device_get_json        (OnbBlynkDevice  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbBlynkDevice, onb_blynk_device_unref)

G_END_DECLS
