/* test-qr-finder.c: where the finder search says codes are, in noisy frames
 *
 * Sensor noise and JPEG blocks make many finder look-alikes; a printed
 * code's finders must still come out as a candidate, wherever the code is
 * in the frame and however many look-alikes the rows above it crossed.
 */

#include "config.h"

#include "onb-qr-finder.h"
#include "synth-frame.h"

/* A grey label in a noisy frame (a cheap camera in poor light), near the
 * frame's bottom edge: the rows cross the noise's look-alikes first. */
static void
test_noisy_frame (void)
{
  g_autofree char *payload = synth_payload (7);
  g_autoptr(OnbGreyImage) frame = synth_scene (1280, 720, 7);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GArray) candidates = NULL;
  SynthLabel label = {
    .payload = payload, .module = 3, .cx = 900, .cy = 600, .angle = -12, .ink = 51, .paper = 204,
  };
  gboolean found = FALSE;

  g_assert_true (synth_draw_label (frame, &label));
  synth_blur (frame, 1);
  synth_levels (frame, 51, 204);
  synth_noise (frame, 7.5, rand);

  candidates = onb_qr_find_candidates (frame->data, frame->width, frame->height, frame->width, 2, 3);
  for (guint i = 0; i < candidates->len; i++)
    {
      const OnbQrCandidate *c = &g_array_index (candidates, OnbQrCandidate, i);

      if (c->n_finders == 3 && c->x0 < label.cx && label.cx < c->x1 && c->y0 < label.cy && label.cy < c->y1)
        found = TRUE;
    }
  g_assert_true (found);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr-finder/noisy-frame", test_noisy_frame);

  return g_test_run ();
}
