/* bench-scan.c: Onboarder's frame decoder against plain zbar and zxing-cpp
 *
 *   bench-scan detect [--wasm READS] [CODES [CATEGORY]]
 *                                          reads per category, time to hit
 *   bench-scan cost [RUNS]                 wall time per frame
 *   bench-scan decode MODE CATEGORY N      decode one corpus frame N times,
 *                                          for callgrind (MODE: plain, zxing, live)
 *   bench-scan live SECONDS                the full pipeline at 1280×720 30 fps
 *   bench-scan dump DIR [CODES [CATEGORY]] the corpus as image files (PGM, or
 *                                          JPEG as sent), to look at and for
 *                                          zxing-wasm (zxing-wasm-peer.mjs)
 *
 * The corpus is drawn in memory (tests/scan/synth-frame.c), deterministic.
 * "plain" is zbar as it comes: zbar_scan_image() with its default
 * configuration on the whole frame. "zxing" is zxing-cpp's ReadBarcodes,
 * QR only, its defaults, and once more on the inverted frame when that
 * found nothing. "zxing3" is zxing-cpp 3 as zxing-wasm, run by node on the
 * dumped frames (zxing-wasm-peer.mjs, run.sh), its reads handed in. "still" and "live" are OnbFrameDecoder as OnbScanner uses
 * it for images and for video: live, a source shows the empty scene for a
 * few frames, then the label (still, or moving a few pixels per frame);
 * a code is accepted, as OnbScanner does, when 2 frames agree.
 */

#define G_LOG_DOMAIN "onb-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zbar.h>

#include "onb-frame-decoder-private.h"
#include "onb-scanner.h"
#include "synth-frame.h"
#ifdef HAVE_ZXING
#include "zxing-peer.h"
#endif
#ifdef HAVE_JPEG
#include "jpeg-frame.h"
#endif

#define LIVE_FRAMES  30   /* 1 s of 30 fps video with the label */
#define CODES        50   /* per category */

typedef struct
{
  const char *name;
  guint width, height;
  double module_min, module_max;
  guint n_labels;
  double blur;            /* Gaussian σ, in modules */
  gboolean motion;        /* motion blur of 1–2 modules along x or y */
  gboolean rotate;
  double far_edge;        /* perspective: far edge / near edge */
  gboolean low_contrast;
  gboolean dim;           /* the scene in 64 grey levels, with noise */
  double noise;           /* Gaussian noise σ up to this, grey levels */
  gboolean glare;
  gboolean inverted;
  gboolean upright;       /* angle 0 (else ±3°, or what rotate/turn say) */
  double turn;            /* angle drawn within ±turn degrees */
  guint8 levels_lo;       /* the scene mapped onto lo..hi (hi 0: not) */
  guint8 levels_hi;
  double noise_sigma;     /* Gaussian noise of exactly this σ */
  int jpeg_quality;       /* each frame through JPEG at this quality (0: none) */
  double contrast;        /* the label printed at this fraction of black on white (0: 1) */
} Spec;

static const Spec specs[] = {
  { "module-1.25", 1280, 720, 1.25, 1.25, 1 },
  { "module-1.5", 1280, 720, 1.5, 1.5, 1 },
  { "module-2", 1280, 720, 2, 2, 1 },
  { "module-3", 1280, 720, 3, 3, 1 },
  { "blur-0.4", 1280, 720, 2.5, 4, 1, .blur = 0.4 },
  { "blur-0.5", 1280, 720, 2.5, 4, 1, .blur = 0.5 },
  { "blur-0.6", 1280, 720, 2.5, 4, 1, .blur = 0.6 },
  { "motion", 1280, 720, 2.5, 4, 1, .motion = TRUE },
  { "rotation", 1280, 720, 2.5, 4, 1, .rotate = TRUE },
  { "perspective-66", 1280, 720, 3, 4, 1, .far_edge = 0.66 },
  { "perspective-50", 1280, 720, 3, 4, 1, .far_edge = 0.5 },
  { "low-contrast", 1280, 720, 2.5, 4, 1, .low_contrast = TRUE },
  { "dim", 1280, 720, 2.5, 4, 1, .dim = TRUE },
  { "noise", 1280, 720, 2.5, 4, 1, .noise = 16 },
  { "glare", 1280, 720, 2.5, 4, 1, .glare = TRUE },
  { "inverted", 1280, 720, 2, 5, 1, .inverted = TRUE },
  { "scene-720p", 1280, 720, 2.5, 6, 1 },
  { "scene-1080p", 1920, 1080, 3, 8, 1 },
  { "two-codes", 1280, 720, 3, 5, 2 },
  /* A small code on a big box held far away, a hand that moves, a cheap
   * camera: a clean label scaled down to 1.5 px per module; blur of half
   * a module (σ 3 px at 6 px per module); a rough JPEG frame (3 px per
   * module, up to ±25°, blur 0.27 module, 153 grey levels, noise σ 7.5,
   * quality 75); and a harder one: blur a third of a module, the label's
   * own contrast cut to 60 % as well, quality 60. */
  { "scaled-1.5", 1280, 720, 1.5, 1.5, 1, .upright = TRUE },
  { "blur-half", 1280, 720, 6, 6, 1, .blur = 0.5, .upright = TRUE },
  { "jpeg-rough", 1280, 720, 3, 3, 1, .blur = 0.27, .turn = 25, .levels_lo = 51, .levels_hi = 204,
    .noise_sigma = 7.5, .jpeg_quality = 75 },
  { "hard", 1280, 720, 3, 3, 1, .blur = 1 / 3.0, .turn = 25, .levels_lo = 51, .levels_hi = 204,
    .noise_sigma = 7.5, .jpeg_quality = 60, .contrast = 0.6 },
  { "empty-720p", 1280, 720, 0, 0, 0 },
  { "empty-1080p", 1920, 1080, 0, 0, 0 },
};

