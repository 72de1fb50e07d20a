/* test-scanner.c: OnbScanner on real GStreamer pipelines and images
 *
 * Frames come from videotestsrc + qroverlay case-sensitive=true (real QR codes of the sample
 * labels drawn into live video) and from PNGs made by qrencode at test
 * time. Waits are bounded by generous timeouts only.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "onb-error.h"
#include "onb-scan-error.h"
#include "onb-scanner.h"

#define WAIT_TIMEOUT_S 20

static char **labels;

typedef struct
{
  OnbScanner *scanner;
  GPtrArray *hits;
} Fixture;

static void
on_code_detected (OnbScanner *scanner,
                  OnbScanHit *hit,
                  Fixture    *fixture)
{
  g_ptr_array_add (fixture->hits, onb_scan_hit_ref (hit));
}

static void
fixture_init (Fixture       *fixture,
              OnbScanSource *source)
{
  fixture->scanner = onb_scanner_new (source);
  fixture->hits = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_scan_hit_unref);
  g_signal_connect (fixture->scanner, "code-detected", G_CALLBACK (on_code_detected), fixture);
}

static void
fixture_init_pipeline (Fixture    *fixture,
                       const char *description)
{
  g_autoptr(OnbScanSource) source = onb_scan_source_new_pipeline (description);

  fixture_init (fixture, source);
}

static void
fixture_clear (Fixture *fixture)
{
  onb_scanner_stop (fixture->scanner);
  g_clear_object (&fixture->scanner);
  g_clear_pointer (&fixture->hits, g_ptr_array_unref);
}

typedef gboolean (*Condition) (Fixture *fixture, gconstpointer data);

static gboolean
timeout_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @condition holds; fails after the timeout. */
static void
wait_until (Fixture       *fixture,
            Condition      condition,
            gconstpointer  data,
            const char    *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_TIMEOUT_S, timeout_cb, &expired);

  while (!condition (fixture, data) && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("Timed out waiting for %s (scanner state %d)", what, onb_scanner_get_state (fixture->scanner));
  g_source_remove (id);
}

