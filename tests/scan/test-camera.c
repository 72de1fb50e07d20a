/* test-camera.c: which cameras and which camera modes Onboarder uses */

#include "config.h"

#include <gst/gst.h>

#include "onb-camera.h"

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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/camera/prefers-720p", test_prefers_720p);
  g_test_add_func ("/camera/limits", test_limits);
  g_test_add_func ("/camera/infrared", test_infrared);

  return g_test_run ();
}
