/* test-engine-models.c: the label's Profile ID picks the device model
 * (its Blynk template, versions, plan and class) against the simulator's
 * Device Repository */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "onb-error.h"
#include "onb-job-private.h"
#include "onb-journal.h"
#include "prov-test.h"

static OnbTestSim *sim;

/* Two models of one band, with their own templates; a US915 Profile ID
 * listed without a section; a section for a Profile ID the repository
 * does not know, which names no versions. */
static const char * const station_settings[] = {
  "model " ONB_TEST_SIM_PROFILE_ID ".name=Soil sensor",
  "model " ONB_TEST_SIM_PROFILE_ID ".blynk_template=" ONB_TEST_SIM_BLYNK_TEMPLATE_ID,
  "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".name=Door sensor",
  "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".blynk_template=" ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C,
  "model " ONB_TEST_SIM_PROFILE_ID_UNKNOWN ".name=Mystery box",
  "labels.profile_ids=" ONB_TEST_SIM_PROFILE_ID_US915,
  NULL
};

/* Nothing typed per product but a model's name and template: no [tts]
 * versions nor lone plan, only the station's list of plans; the versions
 * come from the Device Repository. */
static const char * const pallet_settings[] = {
  "tts.frequency_plan",
  "tts.lorawan_version",
  "tts.phy_version",
  "tts.frequency_plans=" ONB_TEST_SIM_TTS_FREQUENCY_PLAN,
  "model " ONB_TEST_SIM_PROFILE_ID ".name=Soil sensor",
  "model " ONB_TEST_SIM_PROFILE_ID ".blynk_template=" ONB_TEST_SIM_BLYNK_TEMPLATE_ID,
  "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".name=Door sensor",
  "model " ONB_TEST_SIM_PROFILE_ID_CLASS_C ".blynk_template=" ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C,
  NULL
};

typedef struct
{
  ProvStation *station;
  OnbEngine *engine;
} Fixture;

static void
start_station (Fixture            *f,
               const char * const *settings)
{
  g_autoptr(GString) csv = g_string_new ("Device EUI,Join EUI,Application Key,Device Name\r\n");

  for (guint i = 1; i <= 6; i++)
    g_string_append_printf (csv, "0018B20000000D%02X,70B3D57ED0000010,%08X%08X%08X%08X,Pallet box %u\r\n", i,
                            g_random_int (), g_random_int (), g_random_int (), i, i);
  /* A box whose keys stay on its own Join Server: claimed, no AppKey. */
  g_string_append (csv, ONB_TEST_SIM_CLAIM_DEV_EUI_FIRST "," ONB_TEST_SIM_CLAIM_JOIN_EUI ",,Claimed box\r\n");
  f->station = prov_station_new (sim, csv->str, settings);
  f->engine = prov_station_engine (f->station);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (onb_test_sim_reset (sim, &error), error);
  start_station (f, data != NULL ? data : station_settings);
}

/* The clouds cannot be reached while the engine starts: it knows no
 * answer of the Device Repository when the first boxes are scanned. */
