/* onb-frame-decoder-private.h: zbar on one 8-bit luma frame
 *
 * Not thread-safe: each worker thread owns its decoder. The strategy is
 * chosen by bench/scan (see bench/README.md); it is adjustable only so the
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

typedef struct
{
  guint density;          /* zbar scan density (every Nth line) on the coarse pass */
  gboolean half_pass;     /* coarse pass on a 2×2-averaged image */
  gboolean full_pass;     /* coarse pass at full resolution */
  gboolean roi;           /* full-resolution pass around the last hits (live) */
  gboolean alternate;     /* live: spread the passes over frames instead of all per frame */
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
