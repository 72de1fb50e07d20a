/* test-cli.c: onboarder-cli import/provision/replace/jobs/export as
 * processes, several at once, and killed at random moments */

#include "config.h"

#include <string.h>

#include "onb-job-private.h"
#include "onb-journal.h"
#include "prov-test.h"

static OnbTestSim *sim;

static const char *
cli_path (void)
{
  const char *cli = g_getenv ("ONBOARDER_CLI");

  g_assert_nonnull (cli);
  return cli;
}

static GSubprocess *
spawn_full (const char          *stdin_path,
            const char          *stdout_path,
            GSubprocessFlags     flags,
            const char * const  *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, (gpointer) cli_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (stdin_path != NULL)
    g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);
  if (stdout_path != NULL)
    g_subprocess_launcher_set_stdout_file_path (launcher, stdout_path);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

static GSubprocess *
spawn (const char          *stdin_path,
       GSubprocessFlags     flags,
       const char * const  *args)
{
  return spawn_full (stdin_path, NULL, flags, args);
}

/* Runs the CLI to the end; returns its exit status, stdout in @out and
 * stderr in @err. */
static int
run_err (char               **out,
         char               **err,
         const char * const  *args)
{
  g_autoptr(GSubprocess) process = spawn (NULL, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, args);
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;

  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return g_subprocess_get_exit_status (process);
}

static int
run (char               **out,
     const char * const  *args)
{
  return run_err (out, NULL, args);
}

