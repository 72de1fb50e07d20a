/* test-ui.c: the kiosk under Xvfb, driven and checked through its widgets
 *
 * Each test runs a real OnbApplication (real window, real engine, real
 * simulator over loopback HTTP, real GStreamer pipeline) and inspects the
 * widget tree, never pixels. Run through xvfb-run-test.
 */

#define G_LOG_DOMAIN "test-ui"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "onb-application.h"
#include "onb-history-page.h"
#include "onb-history-row.h"
#include "onb-job-private.h"
#include "onb-replace-page.h"
#include "onb-manual-page.h"
#include "onb-missing-page.h"
#include "onb-scan-page.h"
#include "onb-setup-page.h"
#include "onb-shift-panel.h"
#include "onb-pin-dialog.h"
#include "onb-result-card.h"
#include "onb-ui-enums.h"
#include "onb-test-pg.h"
#include "onb-test-sim.h"
#include "onb-window.h"
#include "onb-camera-monitor.h"

#define DEMO_TIMEOUT_S  120
#define JOB_TIMEOUT_S   60

typedef void (*TestBody) (OnbApplication *app,
                          gpointer        data);

typedef struct
{
  OnbApplication *app;
  TestBody        body;
  gpointer        data;
  gboolean        ran;
} Run;

/* Helpers ------------------------------------------------------------------ */

static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             const char *name)
{
  if ((type == G_TYPE_NONE || G_TYPE_CHECK_INSTANCE_TYPE (root, type)) &&
      (name == NULL || g_strcmp0 (gtk_widget_get_name (root), name) == 0))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static OnbWindow *
get_window (OnbApplication *app)
{
  return ONB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
}

static OnbResultCard *
scan_card (OnbApplication *app)
{
  OnbWindow *window = get_window (app);
  GtkWidget *page = find_widget (GTK_WIDGET (window), ONB_TYPE_SCAN_PAGE, NULL);

  g_assert_nonnull (page);
  return ONB_RESULT_CARD (find_widget (page, ONB_TYPE_RESULT_CARD, NULL));
}

static gboolean
timed_out (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the main loop until @cond holds or @seconds pass. */
#define WAIT_FOR(cond, seconds)                                                 \
  G_STMT_START {                                                                \
    gboolean timeout_hit_ = FALSE;                                              \
    guint timeout_id_ = g_timeout_add_seconds ((seconds), timed_out, &timeout_hit_); \
    while (!(cond) && !timeout_hit_)                                            \
      g_main_context_iteration (NULL, TRUE);                                    \
    if (!timeout_hit_)                                                          \
      g_source_remove (timeout_id_);                                            \
    if (!(cond))                                                                \
      g_error ("Timed out after %d s waiting for %s", (int) (seconds), #cond);  \
  } G_STMT_END

static void
spin (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add (milliseconds, timed_out, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
run_body (gpointer user_data)
{
  Run *run = user_data;

  run->body (run->app, run->data);
  run->ran = TRUE;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
on_ready (OnbApplication *app,
          Run            *run)
{
  g_idle_add (run_body, run);
}

/* Runs the application with @args and @body once it is ready. */
static void
run_app (const char * const *args,
         TestBody            body,
         gpointer            data)
{
  g_autoptr(OnbApplication) app = onb_application_new ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  Run run = { app, body, data, FALSE };
  int status;

  /* No session bus needed: tests may run side by side. */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "ready", G_CALLBACK (on_ready), &run);

  g_ptr_array_add (argv, (gpointer) "onboarder");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  status = g_application_run (G_APPLICATION (app), argv->len - 1, (char **) argv->pdata);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (run.ran);
}

/* A simulator, a configuration pointing at it (with @pin when not NULL) and
 * its data folder, all under one temporary folder. */
typedef struct
{
  OnbTestSim *sim;
  char       *dir;
  char       *config_path;
} Station;

static void
station_setup (Station    *station,
               const char *pin)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autofree char *data_dir = NULL;

  station->sim = onb_test_sim_start (NULL, &error);
  g_assert_no_error (error);
  station->dir = g_dir_make_tmp ("onb-test-ui-XXXXXX", &error);
  g_assert_no_error (error);

  keyfile = onb_test_sim_new_key_file (station->sim);
  data_dir = g_build_filename (station->dir, "data", NULL);
  g_key_file_set_string (keyfile, "kiosk", "data_dir", data_dir);
  g_key_file_set_boolean (keyfile, "kiosk", "sounds", TRUE);
  if (pin != NULL)
    g_key_file_set_string (keyfile, "kiosk", "pin", pin);
  station->config_path = g_build_filename (station->dir, "onboarder.conf", NULL);
  g_key_file_save_to_file (keyfile, station->config_path, &error);
  g_assert_no_error (error);
  g_chmod (station->config_path, 0600);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
station_teardown (Station *station)
{
  onb_test_sim_stop (station->sim);
  remove_tree (station->dir);
  g_free (station->dir);
  g_free (station->config_path);
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
import_samples (OnbApplication *app)
{
  g_autofree char *csv = g_test_build_filename (G_TEST_DIST, "..", "data", "samples", "devices.csv", NULL);
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  WAIT_FOR (onb_application_get_engine (app) != NULL, 10);
  onb_application_import_devices_async (app, csv, store_result, &result);
  WAIT_FOR (result != NULL, 30);
  g_assert_true (onb_application_import_devices_finish (app, result, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, >, 0);
}

/* Demo: green, amber and red within a minute, and screenshots ------------- */

typedef struct
{
  char   *headline[ONB_RESULT_STATE_FAILED + 1];
  char   *device[ONB_RESULT_STATE_FAILED + 1];
  char   *eui[ONB_RESULT_STATE_FAILED + 1];
  char   *why[ONB_RESULT_STATE_FAILED + 1];
  GBytes *grey[ONB_RESULT_STATE_FAILED + 1];   /* the card, drawn in high contrast */
  int     width[ONB_RESULT_STATE_FAILED + 1];
  int     height[ONB_RESULT_STATE_FAILED + 1];
  OnbResultCard *card;
  OnbResultState last;       /* the state seen at the last tick */
  guint   draw_id;
} Seen;

static GskRenderNode *snapshot_widget (GtkWidget *widget);

/* libadwaita 1.2 hears of GNOME's high-contrast setting only through the
 * desktop's settings portal (which needs a desktop session) or an X
 * settings daemon. Its own tests set what it believes with these calls,
 * which the library exports without a header. */
typedef struct _AdwSettings AdwSettings;
AdwSettings *adw_settings_get_default (void);
void adw_settings_start_override (AdwSettings *self);
void adw_settings_end_override (AdwSettings *self);
void adw_settings_override_high_contrast (AdwSettings *self,
                                          gboolean     high_contrast);

static void
set_high_contrast (gboolean on)
{
  AdwSettings *settings = adw_settings_get_default ();

  if (on)
    {
      adw_settings_start_override (settings);
      adw_settings_override_high_contrast (settings, TRUE);
    }
  else
    adw_settings_end_override (settings);
}

/* @widget as GTK draws it, one grey byte a pixel: what is left of the
 * card for a person who does not see its colours. */
static GBytes *
draw_grey (GtkWidget *widget,
           int       *width,
           int       *height)
{
  g_autoptr(GskRenderNode) node = snapshot_widget (widget);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  guchar *grey;

  *width = gtk_widget_get_width (widget);
  *height = gtk_widget_get_height (widget);
  if (node == NULL || *width <= 0 || *height <= 0)
    return NULL;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, *width, *height));
  pixels = g_malloc ((gsize) *width * *height * 4);
  gdk_texture_download (texture, pixels, (gsize) *width * 4);
  grey = g_malloc ((gsize) *width * *height);
  for (gsize i = 0; i < (gsize) *width * *height; i++)
    grey[i] = (pixels[i * 4] + pixels[i * 4 + 1] + pixels[i * 4 + 2]) / 3;
  return g_bytes_new_take (grey, (gsize) *width * *height);
}

/* A state that lasted a whole tick has been drawn: keep its picture. */
static gboolean
draw_card_state (gpointer user_data)
{
  Seen *seen = user_data;
  OnbResultState state = onb_result_card_get_state (seen->card);

  if (state == seen->last && seen->grey[state] == NULL)
    seen->grey[state] = draw_grey (GTK_WIDGET (seen->card), &seen->width[state], &seen->height[state]);
  seen->last = state;
  return G_SOURCE_CONTINUE;
}

/* Per mille of the pixels two grey pictures of the card disagree on. */
static guint
grey_difference (Seen           *seen,
                 OnbResultState  a,
                 OnbResultState  b)
{
  const guchar *pa = g_bytes_get_data (seen->grey[a], NULL);
  const guchar *pb = g_bytes_get_data (seen->grey[b], NULL);
  int width = MIN (seen->width[a], seen->width[b]);
  int height = MIN (seen->height[a], seen->height[b]);
  guint64 differ = 0;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      differ += ABS ((int) pa[y * seen->width[a] + x] - (int) pb[y * seen->width[b] + x]) > 40;
  return differ * 1000 / ((guint64) width * height);
}

static void
on_card_state (OnbResultCard *card,
               GParamSpec    *pspec,
               Seen          *seen)
{
  OnbResultState state = onb_result_card_get_state (card);
  g_autofree char *state_name = NULL;

  if (seen->headline[state] != NULL)
    return;

  seen->headline[state] = g_strdup (onb_result_card_get_headline (card));
  seen->device[state] = g_strdup (onb_result_card_get_device_name (card));
  seen->eui[state] = g_strdup (onb_result_card_get_dev_eui (card));
  seen->why[state] = g_strdup (onb_result_card_get_why (card));
  state_name = g_enum_to_string (ONB_TYPE_RESULT_STATE, state);
  g_test_message ("%s: %s | %s | %s | %s", state_name,
                  seen->headline[state], seen->device[state], seen->eui[state], seen->why[state]);
}

/* A mapped toplevel keeps its size: map it again at the new one. The
 * surface also holds GTK's resize borders (no window manager here), so
 * measure them once and ask for that much more. */
/* Mapping a large window again with software rendering takes seconds in
 * the sanitizer build on a busy machine. */
#define RESIZE_TIMEOUT_S 30

static void
resize_window (GtkWindow *window,
               int        width,
               int        height)
{
  int dx, dy;

  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  gtk_window_set_default_size (window, width, height);
  gtk_window_present (window);
  WAIT_FOR (gtk_widget_get_width (GTK_WIDGET (window)) > 0 &&
            gtk_widget_get_width (GTK_WIDGET (window)) <= width &&
            gtk_widget_get_width (GTK_WIDGET (window)) > width - 100, RESIZE_TIMEOUT_S);
  dx = width - gtk_widget_get_width (GTK_WIDGET (window));
  dy = height - gtk_widget_get_height (GTK_WIDGET (window));
  if (dx != 0 || dy != 0)
    {
      gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
      gtk_window_set_default_size (window, width + dx, height + dy);
      gtk_window_present (window);
    }
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (window)) &&
            gtk_widget_get_width (GTK_WIDGET (window)) == width &&
            gtk_widget_get_height (GTK_WIDGET (window)) == height, RESIZE_TIMEOUT_S);
}

static GskRenderNode *
snapshot_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot),
                          gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  return gtk_snapshot_to_node (snapshot);
}

/* The window as GTK draws it, into build/tests/ui/NAME (a test artefact). */
static void
write_png (GtkWindow  *window,
           const char *name)
{
  int width = gtk_widget_get_width (GTK_WIDGET (window));
  int height = gtk_widget_get_height (GTK_WIDGET (window));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "ui", name, NULL);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  /* A window just mapped again draws nothing until its first frame. */
  for (guint i = 0; i < 100 && (node = snapshot_widget (GTK_WIDGET (window))) == NULL; i++)
    spin (100);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
}

