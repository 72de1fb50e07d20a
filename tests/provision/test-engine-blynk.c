/* test-engine-blynk.c: the engine beside Blynk's The Things Stack
 * integration (docs/design.md, Who creates the TTS device), against the
 * simulator, which plays the integration (simulator/README.md) */

#include "config.h"

#include <string.h>

#include "cloud-test.h"
#include "onb-engine.h"
#include "onb-http-client.h"
#include "onb-job-private.h"
#include "onb-journal.h"
#include "onb-tts-client.h"
#include "prov-test.h"

#define FIRST 0x900
#define N_BOXES 30

static OnbTestSim *sim;

typedef struct
{
  ProvStation *station;
  OnbEngine *engine;
  GPtrArray *conflicts;  /* device IDs the engine said Blynk made */
} Fixture;

static void
conflict_cb (OnbEngine  *engine,
             OnbJob     *job,
             const char *device_id,
             Fixture    *f)
{
  g_ptr_array_add (f->conflicts, g_strdup (device_id));
}

static void
start_station (Fixture            *f,
               const char         *csv,
               const char * const *extra)
{
  f->station = prov_station_new (sim, csv, extra);
  f->engine = prov_station_engine (f->station);
  g_signal_connect (f->engine, "integration-conflict", G_CALLBACK (conflict_cb), f);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (onb_test_sim_reset (sim, &error), error);
  f->conflicts = g_ptr_array_new_with_free_func (g_free);
}

/* Jobs that wait for Blynk would wait on: the engine is shut down. */
static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->engine != NULL)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      onb_engine_shutdown_async (f->engine, NULL, prov_store_result, &result);
      onb_test_assert_ok (onb_engine_shutdown_finish (f->engine, prov_wait_result (&result), &error), error);
    }
  g_clear_object (&f->engine);
  g_clear_pointer (&f->station, prov_station_free);
  g_ptr_array_unref (f->conflicts);
}

static void
integration (const char *template_id,
             const char *settings)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = g_strdup_printf ("{\"template_id\":\"%s\",%s}", template_id, settings);
  g_autofree char *answer = NULL;
  guint status = 0;

  answer = onb_test_sim_admin (sim, "POST", "/_admin/blynk/integration", body, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
}

/* Requests of Onboarder (not of the integration, which the simulator
 * does not log) that write to The Things Stack. */
static guint
tts_writes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) log = onb_test_sim_get_request_log (sim, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (size_t i = 0; i < json_object_array_length (log); i++)
    {
      json_object *entry = json_object_array_get_idx (log, i);
      const char *method = json_object_get_string (json_object_object_get (entry, "method"));
      const char *path = json_object_get_string (json_object_object_get (entry, "path"));

      if (g_str_has_prefix (path, "/api/v3/") && !g_str_equal (method, "GET"))
        n++;
    }
  return n;
}

static OnbJob *
submit (OnbEngine  *engine,
        const char *payload)
{
  g_autoptr(GError) error = NULL;
  OnbJob *job = onb_engine_submit_payload (engine, payload, -1, "test", &error);

  g_assert_no_error (error);
  g_assert_nonnull (job);
  return job;
}

static void
assert_done (OnbJob *job)
{
  if (onb_job_get_state (job) != ONB_JOB_STATE_DONE)
    g_error ("job %s ended %s: %s (%s)", onb_job_get_dev_eui (job), onb_job_state_to_string (onb_job_get_state (job)),
             onb_job_get_message (job), onb_job_get_reason (job));
}

static guint
n_tts_records_of (json_object *state,
                  const char  *component,
                  const char  *dev_eui)
{
  json_object *records = json_object_object_get (json_object_object_get (state, "tts"), component);
  guint n = 0;

  json_object_object_foreach (records, key, record)
    {
      (void) key;
      if (g_ascii_strcasecmp (prov_json_path (record, "ids.dev_eui"), dev_eui) == 0)
        n++;
    }
  return n;
}

