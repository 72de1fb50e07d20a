/* onb-blynk-static-token.h: one entry of Blynk's static-token list
 *
 * `GET /api/v1/organization/static-tokens` shows, per token, whether it is
 * claimed and, once claimed, the device it became and its owner. The
 * token and the device token are secrets: never log them.
 */
#pragma once

#include <glib-object.h>
#include <json-c/json.h>

G_BEGIN_DECLS

#define ONB_TYPE_BLYNK_STATIC_TOKEN (onb_blynk_static_token_get_type ())
typedef struct _OnbBlynkStaticToken OnbBlynkStaticToken;

GType                 onb_blynk_static_token_get_type        (void) G_GNUC_CONST;
/* NULL with ONB_CLOUD_ERROR_BAD_RESPONSE when a member has the wrong type
 * or size, or `token` or `status` is missing. */
OnbBlynkStaticToken  *onb_blynk_static_token_new_from_json   (json_object         *json,
                                                              GError             **error);
OnbBlynkStaticToken  *onb_blynk_static_token_ref             (OnbBlynkStaticToken *self);
void                  onb_blynk_static_token_unref           (OnbBlynkStaticToken *self);
/* The plain "sqr_…" token. */
const char           *onb_blynk_static_token_get_token       (OnbBlynkStaticToken *self);
/* Blynk's word, e.g. "UNCLAIMED" or "CLAIMED". */
const char           *onb_blynk_static_token_get_status      (OnbBlynkStaticToken *self);
/* TRUE when claimed: a device id is set (whatever the status word). */
gboolean              onb_blynk_static_token_is_claimed      (OnbBlynkStaticToken *self);
/* The device it became, 0 while unclaimed. */
gint64                onb_blynk_static_token_get_device_id   (OnbBlynkStaticToken *self);
/* The user who claimed it, 0 while unclaimed. */
gint64                onb_blynk_static_token_get_owner_id    (OnbBlynkStaticToken *self);
/* The numeric template id the token makes devices of, 0 when not said. */
gint64                onb_blynk_static_token_get_product_id  (OnbBlynkStaticToken *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbBlynkStaticToken, onb_blynk_static_token_unref)

G_END_DECLS
