/* onb-video-paintable.h: the live preview as a GdkPaintable
 *
 * Lives in the onb-scan-gtk library so that the CLI and the scanner do not
 * link GTK. Frames arrive on a streaming thread, become GdkTextures there
 * and are swapped in on the main thread; the size is invalidated only when
 * it changes.
 */
#pragma once

#include <gtk/gtk.h>

#include "onb-scanner.h"

G_BEGIN_DECLS

#define ONB_TYPE_VIDEO_PAINTABLE (onb_video_paintable_get_type ())
G_DECLARE_FINAL_TYPE (OnbVideoPaintable, onb_video_paintable, ONB, VIDEO_PAINTABLE, GObject)

OnbVideoPaintable *onb_video_paintable_new          (void);
/* Thread-safe: any thread may push a preview sample. */
void               onb_video_paintable_push_sample  (OnbVideoPaintable *self,
                                                     GstSample         *sample);
/* Makes @scanner feed this paintable (its preview callback). */
void               onb_video_paintable_attach       (OnbVideoPaintable *self,
                                                     OnbScanner        *scanner);
/* Runs @scanner only while @widget is mapped and its window not
 * minimised, so a hidden preview costs nothing. */
void               onb_video_paintable_run_while_visible (OnbScanner  *scanner,
                                                          GtkWidget   *widget);

G_END_DECLS
