/* test-frame-decoder.c: each preparation step of candidate regions
 *
 * Each case is a frame drawn at test time (tests/scan/synth-frame.c) that
 * the decoder reads with all its steps, and not with that one step left
 * out, nor with zbar's whole-frame passes alone: so each step is shown to
 * be what makes the label readable. Decoded as the scanner does it, through
 * onb_frame_decoder_decode() on a still image; and, live, the place of the
 * last clean-symbol read reused on the next frames.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "onb-frame-decoder-private.h"
#include "onb-qr-finder.h"
#include "synth-frame.h"

typedef struct
{
  const char *name;
  OnbPrepSteps step;      /* the step that makes it readable */
  double module;
  double angle;
  double squash;          /* a label turned away, seen from afar */
  double blur;            /* σ in modules */
  guint8 ink, paper;      /* a label printed grey (0, 0: black on white) */
  double noise;           /* sensor noise σ, grey levels */
  guint32 seed;
} Case;

static const Case cases[] = {
  { "upscale", ONB_PREP_UPSCALE, .module = 1.5, .angle = 2, .seed = 1 },
  { "rectify", ONB_PREP_RECTIFY, .module = 2.5, .angle = 30, .squash = 0.5, .seed = 2 },
  { "sharpen", ONB_PREP_SHARPEN, .module = 2.5, .angle = 1, .blur = 0.4, .seed = 3 },
  /* A grey label in a noisy frame: zbar's edge detector sees the noise. */
  { "binarize", ONB_PREP_BINARIZE, .module = 3, .angle = 20, .blur = 1 / 3.0, .ink = 82, .paper = 173,
    .noise = 7.5, .seed = 4 },
  /* Blur of half a module: light modules between dark ones washed out. */
  { "deblur", ONB_PREP_DEBLUR, .module = 6, .blur = 0.5, .seed = 5 },
};