/* One code of a category: its labels, what is done to them, the scene. */
typedef struct
{
  const Spec *spec;
  guint index;
  SynthLabel labels[2];
  char *payloads[3];      /* NULL-terminated */
  double extent;          /* half the bounding box of the largest label */
  double blur, motion, noise, glare_strength, vx, vy;
  gboolean vertical;
  guint32 seed;
  OnbGreyImage *clean;    /* the scene before what the camera does */
  OnbGreyImage *seen;     /* the scene as the camera sees it, no label */
  OnbGreyImage *empty;    /* the same as it arrives (through JPEG if the category says) */
} Sample;

static void
apply_camera (const Sample *sample,
              OnbGreyImage *image,
              guint32       seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  synth_blur (image, sample->blur);
  if (sample->motion > 0)
    synth_motion_blur (image, sample->motion, sample->vertical);
  if (sample->spec->dim)
    {
      synth_levels (image, 0, 63);
      synth_noise (image, 2, rand);
    }
  if (sample->spec->levels_hi > 0)
    synth_levels (image, sample->spec->levels_lo, sample->spec->levels_hi);
  if (sample->noise > 0)
    synth_noise (image, sample->noise, rand);
}

#ifdef HAVE_JPEG
#define HAVE_JPEG_CATEGORIES TRUE
#else
#define HAVE_JPEG_CATEGORIES FALSE
#endif

/* What the camera sends: @frame through JPEG when the category says so
 * (replaced by the decoded image). Returns: the file, or NULL. */
static GBytes *
encode_frame (const Sample *sample,
              OnbGreyImage *frame)
{
#ifdef HAVE_JPEG
  if (sample->spec->jpeg_quality > 0)
    return jpeg_frame_round_trip (frame, sample->spec->jpeg_quality);
#endif
  return NULL;
}

