/* onb-camera.h: one usable camera found by OnbCameraMonitor
 *
 * Wraps the GstDevice together with the caps Onboarder will ask it for
 * (at most 1920×1080 and 30 fps, 1280×720 preferred).
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define ONB_TYPE_CAMERA (onb_camera_get_type ())
G_DECLARE_FINAL_TYPE (OnbCamera, onb_camera, ONB, CAMERA, GObject)

OnbCamera   *onb_camera_new                  (GstDevice   *device);
const char  *onb_camera_get_id               (OnbCamera   *self);
const char  *onb_camera_get_display_name     (OnbCamera   *self);
GstDevice   *onb_camera_get_device           (OnbCamera   *self);
GstCaps     *onb_camera_get_caps             (OnbCamera   *self);
GstElement  *onb_camera_create_element       (OnbCamera   *self,
                                              GError     **error);

/* Exposed for tests: the policy behind onb_camera_new(). */
GstCaps     *onb_camera_choose_caps          (GstCaps     *device_caps);
gboolean     onb_camera_caps_are_infrared    (GstCaps     *device_caps);
char        *onb_camera_id_for_device        (GstDevice   *device);

G_END_DECLS
