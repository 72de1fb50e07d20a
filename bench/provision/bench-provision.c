/* bench-provision.c: figures of the job engine against the simulator
 *
 *   bench-provision latency    [--latency-ms 50] [--jobs 30]
 *       scan → verified wall time, one box at a time: median and p95 in
 *       units of the simulator's per-request latency L (target ≤ 3 L).
 *       Blynk: create → metafields (the namesake search beside them) →
 *       the device read back (a metafield write answers nothing), sent as
 *       soon as the writes are answered, beside TTS: IS → JS/NS/AS, whose
 *       answers verify compares without reading: 3 L plus the engine's
 *       and the simulator's own time. First boxes are shown apart, those
 *       of the station's first engine and of a later one (the next process
 *       of a CLI process per box): an engine's start fetches the Blynk
 *       token and the template's metafield list, so they should be within
 *       0.1 L of the median.
 *   bench-provision blynk      [--latency-ms 50] [--jobs 30] [--delay-ms 2000]
 *       [tts] created_by = blynk (docs/design.md, Who creates the TTS
 *       device): with Blynk's integration answering at once, scan →
 *       verified in L (target ≤ 4 L: create, metafields, the TTS search
 *       beside the read-back, then JS/NS/AS read back); with the
 *       integration taking --delay-ms, the time from the device's
 *       appearing in TTS (the simulator's record of it) to verified
 *       (target ≤ 1 s: the search runs every second).
 *   bench-provision throughput [--latency-ms 20] [--jobs 1000]
 *       that many queued jobs drained at max_jobs 1, 4 and 16: jobs/s.
 *   bench-provision memory     [--jobs 10000]
 *       resident memory after 100 jobs and after --jobs jobs (growth
 *       should stay under 10 MB).
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "onb-engine.h"
#include "onb-test-sim.h"

typedef struct
{
  OnbTestSim *sim;
  char *dir;
  OnbConfig *config;
} Bench;

static void
die_on_error (GError *error)
{
  if (error != NULL)
    {
      g_printerr ("bench-provision: %s\n", error->message);
      exit (1);
    }
}

static void
set_latency (Bench *bench,
             int    latency_ms)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *faults = g_strdup_printf ("{\"endpoints\":{\"*\":{\"latency_ms\":%d}}}", latency_ms);

  onb_test_sim_reset (bench->sim, &error);
  die_on_error (g_steal_pointer (&error));
  onb_test_sim_set_faults (bench->sim, faults, &error);
  die_on_error (g_steal_pointer (&error));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* An engine on the current station, as a new process would make. */
static OnbEngine *
open_engine (Bench *bench)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbHttpClient) http = onb_http_client_new (bench->config);
  OnbEngine *engine = onb_engine_new (bench->config, http, &error);

  die_on_error (g_steal_pointer (&error));
  return engine;
}

/* A fresh station directory with @n devices in its registry; @created_by
 * NULL for the default. */
static OnbEngine *
new_station (Bench      *bench,
             guint       n,
             const char *created_by)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) kf = onb_test_sim_new_key_file (bench->sim);
  g_autoptr(GString) csv = g_string_new ("Device EUI,Join EUI,Application Key\n");
  g_autoptr(OnbRegistry) registry = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *registry_path = NULL;

  if (bench->dir != NULL)
    remove_tree (bench->dir);
  g_free (bench->dir);
  bench->dir = g_dir_make_tmp ("onb-bench-XXXXXX", &error);
  die_on_error (g_steal_pointer (&error));
  data_dir = g_build_filename (bench->dir, "data", NULL);
  g_key_file_set_string (kf, "kiosk", "data_dir", data_dir);
  if (created_by != NULL)
    g_key_file_set_string (kf, "tts", "created_by", created_by);
  config_path = g_build_filename (bench->dir, "onboarder.conf", NULL);
  g_key_file_save_to_file (kf, config_path, &error);
  die_on_error (g_steal_pointer (&error));
  g_clear_object (&bench->config);
  bench->config = onb_config_load (config_path, &error);
  die_on_error (g_steal_pointer (&error));

  for (guint i = 0; i < n; i++)
    g_string_append_printf (csv, "0018B2%010X,70B3D57ED0000010,%08X%08X%08X%08X\n", i + 1, g_random_int (),
                            g_random_int (), g_random_int (), i + 1);
  registry_path = onb_registry_default_path (data_dir);
  registry = onb_registry_open (registry_path, &error);
  die_on_error (g_steal_pointer (&error));
  onb_registry_import_data (registry, csv->str, csv->len, ONB_REGISTRY_IMPORT_NONE, NULL, &error);
  die_on_error (g_steal_pointer (&error));

  return open_engine (bench);
}

