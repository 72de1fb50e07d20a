/* onb-application.c: the kiosk application: configuration, engine, scanner
 *
 * Owns what lives longer than a page: the configuration, the HTTP client,
 * the job engine, the scanner and its preview, the sounds and, with
 * --demo, the simulator and the conveyor. Nothing here blocks the main
 * loop: the engine journals on its worker, imports run on a thread, the
 * scanner decodes on its own.
 */

#define G_LOG_DOMAIN "onb-application"

#include "config.h"

#include <signal.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "onb-application.h"
#include "onb-camera-monitor.h"
#include "onb-demo.h"
#include "onb-error.h"
#include "onb-ui-resources.h"
#include "onb-video-paintable.h"
#include "onb-window.h"

#define DEMO_INTERVAL_MS 4000
#define SCHEMA_ID        "io.github.onboarder.Onboarder"

struct _OnbApplication
{
  AdwApplication     parent_instance;

  /* Command line */
  char              *config_path;
  char              *demo_labels;
  char              *demo_devices;
  int                demo_interval;
  gboolean           kiosk;
  gboolean           demo_mode;
  gboolean           configured;   /* a configuration file was found */

  GSettings         *settings;
  OnbConfig         *config;
  OnbHttpClient     *http;
  OnbEngine         *engine;
  OnbEngine         *stopping_engine;   /* a reload waits for its shutdown */
  GError            *engine_error;
  /* The last scan that came while the engine was starting: a label left
   * under the camera is seen only once, so it is taken when the engine
   * has started. */
  GBytes            *held_payload;
  char              *held_source;
  OnbSoundPlayer    *sounds;
  OnbScanner        *scanner;
  OnbVideoPaintable *paintable;
  OnbDemo           *demo;
  OnbConveyor       *conveyor;
  OnbWindow         *window;
  guint              inhibit_cookie;
  gboolean           engine_starting;
  gboolean           engine_started;
  gboolean           scanning;
  gboolean           ready;
};

G_DEFINE_FINAL_TYPE (OnbApplication, onb_application, ADW_TYPE_APPLICATION)

enum {
  ENGINE_CHANGED,
  READY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const GOptionEntry option_entries[] = {
  { "kiosk", 'k', 0, G_OPTION_ARG_NONE, NULL,
    N_("Full screen; closing and Setup need the PIN"), NULL },
  { "demo", 'd', 0, G_OPTION_ARG_NONE, NULL,
    N_("Demonstration: simulated clouds, sample devices and a conveyor of labels"), NULL },
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Use this configuration file"), N_("FILE") },
  { "demo-interval", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("Milliseconds between two labels of the demo conveyor"), N_("MS") },
  { "demo-labels", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Labels for the demo conveyor, one per line"), N_("FILE") },
  { "demo-devices", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Device list (CSV) the demo imports"), N_("FILE") },
  { NULL }
};

gboolean
onb_application_get_kiosk (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), FALSE);

  return self->kiosk;
}

gboolean
onb_application_get_configured (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), FALSE);

  return self->configured;
}

gboolean
onb_application_get_demo (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), FALSE);

  return self->demo_mode;
}

OnbConfig *
onb_application_get_config (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), NULL);

  return self->config;
}

const char *
onb_application_get_config_path (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), NULL);

  if (self->config_path != NULL)
    return self->config_path;
  return onb_config_get_path (self->config);
}

OnbHttpClient *
onb_application_get_http_client (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), NULL);

  return self->http;
}

GSettings *
onb_application_get_settings (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), NULL);

  return self->settings;
}

OnbSoundPlayer *
onb_application_get_sound_player (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), NULL);

  return self->sounds;
}

OnbEngine *
onb_application_get_engine (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), NULL);

  return self->engine;
}

void
onb_application_get_engine_error (OnbApplication  *self,
                                  GError         **error)
{
  g_return_if_fail (ONB_IS_APPLICATION (self));

  if (self->engine_error != NULL)
    g_propagate_error (error, g_error_copy (self->engine_error));
}

OnbScanner *
onb_application_get_scanner (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), NULL);

  return self->scanner;
}

OnbConveyor *
onb_application_get_conveyor (OnbApplication *self)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), NULL);

  return self->conveyor;
}

