/* onb-scanner.c: from a source to validated label codes (docs/design.md, Scanning)
 *
 * Each start builds a fresh camera pipeline with its worker thread (a run,
 * onb-camera-run.c); this turns what the run sees into the scanner's
 * states and reported codes. The agreement and hold-off rules live here,
 * not in the run, so that a camera that drops out and comes back does not
 * repeat the code it was looking at.
 */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <glib/gi18n.h>
#include <libportal/portal.h>
#include <unistd.h>

#include "onb-camera-monitor.h"
#include "onb-camera-run-private.h"
#include "onb-scan-enums.h"
#include "onb-scan-error.h"
#include "onb-scanner.h"

/* Two sightings further apart than this do not agree with each other. */
#define AGREE_WINDOW_US   (1 * G_USEC_PER_SEC)
#define RETRY_INTERVAL_MS 1000

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

struct _OnbScanner
{
  GObject parent_instance;

  GMainContext *context;
  OnbScanSource *source;
  OnbScannerState state;
  GError *error;
  OnbCameraRun *run;
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

/* ---- What the run tells (main thread) ---- */

static void
on_run_notice (GObject            *owner,
               OnbCameraRun       *run,
               OnbCameraRunNotice  kind,
               OnbScanHit         *hit)
{
  OnbScanner *self = ONB_SCANNER (owner);

  if (self->run != run)
    return;

  switch (kind)
    {
    case ONB_CAMERA_RUN_HIT:
      g_signal_emit (self, signals[CODE_DETECTED], 0, hit);
      break;

    case ONB_CAMERA_RUN_FINISHED:
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

    case ONB_CAMERA_RUN_STALLED:
      stop_run (self);
      camera_lost (self);
      break;

    case ONB_CAMERA_RUN_FIRST_FRAME:
    default:
      self->seen_frames = TRUE;
      if (self->state != ONB_SCANNER_STATE_RUNNING)
        set_state (self, ONB_SCANNER_STATE_RUNNING, NULL);
      break;
    }
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

/* Worker thread: the codes of a frame, agreed on before they are told. */
static void
on_frame_scanned (GObject      *owner,
                  OnbCameraRun *run,
                  GPtrArray    *found,
                  guint         width,
                  guint         height,
                  guint64       pts,
                  gint64        now)
{
  OnbScanner *self = ONB_SCANNER (owner);

  g_mutex_lock (&self->lock);
  self->scanned_frames++;
  for (guint i = 0; i < found->len; i++)
    {
      OnbDecodedSymbol *symbol = g_ptr_array_index (found, i);

      if (track_sighting (self, symbol->payload, now, onb_camera_run_is_still (run) ? 1 : 2))
        onb_camera_run_report_hit (run, onb_scan_hit_new (symbol->payload, symbol->corners, symbol->n_corners,
                                                          width, height, pts,
                                                          (const char * const *) self->profile_ids));
    }
  forget_old_tracks (self, now);
  g_mutex_unlock (&self->lock);
}

/* Streaming thread. */
static void
on_preview_frame (GObject   *owner,
                  GstSample *sample)
{
  OnbScanner *self = ONB_SCANNER (owner);
  g_autoptr(Preview) preview = NULL;

  g_mutex_lock (&self->lock);
  self->preview_frames++;
  if (self->preview != NULL)
    preview = preview_ref (self->preview);
  g_mutex_unlock (&self->lock);

  if (preview != NULL)
    preview->func (sample, preview->data);
}

static void on_pipeline_error (GObject *owner, OnbCameraRun *run, GstMessage *message);

static const OnbCameraRunFuncs run_funcs = {
  .frame_scanned = on_frame_scanned,
  .preview_frame = on_preview_frame,
  .notice = on_run_notice,
  .error = on_pipeline_error,
};

/* Returns: (nullable): the run, or NULL with @state set to the state this
 * failure means. */
static OnbCameraRun *
build_run (OnbScanner       *self,
           OnbScannerState  *state,
           GError          **error)
{
  OnbScanSourceKind kind = onb_scan_source_get_kind (self->source);
  g_autoptr(OnbCamera) camera = NULL;
  gboolean with_preview;

  if (kind == ONB_SCAN_SOURCE_CAMERA)
    camera = g_object_ref (onb_scan_source_get_camera (self->source));
  else if (kind == ONB_SCAN_SOURCE_AUTO)
    camera = onb_camera_monitor_choose (self->monitor, onb_scan_source_get_detail (self->source));

  if ((kind == ONB_SCAN_SOURCE_CAMERA || kind == ONB_SCAN_SOURCE_AUTO) && camera == NULL)
    {
      *state = self->seen_frames ? ONB_SCANNER_STATE_UNPLUGGED : ONB_SCANNER_STATE_NO_CAMERA;
      g_set_error_literal (error, ONB_SCAN_ERROR,
                           self->seen_frames ? ONB_SCAN_ERROR_CAMERA_UNPLUGGED : ONB_SCAN_ERROR_NO_CAMERA,
                           self->seen_frames
                           ? _("The camera was disconnected. Plug it back in; scanning goes on by itself.")
                           : _("No camera is connected. Plug in a USB camera; scanning starts by itself."));
      return NULL;
    }

  *state = ONB_SCANNER_STATE_FAILED;
  g_mutex_lock (&self->lock);
  with_preview = self->preview != NULL;
  g_mutex_unlock (&self->lock);

  return onb_camera_run_new (self->source, camera, self->portal_fd, with_preview, &run_funcs,
                             G_OBJECT (self), self->context, error);
}

/* ---- Camera run lifecycle (main thread) ---- */

static void
stop_run (OnbScanner *self)
{
  g_autoptr(OnbCameraRun) run = g_steal_pointer (&self->run);

  if (run != NULL)
    onb_camera_run_stop (run);
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

/* Main thread: an error on the run's bus. */
static void
on_pipeline_error (GObject      *owner,
                   OnbCameraRun *run,
                   GstMessage   *message)
{
  OnbScanner *self = ONB_SCANNER (owner);
  g_autoptr(GError) gst_error = NULL;
  g_autofree char *debug = NULL;
  gboolean live = onb_scan_source_is_live (self->source);

  if (self->run != run)
    return;

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

static void
start_run (OnbScanner *self)
{
  g_autoptr(GError) error = NULL;
  OnbScannerState failed_state;
  OnbCameraRun *run;

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

  onb_camera_run_start (run);
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
  return self->run != NULL ? onb_camera_run_get_pipeline (self->run) : NULL;
}
