/* onb-camera-run.c: one camera pipeline and its worker thread
 *
 * The source bin, a tee, a preview branch and a scan branch. Both branches
 * start with a leaky one-buffer queue and end in an appsink that keeps
 * only the newest frame, so neither can hold the other up (files and
 * images, which are not live, are scanned frame by frame instead). The
 * worker thread pulls luma frames and runs the frame decoder; whatever
 * arrives while it is busy is dropped.
 */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#endif

#include "onb-camera-run-private.h"
#include "onb-scan-error.h"

#define PULL_TIMEOUT      (100 * GST_MSECOND)
/* A live source silent this long after its first frame has gone, even
 * if it says nothing (a PipeWire camera that leaves only stops sending). */
#define STALL_US          (4 * G_USEC_PER_SEC)

#define SCAN_CAPS    "video/x-raw,format={GRAY8,I420,YV12,NV12,NV21,Y42B,Y444}"
#define PREVIEW_CAPS "video/x-raw,format={RGB,BGR,RGBA,BGRA}"

struct _OnbCameraRun
{
  gatomicrefcount ref_count;
  const OnbCameraRunFuncs *funcs;
  GObject *owner;        /* not owned: the owner stops its run before it goes */
  GMainContext *context;
  GstElement *pipeline;
  GstElement *scan_sink;
  GSource *bus_source;
  GThread *worker;
  gint stop;             /* atomic */
  gint got_frame;        /* atomic */
  gboolean still;
  gboolean live;
};

OnbCameraRun *
onb_camera_run_ref (OnbCameraRun *run)
{
  g_atomic_ref_count_inc (&run->ref_count);
  return run;
}

void
onb_camera_run_unref (OnbCameraRun *run)
{
  if (g_atomic_ref_count_dec (&run->ref_count))
    {
      g_clear_object (&run->scan_sink);
      g_clear_object (&run->pipeline);
      g_clear_pointer (&run->context, g_main_context_unref);
      g_free (run);
    }
}

gboolean
onb_camera_run_is_still (OnbCameraRun *run)
{
  return run->still;
}

/* Returns: (transfer none) */
GstElement *
onb_camera_run_get_pipeline (OnbCameraRun *run)
{
  return run->pipeline;
}

/* ---- Notices to the owner's main context ---- */

typedef struct
{
  GObject *owner;
  OnbCameraRun *run;
  OnbCameraRunNotice kind;
  OnbScanHit *hit;
} Notice;

static void
notice_free (gpointer data)
{
  Notice *notice = data;

  g_object_unref (notice->owner);
  onb_camera_run_unref (notice->run);
  g_clear_pointer (&notice->hit, onb_scan_hit_unref);
  g_free (notice);
}

static gboolean
notice_dispatch (gpointer data)
{
  Notice *notice = data;

  notice->run->funcs->notice (notice->owner, notice->run, notice->kind, notice->hit);
  return G_SOURCE_REMOVE;
}

/* Takes @hit, which only ONB_CAMERA_RUN_HIT carries. */
static void
post_notice (OnbCameraRun       *run,
             OnbCameraRunNotice  kind,
             OnbScanHit         *hit)
{
  Notice *notice = g_new0 (Notice, 1);
  GSource *source = g_idle_source_new ();

  notice->owner = g_object_ref (run->owner);
  notice->run = onb_camera_run_ref (run);
  notice->kind = kind;
  notice->hit = hit;

  /* Not g_main_context_invoke(): that runs the callback right here when
   * this thread can acquire the context, and the callback must run on the
   * owner's thread. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, notice_dispatch, notice, notice_free);
  g_source_attach (source, run->context);
  g_source_unref (source);
}

void
onb_camera_run_report_hit (OnbCameraRun *run,
                           OnbScanHit   *hit)
{
  post_notice (run, ONB_CAMERA_RUN_HIT, hit);
}

static void
first_frame (OnbCameraRun *run)
{
  if (g_atomic_int_compare_and_exchange (&run->got_frame, FALSE, TRUE))
    post_notice (run, ONB_CAMERA_RUN_FIRST_FRAME, NULL);
}

/* ---- Worker thread ---- */

static void
scan_sample (OnbCameraRun    *run,
             OnbFrameDecoder *decoder,
             GstSample       *sample)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstVideoInfo info;
  GstVideoFrame frame;
  g_autoptr(GPtrArray) found = NULL;
  guint64 pts;
  gint64 now;

  if (buffer == NULL || !gst_video_info_from_caps (&info, gst_sample_get_caps (sample)))
    return;
  if (!gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return;

  /* Plane 0 of every SCAN_CAPS format is the 8-bit luma. */
  found = onb_frame_decoder_decode (decoder, GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                                    GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info),
                                    GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0));
  gst_video_frame_unmap (&frame);

  pts = GST_BUFFER_PTS_IS_VALID (buffer) ? GST_BUFFER_PTS (buffer) : 0;
  /* Files play faster than real time: their clock is the stream's. */
  now = run->live ? g_get_monotonic_time () : (gint64) (pts / 1000);

  run->funcs->frame_scanned (run->owner, run, found, GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info),
                             pts, now);
}

