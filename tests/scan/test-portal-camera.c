/* test-portal-camera.c: the camera through xdg-desktop-portal and PipeWire
 *
 * Runs under portal-session (its own bus, Xvfb, PipeWire, WirePlumber, the
 * portal and its GTK backend). The camera is a PipeWire video source made
 * by gst-launch-1.0 showing a label drawn by qroverlay; the portal's real
 * "Turn On Camera?" dialog is answered with xdotool, as a user would. The
 * scanner uses the source that `[kiosk] camera=portal` chooses.
 *
 * grant: the scanner opens pipewiresrc on the portal's fd and reads the label;
 * unplug: the camera process ends mid-stream → camera-unplugged; a new
 *   camera with another label → running again, by itself;
 * deny: a fresh scanner, the dialog answered "Deny Access" →
 *   camera-permission-denied with words for the operator.
 */

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include <gst/gst.h>

#include "onb-error.h"
#include "onb-scan-error.h"
#include "onb-scanner.h"

#define WAIT_TIMEOUT_S 20

/* Two sample labels (tests/data/samples/labels.txt has more). */
#define LABEL_A "LW:D0:70B3D57ED0000010:0018B20000000101:000AF8BE"
#define LABEL_B "LW:D0:70B3D57ED0000011:0018B20000000102:000AF8BE"

typedef struct
{
  OnbScanner *scanner;
  GPtrArray *payloads;   /* char* */
} Fixture;

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *fixture, gconstpointer data);

/* Iterates the main context until @condition holds; fails after the timeout. */
static void
wait_until (Fixture       *fixture,
            Condition      condition,
            gconstpointer  data,
            const char    *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_TIMEOUT_S, timeout_cb, &expired);
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while (!condition (fixture, data) && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("Timed out waiting for %s (scanner state %d)", what,
             fixture->scanner != NULL ? (int) onb_scanner_get_state (fixture->scanner) : -1);
  g_source_remove (id);
  g_source_remove (tick);
}

static gboolean
in_state (Fixture       *fixture,
          gconstpointer  state)
{
  return onb_scanner_get_state (fixture->scanner) == (OnbScannerState) GPOINTER_TO_INT (state);
}

static gboolean
has_payload (Fixture       *fixture,
             gconstpointer  payload)
{
  for (guint i = 0; i < fixture->payloads->len; i++)
    if (g_str_equal (g_ptr_array_index (fixture->payloads, i), payload))
      return TRUE;
  return FALSE;
}

static void
on_code_detected (OnbScanner *scanner,
                  OnbScanHit *hit,
                  Fixture    *fixture)
{
  GBytes *payload = onb_scan_hit_get_payload (hit);
  gsize length;
  const char *data = g_bytes_get_data (payload, &length);

  g_ptr_array_add (fixture->payloads, g_strndup (data, length));
}

static void
fixture_init (Fixture *fixture)
{
  /* What the kiosk builds from [kiosk] camera=portal. */
  g_autoptr(OnbScanSource) source = onb_scan_source_new_auto ("portal");

  g_assert_cmpint (onb_scan_source_get_kind (source), ==, ONB_SCAN_SOURCE_PORTAL);
  fixture->scanner = onb_scanner_new (source);
  fixture->payloads = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (fixture->scanner, "code-detected", G_CALLBACK (on_code_detected), fixture);
}

static void
fixture_clear (Fixture *fixture)
{
  onb_scanner_stop (fixture->scanner);
  g_clear_object (&fixture->scanner);
  g_clear_pointer (&fixture->payloads, g_ptr_array_unref);
}

/* ---- The PipeWire camera ---- */

static void
kill_with_parent (gpointer data)
{
  /* A test that dies must not leave its camera running (it would also
   * hold the test's output open). */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* A webcam as PipeWire lists one: a Video/Source node in the Camera role,
 * showing @payload as qroverlay draws it (a real QR code in live video). */
static GSubprocess *
camera_start (const char *payload)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *data = g_strdup_printf ("data=%s", payload);
  g_autoptr(GError) error = NULL;
  GSubprocess *camera;

  g_subprocess_launcher_set_child_setup (launcher, kill_with_parent, NULL, NULL);
  camera = g_subprocess_launcher_spawn (launcher, &error, "gst-launch-1.0", "-q",
                                        "videotestsrc", "is-live=true", "pattern=white", "!",
                                        "video/x-raw,width=640,height=480,framerate=15/1", "!",
                                        "qroverlay", "case-sensitive=true", data, "x=50", "y=50", "pixel-size=3", "!",
                                        "videoconvert", "!", "video/x-raw,format=YUY2", "!",
                                        "pipewiresink", "mode=provide",
                                        "stream-properties=props,media.class=Video/Source,media.role=Camera", NULL);
  g_assert_no_error (error);
  return camera;
}

