/* onb-blynk-device.c: a device as the Blynk Platform API describes it */

#define G_LOG_DOMAIN "onb-blynk"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-blynk-decode-private.h"
#include "onb-blynk-device.h"

struct _OnbBlynkDevice
{
  json_object *json;
  gint64       id;
  gint64       template_number;
  gint64       owner_id;
  const char  *name;          /* all strings point into json */
  const char  *token;
  const char  *template_id;
  gboolean     has_metafields;
  GHashTable  *metafields;    /* name → value, both into json */
};

G_DEFINE_BOXED_TYPE (OnbBlynkDevice, onb_blynk_device, onb_blynk_device_ref, onb_blynk_device_unref)

static void
onb_blynk_device_clear (gpointer data)
{
  OnbBlynkDevice *self = data;

  g_clear_pointer (&self->metafields, g_hash_table_unref);
  g_clear_pointer (&self->json, json_object_put);
}

/* `metaFieldValues`: [{id, name, value: {type, value}}]. Values other
 * than texts (numbers, contacts…) are checked but not kept: ours are
 * texts. */
static gboolean
decode_metafield_values (OnbBlynkDevice  *self,
                         json_object     *list,
                         const char      *what,
                         GError         **error)
{
  if (json_object_array_length (list) > ONB_BLYNK_MAX_METAFIELDS)
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("more than %d metafields"), ONB_BLYNK_MAX_METAFIELDS));
      return FALSE;
    }

  for (size_t i = 0; i < json_object_array_length (list); i++)
    {
      json_object *field = json_object_array_get_idx (list, i);
      json_object *value = NULL;
      json_object *inner = NULL;
      const char *name = NULL;
      const char *type = NULL;
      gint64 id = 0;

      if (!onb_blynk_json_int (field, "id", TRUE, 0, G_MAXINT64, &id, what, error) ||
          !onb_blynk_json_string (field, "name", TRUE, &name, what, error) ||
          !onb_blynk_json_member (field, "value", json_type_object, TRUE, &value, what, error) ||
          !onb_blynk_json_string (value, "type", TRUE, &type, what, error))
        return FALSE;

      if (json_object_object_get_ex (value, "value", &inner) && json_object_is_type (inner, json_type_string))
        {
          if (json_object_get_string_len (inner) > ONB_BLYNK_MAX_STRING)
            {
              g_propagate_error (error, onb_blynk_bad_response (what, _("the metafield “%s” is longer than %d bytes"),
                                                                name, ONB_BLYNK_MAX_STRING));
              return FALSE;
            }
          g_hash_table_insert (self->metafields, (gpointer) name, (gpointer) json_object_get_string (inner));
        }
    }

  return TRUE;
}

OnbBlynkDevice *
onb_blynk_device_new_from_json (json_object  *json,
                                GError      **error)
{
  g_autoptr(OnbBlynkDevice) self = g_atomic_rc_box_new0 (OnbBlynkDevice);
  const char *what = _("a device request");
  json_object *hardware = NULL;
  json_object *values = NULL;
  GError *local_error = NULL;

  self->json = json_object_get (json);
  self->metafields = g_hash_table_new (g_str_hash, g_str_equal);

  if (!onb_blynk_json_int (json, "id", TRUE, 1, G_MAXINT64, &self->id, what, error) ||
      !onb_blynk_json_string (json, "name", TRUE, &self->name, what, error) ||
      !onb_blynk_json_int (json, "templateId", TRUE, 1, G_MAXINT64, &self->template_number, what, error))
    return NULL;

  /* The optional members: absent is fine, another type is not. */
  onb_blynk_json_string (json, "token", FALSE, &self->token, what, &local_error);
  if (local_error == NULL)
    onb_blynk_json_int (json, "ownerUserId", FALSE, 0, G_MAXINT64, &self->owner_id, what, &local_error);
  if (local_error == NULL &&
      onb_blynk_json_member (json, "hardwareInfo", json_type_object, FALSE, &hardware, what, &local_error))
    onb_blynk_json_string (hardware, "templateId", FALSE, &self->template_id, what, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  if (onb_blynk_json_member (json, "metaFieldValues", json_type_array, FALSE, &values, what, &local_error))
    {
      self->has_metafields = TRUE;
      if (!decode_metafield_values (self, values, what, error))
        return NULL;
    }
  else if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  return g_steal_pointer (&self);
}

OnbBlynkDevice *
onb_blynk_device_ref (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
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

  return self->name;
}

const char *
onb_blynk_device_get_token (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->token;
}

gint64
onb_blynk_device_get_template_number (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->template_number;
}

const char *
onb_blynk_device_get_template_id (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->template_id;
}

gint64
onb_blynk_device_get_owner_id (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->owner_id;
}

gboolean
onb_blynk_device_has_metafields (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->has_metafields;
}

const char *
onb_blynk_device_get_metafield (OnbBlynkDevice *self,
                                const char     *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return g_hash_table_lookup (self->metafields, name);
}

GHashTable *
onb_blynk_device_get_metafields (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->metafields;
}

json_object *
onb_blynk_device_get_json (OnbBlynkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->json;
}