static json_object *
blynk_device_by_id (json_object *state,
                    gint64       id)
{
  json_object *devices = json_object_object_get (json_object_object_get (state, "blynk"), "devices");

  for (size_t i = 0; i < json_object_array_length (devices); i++)
    {
      json_object *device = json_object_array_get_idx (devices, i);

      if (json_object_get_int64 (json_object_object_get (device, "id")) == id)
        return device;
    }
  return NULL;
}

/* ---- metafields as the site named them ----------------------------------------- */

static void
test_renamed_key_field (Fixture       *f,
                        gconstpointer  data)
{
  static const char * const extra[] = {
    "blynk.template_id=" ONB_TEST_SIM_BLYNK_TEMPLATE_APPKEY, "blynk.metafield_app_key=AppKey", NULL,
  };
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;
  json_object *device;

  start_station (f, csv, extra);
  job = submit (f->engine, "0018B20000000101");
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  assert_done (job);
  state = onb_test_sim_expect_state (sim);
  device = prov_sim_blynk_device (state, "Soil sensor 01");
  g_assert_nonnull (device);
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "AppKey"), ==, "FE129A793DB74CCBB6F273BC8B81D905");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "Device EUI"), ==, "0018B20000000101");
}

/* ---- created_by = onboarder ------------------------------------------------------ */

/* The site's Blynk makes devices too (the integration is on, which the
 * settings deny): whoever is first in TTS, no device is lost or rolled
 * back, each is in each cloud once, and the conflicts are named. */
static void
test_onboarder_integration_on (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *csv = prov_generated_csv (10, FIRST, FALSE);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(json_object) state = NULL;
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(OnbJournalConflict) last = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *path = NULL;
  guint n_conflicts = 0;

  integration (ONB_TEST_SIM_BLYNK_TEMPLATE_ID, "\"enabled\":true,\"device_id_scheme\":\"blynk-{blynk_id}\"");
  /* Half of the IS creates come late: Blynk's integration is first there. */
  g_assert_true (onb_test_sim_set_faults (sim, "{\"seed\":3,\"endpoints\":{\"tts.is.create\":{\"p_slow\":0.5,"
                                               "\"slow_ms\":300}}}", &error));
  start_station (f, csv, NULL);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *dev_eui = g_strdup_printf ("0018B200%08X", FIRST + i);

      g_ptr_array_add (jobs, submit (f->engine, dev_eui));
    }
  g_assert_true (prov_wait_jobs (f->engine, (OnbJob **) jobs->pdata, jobs->len, 120));

  state = onb_test_sim_expect_state (sim);
  for (guint i = 0; i < jobs->len; i++)
    {
      OnbJob *job = jobs->pdata[i];
      json_object *device;

      assert_done (job);
      g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_DEVICE), ==, ONB_STEP_STATE_DONE);
      g_assert_cmpuint (n_tts_records_of (state, "is", onb_job_get_dev_eui (job)), ==, 1);
      device = blynk_device_by_id (state, onb_job_get_blynk_device_id (job));
      g_assert_nonnull (device);
      g_assert_cmpstr (prov_sim_blynk_metafield (device, "TheThingsNetwork Device"), ==,
                       onb_job_get_tts_device_id (job));
      g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, onb_job_get_tts_device_id (job)));
    }
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 10);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_delete"), ==, 0);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.delete"), ==, 0);

  /* Each device Blynk made first was adopted, named, and journaled. */
  g_test_message ("%u of 10 made by Blynk first", f->conflicts->len);
  g_assert_cmpuint (f->conflicts->len, >, 0);
  for (guint i = 0; i < f->conflicts->len; i++)
    g_assert_true (g_str_has_prefix (f->conflicts->pdata[i], "blynk-"));
  {
    g_autoptr(OnbConfig) config = prov_station_load_config (f->station);

    data_dir = onb_config_get_data_dir (config);
  }
  path = onb_journal_default_path (data_dir);
  journal = onb_journal_open_read_only (path, &error);
  g_assert_no_error (error);
  /* The conflict's commit runs on the journal's thread beside the job's. */
  for (guint tries = 0; tries < 50 && n_conflicts < f->conflicts->len; tries++)
    {
      g_clear_pointer (&last, onb_journal_conflict_free);
      last = onb_journal_get_last_conflict (journal, &n_conflicts, &error);
      g_assert_no_error (error);
      g_usleep (20000);
    }
  g_assert_cmpuint (n_conflicts, ==, f->conflicts->len);
  g_assert_nonnull (last);
  g_assert_true (g_str_has_prefix (last->device_id, "blynk-"));

  /* check names the last one, as a warning. */
  {
    const char *argv[] = { g_getenv ("ONB_CLI"), "check", "--json", "--config", f->station->config, NULL };
    g_autoptr(GSubprocess) cli = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
    g_autofree char *out = NULL;
    g_autofree char *expected = g_strdup_printf ("“%s”", last->device_id);

    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (cli, NULL, NULL, &out, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (strstr (out, "\"id\":\"blynk-creates-too\""));
    g_assert_nonnull (strstr (out, "created_by = blynk"));
    g_assert_nonnull (strstr (out, expected));
  }
}

