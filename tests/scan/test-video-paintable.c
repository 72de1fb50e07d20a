/* test-video-paintable.c: the preview paintable fed by a real scanner
 *
 * Needs no display: textures are plain memory textures until drawn.
 */

#include "config.h"

#include "onb-video-paintable.h"

typedef struct
{
  guint size_changes;
  guint content_changes;
} Counts;

static void
on_size (GdkPaintable *paintable,
         Counts       *counts)
{
  counts->size_changes++;
}

static void
on_contents (GdkPaintable *paintable,
             Counts       *counts)
{
  counts->content_changes++;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_frames_and_size (void)
{
  g_autoptr(OnbScanSource) source =
    onb_scan_source_new_pipeline ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1");
  g_autoptr(OnbScanner) scanner = onb_scanner_new (source);
  g_autoptr(OnbVideoPaintable) paintable = onb_video_paintable_new ();
  g_autoptr(GdkPaintable) image = NULL;
  Counts counts = { 0 };
  gboolean expired = FALSE;
  guint id;

  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 0);
  g_signal_connect (paintable, "invalidate-size", G_CALLBACK (on_size), &counts);
  g_signal_connect (paintable, "invalidate-contents", G_CALLBACK (on_contents), &counts);
  onb_video_paintable_attach (paintable, scanner);
  onb_scanner_start (scanner);

  id = g_timeout_add_seconds (20, timeout_cb, &expired);
  while (counts.content_changes < 10 && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (id);
  onb_scanner_stop (scanner);

  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 320);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (paintable)), ==, 240);
  g_assert_cmpfloat_with_epsilon (gdk_paintable_get_intrinsic_aspect_ratio (GDK_PAINTABLE (paintable)),
                                  320.0 / 240.0, 1e-6);
  /* Ten frames, one size. */
  g_assert_cmpuint (counts.size_changes, ==, 1);
  g_assert_cmpuint (onb_scanner_get_preview_frames (scanner), >=, 10);

  image = gdk_paintable_get_current_image (GDK_PAINTABLE (paintable));
  g_assert_true (GDK_IS_TEXTURE (image));
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (image)), ==, 320);

  /* Drop what is still queued for the main loop before the scanner goes. */
  g_timeout_add (100, timeout_cb, &expired);
  expired = FALSE;
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/video-paintable/frames-and-size", test_frames_and_size);

  return g_test_run ();
}
