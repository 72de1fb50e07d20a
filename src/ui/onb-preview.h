/* onb-preview.h: the live camera picture with the detected code outlined */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ONB_TYPE_PREVIEW (onb_preview_get_type ())
G_DECLARE_FINAL_TYPE (OnbPreview, onb_preview, ONB, PREVIEW, GtkWidget)

GdkPaintable *onb_preview_get_paintable (OnbPreview             *self);
void          onb_preview_set_paintable (OnbPreview             *self,
                                         GdkPaintable           *paintable);
/* @points are in the paintable's pixels (its intrinsic size); the outline
 * fades after a moment. */
void          onb_preview_show_outline  (OnbPreview             *self,
                                         const graphene_point_t *points,
                                         guint                   n_points);

/* Signal: first-frame () once, when the first picture is drawn (the
 * benchmark's start-up mark). */

G_END_DECLS
