/* onb-grey-image.c: 8-bit grey images and plane projective maps */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <math.h>
#include <string.h>

#include "onb-grey-image.h"

OnbGreyImage *
onb_grey_image_new (guint width,
                    guint height)
{
  OnbGreyImage *image = g_new0 (OnbGreyImage, 1);

  image->width = width;
  image->height = height;
  image->data = g_malloc0 ((gsize) MAX (width, 1) * MAX (height, 1));
  return image;
}

void
onb_grey_image_free (OnbGreyImage *image)
{
  g_free (image->data);
  g_free (image);
}

OnbGreyImage *
onb_grey_image_crop (const guint8 *plane,
                     gsize         stride,
                     guint         x0,
                     guint         y0,
                     guint         width,
                     guint         height)
{
  OnbGreyImage *image = onb_grey_image_new (width, height);

  for (guint y = 0; y < height; y++)
    memcpy (image->data + (gsize) y * width, plane + (gsize) (y0 + y) * stride + x0, width);
  return image;
}

/* Heckbert's closed form of the square-to-quadrilateral map. */
gboolean
onb_homography_square_to_quad (OnbHomography *h,
                               const double   quad[8])
{
  double x0 = quad[0], y0 = quad[1], x1 = quad[2], y1 = quad[3];
  double x2 = quad[4], y2 = quad[5], x3 = quad[6], y3 = quad[7];
  double sx = x0 - x1 + x2 - x3, sy = y0 - y1 + y2 - y3;
  double dx1 = x1 - x2, dx2 = x3 - x2, dy1 = y1 - y2, dy2 = y3 - y2;
  double g = 0, k = 0;

  if (fabs (sx) > 1e-9 || fabs (sy) > 1e-9)
    {
      double den = dx1 * dy2 - dx2 * dy1;

      if (fabs (den) < 1e-12)
        return FALSE;
      g = (sx * dy2 - dx2 * sy) / den;
      k = (dx1 * sy - sx * dy1) / den;
    }

  h->m[0] = x1 - x0 + g * x1;
  h->m[1] = x3 - x0 + k * x3;
  h->m[2] = x0;
  h->m[3] = y1 - y0 + g * y1;
  h->m[4] = y3 - y0 + k * y3;
  h->m[5] = y0;
  h->m[6] = g;
  h->m[7] = k;
  h->m[8] = 1;

  return fabs (h->m[0] * h->m[4] - h->m[1] * h->m[3]) > 1e-12;
}

gboolean
onb_homography_invert (const OnbHomography *h,
                       OnbHomography       *inverse)
{
  const double *m = h->m;
  double a[9] = {
    m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
    m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
    m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3],
  };
  double det = m[0] * a[0] + m[1] * a[3] + m[2] * a[6];

  if (fabs (det) < 1e-15)
    return FALSE;
  for (guint i = 0; i < 9; i++)
    inverse->m[i] = a[i] / det;
  return TRUE;
}

void
onb_homography_apply (const OnbHomography *h,
                      double               x,
                      double               y,
                      double              *out_x,
                      double              *out_y)
{
  const double *m = h->m;
  double w = m[6] * x + m[7] * y + m[8];

  if (fabs (w) < 1e-12)
    w = 1e-12;
  *out_x = (m[0] * x + m[1] * y + m[2]) / w;
  *out_y = (m[3] * x + m[4] * y + m[5]) / w;
}