static void
reset_sim (const char *faults)
{
  g_autoptr(GError) error = NULL;
  gboolean succeeded;

  succeeded = onb_test_sim_reset (sim, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  succeeded = onb_test_sim_set_faults (sim, faults, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; p != NULL && *p; p++)
    n += *p == '\n';
  return n;
}

static void
test_import (void)
{
  gboolean succeeded;
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(ProvStation) station = NULL;
  g_autofree char *out = NULL;
  g_autofree char *changed_path = NULL;
  g_autoptr(json_object) report = NULL;
  g_autoptr(GError) error = NULL;

  reset_sim ("{}");
  /* The station's own import already stored the list: this one is a no-op. */
  station = prov_station_new (sim, csv, NULL);
  g_assert_cmpint (run (&out, (const char *[]) { "import", "--json", "--config", station->config, station->csv, NULL }),
                   ==, 0);
  report = json_tokener_parse (out);
  g_assert_cmpstr (prov_json_path (report, "imported"), ==, "true");
  g_assert_cmpstr (prov_json_path (report, "rows"), ==, "12");
  g_assert_cmpstr (prov_json_path (report, "unchanged"), ==, "12");
  g_clear_pointer (&report, json_object_put);
  g_clear_pointer (&out, g_free);

  changed_path = g_build_filename (station->dir, "changed.csv", NULL);
  succeeded = g_file_set_contents (changed_path,
                                   "DevEUI,AppEUI,AppKey\r\n"
                                   "0018B20000000101,70B3D57ED0000010,00000000000000000000000000000001\r\n",
                                   -1, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpint (run (&out, (const char *[]) { "import", "--json", "--config", station->config, changed_path, NULL }),
                   ==, 1);
  report = json_tokener_parse (out);
  g_assert_cmpstr (prov_json_path (report, "reason"), ==, "import-conflict");
  g_assert_cmpstr (prov_json_path (json_object_array_get_idx (json_object_object_get (report, "problems"), 0), "row"),
                   ==, "2");
  g_clear_pointer (&report, json_object_put);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run (&out, (const char *[]) { "import", "--replace", "--config", station->config, changed_path,
                                                 NULL }), ==, 0);
  g_assert_nonnull (strstr (out, "1 replaced"));
}

static void
test_provision_jobs_export (void)
{
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(ProvStation) station = NULL;
  g_autofree char *out = NULL;
  g_autofree char *export_path = NULL;
  g_autofree char *exported = NULL;
  g_auto(GStrv) lines = NULL;

  reset_sim ("{}");
  station = prov_station_new (sim, csv, NULL);
  g_assert_cmpint (run (&out, (const char *[]) { "provision", "--json", "--config", station->config,
                                                 "0018B20000000101", "LW:D0:70B3D57ED0000010:0018B20000000199:000AF8BE",
                                                 NULL }), ==, 1);
  lines = g_strsplit (out, "\n", -1);
  {
    g_autoptr(json_object) rejected = json_tokener_parse (lines[0]);
    g_autoptr(json_object) done = json_tokener_parse (lines[1]);

    g_assert_cmpstr (prov_json_path (rejected, "state"), ==, "rejected");
    g_assert_cmpstr (prov_json_path (rejected, "reason"), ==, "unknown-device");
    g_assert_cmpstr (prov_json_path (done, "state"), ==, "done");
    g_assert_cmpstr (prov_json_path (done, "steps.tts-js.state"), ==, "done");
    g_assert_cmpstr (prov_json_path (done, "steps.verify.state"), ==, "done");
    /* The station's single product has no name to show. */
    g_assert_null (prov_json_path (done, "model"));
  }
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run (&out, (const char *[]) { "jobs", "--state", "done", "--json", "--config", station->config,
                                                 NULL }), ==, 0);
  g_assert_cmpuint (count_lines (out), ==, 1);
  {
    g_autoptr(json_object) job = json_tokener_parse (out);

    g_assert_nonnull (job);
    g_assert_cmpstr (prov_json_path (job, "dev_eui"), ==, "0018B20000000101");
    g_assert_null (prov_json_path (job, "model"));
  }
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (&out, (const char *[]) { "jobs", "--state", "failed", "--config", station->config, NULL }),
                   ==, 0);
  g_assert_cmpuint (count_lines (out), ==, 0);
  g_clear_pointer (&out, g_free);

  export_path = g_build_filename (station->dir, "journal.csv", NULL);
  g_assert_cmpint (run (NULL, (const char *[]) { "export", "--csv", export_path, "--config", station->config, NULL }),
                   ==, 0);
  g_assert_true (g_file_get_contents (export_path, &exported, NULL, NULL));
  g_assert_cmpuint (count_lines (exported), ==, 2);
  g_assert_nonnull (strstr (exported, ",0018B20000000101,"));
  g_assert_null (strstr (exported, "FE129A793DB74CCBB6F273BC8B81D905"));
  g_assert_null (strstr (exported, "NNSXS"));

  /* retry of a job that did not fail is refused with a reason. */
  g_assert_cmpint (run (&out, (const char *[]) { "retry", "--json", "1", "--config", station->config, NULL }), ==, 1);
  g_assert_nonnull (strstr (out, "job-not-failed"));
}

/* replace as a process: refusals first (exit 1 with the engine's reason,
 * exit 2 for a wrong command line), then the swap itself. */