OnbJob *
onb_application_submit (OnbApplication  *self,
                        const char      *payload,
                        gsize            length,
                        const char      *source,
                        GError         **error)
{
  g_return_val_if_fail (ONB_IS_APPLICATION (self), NULL);

  if (self->engine == NULL || !self->engine_started)
    {
      if (self->engine == NULL && self->engine_error != NULL)
        {
          g_propagate_error (error, g_error_copy (self->engine_error));
          return NULL;
        }
      g_clear_pointer (&self->held_payload, g_bytes_unref);
      self->held_payload = g_bytes_new (payload, length);
      g_free (self->held_source);
      self->held_source = g_strdup (source);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                           _("Onboarder is still starting: this box is taken as soon as it is ready."));
      return NULL;
    }

  return onb_engine_submit_payload (self->engine, payload, length, source, error);
}

/* Import ------------------------------------------------------------------- */

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  OnbRegistry *registry = task_data;
  const char *path = g_object_get_data (G_OBJECT (task), "onb-path");
  OnbImportReport *report = NULL;
  GError *error = NULL;

  onb_registry_import_file (registry, path, ONB_REGISTRY_IMPORT_NONE, &report, &error);
  g_object_set_data_full (G_OBJECT (task), "onb-report", report, (GDestroyNotify) onb_import_report_free);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
onb_application_import_devices_async (OnbApplication      *self,
                                      const char          *path,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  if (self->engine == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               _("Save a complete configuration before importing devices."));
      return;
    }

  g_task_set_task_data (task, g_object_ref (onb_engine_get_registry (self->engine)), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "onb-path", g_strdup (path), g_free);
  g_task_run_in_thread (task, import_thread);
}