static gpointer
worker_main (gpointer data)
{
  OnbCameraRun *run = data;
  g_autoptr(OnbFrameDecoder) decoder = onb_frame_decoder_new (!run->still);
  gint64 last_frame = 0;

#ifdef __linux__
  /* When the CPU is short, the preview and the camera's own thread go
   * first: a frame scanned later costs nothing, a preview that stutters
   * does. (Linux nice values are per thread.) */
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10);
#endif

  while (!g_atomic_int_get (&run->stop))
    {
      g_autoptr(GstSample) sample = gst_app_sink_try_pull_sample (GST_APP_SINK (run->scan_sink), PULL_TIMEOUT);

      if (sample != NULL)
        {
          last_frame = g_get_monotonic_time ();
          first_frame (run);
          scan_sample (run, decoder, sample);
        }
      else if (gst_app_sink_is_eos (GST_APP_SINK (run->scan_sink)))
        {
          post_notice (run, ONB_CAMERA_RUN_FINISHED, NULL);
          break;
        }
      else if (run->live && last_frame != 0 && g_get_monotonic_time () - last_frame > STALL_US)
        {
          post_notice (run, ONB_CAMERA_RUN_STALLED, NULL);
          break;
        }
    }

  onb_camera_run_unref (run);
  return NULL;
}

/* ---- Preview (streaming thread) ---- */

static GstFlowReturn
on_preview_sample (GstAppSink *sink,
                   gpointer    user_data)
{
  OnbCameraRun *run = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;

  first_frame (run);
  run->funcs->preview_frame (run->owner, sample);

  return GST_FLOW_OK;
}

/* ---- Building the pipeline ---- */

static void
set_missing_element (GError     **error,
                     const char  *name)
{
  const char *package = onb_scan_element_package (name);

  if (package != NULL)
    g_set_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_MISSING_ELEMENT,
                 _("The GStreamer element “%s” is missing: install the package %s."), name, package);
  else
    g_set_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_MISSING_ELEMENT,
                 _("The GStreamer element “%s” is missing: install the GStreamer plugin package that provides it."),
                 name);
}

static GstElement *
make_element (const char  *factory,
              GError     **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    set_missing_element (error, factory);
  return element;
}

/* gst-launch syntax cannot end in caps ("videotestsrc ! video/x-raw,width=640"),
 * the natural way to ask a source for a size: give such caps an element. */
static char *
complete_description (const char *description)
{
  const char *last = strrchr (description, '!');
  g_autofree char *tail = g_strdup (last != NULL ? last + 1 : "");
  gsize type_length;

  g_strstrip (tail);
  type_length = strcspn (tail, ", ");
  if (type_length > 0 && memchr (tail, '/', type_length) != NULL)
    return g_strconcat (description, " ! identity", NULL);
  return g_strdup (description);
}

