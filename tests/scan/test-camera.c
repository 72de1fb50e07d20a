/* test-camera.c: which cameras and which camera modes Onboarder uses */

#include "config.h"

#include <gst/gst.h>

#include "onb-camera-monitor.h"
#include "onb-error.h"
#include "onb-scanner.h"

#define LABEL "LW:D0:70B3D57ED0000010:0018B20000000101:000AF8BE:S2611A0001:C0B8C"
#define WAIT_TIMEOUT_S 20

/* ---- A fake camera provider: hot-plug without hardware ---- */

G_DECLARE_FINAL_TYPE (FakeCamera, fake_camera, FAKE, CAMERA, GstDevice)
struct _FakeCamera { GstDevice parent_instance; };
G_DEFINE_FINAL_TYPE (FakeCamera, fake_camera, GST_TYPE_DEVICE)

/* A camera that films a label. */
static GstElement *
fake_camera_create_element (GstDevice  *device,
                            const char *name)
{
  return gst_parse_bin_from_description ("videotestsrc is-live=true pattern=white"
                                         " ! video/x-raw,width=640,height=480,framerate=15/1"
                                         " ! qroverlay case-sensitive=true pixel-size=3 data=\"" LABEL "\""
                                         " ! videoconvert", TRUE, NULL);
}

static void
fake_camera_class_init (FakeCameraClass *klass)
{
  GST_DEVICE_CLASS (klass)->create_element = fake_camera_create_element;
}

static void
fake_camera_init (FakeCamera *self)
{
}

static GstDevice *
fake_camera_new (const char *name,
                 const char *path,
                 const char *caps_string)
{
  g_autoptr(GstCaps) caps = gst_caps_from_string (caps_string);
  g_autoptr(GstStructure) props = gst_structure_new ("props", "device.path", G_TYPE_STRING, path, NULL);

  return g_object_new (fake_camera_get_type (), "display-name", name, "device-class", "Video/Source",
                       "caps", caps, "properties", props, NULL);
}

G_DECLARE_FINAL_TYPE (FakeProvider, fake_provider, FAKE, PROVIDER, GstDeviceProvider)
struct _FakeProvider { GstDeviceProvider parent_instance; };
G_DEFINE_FINAL_TYPE (FakeProvider, fake_provider, GST_TYPE_DEVICE_PROVIDER)

#define RAW_CAPS "video/x-raw,format=YUY2,width=640,height=480,framerate=15/1"

static gboolean
fake_provider_start (GstDeviceProvider *provider)
{
  /* What is plugged in when the monitor starts: a webcam, its infrared
   * twin (Windows Hello style) and the same webcam seen by a second
   * provider under another node. */
  gst_device_provider_device_add (provider, fake_camera_new ("Fake Webcam", "/fake/video0", RAW_CAPS));
  gst_device_provider_device_add (provider, fake_camera_new ("Fake Webcam IR", "/fake/video2",
                                                             "video/x-raw,format=GRAY8,width=640,height=360,framerate=15/1"));
  gst_device_provider_device_add (provider, fake_camera_new ("Fake Webcam", "/fake/pipewire/42", RAW_CAPS));
  return TRUE;
}

static void
fake_provider_class_init (FakeProviderClass *klass)
{
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  /* No stop(): GStreamer drops the devices of a stopped provider itself. */
  provider_class->start = fake_provider_start;
  gst_device_provider_class_set_static_metadata (provider_class, "Fake cameras", "Video/Source",
                                                 "Cameras for the tests", "Onboarder");
}

static void
fake_provider_init (FakeProvider *self)
{
}

static GstDeviceProvider *
get_fake_provider (void)
{
  GstDeviceProvider *provider = gst_device_provider_factory_get_by_name ("onbfakecameras");

  g_assert_nonnull (provider);
  return provider;
}

/* Cameras of the fake provider only: a real one on the test machine is not ours to count. */
static guint
count_fake (GListModel *model)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(OnbCamera) camera = g_list_model_get_item (model, i);

      n += g_str_has_prefix (onb_camera_get_id (camera), "/fake/");
    }
  return n;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_TIMEOUT_S, timeout_cb, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (id);
}

static GstCaps *
choose (const char *device_caps)
{
  g_autoptr(GstCaps) caps = gst_caps_from_string (device_caps);

  g_assert_nonnull (caps);
  return onb_camera_choose_caps (caps);
}

static void
assert_choice (const char *device_caps,
               const char *expected)
{
  g_autoptr(GstCaps) chosen = choose (device_caps);
  g_autoptr(GstCaps) want = gst_caps_from_string (expected);

  g_assert_nonnull (chosen);
  if (!gst_caps_is_equal (chosen, want))
    {
      g_autofree char *text = gst_caps_to_string (chosen);

      g_error ("Chose %s, expected %s", text, expected);
    }
}