/* The Free plan's import: the first uplink of every device made imports
 * nothing, since its Blynk device already points at it. */
static void
test_onboarder_free_plan_import (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *csv = prov_generated_csv (6, FIRST, TRUE);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(json_object) state = NULL;
  g_autoptr(GError) error = NULL;

  integration (ONB_TEST_SIM_BLYNK_TEMPLATE_ID, "\"import_on_uplink\":true");
  start_station (f, csv, NULL);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *label = i % 2 == 1 ? prov_static_token (FIRST + i) : g_strdup_printf ("0018B200%08X", FIRST + i);

      g_ptr_array_add (jobs, submit (f->engine, label));
    }
  g_assert_true (prov_wait_jobs (f->engine, (OnbJob **) jobs->pdata, jobs->len, 120));
  for (guint i = 0; i < jobs->len; i++)
    {
      OnbJob *job = jobs->pdata[i];
      g_autofree char *body = NULL;
      g_autofree char *answer = NULL;
      g_autoptr(json_object) parsed = NULL;
      guint status = 0;

      assert_done (job);
      body = g_strdup_printf ("{\"application_id\":\"%s\",\"device_id\":\"%s\"}", ONB_TEST_SIM_TTS_APP_ID,
                              onb_job_get_tts_device_id (job));
      answer = onb_test_sim_admin (sim, "POST", "/_admin/tts/uplink", body, &status, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (status, ==, 200);
      parsed = json_tokener_parse (answer);
      g_assert_false (json_object_get_boolean (json_object_object_get (parsed, "imported")));
      g_assert_cmpint (json_object_get_int64 (json_object_object_get (parsed, "blynk_device_id")), ==,
                       onb_job_get_blynk_device_id (job));
    }
  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 6);
}

/* ---- created_by = blynk ---------------------------------------------------------- */

static const char * const blynk_mode[] = { "tts.created_by=blynk", NULL };
static const char * const blynk_mode_short[] = { "tts.created_by=blynk", "tts.blynk_wait_s=1", NULL };

/* Thirty boxes, half with static tokens: Blynk makes each TTS device once,
 * Onboarder writes nothing to TTS, and a job is done only once its device
 * exists in all four components. */