static void
start_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  onb_engine_start_finish (ONB_ENGINE (object), result, &error);
  die_on_error (g_steal_pointer (&error));
  *(gboolean *) user_data = TRUE;
}

static void
start (OnbEngine *engine)
{
  gboolean started = FALSE;

  onb_engine_start_async (engine, NULL, start_cb, &started);
  while (!started)
    g_main_context_iteration (NULL, TRUE);
}

static OnbJob *
submit (OnbEngine *engine,
        guint      index)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = g_strdup_printf ("LW:D0:70B3D57ED0000010:0018B2%010X:000AF8BE", index + 1);
  OnbJob *job = onb_engine_submit_payload (engine, code, -1, "bench", &error);

  die_on_error (g_steal_pointer (&error));
  return job;
}

static void
wait_idle (OnbEngine *engine)
{
  while (onb_engine_get_busy (engine))
    g_main_context_iteration (NULL, TRUE);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  gint64 monotonic;
  gint64 real;
} Verified;

static void
verified_cb (OnbJob     *job,
             OnbJobStep  step,
             Verified   *when)
{
  if (step == ONB_JOB_STEP_VERIFY && onb_job_get_step_state (job, step) == ONB_STEP_STATE_DONE && when->monotonic == 0)
    {
      when->monotonic = g_get_monotonic_time ();
      when->real = g_get_real_time ();
    }
}

/* Scan → verified of box @index, in units of L; negative when it failed.
 * @verified_real (may be NULL) gets the real time of verified, in µs. */
static double
time_box_at (OnbEngine *engine,
             guint      index,
             int        latency_ms,
             gint64    *verified_real)
{
  Verified verified = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr(OnbJob) job = submit (engine, index);

  g_signal_connect (job, "step-changed", G_CALLBACK (verified_cb), &verified);
  while (!onb_job_is_finished (job))
    g_main_context_iteration (NULL, TRUE);
  wait_idle (engine);
  g_signal_handlers_disconnect_by_func (job, verified_cb, &verified);
  if (onb_job_get_state (job) != ONB_JOB_STATE_DONE)
    {
      g_printerr ("job %u failed: %s\n", index, onb_job_get_message (job));
      return -1;
    }
  if (verified_real != NULL)
    *verified_real = verified.real;
  return (double) (verified.monotonic - t0) / 1000.0 / MAX (latency_ms, 1);
}

static double
time_box (OnbEngine *engine,
          guint      index,
          int        latency_ms)
{
  return time_box_at (engine, index, latency_ms, NULL);
}

/* Median and p95 of @values, sorted in place. */
static void
median_p95 (GArray *values,
            double *median,
            double *p95)
{
  g_array_sort (values, compare_double);
  *median = g_array_index (values, double, values->len / 2);
  *p95 = g_array_index (values, double, MIN (values->len - 1, (guint) (values->len * 0.95)));
}

static int
run_latency (Bench *bench,
             int    latency_ms,
             guint  n_jobs)
{
  g_autoptr(OnbEngine) engine = NULL;
  g_autoptr(OnbEngine) next = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  double first, next_first, median, p95;

  set_latency (bench, latency_ms);
  engine = new_station (bench, n_jobs + 2, NULL);
  start (engine);

  /* The first box of a station's first engine: reported apart, to show
   * that the start fetched the token and the metafield list. */
  if ((first = time_box (engine, n_jobs, latency_ms)) < 0)
    return 1;

  for (guint i = 0; i < n_jobs; i++)
    {
      double units = time_box (engine, i, latency_ms);

      if (units < 0)
        return 1;
      g_array_append_val (times, units);
    }
  g_clear_object (&engine);

  /* A later engine of the station (the next CLI process of a process per
   * box): it keeps the metafield list, and fetches its own token. */
  next = open_engine (bench);
  start (next);
  if ((next_first = time_box (next, n_jobs + 1, latency_ms)) < 0)
    return 1;

  median_p95 (times, &median, &p95);
  printf ("latency: L = %d ms, %u boxes one at a time, scan -> verified: median %.2f L (%.0f ms), p95 %.2f L (%.0f ms); "
          "first box of the station's first engine %.2f L (%.0f ms), of a later engine %.2f L (%.0f ms)\n",
          latency_ms, n_jobs, median, median * latency_ms, p95, p95 * latency_ms, first, first * latency_ms,
          next_first, next_first * latency_ms);
  return 0;
}