static void
test_replace (void)
{
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(ProvStation) station = NULL;
  g_autofree char *out = NULL;
  g_autoptr(json_object) job = NULL;
  g_autoptr(json_object) state = NULL;
  json_object *device;

  reset_sim ("{}");
  station = prov_station_new (sim, csv, NULL);
  g_assert_cmpint (run (NULL, (const char *[]) { "replace", "--config", station->config, "0018B20000000103", NULL }),
                   ==, 2);
  g_assert_cmpint (run (&out, (const char *[]) { "replace", "--json", "--config", station->config,
                                                 "0018B20000000103", "0018B20000000108", NULL }), ==, 1);
  g_assert_nonnull (strstr (out, "replace-old-not-provisioned"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run (NULL, (const char *[]) { "provision", "-c", station->config, "0018B20000000103", NULL }),
                   ==, 0);
  g_assert_cmpint (run (&out, (const char *[]) { "-c", station->config, "replace", "--json", "--delete-old",
                                                 "--timeout", "60.5", "0018B20000000103", "0018B20000000108",
                                                 NULL }), ==, 0);
  job = json_tokener_parse (out);
  g_assert_nonnull (job);
  g_assert_cmpstr (prov_json_path (job, "kind"), ==, "replace");
  g_assert_cmpstr (prov_json_path (job, "state"), ==, "done");
  g_assert_cmpstr (prov_json_path (job, "old_dev_eui"), ==, "0018B20000000103");
  g_assert_cmpstr (prov_json_path (job, "dev_eui"), ==, "0018B20000000108");

  state = onb_test_sim_expect_state (sim);
  /* One Blynk device, the old one, now pointing at the new hardware; the
   * old TTS device is gone (--delete-old). */
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 1);
  device = prov_sim_blynk_device (state, "Soil sensor 03");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "Device EUI"), ==, "0018B20000000108");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "TheThingsNetwork Device"), ==, "eui-0018b20000000108");
  g_assert_nonnull (prov_sim_tts_record (state, "js", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000108"));
  g_assert_null (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000103"));
}

static void
wait_all (GSubprocess **processes,
          guint         n)
{
  gboolean succeeded;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      succeeded = g_subprocess_wait (processes[i], NULL, &error);
      g_assert_no_error (error);
      g_assert_true (succeeded);
      g_assert_true (g_subprocess_get_if_exited (processes[i]));
      g_assert_cmpint (g_subprocess_get_exit_status (processes[i]), ==, 0);
    }
}

static void
assert_each_once (json_object *state,
                  GPtrArray   *jobs,
                  guint        n)
{
  const char *components[] = { "is", "js", "ns", "as" };

  g_assert_cmpuint (jobs->len, ==, n);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, n);
  for (guint c = 0; c < G_N_ELEMENTS (components); c++)
    g_assert_cmpuint (prov_sim_tts_total (state, components[c]), ==, n);
  for (guint i = 0; i < jobs->len; i++)
    {
      OnbJob *job = jobs->pdata[i];
      json_object *device = prov_sim_blynk_device (state, onb_job_get_device_name (job));

      g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_DONE);
      g_assert_cmpuint (prov_sim_blynk_count (state, onb_job_get_device_name (job)), ==, 1);
      g_assert_cmpint (json_object_get_int64 (json_object_object_get (device, "id")), ==,
                       onb_job_get_blynk_device_id (job));
      g_assert_cmpstr (prov_sim_blynk_metafield (device, "Device EUI"), ==, onb_job_get_dev_eui (job));
      for (guint c = 0; c < G_N_ELEMENTS (components); c++)
        g_assert_nonnull (prov_sim_tts_record (state, components[c], ONB_TEST_SIM_TTS_APP_ID,
                                               onb_job_get_tts_device_id (job)));
    }
}

/* The labels of prov_generated_csv(): with @tokens, every second box
 * carries its static token instead of a TR005 code. */
static char *
write_codes (ProvStation *station,
             guint        n,
             guint        first,
             gboolean     tokens)
{
  g_autoptr(GString) codes = g_string_new (NULL);
  char *path = g_build_filename (station->dir, "codes.txt", NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *token = tokens && i % 2 == 1 ? prov_static_token (first + i) : NULL;

      if (token != NULL)
        g_string_append_printf (codes, "%s\n", token);
      else
        g_string_append_printf (codes, "LW:D0:70B3D57ED0000010:0018B200%08X:000AF8BE\n", first + i);
    }
  g_assert_true (g_file_set_contents (path, codes->str, -1, NULL));
  return path;
}

/* provision --timeout with requests under way: the jobs are handed back
 * and reported as the journal has them (queued, owned by nobody), with
 * nothing on stderr, and a later provision finishes them. */