/* Runs the main loop for a while, for checks that nothing more happens. */
static void
run_for (guint milliseconds)
{
  gboolean expired = FALSE;

  g_timeout_add (milliseconds, timeout_cb, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

static guint
count_payload (Fixture    *fixture,
               const char *payload)
{
  guint n = 0;

  for (guint i = 0; i < fixture->hits->len; i++)
    {
      GBytes *bytes = onb_scan_hit_get_payload (g_ptr_array_index (fixture->hits, i));
      gsize length;
      const char *data = g_bytes_get_data (bytes, &length);

      if (length == strlen (payload) && memcmp (data, payload, length) == 0)
        n++;
    }
  return n;
}

static gboolean
has_payload (Fixture       *fixture,
             gconstpointer  payload)
{
  return count_payload (fixture, payload) > 0;
}

static gboolean
has_payload_twice (Fixture       *fixture,
                   gconstpointer  payload)
{
  return count_payload (fixture, payload) >= 2;
}

static gboolean
in_state (Fixture       *fixture,
          gconstpointer  state)
{
  return onb_scanner_get_state (fixture->scanner) == (OnbScannerState) GPOINTER_TO_INT (state);
}

static gboolean
not_running (Fixture       *fixture,
             gconstpointer  data)
{
  OnbScannerState state = onb_scanner_get_state (fixture->scanner);

  return state != ONB_SCANNER_STATE_RUNNING && state != ONB_SCANNER_STATE_STARTING;
}

static OnbScanHit *
find_hit (Fixture    *fixture,
          const char *payload)
{
  for (guint i = 0; i < fixture->hits->len; i++)
    {
      OnbScanHit *hit = g_ptr_array_index (fixture->hits, i);
      gsize length;
      const char *data = g_bytes_get_data (onb_scan_hit_get_payload (hit), &length);

      if (length == strlen (payload) && memcmp (data, payload, length) == 0)
        return hit;
    }
  return NULL;
}

/* The corners of @hit lie around (@cx, @cy) within the frame. */
static void
assert_corners_near (OnbScanHit *hit,
                     double      cx,
                     double      cy,
                     double      tolerance)
{
  guint n;
  const OnbScanPoint *corners = onb_scan_hit_get_corners (hit, &n);
  double x = 0, y = 0;
  int width, height;

  onb_scan_hit_get_frame_size (hit, &width, &height);
  g_assert_cmpuint (n, ==, 4);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat (corners[i].x, >=, 0);
      g_assert_cmpfloat (corners[i].x, <=, width);
      g_assert_cmpfloat (corners[i].y, >=, 0);
      g_assert_cmpfloat (corners[i].y, <=, height);
      x += corners[i].x / n;
      y += corners[i].y / n;
    }
  g_assert_cmpfloat (ABS (x - cx), <, tolerance);
  g_assert_cmpfloat (ABS (y - cy), <, tolerance);
}

#define LIVE_SOURCE "videotestsrc is-live=true pattern=white ! video/x-raw,width=640,height=480,framerate=15/1"

static void
test_one_code (void)
{
  g_autofree char *description = g_strdup_printf (LIVE_SOURCE " ! qroverlay case-sensitive=true data=\"%s\" x=50 y=50 pixel-size=3",
                                                  labels[0]);
  Fixture fixture;
  OnbScanHit *hit;

  fixture_init_pipeline (&fixture, description);
  onb_scanner_start (fixture.scanner);
  wait_until (&fixture, has_payload, labels[0], "the label");

  hit = find_hit (&fixture, labels[0]);
  g_assert_true (onb_scan_hit_is_accepted (hit));
  g_assert_cmpint (onb_code_get_kind (onb_scan_hit_get_code (hit)), ==, ONB_CODE_KIND_TR005);
  g_assert_cmpstr (onb_code_get_dev_eui (onb_scan_hit_get_code (hit)), ==, "0018B20000000101");
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_RUNNING);
  /* qroverlay case-sensitive=true centres the code on x/y: (50 %, 50 %) of 640×480. */
  assert_corners_near (hit, 320, 240, 12);

  /* Still in view, within the default 3 s hold-off: not reported again. */
  run_for (1500);
  g_assert_cmpuint (count_payload (&fixture, labels[0]), ==, 1);
  g_assert_cmpuint (fixture.hits->len, ==, 1);

  fixture_clear (&fixture);
}

static void
test_two_codes (void)
{
  g_autofree char *description =
    g_strdup_printf (LIVE_SOURCE " ! qroverlay case-sensitive=true data=\"%s\" x=25 y=35 pixel-size=3"
                     " ! qroverlay case-sensitive=true data=\"%s\" x=75 y=65 pixel-size=3", labels[0], labels[4]);
  Fixture fixture;

  fixture_init_pipeline (&fixture, description);
  onb_scanner_start (fixture.scanner);
  wait_until (&fixture, has_payload, labels[0], "the first label");
  wait_until (&fixture, has_payload, labels[4], "the second label");

  /* Each outline is around its own code: upper left and lower right. */
  assert_corners_near (find_hit (&fixture, labels[0]), 160, 120, 80);
  assert_corners_near (find_hit (&fixture, labels[4]), 480, 360, 80);
  g_assert_cmpint (onb_code_get_kind (onb_scan_hit_get_code (find_hit (&fixture, labels[4]))), ==,
                   ONB_CODE_KIND_DEV_EUI);

  fixture_clear (&fixture);
}

/* Shows the box on input @index of the selector named "boxes". */
static void
show_box (Fixture *fixture,
          guint    index)
{
  g_autoptr(GstElement) selector = gst_bin_get_by_name (GST_BIN (onb_scanner_get_pipeline (fixture->scanner)), "boxes");
  g_autofree char *name = g_strdup_printf ("sink_%u", index);
  g_autoptr(GstPad) pad = gst_element_get_static_pad (selector, name);

  g_assert_nonnull (pad);
  g_object_set (selector, "active-pad", pad, NULL);
}