static void
set_integration (Bench      *bench,
                 const char *settings)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = g_strdup_printf ("{\"template_id\":\"" ONB_TEST_SIM_BLYNK_TEMPLATE_ID "\",%s}", settings);
  g_autofree char *answer = onb_test_sim_admin (bench->sim, "POST", "/_admin/blynk/integration", body, NULL, &error);

  die_on_error (g_steal_pointer (&error));
}

/* When Blynk's integration made the TTS device of @dev_eui, in µs of real
 * time; 0 when it did not. */
static gint64
created_at (Bench      *bench,
            const char *dev_eui)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) state = onb_test_sim_get_state (bench->sim, &error);
  json_object *created = NULL;

  die_on_error (g_steal_pointer (&error));
  json_object_object_get_ex (json_object_object_get (json_object_object_get (state, "blynk"), "integration"),
                             "created", &created);
  for (size_t i = 0; created != NULL && i < json_object_array_length (created); i++)
    {
      json_object *entry = json_object_array_get_idx (created, i);

      if (g_ascii_strcasecmp (json_object_get_string (json_object_object_get (entry, "dev_eui")), dev_eui) == 0)
        return (gint64) (json_object_get_double (json_object_object_get (entry, "at_ms")) * 1000);
    }
  return 0;
}

static int
run_blynk (Bench *bench,
           int    latency_ms,
           guint  n_jobs,
           int    delay_ms)
{
  g_autoptr(OnbEngine) engine = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) after = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *delayed = g_strdup_printf ("\"enabled\":true,\"device_id_scheme\":\"blynk-{blynk_id}\","
                                              "\"delay_s\":%g", delay_ms / 1000.0);
  double median, p95, first;

  set_latency (bench, latency_ms);
  set_integration (bench, "\"enabled\":true,\"device_id_scheme\":\"blynk-{blynk_id}\",\"delay_s\":0");
  engine = new_station (bench, 2 * n_jobs + 1, "blynk");
  start (engine);
  if ((first = time_box (engine, 2 * n_jobs, latency_ms)) < 0)
    return 1;
  for (guint i = 0; i < n_jobs; i++)
    {
      double units = time_box (engine, i, latency_ms);

      if (units < 0)
        return 1;
      g_array_append_val (times, units);
    }
  median_p95 (times, &median, &p95);
  printf ("blynk: L = %d ms, integration at once, %u boxes one at a time, scan -> verified: median %.2f L (%.0f ms), "
          "p95 %.2f L (%.0f ms); first box of the station's first engine %.2f L (%.0f ms)\n", latency_ms, n_jobs,
          median, median * latency_ms, p95, p95 * latency_ms, first, first * latency_ms);
  fflush (stdout);

  set_integration (bench, delayed);
  for (guint i = n_jobs; i < 2 * n_jobs; i++)
    {
      g_autofree char *dev_eui = g_strdup_printf ("0018B2%010X", i + 1);
      gint64 verified = 0;
      gint64 appeared;
      double seconds;

      if (time_box_at (engine, i, latency_ms, &verified) < 0)
        return 1;
      if ((appeared = created_at (bench, dev_eui)) == 0)
        {
          g_printerr ("Blynk's integration did not make %s\n", dev_eui);
          return 1;
        }
      seconds = (verified - appeared) / 1e6;
      g_array_append_val (after, seconds);
    }
  median_p95 (after, &median, &p95);
  printf ("blynk: L = %d ms, integration after %d ms, %u boxes one at a time, device in TTS -> verified: "
          "median %.2f s, p95 %.2f s\n", latency_ms, delay_ms, n_jobs, median, p95);
  return 0;
}

