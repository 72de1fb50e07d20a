/* onb-scanner.c: from a source to validated label codes (docs/design.md, Scanning)
 *
 * Each start builds a fresh pipeline (a "run"): the source bin, a tee, a
 * preview branch and a scan branch. Both branches start with a leaky
 * one-buffer queue and end in an appsink that keeps only the newest frame,
 * so neither can hold the other up (files and images, which are not live,
 * are scanned frame by frame instead). A worker thread per run pulls luma
 * frames and runs the frame decoder; whatever arrives while it is busy is
 * dropped. The agreement and hold-off rules live in the scanner, not the
 * run, so that a camera that drops out and comes back does not repeat the
 * code it was looking at.
 */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <libportal/portal.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#endif

#include "onb-camera-monitor.h"
#include "onb-frame-decoder-private.h"
#include "onb-scan-enums.h"
#include "onb-scan-error.h"
#include "onb-scanner.h"

/* Two sightings further apart than this do not agree with each other. */
#define AGREE_WINDOW_US   (1 * G_USEC_PER_SEC)
#define RETRY_INTERVAL_MS 1000
#define PULL_TIMEOUT      (100 * GST_MSECOND)
/* A live source silent this long after its first frame has gone, even
 * if it says nothing (a PipeWire camera that leaves only stops sending). */
#define STALL_US          (4 * G_USEC_PER_SEC)

#define SCAN_CAPS    "video/x-raw,format={GRAY8,I420,YV12,NV12,NV21,Y42B,Y444}"
#define PREVIEW_CAPS "video/x-raw,format={RGB,BGR,RGBA,BGRA}"

typedef struct
{
  gint64 last_seen;
  guint count;
  gboolean reported;
} Track;

/* The preview callback with its data, shared by the streaming thread that
 * calls it and the caller that replaces it: the data is destroyed after
 * the last call that was under way, and no call runs under the scanner's
 * lock (the callback takes the paintable's). */
