/* onb-region-prep.c: a candidate region made readable for zbar
 *
 * zbar's line scanner needs about 2 pixels per module and sharp edges, and
 * copes with a few degrees of shear only. The frame decoder hands it small
 * regions, so resampling them costs little next to a pass over the frame.
 */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <math.h>

#include "onb-region-prep.h"

/* At most 1024 pixels a side: a wrong candidate costs little. */
#define MAX_SIDE 1024

/* Grey levels below its surroundings for a pixel to be dark. */
#define BINARIZE_MARGIN 6

void
onb_prepared_region_free (OnbPreparedRegion *region)
{
  g_clear_pointer (&region->image, onb_grey_image_free);
  g_free (region);
}

static inline double
sample_plane (const guint8 *luma,
              guint         width,
              guint         height,
              gsize         stride,
              double        x,
              double        y)
{
  int x0, y0, x1, y1;
  double fx, fy;
  const guint8 *r0, *r1;

  x = CLAMP (x - 0.5, 0, width - 1);
  y = CLAMP (y - 0.5, 0, height - 1);
  x0 = (int) x;
  y0 = (int) y;
  x1 = MIN (x0 + 1, (int) width - 1);
  y1 = MIN (y0 + 1, (int) height - 1);
  fx = x - x0;
  fy = y - y0;
  r0 = luma + (gsize) y0 * stride;
  r1 = luma + (gsize) y1 * stride;
  return (r0[x0] * (1 - fx) + r0[x1] * fx) * (1 - fy) + (r1[x0] * (1 - fx) + r1[x1] * fx) * fy;
}

/* Resamples the frame through @to_frame into a @w×@h image. */
static OnbPreparedRegion *
warp (const guint8        *luma,
      guint                width,
      guint                height,
      gsize                stride,
      const OnbHomography *to_frame,
      guint                w,
      guint                h)
{
  OnbPreparedRegion *region = g_new0 (OnbPreparedRegion, 1);

  region->image = onb_grey_image_new (w, h);
  region->to_frame = *to_frame;
  for (guint y = 0; y < h; y++)
    {
      guint8 *row = region->image->data + (gsize) y * w;

      for (guint x = 0; x < w; x++)
        {
          double fx, fy;

          onb_homography_apply (to_frame, x + 0.5, y + 0.5, &fx, &fy);
          row[x] = (guint8) (sample_plane (luma, width, height, stride, fx, fy) + 0.5);
        }
    }
  return region;
}

OnbPreparedRegion *
onb_prep_upscale (const guint8 *luma,
                  guint         width,
                  guint         height,
                  gsize         stride,
                  guint         x0,
                  guint         y0,
                  guint         x1,
                  guint         y1,
                  guint         factor)
{
  OnbHomography to_frame = { { 1.0 / factor, 0, x0, 0, 1.0 / factor, y0, 0, 0, 1 } };

  g_return_val_if_fail (factor >= 1 && x1 > x0 && y1 > y0 && x1 <= width && y1 <= height, NULL);

  return warp (luma, width, height, stride, &to_frame,
               MIN ((x1 - x0) * factor, MAX_SIDE), MIN ((y1 - y0) * factor, MAX_SIDE));
}