/* @c's label centred at (@cx, @cy). */
static OnbGreyImage *
draw_case_at (const Case *c,
              const char *payload,
              double      cx,
              double      cy)
{
  OnbGreyImage *frame = synth_scene (640, 480, c->seed);
  SynthLabel label = {
    .payload = payload, .module = c->module, .cx = cx, .cy = cy, .angle = c->angle,
    .squash = c->squash, .ink = c->ink, .paper = c->paper,
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (c->seed);

  g_assert_true (synth_draw_label (frame, &label));
  synth_blur (frame, c->blur * c->module);
  if (c->noise > 0)
    synth_noise (frame, c->noise, rand);
  return frame;
}

static OnbGreyImage *
draw_case (const Case *c,
           const char *payload)
{
  return draw_case_at (c, payload, 320, 240);
}

/* The codes read from @frame, with @skip left out (and without candidate
 * regions at all when @candidates is FALSE). */
static GPtrArray *
decode (const OnbGreyImage *frame,
        gboolean            candidates,
        OnbPrepSteps        skip)
{
  g_autoptr(OnbFrameDecoder) decoder = onb_frame_decoder_new (FALSE);
  OnbDecodeStrategy strategy;

  onb_frame_decoder_get_strategy (decoder, &strategy);
  strategy.candidates = candidates;
  strategy.skip_prep = skip;
  onb_frame_decoder_set_strategy (decoder, &strategy);
  return onb_frame_decoder_decode (decoder, frame->data, frame->width, frame->height, frame->width);
}

static gboolean
reads (GPtrArray  *found,
       const char *payload)
{
  for (guint i = 0; i < found->len; i++)
    {
      gsize length;
      const char *data = g_bytes_get_data (((OnbDecodedSymbol *) g_ptr_array_index (found, i))->payload, &length);

      if (length == strlen (payload) && memcmp (data, payload, length) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_step (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *payload = synth_payload (c->seed);
  g_autoptr(OnbGreyImage) frame = draw_case (c, payload);
  g_autoptr(GPtrArray) all = decode (frame, TRUE, 0);
  /* The clean symbol (finely rectified, binarised) reads the first
   * steps' labels too, at several times their cost: they are shown
   * without it, the cheap step alone. */
  OnbPrepSteps cheap = c->step & (ONB_PREP_UPSCALE | ONB_PREP_RECTIFY | ONB_PREP_SHARPEN) ? ONB_PREP_BINARIZE : 0;
  g_autoptr(GPtrArray) without_step = decode (frame, TRUE, c->step | cheap);
  g_autoptr(GPtrArray) whole_frame = decode (frame, FALSE, 0);
  OnbDecodedSymbol *symbol;
  double cx = 0, cy = 0;

  g_assert_true (reads (all, payload));
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_false (reads (without_step, payload));
  g_assert_false (reads (whole_frame, payload));

  /* The corners come back in the frame's pixels, around the label. */
  symbol = g_ptr_array_index (all, 0);
  g_assert_cmpuint (symbol->n_corners, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      cx += symbol->corners[i].x / 4;
      cy += symbol->corners[i].y / 4;
    }
  g_assert_cmpfloat (fabs (cx - 320), <, 8 * c->module);
  g_assert_cmpfloat (fabs (cy - 240), <, 8 * c->module);
}

/* Clutter, stripes and print, in every condition above: never a code. */
static void
test_empty_scenes (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OnbGreyImage) frame = synth_scene (640, 480, cases[i].seed + 100);
      g_autoptr(GPtrArray) found = NULL;
      g_autoptr(GRand) rand = g_rand_new_with_seed (cases[i].seed);

      synth_blur (frame, cases[i].blur * cases[i].module);
      if (cases[i].noise > 0)
        synth_noise (frame, cases[i].noise, rand);
      found = decode (frame, TRUE, 0);
      g_assert_cmpuint (found->len, ==, 0);
    }
}

static gboolean
reads_frame (OnbFrameDecoder    *decoder,
             const OnbGreyImage *frame,
             const char         *payload)
{
  g_autoptr(GPtrArray) found = onb_frame_decoder_decode (decoder, frame->data, frame->width, frame->height,
                                                         frame->width);

  return reads (found, payload);
}

/* Whether a live decoder reads @b after reading @a and then seeing
 * @n_between frames of the scene without the label (@empty). */
static gboolean
reads_after (const OnbGreyImage *a,
             guint               n_between,
             const OnbGreyImage *empty,
             const OnbGreyImage *b,
             const char         *payload)
{
  g_autoptr(OnbFrameDecoder) decoder = onb_frame_decoder_new (TRUE);

  g_assert_true (reads_frame (decoder, a, payload));
  for (guint i = 0; i < n_between; i++)
    g_assert_false (reads_frame (decoder, empty, payload));
  return reads_frame (decoder, b, payload);
}

/* A blurred label that moves: in frame A each finder is crossed by two
 * rows or more, so the clean symbol runs live and reads it; in frame B,
 * moved by a few pixels and blurred a little more, a finder is crossed by
 * one row only, and live the clean symbol runs for such weak finders only
 * where it read a code in the last 8 frames. */
static void
test_reuse_last_place (void)
{
  const Case a = { "moving", ONB_PREP_BINARIZE, .module = 3, .blur = 0.5, .seed = 1 };
  Case b = a;
  g_autofree char *payload = synth_payload (a.seed);
  g_autoptr(OnbGreyImage) frame_a = draw_case (&a, payload);
  g_autoptr(OnbGreyImage) frame_elsewhere = draw_case_at (&a, payload, 140, 140);
  g_autoptr(OnbGreyImage) frame_b = NULL;
  g_autoptr(OnbGreyImage) empty = synth_scene (640, 480, a.seed);
  g_autoptr(GArray) candidates = NULL;
  g_autoptr(OnbFrameDecoder) still = onb_frame_decoder_new (FALSE);
  g_autoptr(OnbFrameDecoder) alone = onb_frame_decoder_new (TRUE);
  guint weakest = G_MAXUINT;

  b.blur = 0.55;
  frame_b = draw_case_at (&b, payload, 323, 242);

  candidates = onb_qr_find_candidates (frame_b->data, frame_b->width, frame_b->height, frame_b->width, 2, 3);
  for (guint i = 0; i < candidates->len; i++)
    {
      const OnbQrCandidate *candidate = &g_array_index (candidates, OnbQrCandidate, i);

      if (candidate->n_finders == 3 && candidate->x0 < 323 && candidate->x1 > 323 &&
          candidate->y0 < 242 && candidate->y1 > 242)
        for (guint k = 0; k < 3; k++)
          weakest = MIN (weakest, candidate->finders[k].hits);
    }
  g_assert_cmpuint (weakest, ==, 1);

  /* B can be read (a still image gets every pass), but not live alone. */
  g_assert_true (reads_frame (still, frame_b, payload));
  g_assert_false (reads_frame (alone, frame_b, payload));

  /* Live after A at that place, within 8 frames: read. */
  g_assert_true (reads_after (frame_a, 0, empty, frame_b, payload));
  g_assert_true (reads_after (frame_a, 6, empty, frame_b, payload));
  /* Not after A elsewhere in the frame, nor 8 frames after A. */
  g_assert_false (reads_after (frame_elsewhere, 0, empty, frame_b, payload));
  g_assert_false (reads_after (frame_a, 7, empty, frame_b, payload));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/frame-decoder/prep/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_step);
    }
  g_test_add_func ("/frame-decoder/empty-scenes", test_empty_scenes);
  g_test_add_func ("/frame-decoder/live/reuse-last-place", test_reuse_last_place);

  return g_test_run ();
}
