/* onb-grey-image.h: 8-bit grey images and plane projective maps
 *
 * GLib only: the scanner's region preparation (onb-region-prep.h) works on
 * these, and so do the tests and the benchmark that draw labels.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint8 *data;           /* owned; packed rows (stride == width) */
  guint width;
  guint height;
} OnbGreyImage;

OnbGreyImage *onb_grey_image_new   (guint               width,
                                    guint               height);
void          onb_grey_image_free  (OnbGreyImage       *image);
/* A copy of the @width×@height window at (@x0, @y0) of a plane. */
OnbGreyImage *onb_grey_image_crop  (const guint8       *plane,
                                    gsize               stride,
                                    guint               x0,
                                    guint               y0,
                                    guint               width,
                                    guint               height);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbGreyImage, onb_grey_image_free)

/* x' = (m0 x + m1 y + m2) / (m6 x + m7 y + m8), y' likewise with m3..m5. */
typedef struct
{
  double m[9];
} OnbHomography;

/* The map of the unit square (0,0) (1,0) (1,1) (0,1) onto @quad (x, y pairs
 * in that order). FALSE when the quad is degenerate. */
gboolean onb_homography_square_to_quad (OnbHomography       *h,
                                        const double         quad[8]);
gboolean onb_homography_invert         (const OnbHomography *h,
                                        OnbHomography       *inverse);
void     onb_homography_apply          (const OnbHomography *h,
                                        double               x,
                                        double               y,
                                        double              *out_x,
                                        double              *out_y);

G_END_DECLS
