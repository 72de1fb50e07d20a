/* onb-scan-source.c: where the scanner's frames come from */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include "onb-scan-source.h"

struct _OnbScanSource
{
  GObject parent_instance;
  OnbScanSourceKind kind;
  char *detail;
  OnbCamera *camera;
};

G_DEFINE_FINAL_TYPE (OnbScanSource, onb_scan_source, G_TYPE_OBJECT)

static void
onb_scan_source_finalize (GObject *object)
{
  OnbScanSource *self = ONB_SCAN_SOURCE (object);

  g_clear_pointer (&self->detail, g_free);
  g_clear_object (&self->camera);

  G_OBJECT_CLASS (onb_scan_source_parent_class)->finalize (object);
}

static void
onb_scan_source_class_init (OnbScanSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_scan_source_finalize;
}

static void
onb_scan_source_init (OnbScanSource *self)
{
}

static OnbScanSource *
source_new (OnbScanSourceKind  kind,
            const char        *detail)
{
  OnbScanSource *self = g_object_new (ONB_TYPE_SCAN_SOURCE, NULL);

  self->kind = kind;
  self->detail = g_strdup (detail);
  return self;
}

/**
 * onb_scan_source_new_auto:
 * @camera_id: (nullable): the remembered camera ([kiosk] camera)
 *
 * The kiosk's source: the Camera portal inside Flatpak, otherwise the
 * remembered camera or the first one plugged in, chosen each time the
 * scanner starts so that hot-plug is followed. The camera id
 * %ONB_SCAN_SOURCE_PORTAL_ID asks for the portal outside Flatpak too.
 */
OnbScanSource *
onb_scan_source_new_auto (const char *camera_id)
{
  if (g_strcmp0 (camera_id, ONB_SCAN_SOURCE_PORTAL_ID) == 0)
    return onb_scan_source_new_portal ();
  return source_new (ONB_SCAN_SOURCE_AUTO, camera_id);
}

OnbScanSource *
onb_scan_source_new_camera (OnbCamera *camera)
{
  OnbScanSource *self;

  g_return_val_if_fail (ONB_IS_CAMERA (camera), NULL);

  self = source_new (ONB_SCAN_SOURCE_CAMERA, onb_camera_get_id (camera));
  self->camera = g_object_ref (camera);
  return self;
}

OnbScanSource *
onb_scan_source_new_portal (void)
{
  return source_new (ONB_SCAN_SOURCE_PORTAL, NULL);
}

/**
 * onb_scan_source_new_pipeline:
 * @description: a gst-launch description whose last element puts out raw
 *   video, e.g. `videotestsrc is-live=true ! qroverlay data=…`
 */
OnbScanSource *
onb_scan_source_new_pipeline (const char *description)
{
  g_return_val_if_fail (description != NULL, NULL);
  return source_new (ONB_SCAN_SOURCE_PIPELINE, description);
}

OnbScanSource *
onb_scan_source_new_uri (const char *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);
  return source_new (ONB_SCAN_SOURCE_URI, uri);
}

OnbScanSource *
onb_scan_source_new_image (GFile *file)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  path = g_file_get_path (file);
  g_return_val_if_fail (path != NULL, NULL);
  return source_new (ONB_SCAN_SOURCE_IMAGE, path);
}

OnbScanSourceKind
onb_scan_source_get_kind (OnbScanSource *self)
{
  g_return_val_if_fail (ONB_IS_SCAN_SOURCE (self), ONB_SCAN_SOURCE_AUTO);
  return self->kind;
}

/* Returns: (nullable): the camera id, description, URI or image path. */
const char *
onb_scan_source_get_detail (OnbScanSource *self)
{
  g_return_val_if_fail (ONB_IS_SCAN_SOURCE (self), NULL);
  return self->detail;
}

/* Returns: (nullable) (transfer none) */
OnbCamera *
onb_scan_source_get_camera (OnbScanSource *self)
{
  g_return_val_if_fail (ONB_IS_SCAN_SOURCE (self), NULL);
  return self->camera;
}

gboolean
onb_scan_source_is_still (OnbScanSource *self)
{
  g_return_val_if_fail (ONB_IS_SCAN_SOURCE (self), FALSE);
  return self->kind == ONB_SCAN_SOURCE_IMAGE;
}

gboolean
onb_scan_source_is_live (OnbScanSource *self)
{
  g_return_val_if_fail (ONB_IS_SCAN_SOURCE (self), FALSE);
  return self->kind != ONB_SCAN_SOURCE_URI && self->kind != ONB_SCAN_SOURCE_IMAGE;
}
