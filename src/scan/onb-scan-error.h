/* onb-scan-error.h: why the camera or the scanner cannot deliver codes
 *
 * The nicks are the stable reasons printed by `onboarder-cli scan --json`
 * and shown by the kiosk (through onb_error_get_reason()).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  ONB_SCAN_ERROR_NO_CAMERA,         /*< nick=no-camera >*/
  ONB_SCAN_ERROR_CAMERA_UNPLUGGED,  /*< nick=camera-unplugged >*/
  ONB_SCAN_ERROR_PERMISSION_DENIED, /*< nick=camera-permission-denied >*/
  ONB_SCAN_ERROR_PORTAL_FAILED,     /*< nick=camera-portal-failed >*/
  ONB_SCAN_ERROR_MISSING_ELEMENT,   /*< nick=missing-element >*/
  ONB_SCAN_ERROR_BAD_PIPELINE,      /*< nick=bad-pipeline >*/
  ONB_SCAN_ERROR_STREAM_FAILED,     /*< nick=stream-failed >*/
  ONB_SCAN_ERROR_NO_VIDEO,          /*< nick=no-video >*/
} OnbScanError;

#define ONB_SCAN_ERROR (onb_scan_error_quark ())
GQuark       onb_scan_error_quark         (void);

/* The Debian package that ships a GStreamer element, or NULL when unknown. */
const char  *onb_scan_element_package     (const char *element_name);

/* TRUE inside a Flatpak sandbox (where cameras come from the portal). */
gboolean     onb_scan_in_flatpak          (void);

G_END_DECLS