OnbPreparedRegion *
onb_prep_rectify (const guint8         *luma,
                  guint                 width,
                  guint                 height,
                  gsize                 stride,
                  const OnbQrCandidate *candidate,
                  double                px_per_module)
{
  const OnbQrFinder *f = candidate->finders;
  double da, db, d, side;
  /* Finder centres 3.5 modules in from the code's corners; 8 modules of
   * border leave the quiet zone and room for a wrong size estimate. */
  const double border = 8;
  guint n;
  OnbHomography to_frame;

  g_return_val_if_fail (candidate->n_finders == 3 && px_per_module > 0, NULL);

  /* Modules between finder centres (the code's size less 7), rounded to
   * a size QR has (17 + 4 v). */
  da = hypot (f[1].x - f[0].x, f[1].y - f[0].y) / ((f[0].module + f[1].module) / 2);
  db = hypot (f[2].x - f[0].x, f[2].y - f[0].y) / ((f[0].module + f[2].module) / 2);
  n = 17 + 4 * (guint) MAX (0, lround (((da + db) / 2 + 7 - 17) / 4));
  d = n - 7;
  side = (n + 2 * border) * px_per_module;

  /* Output pixel -> module (u, v) of the code -> frame. The label's
   * perspective shows in its finders' sizes: a homography shrinks lengths
   * as w^-3/2 (w its denominator), so w at each finder follows from its
   * module, and the rest from the three centres. Equal modules give w = 1:
   * the affine map of a label facing the camera. */
  {
    double r0 = pow (f[0].module, -2.0 / 3), r1 = pow (f[1].module, -2.0 / 3), r2 = pow (f[2].module, -2.0 / 3);
    double c = 3.5, k, w0, w1, w2, s = 1 / px_per_module;
    OnbHomography code, to_code = { { s, 0, -border, 0, s, -border, 0, 0, 1 } };

    /* Module estimates are good to a quarter of a pixel or so: below a
     * clear difference, the label faces the camera. */
    if (MAX (MAX (f[0].module, f[1].module), f[2].module) < 1.3 * MIN (MIN (f[0].module, f[1].module), f[2].module))
      r0 = r1 = r2 = 1;
    k = 1 / (r0 - c * (r1 + r2 - 2 * r0) / d);
    if (!isfinite (k) || k <= 0)
      k = r0 = r1 = r2 = 1;
    w0 = k * r0;
    w1 = k * r1;
    w2 = k * r2;
    code.m[6] = (w1 - w0) / d;
    code.m[7] = (w2 - w0) / d;
    code.m[8] = 1;
    code.m[0] = (f[1].x * w1 - f[0].x * w0) / d;
    code.m[1] = (f[2].x * w2 - f[0].x * w0) / d;
    code.m[2] = f[0].x * w0 - (code.m[0] + code.m[1]) * c;
    code.m[3] = (f[1].y * w1 - f[0].y * w0) / d;
    code.m[4] = (f[2].y * w2 - f[0].y * w0) / d;
    code.m[5] = f[0].y * w0 - (code.m[3] + code.m[4]) * c;
    for (guint i = 0; i < 3; i++)
      {
        to_frame.m[3 * i + 0] = code.m[3 * i + 0] * to_code.m[0] + code.m[3 * i + 2] * to_code.m[6];
        to_frame.m[3 * i + 1] = code.m[3 * i + 1] * to_code.m[4] + code.m[3 * i + 2] * to_code.m[7];
        to_frame.m[3 * i + 2] = code.m[3 * i + 0] * to_code.m[2] + code.m[3 * i + 1] * to_code.m[5] + code.m[3 * i + 2];
      }
  }

  return warp (luma, width, height, stride, &to_frame, MIN ((guint) side, MAX_SIDE), MIN ((guint) side, MAX_SIDE));
}

void
onb_prep_sharpen (OnbGreyImage *image,
                  double        amount)
{
  guint w = image->width, h = image->height;
  g_autofree guint8 *copy = NULL;
  int k = (int) lround (amount * 256);

  if (w < 3 || h < 3)
    return;
  copy = g_memdup2 (image->data, (gsize) w * h);
  for (guint y = 1; y + 1 < h; y++)
    for (guint x = 1; x + 1 < w; x++)
      {
        const guint8 *p = copy + (gsize) y * w + x;
        int mean = (p[-1 - (int) w] + p[-(int) w] + p[1 - (int) w] + p[-1] + p[0] + p[1] + p[w - 1] + p[w] + p[w + 1]) * 256 / 9;
        int v = p[0] + (((p[0] * 256 - mean) * k) >> 16);

        image->data[(gsize) y * w + x] = (guint8) CLAMP (v, 0, 255);
      }
}

