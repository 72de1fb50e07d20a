/* test-portal-scan-page.c: `[kiosk] camera=portal` in the application, denied
 *
 * Runs under portal-session. The real application starts with a
 * configuration (pointing at the simulator) that says camera=portal; the
 * portal's "Turn On Camera?" dialog is answered "Deny Access" with
 * xdotool; the Scan page then says so in the operator's words, while the
 * scanner reports camera-permission-denied. The words must be readable
 * where they are drawn, over the black preview: light text there, as the
 * window draws it. A screenshot of the screen is kept in the build
 * directory (portal-denied-scan-page.png).
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "onb-application.h"
#include "onb-error.h"
#include "onb-scan-error.h"
#include "onb-test-sim.h"
#include "onb-window.h"
#include "portal-test.h"

#define LABEL "LW:D0:70B3D57ED0000010:0018B20000000101:000AF8BE"

/* The first visible widget under @root that is a @type and, if @text is
 * given, a label saying @text. */
static GtkWidget *
find_visible (GtkWidget  *root,
              GType       type,
              const char *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_get_visible (root) &&
      (text == NULL || g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_visible (child, type, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* How many pixels of @widget, as @window draws it, are light (text) and
 * how many dark (the preview behind it), in per mille. */
static void
count_light_and_dark (GtkWidget *window,
                      GtkWidget *widget,
                      guint     *light,
                      guint     *dark)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  graphene_rect_t bounds;
  guint n = 0;

  g_assert_true (gtk_widget_compute_bounds (widget, window, &bounds));
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);

  *light = *dark = 0;
  for (int y = MAX (0, (int) bounds.origin.y); y < MIN (height, (int) (bounds.origin.y + bounds.size.height)); y++)
    for (int x = MAX (0, (int) bounds.origin.x); x < MIN (width, (int) (bounds.origin.x + bounds.size.width)); x++)
      {
        /* Cairo's ARGB32: B, G, R, A in memory on little-endian machines;
         * the three channels count alike here. */
        const guchar *p = pixels + ((gsize) y * width + x) * 4;
        guint luma = (p[0] + p[1] + p[2]) / 3;

        *light += luma > 200;
        *dark += luma < 60;
        n++;
      }
  g_assert_cmpuint (n, >, 0);
  *light = *light * 1000 / n;
  *dark = *dark * 1000 / n;
}

static gboolean
scanner_denied (gconstpointer data)
{
  OnbScanner *scanner = onb_application_get_scanner ((OnbApplication *) data);

  return scanner != NULL && onb_scanner_get_state (scanner) == ONB_SCANNER_STATE_PERMISSION_DENIED;
}

static gboolean
run_body (gpointer user_data)
{
  OnbApplication *app = user_data;
  OnbWindow *window = ONB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  GtkWidget *status;
  const GError *error;
  g_autofree char *shot = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "ui",
                                            "portal-denied-scan-page.png", NULL);
  const char *import[] = { "import", "-window", "root", shot, NULL };

  g_assert_cmpint (onb_scan_source_get_kind (onb_scanner_get_source (onb_application_get_scanner (app))), ==,
                   ONB_SCAN_SOURCE_PORTAL);

  portal_test_answer_dialog (FALSE);
  portal_test_wait (scanner_denied, app, "camera-permission-denied");
  error = onb_scanner_get_error (onb_application_get_scanner (app));
  g_assert_cmpstr (onb_error_get_reason (error), ==, "camera-permission-denied");

  /* The Scan page, in words. */
  g_assert_cmpstr (onb_window_get_visible_page (window), ==, "scan");
  status = find_visible (GTK_WIDGET (onb_window_get_scan_page (window)), ADW_TYPE_STATUS_PAGE, NULL);
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==, "Camera Not Allowed");
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)),
                            "Allow Onboarder to use the camera"));
  g_test_message ("Scan page: “%s” — %s", adw_status_page_get_title (ADW_STATUS_PAGE (status)),
                  adw_status_page_get_description (ADW_STATUS_PAGE (status)));

  /* Let it draw a few frames, then keep a picture of it. */
  for (gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC; g_get_monotonic_time () < end;)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
  g_assert_true (gtk_widget_get_mapped (status));
  {
    guint light, dark;

    /* Once the words were the theme's dark text on the black preview: a
     * person saw a blank page. */
    count_light_and_dark (GTK_WIDGET (window), find_visible (status, GTK_TYPE_LABEL, "Camera Not Allowed"), &light, &dark);
    g_test_message ("Camera Not Allowed: %u ‰ light, %u ‰ dark pixels", light, dark);
    g_assert_cmpuint (dark, >, 300);
    g_assert_cmpuint (light, >, 50);
  }
  g_spawn_sync (NULL, (char **) import, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_test_message ("Screenshot: %s", shot);

  g_object_set_data (G_OBJECT (app), "onb-test-ran", GINT_TO_POINTER (TRUE));
  g_application_quit (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

static void
on_ready (OnbApplication *app)
{
  g_idle_add (run_body, app);
}

static void
test_denied_scan_page (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTestSim) sim = onb_test_sim_start (NULL, &error);
  g_autofree char *dir = g_dir_make_tmp ("onb-portal-page-XXXXXX", NULL);
  g_autofree char *data_dir = g_build_filename (dir, "data", NULL);
  g_autofree char *config = g_build_filename (dir, "onboarder.conf", NULL);
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autoptr(OnbApplication) app = NULL;
  GSubprocess *camera;
  const char *argv[] = { "onboarder", "--config", config, NULL };

  g_assert_no_error (error);
  keyfile = onb_test_sim_new_key_file (sim);
  g_key_file_set_string (keyfile, "kiosk", "data_dir", data_dir);
  g_key_file_set_boolean (keyfile, "kiosk", "sounds", FALSE);
  g_key_file_set_string (keyfile, "kiosk", "camera", "portal");
  g_key_file_save_to_file (keyfile, config, &error);
  g_assert_no_error (error);
  g_chmod (config, 0600);

  camera = portal_test_camera_start (LABEL);
  portal_test_wait_for_camera ();

  app = onb_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "ready", G_CALLBACK (on_ready), NULL);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 3, (char **) argv), ==, 0);
  g_assert_true (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (app), "onb-test-ran")));

  portal_test_camera_stop (camera);
  g_unlink (config);
}

int
main (int    argc,
      char **argv)
{
  if (!portal_test_init (&argc, &argv))
    return 77;

  g_test_add_func ("/portal-scan-page/denied", test_denied_scan_page);
  return g_test_run ();
}