gboolean
onb_application_import_devices_finish (OnbApplication   *self,
                                       GAsyncResult     *result,
                                       OnbImportReport **report,
                                       GError          **error)
{
  OnbImportReport *found = g_object_steal_data (G_OBJECT (result), "onb-report");

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (report != NULL)
    *report = found;
  else if (found != NULL)
    onb_import_report_free (found);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Scanner ------------------------------------------------------------------ */

static void
on_code_detected (OnbScanner *scanner,
                  OnbScanHit *hit,
                  gpointer    user_data)
{
  OnbApplication *self = user_data;
  OnbPreview *preview;
  GBytes *payload = onb_scan_hit_get_payload (hit);
  const OnbScanPoint *corners;
  graphene_point_t points[8];
  guint n_corners = 0;
  int frame_width = 0, frame_height = 0;
  GdkPaintable *paintable;
  double sx = 1, sy = 1;
  gsize length;
  const char *data;

  if (self->window == NULL || onb_window_get_scan_page (self->window) == NULL)
    return;

  /* Corners are in frame pixels; the preview speaks paintable pixels. */
  preview = onb_scan_page_get_preview (onb_window_get_scan_page (self->window));
  paintable = onb_preview_get_paintable (preview);
  onb_scan_hit_get_frame_size (hit, &frame_width, &frame_height);
  if (paintable != NULL && frame_width > 0 && frame_height > 0)
    {
      sx = (double) gdk_paintable_get_intrinsic_width (paintable) / frame_width;
      sy = (double) gdk_paintable_get_intrinsic_height (paintable) / frame_height;
    }
  corners = onb_scan_hit_get_corners (hit, &n_corners);
  n_corners = MIN (n_corners, G_N_ELEMENTS (points));
  for (guint i = 0; i < n_corners; i++)
    points[i] = GRAPHENE_POINT_INIT (corners[i].x * sx, corners[i].y * sy);
  onb_preview_show_outline (preview, points, n_corners);

  data = g_bytes_get_data (payload, &length);
  onb_window_handle_payload (self->window, data, length, "camera");
}

/* A kiosk keeps the screen on while it scans. */
static void
update_inhibit (OnbApplication *self)
{
  gboolean running = self->scanner != NULL &&
                     onb_scanner_get_state (self->scanner) == ONB_SCANNER_STATE_RUNNING;

  if (running && self->kiosk && self->inhibit_cookie == 0 && self->window != NULL)
    self->inhibit_cookie = gtk_application_inhibit (GTK_APPLICATION (self), GTK_WINDOW (self->window),
                                                    GTK_APPLICATION_INHIBIT_IDLE,
                                                    _("Scanning device labels"));
  else if (!running && self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (GTK_APPLICATION (self), self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }
}

static void
on_scanner_state (OnbScanner     *scanner,
                  GParamSpec     *pspec,
                  OnbApplication *self)
{
  OnbScanPage *page;
  const GError *error = onb_scanner_get_error (scanner);
  const char *detail = error != NULL ? error->message : NULL;

  update_inhibit (self);

  /* The preview unmaps (and the scanner stops) while the window goes. */
  if (self->window == NULL || (page = onb_window_get_scan_page (self->window)) == NULL)
    return;

  switch (onb_scanner_get_state (scanner))
    {
    case ONB_SCANNER_STATE_NO_CAMERA:
      onb_scan_page_set_camera_problem (page, "camera-disabled-symbolic", _("No Camera"),
                                        _("Plug in a USB camera; it starts by itself. "
                                          "The hand scanner and Type Label keep working meanwhile."));
      break;

    case ONB_SCANNER_STATE_UNPLUGGED:
      onb_scan_page_set_camera_problem (page, "camera-disabled-symbolic", _("Camera Unplugged"),
                                        _("Plug the camera back in; scanning resumes by itself. "
                                          "The hand scanner keeps working meanwhile."));
      break;

    case ONB_SCANNER_STATE_PERMISSION_DENIED:
      onb_scan_page_set_camera_problem (page, "camera-hardware-disabled-symbolic", _("Camera Not Allowed"),
                                        _("Allow Onboarder to use the camera in the system's privacy "
                                          "settings, then restart it. The hand scanner keeps working."));
      break;

    case ONB_SCANNER_STATE_FAILED:
      onb_scan_page_set_camera_problem (page, "dialog-error-symbolic", _("The Camera Does Not Work"),
                                        detail != NULL ? detail
                                                       : _("Choose another camera in Setup. The hand scanner keeps working."));
      break;

    case ONB_SCANNER_STATE_STOPPED:
    case ONB_SCANNER_STATE_STARTING:
    case ONB_SCANNER_STATE_RUNNING:
    case ONB_SCANNER_STATE_FINISHED:
    default:
      onb_scan_page_set_camera_problem (page, NULL, NULL, NULL);
      break;
    }
}

static OnbScanSource *
choose_source (OnbApplication *self,
               const char     *camera_id)
{
  g_autofree char *configured = NULL;

  if (camera_id == NULL && self->conveyor != NULL)
    return onb_scan_source_new_pipeline (onb_conveyor_get_description (self->conveyor));

  if (camera_id == NULL)
    {
      configured = onb_config_get_string (self->config, "kiosk", "camera");
      if (configured == NULL)
        configured = g_settings_get_string (self->settings, "last-camera");
      camera_id = configured[0] != '\0' ? configured : NULL;
    }

  return onb_scan_source_new_auto (camera_id);
}

void
onb_application_use_camera (OnbApplication *self,
                            const char     *id)
{
  g_autoptr(OnbScanSource) source = NULL;

  g_return_if_fail (ONB_IS_APPLICATION (self));

  if (id != NULL)
    g_settings_set_string (self->settings, "last-camera", id);

  source = choose_source (self, id);
  if (self->scanner == NULL)
    {
      OnbPreview *preview = onb_scan_page_get_preview (onb_window_get_scan_page (self->window));
      g_auto(GStrv) profile_ids = onb_config_get_profile_ids (self->config);

      self->scanner = onb_scanner_new (source);
      onb_scanner_set_profile_ids (self->scanner, (const char * const *) profile_ids);
      g_signal_connect (self->scanner, "code-detected", G_CALLBACK (on_code_detected), self);
      g_signal_connect (self->scanner, "notify::state", G_CALLBACK (on_scanner_state), self);
      self->paintable = onb_video_paintable_new ();
      onb_video_paintable_attach (self->paintable, self->scanner);
      onb_preview_set_paintable (preview, GDK_PAINTABLE (self->paintable));
      /* Started and stopped with the preview's visibility. */
      onb_video_paintable_run_while_visible (self->scanner, GTK_WIDGET (preview));
    }
  else
    onb_scanner_set_source (self->scanner, source);

  if (self->conveyor != NULL)
    onb_conveyor_drive (self->conveyor, id == NULL ? self->scanner : NULL);
}

/* Engine ------------------------------------------------------------------- */

/* Ready once the scanner runs and the engine has loaded its journal (or
 * cannot, for want of a configuration). */
static void
maybe_ready (OnbApplication *self)
{
  if (self->ready || !self->scanning || self->engine_starting)
    return;

  self->ready = TRUE;
  g_signal_emit (self, signals[READY], 0);
}

static void
on_engine_started (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(OnbApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  /* A reload may have replaced this engine meanwhile. */
  if (ONB_ENGINE (object) != self->engine)
    return;

  self->engine_starting = FALSE;
  if (onb_engine_start_finish (ONB_ENGINE (object), result, &error))
    self->engine_started = TRUE;
  else if (self->window != NULL)
    onb_window_toast (self->window, error->message);

  if (self->held_payload != NULL)
    {
      g_autoptr(GBytes) payload = g_steal_pointer (&self->held_payload);
      g_autofree char *source = g_steal_pointer (&self->held_source);
      gsize length;
      const char *data = g_bytes_get_data (payload, &length);

      if (self->engine_started && self->window != NULL)
        onb_window_handle_payload (self->window, data, length, source);
    }

  maybe_ready (self);
}

static void
build_engine (OnbApplication *self)
{
  g_clear_error (&self->engine_error);
  self->engine_started = FALSE;
  self->engine_starting = FALSE;
  g_clear_object (&self->http);
  self->http = onb_http_client_new (self->config);
  self->engine = onb_engine_new (self->config, self->http, &self->engine_error);
  if (self->engine != NULL)
    {
      self->engine_starting = TRUE;
      onb_engine_start_async (self->engine, NULL, on_engine_started, g_object_ref (self));
    }
}

/* The old engine has handed its jobs back: the new one may claim them. A
 * reload made meanwhile is included, since the configuration is read
 * now. */
static void
on_old_engine_stopped (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(OnbApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!onb_engine_shutdown_finish (ONB_ENGINE (object), result, &error))
    g_warning ("The job engine did not stop cleanly: %s", error->message);
  g_clear_object (&self->stopping_engine);
  build_engine (self);
  g_signal_emit (self, signals[ENGINE_CHANGED], 0);
}

void
onb_application_reload (OnbApplication *self)
{
  g_auto(GStrv) profile_ids = NULL;

  g_return_if_fail (ONB_IS_APPLICATION (self));

  if (self->stopping_engine != NULL)
    ; /* The engine is built once the old one has stopped. */
  else if (self->engine != NULL)
    {
      /* One owner per job: the old engine stops and releases its jobs
       * before the new one claims them. */
      self->stopping_engine = g_steal_pointer (&self->engine);
      self->engine_started = FALSE;
      self->engine_starting = TRUE;
      onb_engine_shutdown_async (self->stopping_engine, NULL, on_old_engine_stopped, g_object_ref (self));
    }
  else
    build_engine (self);

  onb_sound_player_set_enabled (self->sounds, onb_config_get_boolean (self->config, "kiosk", "sounds", TRUE));

  profile_ids = onb_config_get_profile_ids (self->config);
  if (self->scanner != NULL)
    onb_scanner_set_profile_ids (self->scanner, (const char * const *) profile_ids);

  g_signal_emit (self, signals[ENGINE_CHANGED], 0);
}

static void
load_config (OnbApplication *self,
             const char     *path)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&self->config);
  self->config = onb_config_load (path, &error);
  self->configured = self->config != NULL;
  if (self->config == NULL)
    {
      /* No file yet: start empty, Setup saves it where it belongs. */
      if (!g_error_matches (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_NOT_FOUND))
        g_warning ("%s", error->message);
      self->config = onb_config_new ();
    }
  /* Kept as it is, so Setup can show and fix each bad value. */
  else if (!onb_config_check_values (self->config, &error))
    g_warning ("%s", error->message);
}

static void
start_scanning (OnbApplication *self)
{
  onb_application_use_camera (self, NULL);
  self->scanning = TRUE;
  maybe_ready (self);
}

/* Demo --------------------------------------------------------------------- */

static void
on_demo_imported (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OnbApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!onb_application_import_devices_finish (self, result, NULL, &error) && self->window != NULL)
    onb_window_toast (self->window, error->message);

  start_scanning (self);
}