typedef struct
{
  gatomicrefcount ref_count;
  OnbScanPreviewFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Preview;

/* One camera pipeline and its worker thread, from start to stop. */
typedef struct
{
  gatomicrefcount ref_count;
  OnbScanner *scanner;   /* not owned: the scanner stops its runs before it goes */
  GstElement *pipeline;
  GstElement *scan_sink;
  GSource *bus_source;
  GThread *worker;
  gint stop;             /* atomic */
  gint got_frame;        /* atomic */
  gboolean still;
  gboolean live;
} CameraRun;

struct _OnbScanner
{
  GObject parent_instance;

  GMainContext *context;
  OnbScanSource *source;
  OnbScannerState state;
  GError *error;
  CameraRun *run;
  gboolean wanted;         /* started and not stopped by the caller */
  gboolean seen_frames;    /* frames arrived since start: a later failure is an unplug */
  guint retry_id;
  OnbCameraMonitor *monitor;
  gulong monitor_handler;

  XdpPortal *portal;
  GCancellable *portal_cancellable;
  int portal_fd;

  /* Shared with the worker and streaming threads. */
  GMutex lock;
  GHashTable *tracks;      /* GBytes payload → Track */
  char **profile_ids;
  guint hold_off_ms;
  Preview *preview;
  guint64 preview_frames;
  guint64 scanned_frames;
};

G_DEFINE_FINAL_TYPE (OnbScanner, onb_scanner, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_STATE,
  PROP_HOLD_OFF,
  N_PROPS
};

enum {
  CODE_DETECTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_run   (OnbScanner *self);
static void stop_run    (OnbScanner *self);
static void camera_lost (OnbScanner *self);

static Preview *
preview_ref (Preview *preview)
{
  g_atomic_ref_count_inc (&preview->ref_count);
  return preview;
}

static void
preview_unref (Preview *preview)
{
  if (g_atomic_ref_count_dec (&preview->ref_count))
    {
      if (preview->destroy != NULL)
        preview->destroy (preview->data);
      g_free (preview);
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Preview, preview_unref)

static CameraRun *
camera_run_ref (CameraRun *run)
{
  g_atomic_ref_count_inc (&run->ref_count);
  return run;
}

static void
camera_run_unref (CameraRun *run)
{
  if (g_atomic_ref_count_dec (&run->ref_count))
    {
      g_clear_object (&run->scan_sink);
      g_clear_object (&run->pipeline);
      g_free (run);
    }
}

static void
set_state (OnbScanner      *self,
           OnbScannerState  state,
           GError          *error)
{
  g_clear_error (&self->error);
  self->error = error;

  if (error != NULL)
    g_debug ("Scanner state %d: %s", state, error->message);

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

/* ---- Main-thread callbacks from the worker and streaming threads ---- */

typedef enum
{
  NOTICE_FIRST_FRAME,
  NOTICE_HIT,
  NOTICE_FINISHED,  /* the end of a file or image */
  NOTICE_STALLED,   /* a live source stopped sending */
} NoticeKind;

typedef struct
{
  OnbScanner *scanner;
  CameraRun *run;
  NoticeKind kind;
  OnbScanHit *hit;
} Notice;

static void
notice_free (gpointer data)
{
  Notice *notice = data;

  g_object_unref (notice->scanner);
  camera_run_unref (notice->run);
  g_clear_pointer (&notice->hit, onb_scan_hit_unref);
  g_free (notice);
}

static gboolean
notice_dispatch (gpointer data)
{
  Notice *notice = data;
  OnbScanner *self = notice->scanner;

  if (self->run != notice->run)
    return G_SOURCE_REMOVE;

  switch (notice->kind)
    {
    case NOTICE_HIT:
      g_signal_emit (self, signals[CODE_DETECTED], 0, notice->hit);
      break;

    case NOTICE_FINISHED:
      stop_run (self);
      self->wanted = FALSE;
      if (self->state == ONB_SCANNER_STATE_STARTING && onb_scan_source_is_still (self->source))
        set_state (self, ONB_SCANNER_STATE_FAILED,
                   g_error_new (ONB_SCAN_ERROR, ONB_SCAN_ERROR_NO_VIDEO,
                                _("“%s” holds no picture that can be read."),
                                onb_scan_source_get_detail (self->source)));
      else
        set_state (self, ONB_SCANNER_STATE_FINISHED, NULL);
      break;

    case NOTICE_STALLED:
      stop_run (self);
      camera_lost (self);
      break;

    case NOTICE_FIRST_FRAME:
    default:
      self->seen_frames = TRUE;
      if (self->state != ONB_SCANNER_STATE_RUNNING)
        set_state (self, ONB_SCANNER_STATE_RUNNING, NULL);
      break;
    }

  return G_SOURCE_REMOVE;
}

/* Takes @hit, which only NOTICE_HIT carries. */
static void
post_notice (CameraRun  *run,
             NoticeKind  kind,
             OnbScanHit *hit)
{
  Notice *notice = g_new0 (Notice, 1);
  GSource *source = g_idle_source_new ();

  notice->scanner = g_object_ref (run->scanner);
  notice->run = camera_run_ref (run);
  notice->kind = kind;
  notice->hit = hit;

  /* Not g_main_context_invoke(): that runs the callback right here when
   * this thread can acquire the context, and the callback must run on the
   * scanner's thread. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, notice_dispatch, notice, notice_free);
  g_source_attach (source, run->scanner->context);
  g_source_unref (source);
}

static void
first_frame (CameraRun *run)
{
  if (g_atomic_int_compare_and_exchange (&run->got_frame, FALSE, TRUE))
    post_notice (run, NOTICE_FIRST_FRAME, NULL);
}

/* ---- Agreement and hold-off (worker thread, under the lock) ---- */

static gboolean
track_sighting (OnbScanner *self,
                GBytes     *payload,
                gint64      now,
                guint       needed)
{
  gint64 hold_off = (gint64) self->hold_off_ms * 1000;
  Track *track = g_hash_table_lookup (self->tracks, payload);

  if (track == NULL)
    {
      track = g_new0 (Track, 1);
      g_hash_table_insert (self->tracks, g_bytes_ref (payload), track);
    }
  else if (now - track->last_seen > MAX (hold_off, AGREE_WINDOW_US))
    {
      /* Out of sight for the whole hold-off: this is a new arrival. */
      track->count = 0;
      track->reported = FALSE;
    }
  else if (!track->reported && now - track->last_seen > AGREE_WINDOW_US)
    track->count = 0;

  track->count++;
  track->last_seen = now;

  if (!track->reported && track->count >= needed)
    {
      track->reported = TRUE;
      return TRUE;
    }
  return FALSE;
}

static void
forget_old_tracks (OnbScanner *self,
                   gint64      now)
{
  gint64 keep = MAX ((gint64) self->hold_off_ms * 1000, AGREE_WINDOW_US);
  GHashTableIter iter;
  Track *track;

  g_hash_table_iter_init (&iter, self->tracks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &track))
    if (now - track->last_seen > keep)
      g_hash_table_iter_remove (&iter);
}

/* ---- Worker thread ---- */

static void
scan_sample (CameraRun       *run,
             OnbFrameDecoder *decoder,
             GstSample       *sample)
{
  OnbScanner *self = run->scanner;
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

  g_mutex_lock (&self->lock);
  self->scanned_frames++;
  for (guint i = 0; i < found->len; i++)
    {
      OnbDecodedSymbol *symbol = g_ptr_array_index (found, i);

      if (track_sighting (self, symbol->payload, now, run->still ? 1 : 2))
        post_notice (run, NOTICE_HIT,
                     onb_scan_hit_new (symbol->payload, symbol->corners, symbol->n_corners,
                                       GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info),
                                       pts, (const char * const *) self->profile_ids));
    }
  forget_old_tracks (self, now);
  g_mutex_unlock (&self->lock);
}

static gpointer
worker_main (gpointer data)
{
  CameraRun *run = data;
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
          post_notice (run, NOTICE_FINISHED, NULL);
          break;
        }
      else if (run->live && last_frame != 0 && g_get_monotonic_time () - last_frame > STALL_US)
        {
          post_notice (run, NOTICE_STALLED, NULL);
          break;
        }
    }

  camera_run_unref (run);
  return NULL;
}

/* ---- Preview (streaming thread) ---- */

static GstFlowReturn
on_preview_sample (GstAppSink *sink,
                   gpointer    user_data)
{
  CameraRun *run = user_data;
  OnbScanner *self = run->scanner;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  g_autoptr(Preview) preview = NULL;

  if (sample == NULL)
    return GST_FLOW_EOS;

  first_frame (run);

  g_mutex_lock (&self->lock);
  self->preview_frames++;
  if (self->preview != NULL)
    preview = preview_ref (self->preview);
  g_mutex_unlock (&self->lock);

  if (preview != NULL)
    preview->func (sample, preview->data);

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

/* Returns: (transfer floating): the source, or NULL with @state set to
 * the state this failure means. */
static GstElement *
make_source (OnbScanner       *self,
             OnbScannerState  *state,
             GError          **error)
{
  OnbScanSource *source = self->source;
  const char *detail = onb_scan_source_get_detail (source);
  g_autoptr(OnbCamera) camera = NULL;

  *state = ONB_SCANNER_STATE_FAILED;

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
          g_object_set (element, "fd", dup (self->portal_fd), NULL);
        return element;
      }

    case ONB_SCAN_SOURCE_AUTO:
    case ONB_SCAN_SOURCE_CAMERA:
      {
        if (onb_scan_source_get_kind (source) == ONB_SCAN_SOURCE_CAMERA)
          camera = g_object_ref (onb_scan_source_get_camera (source));
        else
          camera = onb_camera_monitor_choose (self->monitor, detail);

        if (camera == NULL)
          {
            *state = self->seen_frames ? ONB_SCANNER_STATE_UNPLUGGED : ONB_SCANNER_STATE_NO_CAMERA;
            g_set_error_literal (error, ONB_SCAN_ERROR,
                                 self->seen_frames ? ONB_SCAN_ERROR_CAMERA_UNPLUGGED : ONB_SCAN_ERROR_NO_CAMERA,
                                 self->seen_frames
                                 ? _("The camera was disconnected. Plug it back in; scanning goes on by itself.")
                                 : _("No camera is connected. Plug in a USB camera; scanning starts by itself."));
            return NULL;
          }
        return onb_camera_create_element (camera, error);
      }

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

static gboolean on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data);

static CameraRun *
build_run (OnbScanner       *self,
           OnbScannerState  *state,
           GError          **error)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *source, *tee, *scan_sink, *preview_sink;
  CameraRun *run;
  gboolean live = onb_scan_source_is_live (self->source);

  if ((source = make_source (self, state, error)) == NULL)
    return NULL;

  *state = ONB_SCANNER_STATE_FAILED;
  pipeline = gst_object_ref_sink (gst_pipeline_new ("onb-scanner"));
  gst_bin_add (GST_BIN (pipeline), source);

  if ((tee = make_element ("tee", error)) == NULL)
    return NULL;
  gst_bin_add (GST_BIN (pipeline), tee);
  if (g_signal_lookup ("pad-added", G_OBJECT_TYPE (source)) != 0 && GST_ELEMENT_CAST (source)->numsrcpads == 0)
    g_signal_connect_object (source, "pad-added", G_CALLBACK (on_decoder_pad_added), tee, 0);
  else if (!gst_element_link (source, tee))
    {
      g_set_error_literal (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_BAD_PIPELINE,
                           _("The video source does not put out video."));
      return NULL;
    }

  /* Files are not live: scan every frame rather than racing through them. */
  if ((scan_sink = build_branch (GST_BIN (pipeline), tee, SCAN_CAPS, live, error)) == NULL)
    return NULL;
  g_object_set (scan_sink, "sync", FALSE, NULL);

  run = g_new0 (CameraRun, 1);
  g_atomic_ref_count_init (&run->ref_count);
  run->scanner = self;
  run->still = onb_scan_source_is_still (self->source);
  run->live = live;
  run->scan_sink = gst_object_ref (scan_sink);

  g_mutex_lock (&self->lock);
  if (self->preview != NULL)
    {
      GstAppSinkCallbacks callbacks = { .new_sample = on_preview_sample };

      if ((preview_sink = build_branch (GST_BIN (pipeline), tee, PREVIEW_CAPS, TRUE, error)) == NULL)
        {
          g_mutex_unlock (&self->lock);
          camera_run_unref (run);
          return NULL;
        }
      /* A live source already comes at its pace: waiting for the clock
       * only adds latency, and a late frame then waits behind its time. */
      g_object_set (preview_sink, "sync", !live, NULL);
      /* No reference: the sink is inside the run's pipeline (a reference
       * would be a cycle that keeps both alive), and stop_run() stops
       * the pipeline, and with it these calls, before the run goes. */
      gst_app_sink_set_callbacks (GST_APP_SINK (preview_sink), &callbacks, run, NULL);
    }
  g_mutex_unlock (&self->lock);

  run->pipeline = g_steal_pointer (&pipeline);
  bus = gst_element_get_bus (run->pipeline);
  run->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (run->bus_source, (GSourceFunc) (GCallback) on_bus_message, camera_run_ref (run),
                         (GDestroyNotify) camera_run_unref);
  g_source_attach (run->bus_source, self->context);

  return run;
}