static void
save_screenshot (GtkWindow     *window,
                 OnbResultCard *card,
                 int            width,
                 int            height)
{
  g_autofree char *name = g_strdup_printf ("onboarder-%dx%d.png", width, height);

  resize_window (window, width, height);
  /* The next green answer, with its label still under the camera. */
  WAIT_FOR (onb_result_card_get_state (card) != ONB_RESULT_STATE_SUCCESS, DEMO_TIMEOUT_S);
  WAIT_FOR (onb_result_card_get_state (card) == ONB_RESULT_STATE_SUCCESS, DEMO_TIMEOUT_S);
  spin (300);
  write_png (window, name);
}

static void
demo_body (OnbApplication *app,
           gpointer        data)
{
  Seen *seen = data;
  OnbResultCard *card = scan_card (app);
  OnbWindow *window = get_window (app);

  /* The answers arrive under GNOME's high-contrast setting. */
  set_high_contrast (TRUE);
  WAIT_FOR (adw_style_manager_get_high_contrast (adw_style_manager_get_default ()), 10);
  g_signal_connect (card, "notify::state", G_CALLBACK (on_card_state), seen);
  /* Each answer drawn once it is on screen (a frame after it changed). */
  seen->card = card;
  seen->draw_id = g_timeout_add (100, draw_card_state, seen);
  WAIT_FOR (seen->grey[ONB_RESULT_STATE_SUCCESS] != NULL &&
            seen->grey[ONB_RESULT_STATE_QUEUED] != NULL &&
            seen->grey[ONB_RESULT_STATE_FAILED] != NULL &&
            seen->headline[ONB_RESULT_STATE_SUCCESS] != NULL &&
            seen->headline[ONB_RESULT_STATE_QUEUED] != NULL &&
            seen->headline[ONB_RESULT_STATE_FAILED] != NULL, DEMO_TIMEOUT_S);
  g_clear_handle_id (&seen->draw_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (card, seen);
  set_high_contrast (FALSE);

  /* In high contrast, and without their colours, the three answers still
   * look different: icon, headline, words, outline. */
  {
    OnbResultState states[] = { ONB_RESULT_STATE_SUCCESS, ONB_RESULT_STATE_QUEUED, ONB_RESULT_STATE_FAILED };

    for (guint i = 0; i < G_N_ELEMENTS (states); i++)
      g_assert_nonnull (seen->grey[states[i]]);
    for (guint i = 0; i < G_N_ELEMENTS (states); i++)
      for (guint j = i + 1; j < G_N_ELEMENTS (states); j++)
        {
          guint differ = grey_difference (seen, states[i], states[j]);

          g_test_message ("high contrast, in grey: %s and %s differ in %u ‰ of the card",
                          seen->headline[states[i]], seen->headline[states[j]], differ);
          g_assert_cmpuint (differ, >, 30);
        }
  }

  /* Green: the device, by name and DevEUI. */
  g_assert_cmpstr (seen->device[ONB_RESULT_STATE_SUCCESS], !=, "");
  g_assert_true (g_str_has_prefix (seen->eui[ONB_RESULT_STATE_SUCCESS], "DevEUI 0018B2"));
  /* Amber and red say why. */
  g_assert_cmpstr (seen->headline[ONB_RESULT_STATE_QUEUED], ==, "Queued");
  g_assert_cmpstr (seen->why[ONB_RESULT_STATE_QUEUED], !=, "");
  g_assert_cmpstr (seen->why[ONB_RESULT_STATE_FAILED], !=, "");
  /* A sound for each answer (into a fake sink: CI has no speaker). */
  g_assert_cmpuint (onb_sound_player_get_n_played (onb_application_get_sound_player (app)), >=, 3);

  save_screenshot (GTK_WINDOW (window), card, 800, 480);
  /* The wide screen shows the last boxes: as many as the demo's labels
   * make devices (seven), of the eight it has room for. */
  resize_window (GTK_WINDOW (window), 1920, 1080);
  WAIT_FOR (onb_shift_panel_get_n_recent (onb_scan_page_get_shift_panel (onb_window_get_scan_page (window))) >= 6,
            DEMO_TIMEOUT_S);
  save_screenshot (GTK_WINDOW (window), card, 1920, 1080);
}

static void
test_demo (void)
{
  static const char * const args[] = { "--demo", "--demo-interval", "2500", NULL };
  Seen seen = { { NULL } };

  run_app (args, demo_body, &seen);

  for (guint i = 0; i <= ONB_RESULT_STATE_FAILED; i++)
    {
      g_free (seen.headline[i]);
      g_free (seen.device[i]);
      g_free (seen.eui[i]);
      g_free (seen.why[i]);
      g_clear_pointer (&seen.grey[i], g_bytes_unref);
    }
}

/* Setup: PIN, validation as you type, save --------------------------------- */

typedef gboolean (*WidgetMatch) (GtkWidget  *widget,
                                 const char *text);

static GtkWidget *
find_matching (GtkWidget   *root,
               WidgetMatch  match,
               const char  *text)
{
  if (match (root, text))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_matching (child, match, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
row_titled (GtkWidget  *widget,
            const char *title)
{
  return ADW_IS_PREFERENCES_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
button_labelled (GtkWidget  *widget,
                 const char *label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static GtkWidget *
find_row_titled (GtkWidget  *root,
                 const char *title)
{
  return find_matching (root, row_titled, title);
}

static OnbPinDialog *
find_pin_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ONB_IS_PIN_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ONB_PIN_DIALOG (window);
    }
  return NULL;
}

static void
setup_body (OnbApplication *app,
            gpointer        data)
{
  Station *station = data;
  OnbWindow *window = get_window (app);
  GtkWidget *row, *message, *save, *status, *check;
  OnbPinDialog *dialog;
  g_autofree char *contents = NULL;
  GStatBuf st;

  /* Locked: Setup stays hidden until the PIN is right. */
  onb_window_show_page (window, "setup");
  WAIT_FOR (find_pin_dialog () != NULL, 10);
  g_assert_cmpstr (onb_window_get_visible_page (window), !=, "setup");
  dialog = find_pin_dialog ();
  onb_pin_dialog_enter (dialog, "482917");
  g_assert_cmpstr (onb_pin_dialog_get_message (dialog), !=, "");
  g_assert_cmpstr (onb_window_get_visible_page (window), !=, "setup");
  onb_pin_dialog_enter (dialog, "482916");
  g_assert_cmpstr (onb_window_get_visible_page (window), ==, "setup");
  g_assert_true (onb_window_get_setup_unlocked (window));
  WAIT_FOR (find_pin_dialog () == NULL, 10);

  /* Invalid as typed: the message stands beside the field, Save refuses. */
  row = find_widget (GTK_WIDGET (window), G_TYPE_NONE, "tts.application_id");
  message = find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL, "tts.application_id.message");
  save = find_widget (GTK_WIDGET (window), GTK_TYPE_BUTTON, "setup-save");
  status = find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL, "setup-status");
  g_assert_nonnull (row);
  g_assert_nonnull (message);
  g_assert_nonnull (save);
  g_assert_false (gtk_widget_get_visible (message));

  gtk_editable_set_text (GTK_EDITABLE (row), "Bad App!");
  g_assert_true (gtk_widget_get_visible (message));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (message)), "application_id"));
  g_assert_true (gtk_widget_get_ancestor (message, G_OBJECT_TYPE (row)) == row);
  g_signal_emit_by_name (save, "clicked");
  g_assert_true (gtk_widget_has_css_class (status, "error"));
  g_assert_true (g_file_get_contents (station->config_path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "Bad App!"));
  g_clear_pointer (&contents, g_free);

  /* Valid: the message goes, Save writes the file (0600). */
  gtk_editable_set_text (GTK_EDITABLE (row), "warehouse-sensors-2");
  g_assert_false (gtk_widget_get_visible (message));
  g_signal_emit_by_name (save, "clicked");
  g_assert_false (gtk_widget_has_css_class (status, "error"));
  g_assert_true (g_file_get_contents (station->config_path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "application_id=warehouse-sensors-2"));
  g_assert_cmpint (g_stat (station->config_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_clear_pointer (&contents, g_free);

  /* The application reloads after a Save and builds its engine again:
   * what is typed meanwhile stays, and so does what was saved. */
  gtk_editable_set_text (GTK_EDITABLE (row), "warehouse-sensors-3");
  WAIT_FOR (onb_application_get_engine (app) != NULL, 30);
  spin (100);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "warehouse-sensors-3");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_widget (GTK_WIDGET (window), G_TYPE_NONE,
                                                                     "tts.api_key"))), !=, "");

  /* The file changed by hand while Setup is open: Save refuses, saying
   * so, and overwrites it only when pressed again. */
  {
    g_autoptr(GKeyFile) keyfile = g_key_file_new ();
    g_autoptr(GError) error = NULL;

    g_key_file_load_from_file (keyfile, station->config_path, G_KEY_FILE_KEEP_COMMENTS, &error);
    g_assert_no_error (error);
    g_key_file_set_string (keyfile, "cloud", "timeout_ms", "30000");
    g_key_file_save_to_file (keyfile, station->config_path, &error);
    g_assert_no_error (error);
    g_signal_emit_by_name (save, "clicked");
    g_assert_true (gtk_widget_has_css_class (status, "error"));
    g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (status)), "changed after Setup read it"));
    g_assert_true (g_file_get_contents (station->config_path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "timeout_ms=30000"));
    g_assert_null (strstr (contents, "warehouse-sensors-3"));
    g_clear_pointer (&contents, g_free);
    g_signal_emit_by_name (save, "clicked");
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Saved.");
    g_assert_true (g_file_get_contents (station->config_path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "application_id=warehouse-sensors-3"));
    g_clear_pointer (&contents, g_free);
    WAIT_FOR (onb_application_get_engine (app) != NULL, 30);
  }

  /* Who creates the TTS devices: a switch, saved as [tts] created_by,
   * and how long a box waits for Blynk's device. */
  {
    GtkWidget *row_created_by = find_widget (GTK_WIDGET (window), G_TYPE_NONE, "tts.created_by");
    GtkWidget *blynk_creates = row_created_by != NULL ? find_widget (row_created_by, GTK_TYPE_SWITCH, NULL) : NULL;
    GtkWidget *wait = find_widget (GTK_WIDGET (window), G_TYPE_NONE, "tts.blynk_wait_s");
    GtkWidget *wait_message = find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL, "tts.blynk_wait_s.message");

    g_assert_nonnull (blynk_creates);
    g_assert_true (g_file_get_contents (station->config_path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "created_by=onboarder"));
    g_clear_pointer (&contents, g_free);
    g_assert_nonnull (wait);
    gtk_switch_set_active (GTK_SWITCH (blynk_creates), TRUE);
    gtk_editable_set_text (GTK_EDITABLE (wait), "0");
    g_assert_true (gtk_widget_get_visible (wait_message));
    gtk_editable_set_text (GTK_EDITABLE (wait), "90");
    g_assert_false (gtk_widget_get_visible (wait_message));
    g_signal_emit_by_name (save, "clicked");
    g_assert_true (g_file_get_contents (station->config_path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "created_by=blynk"));
    g_assert_nonnull (strstr (contents, "blynk_wait_s=90"));
    g_clear_pointer (&contents, g_free);
    gtk_switch_set_active (GTK_SWITCH (blynk_creates), FALSE);
    g_signal_emit_by_name (save, "clicked");
  }

  /* Test Connection checks what is typed, item by item, in words: the
   * simulator has no application warehouse-sensors-2, then all is well. */
  check = find_widget (GTK_WIDGET (window), GTK_TYPE_BUTTON, "setup-check");
  g_signal_emit_by_name (check, "clicked");
  WAIT_FOR (gtk_widget_get_sensitive (check), 30);
  g_assert_true (gtk_widget_has_css_class (status, "error"));
  gtk_editable_set_text (GTK_EDITABLE (row), "warehouse-sensors");
  {
    int metafield_reads = onb_test_sim_get_count (station->sim, "blynk.template_metafields");

    g_signal_emit_by_name (check, "clicked");
    WAIT_FOR (gtk_widget_get_sensitive (check), 30);
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Everything works.");
    /* The template's metafields are read once: the check's item carries
     * the names Setup marks its fields with. */
    g_assert_cmpint (metafield_reads, >=, 0);
    g_assert_cmpint (onb_test_sim_get_count (station->sim, "blynk.template_metafields"), ==, metafield_reads + 1);
  }

  /* The template's metafields by the names the site gives them: Blynk's
   * names are shown and not written to the file; a name the template does
   * not have is named beside its field, and Fix goes there. */
  {
    GtkWidget *app_key = find_widget (GTK_WIDGET (window), G_TYPE_NONE, "blynk.metafield_app_key");
    GtkWidget *app_key_message = find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL, "blynk.metafield_app_key.message");
    GtkWidget *fix;

    g_assert_nonnull (app_key);
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (app_key)), ==, "Application Key");
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_widget (GTK_WIDGET (window), G_TYPE_NONE,
                                                                       "blynk.metafield_ttn_device"))),
                     ==, "TheThingsNetwork Device");
    gtk_editable_set_text (GTK_EDITABLE (app_key), "AppKey");
    g_signal_emit_by_name (check, "clicked");
    WAIT_FOR (gtk_widget_get_sensitive (check), 30);
    g_assert_true (gtk_widget_has_css_class (status, "error"));
    g_assert_true (gtk_widget_get_visible (app_key_message));
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (app_key_message)), ==, "The template has no metafield “AppKey”.");
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row_titled (GTK_WIDGET (window),
                                                                                           "Template metafields"))),
                              "“AppKey”"));
    fix = find_matching (GTK_WIDGET (window), button_labelled, "Fix: Application Key metafield");
    g_assert_nonnull (fix);
    g_signal_emit_by_name (fix, "clicked");
    g_assert_true (gtk_widget_is_focus (app_key) || gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), app_key));

    gtk_editable_set_text (GTK_EDITABLE (app_key), "Application Key");
    g_signal_emit_by_name (check, "clicked");
    WAIT_FOR (gtk_widget_get_sensitive (check), 30);
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Everything works.");
    g_assert_false (gtk_widget_get_visible (app_key_message));

    /* Saved: only a name that is not Blynk's. */
    gtk_editable_set_text (GTK_EDITABLE (app_key), "AppKey");
    g_signal_emit_by_name (save, "clicked");
    g_assert_true (g_file_get_contents (station->config_path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "metafield_app_key=AppKey"));
    g_assert_null (strstr (contents, "metafield_dev_eui"));
    g_clear_pointer (&contents, g_free);
    gtk_editable_set_text (GTK_EDITABLE (app_key), "Application Key");
    g_signal_emit_by_name (save, "clicked");
    g_assert_true (g_file_get_contents (station->config_path, &contents, NULL, NULL));
    g_assert_null (strstr (contents, "metafield_app_key"));
    g_clear_pointer (&contents, g_free);
    /* The import below needs the engine the saves rebuild. */
    WAIT_FOR (onb_application_get_engine (app) != NULL, 30);
  }

  /* Device models added in Setup, by the Profile ID on their labels, and
   * saved as [model …] sections; Test Connection says what the Device
   * Repository answered and what each model's devices get, or why its
   * boxes are refused here. */
  {
    GtkWidget *new_id = find_widget (GTK_WIDGET (window), G_TYPE_NONE, "model.new");
    GtkWidget *add = find_widget (GTK_WIDGET (window), GTK_TYPE_BUTTON, "model.add");
    GtkWidget *add_message = find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL, "model.new.message");
    GtkWidget *door, *us, *name;

    g_assert_nonnull (new_id);
    g_assert_nonnull (add);
    gtk_editable_set_text (GTK_EDITABLE (new_id), "000AF8B");
    g_signal_emit_by_name (add, "clicked");
    g_assert_true (gtk_widget_get_visible (add_message));
    gtk_editable_set_text (GTK_EDITABLE (new_id), "000af8bf");
    g_signal_emit_by_name (add, "clicked");
    g_assert_false (gtk_widget_get_visible (add_message));
    name = find_widget (GTK_WIDGET (window), G_TYPE_NONE, "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".name");
    g_assert_nonnull (name);
    gtk_editable_set_text (GTK_EDITABLE (name), "Door sensor");
    gtk_editable_set_text (GTK_EDITABLE (new_id), ONB_TEST_SIM_PROFILE_ID_US915);
    g_signal_emit_by_name (add, "clicked");
    name = find_widget (GTK_WIDGET (window), G_TYPE_NONE, "model " ONB_TEST_SIM_PROFILE_ID_US915 ".name");
    gtk_editable_set_text (GTK_EDITABLE (name), "Field sensor");
    /* A model's value is checked as typed, like the station's. */
    gtk_editable_set_text (GTK_EDITABLE (find_widget (GTK_WIDGET (window), G_TYPE_NONE,
                                                      "model " ONB_TEST_SIM_PROFILE_ID_US915 ".blynk_template")),
                           "not-a-template");
    g_signal_emit_by_name (save, "clicked");
    g_assert_true (gtk_widget_has_css_class (status, "error"));
    g_assert_true (gtk_widget_get_visible (find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL,
                                                        "model " ONB_TEST_SIM_PROFILE_ID_US915 ".blynk_template.message")));
    gtk_editable_set_text (GTK_EDITABLE (find_widget (GTK_WIDGET (window), G_TYPE_NONE,
                                                      "model " ONB_TEST_SIM_PROFILE_ID_US915 ".blynk_template")), "");
    g_signal_emit_by_name (save, "clicked");
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Saved.");
    g_assert_true (g_file_get_contents (station->config_path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "[model " ONB_TEST_SIM_PROFILE_ID_CLASS_C "]\nname=Door sensor\n"));
    g_assert_nonnull (strstr (contents, "[model " ONB_TEST_SIM_PROFILE_ID_US915 "]\nname=Field sensor\n"));
    g_clear_pointer (&contents, g_free);
    WAIT_FOR (onb_application_get_engine (app) != NULL, 30);

    g_signal_emit_by_name (check, "clicked");
    WAIT_FOR (gtk_widget_get_sensitive (check), 30);
    door = find_row_titled (GTK_WIDGET (window), "Door sensor (" ONB_TEST_SIM_PROFILE_ID_CLASS_C ")");
    us = find_row_titled (GTK_WIDGET (window), "Field sensor (" ONB_TEST_SIM_PROFILE_ID_US915 ")");
    g_assert_nonnull (door);
    g_assert_nonnull (us);
    g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (door)),
                                     "Device Repository: EU868, MAC_V1_0_4, "));
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (door)), "Its devices get EU_863_870_TTN, MAC_V1_0_4"));
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (us)),
                              "Its boxes are refused here: Field sensor is a US915 device"));
    /* The station's listed Profile ID, without a section: named once. */
    g_assert_nonnull (find_row_titled (GTK_WIDGET (window), ONB_TEST_SIM_PROFILE_ID));
    g_assert_true (gtk_widget_has_css_class (status, "error"));

    /* Where Blynk's integration makes the devices, a new box gets only
     * what its model names, and the other band only stops a replace. */
    {
      GtkWidget *blynk_creates = find_widget (find_widget (GTK_WIDGET (window), G_TYPE_NONE, "tts.created_by"),
                                              GTK_TYPE_SWITCH, NULL);
      const char *words;

      gtk_switch_set_active (GTK_SWITCH (blynk_creates), TRUE);
      g_signal_emit_by_name (save, "clicked");
      WAIT_FOR (onb_application_get_engine (app) != NULL, 30);
      g_signal_emit_by_name (check, "clicked");
      WAIT_FOR (gtk_widget_get_sensitive (check), 30);
      us = find_row_titled (GTK_WIDGET (window), "Field sensor (" ONB_TEST_SIM_PROFILE_ID_US915 ")");
      g_assert_nonnull (us);
      words = adw_action_row_get_subtitle (ADW_ACTION_ROW (us));
      g_assert_nonnull (strstr (words, "Its devices get no LoRaWAN settings of its own; Blynk's integration sets the rest."));
      g_assert_nonnull (strstr (words, "would be refused: Field sensor is a US915 device"));
      g_assert_null (strstr (words, "(null)"));
      gtk_switch_set_active (GTK_SWITCH (blynk_creates), FALSE);
      g_signal_emit_by_name (save, "clicked");
      WAIT_FOR (onb_application_get_engine (app) != NULL, 30);
    }
  }

  /* Issue 21's station keys, saved and shown again by a Setup that reads
   * the file anew; a removed model leaves the file. */
  {
    g_autoptr(OnbConfig) saved = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *claiming = NULL;
    g_autofree char *model_name = NULL;
    g_auto(GStrv) groups = NULL;
    GtkWidget *claims = find_widget (find_widget (GTK_WIDGET (window), G_TYPE_NONE, "labels.allow_unlisted_claims"),
                                     GTK_TYPE_SWITCH, NULL);
    GtkWidget *remove_us = find_matching (find_widget (GTK_WIDGET (window), G_TYPE_NONE,
                                                       "model " ONB_TEST_SIM_PROFILE_ID_US915),
                                          button_labelled, "Remove Model");
    GtkWidget *page, *shown;

    g_assert_nonnull (claims);
    g_assert_nonnull (remove_us);
    gtk_switch_set_active (GTK_SWITCH (claims), TRUE);
    gtk_editable_set_text (GTK_EDITABLE (find_widget (GTK_WIDGET (window), G_TYPE_NONE, "tts.frequency_plans")),
                           "EU_863_870_TTN, US_902_928_FSB_2");
    gtk_editable_set_text (GTK_EDITABLE (find_widget (GTK_WIDGET (window), G_TYPE_NONE, "tts.claiming_server")),
                           "https://claims.example.com");
    g_signal_emit_by_name (remove_us, "clicked");
    g_assert_null (find_widget (GTK_WIDGET (window), G_TYPE_NONE, "model " ONB_TEST_SIM_PROFILE_ID_US915));
    g_signal_emit_by_name (save, "clicked");
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Saved.");
    WAIT_FOR (onb_application_get_engine (app) != NULL, 30);

    saved = onb_config_load (station->config_path, &error);
    g_assert_no_error (error);
    g_assert_true (onb_config_check_values (saved, &error));
    g_assert_no_error (error);
    g_assert_true (onb_config_get_boolean (saved, "labels", "allow_unlisted_claims", FALSE));
    claiming = onb_config_get_string (saved, "tts", "claiming_server");
    g_assert_cmpstr (claiming, ==, "https://claims.example.com");
    groups = onb_config_get_model_groups (saved);
    g_assert_cmpuint (g_strv_length (groups), ==, 1);
    model_name = onb_config_get_string (saved, "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C, "name");
    g_assert_cmpstr (model_name, ==, "Door sensor");

    page = g_object_ref_sink (g_object_new (ONB_TYPE_SETUP_PAGE, NULL));
    onb_setup_page_set_config (ONB_SETUP_PAGE (page), saved, station->config_path);
    shown = find_widget (page, G_TYPE_NONE, "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".name");
    g_assert_nonnull (shown);
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (shown)), ==, "Door sensor");
    g_assert_null (find_widget (page, G_TYPE_NONE, "model " ONB_TEST_SIM_PROFILE_ID_US915));
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_widget (page, G_TYPE_NONE, "tts.frequency_plans"))),
                     ==, "EU_863_870_TTN, US_902_928_FSB_2");
    g_assert_true (gtk_switch_get_active (GTK_SWITCH (find_widget (find_widget (page, G_TYPE_NONE,
                                                                                "labels.allow_unlisted_claims"),
                                                                   GTK_TYPE_SWITCH, NULL))));
    g_object_unref (page);
  }

  /* A device list with a bad row: nothing imported, the row named. */
  {
    g_autofree char *csv = g_build_filename (station->dir, "bad.csv", NULL);
    static const char bad[] =
      "Device EUI,Join EUI,Application Key\n"
      "0018B20000000201,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C\n"
      "0018B2000000020,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C\n";

    g_assert_true (g_file_set_contents (csv, bad, -1, NULL));
    onb_window_import_devices (window, csv);
    WAIT_FOR (find_row_titled (GTK_WIDGET (window), "Nothing was imported") != NULL, 30);
    g_assert_nonnull (find_row_titled (GTK_WIDGET (window), "Row 3, Device EUI"));
    g_assert_true (gtk_widget_has_css_class (status, "error"));
  }

  /* For people reviewing the layout: Setup on the small screen. */
  resize_window (GTK_WINDOW (window), 800, 480);
  spin (300);
  write_png (GTK_WINDOW (window), "onboarder-setup-800x480.png");

  /* Leaving Setup locks it again. */
  onb_window_show_page (window, "scan");
  g_assert_false (onb_window_get_setup_unlocked (window));
  onb_window_show_page (window, "setup");
  g_assert_cmpstr (onb_window_get_visible_page (window), !=, "setup");
  WAIT_FOR (find_pin_dialog () != NULL, 10);
  gtk_window_close (GTK_WINDOW (find_pin_dialog ()));
}