static GStrv
read_labels (OnbApplication  *self,
             GError         **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;

  if (self->demo_labels == NULL)
    return onb_demo_get_labels (error);

  if (!g_file_get_contents (self->demo_labels, &contents, NULL, error))
    return NULL;

  builder = g_strv_builder_new ();
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_strstrip (lines[i])[0] != '\0')
      g_strv_builder_add (builder, lines[i]);
  return g_strv_builder_end (builder);
}

/* The belt waits for the box being created, as a worker would. */
static void
on_demo_card_state (OnbResultCard  *card,
                    GParamSpec     *pspec,
                    OnbApplication *self)
{
  if (self->conveyor != NULL)
    onb_conveyor_set_held (self->conveyor, onb_result_card_get_state (card) == ONB_RESULT_STATE_WORKING);
}

static void
on_demo_started (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OnbApplication) self = user_data;
  OnbResultCard *card = onb_scan_page_get_result_card (onb_window_get_scan_page (self->window));
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) labels = NULL;
  g_autofree char *devices = NULL;

  if (!onb_demo_start_finish (self->demo, result, &error) ||
      (labels = read_labels (self, &error)) == NULL || labels[0] == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The demo has no labels to show."));
      onb_result_card_show_rejection (card, error);
      return;
    }

  load_config (self, onb_demo_get_config_path (self->demo));
  self->conveyor = onb_conveyor_new ((const char * const *) labels,
                                     self->demo_interval > 0 ? (guint) self->demo_interval : DEMO_INTERVAL_MS);
  g_signal_connect_object (card, "notify::state", G_CALLBACK (on_demo_card_state), self, 0);
  onb_application_reload (self);

  devices = self->demo_devices != NULL ? g_strdup (self->demo_devices) : onb_demo_get_devices_path ();
  onb_application_import_devices_async (self, devices, on_demo_imported, g_object_ref (self));
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));

  return G_SOURCE_REMOVE;
}