static void
test_blynk_creates (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *csv = prov_generated_csv (N_BOXES, FIRST, TRUE);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(json_object) state = NULL;

  integration (ONB_TEST_SIM_BLYNK_TEMPLATE_ID,
               "\"enabled\":true,\"device_id_scheme\":\"blynk-{blynk_id}\",\"delay_s\":0.3");
  start_station (f, csv, blynk_mode);
  for (guint i = 0; i < N_BOXES; i++)
    {
      g_autofree char *label = i % 2 == 1 ? prov_static_token (FIRST + i) : g_strdup_printf ("0018B200%08X", FIRST + i);

      g_ptr_array_add (jobs, submit (f->engine, label));
    }
  g_assert_true (prov_wait_jobs (f->engine, (OnbJob **) jobs->pdata, jobs->len, 120));

  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (tts_writes (), ==, 0);
  for (guint i = 0; i < jobs->len; i++)
    {
      OnbJob *job = jobs->pdata[i];
      const char *components[] = { "is", "js", "ns", "as" };
      json_object *device;

      assert_done (job);
      g_assert_true (g_str_has_prefix (onb_job_get_tts_device_id (job), "blynk-"));
      g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_BY_BLYNK), ==, ONB_STEP_STATE_DONE);
      g_assert_false (onb_job_get_step_owned (job, ONB_JOB_STEP_TTS_BY_BLYNK));
      g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_IS), ==, ONB_STEP_STATE_SKIPPED);
      for (guint c = 0; c < G_N_ELEMENTS (components); c++)
        {
          g_assert_nonnull (prov_sim_tts_record (state, components[c], ONB_TEST_SIM_TTS_APP_ID,
                                                 onb_job_get_tts_device_id (job)));
        }
      device = blynk_device_by_id (state, onb_job_get_blynk_device_id (job));
      g_assert_cmpstr (prov_sim_blynk_metafield (device, "TheThingsNetwork Device"), ==,
                       onb_job_get_tts_device_id (job));
      g_assert_cmpstr (prov_sim_blynk_metafield (device, "Device EUI"), ==, onb_job_get_dev_eui (job));
    }
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, N_BOXES);
  g_assert_cmpuint (prov_sim_tts_total (state, "is"), ==, N_BOXES);
  for (guint i = 0; i < jobs->len; i++)
    g_assert_cmpuint (n_tts_records_of (state, "is", onb_job_get_dev_eui (jobs->pdata[i])), ==, 1);
}

/* A device list of one box, with a fresh AppKey. (transfer full) */
static char *
one_box_csv (const char *dev_eui)
{
  return g_strdup_printf ("Device EUI,Join EUI,Application Key\r\n%s,70B3D57ED0000010,%08X%08X%08X%08X\r\n", dev_eui,
                          g_random_int (), g_random_int (), g_random_int (), g_random_int ());
}

/* The door sensor's template makes MAC_V1_0_4, class C devices; the
 * station's [tts] says MAC_V1_0_3, class A. Verify holds Blynk's device
 * only to what the model's section names: @extra adds to the section. */
