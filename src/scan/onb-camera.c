/* onb-camera.c: one usable camera found by OnbCameraMonitor */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-camera.h"
#include "onb-scan-error.h"

#define MAX_WIDTH  1920
#define MAX_HEIGHT 1080
#define MAX_FPS    30
#define BEST_WIDTH  1280
#define BEST_HEIGHT 720

struct _OnbCamera
{
  GObject parent_instance;
  GstDevice *device;
  GstCaps *caps;
  char *id;
  char *display_name;
};

G_DEFINE_FINAL_TYPE (OnbCamera, onb_camera, G_TYPE_OBJECT)

static void
onb_camera_finalize (GObject *object)
{
  OnbCamera *self = ONB_CAMERA (object);

  g_clear_object (&self->device);
  g_clear_pointer (&self->caps, gst_caps_unref);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->display_name, g_free);

  G_OBJECT_CLASS (onb_camera_parent_class)->finalize (object);
}

static void
onb_camera_class_init (OnbCameraClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_camera_finalize;
}

static void
onb_camera_init (OnbCamera *self)
{
}

/**
 * onb_camera_new:
 *
 * Returns: (nullable): the camera, or %NULL when @device offers no video
 *   Onboarder can use (metadata nodes, infrared-only sensors).
 */
OnbCamera *
onb_camera_new (GstDevice *device)
{
  g_autoptr(GstCaps) device_caps = NULL;
  g_autoptr(GstCaps) caps = NULL;
  OnbCamera *self;

  g_return_val_if_fail (GST_IS_DEVICE (device), NULL);

  device_caps = gst_device_get_caps (device);
  if (device_caps == NULL || onb_camera_caps_are_infrared (device_caps))
    return NULL;
  if ((caps = onb_camera_choose_caps (device_caps)) == NULL)
    return NULL;

  self = g_object_new (ONB_TYPE_CAMERA, NULL);
  self->device = g_object_ref (device);
  self->caps = g_steal_pointer (&caps);
  self->id = onb_camera_id_for_device (device);
  self->display_name = gst_device_get_display_name (device);

  return self;
}

/* A name that survives restarts, for [kiosk] camera: the device node or
 * libcamera's id rather than a position in a list. */
char *
onb_camera_id_for_device (GstDevice *device)
{
  static const char * const keys[] = { "api.libcamera.path", "api.v4l2.path", "device.path", "object.path" };
  g_autoptr(GstStructure) props = gst_device_get_properties (device);

  for (guint i = 0; props != NULL && i < G_N_ELEMENTS (keys); i++)
    {
      const char *value = gst_structure_get_string (props, keys[i]);

      if (value != NULL && *value != '\0')
        return g_strdup (value);
    }

  return gst_device_get_display_name (device);
}

const char *
onb_camera_get_id (OnbCamera *self)
{
  g_return_val_if_fail (ONB_IS_CAMERA (self), NULL);
  return self->id;
}

const char *
onb_camera_get_display_name (OnbCamera *self)
{
  g_return_val_if_fail (ONB_IS_CAMERA (self), NULL);
  return self->display_name;
}

GstDevice *
onb_camera_get_device (OnbCamera *self)
{
  g_return_val_if_fail (ONB_IS_CAMERA (self), NULL);
  return self->device;
}

/* Returns: (transfer none): the fixed caps Onboarder asks the camera for. */
GstCaps *
onb_camera_get_caps (OnbCamera *self)
{
  g_return_val_if_fail (ONB_IS_CAMERA (self), NULL);
  return self->caps;
}

/**
 * onb_camera_create_element:
 *
 * Returns: (transfer floating): a bin of the camera source, a decoder when
 *   the chosen mode is MJPEG, and the chosen caps, with a "src" pad of raw
 *   video.
 */
GstElement *
onb_camera_create_element (OnbCamera  *self,
                           GError    **error)
{
  GstElement *bin, *source, *filter, *last;
  GstPad *pad;

  g_return_val_if_fail (ONB_IS_CAMERA (self), NULL);

  source = gst_device_create_element (self->device, NULL);
  if (source == NULL)
    {
      g_set_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_CAMERA_UNPLUGGED,
                   _("The camera “%s” cannot be opened. Check its cable, or choose another camera in Setup."),
                   self->display_name);
      return NULL;
    }

  bin = gst_bin_new ("camera");
  filter = gst_element_factory_make ("capsfilter", NULL);
  g_object_set (filter, "caps", self->caps, NULL);
  gst_bin_add_many (GST_BIN (bin), source, filter, NULL);
  gst_element_link (source, filter);
  last = filter;

  if (gst_structure_has_name (gst_caps_get_structure (self->caps, 0), "image/jpeg"))
    {
      GstElement *decoder = gst_element_factory_make ("jpegdec", NULL);

      if (decoder == NULL)
        {
          g_set_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_MISSING_ELEMENT,
                       _("The GStreamer element “%s” is missing: install the package %s."),
                       "jpegdec", onb_scan_element_package ("jpegdec"));
          gst_object_unref (gst_object_ref_sink (bin));
          return NULL;
        }
      gst_bin_add (GST_BIN (bin), decoder);
      gst_element_link (filter, decoder);
      last = decoder;
    }

  pad = gst_element_get_static_pad (last, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);

  return bin;
}

/* An infrared sensor (Windows Hello style) offers only grey formats. */
gboolean
onb_camera_caps_are_infrared (GstCaps *device_caps)
{
  gboolean any = FALSE;

  for (guint i = 0; i < gst_caps_get_size (device_caps); i++)
    {
      GstStructure *s = gst_caps_get_structure (device_caps, i);
      const char *format;

      if (!gst_structure_has_name (s, "video/x-raw"))
        return FALSE;
      format = gst_structure_get_string (s, "format");
      if (format == NULL || (!g_str_equal (format, "GRAY8") && !g_str_equal (format, "GRAY16_LE")))
        return FALSE;
      any = TRUE;
    }

  return any;
}