static void
sample_init (Sample     *sample,
             const Spec *spec,
             guint       index)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_str_hash (spec->name) * 31 + index);
  double module = spec->module_min;
  static const double angles[] = { -40, -25, -12, 12, 25, 40, 90, 180 };

  memset (sample, 0, sizeof *sample);
  sample->spec = spec;
  sample->index = index;
  sample->seed = g_rand_int (rand);
  sample->clean = synth_scene (spec->width, spec->height, 20261126 + index % 4 + spec->width);

  for (guint k = 0; k < spec->n_labels; k++)
    {
      SynthLabel *label = &sample->labels[k];
      double speed = g_rand_double_range (rand, 2, 4), heading = g_rand_double_range (rand, 0, 2 * G_PI);
      double side, extent, span = (double) spec->width / spec->n_labels, move = LIVE_FRAMES * speed;

      /* Modules in steps of 0.25 px, as a camera's distance varies. */
      module = round (g_rand_double_range (rand, spec->module_min, spec->module_max + 0.01) * 4) / 4;
      sample->payloads[k] = synth_payload ((guint) (spec - specs) * 1000 + index * 2 + k);
      label->payload = sample->payloads[k];
      label->module = module;
      label->far_edge = spec->far_edge;
      label->inverted = spec->inverted;
      if (spec->rotate)
        label->angle = angles[g_rand_int_range (rand, 0, G_N_ELEMENTS (angles))];
      else if (spec->turn > 0)
        label->angle = g_rand_double_range (rand, -spec->turn, spec->turn);
      else if (spec->upright)
        label->angle = 0;
      else if (spec->far_edge > 0)
        label->angle = g_rand_double_range (rand, -15, 15) + (g_rand_boolean (rand) ? 180 : 0);
      else
        label->angle = g_rand_double_range (rand, -3, 3);
      if (spec->low_contrast)
        {
          label->ink = 97;
          label->paper = 158;
        }
      else if (spec->contrast > 0)
        {
          label->ink = (guint8) lround (255 * (1 - spec->contrast) / 2);
          label->paper = (guint8) lround (255 * (1 + spec->contrast) / 2);
        }
      side = synth_label_side (label);
      extent = side * 0.72;
      sample->extent = MAX (sample->extent, extent);
      label->cx = k * span + g_rand_double_range (rand, MIN (extent + move, span / 2), MAX (span - extent - move, span / 2));
      label->cy = g_rand_double_range (rand, MIN (extent + move, spec->height / 2.0), MAX (spec->height - extent - move, spec->height / 2.0));
      sample->vx = speed * cos (heading);
      sample->vy = speed * sin (heading);
    }

  sample->blur = spec->blur * module;
  if (spec->motion)
    {
      sample->motion = module * g_rand_double_range (rand, 1, 2);
      sample->vertical = g_rand_boolean (rand);
    }
  if (spec->noise > 0)
    sample->noise = g_rand_double_range (rand, spec->noise / 2, spec->noise);
  if (spec->noise_sigma > 0)
    sample->noise = spec->noise_sigma;
  if (spec->glare)
    sample->glare_strength = g_rand_double_range (rand, 150, 255);

  sample->seen = onb_grey_image_crop (sample->clean->data, sample->clean->width, 0, 0, spec->width, spec->height);
  apply_camera (sample, sample->seen, sample->seed);
  sample->empty = onb_grey_image_crop (sample->seen->data, spec->width, 0, 0, spec->width, spec->height);
  g_bytes_unref (encode_frame (sample, sample->empty));
}

static void
sample_clear (Sample *sample)
{
  for (guint k = 0; k < G_N_ELEMENTS (sample->payloads); k++)
    g_free (sample->payloads[k]);
  g_clear_pointer (&sample->clean, onb_grey_image_free);
  g_clear_pointer (&sample->seen, onb_grey_image_free);
  g_clear_pointer (&sample->empty, onb_grey_image_free);
}

/* The frame @t frames after the label appeared (moved by @t steps): only
 * a window around the labels is drawn again. @file: (out) (optional): the
 * frame's JPEG file when the category has one. */
static OnbGreyImage *
sample_render_file (const Sample *sample,
                    guint         t,
                    GBytes      **file)
{
  const Spec *spec = sample->spec;
  OnbGreyImage *frame = onb_grey_image_crop (sample->seen->data, spec->width, 0, 0, spec->width, spec->height);
  double pad = 3 * MAX (sample->blur, sample->motion) + 8, minx = G_MAXDOUBLE, miny = G_MAXDOUBLE, maxx = 0, maxy = 0;
  guint x0, y0, x1, y1, border = (guint) ceil (3 * MAX (sample->blur, sample->motion)) + 2;
  g_autoptr(OnbGreyImage) window = NULL;

  if (spec->n_labels == 0)
    {
      g_bytes_unref (encode_frame (sample, frame));
      return frame;
    }

  for (guint k = 0; k < spec->n_labels; k++)
    {
      double cx = sample->labels[k].cx + t * sample->vx, cy = sample->labels[k].cy + t * sample->vy;

      minx = MIN (minx, cx - sample->extent - pad);
      maxx = MAX (maxx, cx + sample->extent + pad);
      miny = MIN (miny, cy - sample->extent - pad);
      maxy = MAX (maxy, cy + sample->extent + pad);
    }
  x0 = (guint) CLAMP (minx, 0, spec->width);
  x1 = (guint) CLAMP (maxx, 0, spec->width);
  y0 = (guint) CLAMP (miny, 0, spec->height);
  y1 = (guint) CLAMP (maxy, 0, spec->height);
  window = onb_grey_image_crop (sample->clean->data, spec->width, x0, y0, x1 - x0, y1 - y0);

  for (guint k = 0; k < spec->n_labels; k++)
    {
      SynthLabel label = sample->labels[k];

      label.cx += t * sample->vx - x0;
      label.cy += t * sample->vy - y0;
      synth_draw_label (window, &label);
      if (sample->glare_strength > 0)
        {
          /* Over a part of the code, off its centre. */
          double side = synth_label_side (&label);
          double gx = label.cx + side * 0.2 * cos (sample->seed % 628 / 100.0);
          double gy = label.cy + side * 0.2 * sin (sample->seed % 628 / 100.0);

          synth_glare (window, gx, gy, side * 0.12, sample->glare_strength);
        }
    }
  apply_camera (sample, window, sample->seed + t + 1);

  /* The window's own edges saw no neighbours when blurred: keep its inside. */
  for (guint y = y0 + border; y + border < y1; y++)
    memcpy (frame->data + (gsize) y * spec->width + x0 + border,
            window->data + (gsize) (y - y0) * window->width + border,
            x1 - x0 > 2 * border ? x1 - x0 - 2 * border : 0);
  {
    GBytes *encoded = encode_frame (sample, frame);

    if (file != NULL)
      *file = encoded;
    else
      g_clear_pointer (&encoded, g_bytes_unref);
  }
  return frame;
}

