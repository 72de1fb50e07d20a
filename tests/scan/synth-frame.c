/* synth-frame.c: camera-like grey frames with QR labels, drawn in memory */

#include "config.h"

#include <math.h>
#include <qrencode.h>
#include <string.h>

#include "synth-frame.h"

/* Paper around the quiet zone, in modules. */
#define QUIET   4
#define MARGIN  1
#define SUPER   4

static void
fill_rect (OnbGreyImage *frame,
           int           x0,
           int           y0,
           int           x1,
           int           y1,
           guint8        value)
{
  x0 = CLAMP (x0, 0, (int) frame->width);
  x1 = CLAMP (x1, 0, (int) frame->width);
  y0 = CLAMP (y0, 0, (int) frame->height);
  y1 = CLAMP (y1, 0, (int) frame->height);
  for (int y = y0; y < y1; y++)
    memset (frame->data + (gsize) y * frame->width + x0, value, x1 > x0 ? x1 - x0 : 0);
}

OnbGreyImage *
synth_scene (guint   width,
             guint   height,
             guint32 seed)
{
  OnbGreyImage *frame = onb_grey_image_new (width, height);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  /* Light from one side. */
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      frame->data[(gsize) y * width + x] = (guint8) (90 + 70.0 * x / width + 30.0 * y / height);

  for (guint i = 0; i < 40; i++)
    {
      int x = g_rand_int_range (rand, 0, width), y = g_rand_int_range (rand, 0, height);

      fill_rect (frame, x, y, x + g_rand_int_range (rand, 20, width / 4), y + g_rand_int_range (rand, 20, height / 4),
                 g_rand_int_range (rand, 0, 256));
    }
  /* Stripes (1-D barcode-like clutter) and lines of print. */
  for (guint i = 0; i < 6; i++)
    {
      int x = g_rand_int_range (rand, 0, width - 200), y = g_rand_int_range (rand, 0, height - 80);

      for (int k = 0; k < 30; k++)
        if (g_rand_boolean (rand))
          fill_rect (frame, x + 4 * k, y, x + 4 * k + g_rand_int_range (rand, 1, 4), y + 60, 20);
    }
  for (guint i = 0; i < 15; i++)
    {
      int x = g_rand_int_range (rand, 0, width - 160), y = g_rand_int_range (rand, 0, height - 40);
      int size = g_rand_int_range (rand, 4, 16);

      for (int k = 0; k < 12; k++)
        if (g_rand_int_range (rand, 0, 5) > 0)
          fill_rect (frame, x + k * size, y, x + k * size + size * 3 / 4, y + size + g_rand_int_range (rand, 0, 4), 30);
    }
  synth_blur (frame, 0.7);
  return frame;
}

static QRcode *
encode (const char *payload)
{
  /* qrencode's defaults: level L, the smallest version that fits. */
  return QRcode_encodeData (strlen (payload), (const unsigned char *) payload, 0, QR_ECLEVEL_L);
}

double
synth_label_side (const SynthLabel *label)
{
  QRcode *qr = encode (label->payload);
  double side;

  if (qr == NULL)
    return 0;
  side = (qr->width + 2 * (QUIET + MARGIN)) * label->module;
  QRcode_free (qr);
  return side;
}

gboolean
synth_draw_label (OnbGreyImage     *frame,
                  const SynthLabel *label)
{
  QRcode *qr = encode (label->payload);
  double side, far, w, c, s, quad[8], corners[8], minx = G_MAXDOUBLE, miny = G_MAXDOUBLE, maxx = -G_MAXDOUBLE, maxy = -G_MAXDOUBLE;
  guint n, span;
  guint8 ink = label->ink, paper = label->paper ? label->paper : 255;
  OnbHomography h, inv;

  if (qr == NULL)
    return FALSE;
  n = qr->width;
  span = n + 2 * (QUIET + MARGIN);
  side = span * label->module;
  far = label->far_edge > 0 ? label->far_edge : 1;
  /* The far edge is shorter, and the label foreshortened across. */
  w = side * (1 + far) / 2 * (label->squash > 0 ? label->squash : 1);
  corners[0] = -w / 2; corners[1] = -side / 2;
  corners[2] = w / 2;  corners[3] = -side * far / 2;
  corners[4] = w / 2;  corners[5] = side * far / 2;
  corners[6] = -w / 2; corners[7] = side / 2;
  c = cos (label->angle * G_PI / 180);
  s = sin (label->angle * G_PI / 180);
  for (guint i = 0; i < 4; i++)
    {
      quad[2 * i] = label->cx + c * corners[2 * i] - s * corners[2 * i + 1];
      quad[2 * i + 1] = label->cy + s * corners[2 * i] + c * corners[2 * i + 1];
      minx = MIN (minx, quad[2 * i]);
      maxx = MAX (maxx, quad[2 * i]);
      miny = MIN (miny, quad[2 * i + 1]);
      maxy = MAX (maxy, quad[2 * i + 1]);
    }
  if (label->inverted)
    {
      guint8 t = ink;

      ink = paper;
      paper = t;
    }
  if (!onb_homography_square_to_quad (&h, quad) || !onb_homography_invert (&h, &inv))
    {
      QRcode_free (qr);
      return FALSE;
    }

  /* Area sampling, as a sensor does: SUPER×SUPER samples per pixel. */
  for (int y = MAX (0, (int) floor (miny)); y < MIN ((int) frame->height, (int) ceil (maxy) + 1); y++)
    for (int x = MAX (0, (int) floor (minx)); x < MIN ((int) frame->width, (int) ceil (maxx) + 1); x++)
      {
        guint inside = 0, dark = 0;

        for (guint sy = 0; sy < SUPER; sy++)
          for (guint sx = 0; sx < SUPER; sx++)
            {
              double u, v;
              int mx, my;

              onb_homography_apply (&inv, x + (sx + 0.5) / SUPER, y + (sy + 0.5) / SUPER, &u, &v);
              if (u < 0 || u >= 1 || v < 0 || v >= 1)
                continue;
              inside++;
              mx = (int) (u * span) - QUIET - MARGIN;
              my = (int) (v * span) - QUIET - MARGIN;
              if (mx >= 0 && my >= 0 && mx < (int) n && my < (int) n && (qr->data[my * n + mx] & 1))
                dark++;
            }
        if (inside > 0)
          {
            guint8 *p = frame->data + (gsize) y * frame->width + x;
            double label_value = (dark * (double) ink + (inside - dark) * (double) paper) / inside;

            *p = (guint8) lround ((label_value * inside + *p * (double) (SUPER * SUPER - inside)) / (SUPER * SUPER));
          }
      }

  QRcode_free (qr);
  return TRUE;
}