static void
blynk_model (Fixture            *f,
             const char * const *extra)
{
  g_autoptr(GStrvBuilder) settings = g_strv_builder_new ();
  g_auto(GStrv) all = NULL;
  g_autofree char *csv = one_box_csv ("0018B20000000A01");
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;
  json_object *ns;

  g_strv_builder_add_many (settings, "tts.created_by=blynk",
                           "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".name=Door sensor",
                           "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".blynk_template=" ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C,
                           NULL);
  g_strv_builder_addv (settings, (const char **) extra);
  all = g_strv_builder_end (settings);
  integration (ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C, "\"enabled\":true");
  start_station (f, csv, (const char * const *) all);
  job = submit (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000A01:" ONB_TEST_SIM_PROFILE_ID_CLASS_C);
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  assert_done (job);
  state = onb_test_sim_expect_state (sim);
  ns = prov_sim_tts_record (state, "ns", ONB_TEST_SIM_TTS_APP_ID, onb_job_get_tts_device_id (job));
  g_assert_cmpstr (prov_json_path (ns, "lorawan_version"), ==, "MAC_V1_0_4");
  g_assert_cmpuint (tts_writes (), ==, 0);
}

/* A section naming the integration's versions: those are checked, not
 * [tts]'s. */
static void
test_blynk_model_versions (Fixture       *f,
                           gconstpointer  data)
{
  blynk_model (f, (const char * const []) {
    "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".lorawan_version=MAC_V1_0_4",
    "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".phy_version=RP002_V1_0_1",
    "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".class_c=true",
    NULL });
}

/* A section naming nothing: versions, plan and classes are the
 * integration's, and not checked. */
static void
test_blynk_model_names_nothing (Fixture       *f,
                                gconstpointer  data)
{
  blynk_model (f, (const char * const []) { NULL });
}

/* A section naming other versions than the integration makes: the job
 * fails, naming the field. */
static void
test_blynk_model_wrong_version (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *csv = one_box_csv ("0018B20000000A01");
  g_autoptr(OnbJob) job = NULL;

  integration (ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C, "\"enabled\":true");
  start_station (f, csv, (const char * const []) {
    "tts.created_by=blynk",
    "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".blynk_template=" ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C,
    "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".lorawan_version=MAC_V1_0_2",
    "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".phy_version=RP001_V1_0_2_REV_B",
    NULL });
  job = submit (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000A01:" ONB_TEST_SIM_PROFILE_ID_CLASS_C);
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpstr (onb_job_get_reason (job), ==, "tts-device-differs");
  if (strstr (onb_job_get_message (job), "lorawan_version") == NULL)
    g_error ("“%s” does not name lorawan_version", onb_job_get_message (job));
}

/* A Profile ID the Device Repository does not know, on a station with no
 * LoRaWAN versions nor frequency plan anywhere: Blynk's integration makes
 * the device with its own settings, and Onboarder confirms it. */
static void
test_blynk_model_unknown (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *csv = one_box_csv ("0018B20000000A02");
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;

  integration (ONB_TEST_SIM_BLYNK_TEMPLATE_ID, "\"enabled\":true");
  start_station (f, csv, (const char * const []) {
    "tts.created_by=blynk",
    "tts.lorawan_version",
    "tts.phy_version",
    "tts.frequency_plan",
    "model " ONB_TEST_SIM_PROFILE_ID_UNKNOWN ".name=Leak sensor",
    NULL });
  job = submit (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000A02:" ONB_TEST_SIM_PROFILE_ID_UNKNOWN);
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  assert_done (job);
  g_assert_cmpstr (onb_job_get_model_name (job), ==, "Leak sensor");
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_BY_BLYNK), ==, ONB_STEP_STATE_DONE);
  state = onb_test_sim_expect_state (sim);
  g_assert_nonnull (prov_sim_tts_record (state, "ns", ONB_TEST_SIM_TTS_APP_ID, onb_job_get_tts_device_id (job)));
  g_assert_cmpuint (tts_writes (), ==, 0);
}

/* Blynk does not write TheThingsNetwork Device back: Onboarder does. */
static void
test_blynk_creates_no_write_back (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;
  json_object *device;

  integration (ONB_TEST_SIM_BLYNK_TEMPLATE_ID,
               "\"enabled\":true,\"device_id_scheme\":\"b-{dev_eui}\",\"write_back\":false");
  start_station (f, csv, blynk_mode);
  job = submit (f->engine, "0018B20000000102");
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  assert_done (job);
  g_assert_cmpstr (onb_job_get_tts_device_id (job), ==, "b-0018b20000000102");
  state = onb_test_sim_expect_state (sim);
  device = prov_sim_blynk_device (state, "Soil sensor 02");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "TheThingsNetwork Device"), ==, "b-0018b20000000102");
  g_assert_cmpuint (tts_writes (), ==, 0);
}

/* Blynk takes longer than blynk_wait_s: the jobs wait, then finish. */
static void
test_blynk_slow (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(OnbJob) job = NULL;
  gboolean waited = FALSE;

  integration (ONB_TEST_SIM_BLYNK_TEMPLATE_ID, "\"enabled\":true,\"delay_s\":2.5");
  start_station (f, csv, blynk_mode_short);
  job = submit (f->engine, "0018B20000000103");
  while (!onb_job_is_finished (job))
    {
      g_main_context_iteration (NULL, TRUE);
      if (onb_job_get_state (job) == ONB_JOB_STATE_WAITING)
        {
          waited = TRUE;
          g_assert_cmpstr (onb_job_get_reason (job), ==, "blynk-not-onboarded");
        }
    }
  g_assert_true (waited);
  assert_done (job);
  g_assert_cmpuint (tts_writes (), ==, 0);
}

/* The integration is off: the jobs wait, saying what to check, and nothing
 * is made in TTS. */