static OnbGreyImage *
sample_render (const Sample *sample,
               guint         t)
{
  return sample_render_file (sample, t, NULL);
}

typedef GPtrArray *(*DecodeFunc) (gpointer decoder, const OnbGreyImage *frame);

static GPtrArray *
decode_plain (gpointer            decoder,
              const OnbGreyImage *frame)
{
  zbar_image_scanner_t *scanner = decoder;
  zbar_image_t *image = zbar_image_create ();
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  zbar_image_set_format (image, zbar_fourcc ('Y', '8', '0', '0'));
  zbar_image_set_size (image, frame->width, frame->height);
  zbar_image_set_data (image, frame->data, (unsigned long) frame->width * frame->height, NULL);
  zbar_scan_image (scanner, image);
  for (const zbar_symbol_t *s = zbar_image_first_symbol (image); s != NULL; s = zbar_symbol_next (s))
    g_ptr_array_add (found, g_bytes_new (zbar_symbol_get_data (s), zbar_symbol_get_data_length (s)));
  zbar_image_destroy (image);

  return found;
}

static GPtrArray *
decode_ours (gpointer            decoder,
             const OnbGreyImage *frame)
{
  g_autoptr(GPtrArray) symbols = onb_frame_decoder_decode (decoder, frame->data, frame->width,
                                                           frame->height, frame->width);
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < symbols->len; i++)
    g_ptr_array_add (found, g_bytes_ref (((OnbDecodedSymbol *) g_ptr_array_index (symbols, i))->payload));
  return found;
}

static GPtrArray *
decode_zxing (gpointer            decoder,
              const OnbGreyImage *frame)
{
#ifdef HAVE_ZXING
  return zxing_peer_decode (frame->data, frame->width, frame->height, frame->width);
#else
  return g_ptr_array_new ();
#endif
}

#ifdef HAVE_ZXING
#define HAVE_PEER TRUE
#else
#define HAVE_PEER FALSE
#endif

/* Kept out of line so callgrind can count just this (--toggle-collect). */
G_GNUC_NO_INLINE GPtrArray *bench_decode (DecodeFunc func, gpointer decoder, const OnbGreyImage *frame);

G_GNUC_NO_INLINE GPtrArray *
bench_decode (DecodeFunc          func,
              gpointer            decoder,
              const OnbGreyImage *frame)
{
  return func (decoder, frame);
}

static int
payload_index (const Sample *sample,
               GBytes       *payload)
{
  gsize length;
  const char *data = g_bytes_get_data (payload, &length);

  for (guint k = 0; sample->payloads[k] != NULL; k++)
    if (length == strlen (sample->payloads[k]) && memcmp (data, sample->payloads[k], length) == 0)
      return k;
  return -1;
}

enum { PLAIN, ZXING, WASM, STILL, LIVE, MOVING, N_COLUMNS };
static const char *const column_names[] = { "plain", "zxing+inv", "zxing3", "ours-still", "ours-live", "moving" };

/* A frame's name in dumps and in zxing-wasm's reads: category-index. */
static char *
frame_name (const Spec *spec,
            guint       index)
{
  return g_strdup_printf ("%s-%02u", spec->name, index);
}

/* The JPEG categories need libjpeg at build time. */
static gboolean
spec_available (const Spec *spec)
{
  return spec->jpeg_quality == 0 || HAVE_JPEG_CATEGORIES;
}

/* zxing-wasm's reads, written by zxing-wasm-peer.mjs: a line per frame,
 * its name and the payloads read in hex, separated by spaces.
 * Returns: (element-type utf8 GPtrArray): frame name -> payloads (GBytes). */
