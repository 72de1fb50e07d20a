/* onb-camera-monitor.h: the cameras plugged in right now
 *
 * A GListModel of OnbCamera kept up to date from GstDeviceMonitor
 * (Video/Source) as cameras come and go. Infrared-only cameras, nodes that
 * deliver no video and the same camera seen through several providers
 * (V4L2, libcamera, PipeWire) are left out.
 */
#pragma once

#include <gio/gio.h>

#include "onb-camera.h"

G_BEGIN_DECLS

#define ONB_TYPE_CAMERA_MONITOR (onb_camera_monitor_get_type ())
G_DECLARE_FINAL_TYPE (OnbCameraMonitor, onb_camera_monitor, ONB, CAMERA_MONITOR, GObject)

/* Shared by the scanner and the setup page; started on first use. */
OnbCameraMonitor *onb_camera_monitor_get_default (void);
OnbCameraMonitor *onb_camera_monitor_new         (void);
gboolean          onb_camera_monitor_start       (OnbCameraMonitor *self,
                                                  GError          **error);
void              onb_camera_monitor_stop        (OnbCameraMonitor *self);
/* The camera with @id ([kiosk] camera), else the first one; NULL when none. */
OnbCamera        *onb_camera_monitor_choose      (OnbCameraMonitor *self,
                                                  const char       *id);

G_END_DECLS