static void
fixture_set_up_cold (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (onb_test_sim_reset (sim, &error), error);
  onb_test_assert_ok (onb_test_sim_set_network_down (sim, TRUE, &error), error);
  start_station (f, station_settings);
  onb_test_assert_ok (onb_test_sim_set_network_down (sim, FALSE, &error), error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_true (prov_wait_jobs (f->engine, NULL, 0, 60));
  g_clear_object (&f->engine);
  g_clear_pointer (&f->station, prov_station_free);
}

static OnbJob *
submit (Fixture    *f,
        guint       box,
        const char *profile_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = g_strdup_printf ("LW:D0:70B3D57ED0000010:0018B20000000D%02X:%s", box, profile_id);
  OnbJob *job = onb_engine_submit_payload (f->engine, code, -1, "test", &error);

  g_assert_no_error (error);
  g_assert_nonnull (job);
  return job;
}

static void
assert_model (json_object *state,
              OnbJob      *job,
              const char  *template_id,
              const char  *lorawan_version,
              gboolean     class_c)
{
  g_autofree char *device_id = g_strdup_printf ("eui-%s", onb_job_get_dev_eui (job));
  json_object *device = prov_sim_blynk_device (state, onb_job_get_device_name (job));
  json_object *ns;

  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_DONE);
  g_assert_nonnull (device);
  g_assert_cmpstr (prov_json_path (device, "hardwareInfo.templateId"), ==, template_id);
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "Device EUI"), ==, onb_job_get_dev_eui (job));
  for (char *c = device_id; *c != '\0'; c++)
    *c = g_ascii_tolower (*c);
  ns = prov_sim_tts_record (state, "ns", ONB_TEST_SIM_TTS_APP_ID, device_id);
  g_assert_nonnull (ns);
  g_assert_cmpstr (prov_json_path (ns, "lorawan_version"), ==, lorawan_version);
  g_assert_cmpstr (prov_json_path (ns, "frequency_plan_id"), ==, ONB_TEST_SIM_TTS_FREQUENCY_PLAN);
  g_assert_cmpstr (prov_json_path (ns, "supports_class_c"), ==, class_c ? "true" : "false");
}

/* One pallet, two models: each box gets its model's template, MAC
 * version and class, read back in NS and Blynk; the job names its model. */
static void
test_two_models (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(json_object) state = NULL;

  for (guint i = 1; i <= 4; i++)
    g_ptr_array_add (jobs, submit (f, i, i % 2 ? ONB_TEST_SIM_PROFILE_ID : ONB_TEST_SIM_PROFILE_ID_CLASS_C));
  g_assert_true (prov_wait_jobs (f->engine, (OnbJob **) jobs->pdata, jobs->len, 60));

  state = onb_test_sim_expect_state (sim);
  for (guint i = 0; i < jobs->len; i++)
    {
      OnbJob *job = jobs->pdata[i];
      gboolean door = i % 2 == 1;

      if (onb_job_get_state (job) != ONB_JOB_STATE_DONE)
        g_error ("%s: %s", onb_job_get_dev_eui (job), onb_job_get_message (job));
      g_assert_cmpstr (onb_job_get_model_name (job), ==, door ? "Door sensor" : "Soil sensor");
      assert_model (state, job, door ? ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C : ONB_TEST_SIM_BLYNK_TEMPLATE_ID,
                    door ? "MAC_V1_0_4" : "MAC_V1_0_3", door);
    }
}

/* The whole promise: one station onboards a mixed pallet, a keyed list
 * row of one model and an owner-token box of the other, with nothing
 * typed per product but the models' names and templates. */
static void
test_mixed_pallet (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) keyed = submit (f, 1, ONB_TEST_SIM_PROFILE_ID);
  g_autoptr(OnbJob) claimed = onb_engine_submit_payload (f->engine,
                                                         "LW:D0:" ONB_TEST_SIM_CLAIM_JOIN_EUI ":"
                                                         ONB_TEST_SIM_CLAIM_DEV_EUI_FIRST ":"
                                                         ONB_TEST_SIM_PROFILE_ID_CLASS_C ":O"
                                                         ONB_TEST_SIM_CLAIM_OWNER_TOKEN_PREFIX
                                                         ONB_TEST_SIM_CLAIM_DEV_EUI_FIRST, -1, "test", &error);
  g_autoptr(json_object) state = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (claimed);
  g_assert_true (prov_wait_jobs (f->engine, (OnbJob *[]) { keyed, claimed }, 2, 60));
  for (OnbJob **job = (OnbJob *[]) { keyed, claimed, NULL }; *job != NULL; job++)
    if (onb_job_get_state (*job) != ONB_JOB_STATE_DONE)
      g_error ("%s: %s (%s)", onb_job_get_dev_eui (*job), onb_job_get_message (*job), onb_job_get_reason (*job));

  state = onb_test_sim_expect_state (sim);
  assert_model (state, keyed, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, "MAC_V1_0_3", FALSE);
  assert_model (state, claimed, ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C, "MAC_V1_0_4", TRUE);
  g_assert_cmpint (onb_job_get_step_state (keyed, ONB_JOB_STEP_TTS_JS), ==, ONB_STEP_STATE_DONE);
  g_assert_cmpint (onb_job_get_step_state (claimed, ONB_JOB_STEP_TTS_CLAIM), ==, ONB_STEP_STATE_DONE);
  g_assert_cmpint (onb_job_get_step_state (claimed, ONB_JOB_STEP_TTS_JS), ==, ONB_STEP_STATE_SKIPPED);
}