static GHashTable *
load_wasm_reads (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *reads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);

  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      g_printerr ("zxing-wasm's reads not loaded: %s\n", error->message);
      exit (2);
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);
      GPtrArray *payloads;

      if (fields[0] == NULL || fields[0][0] == '\0')
        continue;
      payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      for (guint k = 1; fields[k] != NULL; k++)
        {
          gsize n = strlen (fields[k]) / 2;
          guint8 *bytes = g_malloc (n);

          for (gsize b = 0; b < n; b++)
            bytes[b] = (guint8) (g_ascii_xdigit_value (fields[k][2 * b]) << 4 | g_ascii_xdigit_value (fields[k][2 * b + 1]));
          g_ptr_array_add (payloads, g_bytes_new_take (bytes, n));
        }
      g_hash_table_replace (reads, g_strdup (fields[0]), payloads);
    }
  return reads;
}

typedef struct
{
  guint codes;
  guint read[N_COLUMNS];
  guint wrong[N_COLUMNS];
  guint empty_reads;      /* live: reads on the empty scene before the label */
  GArray *hit[2];         /* frames to the accepted hit: still, moving */
} Tally;

static void
count_reads (Tally        *tally,
             guint         column,
             const Sample *sample,
             GPtrArray    *found)
{
  gboolean seen[2] = { FALSE, FALSE };

  for (guint i = 0; i < found->len; i++)
    {
      int k = payload_index (sample, g_ptr_array_index (found, i));

      if (k < 0)
        tally->wrong[column]++;
      else
        seen[k] = TRUE;
    }
  tally->read[column] += seen[0] + seen[1];
}

/* A live source: the empty scene for 3–6 frames (so the label comes in at
 * every point of the decoder's cycle), then the label for LIVE_FRAMES. */
static void
run_live (Tally        *tally,
          const Sample *sample,
          gboolean      moving)
{
  g_autoptr(OnbFrameDecoder) decoder = onb_frame_decoder_new (TRUE);
  g_autoptr(OnbGreyImage) still = NULL;
  guint column = moving ? MOVING : LIVE, n_empty = 3 + sample->index % 4;
  guint sightings[2] = { 0, 0 }, accepted = 0;

  for (guint f = 0; f < n_empty; f++)
    {
      g_autoptr(GPtrArray) found = decode_ours (decoder, sample->empty);

      tally->empty_reads += found->len;
    }
  if (sample->spec->n_labels == 0)
    return;

  for (guint t = 0; t < LIVE_FRAMES && accepted < sample->spec->n_labels; t++)
    {
      g_autoptr(OnbGreyImage) moved = NULL;
      g_autoptr(GPtrArray) found = NULL;

      if (moving)
        moved = sample_render (sample, t);
      else if (still == NULL)
        still = sample_render (sample, 0);
      found = decode_ours (decoder, moving ? moved : still);

      for (guint i = 0; i < found->len; i++)
        {
          int k = payload_index (sample, g_ptr_array_index (found, i));

          if (k < 0)
            tally->wrong[column]++;
          else if (++sightings[k] == 2)
            {
              /* Frames with the label, this one included. */
              guint frames = t + 1;

              g_array_append_val (tally->hit[moving], frames);
              tally->read[column]++;
              accepted++;
            }
        }
    }
}