static void
test_setup (void)
{
  Station station = { NULL };
  const char *args[] = { "--config", NULL, NULL };

  station_setup (&station, "482916");
  args[1] = station.config_path;
  run_app (args, setup_body, &station);
  station_teardown (&station);
}

/* Hand scanner and manual entry, each end to end ---------------------------- */

/* Types @text then Enter, @gap_ms apart; returns whether Enter was taken
 * as the end of a scan. */
static gboolean
type_keys (GtkEventController *keys,
           const char         *text,
           guint               gap_ms)
{
  gboolean handled = FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      g_signal_emit_by_name (keys, "key-pressed", gdk_unicode_to_keyval (g_utf8_get_char (p)), 0, 0, &handled);
      g_usleep (gap_ms * 1000);
    }
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Return, 0, 0, &handled);
  return handled;
}

/* A hand scanner: a burst, a few milliseconds between keys. */
static void
press_keys (GtkEventController *keys,
            const char         *text)
{
  g_assert_true (type_keys (keys, text, 2));
}

static GtkEventController *
wedge_controller (GtkWidget *window)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (window);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (controller), "onb-wedge") == 0)
        return controller;
    }
  return NULL;
}

static guint
count_history_rows (GtkWidget *page)
{
  GtkWidget *list = find_widget (page, GTK_TYPE_LIST_BOX, NULL);
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (ONB_IS_HISTORY_ROW (child))
      n++;

  return n;
}