static void
test_timeout_hands_back (void)
{
  g_autofree char *csv = prov_generated_csv (2, 0x180, FALSE);
  g_autoptr(ProvStation) station = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *again = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_auto(GStrv) lines = NULL;

  reset_sim ("{\"endpoints\":{\"*\":{\"latency_ms\":3000}}}");
  station = prov_station_new (sim, csv, NULL);
  g_assert_cmpint (run_err (&out, &err, (const char *[]) { "provision", "--json", "--timeout", "1", "--config",
                                                           station->config, "0018B20000000180", "0018B20000000181",
                                                           NULL }), ==, 1);
  g_assert_cmpstr (err, ==, "");
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(json_object) job = json_tokener_parse (lines[i]);

      g_assert_nonnull (job);
      g_assert_cmpstr (prov_json_path (job, "state"), ==, "queued");
    }
  jobs = prov_station_jobs (station);
  g_assert_cmpuint (jobs->len, ==, 2);
  for (guint i = 0; i < jobs->len; i++)
    g_assert_cmpint (onb_job_get_state (jobs->pdata[i]), ==, ONB_JOB_STATE_QUEUED);

  reset_sim ("{}");
  g_assert_cmpint (run (&again, (const char *[]) { "provision", "--timeout", "60", "--config", station->config,
                                                   "0018B20000000180", "0018B20000000181", NULL }), ==, 0);
}

/* Two provision processes on one journal: the job of a DevEUI is run by
 * one of them; the other follows it to its end. */
static void
test_two_processes_one_journal (void)
{
  g_autofree char *csv = prov_generated_csv (12, 0x100, FALSE);
  g_autoptr(ProvStation) station = NULL;
  g_autofree char *codes = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(json_object) state = NULL;
  GSubprocess *processes[2];

  reset_sim ("{\"endpoints\":{\"*\":{\"latency_ms\":10}}}");
  station = prov_station_new (sim, csv, NULL);
  codes = write_codes (station, 12, 0x100, FALSE);
  for (guint i = 0; i < 2; i++)
    processes[i] = spawn (codes, G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                          (const char *[]) { "provision", "--stdin", "--timeout", "60", "--config", station->config,
                                             NULL });
  wait_all (processes, 2);
  for (guint i = 0; i < 2; i++)
    g_object_unref (processes[i]);

  state = onb_test_sim_expect_state (sim);
  jobs = prov_station_jobs (station);
  assert_each_once (state, jobs, 12);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.create"), ==, 12);
}

/* Two stations (two journals) scan the same boxes at the same moment:
 * one device per cloud remains, and both stations show it done. Creates
 * answer late (400 ms) and searches later still (2 s), so each station's race check
 * sees both Blynk devices: the station with the higher id loses, deletes
 * its own and adopts the winner's; in TTS one IS create gets 409 and
 * adopts. */
