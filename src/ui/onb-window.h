/* onb-window.h: the kiosk's one window */
#pragma once

#include <adwaita.h>

#include "onb-application.h"
#include "onb-scan-page.h"

G_BEGIN_DECLS

#define ONB_TYPE_WINDOW (onb_window_get_type ())
G_DECLARE_FINAL_TYPE (OnbWindow, onb_window, ONB, WINDOW, AdwApplicationWindow)

OnbWindow   *onb_window_new                (OnbApplication *application);
OnbScanPage *onb_window_get_scan_page      (OnbWindow      *self);
/* Hands a payload read by the camera, the hand scanner or typed by the
 * worker to the page that is waiting for it (Replace, else a new job). */
void         onb_window_handle_payload     (OnbWindow      *self,
                                            const char     *payload,
                                            gsize           length,
                                            const char     *source);
/* Switches page; Setup asks for the PIN first when one is set. */
void         onb_window_show_page          (OnbWindow      *self,
                                            const char     *name);
const char  *onb_window_get_visible_page   (OnbWindow      *self);
gboolean     onb_window_get_setup_unlocked (OnbWindow      *self);
/* How often "Blynk creates devices too" was said: once per shift. */
guint        onb_window_get_n_blynk_notices (OnbWindow     *self);
/* Imports a device list; Setup shows the row-numbered report. */
void         onb_window_import_devices     (OnbWindow      *self,
                                            const char     *path);
void         onb_window_toast              (OnbWindow      *self,
                                            const char     *message);

G_END_DECLS