void
onb_prep_binarize (OnbGreyImage *image,
                   double        px_per_module)
{
  guint w = image->width, h = image->height, r = MAX (2, (guint) lround (4 * px_per_module));
  g_autofree guint16 *smooth = NULL;
  g_autofree guint32 *integral = NULL;

  if (w < 3 || h < 3)
    return;
  /* Sums of 3×3: sensor noise and JPEG ringing averaged over about a
   * module before a pixel is called dark or light. */
  smooth = g_new (guint16, (gsize) w * h);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint sum = 0;

        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            sum += image->data[(gsize) CLAMP ((int) y + dy, 0, (int) h - 1) * w + CLAMP ((int) x + dx, 0, (int) w - 1)];
        smooth[(gsize) y * w + x] = (guint16) sum;
      }
  integral = g_new0 (guint32, (gsize) (w + 1) * (h + 1));
  for (guint y = 0; y < h; y++)
    for (guint x = 0, row = 0; x < w; x++)
      {
        row += smooth[(gsize) y * w + x];
        integral[(gsize) (y + 1) * (w + 1) + x + 1] = integral[(gsize) y * (w + 1) + x + 1] + row;
      }
  /* Dark: clearly below the mean of about 8 modules around it (a label
   * lit unevenly is still split right); a plain quiet zone, whose noise
   * stays near its mean, stays light. */
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint x0 = x > r ? x - r : 0, y0 = y > r ? y - r : 0, x1 = MIN (w, x + r + 1), y1 = MIN (h, y + r + 1);
        guint64 sum = (guint64) integral[(gsize) y1 * (w + 1) + x1] - integral[(gsize) y0 * (w + 1) + x1] -
                      integral[(gsize) y1 * (w + 1) + x0] + integral[(gsize) y0 * (w + 1) + x0];
        guint64 n = (guint64) (x1 - x0) * (y1 - y0);

        image->data[(gsize) y * w + x] = (guint64) smooth[(gsize) y * w + x] * n + (guint64) BINARIZE_MARGIN * 9 * n < sum ? 0 : 255;
      }
}

/* @kernel (2 @radius + 1 taps) along the rows (or columns) of @in, into @out. */
static void
gauss_pass (const float *in,
            float       *out,
            guint        w,
            guint        h,
            const float *kernel,
            int          radius,
            gboolean     vertical)
{
  guint len = vertical ? h : w, lines = vertical ? w : h;
  gsize step = vertical ? w : 1, line_step = vertical ? 1 : w;

  for (guint l = 0; l < lines; l++)
    for (guint i = 0; i < len; i++)
      {
        float sum = 0;

        for (int k = -radius; k <= radius; k++)
          sum += kernel[k + radius] * in[l * line_step + CLAMP ((int) i + k, 0, (int) len - 1) * step];
        out[l * line_step + i * step] = sum;
      }
}

void
onb_prep_deblur (OnbGreyImage *image,
                 double        sigma,
                 guint         iterations)
{
  guint w = image->width, h = image->height;
  gsize size = (gsize) w * h;
  int radius = (int) ceil (2.5 * sigma);
  g_autofree float *kernel = NULL, *observed = NULL, *estimate = NULL, *tmp = NULL, *blurred = NULL;
  float total = 0;

  if (sigma <= 0 || w < 3 || h < 3)
    return;
  kernel = g_new (float, 2 * radius + 1);
  for (int k = -radius; k <= radius; k++)
    total += kernel[k + radius] = (float) exp (-k * k / (2 * sigma * sigma));
  for (int k = 0; k <= 2 * radius; k++)
    kernel[k] /= total;
  observed = g_new (float, size);
  estimate = g_new (float, size);
  tmp = g_new (float, size);
  blurred = g_new (float, size);
  for (gsize p = 0; p < size; p++)
    observed[p] = estimate[p] = image->data[p];

  /* Van Cittert: the estimate corrected by what blurring it fails to
   * explain, kept within grey levels (which is what stops the ringing). */
  for (guint it = 0; it < iterations; it++)
    {
      gauss_pass (estimate, tmp, w, h, kernel, radius, FALSE);
      gauss_pass (tmp, blurred, w, h, kernel, radius, TRUE);
      for (gsize p = 0; p < size; p++)
        estimate[p] = CLAMP (estimate[p] + (observed[p] - blurred[p]), 0, 255);
    }
  for (gsize p = 0; p < size; p++)
    image->data[p] = (guint8) (estimate[p] + 0.5f);
}
