/* onb-tts-device.c: the identity and root keys of one end device for TTS */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-code.h"
#include "onb-tts-device.h"

struct _OnbTtsDevice
{
  char *device_id;
  char *dev_eui;
  char *join_eui;
  char *app_key;
  char *nwk_key;
  OnbModelSettings *settings;  /* NULL: the station's own */
  gboolean claimed;
};

G_DEFINE_BOXED_TYPE (OnbTtsDevice, onb_tts_device, onb_tts_device_ref, onb_tts_device_unref)

char *
onb_tts_device_id_for_dev_eui (const char *dev_eui)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (dev_eui != NULL, NULL);

  lower = g_ascii_strdown (dev_eui, -1);

  return g_strconcat ("eui-", lower, NULL);
}

static gboolean
take_hex (const char  *value,
          gsize        digits,
          const char  *label,
          char       **out,
          GError     **error)
{
  if (value == NULL || !onb_hex_is_valid (value, digits))
    {
      /* Name the field, never its value: it may be a key. */
      g_autofree char *message =
        g_strdup_printf (_("The %s of this device is not %u hexadecimal digits. Check the device list."),
                         label, (guint) digits);

      g_propagate_error (error, onb_cloud_error_new_full (ONB_CLOUD_ERROR_INVALID_REQUEST,
                                                          0, NULL, NULL, NULL, -1, message));
      return FALSE;
    }

  *out = g_ascii_strup (value, -1);
  return TRUE;
}

static void
secret_free (char *secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

static void
onb_tts_device_clear (gpointer data)
{
  OnbTtsDevice *self = data;

  g_free (self->device_id);
  g_free (self->dev_eui);
  g_free (self->join_eui);
  secret_free (self->app_key);
  secret_free (self->nwk_key);
  g_clear_pointer (&self->settings, onb_model_settings_free);
}

OnbTtsDevice *
onb_tts_device_new (const char  *dev_eui,
                    const char  *join_eui,
                    const char  *app_key,
                    const char  *nwk_key,
                    GError     **error)
{
  OnbTtsDevice *self = g_atomic_rc_box_new0 (OnbTtsDevice);

  if (!take_hex (dev_eui, 16, _("DevEUI"), &self->dev_eui, error) ||
      !take_hex (join_eui, 16, _("JoinEUI"), &self->join_eui, error) ||
      (app_key != NULL && !take_hex (app_key, 32, _("AppKey"), &self->app_key, error)) ||
      (nwk_key != NULL && !take_hex (nwk_key, 32, _("NwkKey"), &self->nwk_key, error)))
    {
      g_atomic_rc_box_release_full (self, onb_tts_device_clear);
      return NULL;
    }

  self->device_id = onb_tts_device_id_for_dev_eui (self->dev_eui);

  return self;
}

OnbTtsDevice *
onb_tts_device_new_with_id (OnbTtsDevice *self,
                            const char   *device_id)
{
  OnbTtsDevice *copy;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  copy = g_atomic_rc_box_new0 (OnbTtsDevice);
  copy->device_id = g_strdup (device_id);
  copy->dev_eui = g_strdup (self->dev_eui);
  copy->join_eui = g_strdup (self->join_eui);
  copy->app_key = g_strdup (self->app_key);
  copy->nwk_key = g_strdup (self->nwk_key);
  copy->settings = self->settings != NULL ? onb_model_settings_copy (self->settings) : NULL;
  copy->claimed = self->claimed;
  return copy;
}

OnbTtsDevice *
onb_tts_device_ref (OnbTtsDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
onb_tts_device_unref (OnbTtsDevice *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, onb_tts_device_clear);
}

const char *
onb_tts_device_get_device_id (OnbTtsDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->device_id;
}

const char *
onb_tts_device_get_dev_eui (OnbTtsDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dev_eui;
}

const char *
onb_tts_device_get_join_eui (OnbTtsDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->join_eui;
}

const char *
onb_tts_device_get_app_key (OnbTtsDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->app_key;
}

const char *
onb_tts_device_get_nwk_key (OnbTtsDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->nwk_key;
}

void
onb_tts_device_set_settings (OnbTtsDevice           *self,
                             const OnbModelSettings *settings)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->settings, onb_model_settings_free);
  if (settings != NULL)
    self->settings = onb_model_settings_copy (settings);
}

const OnbModelSettings *
onb_tts_device_get_settings (OnbTtsDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->settings;
}

void
onb_tts_device_set_claimed (OnbTtsDevice *self,
                            gboolean      claimed)
{
  g_return_if_fail (self != NULL);

  self->claimed = claimed;
}

gboolean
onb_tts_device_get_claimed (OnbTtsDevice *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->claimed;
}