static void
test_two_stations (void)
{
  g_autofree char *csv = prov_generated_csv (6, 0x200, TRUE);
  g_autoptr(ProvStation) a = NULL;
  g_autoptr(ProvStation) b = NULL;
  g_autofree char *codes = NULL;
  g_autoptr(json_object) state = NULL;
  g_autoptr(GPtrArray) jobs_a = NULL;
  g_autoptr(GPtrArray) jobs_b = NULL;
  GSubprocess *processes[2];
  ProvStation *stations[2];

  reset_sim ("{\"endpoints\":{\"*\":{\"latency_ms\":20},\"blynk.device_create\":{\"latency_ms\":400},"
             "\"blynk.claim\":{\"latency_ms\":400},\"blynk.search\":{\"latency_ms\":2000}}}");
  a = prov_station_new (sim, csv, NULL);
  b = prov_station_new (sim, csv, NULL);
  stations[0] = a;
  stations[1] = b;
  codes = write_codes (a, 6, 0x200, TRUE);
  for (guint i = 0; i < 2; i++)
    processes[i] = spawn (codes, G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                          (const char *[]) { "provision", "--stdin", "--timeout", "60", "--max-jobs", "6",
                                             "--config", stations[i]->config, NULL });
  wait_all (processes, 2);
  for (guint i = 0; i < 2; i++)
    g_object_unref (processes[i]);

  state = onb_test_sim_expect_state (sim);
  jobs_a = prov_station_jobs (a);
  jobs_b = prov_station_jobs (b);
  assert_each_once (state, jobs_a, 6);
  assert_each_once (state, jobs_b, 6);
  /* Both stations really created each TR005 box; each loser removed its
   * own. A token is claimed once: the refused station adopts. */
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, 6);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_delete"), ==, 3);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.claim"), ==, 6);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.create"), ==, 12);
  for (guint i = 0; i < 6; i++)
    {
      OnbJob *job_a = jobs_a->pdata[i];
      OnbJob *job_b = NULL;

      for (guint j = 0; j < jobs_b->len && job_b == NULL; j++)
        if (g_str_equal (onb_job_get_dev_eui (jobs_b->pdata[j]), onb_job_get_dev_eui (job_a)))
          job_b = jobs_b->pdata[j];
      g_assert_nonnull (job_b);
      /* Both stations point at the one device left in each cloud. */
      g_assert_cmpint (onb_job_get_blynk_device_id (job_a), ==, onb_job_get_blynk_device_id (job_b));
      g_assert_cmpstr (onb_job_get_tts_device_id (job_a), ==, onb_job_get_tts_device_id (job_b));
      /* Exactly one of them adopted the other's Blynk device. */
      g_assert_true (onb_job_get_step_owned (job_a, ONB_JOB_STEP_BLYNK_DEVICE) !=
                     onb_job_get_step_owned (job_b, ONB_JOB_STEP_BLYNK_DEVICE));
    }
}

/* The crash test: @n boxes from @first (half TR005, half static tokens),
 * the CLI killed with SIGKILL at random moments and restarted until it
 * finishes; some trials with injected faults. @extra: settings of the
 * station; @integration: Blynk's TTS integration for the template
 * (simulator/README.md), or NULL. */