static void
test_prefers_720p (void)
{
  /* A typical USB 2 webcam: raw 720p only at 10 fps, MJPEG at 30 fps. */
  assert_choice ("video/x-raw,format=YUY2,width=1920,height=1080,framerate=5/1;"
                 "video/x-raw,format=YUY2,width=1280,height=720,framerate=10/1;"
                 "video/x-raw,format=YUY2,width=640,height=480,framerate={ 30/1, 15/1 };"
                 "image/jpeg,width=1920,height=1080,framerate={ 30/1, 15/1 };"
                 "image/jpeg,width=1280,height=720,framerate={ 30/1, 15/1 }",
                 "image/jpeg,width=1280,height=720,framerate=30/1");

  /* Raw wins over MJPEG when both are fluid. */
  assert_choice ("image/jpeg,width=1280,height=720,framerate=30/1;"
                 "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1",
                 "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1");
}

static void
test_limits (void)
{
  /* Above 30 fps and above 1080p are never asked for. */
  assert_choice ("video/x-raw,format=NV12,width=1280,height=720,framerate=60/1;"
                 "video/x-raw,format=NV12,width=3840,height=2160,framerate=30/1;"
                 "video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1",
                 "video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1");
  /* Frame-rate ranges are capped at 30. */
  assert_choice ("video/x-raw,format=I420,width=1280,height=720,framerate=[ 1/1, 60/1 ]",
                 "video/x-raw,format=I420,width=1280,height=720,framerate=30/1");
  /* Virtual cameras with size ranges get the preferred size. */
  assert_choice ("video/x-raw,format=I420,width=[ 16, 4096 ],height=[ 16, 4096 ],framerate=[ 1/1, 30/1 ]",
                 "video/x-raw,format=I420,width=1280,height=720,framerate=30/1");
  /* Nothing usable. */
  g_assert_null (choose ("video/x-raw,format=NV12,width=3840,height=2160,framerate=30/1"));
  g_assert_null (choose ("video/x-bayer,format=rggb,width=1280,height=720,framerate=30/1"));
}

static void
test_infrared (void)
{
  g_autoptr(GstCaps) ir = gst_caps_from_string ("video/x-raw,format=GRAY8,width=640,height=360,framerate=15/1");
  g_autoptr(GstCaps) rgb = gst_caps_from_string ("video/x-raw,format=GRAY8,width=640,height=360,framerate=15/1;"
                                                 "video/x-raw,format=YUY2,width=640,height=360,framerate=15/1");
  g_autoptr(GstCaps) empty = gst_caps_new_empty ();

  g_assert_true (onb_camera_caps_are_infrared (ir));
  g_assert_false (onb_camera_caps_are_infrared (rgb));
  g_assert_false (onb_camera_caps_are_infrared (empty));
}

static void
test_monitor_hotplug (void)
{
  g_autoptr(OnbCameraMonitor) monitor = onb_camera_monitor_new ();
  g_autoptr(GstDeviceProvider) provider = get_fake_provider ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GstDevice) second = gst_object_ref_sink (fake_camera_new ("Fake Document Camera", "/fake/video4",
                                                                      "image/jpeg,width=1920,height=1080,framerate=30/1"));
  g_autoptr(GstCaps) expected = gst_caps_from_string ("image/jpeg,width=1920,height=1080,framerate=30/1");
  g_autoptr(OnbCamera) chosen = NULL;

  g_assert_true (onb_camera_monitor_start (monitor, &error));
  g_assert_no_error (error);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (monitor)) == ONB_TYPE_CAMERA);
  /* The infrared twin and the duplicate are left out. */
  g_assert_cmpuint (count_fake (G_LIST_MODEL (monitor)), ==, 1);

  gst_device_provider_device_add (provider, second);
  while (count_fake (G_LIST_MODEL (monitor)) < 2)
    g_main_context_iteration (NULL, TRUE);

  chosen = onb_camera_monitor_choose (monitor, "/fake/video4");
  g_assert_cmpstr (onb_camera_get_id (chosen), ==, "/fake/video4");
  g_assert_cmpstr (onb_camera_get_display_name (chosen), ==, "Fake Document Camera");
  g_assert_true (gst_caps_is_equal (onb_camera_get_caps (chosen), expected));
  g_clear_object (&chosen);

  gst_device_provider_device_remove (provider, second);
  while (count_fake (G_LIST_MODEL (monitor)) > 1)
    g_main_context_iteration (NULL, TRUE);

  /* Not there any more: the remembered choice falls back to another camera. */
  chosen = onb_camera_monitor_choose (monitor, "/fake/video4");
  g_assert_nonnull (chosen);
  g_assert_cmpstr (onb_camera_get_id (chosen), !=, "/fake/video4");

  onb_camera_monitor_stop (monitor);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (monitor)), ==, 0);
}

typedef struct
{
  OnbScanner *scanner;
  guint hits;
} AutoFixture;

static void
on_hit (OnbScanner  *scanner,
        OnbScanHit  *hit,
        AutoFixture *fixture)
{
  fixture->hits++;
}