static int
compare_uints (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

static void
percentiles (GArray *hits,
             guint  *median,
             guint  *p95)
{
  *median = *p95 = 0;
  if (hits->len == 0)
    return;
  g_array_sort (hits, compare_uints);
  *median = g_array_index (hits, guint, (hits->len - 1) / 2);
  *p95 = g_array_index (hits, guint, MIN (hits->len - 1, (guint) ceil (hits->len * 0.95) - 1));
}

static int
cmd_detect (guint       codes,
            const char *only,
            GHashTable *wasm_reads)
{
  zbar_image_scanner_t *plain = zbar_image_scanner_create ();
  g_autoptr(OnbFrameDecoder) still = onb_frame_decoder_new (FALSE);
  Tally total = { 0 };
  int status = 0;

  printf ("Reads per category (codes read / codes; [wrong payloads]; live = accepted within %u frames)\n",
          LIVE_FRAMES);
  printf ("%-15s %5s", "category", "codes");
  for (guint c = 0; c < N_COLUMNS; c++)
    printf (" %10s", column_names[c]);
  printf (" %6s  %-13s %-13s %s\n", "empty", "hit still", "hit moving", "target");

  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      const Spec *spec = &specs[s];
      Tally tally = { 0 };
      guint best, still_med, still_p95, moving_med, moving_p95;
      gboolean met;

      if (only != NULL && !g_str_has_prefix (spec->name, only))
        continue;
      if (!spec_available (spec))
        {
          printf ("%-15s (not drawn: the benchmark was built without libjpeg; install libjpeg-dev)\n", spec->name);
          continue;
        }
      tally.hit[0] = g_array_new (FALSE, FALSE, sizeof (guint));
      tally.hit[1] = g_array_new (FALSE, FALSE, sizeof (guint));

      for (guint i = 0; i < codes; i++)
        {
          Sample sample;
          g_autoptr(OnbGreyImage) frame = NULL;

          sample_init (&sample, spec, i);
          frame = sample_render (&sample, 0);
          tally.codes += spec->n_labels;
          {
            g_autoptr(GPtrArray) a = decode_plain (plain, frame);
            g_autoptr(GPtrArray) b = decode_zxing (NULL, frame);
            g_autoptr(GPtrArray) c = decode_ours (still, frame);

            count_reads (&tally, PLAIN, &sample, a);
            count_reads (&tally, ZXING, &sample, b);
            count_reads (&tally, STILL, &sample, c);
          }
          if (wasm_reads != NULL)
            {
              g_autofree char *name = frame_name (spec, i);
              GPtrArray *d = g_hash_table_lookup (wasm_reads, name);

              if (d != NULL)
                count_reads (&tally, WASM, &sample, d);
            }
          run_live (&tally, &sample, FALSE);
          if (spec->n_labels > 0)
            run_live (&tally, &sample, TRUE);
          sample_clear (&sample);
        }

      percentiles (tally.hit[0], &still_med, &still_p95);
      percentiles (tally.hit[1], &moving_med, &moving_p95);
      best = MAX (MAX (tally.read[PLAIN], tally.read[ZXING]), tally.read[WASM]);
      met = tally.read[STILL] >= best && tally.read[LIVE] >= best && tally.empty_reads == 0;
      /* No wrong payload from ours (plain zbar's own are shown, not judged). */
      for (guint c = STILL; c < N_COLUMNS; c++)
        met = met && tally.wrong[c] == 0;
      /* Time to hit, in each motion case read at 90 % or more. */
      if (tally.codes > 0 && tally.read[LIVE] * 10 >= tally.codes * 9)
        met = met && still_med <= 3 && still_p95 <= 6;
      if (tally.codes > 0 && tally.read[MOVING] * 10 >= tally.codes * 9)
        met = met && moving_med <= 3 && moving_p95 <= 6;

      printf ("%-15s %5u", spec->name, tally.codes);
      for (guint c = 0; c < N_COLUMNS; c++)
        {
          g_autofree char *cell = (c == WASM && wasm_reads == NULL) ? g_strdup ("-")
                                  : tally.wrong[c] ? g_strdup_printf ("%u [%u]", tally.read[c], tally.wrong[c])
                                                   : g_strdup_printf ("%u", tally.read[c]);

          printf (" %10s", cell);
          total.read[c] += tally.read[c];
          total.wrong[c] += tally.wrong[c];
        }
      {
        g_autofree char *hs = g_strdup_printf ("%u / %u", still_med, still_p95);
        g_autofree char *hm = g_strdup_printf ("%u / %u", moving_med, moving_p95);

        printf (" %6u  %-13s %-13s %s\n", tally.empty_reads, hs, hm, met ? "met" : "NOT MET");
      }
      fflush (stdout);
      total.codes += tally.codes;
      total.empty_reads += tally.empty_reads;
      if (!met)
        status = 1;
      g_array_unref (tally.hit[0]);
      g_array_unref (tally.hit[1]);
    }

  printf ("%-15s %5u", "total", total.codes);
  for (guint c = 0; c < N_COLUMNS; c++)
    printf (" %10u", total.read[c]);
  printf (" %6u\n", total.empty_reads);
  printf ("(hit: frames with the label up to the accepted one, median / 95th percentile of the codes read;\n"
          " 2 is the least: the scanner accepts a code seen in 2 frames.%s%s)\n",
          HAVE_PEER ? "" : " zxing-cpp not found at build time: its column is empty.",
          wasm_reads != NULL ? "" : " No zxing-wasm reads given (--wasm FILE): its column is empty.");

  zbar_image_scanner_destroy (plain);
  return status;
}

static const Spec *
find_spec (const char *name)
{
  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    if (g_str_equal (specs[s].name, name))
      return &specs[s];
  return NULL;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
time_decoder (const char         *label,
              DecodeFunc          func,
              gpointer            decoder,
              const OnbGreyImage *frame,
              guint               runs)
{
  g_autofree double *ms = g_new (double, runs);
  double mean = 0;

  for (guint r = 0; r < runs; r++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GPtrArray) found = bench_decode (func, decoder, frame);

      ms[r] = (g_get_monotonic_time () - start) / 1000.0;
      mean += ms[r] / runs;
    }
  qsort (ms, runs, sizeof *ms, compare_doubles);
  printf ("  %-11s median %7.2f ms  mean %7.2f ms  max %7.2f ms\n", label, ms[runs / 2], mean, ms[runs - 1]);
}

