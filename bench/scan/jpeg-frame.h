/* jpeg-frame.h: grey frames through libjpeg, as a cheap camera sends them (benchmark only) */
#pragma once

#include "onb-grey-image.h"

G_BEGIN_DECLS

/* @frame encoded as a greyscale JFIF at @quality (libjpeg's scale, 1–100),
 * and @frame replaced by what a decoder makes of it. Returns: the file. */
GBytes *jpeg_frame_round_trip (OnbGreyImage *frame,
                               int           quality);

G_END_DECLS