static gboolean
card_says (OnbResultCard  *card,
           OnbResultState  state,
           const char     *dev_eui)
{
  return onb_result_card_get_state (card) == state &&
         strstr (onb_result_card_get_dev_eui (card), dev_eui) != NULL;
}

static void
scanner_body (OnbApplication *app,
              gpointer        data)
{
  Station *station = data;
  OnbWindow *window = get_window (app);
  OnbResultCard *card = scan_card (app);
  GtkEventController *keys = wedge_controller (GTK_WIDGET (window));
  GtkWidget *entry;
  g_autoptr(GError) error = NULL;
  json_object *state;

  import_samples (app);
  g_assert_nonnull (keys);

  /* No camera on a CI machine: the page says so, and the hand scanner works. */
  if (g_list_model_get_n_items (G_LIST_MODEL (onb_camera_monitor_get_default ())) == 0)
    {
      GtkWidget *scan_page = find_widget (GTK_WIDGET (window), ONB_TYPE_SCAN_PAGE, NULL);
      GtkWidget *status = find_widget (scan_page, ADW_TYPE_STATUS_PAGE, NULL);

      g_assert_nonnull (status);
      WAIT_FOR (gtk_widget_get_visible (status), 10);
      g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==, "No Camera");
      g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)), "hand scanner"));
    }
  else
    g_test_message ("A camera is plugged in: the no-camera page is not checked");
  gtk_widget_grab_focus (find_widget (GTK_WIDGET (window), GTK_TYPE_DROP_DOWN, NULL));
  press_keys (keys, "LW:D0:70B3D57ED0000010:0018B20000000101:000AF8BE:S2611A0001:C0B8C");
  WAIT_FOR (card_says (card, ONB_RESULT_STATE_SUCCESS, "0018B20000000101"), JOB_TIMEOUT_S);
  g_assert_cmpint (onb_test_sim_get_count (station->sim, "tts.is.create"), ==, 1);
  g_assert_cmpint (onb_test_sim_get_count (station->sim, "blynk.device_create"), ==, 1);
  /* Onboarder made the TTS device: its four records are the TTS steps. */
  g_assert_false (onb_result_card_get_step_shown (card, ONB_RESULT_STEP_TTS_BY_BLYNK));
  for (guint i = 0; i < ONB_RESULT_N_STEPS; i++)
    if (i != ONB_RESULT_STEP_TTS_BY_BLYNK)
      {
        g_assert_true (onb_result_card_get_step_shown (card, i));
        g_assert_cmpint (onb_result_card_get_step (card, i), ==, ONB_STEP_STATE_DONE);
      }
  /* What a screen reader says of it. */
  g_assert_cmpstr (onb_result_card_get_summary (card), ==, "Done: Soil sensor 01, created in Blynk and The Things Stack");

  /* Someone typing at human speed outside a text field is not a scan. */
  g_assert_false (type_keys (keys, "0018B20000000103", 90));
  spin (200);
  g_assert_true (card_says (card, ONB_RESULT_STATE_SUCCESS, "0018B20000000101"));

  /* Manual entry: a bare DevEUI typed on the Type Label page. */
  onb_window_show_page (window, "manual");
  entry = find_widget (GTK_WIDGET (window), GTK_TYPE_ENTRY, "manual-entry");
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "0018B20000000105");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (onb_window_get_visible_page (window), ==, "scan");
  WAIT_FOR (card_says (card, ONB_RESULT_STATE_SUCCESS, "0018B20000000105"), JOB_TIMEOUT_S);
  g_assert_cmpint (onb_test_sim_get_count (station->sim, "tts.is.create"), ==, 2);

  /* The shift's counters follow. */
  WAIT_FOR (onb_engine_get_n_done (onb_application_get_engine (app)) == 2, 10);
  g_assert_cmpuint (onb_engine_get_n_failed (onb_application_get_engine (app)), ==, 0);

  state = onb_test_sim_get_state (station->sim, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_array_length (json_object_object_get (json_object_object_get (state, "blynk"), "devices")), ==, 2);
  json_object_put (state);

  /* Replace device: the old one by its DevEUI, then the new label. */
  {
    GtkWidget *replace_page, *confirm;
    OnbResultCard *replace_card;
    const char *old_eui = "0018B20000000101";
    const char *new_label = "LW:D0:70B3D57ED0000010:0018B20000000102:000AF8BE:S2611A0002:C39FF";

    onb_window_show_page (window, "replace");
    replace_page = find_widget (GTK_WIDGET (window), ONB_TYPE_REPLACE_PAGE, NULL);
    confirm = find_widget (replace_page, GTK_TYPE_BUTTON, "replace-confirm");
    replace_card = ONB_RESULT_CARD (find_widget (replace_page, ONB_TYPE_RESULT_CARD, NULL));
    g_assert_false (gtk_widget_get_sensitive (confirm));
    onb_window_handle_payload (window, old_eui, strlen (old_eui), "keyboard");
    g_assert_false (gtk_widget_get_sensitive (confirm));
    onb_window_handle_payload (window, new_label, strlen (new_label), "camera");
    g_assert_true (gtk_widget_get_sensitive (confirm));
    g_assert_cmpstr (onb_window_get_visible_page (window), ==, "replace");
    g_signal_emit_by_name (confirm, "clicked");
    WAIT_FOR (card_says (replace_card, ONB_RESULT_STATE_SUCCESS, "0018B20000000102"), JOB_TIMEOUT_S);
    g_assert_cmpstr (onb_result_card_get_headline (replace_card), ==, "Replaced");
    write_png (GTK_WINDOW (window), "onboarder-replace.png");
  }

  /* History: every job, newest first, searchable. */
  {
    GtkWidget *history = find_widget (GTK_WIDGET (window), ONB_TYPE_HISTORY_PAGE, NULL);
    GtkWidget *search = find_widget (history, GTK_TYPE_SEARCH_ENTRY, NULL);

    onb_window_show_page (window, "history");
    onb_history_page_refresh (ONB_HISTORY_PAGE (history));
    WAIT_FOR (count_history_rows (history) == 3, 10);
    spin (300);
    write_png (GTK_WINDOW (window), "onboarder-history.png");
    gtk_editable_set_text (GTK_EDITABLE (search), "000000105");
    onb_history_page_refresh (ONB_HISTORY_PAGE (history));
    WAIT_FOR (count_history_rows (history) == 1, 10);
    gtk_editable_set_text (GTK_EDITABLE (search), "");
    onb_window_show_page (window, "scan");
  }

  /* The shift: the list's progress, the last boxes, and what is
   * still to scan, searchable and exported without keys. 101 and 105 are
   * done, and 102 replaced 101. */
  {
    OnbShiftPanel *panel = onb_scan_page_get_shift_panel (onb_window_get_scan_page (window));
    GtkWidget *missing = find_widget (GTK_WIDGET (window), ONB_TYPE_MISSING_PAGE, NULL);
    GtkWidget *search = find_widget (missing, GTK_TYPE_SEARCH_ENTRY, "missing-search");
    g_autofree char *export_path = g_build_filename (station->dir, "still-to-scan.csv", NULL);
    g_autofree char *csv = NULL;
    g_auto(GStrv) lines = NULL;

    resize_window (GTK_WINDOW (window), 1920, 1080);
    WAIT_FOR (g_strcmp0 (onb_shift_panel_get_progress_text (panel), "3 done · 9 to do · 0 failed") == 0, 10);
    WAIT_FOR (onb_shift_panel_get_n_recent (panel) == 3, 10);

    onb_window_show_page (window, "missing");
    WAIT_FOR (onb_missing_page_get_n_rows (ONB_MISSING_PAGE (missing)) == 9, 10);
    gtk_editable_set_text (GTK_EDITABLE (search), "sensor 07");
    WAIT_FOR (onb_missing_page_get_n_rows (ONB_MISSING_PAGE (missing)) == 1, 10);
    spin (300);
    write_png (GTK_WINDOW (window), "onboarder-still-to-scan.png");
    gtk_editable_set_text (GTK_EDITABLE (search), "");
    WAIT_FOR (onb_missing_page_get_n_rows (ONB_MISSING_PAGE (missing)) == 9, 10);

    g_assert_true (onb_missing_page_export (ONB_MISSING_PAGE (missing), export_path, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (export_path, &csv, NULL, &error));
    lines = g_strsplit (csv, "\r\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 11); /* header, 9 rows, "" */
    g_assert_cmpstr (lines[0], ==, "dev_eui,device_name,serial,state,reason,message");
    g_assert_true (g_str_has_prefix (lines[1], "0018B20000000103,"));
    onb_window_show_page (window, "scan");
  }

  /* A label that is not a device is refused at once, in words. */
  press_keys (keys, "https://example.com/product/42");
  WAIT_FOR (onb_result_card_get_state (card) == ONB_RESULT_STATE_FAILED, 10);
  g_assert_cmpstr (onb_result_card_get_headline (card), ==, "Rejected");

  /* A red card says what is wrong once and what to do once (the checksum
   * error's own "Scan it again; if it fails again…" is not repeated). */
  {
    const char *damaged = "LW:D0:70B3D57ED0000010:0018B20000000104:000AF8BE:S2611A0001:C0B8C";
    const char *why, *todo;

    onb_window_handle_payload (window, damaged, strlen (damaged), "camera");
    WAIT_FOR (onb_result_card_get_state (card) == ONB_RESULT_STATE_FAILED &&
              strstr (onb_result_card_get_why (card), "checksum") != NULL, 10);
    why = onb_result_card_get_why (card);
    todo = onb_result_card_get_todo (card);
    g_test_message ("red card: %s | %s", why, todo);
    g_assert_null (strstr (why, "again"));
    g_assert_true (g_str_has_suffix (why, "."));
    g_assert_null (strstr (why, ". "));
    g_assert_nonnull (strstr (todo, "again"));
    g_assert_null (strstr (todo, ". "));
  }
}

static void
test_scanner_and_manual (void)
{
  Station station = { NULL };
  const char *args[] = { "--config", NULL, NULL };

  station_setup (&station, NULL);
  args[1] = station.config_path;
  run_app (args, scanner_body, &station);
  station_teardown (&station);
}

/* Blynk makes the TTS device ([tts] created_by=blynk) -------------------- */

static void
set_integration (Station    *station,
                 const char *settings)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = g_strdup_printf ("{\"template_id\":\"%s\",%s}", ONB_TEST_SIM_BLYNK_TEMPLATE_ID, settings);
  g_autofree char *answer = NULL;
  guint status = 0;

  answer = onb_test_sim_admin (station->sim, "POST", "/_admin/blynk/integration", body, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
}

static void
blynk_creates_body (OnbApplication *app,
                    gpointer        data)
{
  Station *station = data;
  OnbWindow *window = get_window (app);
  OnbResultCard *card = scan_card (app);
  const char *dev_eui = "0018B20000000104";
  GtkWidget *panel;
  graphene_rect_t bounds;

  import_samples (app);
  /* Blynk makes the device 15 s after its metafields, far later than the
   * station waits (1 s) even on a loaded machine; the job looks again every
   * 3 s after that. */
  onb_engine_set_retry_delays (onb_application_get_engine (app), 3000, 3000);
  set_integration (station, "\"enabled\":true,\"delay_s\":15");
  resize_window (GTK_WINDOW (window), 800, 480);

  /* The box waits, saying what to check, with one step for the device
   * Blynk makes instead of the four TTS records. */
  onb_window_handle_payload (window, dev_eui, strlen (dev_eui), "keyboard");
  WAIT_FOR (card_says (card, ONB_RESULT_STATE_QUEUED, dev_eui), JOB_TIMEOUT_S);
  g_assert_cmpstr (onb_result_card_get_headline (card), ==, "Waiting for Blynk");
  g_assert_nonnull (strstr (onb_result_card_get_why (card), "Automated Device Onboarding"));
  g_assert_nonnull (strstr (onb_result_card_get_why (card), ONB_TEST_SIM_BLYNK_TEMPLATE_ID));
  g_assert_true (g_str_has_suffix (onb_result_card_get_why (card), "?"));
  g_assert_cmpstr (onb_result_card_get_todo (card), ==, "Carry on scanning, and tell your supervisor.");
  g_assert_cmpstr (onb_result_card_get_summary (card), ==, "Waiting for Blynk: Soil sensor 04 is not in The Things Stack yet");
  g_assert_true (onb_result_card_get_step_shown (card, ONB_RESULT_STEP_TTS_BY_BLYNK));
  g_assert_cmpint (onb_result_card_get_step (card, ONB_RESULT_STEP_TTS_BY_BLYNK), ==, ONB_STEP_STATE_RETRYING);
  for (guint i = ONB_RESULT_STEP_TTS_IS; i <= ONB_RESULT_STEP_TTS_AS; i++)
    g_assert_false (onb_result_card_get_step_shown (card, i));

  /* The words fit the Pi's screen: the shift's progress under the card
   * is still inside the window. */
  spin (300);
  panel = GTK_WIDGET (onb_scan_page_get_shift_panel (onb_window_get_scan_page (window)));
  g_assert_true (gtk_widget_compute_bounds (panel, GTK_WIDGET (window), &bounds));
  g_test_message ("800×480, waiting for Blynk: the shift's progress ends at y = %g",
                  bounds.origin.y + bounds.size.height);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (GTK_WIDGET (window)));
  write_png (GTK_WINDOW (window), "onboarder-waiting-for-blynk-800x480.png");

  /* The next look finds Blynk's device. */
  WAIT_FOR (card_says (card, ONB_RESULT_STATE_SUCCESS, dev_eui), JOB_TIMEOUT_S);
  for (guint i = 0; i < ONB_RESULT_N_STEPS; i++)
    {
      gboolean tts_record = i >= ONB_RESULT_STEP_TTS_IS && i <= ONB_RESULT_STEP_TTS_AS;

      g_assert_cmpint (onb_result_card_get_step_shown (card, i), ==, !tts_record);
      if (!tts_record)
        g_assert_cmpint (onb_result_card_get_step (card, i), ==, ONB_STEP_STATE_DONE);
    }
  spin (300);
  write_png (GTK_WINDOW (window), "onboarder-by-blynk-800x480.png");
}