static GstElement *
parse_source (const char  *description,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *complete = complete_description (description);
  GstParseContext *context = gst_parse_context_new ();
  GstElement *bin = gst_parse_bin_from_description_full (complete, TRUE, context,
                                                         GST_PARSE_FLAG_FATAL_ERRORS, &local_error);

  /* Ghosting unlinked pads also ghosts a sink pad that is only waiting
   * for a decoder's pad ("decodebin ! videoconvert"), which then cannot
   * link: a source has no sink pads. */
  while (bin != NULL && GST_ELEMENT (bin)->sinkpads != NULL)
    gst_element_remove_pad (bin, GST_ELEMENT (bin)->sinkpads->data);

  if (bin == NULL)
    {
      g_auto(GStrv) missing = gst_parse_context_get_missing_elements (context);

      if (missing != NULL && missing[0] != NULL)
        set_missing_element (error, missing[0]);
      else
        g_set_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_BAD_PIPELINE,
                     _("The video pipeline “%s” is not valid: %s"), description, local_error->message);
    }
  gst_parse_context_free (context);

  return bin;
}

static void
on_decoder_pad_added (GstElement *decoder,
                      GstPad     *pad,
                      gpointer    user_data)
{
  GstElement *tee = user_data;
  g_autoptr(GstPad) sink = gst_element_get_static_pad (tee, "sink");

  if (!gst_pad_is_linked (sink))
    gst_pad_link (pad, sink);
}

/* Returns: (transfer floating): the source. */
static GstElement *
make_source (OnbScanSource  *source,
             OnbCamera      *camera,
             int             portal_fd,
             GError        **error)
{
  const char *detail = onb_scan_source_get_detail (source);

  switch ((int) onb_scan_source_get_kind (source))
    {
    case ONB_SCAN_SOURCE_PIPELINE:
      return parse_source (detail, error);

    case ONB_SCAN_SOURCE_URI:
    case ONB_SCAN_SOURCE_IMAGE:
      {
        GstElement *decoder = make_element ("uridecodebin", error);
        g_autoptr(GstCaps) caps = gst_caps_new_empty_simple ("video/x-raw");
        g_autofree char *uri = NULL;

        if (decoder == NULL)
          return NULL;
        if (onb_scan_source_is_still (source))
          uri = gst_filename_to_uri (detail, NULL);
        g_object_set (decoder, "uri", uri != NULL ? uri : detail, "caps", caps, "expose-all-streams", FALSE, NULL);
        return decoder;
      }

    case ONB_SCAN_SOURCE_PORTAL:
      {
        GstElement *element = make_element ("pipewiresrc", error);

        if (element != NULL)
          g_object_set (element, "fd", dup (portal_fd), NULL);
        return element;
      }

    case ONB_SCAN_SOURCE_AUTO:
    case ONB_SCAN_SOURCE_CAMERA:
      g_assert (camera != NULL);
      return onb_camera_create_element (camera, error);

    default:
      g_assert_not_reached ();
    }
}

