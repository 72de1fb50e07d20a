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

#include <gst/gst.h>

#include "onb-error.h"
#include "onb-scan-error.h"
#include "onb-scanner.h"
#include "portal-test.h"

/* Two sample labels (tests/data/samples/labels.txt has more). */
#define LABEL_A "LW:D0:70B3D57ED0000010:0018B20000000101:000AF8BE"
#define LABEL_B "LW:D0:70B3D57ED0000011:0018B20000000102:000AF8BE"

typedef struct
{
  OnbScanner *scanner;
  GPtrArray *payloads;   /* char* */
} Fixture;

/* Fixture conditions take an argument too: one closure for portal_test_wait(). */
typedef gboolean (*Condition) (Fixture *fixture, gconstpointer data);

typedef struct
{
  Fixture *fixture;
  Condition condition;
  gconstpointer data;
} Check;

static gboolean
check_holds (gconstpointer data)
{
  const Check *check = data;

  return check->condition (check->fixture, check->data);
}

static void
wait_until (Fixture       *fixture,
            Condition      condition,
            gconstpointer  data,
            const char    *what)
{
  Check check = { fixture, condition, data };

  portal_test_wait (check_holds, &check, what);
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
  GSubprocess *camera = portal_test_camera_start (LABEL_A);
  g_autofree char *stored = NULL;
  const GError *error;

  fixture_init (&fixture);
  portal_test_wait_for_camera ();

  onb_scanner_start (fixture.scanner);
  portal_test_answer_dialog (TRUE);
  wait_until (&fixture, has_payload, LABEL_A, "the label through the portal");
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_RUNNING);
  g_assert_cmpint (pipewire_fd (fixture.scanner), >=, 0);
  stored = portal_test_stored_permission ();
  g_test_message ("Permission store after the click: devices/camera[\"\"] = %s", stored);
  g_assert_cmpstr (stored, ==, "yes");

  /* Unplugged mid-stream. */
  portal_test_camera_stop (camera);
  wait_until (&fixture, in_state, GINT_TO_POINTER (ONB_SCANNER_STATE_UNPLUGGED), "camera-unplugged");
  error = onb_scanner_get_error (fixture.scanner);
  g_assert_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_CAMERA_UNPLUGGED);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "camera-unplugged");
  g_test_message ("Unplugged: %s", error->message);

  /* Plugged in again, now showing another box: no click, no restart. */
  camera = portal_test_camera_start (LABEL_B);
  wait_until (&fixture, has_payload, LABEL_B, "the label after the camera came back");
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_RUNNING);
  g_assert_null (onb_scanner_get_error (fixture.scanner));

  fixture_clear (&fixture);
  portal_test_camera_stop (camera);
}

static void
test_deny (void)
{
  Fixture fixture;
  GSubprocess *camera = portal_test_camera_start (LABEL_A);
  g_autofree char *stored = NULL;
  const GError *error;

  /* Ask again, as on a desktop where nobody has answered yet. */
  portal_test_set_stored_permission ("ask");
  fixture_init (&fixture);
  portal_test_wait_for_camera ();

  onb_scanner_start (fixture.scanner);
  portal_test_answer_dialog (FALSE);
  wait_until (&fixture, in_state, GINT_TO_POINTER (ONB_SCANNER_STATE_PERMISSION_DENIED), "camera-permission-denied");
  error = onb_scanner_get_error (fixture.scanner);
  g_assert_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "camera-permission-denied");
  g_assert_nonnull (strstr (error->message, "Allow camera access"));
  g_test_message ("Denied: %s", error->message);
  g_assert_null (onb_scanner_get_pipeline (fixture.scanner));
  g_assert_cmpuint (fixture.payloads->len, ==, 0);
  /* "ask" stays: the portal asks again next time rather than remember. */
  stored = portal_test_stored_permission ();
  g_assert_cmpstr (stored, ==, "ask");

  fixture_clear (&fixture);
  portal_test_camera_stop (camera);
}

int
main (int    argc,
      char **argv)
{
  if (!portal_test_init (&argc, &argv))
    return 77;

  g_test_add_func ("/portal-camera/grant-unplug-recover", test_grant_unplug_recover);
  g_test_add_func ("/portal-camera/deny", test_deny);

  return g_test_run ();
}