static void
test_blynk_off (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;

  start_station (f, csv, blynk_mode_short);
  job = submit (f->engine, "0018B20000000104");
  while (onb_job_get_state (job) != ONB_JOB_STATE_WAITING)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (onb_job_get_reason (job), ==, "blynk-not-onboarded");
  g_assert_nonnull (strstr (onb_job_get_message (job), "Blynk has not created the device in The Things Stack after"));
  g_assert_nonnull (strstr (onb_job_get_message (job), "Automated Device Onboarding"));
  g_assert_nonnull (strstr (onb_job_get_message (job), ONB_TEST_SIM_BLYNK_TEMPLATE_ID));
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_BY_BLYNK), ==, ONB_STEP_STATE_RETRYING);
  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_tts_total (state, "is"), ==, 0);
  g_assert_cmpuint (tts_writes (), ==, 0);
  g_assert_cmpuint (prov_sim_blynk_count (state, "Soil sensor 04"), ==, 1);
}

/* A TTS device with these EUIs but another AppKey is a real failure,
 * named on the card; that device is not Onboarder's to remove. */
static void
test_blynk_other_key (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbHttpClient) http = NULL;
  g_autoptr(OnbTtsClient) tts = NULL;
  g_autoptr(OnbTtsDevice) device = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;

  start_station (f, csv, blynk_mode_short);
  config = prov_station_load_config (f->station);
  http = onb_http_client_new (config);
  tts = onb_tts_client_new (http, config, &error);
  g_assert_no_error (error);
  device = onb_tts_device_new ("0018B20000000105", "70B3D57ED0000010", "00112233445566778899AABBCCDDEEFF", NULL, &error);
  g_assert_no_error (error);
  onb_test_assert_ok (cloud_test_tts_create_device (tts, device, &error), error);

  job = submit (f->engine, "0018B20000000105");
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpstr (onb_job_get_reason (job), ==, "tts-device-differs");
  g_assert_nonnull (strstr (onb_job_get_message (job), "eui-0018b20000000105"));
  state = onb_test_sim_expect_state (sim);
  g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000105"));
}

/* ---- replacing hardware ----------------------------------------------------------- */

/* The last sequence number of the request log. */
static gint64
log_seq (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) log = onb_test_sim_get_request_log (sim, &error);
  size_t n;

  g_assert_no_error (error);
  n = json_object_array_length (log);
  return n > 0 ? json_object_get_int64 (json_object_object_get (json_object_array_get_idx (log, n - 1), "seq")) : 0;
}

/* The end of the last Blynk metafield write and the start of the first TTS
 * write of the log after @since, in ms. */
static void
log_order (gint64  since,
           double *last_metafield_end,
           double *first_tts_write)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) log = onb_test_sim_get_request_log (sim, &error);

  g_assert_no_error (error);
  *last_metafield_end = 0;
  *first_tts_write = G_MAXDOUBLE;
  for (size_t i = 0; i < json_object_array_length (log); i++)
    {
      json_object *entry = json_object_array_get_idx (log, i);
      const char *method = json_object_get_string (json_object_object_get (entry, "method"));
      const char *path = json_object_get_string (json_object_object_get (entry, "path"));

      if (json_object_get_int64 (json_object_object_get (entry, "seq")) <= since)
        continue;
      if (g_str_has_prefix (path, "/api/v1/organization/device/metafield") && g_str_equal (method, "POST"))
        *last_metafield_end = MAX (*last_metafield_end, json_object_get_double (json_object_object_get (entry, "end_ms")));
      else if (g_str_has_prefix (path, "/api/v3/") && !g_str_equal (method, "GET"))
        *first_tts_write = MIN (*first_tts_write, json_object_get_double (json_object_object_get (entry, "start_ms")));
    }
}

/* As Blynk's guide orders it: the old Blynk device points at the new
 * hardware before its TTS device exists; in Blynk mode too, Onboarder
 * makes that device, and one the integration makes in reaction is
 * adopted, not owned. */
