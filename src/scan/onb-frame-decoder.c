/* onb-frame-decoder.c: zbar on one 8-bit luma frame
 *
 * zbar as it comes scans every line of the whole frame, both ways, for
 * every symbology: about 35 ms per 1280×720 frame on a small machine, 85 %
 * of it in zbar's per-pixel line scanner. So the cost is the pixels handed
 * to zbar, and what this does, chosen with bench/scan (bench/scan/README.md):
 *  - QR only, binary payloads (no charset guessing: payloads are bytes);
 *  - every frame: QR finder patterns are looked for along every other row
 *    (onb-qr-finder.c, a few instructions per pixel), and only the regions
 *    they point at go to zbar, prepared for what is wrong with them
 *    (onb-region-prep.c): enlarged when the modules are too small for
 *    zbar's line scanner, rectified from the finders when the label is at
 *    an angle, sharpened when the finders' edges are soft; and when
 *    that reads nothing, redrawn clean (rectified at 6 px per module and
 *    binarised against its surroundings: noise and JPEG blocks; a blur
 *    of half a module undone first when the finders are soft);
 *  - still images: that, then every coarse pass on the one frame
 *    (2×2-averaged and full resolution, normal and inverted);
 *  - live video: one coarse pass per frame (skipped on most frames while
 *    the finders read what is in view), alternating a 2×2-averaged frame
 *    with one full-resolution tile of a 2×2 sweep, normal and inverted
 *    (light-on-dark) in turn, and the whole frame once in a while, for
 *    what the finders miss;
 *  - live video: a hit of a coarse pass is confirmed on the next frames by
 *    re-reading a region around it at full resolution (the pass that found
 *    it again when that misses), which is what makes 2 agreeing frames cheap.
 */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <math.h>
#include <string.h>
#include <zbar.h>

#include "onb-frame-decoder-private.h"
#include "onb-qr-finder.h"
#include "onb-region-prep.h"

/* How long (in frames) a region of interest is kept after its last hit. */
#define ROI_FRAMES   8
#define MAX_ROIS     4

/* Finder-pattern search: every other row, the best few candidates. */
#define FINDER_ROW_STEP  2
#define MAX_CANDIDATES   3

/* A clean symbol for zbar: resampled at this many pixels per module (so
 * its edges fall between pixels where they are, not where the camera's
 * grid put them), deblurred when the finders are soft, then binarised. */
#define CLEAN_PX_PER_MODULE  6
/* Finders this soft: a blur of about half a module, undone on the clean
 * symbol before it is binarised (a Gaussian is what lenses do). */
#define BLURRED_SOFTNESS     0.25
#define BLUR_MODULES         0.45
#define DEBLUR_ITERATIONS    5

/* A coarse pass: the half-resolution frame, one full-resolution tile, or
 * (tile == WHOLE_FRAME) the full-resolution frame. */
typedef struct
{
  gboolean half;
  guint tile;
  gboolean inverted;
} Pass;

#define WHOLE_FRAME G_MAXUINT

typedef struct
{
  guint x0, y0, x1, y1;
  Pass origin;           /* the pass that found the code */
  guint age;
} Roi;

struct _OnbFrameDecoder
{
  zbar_image_scanner_t *zbar;
  gboolean live;
  OnbDecodeStrategy strategy;
  guint64 frame;
  guint64 half_step;
  guint64 fine_step;
  guint64 busy_step;     /* frames with a code already read before the coarse pass */
  guint8 *scratch;       /* cropped / inverted copies */
  gsize scratch_size;
  guint8 *scratch2;      /* the downscaled frame */
  gsize scratch2_size;
  Roi rois[MAX_ROIS];
  guint n_rois;
  double clean_box[4];   /* live: where the clean symbol last read a code... */
  guint clean_age;       /* ...frames ago (ROI_FRAMES or more: none) */
  Pass retry;            /* run instead of the next coarse pass... */
  gboolean has_retry;    /* ...when a region of interest missed */
};

static const OnbDecodeStrategy default_strategy = {
  .full_density = 1,
  .half_density = 1,
  .tiles_x = 2,
  .tiles_y = 2,
  .tile_overlap = 192,
  .whole_density = 1,
  .inverted = TRUE,
  .roi = TRUE,
  .candidates = TRUE,
};

void
onb_decoded_symbol_free (OnbDecodedSymbol *symbol)
{
  g_bytes_unref (symbol->payload);
  g_free (symbol);
}