static const char *const cost_frames[] = { "scene-720p", "empty-720p", "scene-1080p", "empty-1080p" };

static int
cmd_cost (guint runs)
{
  for (guint i = 0; i < G_N_ELEMENTS (cost_frames); i++)
    {
      zbar_image_scanner_t *plain = zbar_image_scanner_create ();
      g_autoptr(OnbFrameDecoder) live = onb_frame_decoder_new (TRUE);
      g_autoptr(OnbGreyImage) frame = NULL;
      Sample sample;

      sample_init (&sample, find_spec (cost_frames[i]), 0);
      frame = sample_render (&sample, 0);
      printf ("%s (%u×%u), %u runs:\n", cost_frames[i], frame->width, frame->height, runs);
      time_decoder ("plain zbar", decode_plain, plain, frame, runs);
      if (HAVE_PEER)
        time_decoder ("zxing+inv", decode_zxing, NULL, frame, runs);
      time_decoder ("ours-live", decode_ours, live, frame, runs);
      zbar_image_scanner_destroy (plain);
      sample_clear (&sample);
    }
  return 0;
}

static int
cmd_decode (const char *mode,
            const char *category,
            guint       n)
{
  const Spec *spec = find_spec (category);
  zbar_image_scanner_t *plain = NULL;
  OnbFrameDecoder *ours = NULL;
  g_autoptr(OnbGreyImage) frame = NULL;
  DecodeFunc func;
  gpointer decoder;
  guint hits = 0;
  Sample sample;

  if (spec == NULL)
    return 2;
  sample_init (&sample, spec, 0);
  frame = sample_render (&sample, 0);
  if (g_str_equal (mode, "plain"))
    {
      decoder = plain = zbar_image_scanner_create ();
      func = decode_plain;
    }
  else if (g_str_equal (mode, "zxing"))
    {
      decoder = NULL;
      func = decode_zxing;
    }
  else
    {
      decoder = ours = onb_frame_decoder_new (TRUE);
      func = decode_ours;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) found = bench_decode (func, decoder, frame);

      hits += found->len;
    }
  printf ("%s: %u codes in %u frames\n", mode, hits, n);

  g_clear_pointer (&plain, zbar_image_scanner_destroy);
  g_clear_pointer (&ours, onb_frame_decoder_free);
  sample_clear (&sample);
  return 0;
}

static gboolean
write_pgm (const char         *path,
           const OnbGreyImage *frame,
           GError            **error)
{
  g_autofree char *header = g_strdup_printf ("P5\n%u %u\n255\n", frame->width, frame->height);
  gsize header_length = strlen (header), size = (gsize) frame->width * frame->height;
  g_autofree char *data = g_malloc (header_length + size);

  memcpy (data, header, header_length);
  memcpy (data + header_length, frame->data, size);
  return g_file_set_contents (path, data, header_length + size, error);
}

static int
cmd_dump (const char *dir,
          guint       codes,
          const char *only)
{
  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    for (guint i = 0; i < codes && (only == NULL || g_str_has_prefix (specs[s].name, only)) && spec_available (&specs[s]); i++)
      {
        Sample sample;
        g_autoptr(OnbGreyImage) frame = NULL;
        g_autoptr(GBytes) file = NULL;
        g_autofree char *stem = frame_name (&specs[s], i);
        g_autofree char *name = NULL;
        g_autofree char *path = NULL;
        g_autoptr(GError) error = NULL;
        gboolean written;

        sample_init (&sample, &specs[s], i);
        frame = sample_render_file (&sample, 0, &file);
        /* A JPEG frame as the camera sent it, the others as they are. */
        name = g_strconcat (stem, file != NULL ? ".jpg" : ".pgm", NULL);
        path = g_build_filename (dir, name, NULL);
        if (file != NULL)
          written = g_file_set_contents (path, g_bytes_get_data (file, NULL), (gssize) g_bytes_get_size (file), &error);
        else
          written = write_pgm (path, frame, &error);
        if (!written)
          {
            g_printerr ("%s\n", error->message);
            return 2;
          }
        sample_clear (&sample);
      }
  return 0;
}

/* ---- The live pipeline ---- */

static void
count_preview (GstSample *sample,
               gpointer   user_data)
{
  /* The kiosk turns each preview frame into a texture here; mapping the
   * frame is the part that does not need a display. */
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstMapInfo map;

  if (gst_buffer_map (buffer, &map, GST_MAP_READ))
    gst_buffer_unmap (buffer, &map);
}

