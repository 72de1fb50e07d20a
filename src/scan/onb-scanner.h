/* onb-scanner.h: from a source to validated label codes (docs/design.md, Scanning)
 *
 * Pipeline: source → tee → (a) preview: leaky queue → RGB(A) appsink that
 *   drops, handed to the preview callback on the streaming thread;
 *   (b) scan: leaky queue → 8-bit luma appsink that drops, pulled by a
 *   worker thread running zbar, so frames are skipped while it is busy.
 *
 * Signals are emitted in the thread-default main context of the thread
 * that created the scanner.
 *
 *   OnbScanner::code-detected (OnbScanner *scanner, OnbScanHit *hit)
 *     A code seen in 2 agreeing frames (1 for a still image), at most once
 *     per hold-off window: the same payload is reported again only after
 *     it was out of sight for the whole hold-off.
 *   notify::state — see OnbScannerState; onb_scanner_get_error() says why
 *     for the error states.
 */
#pragma once

#include <gst/gst.h>

#include "onb-scan-hit.h"
#include "onb-scan-source.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_SCANNER_STATE_STOPPED,           /*< nick=stopped >*/
  ONB_SCANNER_STATE_STARTING,          /*< nick=starting >*/  /* incl. waiting for the portal */
  ONB_SCANNER_STATE_RUNNING,           /*< nick=running >*/
  ONB_SCANNER_STATE_FINISHED,          /*< nick=finished >*/  /* end of a file or image */
  ONB_SCANNER_STATE_NO_CAMERA,         /*< nick=no-camera >*/ /* waits for one to be plugged in */
  ONB_SCANNER_STATE_UNPLUGGED,         /*< nick=unplugged >*/ /* lost mid-run; retrying */
  ONB_SCANNER_STATE_PERMISSION_DENIED, /*< nick=permission-denied >*/
  ONB_SCANNER_STATE_FAILED,            /*< nick=failed >*/    /* see the error */
} OnbScannerState;

/* Called on a streaming thread with each preview frame (RGB/RGBA/BGRA/
 * BGR caps); must not block. */
typedef void (*OnbScanPreviewFunc) (GstSample *sample,
                                    gpointer   user_data);

#define ONB_SCANNER_DEFAULT_HOLD_OFF_MS 3000

#define ONB_TYPE_SCANNER (onb_scanner_get_type ())
G_DECLARE_FINAL_TYPE (OnbScanner, onb_scanner, ONB, SCANNER, GObject)

OnbScanner      *onb_scanner_new                (OnbScanSource       *source);
OnbScanSource   *onb_scanner_get_source         (OnbScanner          *self);
/* Restarts the pipeline when running. */
void             onb_scanner_set_source         (OnbScanner          *self,
                                                 OnbScanSource       *source);
void             onb_scanner_start              (OnbScanner          *self);
void             onb_scanner_stop               (OnbScanner          *self);
OnbScannerState  onb_scanner_get_state          (OnbScanner          *self);
const GError    *onb_scanner_get_error          (OnbScanner          *self);
/* Accepted Profile IDs; codes of another product are reported rejected. */
void             onb_scanner_set_profile_ids    (OnbScanner          *self,
                                                 const char * const  *profile_ids);
void             onb_scanner_set_hold_off       (OnbScanner          *self,
                                                 guint                milliseconds);
guint            onb_scanner_get_hold_off       (OnbScanner          *self);
/* Without a preview callback the preview branch is not built at all. */
void             onb_scanner_set_preview_func   (OnbScanner          *self,
                                                 OnbScanPreviewFunc   func,
                                                 gpointer             user_data,
                                                 GDestroyNotify       destroy);
/* Counters since start, for the benchmark and diagnostics. */
guint64          onb_scanner_get_preview_frames (OnbScanner          *self);
guint64          onb_scanner_get_scanned_frames (OnbScanner          *self);
/* The running pipeline (tests post messages on it), or NULL. */
GstElement      *onb_scanner_get_pipeline       (OnbScanner          *self);

G_END_DECLS
