/* zxing-peer.h: zxing-cpp as the benchmark's peer decoder (never in the product) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ReadBarcodes with its defaults, QR only, then once more on the inverted
 * frame when that found nothing (1.4 has no inverted option).
 * Returns: (element-type GBytes): the payloads. */
GPtrArray *zxing_peer_decode (const guint8 *luma,
                              guint         width,
                              guint         height,
                              gsize         stride);

G_END_DECLS
