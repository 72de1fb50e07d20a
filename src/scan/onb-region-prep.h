/* onb-region-prep.h: a candidate region made readable for zbar
 *
 * Each step fixes one thing a camera does to a label: modules too small
 * for zbar's line scanner (upscale), a label at an angle (rectify from the
 * three finder centres), blur (sharpen), and for what those leave unread,
 * sensor noise and JPEG blocks (binarize a finely rectified code), a blur
 * of half a module (deblur it first). No
 * contrast stretch: zbar's edge detector reads labels of 12 grey levels as
 * well as of 255.
 */
#pragma once

#include "onb-grey-image.h"
#include "onb-qr-finder.h"

G_BEGIN_DECLS

typedef struct
{
  OnbGreyImage *image;
  OnbHomography to_frame;   /* a prepared pixel's position in the frame */
} OnbPreparedRegion;

void               onb_prepared_region_free (OnbPreparedRegion    *region);

/* The window (@x0, @y0)–(@x1, @y1) enlarged @factor times (bilinear). */
OnbPreparedRegion *onb_prep_upscale         (const guint8         *luma,
                                             guint                 width,
                                             guint                 height,
                                             gsize                 stride,
                                             guint                 x0,
                                             guint                 y0,
                                             guint                 x1,
                                             guint                 y1,
                                             guint                 factor);
/* The code of a 3-finder candidate, upright and square, @px_per_module
 * pixels per module, its quiet zone included. */
OnbPreparedRegion *onb_prep_rectify         (const guint8         *luma,
                                             guint                 width,
                                             guint                 height,
                                             gsize                 stride,
                                             const OnbQrCandidate *candidate,
                                             double                px_per_module);
/* Unsharp mask: edges steepened by @amount (1: doubled). */
void               onb_prep_sharpen         (OnbGreyImage         *image,
                                             double                amount);

/* Black and white by the mean around each pixel (@px_per_module sets
 * its reach): a noisy or JPEG-blocked label made clean for zbar. */
void               onb_prep_binarize        (OnbGreyImage         *image,
                                             double                px_per_module);

/* A Gaussian blur of σ @sigma pixels undone, as far as @iterations of
 * Van Cittert's method go (a few: noise grows with each). */
void               onb_prep_deblur          (OnbGreyImage         *image,
                                             double                sigma,
                                             guint                 iterations);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbPreparedRegion, onb_prepared_region_free)

G_END_DECLS
