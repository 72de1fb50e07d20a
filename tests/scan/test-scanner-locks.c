/* test-scanner-locks.c: the scanner's preview hand-over and its clean-up
 *
 * The preview callback runs without the scanner's lock held (a callback
 * that takes another object's lock, as the paintable does, must not nest
 * it inside the scanner's); a replaced callback's data is destroyed once;
 * the run's pipeline goes with the scanner; a branch that cannot be built
 * (appsink missing) leaves no element behind. GStreamer's own leaks
 * tracer counts the live capsfilters.
 */

#include "config.h"

#include <gst/gst.h>

#include "onb-scan-error.h"
#include "onb-scanner.h"

#define WAIT_TIMEOUT_S 20
#define LIVE_SOURCE    "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1"

typedef struct
{
  OnbScanner *scanner;
  gint calls;      /* atomic */
  gint destroyed;  /* atomic */
} Preview;

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

/* Iterates the main context until *@counter reaches @wanted; touches
 * nothing of the scanner's, so a deadlocked streaming thread shows as a
 * failure here, not as a hang. */
static void
wait_for_count (gint       *counter,
                gint        wanted,
                const char *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_TIMEOUT_S, timeout_cb, &expired);
  /* The counters change on other threads, which do not wake this loop. */
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (g_atomic_int_get (counter) < wanted && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("Timed out waiting for %s (%d of %d)", what, g_atomic_int_get (counter), wanted);
  g_source_remove (id);
  g_source_remove (tick);
}

/* Streaming thread. Asks the scanner for a counter, which takes its lock:
 * a callback made under that lock would deadlock here. */
static void
preview_cb (GstSample *sample,
            gpointer   user_data)
{
  Preview *preview = user_data;

  g_assert_nonnull (gst_sample_get_buffer (sample));
  (void) onb_scanner_get_scanned_frames (preview->scanner);
  g_atomic_int_inc (&preview->calls);
}

static void
preview_destroy (gpointer user_data)
{
  Preview *preview = user_data;

  g_atomic_int_inc (&preview->destroyed);
}

static guint
count_live_capsfilters (GstTracer *leaks)
{
  g_autoptr(GstStructure) info = NULL;
  const GValue *list;
  guint n = 0;

  g_signal_emit_by_name (leaks, "get-live-objects", &info);
  g_assert_nonnull (info);
  list = gst_structure_get_value (info, "live-objects-list");
  g_assert_nonnull (list);
  for (guint i = 0; i < gst_value_list_get_size (list); i++)
    {
      const GstStructure *entry = gst_value_get_structure (gst_value_list_get_value (list, i));
      const GValue *object = gst_structure_get_value (entry, "object");

      if (object != NULL && G_VALUE_HOLDS_OBJECT (object) &&
          g_str_equal (G_OBJECT_TYPE_NAME (g_value_get_object (object)), "GstCapsFilter"))
        n++;
    }
  return n;
}

static GstTracer *
find_leaks_tracer (void)
{
  g_autolist(GstTracer) tracers = gst_tracing_get_active_tracers ();

  for (GList *l = tracers; l != NULL; l = l->next)
    if (g_str_equal (G_OBJECT_TYPE_NAME (l->data), "GstLeaksTracer"))
      return g_object_ref (l->data);
  return NULL;
}

static void
test_preview_outside_lock (void)
{
  g_autoptr(GstTracer) leaks = find_leaks_tracer ();
  g_autoptr(OnbScanSource) source = onb_scan_source_new_pipeline (LIVE_SOURCE);
  OnbScanner *scanner = onb_scanner_new (source);
  Preview first = { scanner, 0, 0 }, second = { scanner, 0, 0 };

  onb_scanner_set_preview_func (scanner, preview_cb, &first, preview_destroy);
  onb_scanner_start (scanner);
  wait_for_count (&first.calls, 3, "preview frames");
  g_assert_cmpint (g_atomic_int_get (&first.destroyed), ==, 0);

  /* Replaced while frames flow: the old data goes once, after its last
   * call; the new callback takes over without a restart. */
  onb_scanner_set_preview_func (scanner, preview_cb, &second, preview_destroy);
  wait_for_count (&first.destroyed, 1, "the old preview's clean-up");
  wait_for_count (&second.calls, 3, "frames for the new preview");
  g_assert_cmpint (g_atomic_int_get (&first.destroyed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&second.destroyed), ==, 0);
  g_assert_cmpuint (onb_scanner_get_preview_frames (scanner), >=, 6);

  onb_scanner_stop (scanner);
  g_object_unref (scanner);
  /* Notices already queued for the main loop hold the last references. */
  wait_for_count (&second.destroyed, 1, "the scanner's finalization");
  g_assert_cmpint (g_atomic_int_get (&first.destroyed), ==, 1);

  /* The run's pipeline went with it (the preview sink once kept it). */
  if (leaks != NULL)
    g_assert_cmpuint (count_live_capsfilters (leaks), ==, 0);
}

/* Last in this program: it takes appsink out of the registry. */
static void
test_missing_appsink_leaks_nothing (void)
{
  g_autoptr(GstTracer) leaks = find_leaks_tracer ();
  /* No caps in the source, so that every capsfilter is the branch's. */
  g_autoptr(OnbScanSource) source = onb_scan_source_new_pipeline ("videotestsrc is-live=true");
  g_autoptr(GstPluginFeature) appsink = NULL;
  OnbScanner *scanner;
  const GError *error;

  if (leaks == NULL)
    {
      g_test_skip ("GStreamer's leaks tracer (coretracers) is not available");
      return;
    }
  g_assert_cmpuint (count_live_capsfilters (leaks), ==, 0);

  appsink = gst_registry_lookup_feature (gst_registry_get (), "appsink");
  g_assert_nonnull (appsink);
  gst_registry_remove_feature (gst_registry_get (), appsink);

  scanner = onb_scanner_new (source);
  onb_scanner_start (scanner);
  g_assert_cmpint (onb_scanner_get_state (scanner), ==, ONB_SCANNER_STATE_FAILED);
  error = onb_scanner_get_error (scanner);
  g_assert_error (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_MISSING_ELEMENT);
  g_assert_nonnull (strstr (error->message, "“appsink”"));
  onb_scanner_stop (scanner);
  g_object_unref (scanner);

  g_assert_cmpuint (count_live_capsfilters (leaks), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  /* Before gst_init(), which starts the tracers it names. */
  g_setenv ("GST_TRACERS", "leaks(filters=GstCapsFilter)", TRUE);
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/scanner-locks/preview-outside-lock", test_preview_outside_lock);
  g_test_add_func ("/scanner-locks/missing-appsink-leaks-nothing", test_missing_appsink_leaks_nothing);

  return g_test_run ();
}