static void
camera_stop (GSubprocess *camera)
{
  g_subprocess_send_signal (camera, SIGTERM);
  g_subprocess_wait (camera, NULL, NULL);
  g_object_unref (camera);
}

static gboolean
pipewire_lists_camera (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *argv[] = { "pw-cli", "ls", "Node", NULL };
  g_autofree char *out = NULL;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, NULL, NULL);
  return out != NULL && strstr (out, "media.role = \"Camera\"") != NULL;
}

/* The portal's own answer, as the scanner will get it. The portal (1.16)
 * counts the cameras PipeWire lists when it connects, not those added
 * later: the first call starts it, after the first camera is up. */
static gboolean
portal_sees_camera (Fixture       *fixture,
                    gconstpointer  wanted)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "org.freedesktop.portal.Camera", "IsCameraPresent"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_boolean (value) == GPOINTER_TO_INT (wanted);
}

/* ---- The access dialog ---- */

static char *
run_xdotool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? g_steal_pointer (&out) : NULL;
}

/* The dialog is the largest window of the portal backend (the others are
 * its 10×10 group leader). Returns its id and size, or FALSE. */
static gboolean
find_dialog (char **id,
             int   *width,
             int   *height)
{
  const char *search[] = { "xdotool", "search", "--onlyvisible", "--class", "xdg-desktop-portal-gtk", NULL };
  g_autofree char *found = run_xdotool (search);
  g_auto(GStrv) ids = NULL;
  int best = 0;

  if (found == NULL)
    return FALSE;
  ids = g_strsplit (g_strstrip (found), "\n", -1);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      const char *geometry[] = { "xdotool", "getwindowgeometry", "--shell", ids[i], NULL };
      g_autofree char *shell = run_xdotool (geometry);
      g_auto(GStrv) lines = shell != NULL ? g_strsplit (shell, "\n", -1) : NULL;
      int w = 0, h = 0;

      for (guint j = 0; lines != NULL && lines[j] != NULL; j++)
        {
          if (g_str_has_prefix (lines[j], "WIDTH="))
            w = atoi (lines[j] + 6);
          else if (g_str_has_prefix (lines[j], "HEIGHT="))
            h = atoi (lines[j] + 7);
        }
      if (w * h > best && w > 100 && h > 50)
        {
          best = w * h;
          g_free (*id);
          *id = g_strdup (ids[i]);
          *width = w;
          *height = h;
        }
    }
  return best > 0;
}

static gboolean
dialog_shown (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *id = NULL;
  int width, height;

  return find_dialog (&id, &width, &height);
}

/* Clicks a button of the dialog's bottom row: "Deny Access" on the left,
 * "Grant Access" on the right. */
static void
answer_dialog (Fixture  *fixture,
               gboolean  grant)
{
  g_autofree char *id = NULL;
  g_autofree char *x = NULL, *y = NULL;
  int width = 0, height = 0;

  wait_until (fixture, dialog_shown, NULL, "the portal's “Turn On Camera?” dialog");
  g_assert_true (find_dialog (&id, &width, &height));
  x = g_strdup_printf ("%d", grant ? width * 3 / 4 : width / 4);
  y = g_strdup_printf ("%d", height - 16);
  {
    const char *click[] = { "xdotool", "mousemove", "--sync", "--window", id, x, y, "click", "1", NULL };
    g_autofree char *out = run_xdotool (click);

    g_assert_nonnull (out);
  }
  g_test_message ("Clicked “%s Access” in the portal's dialog (window %s, %d×%d)",
                  grant ? "Grant" : "Deny", id, width, height);
}

/* The permission store as the dialog leaves it; "ask" makes it ask again. */
static void
set_stored_permission (const char *value)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  const char *permissions[] = { value, NULL };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  /* A program outside any sandbox has the empty application ID. */
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.impl.portal.PermissionStore",
                                       "/org/freedesktop/impl/portal/PermissionStore",
                                       "org.freedesktop.impl.portal.PermissionStore", "SetPermission",
                                       g_variant_new ("(sbss^as)", "devices", TRUE, "camera", "", permissions),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