/* One pass of a 1-D kernel along rows or columns. */
static void
convolve (OnbGreyImage *frame,
          const double *kernel,
          int           radius,
          gboolean      vertical)
{
  guint len = vertical ? frame->height : frame->width;
  guint lines = vertical ? frame->width : frame->height;
  gsize step = vertical ? frame->width : 1, line_step = vertical ? 1 : frame->width;
  g_autofree double *line = g_new (double, len);

  for (guint l = 0; l < lines; l++)
    {
      guint8 *p = frame->data + l * line_step;

      for (guint i = 0; i < len; i++)
        line[i] = p[i * step];
      for (guint i = 0; i < len; i++)
        {
          double sum = 0;

          for (int k = -radius; k <= radius; k++)
            sum += kernel[k + radius] * line[CLAMP ((int) i + k, 0, (int) len - 1)];
          p[i * step] = (guint8) CLAMP (lround (sum), 0, 255);
        }
    }
}

void
synth_blur (OnbGreyImage *frame,
            double        sigma)
{
  int radius = (int) ceil (3 * sigma);
  g_autofree double *kernel = NULL;
  double sum = 0;

  if (sigma <= 0)
    return;
  kernel = g_new (double, 2 * radius + 1);
  for (int k = -radius; k <= radius; k++)
    sum += kernel[k + radius] = exp (-k * k / (2 * sigma * sigma));
  for (int k = 0; k <= 2 * radius; k++)
    kernel[k] /= sum;
  convolve (frame, kernel, radius, FALSE);
  convolve (frame, kernel, radius, TRUE);
}

void
synth_motion_blur (OnbGreyImage *frame,
                   double        length,
                   gboolean      vertical)
{
  /* A box of @length pixels, its fractional ends weighted. */
  int radius = (int) ceil ((length - 1) / 2);
  g_autofree double *kernel = g_new0 (double, 2 * radius + 1);
  double sum = 0;

  if (length <= 1)
    return;
  for (int k = -radius; k <= radius; k++)
    sum += kernel[k + radius] = MIN (1.0, (length + 1) / 2 - fabs ((double) k));
  for (int k = 0; k <= 2 * radius; k++)
    kernel[k] /= sum;
  convolve (frame, kernel, radius, vertical);
}

void
synth_noise (OnbGreyImage *frame,
             double        sigma,
             GRand        *rand)
{
  gsize size = (gsize) frame->width * frame->height;

  for (gsize i = 0; i < size; i += 2)
    {
      /* Box-Muller: two normal deviates per draw. */
      double r = sqrt (-2 * log (1 - g_rand_double (rand))), t = 2 * G_PI * g_rand_double (rand);

      frame->data[i] = (guint8) CLAMP (lround (frame->data[i] + sigma * r * cos (t)), 0, 255);
      if (i + 1 < size)
        frame->data[i + 1] = (guint8) CLAMP (lround (frame->data[i + 1] + sigma * r * sin (t)), 0, 255);
    }
}

void
synth_levels (OnbGreyImage *frame,
              guint8        lo,
              guint8        hi)
{
  gsize size = (gsize) frame->width * frame->height;

  for (gsize i = 0; i < size; i++)
    frame->data[i] = (guint8) (lo + (frame->data[i] * (hi - lo) + 127) / 255);
}

void
synth_glare (OnbGreyImage *frame,
             double        cx,
             double        cy,
             double        radius,
             double        strength)
{
  int r = (int) ceil (3 * radius);

  for (int y = MAX (0, (int) cy - r); y < MIN ((int) frame->height, (int) cy + r); y++)
    for (int x = MAX (0, (int) cx - r); x < MIN ((int) frame->width, (int) cx + r); x++)
      {
        double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        guint8 *p = frame->data + (gsize) y * frame->width + x;

        *p = (guint8) MIN (255, lround (*p + strength * exp (-d2 / (2 * radius * radius))));
      }
}

char *
synth_payload (guint index)
{
  guint32 h = index * 2654435761u;

  return g_strdup_printf ("LW:D0:70B3D57ED0000010:0018B2%010X:000AF8BE:S2611A%04u:C%04X",
                          index + 0x100, index % 10000, h >> 16);
}