void
onb_application_start_demo (OnbApplication *self)
{
  g_return_if_fail (ONB_IS_APPLICATION (self));
  g_return_if_fail (self->demo == NULL);

  self->demo_mode = TRUE;
  self->demo = onb_demo_new ();
  onb_demo_start_async (self->demo, NULL, on_demo_started, g_object_ref (self));
  /* Killed from a terminal or a session manager, the demo still quits
   * through shutdown, which removes its temporary folder. */
  g_unix_signal_add (SIGTERM, on_quit_signal, self);
  g_unix_signal_add (SIGINT, on_quit_signal, self);
}

/* GApplication ------------------------------------------------------------- */

static int
onb_application_handle_local_options (GApplication *application,
                                      GVariantDict *options)
{
  OnbApplication *self = ONB_APPLICATION (application);

  g_variant_dict_lookup (options, "kiosk", "b", &self->kiosk);
  g_variant_dict_lookup (options, "demo", "b", &self->demo_mode);
  g_variant_dict_lookup (options, "config", "^ay", &self->config_path);
  g_variant_dict_lookup (options, "demo-interval", "i", &self->demo_interval);
  g_variant_dict_lookup (options, "demo-labels", "^ay", &self->demo_labels);
  g_variant_dict_lookup (options, "demo-devices", "^ay", &self->demo_devices);

  if (self->demo_mode && self->config_path != NULL)
    {
      g_printerr ("%s\n", _("--demo uses its own configuration; leave out --config."));
      return 2;
    }

  return -1;
}