static void
test_blynk_creates (void)
{
  Station station = { NULL };
  const char *args[] = { "--config", NULL, NULL };
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  station_setup (&station, NULL);
  g_key_file_load_from_file (keyfile, station.config_path, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_string (keyfile, "tts", "created_by", "blynk");
  g_key_file_set_integer (keyfile, "tts", "blynk_wait_s", 1);
  g_key_file_save_to_file (keyfile, station.config_path, &error);
  g_assert_no_error (error);
  args[1] = station.config_path;
  run_app (args, blynk_creates_body, &station);
  station_teardown (&station);
}

/* "Blynk creates devices too": once per shift, not once per window ------- */

static gboolean
label_says (GtkWidget  *widget,
            const char *text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

static void
blynk_notice_body (OnbApplication *app,
                   gpointer        data)
{
  Station *station = data;
  OnbWindow *window = get_window (app);
  OnbShiftPanel *panel = onb_scan_page_get_shift_panel (onb_window_get_scan_page (window));
  g_autofree char *csv = g_build_filename (station->dir, "pallet-2.csv", NULL);
  g_autofree char *samples = g_test_build_filename (G_TEST_DIST, "..", "data", "samples", "devices.csv", NULL);
  g_autofree char *first_list = NULL;
  static const char pallet[] =
    "Device EUI,Join EUI,Application Key\n"
    "0018B20000000301,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C\n";

  /* Through the window, as Setup's import does: the shift panel follows. */
  WAIT_FOR (onb_application_get_engine (app) != NULL, 10);
  onb_window_import_devices (window, samples);
  WAIT_FOR (g_strcmp0 (onb_shift_panel_get_progress_text (panel), "No device list yet") != 0, 30);
  first_list = g_strdup (onb_shift_panel_get_progress_text (panel));

  /* Said the first time, in words, and not again during the shift, even
   * after settings are saved and the engine starts again. */
  g_signal_emit_by_name (onb_application_get_engine (app), "integration-conflict", NULL, "eui-0018b20000000101");
  g_assert_cmpuint (onb_window_get_n_blynk_notices (window), ==, 1);
  g_assert_nonnull (find_matching (GTK_WIDGET (window), label_says, "Blynk appears to create devices"));
  g_signal_emit_by_name (onb_application_get_engine (app), "integration-conflict", NULL, "eui-0018b20000000102");
  g_assert_cmpuint (onb_window_get_n_blynk_notices (window), ==, 1);
  onb_application_reload (app);
  WAIT_FOR (onb_application_get_engine (app) != NULL &&
            g_strcmp0 (onb_shift_panel_get_progress_text (panel), first_list) == 0, 30);
  g_signal_emit_by_name (onb_application_get_engine (app), "integration-conflict", NULL, "eui-0018b20000000103");
  g_assert_cmpuint (onb_window_get_n_blynk_notices (window), ==, 1);

  /* The next shift's device list: said again, once. */
  g_assert_true (g_file_set_contents (csv, pallet, -1, NULL));
  onb_window_import_devices (window, csv);
  WAIT_FOR (g_strcmp0 (onb_shift_panel_get_progress_text (panel), first_list) != 0 &&
            g_strcmp0 (onb_shift_panel_get_progress_text (panel), "No device list yet") != 0, 30);
  g_signal_emit_by_name (onb_application_get_engine (app), "integration-conflict", NULL, "eui-0018b20000000301");
  g_assert_cmpuint (onb_window_get_n_blynk_notices (window), ==, 2);
  g_signal_emit_by_name (onb_application_get_engine (app), "integration-conflict", NULL, "eui-0018b20000000301");
  g_assert_cmpuint (onb_window_get_n_blynk_notices (window), ==, 2);
}

static void
test_blynk_notice (void)
{
  Station station = { NULL };
  const char *args[] = { "--config", NULL, NULL };

  station_setup (&station, NULL);
  args[1] = station.config_path;
  run_app (args, blynk_notice_body, &station);
  station_teardown (&station);
}

/* A scan while the engine (re)starts is held, then taken ------------------ */

static void
held_scan_body (OnbApplication *app,
                gpointer        data)
{
  OnbWindow *window = get_window (app);
  OnbResultCard *card = scan_card (app);
  const char *dev_eui = "0018B20000000106";

  import_samples (app);
  /* Settings saved: the engine stops and a new one starts. A label seen
   * meanwhile stays under the camera, which reports it only once. */
  onb_application_reload (app);
  g_assert_null (onb_application_get_engine (app));
  onb_window_handle_payload (window, dev_eui, strlen (dev_eui), "camera");
  g_assert_cmpint (onb_result_card_get_state (card), ==, ONB_RESULT_STATE_WORKING);
  g_assert_cmpstr (onb_result_card_get_headline (card), ==, "One moment");
  g_assert_cmpstr (onb_result_card_get_summary (card), ==,
                   "One moment: Onboarder is still starting: this box is taken as soon as it is ready.");
  WAIT_FOR (card_says (card, ONB_RESULT_STATE_SUCCESS, dev_eui), JOB_TIMEOUT_S);
}

static void
test_held_scan (void)
{
  Station station = { NULL };
  const char *args[] = { "--config", NULL, NULL };

  station_setup (&station, NULL);
  args[1] = station.config_path;
  run_app (args, held_scan_body, &station);
  station_teardown (&station);
}

/* Several stations on one PostgreSQL store -------------------------------- */

typedef struct
{
  Station   *station;
  OnbTestPg *pg;
} Fleet;

static void
store_engine_result (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Another station on the kiosk's store: its box shows in the kiosk's
 * progress, the kiosk counts two stations, and says it works alone while
 * the database restarts. */
static void
fleet_body (OnbApplication *app,
            gpointer        data)
{
  Fleet *fleet = data;
  OnbWindow *window = get_window (app);
  OnbShiftPanel *panel = onb_scan_page_get_shift_panel (onb_window_get_scan_page (window));
  g_autoptr(OnbConfig) there = NULL;
  g_autoptr(OnbHttpClient) http = NULL;
  g_autoptr(OnbEngine) other = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *there_dir = g_build_filename (fleet->station->dir, "there", NULL);
  gint64 done_us;

  import_samples (app);
  resize_window (GTK_WINDOW (window), 800, 480);
  g_assert_cmpstr (onb_shift_panel_get_fleet_text (panel), ==, "");

  there = onb_config_load (fleet->station->config_path, &error);
  g_assert_no_error (error);
  onb_config_set_string (there, "store", "station", "there");
  onb_config_set_string (there, "kiosk", "data_dir", there_dir);
  http = onb_http_client_new (there);
  other = onb_engine_new (there, http, &error);
  g_assert_no_error (error);
  onb_engine_start_async (other, NULL, store_engine_result, &result);
  WAIT_FOR (result != NULL, 30);
  g_assert_true (onb_engine_start_finish (other, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* The other station's box, in this station's progress. (How soon is
   * bench/fleet's figure: a timed assertion fails on a loaded machine.) */
  job = onb_engine_submit_payload (other, "0018B20000000107", -1, "test", &error);
  g_assert_no_error (error);
  WAIT_FOR (onb_job_get_state (job) == ONB_JOB_STATE_DONE, JOB_TIMEOUT_S);
  done_us = g_get_monotonic_time ();
  WAIT_FOR (g_strcmp0 (onb_shift_panel_get_progress_text (panel), "1/12 · 0 failed") == 0, 5);
  g_test_message ("the other station's box seen %.0f ms after it was done",
                  (g_get_monotonic_time () - done_us) / 1000.0);
  WAIT_FOR (g_strcmp0 (onb_shift_panel_get_fleet_text (panel), "2 stations on this pallet") == 0, 15);
  spin (300);
  write_png (GTK_WINDOW (window), "onboarder-two-stations-800x480.png");

  /* The database restarts: the kiosk works alone until it is back (it
   * tries again every second). */
  onb_test_pg_restart (fleet->pg);
  WAIT_FOR (g_strcmp0 (onb_shift_panel_get_fleet_text (panel), "Working alone") == 0, 15);
  WAIT_FOR (g_strcmp0 (onb_shift_panel_get_fleet_text (panel), "Working alone") != 0, 15);

  onb_engine_shutdown_async (other, NULL, store_engine_result, &result);
  WAIT_FOR (result != NULL, 30);
  g_assert_true (onb_engine_shutdown_finish (other, result, &error));
  g_assert_no_error (error);
}

static void
test_fleet (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  Station station = { NULL };
  Fleet fleet = { &station, pg };
  const char *args[] = { "--config", NULL, NULL };
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (pg == NULL)
    return;
  station_setup (&station, NULL);
  g_key_file_load_from_file (keyfile, station.config_path, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_string (keyfile, "store", "url", onb_test_pg_get_uri (pg));
  g_key_file_set_string (keyfile, "store", "station", "kiosk");
  g_key_file_set_integer (keyfile, "store", "lease_s", 5);
  g_key_file_save_to_file (keyfile, station.config_path, &error);
  g_assert_no_error (error);
  args[1] = station.config_path;
  run_app (args, fleet_body, &fleet);
  station_teardown (&station);
}

/* The card and History for one job, driven as the engine drives it -------- */

static gboolean
label_containing (GtkWidget  *widget,
                  const char *text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

static void
assert_tts_steps (OnbResultCard *card,
                  gboolean       by_blynk)
{
  for (guint i = ONB_RESULT_STEP_TTS_IS; i <= ONB_RESULT_STEP_TTS_AS; i++)
    g_assert_cmpint (onb_result_card_get_step_shown (card, i), ==, !by_blynk);
  g_assert_cmpint (onb_result_card_get_step_shown (card, ONB_RESULT_STEP_TTS_BY_BLYNK), ==, by_blynk);
}

static void
test_card_job (void)
{
  g_autoptr(OnbJob) job = onb_job_new_provision ("0018B20000000104", "70B3D57ED0000010", "Soil sensor 04",
                                                 "camera", "tr005");
  g_autoptr(OnbJob) next = onb_job_new_provision ("0018B20000000105", "70B3D57ED0000010", "Soil sensor 05",
                                                  "camera", "tr005");
  OnbResultCard *card;
  GtkWidget *row;

  gtk_init ();
  /* The templates are registered with the application's class. */
  g_type_class_unref (g_type_class_ref (ONB_TYPE_APPLICATION));
  card = g_object_ref_sink (g_object_new (ONB_TYPE_RESULT_CARD, NULL));

  /* A job not started says neither way of making the TTS device: the
   * card starts with Onboarder's four records. */
  onb_result_card_set_job (card, job);
  assert_tts_steps (card, FALSE);
  g_assert_cmpstr (onb_result_card_get_model (card), ==, "");

  /* The model, once the engine knows it, beside the device's name. */
  onb_job_set_model_name (job, "LHT65 climate");
  g_assert_cmpstr (onb_result_card_get_model (card), ==, "LHT65 climate");
  g_assert_cmpstr (onb_result_card_get_device_name (card), ==, "Soil sensor 04");

  /* Blynk makes the TTS device: one step instead of the four. */
  for (OnbJobStep step = ONB_JOB_STEP_TTS_IS; step <= ONB_JOB_STEP_TTS_AS; step++)
    onb_job_set_step (job, step, ONB_STEP_STATE_SKIPPED, NULL, NULL);
  onb_job_set_step (job, ONB_JOB_STEP_TTS_BY_BLYNK, ONB_STEP_STATE_RUNNING, NULL, NULL);
  assert_tts_steps (card, TRUE);
  g_assert_cmpint (onb_result_card_get_step (card, ONB_RESULT_STEP_TTS_BY_BLYNK), ==, ONB_STEP_STATE_RUNNING);

  /* The next box, not started yet, keeps the station's layout until its
   * steps say otherwise. */
  onb_result_card_set_job (card, next);
  assert_tts_steps (card, TRUE);
  g_assert_cmpstr (onb_result_card_get_model (card), ==, "");
  onb_job_set_step (next, ONB_JOB_STEP_TTS_BY_BLYNK, ONB_STEP_STATE_SKIPPED, NULL, NULL);
  assert_tts_steps (card, FALSE);

  /* A device claimed by its owner token: "Claimed" where "JS" stands. */
  g_assert_cmpstr (onb_result_card_get_step_title (card, ONB_RESULT_STEP_TTS_JS), ==, "JS");
  onb_job_set_step (next, ONB_JOB_STEP_TTS_JS, ONB_STEP_STATE_SKIPPED, NULL, NULL);
  onb_job_set_step (next, ONB_JOB_STEP_TTS_CLAIM, ONB_STEP_STATE_RUNNING, NULL, NULL);
  g_assert_cmpstr (onb_result_card_get_step_title (card, ONB_RESULT_STEP_TTS_JS), ==, "Claimed");
  g_assert_cmpint (onb_result_card_get_step (card, ONB_RESULT_STEP_TTS_JS), ==, ONB_STEP_STATE_RUNNING);
  onb_job_set_step (next, ONB_JOB_STEP_TTS_CLAIM, ONB_STEP_STATE_DONE, NULL, NULL);
  g_assert_cmpint (onb_result_card_get_step (card, ONB_RESULT_STEP_TTS_JS), ==, ONB_STEP_STATE_DONE);
  row = g_object_ref_sink (onb_history_row_new (next));
  g_assert_nonnull (find_matching (row, label_containing, "Claimed ✓"));
  g_assert_null (find_matching (row, label_containing, "TTS JS"));
  g_object_unref (row);
  /* The next answer names the Join Server step again. */
  onb_result_card_set_job (card, job);
  g_assert_cmpstr (onb_result_card_get_step_title (card, ONB_RESULT_STEP_TTS_JS), ==, "JS");

  /* Cut off from the store the stations share: a done box is saved here
   * and shared later, and the card says so while it is. */
  onb_result_card_set_working_alone (card, TRUE);
  onb_job_set_state (job, ONB_JOB_STATE_DONE, NULL, NULL);
  g_assert_cmpint (onb_result_card_get_state (card), ==, ONB_RESULT_STATE_SUCCESS);
  g_assert_cmpstr (onb_result_card_get_todo (card), ==,
                   "Saved here, will be shared: the other stations hear of it when the database is back.");
  onb_result_card_set_working_alone (card, FALSE);
  g_assert_cmpstr (onb_result_card_get_todo (card), ==, "");

  /* History names the model too. */
  row = g_object_ref_sink (onb_history_row_new (job));
  g_assert_nonnull (find_matching (row, label_containing, "0018B20000000104 · LHT65 climate · "));

  onb_result_card_set_job (card, NULL);
  g_object_unref (row);
  g_object_unref (card);
}

/* Kiosk: closing needs the PIN ------------------------------------------- */

static void
kiosk_body (OnbApplication *app,
            gpointer        data)
{
  OnbWindow *window = get_window (app);
  OnbPinDialog *dialog;

  g_assert_true (onb_application_get_kiosk (app));
  gtk_window_close (GTK_WINDOW (window));
  WAIT_FOR (find_pin_dialog () != NULL, 10);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  dialog = find_pin_dialog ();
  onb_pin_dialog_enter (dialog, "111111");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  onb_pin_dialog_enter (dialog, "482916");
  WAIT_FOR (gtk_application_get_active_window (GTK_APPLICATION (app)) == NULL, 10);
}

static void
test_kiosk (void)
{
  Station station = { NULL };
  const char *args[] = { "--kiosk", "--config", NULL, NULL };

  station_setup (&station, "482916");
  args[2] = station.config_path;
  run_app (args, kiosk_body, &station);
  station_teardown (&station);
}

int
main (int   argc,
      char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/setup/pin-and-validation", test_setup);
  g_test_add_func ("/ui/scanner-and-manual", test_scanner_and_manual);
  g_test_add_func ("/ui/blynk-creates/card", test_blynk_creates);
  g_test_add_func ("/ui/blynk-creates/notice-once-per-shift", test_blynk_notice);
  g_test_add_func ("/ui/result-card/model-claim-and-tts-steps", test_card_job);
  g_test_add_func ("/ui/scan-while-starting", test_held_scan);
  g_test_add_func ("/ui/fleet/other-station", test_fleet);
  g_test_add_func ("/ui/kiosk/close-needs-pin", test_kiosk);
  g_test_add_func ("/ui/demo/outcomes-and-screenshots", test_demo);

  return g_test_run ();
}
