/* onb-blynk-device.c: a device as the Blynk Platform API describes it */

#define G_LOG_DOMAIN "onb-blynk"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-blynk-device.h"
#include "onb-cloud-error.h"

struct _OnbBlynkDevice
{
  json_object *json;
  gint64       id;
};

G_DEFINE_BOXED_TYPE (OnbBlynkDevice, onb_blynk_device, onb_blynk_device_ref, onb_blynk_device_unref)

static const char *
member_string (json_object *object,
               const char  *name)
{
  json_object *value = NULL;

  if (!json_object_object_get_ex (object, name, &value) || !json_object_is_type (value, json_type_string))
    return NULL;

  return json_object_get_string (value);
}

OnbBlynkDevice *
onb_blynk_device_new_from_json (json_object  *json,
                                GError      **error)
{
  OnbBlynkDevice *self;
  json_object *id = NULL;

  if (!json_object_object_get_ex (json, "id", &id) || !json_object_is_type (id, json_type_int))
    {
      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, 0, NULL, NULL, NULL, -1,
                                                          _("Blynk answered without a device id. Check the Blynk server address in the settings.")));
      return NULL;
    }

  self = g_atomic_rc_box_new0 (OnbBlynkDevice);
  self->json = json_object_get (json);
  self->id = json_object_get_int64 (id);

  return self;
}

OnbBlynkDevice *
onb_blynk_device_ref (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

static void
onb_blynk_device_clear (gpointer data)
{
  OnbBlynkDevice *self = data;

  json_object_put (self->json);
}

void
onb_blynk_device_unref (OnbBlynkDevice *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, onb_blynk_device_clear);
}

gint64
onb_blynk_device_get_id (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->id;
}

const char *
onb_blynk_device_get_name (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return member_string (self->json, "name");
}

const char *
onb_blynk_device_get_token (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return member_string (self->json, "token");
}

gint64
onb_blynk_device_get_template_id (OnbBlynkDevice *self)
{
  json_object *value = NULL;

  g_return_val_if_fail (self != NULL, 0);

  /* The platform API names the numeric template id "productId" (its
   * "templateId" is the TMPL… string); older answers had a number there. */
  if (json_object_object_get_ex (self->json, "productId", &value) && json_object_is_type (value, json_type_int))
    return json_object_get_int64 (value);
  if (json_object_object_get_ex (self->json, "templateId", &value) && json_object_is_type (value, json_type_int))
    return json_object_get_int64 (value);

  return 0;
}

const char *
onb_blynk_device_get_template_code (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return member_string (self->json, "templateId");
}

const char *
onb_blynk_device_get_metafield (OnbBlynkDevice *self,
                                const char     *name)
{
  json_object *fields = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!json_object_object_get_ex (self->json, "metaFields", &fields) || !json_object_is_type (fields, json_type_array))
    return NULL;

  for (size_t i = 0; i < json_object_array_length (fields); i++)
    {
      json_object *field = json_object_array_get_idx (fields, i);

      if (g_strcmp0 (member_string (field, "name"), name) == 0)
        return member_string (field, "value");
    }

  return NULL;
}

json_object *
onb_blynk_device_get_json (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->json;
}