/* On such a station, a label without a Profile ID has no versions to
 * get: refused at the scan, in words. */
static void
test_pallet_no_profile (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = onb_engine_submit_payload (f->engine, "0018B20000000D02", -1, "test", &error);
  g_autoptr(json_object) state = NULL;

  g_assert_null (job);
  g_assert_nonnull (error);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "model-unknown");
  g_assert_nonnull (strstr (error->message, "no LoRaWAN versions"));
  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 0);
}

static gboolean
jobs_waiting (gconstpointer data)
{
  OnbJob * const *jobs = data;

  for (guint i = 0; jobs[i] != NULL; i++)
    if (onb_job_get_state (jobs[i]) != ONB_JOB_STATE_WAITING)
      return FALSE;
  return TRUE;
}

/* What an earlier version journaled for a job's model: its name. */
static void
journal_old_model_name (Fixture    *f,
                        const char *dev_eui,
                        const char *name)
{
  g_autoptr(OnbConfig) config = prov_station_load_config (f->station);
  g_autofree char *data_dir = onb_config_get_data_dir (config);
  g_autofree char *path = onb_journal_default_path (data_dir);
  char *sql = sqlite3_mprintf ("UPDATE jobs SET model_name = %Q WHERE dev_eui = %Q", name, dev_eui);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
  sqlite3_free (sql);
}

/* Runs resumed after a restart find their model again: by the Profile ID
 * their job keeps, and in a journal an earlier version wrote (the
 * model's name in that column). The jobs show the section's name. */
static void
test_resume (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) old = NULL;
  g_autoptr(OnbJob) now = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(json_object) state = NULL;
  GListModel *jobs;

  onb_test_assert_ok (onb_test_sim_set_network_down (sim, TRUE, &error), error);
  old = submit (f, 1, ONB_TEST_SIM_PROFILE_ID_CLASS_C);
  now = submit (f, 2, ONB_TEST_SIM_PROFILE_ID_CLASS_C);
  g_assert_cmpstr (onb_job_get_model_name (now), ==, "Door sensor");
  g_assert_true (prov_wait_until (jobs_waiting, (OnbJob *[]) { old, now, NULL }, 60));
  onb_engine_shutdown_async (f->engine, NULL, prov_store_result, &result);
  onb_test_assert_ok (onb_engine_shutdown_finish (f->engine, prov_wait_result (&result), &error), error);
  g_clear_object (&f->engine);
  journal_old_model_name (f, onb_job_get_dev_eui (old), "Door sensor");

  onb_test_assert_ok (onb_test_sim_set_network_down (sim, FALSE, &error), error);
  f->engine = prov_station_engine (f->station);
  g_assert_true (prov_wait_jobs (f->engine, NULL, 0, 60));
  jobs = onb_engine_get_jobs (f->engine);
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 2);
  state = onb_test_sim_expect_state (sim);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(OnbJob) job = g_list_model_get_item (jobs, i);

      if (onb_job_get_state (job) != ONB_JOB_STATE_DONE)
        g_error ("%s: %s (%s)", onb_job_get_dev_eui (job), onb_job_get_message (job), onb_job_get_reason (job));
      g_assert_cmpstr (onb_job_get_model_name (job), ==, "Door sensor");
      assert_model (state, job, ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C, "MAC_V1_0_4", TRUE);
    }
}