static void
replace (Fixture            *f,
         const char * const *extra,
         gboolean            integration_on)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(OnbJob) old_job = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;
  json_object *device;
  double metafields_end, tts_start;
  gint64 since;

  if (integration_on)
    integration (ONB_TEST_SIM_BLYNK_TEMPLATE_ID, "\"enabled\":true,\"device_id_scheme\":\"blynk-{blynk_id}-{dev_eui}\"");
  start_station (f, csv, extra);
  old_job = submit (f->engine, "0018B20000000103");
  g_assert_true (prov_wait_jobs (f->engine, &old_job, 1, 60));
  assert_done (old_job);
  since = log_seq ();
  job = onb_engine_submit_replace (f->engine, "0018B20000000103", -1, "0018B20000000108", -1, TRUE, "test", &error);
  g_assert_no_error (error);
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  assert_done (job);

  log_order (since, &metafields_end, &tts_start);
  g_assert_cmpfloat (metafields_end, >, 0);
  if (!integration_on)
    g_assert_cmpfloat (metafields_end, <=, tts_start);
  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 1);
  g_assert_cmpuint (n_tts_records_of (state, "is", "0018B20000000108"), ==, 1);
  g_assert_cmpuint (n_tts_records_of (state, "js", "0018B20000000108"), ==, 1);
  device = prov_sim_blynk_device (state, "Soil sensor 03");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "Device EUI"), ==, "0018B20000000108");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "TheThingsNetwork Device"), ==, onb_job_get_tts_device_id (job));
  if (integration_on)
    {
      g_assert_true (g_str_has_prefix (onb_job_get_tts_device_id (job), "blynk-"));
      g_assert_false (onb_job_get_step_owned (job, ONB_JOB_STEP_TTS_IS));
    }
  else
    {
      g_assert_cmpstr (onb_job_get_tts_device_id (job), ==, "eui-0018b20000000108");
      g_assert_true (onb_job_get_step_owned (job, ONB_JOB_STEP_TTS_IS));
    }
  /* No surprise in Blynk mode: not a conflict. */
  g_assert_cmpuint (f->conflicts->len, ==, 0);
  /* The old TTS device is deleted only if Onboarder made it. */
  if (integration_on)
    {
      g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_DELETE_OLD), ==, ONB_STEP_STATE_SKIPPED);
      g_assert_nonnull (strstr (onb_job_get_step_message (job, ONB_JOB_STEP_TTS_DELETE_OLD), "was left"));
      g_assert_cmpuint (n_tts_records_of (state, "is", "0018B20000000103"), ==, 1);
    }
  else
    {
      g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_DELETE_OLD), ==, ONB_STEP_STATE_DONE);
      g_assert_cmpuint (n_tts_records_of (state, "is", "0018B20000000103"), ==, 0);
    }
}

static void
test_replace_onboarder (Fixture       *f,
                        gconstpointer  data)
{
  replace (f, NULL, FALSE);
}

static void
test_replace_blynk (Fixture       *f,
                    gconstpointer  data)
{
  replace (f, blynk_mode, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = prov_static_tokens_config (FIRST, N_BOXES);
  int status;

  g_test_init (&argc, &argv, NULL);

  sim = onb_test_sim_start (tokens, &error);
  g_assert_no_error (error);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine-blynk/renamed-key-field", test_renamed_key_field);
  ADD ("/engine-blynk/onboarder/integration-on", test_onboarder_integration_on);
  ADD ("/engine-blynk/onboarder/free-plan-import", test_onboarder_free_plan_import);
  ADD ("/engine-blynk/blynk/creates", test_blynk_creates);
  ADD ("/engine-blynk/blynk/no-write-back", test_blynk_creates_no_write_back);
  ADD ("/engine-blynk/blynk/slow", test_blynk_slow);
  ADD ("/engine-blynk/blynk/off", test_blynk_off);
  ADD ("/engine-blynk/blynk/other-key", test_blynk_other_key);
  ADD ("/engine-blynk/blynk/model-versions", test_blynk_model_versions);
  ADD ("/engine-blynk/blynk/model-names-nothing", test_blynk_model_names_nothing);
  ADD ("/engine-blynk/blynk/model-wrong-version", test_blynk_model_wrong_version);
  ADD ("/engine-blynk/blynk/model-unknown", test_blynk_model_unknown);
  ADD ("/engine-blynk/replace/onboarder", test_replace_onboarder);
  ADD ("/engine-blynk/replace/blynk", test_replace_blynk);
#undef ADD

  status = g_test_run ();
  onb_test_sim_stop (sim);
  return status;
}