static int
run_throughput (Bench *bench,
                int    latency_ms,
                guint  n_jobs)
{
  const guint levels[] = { 1, 4, 16 };

  for (guint l = 0; l < G_N_ELEMENTS (levels); l++)
    {
      g_autoptr(OnbEngine) engine = NULL;
      gint64 t0;
      double seconds;
      guint done = 0;

      set_latency (bench, latency_ms);
      engine = new_station (bench, n_jobs, NULL);
      onb_engine_set_max_jobs (engine, levels[l]);
      start (engine);

      t0 = g_get_monotonic_time ();
      for (guint i = 0; i < n_jobs; i++)
        g_object_unref (submit (engine, i));
      wait_idle (engine);
      seconds = (g_get_monotonic_time () - t0) / 1e6;
      done = onb_engine_get_n_done (engine);
      printf ("throughput: L = %d ms, %u queued jobs, max_jobs %2u: %.1f jobs/s (%u done in %.1f s)\n",
              latency_ms, n_jobs, levels[l], done / seconds, done, seconds);
      fflush (stdout);
    }
  return 0;
}

static double
resident_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return g_ascii_strtod (line + strlen ("VmRSS:"), NULL) / 1024.0;
}

static int
run_memory (Bench *bench,
            guint  n_jobs)
{
  g_autoptr(OnbEngine) engine = NULL;
  double after_100 = 0, after_all;
  guint batch = 100;

  set_latency (bench, 0);
  engine = new_station (bench, n_jobs, NULL);
  onb_engine_set_max_jobs (engine, 16);
  start (engine);

  /* Boxes arrive in batches, as on a shift, so the model trims as it goes. */
  for (guint i = 0; i < n_jobs; i += batch)
    {
      for (guint j = i; j < MIN (n_jobs, i + batch); j++)
        g_object_unref (submit (engine, j));
      wait_idle (engine);
      if (i + batch == 100)
        after_100 = resident_mb ();
    }
  after_all = resident_mb ();
  printf ("memory: resident %.1f MB after 100 jobs, %.1f MB after %u jobs (growth %.1f MB, %u done)\n", after_100,
          after_all, n_jobs, after_all - after_100, onb_engine_get_n_done (engine));
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("latency|blynk|throughput|memory");
  g_autoptr(GError) error = NULL;
  int latency_ms = -1, jobs = 0, delay_ms = 2000, status = 2;
  Bench bench = { 0 };
  const GOptionEntry entries[] = {
    { "latency-ms", 0, 0, G_OPTION_ARG_INT, &latency_ms, "Simulator latency per request", "MS" },
    { "jobs", 0, 0, G_OPTION_ARG_INT, &jobs, "Number of jobs", "N" },
    { "delay-ms", 0, 0, G_OPTION_ARG_INT, &delay_ms, "blynk: how long Blynk's integration takes, the second time", "MS" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("%s\n", error ? error->message : "Usage: bench-provision latency|throughput|memory");
      return 2;
    }

  bench.sim = onb_test_sim_start (NULL, &error);
  die_on_error (g_steal_pointer (&error));

  if (g_str_equal (argv[1], "latency"))
    status = run_latency (&bench, latency_ms >= 0 ? latency_ms : 50, jobs > 0 ? jobs : 30);
  else if (g_str_equal (argv[1], "blynk"))
    status = run_blynk (&bench, latency_ms >= 0 ? latency_ms : 50, jobs > 0 ? jobs : 30, delay_ms);
  else if (g_str_equal (argv[1], "throughput"))
    status = run_throughput (&bench, latency_ms >= 0 ? latency_ms : 20, jobs > 0 ? jobs : 1000);
  else if (g_str_equal (argv[1], "memory"))
    status = run_memory (&bench, jobs > 0 ? jobs : 10000);
  else
    g_printerr ("Unknown benchmark “%s”.\n", argv[1]);

  onb_test_sim_stop (bench.sim);
  if (bench.dir != NULL)
    remove_tree (bench.dir);
  g_free (bench.dir);
  g_clear_object (&bench.config);
  return status;
}