/* ---- Camera run lifecycle (main thread) ---- */

static void
stop_run (OnbScanner *self)
{
  CameraRun *run = g_steal_pointer (&self->run);

  if (run == NULL)
    return;

  g_atomic_int_set (&run->stop, TRUE);
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  if (run->worker != NULL)
    g_thread_join (g_steal_pointer (&run->worker));
  g_source_destroy (run->bus_source);
  g_clear_pointer (&run->bus_source, g_source_unref);
  camera_run_unref (run);
}

static gboolean
retry_cb (gpointer user_data)
{
  OnbScanner *self = user_data;

  self->retry_id = 0;
  if (self->wanted && self->run == NULL)
    start_run (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (OnbScanner *self)
{
  if (self->retry_id == 0)
    self->retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, RETRY_INTERVAL_MS, retry_cb, self, NULL);
}

/* A camera appeared or went: whoever waits for one tries again now. */
static void
on_cameras_changed (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    gpointer    user_data)
{
  OnbScanner *self = user_data;

  if (added > 0 && self->wanted && self->run == NULL &&
      (self->state == ONB_SCANNER_STATE_NO_CAMERA || self->state == ONB_SCANNER_STATE_UNPLUGGED))
    {
      g_clear_handle_id (&self->retry_id, g_source_remove);
      start_run (self);
    }
}

/* It worked and stopped: the camera went away. Keep trying. */
static void
camera_lost (OnbScanner *self)
{
  set_state (self, ONB_SCANNER_STATE_UNPLUGGED,
             g_error_new_literal (ONB_SCAN_ERROR, ONB_SCAN_ERROR_CAMERA_UNPLUGGED,
                                  _("The camera was disconnected. Plug it back in; scanning goes on by itself.")));
  schedule_retry (self);
}

static gboolean
is_missing_plugin_error (const GError *error)
{
  return g_error_matches (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN) ||
         g_error_matches (error, GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND);
}

static void
on_pipeline_error (OnbScanner   *self,
                   GstMessage   *message)
{
  g_autoptr(GError) gst_error = NULL;
  g_autofree char *debug = NULL;
  gboolean live = onb_scan_source_is_live (self->source);

  gst_message_parse_error (message, &gst_error, &debug);
  g_debug ("Pipeline error from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
           gst_error->message, debug ? debug : "");

  stop_run (self);

  if (is_missing_plugin_error (gst_error))
    {
      self->wanted = FALSE;
      set_state (self, ONB_SCANNER_STATE_FAILED,
                 g_error_new (ONB_SCAN_ERROR, ONB_SCAN_ERROR_MISSING_ELEMENT,
                              _("A GStreamer plugin needed to read this video is missing: %s"),
                              gst_error->message));
    }
  else if (live && self->seen_frames)
    camera_lost (self);
  else if (onb_scan_source_is_still (self->source))
    {
      self->wanted = FALSE;
      set_state (self, ONB_SCANNER_STATE_FAILED,
                 g_error_new (ONB_SCAN_ERROR, ONB_SCAN_ERROR_NO_VIDEO,
                              _("“%s” cannot be read as a picture: %s"),
                              onb_scan_source_get_detail (self->source), gst_error->message));
    }
  else
    {
      self->wanted = FALSE;
      set_state (self, ONB_SCANNER_STATE_FAILED,
                 g_error_new (ONB_SCAN_ERROR, ONB_SCAN_ERROR_STREAM_FAILED,
                              live ? _("The camera cannot be used: %s. Check that no other program is using it.")
                                   : _("The video cannot be played: %s"),
                              gst_error->message));
    }
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  CameraRun *run = user_data;
  OnbScanner *self = run->scanner;

  if (self->run != run)
    return G_SOURCE_CONTINUE;

  switch ((int) GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      on_pipeline_error (self, message);
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

static void
start_run (OnbScanner *self)
{
  g_autoptr(GError) error = NULL;
  OnbScannerState failed_state;
  CameraRun *run;

  g_assert (self->run == NULL);

  if (!onb_scan_source_is_live (self->source))
    {
      g_mutex_lock (&self->lock);
      g_hash_table_remove_all (self->tracks);
      g_mutex_unlock (&self->lock);
    }

  if ((run = build_run (self, &failed_state, &error)) == NULL)
    {
      if (failed_state == ONB_SCANNER_STATE_FAILED)
        self->wanted = FALSE;
      set_state (self, failed_state, g_steal_pointer (&error));
      /* Waiting for a camera: the monitor's items-changed restarts us,
       * the timer covers cameras that come back under the same device. */
      if (failed_state == ONB_SCANNER_STATE_UNPLUGGED)
        schedule_retry (self);
      return;
    }

  self->run = run;
  if (self->state != ONB_SCANNER_STATE_UNPLUGGED)
    set_state (self, ONB_SCANNER_STATE_STARTING, NULL);

  if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      /* The error message on the bus says why; it is handled there. */
      g_debug ("Pipeline refused to start");
    }

  run->worker = g_thread_new ("onb-scan-worker", worker_main, camera_run_ref (run));
}

static void
on_camera_access (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OnbScanner *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xdp_portal_access_camera_finish (XDP_PORTAL (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          !g_cancellable_is_cancelled (self->portal_cancellable))
        {
          self->wanted = FALSE;
          set_state (self, ONB_SCANNER_STATE_PERMISSION_DENIED,
                     g_error_new_literal (ONB_SCAN_ERROR, ONB_SCAN_ERROR_PERMISSION_DENIED,
                                          _("Onboarder may not use the camera. Allow camera access in the system settings (Privacy → Camera), then start scanning again.")));
        }
      g_object_unref (self);
      return;
    }

  self->portal_fd = xdp_portal_open_pipewire_remote_for_camera (XDP_PORTAL (object));
  if (self->portal_fd < 0)
    {
      self->wanted = FALSE;
      set_state (self, ONB_SCANNER_STATE_FAILED,
                 g_error_new_literal (ONB_SCAN_ERROR, ONB_SCAN_ERROR_PORTAL_FAILED,
                                      _("The camera could not be opened through the desktop portal. Restart Onboarder; if it happens again, restart the computer.")));
    }
  else if (self->wanted && self->run == NULL)
    start_run (self);

  g_object_unref (self);
}

/* Inside Flatpak the camera comes from the portal, after the user agrees. */
static void
start_portal (OnbScanner *self)
{
  if (self->portal_fd >= 0)
    {
      start_run (self);
      return;
    }

  if (self->portal == NULL)
    self->portal = xdp_portal_new ();

  if (!xdp_portal_is_camera_present (self->portal))
    {
      set_state (self, ONB_SCANNER_STATE_NO_CAMERA,
                 g_error_new_literal (ONB_SCAN_ERROR, ONB_SCAN_ERROR_NO_CAMERA,
                                      _("No camera is connected. Plug in a USB camera, then start scanning again.")));
      self->wanted = FALSE;
      return;
    }

  set_state (self, ONB_SCANNER_STATE_STARTING, NULL);
  g_clear_object (&self->portal_cancellable);
  self->portal_cancellable = g_cancellable_new ();
  xdp_portal_access_camera (self->portal, NULL, XDP_CAMERA_FLAG_NONE, self->portal_cancellable,
                            on_camera_access, g_object_ref (self));
}

static gboolean
uses_portal (OnbScanSource *source)
{
  return onb_scan_source_get_kind (source) == ONB_SCAN_SOURCE_PORTAL ||
         (onb_scan_source_get_kind (source) == ONB_SCAN_SOURCE_AUTO && onb_scan_in_flatpak ());
}

/* ---- GObject ---- */

static void
onb_scanner_dispose (GObject *object)
{
  OnbScanner *self = ONB_SCANNER (object);

  onb_scanner_stop (self);
  if (self->monitor != NULL)
    g_clear_signal_handler (&self->monitor_handler, self->monitor);
  g_clear_object (&self->monitor);
  g_clear_object (&self->portal);

  G_OBJECT_CLASS (onb_scanner_parent_class)->dispose (object);
}

static void
onb_scanner_finalize (GObject *object)
{
  OnbScanner *self = ONB_SCANNER (object);

  if (self->portal_fd >= 0)
    close (self->portal_fd);
  g_clear_pointer (&self->preview, preview_unref);
  g_clear_object (&self->source);
  g_clear_error (&self->error);
  g_clear_pointer (&self->tracks, g_hash_table_unref);
  g_clear_pointer (&self->profile_ids, g_strfreev);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (onb_scanner_parent_class)->finalize (object);
}

static void
onb_scanner_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  OnbScanner *self = ONB_SCANNER (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, self->source);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_HOLD_OFF:
      g_value_set_uint (value, onb_scanner_get_hold_off (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_scanner_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  OnbScanner *self = ONB_SCANNER (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      onb_scanner_set_source (self, g_value_get_object (value));
      break;

    case PROP_HOLD_OFF:
      onb_scanner_set_hold_off (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_scanner_class_init (OnbScannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = onb_scanner_dispose;
  object_class->finalize = onb_scanner_finalize;
  object_class->get_property = onb_scanner_get_property;
  object_class->set_property = onb_scanner_set_property;

  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL, ONB_TYPE_SCAN_SOURCE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, ONB_TYPE_SCANNER_STATE, ONB_SCANNER_STATE_STOPPED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HOLD_OFF] =
    g_param_spec_uint ("hold-off", NULL, NULL, 0, 600000, ONB_SCANNER_DEFAULT_HOLD_OFF_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CODE_DETECTED] =
    g_signal_new ("code-detected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, ONB_TYPE_SCAN_HIT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
onb_scanner_init (OnbScanner *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
  self->tracks = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, g_free);
  self->hold_off_ms = ONB_SCANNER_DEFAULT_HOLD_OFF_MS;
  self->portal_fd = -1;
}

OnbScanner *
onb_scanner_new (OnbScanSource *source)
{
  g_return_val_if_fail (ONB_IS_SCAN_SOURCE (source), NULL);

  gst_init (NULL, NULL);
  return g_object_new (ONB_TYPE_SCANNER, "source", source, NULL);
}

OnbScanSource *
onb_scanner_get_source (OnbScanner *self)
{
  g_return_val_if_fail (ONB_IS_SCANNER (self), NULL);
  return self->source;
}

void
onb_scanner_set_source (OnbScanner    *self,
                        OnbScanSource *source)
{
  gboolean was_wanted;

  g_return_if_fail (ONB_IS_SCANNER (self));
  g_return_if_fail (ONB_IS_SCAN_SOURCE (source));

  if (self->source == source)
    return;

  was_wanted = self->wanted;
  onb_scanner_stop (self);
  g_set_object (&self->source, source);
  self->seen_frames = FALSE;
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->tracks);
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE]);

  if (was_wanted)
    onb_scanner_start (self);
}

/**
 * onb_scanner_start:
 *
 * Starts (or restarts after a failure) scanning; progress and problems
 * are reported through the state.
 */
void
onb_scanner_start (OnbScanner *self)
{
  g_return_if_fail (ONB_IS_SCANNER (self));

  if (self->wanted)
    return;

  self->wanted = TRUE;
  self->seen_frames = FALSE;
  g_mutex_lock (&self->lock);
  self->preview_frames = 0;
  self->scanned_frames = 0;
  g_mutex_unlock (&self->lock);

  if (onb_scan_source_get_kind (self->source) == ONB_SCAN_SOURCE_AUTO && !onb_scan_in_flatpak () &&
      self->monitor == NULL)
    {
      self->monitor = g_object_ref (onb_camera_monitor_get_default ());
      self->monitor_handler = g_signal_connect (self->monitor, "items-changed",
                                                G_CALLBACK (on_cameras_changed), self);
    }

  if (uses_portal (self->source))
    start_portal (self);
  else
    start_run (self);
}

void
onb_scanner_stop (OnbScanner *self)
{
  g_return_if_fail (ONB_IS_SCANNER (self));

  self->wanted = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->portal_cancellable != NULL)
    g_cancellable_cancel (self->portal_cancellable);
  stop_run (self);
  if (self->state != ONB_SCANNER_STATE_FAILED && self->state != ONB_SCANNER_STATE_FINISHED &&
      self->state != ONB_SCANNER_STATE_PERMISSION_DENIED)
    set_state (self, ONB_SCANNER_STATE_STOPPED, NULL);
}

OnbScannerState
onb_scanner_get_state (OnbScanner *self)
{
  g_return_val_if_fail (ONB_IS_SCANNER (self), ONB_SCANNER_STATE_STOPPED);
  return self->state;
}

/* Returns: (nullable): why the scanner is not running, in words for the
 * operator; its reason (onb_error_get_reason()) is stable. */
const GError *
onb_scanner_get_error (OnbScanner *self)
{
  g_return_val_if_fail (ONB_IS_SCANNER (self), NULL);
  return self->error;
}

void
onb_scanner_set_profile_ids (OnbScanner         *self,
                             const char * const *profile_ids)
{
  g_return_if_fail (ONB_IS_SCANNER (self));

  g_mutex_lock (&self->lock);
  g_strfreev (self->profile_ids);
  self->profile_ids = g_strdupv ((char **) profile_ids);
  g_mutex_unlock (&self->lock);
}

void
onb_scanner_set_hold_off (OnbScanner *self,
                          guint       milliseconds)
{
  g_return_if_fail (ONB_IS_SCANNER (self));

  g_mutex_lock (&self->lock);
  if (self->hold_off_ms == milliseconds)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->hold_off_ms = milliseconds;
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOLD_OFF]);
}

