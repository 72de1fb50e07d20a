/* onb-frame-decoder-private.h: zbar on one 8-bit luma frame
 *
 * Not thread-safe: each worker thread owns its decoder. The strategy is
 * chosen by bench/scan (see bench/scan/README.md); it is adjustable only so the
 * benchmark can show why.
 */
#pragma once

#include <glib.h>

#include "onb-scan-hit.h"

G_BEGIN_DECLS

typedef struct
{
  GBytes *payload;
  OnbScanPoint corners[4];
  guint n_corners;
} OnbDecodedSymbol;

/* The preparation steps of candidate regions (onb-region-prep.h). */
typedef enum
{
  ONB_PREP_UPSCALE = 1 << 0,
  ONB_PREP_RECTIFY = 1 << 1,
  ONB_PREP_SHARPEN = 1 << 2,
  ONB_PREP_BINARIZE = 1 << 3,   /* the clean symbol: rectified finely, binarised */
  ONB_PREP_DEBLUR = 1 << 4,     /* its blur undone first */
} OnbPrepSteps;

typedef struct
{
  guint full_density;     /* zbar scan density of full-resolution passes (0: none) */
  guint half_density;     /* same on a 2×2-averaged frame (0: none) */
  guint tiles_x;          /* live: full-resolution passes cover one tile per */
  guint tiles_y;          /*   frame instead of the whole frame (1×1: whole) */
  guint tile_overlap;     /* pixels shared by neighbouring tiles */
  guint whole_density;    /* live, with tiles: the whole frame after each sweep (0: never) */
  gboolean inverted;      /* also look for light-on-dark codes */
  gboolean roi;           /* live: re-read around the last hits at full resolution */
  gboolean candidates;    /* finder-pattern regions handed to zbar, prepared */
  OnbPrepSteps skip_prep; /* preparation steps left out (the benchmark's and tests' comparisons) */
} OnbDecodeStrategy;

typedef struct _OnbFrameDecoder OnbFrameDecoder;

/* @live: video frames follow each other, so the work may be spread over
 * them; otherwise every pass runs on the one frame. */
OnbFrameDecoder *onb_frame_decoder_new           (gboolean                 live);
void             onb_frame_decoder_free          (OnbFrameDecoder         *self);
void             onb_frame_decoder_set_strategy  (OnbFrameDecoder         *self,
                                                  const OnbDecodeStrategy *strategy);
void             onb_frame_decoder_get_strategy  (OnbFrameDecoder         *self,
                                                  OnbDecodeStrategy       *strategy);
/* Returns: (element-type OnbDecodedSymbol): the codes found, one per
 * payload, corners in @luma's pixels. */
GPtrArray       *onb_frame_decoder_decode        (OnbFrameDecoder         *self,
                                                  const guint8            *luma,
                                                  guint                    width,
                                                  guint                    height,
                                                  gsize                    stride);
void             onb_decoded_symbol_free         (OnbDecodedSymbol        *symbol);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbFrameDecoder, onb_frame_decoder_free)

G_END_DECLS