/* The highest frame rate of @s that is at most MAX_FPS, as a fraction. */
static gboolean
best_rate (const GstStructure *s,
           int                *num,
           int                *den)
{
  const GValue *rates = gst_structure_get_value (s, "framerate");
  gboolean found = FALSE;
  double best = 0;

  if (rates == NULL)
    return FALSE;

  if (GST_VALUE_HOLDS_FRACTION (rates))
    {
      int n = gst_value_get_fraction_numerator (rates), d = gst_value_get_fraction_denominator (rates);

      if (d > 0 && n > 0 && (double) n / d <= MAX_FPS + 0.01)
        {
          *num = n;
          *den = d;
          return TRUE;
        }
      return FALSE;
    }

  if (GST_VALUE_HOLDS_LIST (rates))
    {
      for (guint i = 0; i < gst_value_list_get_size (rates); i++)
        {
          const GValue *v = gst_value_list_get_value (rates, i);
          int n, d;

          if (!GST_VALUE_HOLDS_FRACTION (v))
            continue;
          n = gst_value_get_fraction_numerator (v);
          d = gst_value_get_fraction_denominator (v);
          if (d > 0 && n > 0 && (double) n / d <= MAX_FPS + 0.01 && (double) n / d > best)
            {
              best = (double) n / d;
              *num = n;
              *den = d;
              found = TRUE;
            }
        }
      return found;
    }

  if (GST_VALUE_HOLDS_FRACTION_RANGE (rates))
    {
      const GValue *min = gst_value_get_fraction_range_min (rates);
      const GValue *max = gst_value_get_fraction_range_max (rates);
      double lo = (double) gst_value_get_fraction_numerator (min) / MAX (1, gst_value_get_fraction_denominator (min));
      double hi = (double) gst_value_get_fraction_numerator (max) / MAX (1, gst_value_get_fraction_denominator (max));

      if (lo > MAX_FPS)
        return FALSE;
      if (hi >= MAX_FPS)
        {
          *num = MAX_FPS;
          *den = 1;
        }
      else
        {
          *num = gst_value_get_fraction_numerator (max);
          *den = gst_value_get_fraction_denominator (max);
        }
      return TRUE;
    }

  return FALSE;
}

/* Fixed sizes only: ranges (virtual cameras) are clamped to the best size. */
static gboolean
structure_size (const GstStructure *s,
                int                *width,
                int                *height)
{
  const GValue *w = gst_structure_get_value (s, "width");
  const GValue *h = gst_structure_get_value (s, "height");

  if (w == NULL || h == NULL)
    return FALSE;

  if (G_VALUE_HOLDS_INT (w) && G_VALUE_HOLDS_INT (h))
    {
      *width = g_value_get_int (w);
      *height = g_value_get_int (h);
      return TRUE;
    }

  if (GST_VALUE_HOLDS_INT_RANGE (w) && GST_VALUE_HOLDS_INT_RANGE (h))
    {
      *width = CLAMP (BEST_WIDTH, gst_value_get_int_range_min (w), gst_value_get_int_range_max (w));
      *height = CLAMP (BEST_HEIGHT, gst_value_get_int_range_min (h), gst_value_get_int_range_max (h));
      return TRUE;
    }

  return FALSE;
}

/**
 * onb_camera_choose_caps:
 *
 * Picks one mode: at most 1920×1080 and 30 fps, at least 15 fps when that
 * is possible, as close to 1280×720 as there is, raw video over MJPEG at
 * equal terms (no decoding cost).
 *
 * Returns: (nullable): fixed caps, or %NULL when no mode fits.
 */
GstCaps *
onb_camera_choose_caps (GstCaps *device_caps)
{
  g_autoptr(GstCaps) best = NULL;
  double best_score = -G_MAXDOUBLE;

  g_return_val_if_fail (GST_IS_CAPS (device_caps), NULL);

  for (guint i = 0; i < gst_caps_get_size (device_caps); i++)
    {
      GstStructure *s = gst_caps_get_structure (device_caps, i);
      gboolean raw = gst_structure_has_name (s, "video/x-raw");
      const char *format = gst_structure_get_string (s, "format");
      int width, height, num, den;
      double fps, score;
      GstStructure *chosen;

      /* A format list (rather than a string) is left to negotiation. */
      if (!raw && !gst_structure_has_name (s, "image/jpeg"))
        continue;
      if (!structure_size (s, &width, &height) || width > MAX_WIDTH || height > MAX_HEIGHT ||
          width < 160 || height < 120)
        continue;
      if (!best_rate (s, &num, &den))
        continue;

      fps = (double) num / den;
      /* Fluid video matters most (a box is moved by hand), then the size. */
      score = -ABS (width * height - BEST_WIDTH * BEST_HEIGHT) / (double) (BEST_WIDTH * BEST_HEIGHT);
      score -= fps < 15 ? 10 + (15 - fps) : (MAX_FPS - fps) / 30.0;
      if (!raw)
        score -= 0.01;

      if (score > best_score)
        {
          best_score = score;
          chosen = gst_structure_new (raw ? "video/x-raw" : "image/jpeg",
                                      "width", G_TYPE_INT, width,
                                      "height", G_TYPE_INT, height,
                                      "framerate", GST_TYPE_FRACTION, num, den,
                                      NULL);
          if (raw && format != NULL)
            gst_structure_set (chosen, "format", G_TYPE_STRING, format, NULL);
          g_clear_pointer (&best, gst_caps_unref);
          best = gst_caps_new_full (chosen, NULL);
        }
    }

  return g_steal_pointer (&best);
}
