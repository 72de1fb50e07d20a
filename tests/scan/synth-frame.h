/* synth-frame.h: camera-like grey frames with QR labels, drawn in memory
 *
 * For the frame decoder's tests and for bench/scan's corpus: qrencode's
 * library draws the code, the rest imitates what a camera does to it
 * (area sampling, tilt, blur, motion, noise, dim light, glare).
 */
#pragma once

#include "onb-grey-image.h"

G_BEGIN_DECLS

typedef struct
{
  const char *payload;
  double module;          /* pixels per module (at the near edge when tilted) */
  double cx, cy;          /* centre of the label in the frame */
  double angle;           /* rotation, degrees */
  double far_edge;        /* right edge height / left edge height (1: facing the camera) */
  double squash;          /* width / height (0: 1), a label turned away seen from afar */
  gboolean inverted;      /* light code on a dark label */
  guint8 ink, paper;      /* 0 and 0 mean black on white */
} SynthLabel;

/* A cluttered packing-bench scene (boxes, stripes, print), deterministic in @seed. */
OnbGreyImage *synth_scene        (guint               width,
                                  guint               height,
                                  guint32             seed);
/* The side of the label in pixels, quiet zone included (0: cannot encode). */
double        synth_label_side   (const SynthLabel   *label);
gboolean      synth_draw_label   (OnbGreyImage       *frame,
                                  const SynthLabel   *label);
void          synth_blur         (OnbGreyImage       *frame,
                                  double              sigma);
void          synth_motion_blur  (OnbGreyImage       *frame,
                                  double              length,
                                  gboolean            vertical);
void          synth_noise        (OnbGreyImage       *frame,
                                  double              sigma,
                                  GRand              *rand);
/* Maps 0..255 linearly onto @lo..@hi. */
void          synth_levels       (OnbGreyImage       *frame,
                                  guint8              lo,
                                  guint8              hi);
/* A bright blob: up to @strength added at the centre, Gaussian of @radius. */
void          synth_glare        (OnbGreyImage       *frame,
                                  double              cx,
                                  double              cy,
                                  double              radius,
                                  double              strength);
/* A LoRaWAN label payload, distinct for each @index. */
char         *synth_payload      (guint               index);

G_END_DECLS