static void
on_hit (OnbScanner *scanner,
        OnbScanHit *hit,
        guint      *hits)
{
  (*hits)++;
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static int
cmd_live (guint seconds)
{
  g_autofree char *description = NULL;
  g_autofree char *path = NULL;
  g_autoptr(OnbScanSource) source = NULL;
  g_autoptr(OnbScanner) scanner = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(OnbGreyImage) frame = NULL;
  g_autoptr(GError) error = NULL;
  guint hits = 0;
  guint64 preview_warm, scanned_warm;
  double cpu0, cpu1;
  gint64 t0, t1;
  int fd;
  Sample sample;

  sample_init (&sample, find_spec ("scene-720p"), 0);
  frame = sample_render (&sample, 0);
  sample_clear (&sample);
  fd = g_file_open_tmp ("bench-scan-XXXXXX.pgm", &path, &error);
  if (fd < 0 || !write_pgm (path, frame, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  close (fd);

  /* The scene repeated as live 30 fps I420 video, the shape of frames a
   * UVC camera's MJPEG decoder or libcamera delivers. */
  description = g_strdup_printf ("filesrc location=\"%s\" ! pnmdec ! videoconvert"
                                 " ! video/x-raw,format=I420,width=1280,height=720"
                                 " ! imagefreeze is-live=true ! video/x-raw,framerate=30/1", path);
  source = onb_scan_source_new_pipeline (description);
  scanner = onb_scanner_new (source);
  g_signal_connect (scanner, "code-detected", G_CALLBACK (on_hit), &hits);
  onb_scanner_set_preview_func (scanner, count_preview, NULL, NULL);
  onb_scanner_start (scanner);

  /* Wait for the first frame (up to 10 s), then let the pipeline settle
   * for a second before measuring. */
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (onb_scanner_get_state (scanner) == ONB_SCANNER_STATE_STARTING && g_get_monotonic_time () < deadline)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10000);
  }
  g_timeout_add (1000, quit_cb, loop);
  g_main_loop_run (loop);
  if (onb_scanner_get_state (scanner) != ONB_SCANNER_STATE_RUNNING)
    {
      g_printerr ("Pipeline not running: %s\n",
                  onb_scanner_get_error (scanner) ? onb_scanner_get_error (scanner)->message : "?");
      g_unlink (path);
      return 2;
    }

  preview_warm = onb_scanner_get_preview_frames (scanner);
  scanned_warm = onb_scanner_get_scanned_frames (scanner);
  cpu0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  g_timeout_add_seconds (seconds, quit_cb, loop);
  g_main_loop_run (loop);
  t1 = g_get_monotonic_time ();
  cpu1 = cpu_seconds ();

  {
    double wall = (t1 - t0) / 1e6;

    printf ("Live 1280×720 at 30 fps for %.1f s: preview %.2f fps, scanned %.2f fps, "
            "CPU %.0f%% of one core, codes reported %u\n",
            wall, (onb_scanner_get_preview_frames (scanner) - preview_warm) / wall,
            (onb_scanner_get_scanned_frames (scanner) - scanned_warm) / wall,
            100.0 * (cpu1 - cpu0) / wall, hits);
  }

  onb_scanner_stop (scanner);
  g_unlink (path);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GHashTable) wasm_reads = NULL;

  gst_init (&argc, &argv);

  if (argc >= 4 && g_str_equal (argv[1], "detect") && g_str_equal (argv[2], "--wasm"))
    {
      wasm_reads = load_wasm_reads (argv[3]);
      /* "detect" moved over the option: argv[1..] as without it. */
      argv[3] = argv[1];
      argv += 2;
      argc -= 2;
    }
  if (argc >= 2 && g_str_equal (argv[1], "detect"))
    return cmd_detect (argc >= 3 ? (guint) atoi (argv[2]) : CODES, argc >= 4 ? argv[3] : NULL, wasm_reads);
  if (argc >= 2 && g_str_equal (argv[1], "cost"))
    return cmd_cost (argc >= 3 ? (guint) atoi (argv[2]) : 34);
  if (argc >= 5 && g_str_equal (argv[1], "decode"))
    return cmd_decode (argv[2], argv[3], (guint) atoi (argv[4]));
  if (argc >= 3 && g_str_equal (argv[1], "live"))
    return cmd_live ((guint) atoi (argv[2]));
  if (argc >= 3 && g_str_equal (argv[1], "dump"))
    return cmd_dump (argv[2], argc >= 4 ? (guint) atoi (argv[3]) : 2, argc >= 5 ? argv[4] : NULL);

  g_printerr ("Usage: bench-scan detect [--wasm READS] [CODES [CATEGORY]] | cost [RUNS] | decode plain|zxing|live CATEGORY N"
              " | live SECONDS | dump DIR [CODES [CATEGORY]]\n");
  return 2;
}