OnbFrameDecoder *
onb_frame_decoder_new (gboolean live)
{
  OnbFrameDecoder *self = g_new0 (OnbFrameDecoder, 1);

  self->zbar = zbar_image_scanner_create ();
  self->live = live;
  zbar_image_scanner_set_config (self->zbar, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config (self->zbar, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
  zbar_image_scanner_set_config (self->zbar, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
  onb_frame_decoder_set_strategy (self, &default_strategy);

  return self;
}

void
onb_frame_decoder_free (OnbFrameDecoder *self)
{
  zbar_image_scanner_destroy (self->zbar);
  g_free (self->scratch);
  g_free (self->scratch2);
  g_free (self);
}

void
onb_frame_decoder_set_strategy (OnbFrameDecoder         *self,
                                const OnbDecodeStrategy *strategy)
{
  self->strategy = *strategy;
  self->strategy.full_density = MIN (strategy->full_density, 8);
  self->strategy.half_density = MIN (strategy->half_density, 8);
  self->strategy.whole_density = MIN (strategy->whole_density, 8);
  self->strategy.tiles_x = CLAMP (strategy->tiles_x, 1, 8);
  self->strategy.tiles_y = CLAMP (strategy->tiles_y, 1, 8);
  if (self->strategy.full_density == 0 && self->strategy.half_density == 0)
    self->strategy.full_density = 1;
  self->n_rois = 0;
  self->clean_age = ROI_FRAMES;
  self->has_retry = FALSE;
  self->frame = self->half_step = self->fine_step = self->busy_step = 0;
}

void
onb_frame_decoder_get_strategy (OnbFrameDecoder   *self,
                                OnbDecodeStrategy *strategy)
{
  *strategy = self->strategy;
}

static guint8 *
ensure_buffer (guint8 **buffer,
               gsize   *size,
               gsize    needed)
{
  if (*size < needed)
    {
      g_free (*buffer);
      *buffer = g_malloc (needed);
      *size = needed;
    }
  return *buffer;
}

static void
add_symbol (GPtrArray           *found,
            const zbar_symbol_t *symbol,
            const OnbHomography *to_frame)
{
  const char *data = zbar_symbol_get_data (symbol);
  guint length = zbar_symbol_get_data_length (symbol);
  OnbDecodedSymbol *decoded;
  guint n;

  for (guint i = 0; i < found->len; i++)
    {
      OnbDecodedSymbol *other = g_ptr_array_index (found, i);
      gsize other_length;
      const char *other_data = g_bytes_get_data (other->payload, &other_length);

      if (other_length == length && memcmp (other_data, data, length) == 0)
        return;
    }

  decoded = g_new0 (OnbDecodedSymbol, 1);
  decoded->payload = g_bytes_new (data, length);
  n = MIN (zbar_symbol_get_loc_size (symbol), G_N_ELEMENTS (decoded->corners));
  for (guint i = 0; i < n; i++)
    {
      /* zbar gives pixel indices; +0.5 maps one to its pixel's centre. */
      onb_homography_apply (to_frame, zbar_symbol_get_loc_x (symbol, i) + 0.5, zbar_symbol_get_loc_y (symbol, i) + 0.5,
                            &decoded->corners[i].x, &decoded->corners[i].y);
    }
  decoded->n_corners = n;
  g_ptr_array_add (found, decoded);
}

/* Scans a packed (stride == width) image into @found; @to_frame maps its
 * pixels to the frame's. */
static void
scan_image (OnbFrameDecoder     *self,
            const guint8        *data,
            guint                width,
            guint                height,
            guint                density,
            const OnbHomography *to_frame,
            GPtrArray           *found)
{
  zbar_image_t *image = zbar_image_create ();

  zbar_image_scanner_set_config (self->zbar, ZBAR_NONE, ZBAR_CFG_X_DENSITY, density);
  zbar_image_scanner_set_config (self->zbar, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, density);
  zbar_image_set_format (image, zbar_fourcc ('Y', '8', '0', '0'));
  zbar_image_set_size (image, width, height);
  zbar_image_set_data (image, data, (unsigned long) width * height, NULL);

  if (zbar_scan_image (self->zbar, image) > 0)
    for (const zbar_symbol_t *s = zbar_image_first_symbol (image); s != NULL; s = zbar_symbol_next (s))
      if (zbar_symbol_get_type (s) == ZBAR_QRCODE)
        add_symbol (found, s, to_frame);

  zbar_image_destroy (image);
}

static void
scan_plane (OnbFrameDecoder *self,
            const guint8    *data,
            guint            width,
            guint            height,
            guint            density,
            double           scale,
            double           dx,
            double           dy,
            GPtrArray       *found)
{
  OnbHomography to_frame = { { scale, 0, dx, 0, scale, dy, 0, 0, 1 } };

  scan_image (self, data, width, height, density, &to_frame, found);
}

/* Scans a window of the frame at full resolution, inverted if asked. */
static void
scan_region (OnbFrameDecoder *self,
             const guint8    *luma,
             gsize            stride,
             guint            x0,
             guint            y0,
             guint            width,
             guint            height,
             gboolean         inverted,
             guint            density,
             GPtrArray       *found)
{
  const guint8 *plane = luma + y0 * stride + x0;

  if (inverted || stride != width)
    {
      guint8 *out = ensure_buffer (&self->scratch, &self->scratch_size, (gsize) width * height);

      for (guint y = 0; y < height; y++)
        {
          const guint8 *row = luma + (y0 + y) * stride + x0;
          guint8 *dst = out + (gsize) y * width;

          if (inverted)
            for (guint x = 0; x < width; x++)
              dst[x] = 255 - row[x];
          else
            memcpy (dst, row, width);
        }
      plane = out;
    }

  scan_plane (self, plane, width, height, density, 1.0, x0, y0, found);
}

/* Scans the frame averaged over 2×2 blocks: a quarter of the pixels, and
 * as good as the full frame for codes whose modules span 3 pixels or more. */
static void
scan_half (OnbFrameDecoder *self,
           const guint8    *luma,
           gsize            stride,
           guint            width,
           guint            height,
           gboolean         inverted,
           GPtrArray       *found)
{
  guint w = width / 2, h = height / 2;
  guint8 *out = ensure_buffer (&self->scratch2, &self->scratch2_size, (gsize) w * h);
  guint8 flip = inverted ? 255 : 0;

  for (guint y = 0; y < h; y++)
    {
      const guint8 *a = luma + (gsize) (2 * y) * stride;
      const guint8 *b = a + stride;
      guint8 *dst = out + (gsize) y * w;

      for (guint x = 0; x < w; x++)
        dst[x] = flip ^ (guint8) ((a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1] + 2) >> 2);
    }

  scan_plane (self, out, w, h, self->strategy.half_density, 2.0, 0, 0, found);
}

/* One tile of the full-resolution sweep, overlapping its neighbours so a
 * small code on a border is whole in one of them. */
static void
scan_tile (OnbFrameDecoder *self,
           const guint8    *luma,
           gsize            stride,
           guint            width,
           guint            height,
           guint            index,
           gboolean         inverted,
           GPtrArray       *found)
{
  guint tx = index % self->strategy.tiles_x, ty = index / self->strategy.tiles_x;
  guint bw = (width + self->strategy.tiles_x - 1) / self->strategy.tiles_x;
  guint bh = (height + self->strategy.tiles_y - 1) / self->strategy.tiles_y;
  guint half = self->strategy.tile_overlap / 2;
  guint x0 = tx * bw > half ? tx * bw - half : 0;
  guint y0 = ty * bh > half ? ty * bh - half : 0;
  guint x1 = MIN (width, (tx + 1) * bw + half);
  guint y1 = MIN (height, (ty + 1) * bh + half);

  scan_region (self, luma, stride, x0, y0, x1 - x0, y1 - y0, inverted, self->strategy.full_density, found);
}

static void
remember_roi (OnbFrameDecoder        *self,
              const OnbDecodedSymbol *symbol,
              const Pass             *origin,
              guint                   width,
              guint                   height)
{
  double minx = G_MAXDOUBLE, miny = G_MAXDOUBLE, maxx = 0, maxy = 0, margin;
  Roi roi;

  if (symbol->n_corners == 0)
    return;

  for (guint i = 0; i < symbol->n_corners; i++)
    {
      minx = MIN (minx, symbol->corners[i].x);
      miny = MIN (miny, symbol->corners[i].y);
      maxx = MAX (maxx, symbol->corners[i].x);
      maxy = MAX (maxy, symbol->corners[i].y);
    }

  /* Room for the quiet zone and for the box moving between two scans. */
  margin = MAX (maxx - minx, maxy - miny) * 0.75 + 16;
  roi.x0 = (guint) CLAMP (minx - margin, 0, width);
  roi.y0 = (guint) CLAMP (miny - margin, 0, height);
  roi.x1 = (guint) CLAMP (maxx + margin, 0, width);
  roi.y1 = (guint) CLAMP (maxy + margin, 0, height);
  roi.origin = *origin;
  roi.age = 0;

  if (roi.x1 - roi.x0 < 32 || roi.y1 - roi.y0 < 32)
    return;

  if (self->n_rois < MAX_ROIS)
    self->rois[self->n_rois++] = roi;
  else
    self->rois[MAX_ROIS - 1] = roi;
}

/* Whether a code in @found has a corner in the box. */
static gboolean
symbol_in_box (GPtrArray *found,
               double     x0,
               double     y0,
               double     x1,
               double     y1)
{
  for (guint i = 0; i < found->len; i++)
    {
      OnbDecodedSymbol *symbol = g_ptr_array_index (found, i);

      for (guint k = 0; k < symbol->n_corners; k++)
        if (symbol->corners[k].x >= x0 && symbol->corners[k].x <= x1 &&
            symbol->corners[k].y >= y0 && symbol->corners[k].y <= y1)
          return TRUE;
    }
  return FALSE;
}

/* Live: re-reads the codes seen lately where they were, at full resolution. */
static void
scan_rois (OnbFrameDecoder *self,
           const guint8    *luma,
           guint            width,
           guint            height,
           gsize            stride,
           GPtrArray       *found)
{
  Roi old[MAX_ROIS];
  guint n_old = self->n_rois;

  memcpy (old, self->rois, sizeof old);
  self->n_rois = 0;

  for (guint i = 0; i < n_old; i++)
    {
      Roi *roi = &old[i];
      guint before = found->len;

      /* Read again already, through its finders: nothing to confirm. */
      if (symbol_in_box (found, roi->x0, roi->y0, roi->x1, roi->y1))
        {
          roi->age = 0;
          self->rois[self->n_rois++] = *roi;
          continue;
        }
      scan_region (self, luma, stride, roi->x0, roi->y0, roi->x1 - roi->x0, roi->y1 - roi->y0,
                   roi->origin.inverted, 1, found);
      for (guint j = before; j < found->len; j++)
        remember_roi (self, g_ptr_array_index (found, j), &roi->origin, width, height);
      if (found->len > before)
        continue;

      /* zbar does not always read a code again from a tighter crop: give
       * the pass that found it another go, then keep looking a little
       * while (one blurred frame is not a departure). */
      if (roi->age == 0)
        {
          self->retry = roi->origin;
          self->has_retry = TRUE;
        }
      if (++roi->age < ROI_FRAMES && self->n_rois < MAX_ROIS)
        self->rois[self->n_rois++] = *roi;
    }
}

/* A label at an angle: legs of unequal length or not square, or turned
 * well away from the rows (zbar misses some codes turned by 40°). */
static gboolean
is_tilted (const OnbQrCandidate *candidate)
{
  const OnbQrFinder *f = candidate->finders;
  double ax = f[1].x - f[0].x, ay = f[1].y - f[0].y, bx = f[2].x - f[0].x, by = f[2].y - f[0].y;
  double la = hypot (ax, ay), lb = hypot (bx, by);
  double turn = fmod (atan2 (ay, ax) * 180 / G_PI + 360, 90);

  return candidate->n_finders == 3 &&
         (MAX (la, lb) > 1.12 * MIN (la, lb) || fabs (ax * bx + ay * by) > 0.15 * la * lb ||
          MAX (MAX (f[0].module, f[1].module), f[2].module) > 1.25 * candidate->module ||
          (turn > 15 && turn < 75));
}

static double
softness_of (const OnbQrCandidate *candidate)
{
  double softness = 0;

  for (guint i = 0; i < candidate->n_finders; i++)
    softness += candidate->finders[i].softness / candidate->n_finders;
  return softness;
}

/* The region of a candidate, prepared for what is wrong with it. */
static OnbPreparedRegion *
prepare_candidate (OnbFrameDecoder      *self,
                   const guint8         *luma,
                   guint                 width,
                   guint                 height,
                   gsize                 stride,
                   const OnbQrCandidate *candidate)
{
  OnbPrepSteps skip = self->strategy.skip_prep;
  OnbPreparedRegion *region;
  double softness = softness_of (candidate);

  if (!(skip & ONB_PREP_RECTIFY) && is_tilted (candidate))
    region = onb_prep_rectify (luma, width, height, stride, candidate, 3);
  else
    {
      /* zbar reads 2-px modules but not 1.5: small ones get 3 px or more. */
      guint factor = skip & ONB_PREP_UPSCALE ? 1 : candidate->module < 1.75 ? 3 : candidate->module < 2.6 ? 2 : 1;
      guint x0 = (guint) candidate->x0, y0 = (guint) candidate->y0;
      guint x1 = MIN (width, (guint) ceil (candidate->x1)), y1 = MIN (height, (guint) ceil (candidate->y1));

      if (x1 < x0 + 16 || y1 < y0 + 16)
        return NULL;
      region = onb_prep_upscale (luma, width, height, stride, x0, y0, x1, y1, factor);
    }

  /* The finders' 1-module rings washed out: blur. */
  if (!(skip & ONB_PREP_SHARPEN) && softness > 0.2)
    onb_prep_sharpen (region->image, 1.0);
  return region;
}

static void
invert_image (OnbGreyImage *image)
{
  for (gsize p = 0; p < (gsize) image->width * image->height; p++)
    image->data[p] = 255 - image->data[p];
}

/* Each finder crossed by two rows or more: a printed code's finders are,
 * noise's look-alikes rarely. */
static gboolean
is_strong (const OnbQrCandidate *candidate)
{
  for (guint i = 0; i < candidate->n_finders; i++)
    if (candidate->finders[i].hits < 2)
      return FALSE;
  return TRUE;
}

/* A candidate its prepared region did not read: noise, JPEG blocks or
 * blur break zbar's edge detector, so the code is redrawn clean. A
 * costlier region (6 px per module), so live only for strong finders. */
static void
scan_clean (OnbFrameDecoder      *self,
            const guint8         *luma,
            guint                 width,
            guint                 height,
            gsize                 stride,
            const OnbQrCandidate *candidate,
            GPtrArray            *found)
{
  OnbPrepSteps skip = self->strategy.skip_prep;
  g_autoptr(OnbPreparedRegion) region = NULL;
  const double *box = self->clean_box;
  guint before = found->len;

  /* Weak finders too where it read a code lately: a moving, blurred
   * label's finders are not crossed as often in every frame. */
  if (skip & ONB_PREP_BINARIZE || candidate->n_finders < 3 ||
      (self->live && !is_strong (candidate) &&
       (self->clean_age >= ROI_FRAMES || candidate->x1 < box[0] || candidate->x0 > box[2] ||
        candidate->y1 < box[1] || candidate->y0 > box[3])))
    return;
  region = onb_prep_rectify (luma, width, height, stride, candidate, CLEAN_PX_PER_MODULE);
  if (candidate->inverted)
    invert_image (region->image);
  if (!(skip & ONB_PREP_DEBLUR) && softness_of (candidate) > BLURRED_SOFTNESS)
    onb_prep_deblur (region->image, BLUR_MODULES * CLEAN_PX_PER_MODULE, DEBLUR_ITERATIONS);
  onb_prep_binarize (region->image, CLEAN_PX_PER_MODULE);
  scan_image (self, region->image->data, region->image->width, region->image->height, 1, &region->to_frame, found);
  if (found->len > before)
    {
      self->clean_box[0] = candidate->x0;
      self->clean_box[1] = candidate->y0;
      self->clean_box[2] = candidate->x1;
      self->clean_box[3] = candidate->y1;
      self->clean_age = 0;
    }
}

/* Finder patterns located cheaply, then only their regions handed to
 * zbar, each prepared for what is wrong with it. */
static void
scan_candidates (OnbFrameDecoder *self,
                 const guint8    *luma,
                 guint            width,
                 guint            height,
                 gsize            stride,
                 GPtrArray       *found)
{
  g_autoptr(GArray) candidates = onb_qr_find_candidates (luma, width, height, stride, FINDER_ROW_STEP, MAX_CANDIDATES);

  for (guint i = 0; i < candidates->len; i++)
    {
      const OnbQrCandidate *candidate = &g_array_index (candidates, OnbQrCandidate, i);
      g_autoptr(OnbPreparedRegion) region = NULL;
      OnbGreyImage *image;
      guint before;

      if (symbol_in_box (found, candidate->x0, candidate->y0, candidate->x1, candidate->y1))
        continue;
      region = prepare_candidate (self, luma, width, height, stride, candidate);
      if (region == NULL)
        continue;
      image = region->image;
      if (candidate->inverted)
        invert_image (image);
      before = found->len;
      scan_image (self, image->data, image->width, image->height, 1, &region->to_frame, found);
      if (found->len == before)
        scan_clean (self, luma, width, height, stride, candidate, found);
    }
}

/* Still images: every line. Live: the sweep's density, or without tiles
 * the full-resolution one. */
static guint
whole_density (OnbFrameDecoder *self)
{
  const OnbDecodeStrategy *st = &self->strategy;

  if (!self->live)
    return 1;
  if (st->tiles_x * st->tiles_y > 1 && st->whole_density > 0)
    return st->whole_density;
  return MAX (st->full_density, 1);
}

static void
run_pass (OnbFrameDecoder *self,
          const Pass      *pass,
          const guint8    *luma,
          guint            width,
          guint            height,
          gsize            stride,
          GPtrArray       *found)
{
  guint before = found->len;

  if (pass->half)
    scan_half (self, luma, stride, width, height, pass->inverted, found);
  else if (pass->tile != WHOLE_FRAME)
    scan_tile (self, luma, stride, width, height, pass->tile, pass->inverted, found);
  else
    scan_region (self, luma, stride, 0, 0, width, height, pass->inverted, whole_density (self), found);

  if (self->live && self->strategy.roi)
    for (guint j = before; j < found->len; j++)
      remember_roi (self, g_ptr_array_index (found, j), pass, width, height);
}

GPtrArray *
onb_frame_decoder_decode (OnbFrameDecoder *self,
                          const guint8    *luma,
                          guint            width,
                          guint            height,
                          gsize            stride)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_decoded_symbol_free);
  const OnbDecodeStrategy *st = &self->strategy;
  Pass pass = { 0 };

  g_return_val_if_fail (luma != NULL && stride >= width, found);

  if (width < 16 || height < 16)
    return found;

  if (!self->live)
    {
      /* A still image gets everything: there is no next frame. */
      if (st->candidates)
        scan_candidates (self, luma, width, height, stride, found);
      pass.tile = WHOLE_FRAME;
      for (guint inv = 0; inv <= (guint) st->inverted; inv++)
        {
          pass.inverted = inv;
          pass.half = TRUE;
          if (st->half_density > 0)
            run_pass (self, &pass, luma, width, height, stride, found);
          pass.half = FALSE;
          run_pass (self, &pass, luma, width, height, stride, found);
        }
      return found;
    }

  if (self->clean_age < ROI_FRAMES)
    self->clean_age++;
  if (st->candidates)
    scan_candidates (self, luma, width, height, stride, found);
  if (st->roi && self->n_rois > 0)
    scan_rois (self, luma, width, height, stride, found);

  /* The finders found what is in view: the coarse pass, the costly part,
   * only every eighth frame (for a code they miss next to it). */
  if (found->len > 0 && self->busy_step++ % 8 != 0)
    return found;

  /* One coarse pass per frame: the half-resolution frame and the
   * full-resolution tiles take turns, each alternating the polarity. */
  if (self->has_retry)
    {
      pass = self->retry;
      self->has_retry = FALSE;
    }
  else if (st->half_density > 0 && (st->full_density == 0 || self->frame % 2 == 0))
    {
      pass.half = TRUE;
      pass.inverted = st->inverted && self->half_step++ % 2 == 1;
    }
  else
    {
      /* Sweeps of the tiles, alternately normal and inverted; once every
       * four sweeps the whole frame instead, normal (zbar does not read
       * every code from every crop). Without tiles, the whole frame in
       * both polarities. */
      guint n_tiles = st->tiles_x * st->tiles_y;
      guint whole = n_tiles > 1 && st->whole_density > 0;
      guint cycle = n_tiles * (n_tiles > 1 ? 4 : 2) + whole;
      guint step = self->fine_step++ % cycle;
      guint k = step - (whole && step > n_tiles);

      if (whole && step == n_tiles)
        pass.tile = WHOLE_FRAME;
      else
        {
          pass.tile = n_tiles > 1 ? k % n_tiles : WHOLE_FRAME;
          pass.inverted = st->inverted && (k / n_tiles) % 2 == 1;
        }
    }
  run_pass (self, &pass, luma, width, height, stride, found);

  self->frame++;
  return found;
}
