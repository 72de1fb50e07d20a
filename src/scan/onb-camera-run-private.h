/* onb-camera-run-private.h: one camera pipeline and its worker thread
 *
 * OnbScanner builds a run at each start and stops it before it builds the
 * next: the source bin, a tee, a scan branch pulled by a worker thread that
 * runs the frame decoder, and (when asked) a preview branch. The run only
 * carries frames and events; what they mean (agreement, hold-off, states)
 * is its owner's, told through OnbCameraRunFuncs.
 */
#pragma once

#include <gst/gst.h>

#include "onb-camera.h"
#include "onb-frame-decoder-private.h"
#include "onb-scan-source.h"

G_BEGIN_DECLS

typedef struct _OnbCameraRun OnbCameraRun;

typedef enum
{
  ONB_CAMERA_RUN_FIRST_FRAME,
  ONB_CAMERA_RUN_HIT,
  ONB_CAMERA_RUN_FINISHED,  /* the end of a file or image */
  ONB_CAMERA_RUN_STALLED,   /* a live source stopped sending */
} OnbCameraRunNotice;

typedef struct
{
  /* Worker thread: the codes of one frame (@now: the live clock, or the
   * stream's for a file); onb_camera_run_report_hit() passes on a hit. */
  void (*frame_scanned) (GObject      *owner,
                         OnbCameraRun *run,
                         GPtrArray    *found,
                         guint         width,
                         guint         height,
                         guint64       pts,
                         gint64        now);
  /* Streaming thread: a preview frame. */
  void (*preview_frame) (GObject      *owner,
                         GstSample    *sample);
  /* The owner's main context, for this run or one it has stopped since:
   * a notice (@hit only with ONB_CAMERA_RUN_HIT), an error on the bus. */
  void (*notice)        (GObject            *owner,
                         OnbCameraRun       *run,
                         OnbCameraRunNotice  kind,
                         OnbScanHit         *hit);
  void (*error)         (GObject      *owner,
                         OnbCameraRun *run,
                         GstMessage   *message);
} OnbCameraRunFuncs;

/* @camera: the camera to open for an AUTO or CAMERA source; @portal_fd:
 * the PipeWire remote for a PORTAL source. @owner is not referenced: it
 * stops its run before it goes. The calls come in @context. */
OnbCameraRun *onb_camera_run_new          (OnbScanSource           *source,
                                           OnbCamera               *camera,
                                           int                      portal_fd,
                                           gboolean                 with_preview,
                                           const OnbCameraRunFuncs *funcs,
                                           GObject                 *owner,
                                           GMainContext            *context,
                                           GError                 **error);
OnbCameraRun *onb_camera_run_ref          (OnbCameraRun            *run);
void          onb_camera_run_unref        (OnbCameraRun            *run);
/* Plays the pipeline and starts the worker thread. */
void          onb_camera_run_start        (OnbCameraRun            *run);
/* Stops the pipeline and waits for the worker: no call comes after. */
void          onb_camera_run_stop         (OnbCameraRun            *run);
gboolean      onb_camera_run_is_still     (OnbCameraRun            *run);
GstElement   *onb_camera_run_get_pipeline (OnbCameraRun            *run);
/* From frame_scanned: @hit (taken) goes to notice in the owner's context. */
void          onb_camera_run_report_hit   (OnbCameraRun            *run,
                                           OnbScanHit              *hit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbCameraRun, onb_camera_run_unref)

G_END_DECLS