static void
assert_nothing_made (void)
{
  g_autoptr(json_object) state = onb_test_sim_expect_state (sim);

  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 0);
  g_assert_cmpuint (prov_sim_tts_total (state, "is"), ==, 0);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, 0);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.create"), ==, 0);
}

/* The Device Repository's answer, asked at the engine's start, already
 * refuses the box: refused at the scan with words and its reason; no job,
 * nothing made in either cloud. */
static void
assert_refused_at_scan (Fixture    *f,
                        const char *profile_id,
                        const char *reason,
                        const char *words)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = g_strdup_printf ("LW:D0:70B3D57ED0000010:0018B20000000D05:%s", profile_id);
  g_autoptr(OnbJob) job = onb_engine_submit_payload (f->engine, code, -1, "test", &error);

  g_assert_nonnull (error);
  g_assert_null (job);
  g_assert_cmpstr (onb_error_get_reason (error), ==, reason);
  if (strstr (error->message, words) == NULL)
    g_error ("“%s” does not say “%s”", error->message, words);
  g_assert_cmpuint (g_list_model_get_n_items (onb_engine_get_jobs (f->engine)), ==, 0);
  assert_nothing_made ();
}

static void
test_other_band (Fixture       *f,
                 gconstpointer  data)
{
  assert_refused_at_scan (f, ONB_TEST_SIM_PROFILE_ID_US915, "model-wrong-band", "US915");
}

static void
test_unknown_profile (Fixture       *f,
                      gconstpointer  data)
{
  assert_refused_at_scan (f, ONB_TEST_SIM_PROFILE_ID_UNKNOWN, "model-unknown",
                          "Mystery box (Profile ID 000A0001) is not in");
}

/* The repository's answer is not known yet when the box is scanned: its
 * run asks, and fails with the same words before anything is sent. */
static void
test_other_band_not_known (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(OnbJob) job = submit (f, 5, ONB_TEST_SIM_PROFILE_ID_US915);

  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  if (onb_job_get_state (job) != ONB_JOB_STATE_FAILED)
    g_error ("%s: %s (%s)", onb_job_state_to_string (onb_job_get_state (job)), onb_job_get_message (job),
             onb_job_get_reason (job));
  g_assert_cmpstr (onb_job_get_reason (job), ==, "model-wrong-band");
  if (strstr (onb_job_get_message (job), "US915") == NULL)
    g_error ("“%s” does not say “US915”", onb_job_get_message (job));
  assert_nothing_made ();
}

/* A Profile ID the station does not take is refused at the scan. */
static void
test_not_accepted (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = onb_engine_submit_payload (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000D06:000AFFFE",
                                                     -1, "test", &error);

  g_assert_null (job);
  g_assert_nonnull (error);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "profile-mismatch");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  sim = onb_test_sim_start (NULL, &error);
  onb_test_assert_ok (sim != NULL, error);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine-models/two-models", test_two_models);
  ADD ("/engine-models/other-band", test_other_band);
  ADD ("/engine-models/unknown-profile", test_unknown_profile);
  ADD ("/engine-models/not-accepted", test_not_accepted);
  ADD ("/engine-models/resume", test_resume);
#undef ADD
  g_test_add ("/engine-models/other-band-not-known", Fixture, NULL, fixture_set_up_cold, test_other_band_not_known,
              fixture_tear_down);
  g_test_add ("/engine-models/mixed-pallet", Fixture, pallet_settings, fixture_set_up, test_mixed_pallet,
              fixture_tear_down);
  g_test_add ("/engine-models/pallet-no-profile", Fixture, pallet_settings, fixture_set_up, test_pallet_no_profile,
              fixture_tear_down);

  status = g_test_run ();
  onb_test_sim_stop (sim);
  return status;
}
