/* onb-scan-error.c: scanner error domain and environment facts */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include "onb-error.h"
#include "onb-scan-enums.h"
#include "onb-scan-error.h"

ONB_DEFINE_ERROR_DOMAIN (onb_scan_error, onb_scan_error_get_type)

/* Debian (bookworm) packages of the elements Onboarder builds pipelines from,
 * so a missing one can be named with the package that brings it. */
static const struct
{
  const char *element;
  const char *package;
} element_packages[] = {
  { "appsink", "gstreamer1.0-plugins-base" },
  { "decodebin", "gstreamer1.0-plugins-base" },
  { "imagefreeze", "gstreamer1.0-plugins-good" },
  { "jpegdec", "gstreamer1.0-plugins-good" },
  { "libcamerasrc", "gstreamer1.0-libcamera" },
  { "pipewiresrc", "gstreamer1.0-pipewire" },
  { "pngdec", "gstreamer1.0-plugins-good" },
  { "qroverlay", "gstreamer1.0-plugins-bad" },
  { "queue", "libgstreamer1.0-0" },
  { "tee", "libgstreamer1.0-0" },
  { "uridecodebin", "gstreamer1.0-plugins-base" },
  { "v4l2src", "gstreamer1.0-plugins-good" },
  { "videoconvert", "gstreamer1.0-plugins-base" },
  { "videorate", "gstreamer1.0-plugins-base" },
  { "videoscale", "gstreamer1.0-plugins-base" },
  { "videotestsrc", "gstreamer1.0-plugins-base" },
};

const char *
onb_scan_element_package (const char *element_name)
{
  g_return_val_if_fail (element_name != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (element_packages); i++)
    if (g_str_equal (element_packages[i].element, element_name))
      return element_packages[i].package;

  return NULL;
}

gboolean
onb_scan_in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}
