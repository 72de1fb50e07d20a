/* onb-blynk-static-token.c: one entry of Blynk's static-token list */

#define G_LOG_DOMAIN "onb-blynk"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-blynk-decode-private.h"
#include "onb-blynk-static-token.h"

struct _OnbBlynkStaticToken
{
  char   *token;
  char   *status;
  gint64  device_id;
  gint64  owner_id;
  gint64  product_id;
};

G_DEFINE_BOXED_TYPE (OnbBlynkStaticToken, onb_blynk_static_token,
                     onb_blynk_static_token_ref, onb_blynk_static_token_unref)

static void
onb_blynk_static_token_clear (gpointer data)
{
  OnbBlynkStaticToken *self = data;

  g_free (self->token);
  g_free (self->status);
}

OnbBlynkStaticToken *
onb_blynk_static_token_new_from_json (json_object  *json,
                                      GError      **error)
{
  const char *what = _("the static-token list");
  const char *token = NULL;
  const char *status = NULL;
  gint64 numbers[3] = { 0, 0, 0 };
  const char *names[3] = { "deviceId", "ownerId", "productId" };
  OnbBlynkStaticToken *self;

  if (!onb_blynk_json_string (json, "token", TRUE, &token, what, error) ||
      !onb_blynk_json_string (json, "status", TRUE, &status, what, error))
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GError *local_error = NULL;

      if (!onb_blynk_json_int (json, names[i], FALSE, 0, G_MAXINT64, &numbers[i], what, &local_error) &&
          local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
    }

  self = g_atomic_rc_box_new0 (OnbBlynkStaticToken);
  self->token = g_strdup (token);
  self->status = g_strdup (status);
  self->device_id = numbers[0];
  self->owner_id = numbers[1];
  self->product_id = numbers[2];

  return self;
}

OnbBlynkStaticToken *
onb_blynk_static_token_ref (OnbBlynkStaticToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
onb_blynk_static_token_unref (OnbBlynkStaticToken *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, onb_blynk_static_token_clear);
}

const char *
onb_blynk_static_token_get_token (OnbBlynkStaticToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->token;
}

const char *
onb_blynk_static_token_get_status (OnbBlynkStaticToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->status;
}

gboolean
onb_blynk_static_token_is_claimed (OnbBlynkStaticToken *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->device_id > 0;
}

gint64
onb_blynk_static_token_get_device_id (OnbBlynkStaticToken *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->device_id;
}

gint64
onb_blynk_static_token_get_owner_id (OnbBlynkStaticToken *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->owner_id;
}

gint64
onb_blynk_static_token_get_product_id (OnbBlynkStaticToken *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->product_id;
}