static void
test_leaves_and_returns (void)
{
  g_autofree char *description =
    g_strdup_printf ("input-selector name=boxes ! videoconvert "
                     LIVE_SOURCE " ! qroverlay case-sensitive=true data=\"%s\" pixel-size=3 ! boxes.sink_0 "
                     LIVE_SOURCE " ! qroverlay case-sensitive=true data=\"%s\" pixel-size=3 ! boxes.sink_1",
                     labels[0], labels[5]);
  Fixture fixture;

  fixture_init_pipeline (&fixture, description);
  onb_scanner_set_hold_off (fixture.scanner, 500);
  onb_scanner_start (fixture.scanner);
  show_box (&fixture, 0);
  wait_until (&fixture, has_payload, labels[0], "the label");

  /* Another box: once it is read, the first one is out of sight. */
  show_box (&fixture, 1);
  wait_until (&fixture, has_payload, labels[5], "the second box");
  run_for (1500);
  g_assert_cmpuint (count_payload (&fixture, labels[0]), ==, 1);

  /* The first box comes back after the hold-off: it counts again. */
  show_box (&fixture, 0);
  wait_until (&fixture, has_payload_twice, labels[0], "the label again");
  g_assert_cmpuint (count_payload (&fixture, labels[5]), ==, 1);

  fixture_clear (&fixture);
}

static void
test_inverted (void)
{
  /* coloreffects' xray preset inverts the frame: a light-on-dark label. */
  g_autofree char *description =
    g_strdup_printf (LIVE_SOURCE " ! qroverlay case-sensitive=true data=\"%s\" pixel-size=3 ! videoconvert ! coloreffects preset=xray",
                     labels[5]);
  Fixture fixture;

  fixture_init_pipeline (&fixture, description);
  onb_scanner_start (fixture.scanner);
  wait_until (&fixture, has_payload, labels[5], "the inverted label");
  g_assert_cmpint (onb_code_get_kind (onb_scan_hit_get_code (find_hit (&fixture, labels[5]))), ==,
                   ONB_CODE_KIND_BLYNK_STATIC_TOKEN);

  fixture_clear (&fixture);
}

typedef struct
{
  Fixture *fixture;
  double x;
} Mover;

static gboolean
move_label (gpointer data)
{
  Mover *mover = data;
  GstElement *pipeline = onb_scanner_get_pipeline (mover->fixture->scanner);
  g_autoptr(GstElement) overlay = NULL;

  if (pipeline == NULL)
    return G_SOURCE_CONTINUE;

  mover->x = mover->x >= 75 ? 25 : mover->x + 1;
  overlay = gst_bin_get_by_name (GST_BIN (pipeline), "label");
  g_object_set (overlay, "x", (float) mover->x, "y", (float) (100 - mover->x), NULL);
  return G_SOURCE_CONTINUE;
}

static void
test_moving (void)
{
  g_autofree char *description = g_strdup_printf (LIVE_SOURCE " ! qroverlay case-sensitive=true name=label data=\"%s\" x=25 y=75 pixel-size=3",
                                                  labels[1]);
  Fixture fixture;
  Mover mover = { &fixture, 25 };
  guint id;
  OnbScanHit *hit;

  fixture_init_pipeline (&fixture, description);
  /* About 20 px per frame at 15 fps: a box carried under the camera. */
  id = g_timeout_add (33, move_label, &mover);
  onb_scanner_start (fixture.scanner);
  wait_until (&fixture, has_payload, labels[1], "the moving label");
  g_source_remove (id);

  hit = find_hit (&fixture, labels[1]);
  g_assert_true (onb_scan_hit_is_accepted (hit));
  g_assert_cmpuint (fixture.hits->len, ==, 1);

  fixture_clear (&fixture);
}

static char *
make_qr_png (const char *dir,
             const char *name,
             const char *payload,
             guint       module,
             gboolean    inverted)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *size = g_strdup_printf ("%u", module);
  g_autoptr(GError) error = NULL;
  int status = -1;
  const char *argv[] = { "qrencode", "-s", size, "-m", "4", "-o", path,
                         inverted ? "--foreground=FFFFFF" : "--foreground=000000",
                         inverted ? "--background=000000" : "--background=FFFFFF",
                         payload, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  return g_steal_pointer (&path);
}

static void
scan_image (Fixture    *fixture,
            const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OnbScanSource) source = onb_scan_source_new_image (file);

  fixture_init (fixture, source);
  onb_scanner_start (fixture->scanner);
  wait_until (fixture, not_running, NULL, "the end of the image");
}