static gboolean
scanner_in_state (gpointer data)
{
  AutoFixture *fixture = data;

  return onb_scanner_get_state (fixture->scanner) ==
         GPOINTER_TO_INT (g_object_get_data (G_OBJECT (fixture->scanner), "wanted-state"));
}

static void
wait_for_state (AutoFixture     *fixture,
                OnbScannerState  state)
{
  g_object_set_data (G_OBJECT (fixture->scanner), "wanted-state", GINT_TO_POINTER (state));
  wait_until (scanner_in_state, fixture, "a scanner state");
}

static gboolean
has_hits (gpointer data)
{
  AutoFixture *fixture = data;

  return fixture->hits >= GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (fixture->scanner), "wanted-hits"));
}

static void
wait_for_hits (AutoFixture *fixture,
               guint        hits)
{
  g_object_set_data (G_OBJECT (fixture->scanner), "wanted-hits", GUINT_TO_POINTER (hits));
  wait_until (has_hits, fixture, "a code");
}

/* The kiosk's source: no camera, then one plugged in, unplugged mid-run
 * and plugged in again. */
static void
test_auto_source_follows_hotplug (void)
{
  OnbCameraMonitor *monitor = onb_camera_monitor_get_default ();
  g_autoptr(GstDeviceProvider) provider = get_fake_provider ();
  g_autoptr(OnbScanSource) source = onb_scan_source_new_auto ("/fake/video0");
  g_autoptr(GstDevice) camera = NULL;
  GList *devices;
  AutoFixture fixture = { 0 };

  if (g_list_model_get_n_items (G_LIST_MODEL (monitor)) != count_fake (G_LIST_MODEL (monitor)))
    {
      g_test_skip ("A real camera is connected");
      return;
    }

  /* Everything unplugged. */
  devices = gst_device_provider_get_devices (provider);
  for (GList *l = devices; l != NULL; l = l->next)
    gst_device_provider_device_remove (provider, l->data);
  g_list_free_full (devices, gst_object_unref);
  while (g_list_model_get_n_items (G_LIST_MODEL (monitor)) > 0)
    g_main_context_iteration (NULL, TRUE);

  fixture.scanner = onb_scanner_new (source);
  onb_scanner_set_hold_off (fixture.scanner, 0);
  g_signal_connect (fixture.scanner, "code-detected", G_CALLBACK (on_hit), &fixture);
  onb_scanner_start (fixture.scanner);
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_NO_CAMERA);
  g_assert_cmpstr (onb_error_get_reason (onb_scanner_get_error (fixture.scanner)), ==, "no-camera");

  camera = gst_object_ref_sink (fake_camera_new ("Fake Webcam", "/fake/video0", RAW_CAPS));
  gst_device_provider_device_add (provider, camera);
  wait_for_state (&fixture, ONB_SCANNER_STATE_RUNNING);
  wait_for_hits (&fixture, 1);

  /* Pulled out: the device goes and its source fails, as v4l2src does. */
  gst_device_provider_device_remove (provider, camera);
  {
    GstElement *pipeline = onb_scanner_get_pipeline (fixture.scanner);

    GST_ELEMENT_ERROR (pipeline, RESOURCE, READ, ("Could not read from resource."), ("Simulated unplug"));
  }
  wait_for_state (&fixture, ONB_SCANNER_STATE_UNPLUGGED);
  g_assert_cmpstr (onb_error_get_reason (onb_scanner_get_error (fixture.scanner)), ==, "camera-unplugged");

  /* While it is away, retries find no camera and the state holds; the
   * label is then out of sight for longer than the agreement window, so
   * it counts again once the camera is back. */
  {
    gboolean expired = FALSE;

    g_timeout_add (1500, timeout_cb, &expired);
    while (!expired)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_UNPLUGGED);

  g_clear_object (&camera);
  camera = gst_object_ref_sink (fake_camera_new ("Fake Webcam", "/fake/video0", RAW_CAPS));
  gst_device_provider_device_add (provider, camera);
  wait_for_state (&fixture, ONB_SCANNER_STATE_RUNNING);
  wait_for_hits (&fixture, 2);

  onb_scanner_stop (fixture.scanner);
  g_assert_cmpint (onb_scanner_get_state (fixture.scanner), ==, ONB_SCANNER_STATE_STOPPED);
  g_clear_object (&fixture.scanner);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_assert_true (gst_device_provider_register (NULL, "onbfakecameras", GST_RANK_PRIMARY, fake_provider_get_type ()));

  g_test_add_func ("/camera/prefers-720p", test_prefers_720p);
  g_test_add_func ("/camera/limits", test_limits);
  g_test_add_func ("/camera/infrared", test_infrared);
  g_test_add_func ("/camera/monitor-hotplug", test_monitor_hotplug);
  g_test_add_func ("/camera/auto-source-follows-hotplug", test_auto_source_follows_hotplug);

  return g_test_run ();
}