static void
crash_trials (guint               first,
              guint               n,
              guint               trials,
              const char * const *extra,
              const char         *integration)
{
  gboolean succeeded;
  g_autofree char *csv = prov_generated_csv (n, first, TRUE);
  guint trials_interrupted = 0;

  for (guint trial = 0; trial < trials; trial++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (1000 + trial);
      g_autoptr(ProvStation) station = NULL;
      g_autofree char *codes = NULL;
      g_autofree char *faults = NULL;
      g_autoptr(GPtrArray) jobs = NULL;
      g_autoptr(json_object) state = NULL;
      guint kills = g_rand_int_range (rand, 1, 4);
      guint interrupted = 0;
      gboolean finished = FALSE;

      if (trial % 3 == 2)
        faults = g_strdup_printf ("{\"seed\":%u,\"endpoints\":{\"*\":{\"p_503\":0.05,"
                                  "\"p_drop\":0.05,\"p_429\":0.02,\"retry_after_s\":0}}}", trial);
      /* Claims answered late: a kill lands between a claim and its commit. */
      else if (trial % 3 == 1)
        faults = g_strdup ("{\"endpoints\":{\"blynk.claim\":{\"answer_delay_ms\":150}}}");
      else
        faults = g_strdup ("{}");
      reset_sim (faults);
      if (integration != NULL)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *answer = NULL;
          guint status = 0;

          answer = onb_test_sim_admin (sim, "POST", "/_admin/blynk/integration", integration, &status, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (status, ==, 200);
        }
      station = prov_station_new (sim, csv, extra);
      codes = write_codes (station, n, first, TRUE);

      for (guint attempt = 0; !finished; attempt++)
        {
          g_autofree char *max_jobs = g_strdup_printf ("%d", g_rand_int_range (rand, 8, 17));
          g_autofree char *log = g_build_filename (station->dir, "provision.log", NULL);
          g_autoptr(GSubprocess) process =
            spawn_full (codes, log, G_SUBPROCESS_FLAGS_NONE,
                   (const char *[]) { "provision", "--stdin", "--timeout", "120", "--max-jobs", max_jobs,
                                      "--retry-min-ms", "10", "--retry-max-ms", "100",
                                      "--config", station->config, NULL });
          g_autoptr(GError) error = NULL;

          g_assert_cmpuint (attempt, <, 20);
          if (attempt < kills)
            {
              g_usleep (g_rand_int_range (rand, 20, 400) * 1000);
              g_subprocess_force_exit (process);
            }
          succeeded = g_subprocess_wait (process, NULL, &error);
          g_assert_no_error (error);
          g_assert_true (succeeded);
          /* A kill counts when it landed while work was left: the process
           * died of it, with jobs of the journal unfinished. */
          if (g_subprocess_get_if_signaled (process))
            {
              g_autoptr(GPtrArray) so_far = prov_station_jobs (station);
              guint unfinished = n - so_far->len;

              for (guint i = 0; i < so_far->len; i++)
                unfinished += !onb_job_is_finished (so_far->pdata[i]);
              if (unfinished > 0)
                interrupted++;
            }
          finished = g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0;
          if (!finished && attempt >= kills)
            {
              g_autofree char *text = NULL;

              g_file_get_contents (log, &text, NULL, NULL);
              g_error ("trial %u: provision ended without finishing:\n%s", trial, text);
            }
        }

      state = onb_test_sim_expect_state (sim);
      jobs = prov_station_jobs (station);
      assert_each_once (state, jobs, n);
      /* Where Blynk makes the TTS devices, Onboarder wrote none. */
      if (integration != NULL)
        {
          const char *writes[] = { "tts.is.create", "tts.js.set", "tts.ns.set", "tts.as.set", "tts.is.delete" };

          for (guint w = 0; w < G_N_ELEMENTS (writes); w++)
            g_assert_cmpint (onb_test_sim_get_count (sim, writes[w]), ==, 0);
        }
      g_test_message ("trial %u: %u of %u kills interrupted work, faults %s, %d Blynk creates", trial, interrupted,
                      kills, faults, onb_test_sim_get_count (sim, "blynk.device_create"));
      trials_interrupted += interrupted > 0;
    }
  /* A kill that lands after the last job only tests a clean resume: the
   * kills are random in time, so most trials, not all, must cut work. */
  g_test_message ("%u of %u trials had work cut by a kill", trials_interrupted, trials);
  g_assert_cmpuint (trials_interrupted, >=, trials / 2);
}

static void
test_crash (void)
{
  crash_trials (0x300, 50, g_test_slow () ? 40 : 20, NULL, NULL);
}

/* The same where Blynk's integration makes the TTS devices: still each
 * box once in each cloud, and no TTS write by Onboarder. */
static void
test_crash_blynk (void)
{
  static const char * const blynk_mode[] = { "tts.created_by=blynk", NULL };

  crash_trials (0x300, 30, g_test_slow () ? 12 : 4, blynk_mode,
                "{\"template_id\":\"" ONB_TEST_SIM_BLYNK_TEMPLATE_ID "\",\"enabled\":true,"
                "\"device_id_scheme\":\"blynk-{blynk_id}\",\"delay_s\":0.2}");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* The static tokens of the mixed lists (two-stations, crash). */
  tokens = prov_static_tokens_config (0x200, 0x332 - 0x200);
  sim = onb_test_sim_start (tokens, &error);
  g_assert_no_error (error);

  g_test_add_func ("/cli/import", test_import);
  g_test_add_func ("/cli/provision-jobs-export", test_provision_jobs_export);
  g_test_add_func ("/cli/replace", test_replace);
  g_test_add_func ("/cli/timeout-hands-back", test_timeout_hands_back);
  g_test_add_func ("/cli/two-processes-one-journal", test_two_processes_one_journal);
  g_test_add_func ("/cli/two-stations", test_two_stations);
  g_test_add_func ("/cli/crash", test_crash);
  g_test_add_func ("/cli/crash-blynk", test_crash_blynk);

  status = g_test_run ();
  onb_test_sim_stop (sim);
  return status;
}