static char *
stored_permission (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) table = NULL;
  g_autofree const char **values = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.impl.portal.PermissionStore",
                                       "/org/freedesktop/impl/portal/PermissionStore",
                                       "org.freedesktop.impl.portal.PermissionStore", "Lookup",
                                       g_variant_new ("(ss)", "devices", "camera"),
                                       G_VARIANT_TYPE ("(a{sas}v)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply == NULL)
    return NULL;
  table = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (table, "", "^a&s", &values) || values[0] == NULL)
    return NULL;
  return g_strdup (values[0]);
}

/* The element that reads the camera, and the fd it reads it on. */
static int
pipewire_fd (OnbScanner *scanner)
{
  GstElement *pipeline = onb_scanner_get_pipeline (scanner);
  g_autoptr(GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;
  int fd = -1;

  g_assert_nonnull (pipeline);
  it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);

      if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "pipewiresrc"))
        g_object_get (element, "fd", &fd, NULL);
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return fd;
}

/* ---- Tests ---- */

static void
test_grant_unplug_recover (void)
{
  Fixture fixture;
  GSubprocess *camera = camera_start (LABEL_A);
  g_autofree char *stored = NULL;
  const GError *error;

  fixture_init (&fixture);
  wait_until (&fixture, pipewire_lists_camera, NULL, "PipeWire to list the camera");
  wait_until (&fixture, portal_sees_camera, GINT_TO_POINTER (TRUE), "the portal to see the PipeWire camera");

  onb_scanner_start (fixture.scanner);
  answer_dialog (&fixture, TRUE);
  wait_until (&fixture, has_payload, LABEL_A, "the label through the portal");
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_RUNNING);
  g_assert_cmpint (pipewire_fd (fixture.scanner), >=, 0);
  stored = stored_permission ();
  g_test_message ("Permission store after the click: devices/camera[\"\"] = %s", stored);
  g_assert_cmpstr (stored, ==, "yes");

  /* Unplugged mid-stream. */
  camera_stop (camera);
  wait_until (&fixture, in_state, GINT_TO_POINTER (ONB_SCANNER_STATE_UNPLUGGED), "camera-unplugged");
  error = onb_scanner_get_error (fixture.scanner);
  g_assert_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_CAMERA_UNPLUGGED);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "camera-unplugged");
  g_test_message ("Unplugged: %s", error->message);

  /* Plugged in again, now showing another box: no click, no restart. */
  camera = camera_start (LABEL_B);
  wait_until (&fixture, has_payload, LABEL_B, "the label after the camera came back");
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_RUNNING);
  g_assert_null (onb_scanner_get_error (fixture.scanner));

  fixture_clear (&fixture);
  camera_stop (camera);
}

static void
test_deny (void)
{
  Fixture fixture;
  GSubprocess *camera = camera_start (LABEL_A);
  g_autofree char *stored = NULL;
  const GError *error;

  /* Ask again, as on a desktop where nobody has answered yet. */
  set_stored_permission ("ask");
  fixture_init (&fixture);
  wait_until (&fixture, pipewire_lists_camera, NULL, "PipeWire to list the camera");
  wait_until (&fixture, portal_sees_camera, GINT_TO_POINTER (TRUE), "the portal to see the PipeWire camera");

  onb_scanner_start (fixture.scanner);
  answer_dialog (&fixture, FALSE);
  wait_until (&fixture, in_state, GINT_TO_POINTER (ONB_SCANNER_STATE_PERMISSION_DENIED), "camera-permission-denied");
  error = onb_scanner_get_error (fixture.scanner);
  g_assert_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "camera-permission-denied");
  g_assert_nonnull (strstr (error->message, "Allow camera access"));
  g_test_message ("Denied: %s", error->message);
  g_assert_null (onb_scanner_get_pipeline (fixture.scanner));
  g_assert_cmpuint (fixture.payloads->len, ==, 0);
  /* "ask" stays: the portal asks again next time rather than remember. */
  stored = stored_permission ();
  g_assert_cmpstr (stored, ==, "ask");

  fixture_clear (&fixture);
  camera_stop (camera);
}

int
main (int    argc,
      char **argv)
{

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  if (g_getenv ("ONB_PORTAL_SESSION_DIR") == NULL)
    {
      g_printerr ("Run this test through tests/scan/portal-session, which starts the desktop session it needs.\n");
      return 77;
    }

  g_test_add_func ("/portal-camera/grant-unplug-recover", test_grant_unplug_recover);
  g_test_add_func ("/portal-camera/deny", test_deny);

  return g_test_run ();
}
