/* onb-scan-source.h: where the scanner's frames come from
 *
 * An immutable description; OnbScanner turns it into a pipeline each time
 * it (re)starts, so a camera that comes back is opened afresh.
 */
#pragma once

#include <gio/gio.h>

#include "onb-camera.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_SCAN_SOURCE_AUTO,     /*< nick=auto >*/     /* portal when sandboxed, else the remembered or first camera */
  ONB_SCAN_SOURCE_CAMERA,   /*< nick=camera >*/   /* one OnbCamera */
  ONB_SCAN_SOURCE_PORTAL,   /*< nick=portal >*/   /* xdg-desktop-portal Camera + pipewiresrc */
  ONB_SCAN_SOURCE_PIPELINE, /*< nick=pipeline >*/ /* gst-launch description ending in raw video */
  ONB_SCAN_SOURCE_URI,      /*< nick=uri >*/      /* a video file or stream, played once */
  ONB_SCAN_SOURCE_IMAGE,    /*< nick=image >*/    /* a still image: one frame, one agreeing read */
} OnbScanSourceKind;

/* [kiosk] camera=portal: the camera through xdg-desktop-portal and
 * PipeWire, as inside Flatpak, for desktops where that is the only way to
 * the camera. No device path or libcamera id looks like it. */
#define ONB_SCAN_SOURCE_PORTAL_ID "portal"

#define ONB_TYPE_SCAN_SOURCE (onb_scan_source_get_type ())
G_DECLARE_FINAL_TYPE (OnbScanSource, onb_scan_source, ONB, SCAN_SOURCE, GObject)

OnbScanSource     *onb_scan_source_new_auto        (const char    *camera_id);
OnbScanSource     *onb_scan_source_new_camera      (OnbCamera     *camera);
OnbScanSource     *onb_scan_source_new_portal      (void);
OnbScanSource     *onb_scan_source_new_pipeline    (const char    *description);
OnbScanSource     *onb_scan_source_new_uri         (const char    *uri);
OnbScanSource     *onb_scan_source_new_image       (GFile         *file);
OnbScanSourceKind  onb_scan_source_get_kind        (OnbScanSource *self);
/* The camera id, pipeline description, URI or image path. */
const char        *onb_scan_source_get_detail      (OnbScanSource *self);
OnbCamera         *onb_scan_source_get_camera      (OnbScanSource *self);
/* Still images need one read; video needs two agreeing frames. */
gboolean           onb_scan_source_is_still        (OnbScanSource *self);
/* Cameras (and pipelines) are retried when they fail mid-run. */
gboolean           onb_scan_source_is_live         (OnbScanSource *self);

G_END_DECLS
