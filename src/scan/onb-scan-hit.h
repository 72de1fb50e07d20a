/* onb-scan-hit.h: one label code read by the scanner
 *
 * Immutable and ref-counted; safe to pass between threads. The payload is
 * the QR code's bytes exactly as decoded; the code (or the reason it was
 * rejected) comes from the label parser of src/core.
 */
#pragma once

#include <glib-object.h>

#include "onb-code.h"

G_BEGIN_DECLS

/* A corner of the code in frame pixels (origin top-left). */
typedef struct
{
  double x;
  double y;
} OnbScanPoint;

#define ONB_TYPE_SCAN_HIT (onb_scan_hit_get_type ())
typedef struct _OnbScanHit OnbScanHit;

GType               onb_scan_hit_get_type         (void) G_GNUC_CONST;
OnbScanHit         *onb_scan_hit_new              (GBytes             *payload,
                                                   const OnbScanPoint *corners,
                                                   guint               n_corners,
                                                   int                 frame_width,
                                                   int                 frame_height,
                                                   guint64             frame_time,
                                                   const char * const *profile_ids);
OnbScanHit         *onb_scan_hit_ref              (OnbScanHit         *self);
void                onb_scan_hit_unref            (OnbScanHit         *self);
GBytes             *onb_scan_hit_get_payload      (const OnbScanHit   *self);
OnbCode            *onb_scan_hit_get_code         (const OnbScanHit   *self);
const GError       *onb_scan_hit_get_rejection    (const OnbScanHit   *self);
gboolean            onb_scan_hit_is_accepted      (const OnbScanHit   *self);
const OnbScanPoint *onb_scan_hit_get_corners      (const OnbScanHit   *self,
                                                   guint              *n_corners);
void                onb_scan_hit_get_frame_size   (const OnbScanHit   *self,
                                                   int                *width,
                                                   int                *height);
guint64             onb_scan_hit_get_frame_time   (const OnbScanHit   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbScanHit, onb_scan_hit_unref)

G_END_DECLS
