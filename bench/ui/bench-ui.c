/* bench-ui.c: the kiosk's start-up time and its memory after a shift
 *
 * Runs the real application in demo mode (simulated clouds, real
 * GStreamer conveyor, real zbar, real window under Xvfb) and prints:
 *   - start-up: process start → window drawn → first camera frame shown;
 *   - resident memory (VmRSS) at the first frame and after every 250
 *     labels of an hour-equivalent shift: 1,000 distinct boxes on a
 *     sped-up conveyor, each provisioned end to end.
 *
 *   bench-ui [LABELS [INTERVAL_MS]]
 */

#define G_LOG_DOMAIN "bench-ui"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "onb-application.h"
#include "onb-window.h"

typedef struct
{
  OnbApplication *app;
  gint64          t0;
  gint64          t_window;
  gint64          t_preview;
  guint           n_labels;
  guint           next_report;
  guint           poll;
  gint64          t_first_label;
} Bench;

static long
rss_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, field)) == NULL)
    return -1;
  return strtol (line + strlen (field), NULL, 10);
}

static void
on_window_drawn (GdkFrameClock *clock,
                 Bench         *bench)
{
  if (bench->t_window == 0)
    {
      bench->t_window = g_get_monotonic_time ();
      g_print ("startup_window_drawn_ms %.0f\n", (bench->t_window - bench->t0) / 1000.0);
    }
}

static void
on_first_frame (OnbPreview *preview,
                Bench      *bench)
{
  bench->t_preview = g_get_monotonic_time ();
  g_print ("startup_first_preview_frame_ms %.0f\n", (bench->t_preview - bench->t0) / 1000.0);
  g_print ("rss_kib_at_first_frame %ld\n", rss_kib ("VmRSS:"));
}

static void
on_window_mapped (GtkWidget *window,
                  Bench     *bench)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "after-paint", G_CALLBACK (on_window_drawn), bench);
}

static void
on_window_added (GtkApplication *app,
                 GtkWindow      *window,
                 Bench          *bench)
{
  OnbPreview *preview;

  if (!ONB_IS_WINDOW (window))
    return;

  preview = onb_scan_page_get_preview (onb_window_get_scan_page (ONB_WINDOW (window)));
  g_signal_connect (preview, "first-frame", G_CALLBACK (on_first_frame), bench);
  g_signal_connect (window, "map", G_CALLBACK (on_window_mapped), bench);
}

static gboolean
poll_progress (gpointer user_data)
{
  Bench *bench = user_data;
  OnbConveyor *conveyor = onb_application_get_conveyor (bench->app);
  OnbEngine *engine = onb_application_get_engine (bench->app);
  guint shown, done, failed;

  if (conveyor == NULL || engine == NULL)
    return G_SOURCE_CONTINUE;

  /* The shift's counters, as the kiosk shows them. */
  done = onb_engine_get_n_done (engine);
  failed = onb_engine_get_n_failed (engine);

  shown = onb_conveyor_get_n_shown (conveyor);
  if (shown > 0 && bench->t_first_label == 0)
    bench->t_first_label = g_get_monotonic_time ();

  if (shown >= bench->next_report && bench->next_report <= bench->n_labels)
    {
      g_print ("rss_kib_after_%u_labels %ld (done %u, queued %u, failed %u)\n",
               bench->next_report, rss_kib ("VmRSS:"),
               done, onb_engine_get_n_unfinished (engine), failed);
      bench->next_report += 250;
    }

  /* The belt has gone round once and every job has finished. */
  if (shown > bench->n_labels && onb_engine_get_n_unfinished (engine) == 0)
    {
      double minutes = (g_get_monotonic_time () - bench->t_first_label) / 60e6;

      g_print ("boxes_done %u\n", done);
      g_print ("boxes_failed %u\n", failed);
      g_print ("shift_minutes %.1f\n", minutes);
      g_print ("rss_kib_final %ld\n", rss_kib ("VmRSS:"));
      g_print ("rss_kib_peak %ld\n", rss_kib ("VmHWM:"));
      bench->poll = 0;
      g_application_quit (G_APPLICATION (bench->app));
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* 1,000 distinct boxes: a device list and their TR005 labels. */
static void
write_shift (const char *dir,
             guint       n,
             char      **labels_path,
             char      **devices_path)
{
  g_autoptr(GString) labels = g_string_new (NULL);
  g_autoptr(GString) devices = g_string_new ("Device EUI,Join EUI,Application Key,Device Name\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < n; i++)
    {
      char eui[17];

      g_snprintf (eui, sizeof eui, "0018B2BE%08X", i + 1);
      g_string_append_printf (labels, "LW:D0:70B3D57ED0000010:%s:000AF8BE\n", eui);
      g_string_append_printf (devices, "%s,70B3D57ED0000010,", eui);
      for (guint k = 0; k < 4; k++)
        g_string_append_printf (devices, "%08X", g_rand_int (rand));
      g_string_append_printf (devices, ",Bench sensor %u\n", i + 1);
    }

  *labels_path = g_build_filename (dir, "labels.txt", NULL);
  *devices_path = g_build_filename (dir, "devices.csv", NULL);
  if (!g_file_set_contents (*labels_path, labels->str, labels->len, &error) ||
      !g_file_set_contents (*devices_path, devices->str, devices->len, &error))
    g_error ("%s", error->message);
}

int
main (int   argc,
      char *argv[])
{
  Bench bench = { NULL };
  g_autoptr(OnbApplication) app = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *devices = NULL;
  g_autofree char *interval = NULL;
  const char *run_argv[9];
  int status;

  bench.t0 = g_get_monotonic_time ();
  gst_init (&argc, &argv);

  bench.n_labels = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 1000;
  interval = g_strdup (argc > 2 ? argv[2] : "400");
  bench.next_report = 250;

  dir = g_dir_make_tmp ("onb-bench-ui-XXXXXX", NULL);
  write_shift (dir, bench.n_labels, &labels, &devices);

  app = onb_application_new ();
  bench.app = app;
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added), &bench);
  bench.poll = g_timeout_add (200, poll_progress, &bench);

  run_argv[0] = "onboarder";
  run_argv[1] = "--demo";
  run_argv[2] = "--demo-interval";
  run_argv[3] = interval;
  run_argv[4] = "--demo-labels";
  run_argv[5] = labels;
  run_argv[6] = "--demo-devices";
  run_argv[7] = devices;
  run_argv[8] = NULL;

  g_print ("labels %u, one every %s ms\n", bench.n_labels, interval);
  status = g_application_run (G_APPLICATION (app), 8, (char **) run_argv);

  g_unlink (labels);
  g_unlink (devices);
  g_rmdir (dir);
  return status;
}