static GstElement *
build_branch (GstBin      *pipeline,
              GstElement  *tee,
              const char  *caps_string,
              gboolean     leaky,
              GError     **error)
{
  static const char * const factories[] = { "queue", "videoconvert", "capsfilter", "appsink" };
  GstElement *elements[G_N_ELEMENTS (factories)] = { NULL, };
  GstElement *queue, *convert, *filter, *sink;
  g_autoptr(GstCaps) caps = gst_caps_from_string (caps_string);

  for (guint i = 0; i < G_N_ELEMENTS (factories); i++)
    if ((elements[i] = make_element (factories[i], error)) == NULL)
      {
        /* Not in the bin yet: the ones made so far are ours to drop. */
        for (guint j = 0; j < i; j++)
          gst_object_unref (gst_object_ref_sink (elements[j]));
        return NULL;
      }
  queue = elements[0];
  convert = elements[1];
  filter = elements[2];
  sink = elements[3];

  if (leaky)
    g_object_set (queue, "leaky", 2 /* downstream: drop the old frame */, "max-size-buffers", 1,
                  "max-size-bytes", 0, "max-size-time", (guint64) 0, NULL);
  g_object_set (filter, "caps", caps, NULL);
  g_object_set (sink, "max-buffers", 1, "drop", leaky, "enable-last-sample", FALSE, NULL);

  gst_bin_add_many (pipeline, queue, convert, filter, sink, NULL);
  gst_element_link_many (tee, queue, convert, filter, sink, NULL);

  return sink;
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  OnbCameraRun *run = user_data;

  switch ((int) GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      run->funcs->error (run->owner, run, message);
      break;

    case GST_MESSAGE_WARNING:
      {
        g_autoptr(GError) warning = NULL;

        gst_message_parse_warning (message, &warning, NULL);
        g_debug ("Pipeline warning: %s", warning->message);
      }
      break;

    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

OnbCameraRun *
onb_camera_run_new (OnbScanSource           *source,
                    OnbCamera               *camera,
                    int                      portal_fd,
                    gboolean                 with_preview,
                    const OnbCameraRunFuncs *funcs,
                    GObject                 *owner,
                    GMainContext            *context,
                    GError                 **error)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *source_element, *tee, *scan_sink, *preview_sink;
  OnbCameraRun *run;
  gboolean live = onb_scan_source_is_live (source);

  if ((source_element = make_source (source, camera, portal_fd, error)) == NULL)
    return NULL;

  pipeline = gst_object_ref_sink (gst_pipeline_new ("onb-scanner"));
  gst_bin_add (GST_BIN (pipeline), source_element);

  if ((tee = make_element ("tee", error)) == NULL)
    return NULL;
  gst_bin_add (GST_BIN (pipeline), tee);
  if (g_signal_lookup ("pad-added", G_OBJECT_TYPE (source_element)) != 0 &&
      GST_ELEMENT_CAST (source_element)->numsrcpads == 0)
    g_signal_connect_object (source_element, "pad-added", G_CALLBACK (on_decoder_pad_added), tee, 0);
  else if (!gst_element_link (source_element, tee))
    {
      g_set_error_literal (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_BAD_PIPELINE,
                           _("The video source does not put out video."));
      return NULL;
    }

  /* Files are not live: scan every frame rather than racing through them. */
  if ((scan_sink = build_branch (GST_BIN (pipeline), tee, SCAN_CAPS, live, error)) == NULL)
    return NULL;
  g_object_set (scan_sink, "sync", FALSE, NULL);

  run = g_new0 (OnbCameraRun, 1);
  g_atomic_ref_count_init (&run->ref_count);
  run->funcs = funcs;
  run->owner = owner;
  run->context = g_main_context_ref (context);
  run->still = onb_scan_source_is_still (source);
  run->live = live;
  run->scan_sink = gst_object_ref (scan_sink);

  if (with_preview)
    {
      GstAppSinkCallbacks callbacks = { .new_sample = on_preview_sample };

      if ((preview_sink = build_branch (GST_BIN (pipeline), tee, PREVIEW_CAPS, TRUE, error)) == NULL)
        {
          onb_camera_run_unref (run);
          return NULL;
        }
      /* A live source already comes at its pace: waiting for the clock
       * only adds latency, and a late frame then waits behind its time. */
      g_object_set (preview_sink, "sync", !live, NULL);
      /* No reference: the sink is inside the run's pipeline (a reference
       * would be a cycle that keeps both alive), and onb_camera_run_stop()
       * stops the pipeline, and with it these calls, before the run goes. */
      gst_app_sink_set_callbacks (GST_APP_SINK (preview_sink), &callbacks, run, NULL);
    }

  run->pipeline = g_steal_pointer (&pipeline);
  bus = gst_element_get_bus (run->pipeline);
  run->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (run->bus_source, (GSourceFunc) (GCallback) on_bus_message, onb_camera_run_ref (run),
                         (GDestroyNotify) onb_camera_run_unref);
  g_source_attach (run->bus_source, context);

  return run;
}

void
onb_camera_run_start (OnbCameraRun *run)
{
  if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      /* The error message on the bus says why; it is handled there. */
      g_debug ("Pipeline refused to start");
    }

  run->worker = g_thread_new ("onb-scan-worker", worker_main, onb_camera_run_ref (run));
}

void
onb_camera_run_stop (OnbCameraRun *run)
{
  g_atomic_int_set (&run->stop, TRUE);
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  if (run->worker != NULL)
    g_thread_join (g_steal_pointer (&run->worker));
  g_source_destroy (run->bus_source);
  g_clear_pointer (&run->bus_source, g_source_unref);
}