guint
onb_scanner_get_hold_off (OnbScanner *self)
{
  guint value;

  g_return_val_if_fail (ONB_IS_SCANNER (self), 0);

  g_mutex_lock (&self->lock);
  value = self->hold_off_ms;
  g_mutex_unlock (&self->lock);
  return value;
}

/**
 * onb_scanner_set_preview_func:
 * @func: (nullable): called on a streaming thread for each preview frame,
 *   without the scanner's lock held
 *
 * The preview branch is built at start: setting the first callback takes
 * effect at the next start, replacing one at the next frame. The old
 * @destroy runs after the old callback's last call.
 */
void
onb_scanner_set_preview_func (OnbScanner         *self,
                              OnbScanPreviewFunc  func,
                              gpointer            user_data,
                              GDestroyNotify      destroy)
{
  Preview *preview = NULL;
  Preview *old;

  g_return_if_fail (ONB_IS_SCANNER (self));

  if (func != NULL)
    {
      preview = g_new0 (Preview, 1);
      g_atomic_ref_count_init (&preview->ref_count);
      preview->func = func;
      preview->data = user_data;
      preview->destroy = destroy;
    }

  g_mutex_lock (&self->lock);
  old = g_steal_pointer (&self->preview);
  self->preview = preview;
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&old, preview_unref);
}

guint64
onb_scanner_get_preview_frames (OnbScanner *self)
{
  guint64 value;

  g_return_val_if_fail (ONB_IS_SCANNER (self), 0);

  g_mutex_lock (&self->lock);
  value = self->preview_frames;
  g_mutex_unlock (&self->lock);
  return value;
}

guint64
onb_scanner_get_scanned_frames (OnbScanner *self)
{
  guint64 value;

  g_return_val_if_fail (ONB_IS_SCANNER (self), 0);

  g_mutex_lock (&self->lock);
  value = self->scanned_frames;
  g_mutex_unlock (&self->lock);
  return value;
}

/* Returns: (nullable) (transfer none) */
GstElement *
onb_scanner_get_pipeline (OnbScanner *self)
{
  g_return_val_if_fail (ONB_IS_SCANNER (self), NULL);
  return self->run != NULL ? self->run->pipeline : NULL;
}