static void
test_still_images (void)
{
  g_autofree char *dir = g_dir_make_tmp ("onb-scan-XXXXXX", NULL);
  const guint modules[] = { 2, 3, 5, 8 };

  g_assert_nonnull (dir);

  for (guint i = 0; i < G_N_ELEMENTS (modules); i++)
    for (guint inverted = 0; inverted < 2; inverted++)
      {
        g_autofree char *name = g_strdup_printf ("label-%u-%u.png", modules[i], inverted);
        const char *payload = labels[i % 7];
        g_autofree char *path = make_qr_png (dir, name, payload, modules[i], inverted);
        Fixture fixture;

        g_test_message ("module %u px%s", modules[i], inverted ? ", inverted" : "");
        scan_image (&fixture, path);
        g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_FINISHED);
        /* One read is enough for a still image. */
        g_assert_cmpuint (fixture.hits->len, ==, 1);
        g_assert_cmpuint (count_payload (&fixture, payload), ==, 1);
        fixture_clear (&fixture);
        g_unlink (path);
      }

  g_rmdir (dir);
}

static void
test_image_rejected_and_unreadable (void)
{
  g_autofree char *dir = g_dir_make_tmp ("onb-scan-XXXXXX", NULL);
  g_autofree char *path = make_qr_png (dir, "url.png", labels[9], 4, FALSE);
  g_autofree char *bogus = g_build_filename (dir, "bogus.png", NULL);
  const char * const profiles[] = { "000AF8BE", NULL };
  g_autofree char *other = make_qr_png (dir, "other.png", labels[7], 4, FALSE);
  Fixture fixture;
  OnbScanHit *hit;

  /* A QR code that is not a device label is reported, rejected. */
  scan_image (&fixture, path);
  g_assert_cmpuint (fixture.hits->len, ==, 1);
  hit = g_ptr_array_index (fixture.hits, 0);
  g_assert_false (onb_scan_hit_is_accepted (hit));
  g_assert_null (onb_scan_hit_get_code (hit));
  g_assert_cmpstr (onb_error_get_reason (onb_scan_hit_get_rejection (hit)), ==, "not-a-device-label");
  fixture_clear (&fixture);

  /* Another product's label: parsed, but rejected by the Profile ID check. */
  {
    g_autoptr(GFile) file = g_file_new_for_path (other);
    g_autoptr(OnbScanSource) source = onb_scan_source_new_image (file);

    fixture_init (&fixture, source);
    onb_scanner_set_profile_ids (fixture.scanner, profiles);
    onb_scanner_start (fixture.scanner);
    wait_until (&fixture, not_running, NULL, "the end of the image");
    g_assert_cmpuint (fixture.hits->len, ==, 1);
    hit = g_ptr_array_index (fixture.hits, 0);
    g_assert_nonnull (onb_scan_hit_get_code (hit));
    g_assert_cmpstr (onb_error_get_reason (onb_scan_hit_get_rejection (hit)), ==, "profile-mismatch");
    fixture_clear (&fixture);
  }

  /* Not a picture at all. */
  g_assert_true (g_file_set_contents (bogus, "not a png", -1, NULL));
  scan_image (&fixture, bogus);
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_FAILED);
  g_assert_cmpstr (onb_error_get_reason (onb_scanner_get_error (fixture.scanner)), ==, "no-video");
  g_assert_cmpuint (fixture.hits->len, ==, 0);
  fixture_clear (&fixture);

  g_unlink (path);
  g_unlink (other);
  g_unlink (bogus);
  g_rmdir (dir);
}

/* The camera errors mid-stream the way v4l2src does when it is unplugged,
 * stays away for a while (its device is gone, so reopening fails), then
 * comes back. */