static void
onb_application_activate (GApplication *application)
{
  OnbApplication *self = ONB_APPLICATION (application);

  if (self->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->window));
      return;
    }

  if (self->demo_mode)
    {
      /* The window shows at once; the demo's clouds follow. */
      self->config = onb_config_new ();
      self->sounds = onb_sound_player_new ();
      self->http = onb_http_client_new (self->config);
      self->window = onb_window_new (self);
      g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
      gtk_window_present (GTK_WINDOW (self->window));
      onb_application_start_demo (self);
      return;
    }

  load_config (self, self->config_path);
  self->sounds = onb_sound_player_new ();
  self->http = onb_http_client_new (self->config);
  self->window = onb_window_new (self);
  g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  onb_application_reload (self);
  gtk_window_present (GTK_WINDOW (self->window));
  /* A configuration that does not work yet: Setup is where to start. */
  if (self->configured && self->engine == NULL)
    onb_window_show_page (self->window, "setup");
  start_scanning (self);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  OnbApplication *self = user_data;

  /* Through the window, so the kiosk's PIN guard applies. */
  if (self->window != NULL)
    gtk_window_close (GTK_WINDOW (self->window));
  else
    g_application_quit (G_APPLICATION (self));
}

static void
onb_application_startup (GApplication *application)
{
  OnbApplication *self = ONB_APPLICATION (application);
  static const GActionEntry actions[] = {
    { "quit", quit_action },
  };

  G_APPLICATION_CLASS (onb_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  gtk_window_set_default_icon_name (APP_ID);
}

static void
onb_application_shutdown (GApplication *application)
{
  OnbApplication *self = ONB_APPLICATION (application);

  if (self->scanner != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->scanner, self);
      onb_scanner_stop (self->scanner);
    }
  if (self->conveyor != NULL)
    onb_conveyor_drive (self->conveyor, NULL);
  if (self->demo != NULL)
    onb_demo_stop (self->demo);
  /* The window holds the application, and through it the engine, its
   * journal and the shared store's watch: all end here, not at exit. */
  if (self->window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->window));

  G_APPLICATION_CLASS (onb_application_parent_class)->shutdown (application);
}

static void
onb_application_finalize (GObject *object)
{
  OnbApplication *self = ONB_APPLICATION (object);

  g_clear_object (&self->conveyor);
  g_clear_object (&self->paintable);
  g_clear_object (&self->scanner);
  g_clear_object (&self->engine);
  g_clear_object (&self->stopping_engine);
  g_clear_error (&self->engine_error);
  g_clear_pointer (&self->held_payload, g_bytes_unref);
  g_clear_pointer (&self->held_source, g_free);
  g_clear_object (&self->http);
  g_clear_object (&self->config);
  g_clear_object (&self->sounds);
  g_clear_object (&self->demo);
  g_clear_object (&self->settings);
  g_free (self->config_path);
  g_free (self->demo_labels);
  g_free (self->demo_devices);

  G_OBJECT_CLASS (onb_application_parent_class)->finalize (object);
}

static void
onb_application_class_init (OnbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = onb_application_finalize;
  app_class->handle_local_options = onb_application_handle_local_options;
  app_class->activate = onb_application_activate;
  app_class->startup = onb_application_startup;
  app_class->shutdown = onb_application_shutdown;

  signals[ENGINE_CHANGED] = g_signal_new ("engine-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[READY] = g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  onb_ui_register_resource ();
}

/* The installed schema, else (running from the build tree) the one
 * compiled next to the build's data files. */
static GSettings *
create_settings (void)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaSource) built = NULL;

  if (installed != NULL)
    schema = g_settings_schema_source_lookup (installed, SCHEMA_ID, TRUE);
  if (schema == NULL)
    {
      built = g_settings_schema_source_new_from_directory (ONB_BUILD_SCHEMA_DIR, installed, FALSE, NULL);
      if (built != NULL)
        schema = g_settings_schema_source_lookup (built, SCHEMA_ID, TRUE);
    }
  if (schema == NULL)
    g_error ("The settings schema %s is not installed.", SCHEMA_ID);

  return g_settings_new_full (schema, NULL, NULL);
}

static void
onb_application_init (OnbApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Onboard LoRaWAN devices into Blynk and The Things Stack by scanning their labels."));
  self->settings = create_settings ();
}

OnbApplication *
onb_application_new (void)
{
  return g_object_new (ONB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", "/io/github/onboarder/Onboarder",
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