static void
test_unplug_and_recover (void)
{
  g_autofree char *dir = g_dir_make_tmp ("onb-scan-XXXXXX", NULL);
  g_autofree char *path = make_qr_png (dir, "camera.png", labels[2], 4, FALSE);
  g_autofree char *away = g_build_filename (dir, "away.png", NULL);
  g_autofree char *description =
    g_strdup_printf ("filesrc name=camera location=\"%s\" ! pngdec ! imagefreeze is-live=true"
                     " ! video/x-raw,framerate=15/1 ! videoconvert", path);
  GstElement *camera;
  Fixture fixture;

  fixture_init_pipeline (&fixture, description);
  /* No hold-off: the label seen again after the outage shows frames flow again. */
  onb_scanner_set_hold_off (fixture.scanner, 0);
  onb_scanner_start (fixture.scanner);
  wait_until (&fixture, has_payload, labels[2], "the label");

  g_assert_cmpint (g_rename (path, away), ==, 0);
  camera = gst_bin_get_by_name (GST_BIN (onb_scanner_get_pipeline (fixture.scanner)), "camera");
  GST_ELEMENT_ERROR (camera, RESOURCE, READ, ("Could not read from resource."),
                     ("Simulated unplug: No such device"));
  gst_object_unref (camera);

  wait_until (&fixture, in_state, GINT_TO_POINTER (ONB_SCANNER_STATE_UNPLUGGED), "the unplugged state");
  g_assert_cmpstr (onb_error_get_reason (onb_scanner_get_error (fixture.scanner)), ==, "camera-unplugged");

  /* While the device is missing every retry fails and the state holds. */
  run_for (2500);
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_UNPLUGGED);
  g_assert_cmpuint (fixture.hits->len, ==, 1);

  g_assert_cmpint (g_rename (away, path), ==, 0);
  wait_until (&fixture, in_state, GINT_TO_POINTER (ONB_SCANNER_STATE_RUNNING), "the recovery");
  wait_until (&fixture, has_payload_twice, labels[2], "the label after the recovery");
  g_assert_null (onb_scanner_get_error (fixture.scanner));

  fixture_clear (&fixture);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_missing_element (void)
{
  Fixture fixture;
  const GError *error;

  fixture_init_pipeline (&fixture, "videotestsrc ! onbnosuchfilter ! videoconvert");
  onb_scanner_start (fixture.scanner);
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_FAILED);
  error = onb_scanner_get_error (fixture.scanner);
  g_assert_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_MISSING_ELEMENT);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "missing-element");
  g_assert_nonnull (strstr (error->message, "“onbnosuchfilter”"));
  fixture_clear (&fixture);

  /* A known element is named with the Debian package that ships it. */
  g_assert_cmpstr (onb_scan_element_package ("qroverlay"), ==, "gstreamer1.0-plugins-bad");
  g_assert_cmpstr (onb_scan_element_package ("pipewiresrc"), ==, "gstreamer1.0-pipewire");
  g_assert_null (onb_scan_element_package ("onbnosuchfilter"));
  if (gst_element_factory_find ("libcamerasrc") == NULL)
    {
      fixture_init_pipeline (&fixture, "libcamerasrc");
      onb_scanner_start (fixture.scanner);
      error = onb_scanner_get_error (fixture.scanner);
      g_assert_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_MISSING_ELEMENT);
      g_assert_nonnull (strstr (error->message, "gstreamer1.0-libcamera"));
      fixture_clear (&fixture);
    }

  /* Not a pipeline at all. */
  fixture_init_pipeline (&fixture, "videotestsrc ! ! videoconvert");
  onb_scanner_start (fixture.scanner);
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_FAILED);
  g_assert_cmpstr (onb_error_get_reason (onb_scanner_get_error (fixture.scanner)), ==, "bad-pipeline");
  fixture_clear (&fixture);
}

static char **
read_labels (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "samples", "labels.txt", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_strchomp (contents);
  return g_strsplit (contents, "\n", -1);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  labels = read_labels ();
  g_assert_cmpuint (g_strv_length (labels), >=, 10);

  g_test_add_func ("/scanner/one-code", test_one_code);
  g_test_add_func ("/scanner/two-codes", test_two_codes);
  g_test_add_func ("/scanner/leaves-and-returns", test_leaves_and_returns);
  g_test_add_func ("/scanner/inverted", test_inverted);
  g_test_add_func ("/scanner/moving", test_moving);
  g_test_add_func ("/scanner/still-images", test_still_images);
  g_test_add_func ("/scanner/image-rejected-and-unreadable", test_image_rejected_and_unreadable);
  g_test_add_func ("/scanner/unplug-and-recover", test_unplug_and_recover);
  g_test_add_func ("/scanner/missing-element", test_missing_element);

  status = g_test_run ();
  g_strfreev (labels);
  return status;
}
