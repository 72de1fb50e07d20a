/* test-engine.c: the job engine against the simulator */

#include "config.h"

#include <string.h>

#include "cloud-test.h"
#include "onb-blynk-client.h"
#include "onb-cloud-error.h"
#include "onb-error.h"
#include "onb-http-client.h"
#include "onb-job-private.h"
#include "onb-journal.h"
#include "onb-tts-client.h"
#include "prov-test.h"

static OnbTestSim *sim;

typedef struct
{
  ProvStation *station;
  OnbEngine *engine;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = prov_sample_csv ();

  onb_test_assert_ok (onb_test_sim_reset (sim, &error), error);
  f->station = prov_station_new (sim, csv, data);
  f->engine = prov_station_engine (f->station);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* Jobs still in flight would run on into the next test. */
  g_assert_true (prov_wait_jobs (f->engine, NULL, 0, 60));
  g_clear_object (&f->engine);
  g_clear_pointer (&f->station, prov_station_free);
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
wait_done (OnbEngine *engine,
           OnbJob    *job)
{
  g_assert_true (prov_wait_jobs (engine, &job, 1, 60));
  if (onb_job_get_state (job) != ONB_JOB_STATE_DONE)
    g_error ("job %s ended %s: %s (%s)", onb_job_get_dev_eui (job), onb_job_state_to_string (onb_job_get_state (job)),
             onb_job_get_message (job), onb_job_get_reason (job));
}

static void
assert_created_once (json_object *state,
                     const char  *dev_eui,
                     const char  *name)
{
  g_autofree char *lower = g_ascii_strdown (dev_eui, -1);
  g_autofree char *device_id = g_strconcat ("eui-", lower, NULL);
  const char *components[] = { "is", "js", "ns", "as" };

  g_assert_cmpuint (prov_sim_blynk_count (state, name), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (components); i++)
    g_assert_nonnull (prov_sim_tts_record (state, components[i], ONB_TEST_SIM_TTS_APP_ID, device_id));
}

static void
test_happy_path (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(OnbJob) job = submit (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000101:000AF8BE:S2611A0001:C0B8C");
  g_autoptr(json_object) state = NULL;
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(OnbJob) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *path = NULL;
  json_object *record, *device;

  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_QUEUED);
  wait_done (f->engine, job);
  for (guint s = 0; s < ONB_JOB_STEP_TTS_DELETE_OLD; s++)
    g_assert_cmpint (onb_job_get_step_state (job, s), ==, ONB_STEP_STATE_DONE);
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_DELETE_OLD), ==, ONB_STEP_STATE_SKIPPED);
  g_assert_cmpstr (onb_job_get_tts_device_id (job), ==, "eui-0018b20000000101");
  g_assert_cmpint (onb_job_get_blynk_device_id (job), >, 0);
  g_assert_cmpuint (onb_engine_get_n_done (f->engine), ==, 1);
  g_assert_cmpuint (onb_engine_get_n_unfinished (f->engine), ==, 0);

  state = onb_test_sim_expect_state (sim);
  record = prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000101");
  g_assert_nonnull (record);
  g_assert_cmpstr (prov_json_path (record, "ids.dev_eui"), ==, "0018B20000000101");
  g_assert_cmpstr (prov_json_path (record, "ids.join_eui"), ==, "70B3D57ED0000010");
  record = prov_sim_tts_record (state, "js", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000101");
  g_assert_cmpstr (prov_json_path (record, "root_keys.app_key.key"), ==, "FE129A793DB74CCBB6F273BC8B81D905");
  record = prov_sim_tts_record (state, "ns", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000101");
  g_assert_cmpstr (prov_json_path (record, "frequency_plan_id"), ==, "EU_863_870_TTN");
  g_assert_cmpstr (prov_json_path (record, "lorawan_version"), ==, "MAC_V1_0_3");
  g_assert_cmpstr (prov_json_path (record, "lorawan_phy_version"), ==, "PHY_V1_0_3_REV_A");
  g_assert_cmpstr (prov_json_path (record, "supports_join"), ==, "true");
  g_assert_true (g_strcmp0 (prov_json_path (record, "supports_class_b"), "true") != 0);
  g_assert_true (g_strcmp0 (prov_json_path (record, "supports_class_c"), "true") != 0);
  g_assert_nonnull (prov_sim_tts_record (state, "as", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000101"));

  device = prov_sim_blynk_device (state, "Soil sensor 01");
  g_assert_nonnull (device);
  g_assert_cmpint (json_object_get_int64 (json_object_object_get (device, "id")), ==, onb_job_get_blynk_device_id (job));
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "Device EUI"), ==, "0018B20000000101");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "Join EUI"), ==, "70B3D57ED0000010");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "Application Key"), ==, "FE129A793DB74CCBB6F273BC8B81D905");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "TheThingsNetwork Device"), ==, "eui-0018b20000000101");
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 1);

  /* The journal agrees, and holds no key. */
  {
    g_autoptr(OnbConfig) config = prov_station_load_config (f->station);

    data_dir = onb_config_get_data_dir (config);
  }
  path = onb_journal_default_path (data_dir);
  journal = onb_journal_open (path, &error);
  g_assert_no_error (error);
  stored = onb_journal_get_job (journal, onb_job_get_id (job), &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_job_get_state (stored), ==, ONB_JOB_STATE_DONE);
  g_assert_cmpint (onb_job_get_blynk_device_id (stored), ==, onb_job_get_blynk_device_id (job));
  {
    g_autofree char *db = NULL;
    gsize length = 0;

    g_assert_true (g_file_get_contents (path, &db, &length, NULL));
    g_assert_null (g_strstr_len (db, length, "FE129A793DB74CCBB6F273BC8B81D905"));
  }
}

/* Verify compares the servers' answers to this process's own steps; a
 * step it did not do (here IS, adopted from another station) is read back. */
static void
test_verify_from_answers (Fixture       *f,
                          gconstpointer  data)
{
  const char *code = "LW:D0:70B3D57ED0000010:0018B20000000101:000AF8BE:S2611A0001:C0B8C";
  g_autoptr(OnbJob) job = submit (f->engine, code);
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(ProvStation) other = NULL;
  g_autoptr(OnbEngine) other_engine = NULL;
  g_autoptr(OnbJob) other_job = NULL;
  g_autoptr(json_object) state = NULL;
  const char *reads[] = { "tts.is.get", "tts.js.get", "tts.ns.get", "tts.as.get" };

  wait_done (f->engine, job);
  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    g_assert_cmpint (onb_test_sim_get_count (sim, reads[i]), ==, 0);
  /* Blynk's metafield writes answer 204 without a body: read back. */
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_get"), ==, 1);
  /* The race check, sent alongside the metafields. */
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.search"), ==, 1);

  other = prov_station_new (sim, csv, NULL);
  other_engine = prov_station_engine (other);
  other_job = submit (other_engine, code);
  wait_done (other_engine, other_job);
  /* The 409's look, then verify's read-back; JS/NS/AS answered. */
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.get"), ==, 2);
  for (guint i = 1; i < G_N_ELEMENTS (reads); i++)
    g_assert_cmpint (onb_test_sim_get_count (sim, reads[i]), ==, 0);
  g_assert_cmpint (onb_job_get_blynk_device_id (other_job), ==, onb_job_get_blynk_device_id (job));

  state = onb_test_sim_expect_state (sim);
  assert_created_once (state, "0018B20000000101", "Soil sensor 01");
  g_assert_true (prov_wait_jobs (other_engine, NULL, 0, 60));
}

static void
test_same_box_twice (Fixture       *f,
                     gconstpointer  data)
{
  const char *code = "LW:D0:70B3D57ED0000010:0018B20000000102:000AF8BE:S2611A0002:C39FF";
  g_autoptr(OnbJob) first = submit (f->engine, code);
  g_autoptr(OnbJob) second = submit (f->engine, code);
  g_autoptr(OnbJob) third = NULL;
  g_autoptr(OnbJob) after_restart = NULL;
  g_autoptr(json_object) state = NULL;

  g_assert_true (first == second);
  wait_done (f->engine, first);
  third = submit (f->engine, "0018B20000000102");
  g_assert_true (third == first);
  g_assert_true (onb_job_get_already_done (third));

  /* Another session of the same station: the journal knows the box. */
  g_clear_object (&f->engine);
  f->engine = prov_station_engine (f->station);
  after_restart = submit (f->engine, code);
  g_assert_true (prov_wait_jobs (f->engine, &after_restart, 1, 30));
  g_assert_cmpint (onb_job_get_state (after_restart), ==, ONB_JOB_STATE_DONE);
  g_assert_true (onb_job_get_already_done (after_restart));
  g_assert_cmpint (onb_job_get_id (after_restart), ==, onb_job_get_id (first));

  state = onb_test_sim_expect_state (sim);
  assert_created_once (state, "0018B20000000102", "Soil sensor 02");
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, 1);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.create"), ==, 1);
}

static void
test_token_and_tr005 (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(OnbJob) by_token = submit (f->engine, "sqr_GFshG0g3fh85hW0xUxPPCRsxu176w33v");
  g_autoptr(OnbJob) by_tr005 = submit (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000109:000AF8BE");
  g_autoptr(json_object) state = NULL;
  json_object *device;

  g_assert_true (by_token == by_tr005);
  wait_done (f->engine, by_token);
  g_assert_cmpstr (onb_job_get_code_kind (by_token), ==, "blynk-static-token");

  state = onb_test_sim_expect_state (sim);
  /* The claimed device was renamed after the list, so it is found again. */
  assert_created_once (state, "0018B20000000109", "Soil sensor 09");
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 1);
  device = prov_sim_blynk_device (state, "Soil sensor 09");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "TheThingsNetwork Device"), ==, "eui-0018b20000000109");
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.claim"), ==, 1);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, 0);
}

/* Blynk's access tokens live 300 s (shortened here to 2 s): a shift that
 * outlasts several of them renews its token and fails no job. */
static void
test_token_refresh_over_shift (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (onb_test_sim_set_settings (sim, "{\"blynk\": {\"token_lifetime_s\": 2}}", &error), error);
  /* The fixture's engine got a 300 s token when it started: a new one. */
  g_clear_object (&f->engine);
  f->engine = prov_station_engine (f->station);
  for (guint i = 1; i <= 6; i++)
    {
      g_autofree char *code = g_strdup_printf ("LW:D0:70B3D57ED0000010:0018B2000000010%u:000AF8BE", i);
      g_autoptr(OnbJob) job = submit (f->engine, code);

      wait_done (f->engine, job);
      g_assert_cmpuint (onb_job_get_attempts (job), ==, 1);
      /* Idle between boxes, as on the floor: the token ages meanwhile. */
      g_usleep (800 * G_TIME_SPAN_MILLISECOND);
    }
  /* About 6 s of shift with 2 s tokens: at least three logins. */
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.token"), >=, 3);
  onb_test_assert_ok (onb_test_sim_set_settings (sim, "{\"blynk\": {\"token_lifetime_s\": 300}}", &error), error);
}

/* ---- static tokens claimed exactly once -------------------------------------------- */

#define TOKEN_09 "sqr_GFshG0g3fh85hW0xUxPPCRsxu176w33v"
/* "Night shift", the simulator's second user of the organisation. */
#define OTHER_USER_ID 12346

static gboolean
token_claimed (gconstpointer token)
{
  g_autoptr(json_object) state = onb_test_sim_expect_state (sim);
  json_object *entry = NULL;

  if (!json_object_object_get_ex (state, "blynk", &entry) ||
      !json_object_object_get_ex (entry, "static_tokens", &entry) ||
      !json_object_object_get_ex (entry, token, &entry) ||
      !json_object_object_get_ex (entry, "device_id", &entry))
    return FALSE;
  return json_object_get_int64 (entry) > 0;
}

static void
assert_token_device_once (json_object *state)
{
  assert_created_once (state, "0018B20000000109", "Soil sensor 09");
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 1);
  g_assert_cmpstr (prov_sim_blynk_metafield (prov_sim_blynk_device (state, "Soil sensor 09"), "Device EUI"), ==,
                   "0018B20000000109");
}

/* Power lost between the claim and its journal entry: Blynk made the
 * device, the station never heard. On resume the token list shows it
 * claimed for our owner, and the device is adopted, not claimed again. */
static void
test_token_claim_lost (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) abandon = g_cancellable_new ();
  g_autoptr(json_object) state = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  OnbJob *job;

  g_assert_true (onb_test_sim_set_faults (sim, "{\"endpoints\":{\"blynk.claim\":{\"answer_delay_ms\":1500}}}", &error));
  job = submit (f->engine, TOKEN_09);
  g_assert_true (prov_wait_until (token_claimed, TOKEN_09, 30));
  onb_engine_shutdown_async (f->engine, abandon, prov_store_result, &stopped);
  g_cancellable_cancel (abandon);
  /* Abandoned requests may make it report the cancellation: not checked. */
  onb_engine_shutdown_finish (f->engine, prov_wait_result (&stopped), NULL);
  g_clear_object (&stopped);
  g_object_unref (job);
  g_clear_object (&f->engine);

  g_assert_true (onb_test_sim_set_faults (sim, "{}", &error));
  f->engine = prov_station_engine (f->station);
  g_assert_true (prov_wait_jobs (f->engine, NULL, 0, 60));
  g_assert_cmpuint (onb_engine_get_n_done (f->engine), ==, 1);
  g_assert_cmpuint (onb_engine_get_n_failed (f->engine), ==, 0);

  state = onb_test_sim_expect_state (sim);
  assert_token_device_once (state);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.claim"), ==, 1);
}

/* Two stations claim the same token at once: Blynk refuses the second
 * claim, and that station adopts the winner's device. */
static void
test_token_two_stations (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = prov_sample_csv ();
  g_autoptr(ProvStation) other = prov_station_new (sim, csv, NULL);
  g_autoptr(OnbEngine) other_engine = prov_station_engine (other);
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(OnbJob) other_job = NULL;
  g_autoptr(json_object) state = NULL;

  /* Both claims are in Blynk before either answer is back. */
  g_assert_true (onb_test_sim_set_faults (sim, "{\"endpoints\":{\"blynk.claim\":{\"latency_ms\":200}}}", &error));
  job = submit (f->engine, TOKEN_09);
  other_job = submit (other_engine, TOKEN_09);
  wait_done (f->engine, job);
  wait_done (other_engine, other_job);
  g_assert_cmpint (onb_job_get_blynk_device_id (job), ==, onb_job_get_blynk_device_id (other_job));
  /* Exactly one of them made it: only that one would ever remove it. */
  g_assert_true (onb_job_get_step_owned (job, ONB_JOB_STEP_BLYNK_DEVICE) !=
                 onb_job_get_step_owned (other_job, ONB_JOB_STEP_BLYNK_DEVICE));

  state = onb_test_sim_expect_state (sim);
  assert_token_device_once (state);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.claim"), ==, 2);
  g_assert_true (prov_wait_jobs (other_engine, NULL, 0, 60));
}

static gboolean
id_set (gconstpointer id)
{
  return *(const gint64 *) id > 0;
}

static void
claimed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = onb_blynk_client_claim_static_token_finish (ONB_BLYNK_CLIENT (object), result,
                                                                                &error);

  g_assert_no_error (error);
  *(gint64 *) user_data = onb_blynk_device_get_id (device);
}

/* The token was claimed by another user of the organisation: a permanent
 * failure naming that device and owner; nothing of ours stays in either
 * cloud and the other user's device is untouched. */
static void
test_token_other_owner (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = prov_station_load_config (f->station);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
  g_autoptr(OnbBlynkClient) blynk = onb_blynk_client_new (http, config, &error);
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;
  g_autofree char *device_words = NULL;
  gint64 theirs = 0;

  g_assert_no_error (error);
  onb_blynk_client_claim_static_token_async (blynk, TOKEN_09, OTHER_USER_ID, NULL, claimed_cb,
                                             &theirs);
  g_assert_true (prov_wait_until (id_set, &theirs, 30));

  job = submit (f->engine, TOKEN_09);
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpstr (onb_job_get_reason (job), ==, "token-claimed-elsewhere");
  device_words = g_strdup_printf ("device %" G_GINT64_FORMAT " ", theirs);
  g_assert_nonnull (strstr (onb_job_get_message (job), device_words));
  g_assert_nonnull (strstr (onb_job_get_message (job), G_STRINGIFY (OTHER_USER_ID)));
  g_assert_null (strstr (onb_job_get_message (job), TOKEN_09));

  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 1);
  g_assert_cmpuint (prov_sim_tts_total (state, "is"), ==, 0);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, 0);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.metafield_set"), ==, 0);
}

/* ---- namesakes that are not ours ----------------------------------------------------- */

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = onb_blynk_client_create_device_finish (ONB_BLYNK_CLIENT (object), result,
                                                                           &error);

  g_assert_no_error (error);
  *(gint64 *) user_data = onb_blynk_device_get_id (device);
}

static json_object *
sim_blynk_device_by_id (json_object *state,
                        gint64       id)
{
  json_object *blynk, *devices;

  g_assert_true (json_object_object_get_ex (state, "blynk", &blynk));
  g_assert_true (json_object_object_get_ex (blynk, "devices", &devices));
  for (size_t i = 0; i < json_object_array_length (devices); i++)
    {
      json_object *device = json_object_array_get_idx (devices, i);
      json_object *device_id;

      if (json_object_object_get_ex (device, "id", &device_id) && json_object_get_int64 (device_id) == id)
        return device;
    }
  return NULL;
}

/* Devices named like ours, made by hand: one by another user with our
 * template, one by our user with another template. Blynk allows equal
 * names, so neither is adopted (nor given our keys), not even by a retried
 * create that looks first; our own device is made beside them. */
static void
test_namesakes_of_others (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = prov_station_load_config (f->station);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
  g_autoptr(OnbBlynkClient) blynk = onb_blynk_client_new (http, config, &error);
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;
  gint64 strangers[2] = { 0, 0 };
  json_object *ours;

  g_assert_no_error (error);
  onb_blynk_client_create_device_async (blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, "Soil sensor 01", OTHER_USER_ID, NULL,
                                        created_cb, &strangers[0]);
  onb_blynk_client_create_device_async (blynk, "TMPLs3cNdT2pQ", "Soil sensor 01", ONB_TEST_SIM_BLYNK_OWNER_ID, NULL,
                                        created_cb, &strangers[1]);
  g_assert_true (prov_wait_until (id_set, &strangers[0], 30));
  g_assert_true (prov_wait_until (id_set, &strangers[1], 30));

  /* The first create fails, so the second attempt searches first. */
  g_assert_true (onb_test_sim_set_faults (sim, "{\"endpoints\":{\"*\":{\"retry_after_s\":0}},"
                                               "\"script\":{\"blynk.device_create\":[\"503\"]}}", &error));
  onb_engine_set_retry_delays (f->engine, 10, 10);
  job = submit (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000101:000AF8BE:S2611A0001:C0B8C");
  wait_done (f->engine, job);
  g_assert_cmpint (onb_job_get_blynk_device_id (job), !=, strangers[0]);
  g_assert_cmpint (onb_job_get_blynk_device_id (job), !=, strangers[1]);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.search"), >=, 2);

  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_blynk_count (state, "Soil sensor 01"), ==, 3);
  ours = sim_blynk_device_by_id (state, onb_job_get_blynk_device_id (job));
  g_assert_cmpstr (prov_sim_blynk_metafield (ours, "Application Key"), ==, "FE129A793DB74CCBB6F273BC8B81D905");
  for (guint i = 0; i < G_N_ELEMENTS (strangers); i++)
    {
      json_object *stranger = sim_blynk_device_by_id (state, strangers[i]);
      const char *fields[] = { "Device EUI", "Join EUI", "Application Key", "TheThingsNetwork Device" };

      g_assert_nonnull (stranger);
      for (guint k = 0; k < G_N_ELEMENTS (fields); k++)
        {
          const char *value = prov_sim_blynk_metafield (stranger, fields[k]);

          g_assert_true (value == NULL || *value == '\0');
        }
    }
}

static void
test_rejections (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;

  job = onb_engine_submit_payload (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000199:000AF8BE", -1, "test", &error);
  g_assert_null (job);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_DEVICE);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "unknown-device");
  g_clear_error (&error);

  job = onb_engine_submit_payload (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000106:000A0001:S2611B0001:C9049", -1,
                                   "test", &error);
  g_assert_null (job);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "profile-mismatch");
  g_clear_error (&error);

  /* A bare DevEUI carries no profile: the list's row is checked instead. */
  job = onb_engine_submit_payload (f->engine, "0018B20000000106", -1, "test", &error);
  g_assert_no_error (error);
  g_assert_nonnull (job);
  g_clear_object (&job);

  job = onb_engine_submit_payload (f->engine, "https://example.com/product/42", -1, "test", &error);
  g_assert_null (job);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "not-a-device-label");
  g_clear_error (&error);

  g_assert_true (g_list_model_get_n_items (onb_engine_get_jobs (f->engine)) == 1);
}

static void
test_euis_taken_rolls_back_blynk (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) other = prov_station_load_config (f->station);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (other);
  g_autoptr(OnbTtsClient) tts = NULL;
  g_autoptr(OnbTtsDevice) device = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;

  /* Another team's application already holds these EUIs. */
  onb_config_set_string (other, "tts", "application_id", ONB_TEST_SIM_TTS_OTHER_APP_ID);
  onb_config_set_string (other, "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY_OTHER_APP);
  tts = onb_tts_client_new (http, other, &error);
  g_assert_no_error (error);
  device = onb_tts_device_new ("0018B20000000104", "70B3D57ED0000010", "111E01485652FE8A810B90EB9283BCF5", NULL,
                               &error);
  onb_test_assert_ok (cloud_test_tts_create_device (tts, device, &error), error);

  /* IS answers late, so the Blynk device exists when TTS says no. */
  g_assert_true (onb_test_sim_set_faults (sim, "{\"endpoints\":{\"tts.is.create\":{\"latency_ms\":300}}}", &error));
  job = submit (f->engine, "URN:LW:DP:70B3D57ED0000010:0018B20000000104:000AF8BE:%S2611A0004");
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpstr (onb_job_get_reason (job), ==, "euis-taken");
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_IS), ==, ONB_STEP_STATE_FAILED);
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_DEVICE), ==, ONB_STEP_STATE_ROLLED_BACK);
  g_assert_cmpuint (onb_engine_get_n_failed (f->engine), ==, 1);

  state = onb_test_sim_expect_state (sim);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, 1);
  g_assert_cmpuint (prov_sim_blynk_count (state, "Soil sensor 04"), ==, 0);
  /* The other application's device is untouched. */
  g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_OTHER_APP_ID, "eui-0018b20000000104"));
  g_assert_null (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000104"));
}

static const char * const gateway_template[] = { "blynk.template_id=TMPLs3cNdT2pQ", NULL };

static void
test_blynk_failure_rolls_back_tts (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(OnbJob) job = submit (f->engine, "0018B20000000105");
  g_autoptr(json_object) state = NULL;
  const char *components[] = { "is", "js", "ns", "as" };

  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_METAFIELDS), ==, ONB_STEP_STATE_FAILED);
  g_assert_nonnull (onb_job_get_message (job));

  state = onb_test_sim_expect_state (sim);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.create"), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (components); i++)
    g_assert_cmpuint (prov_sim_tts_total (state, components[i]), ==, 0);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 0);
}

typedef struct
{
  OnbJob **jobs;
  guint n_jobs;
} JobList;

static gboolean
all_waiting (gconstpointer data)
{
  const JobList *list = data;

  for (guint i = 0; i < list->n_jobs; i++)
    if (onb_job_get_state (list->jobs[i]) != ONB_JOB_STATE_WAITING)
      return FALSE;
  return TRUE;
}

static void
test_network_down_then_back (Fixture       *f,
                             gconstpointer  data)
{
  const char *codes[] = { "0018B20000000101", "0018B20000000102", "0018B20000000103",
                          "sqr_rpFKkvsRUSg1iWHxsy3z7pCI4OplmAAJ" };
  const char *names[] = { "Soil sensor 01", "Soil sensor 02", "Soil sensor 03", "Soil sensor 11" };
  OnbJob *jobs[G_N_ELEMENTS (codes)];
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) state = NULL;

  g_assert_true (onb_test_sim_set_network_down (sim, TRUE, &error));
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    jobs[i] = submit (f->engine, codes[i]);

  /* Scans are accepted and wait in the queue. */
  g_assert_true (prov_wait_until (all_waiting, &(JobList) { jobs, G_N_ELEMENTS (codes) }, 30));
  g_assert_cmpuint (onb_engine_get_n_unfinished (f->engine), ==, G_N_ELEMENTS (codes));
  g_assert_cmpstr (onb_job_get_reason (jobs[0]), ==, "connection-refused");
  g_assert_nonnull (onb_job_get_next_attempt (jobs[0]));

  g_assert_true (onb_test_sim_set_network_down (sim, FALSE, &error));
  g_assert_true (prov_wait_jobs (f->engine, jobs, G_N_ELEMENTS (codes), 60));
  state = onb_test_sim_expect_state (sim);
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_assert_cmpint (onb_job_get_state (jobs[i]), ==, ONB_JOB_STATE_DONE);
      g_assert_cmpuint (onb_job_get_attempts (jobs[i]), >=, 2);
      assert_created_once (state, onb_job_get_dev_eui (jobs[i]), names[i]);
      g_object_unref (jobs[i]);
    }
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, G_N_ELEMENTS (codes));
  g_assert_cmpuint (onb_engine_get_n_done (f->engine), ==, G_N_ELEMENTS (codes));
}

static void
test_transient_faults (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) state = NULL;
  OnbJob *jobs[8];

  /* Every request may fail once in a while, answered or not: a create
   * that reached the server before its connection dropped is adopted. */
  g_assert_true (onb_test_sim_set_faults (sim, "{\"seed\":5,\"endpoints\":{\"*\":{\"p_503\":0.15,\"p_drop\":0.1,"
                                               "\"p_429\":0.05,\"retry_after_s\":0}}}", &error));
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_autofree char *eui = g_strdup_printf ("0018B2000000010%X", i + 1);

      jobs[i] = submit (f->engine, eui);
    }
  g_assert_true (prov_wait_jobs (f->engine, jobs, G_N_ELEMENTS (jobs), 120));
  g_assert_true (onb_test_sim_set_faults (sim, "{}", &error));
  state = onb_test_sim_expect_state (sim);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_autofree char *name = g_strdup_printf ("Soil sensor %02u", i + 1);

      g_assert_cmpint (onb_job_get_state (jobs[i]), ==, ONB_JOB_STATE_DONE);
      assert_created_once (state, onb_job_get_dev_eui (jobs[i]), name);
      g_object_unref (jobs[i]);
    }
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, G_N_ELEMENTS (jobs));
}

/* The old device's delete is optional: a key that may not delete (403)
 * leaves it, with words, and the replace is done all the same. */
static void
test_replace_delete_forbidden (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) old_job = submit (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000103:000AF8BE");
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;

  wait_done (f->engine, old_job);
  onb_test_assert_ok (onb_test_sim_set_faults (sim, "{\"script\":{\"tts.is.delete\":[\"403\"]}}", &error), error);
  job = onb_engine_submit_replace (f->engine, "0018B20000000103", -1, "0018B20000000108", -1, TRUE, "test", &error);
  g_assert_no_error (error);
  wait_done (f->engine, job);
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_DELETE_OLD), ==, ONB_STEP_STATE_SKIPPED);
  g_assert_cmpstr (onb_job_get_step_reason (job, ONB_JOB_STEP_TTS_DELETE_OLD), ==, "old-not-deleted");
  g_assert_nonnull (strstr (onb_job_get_step_message (job, ONB_JOB_STEP_TTS_DELETE_OLD), "may not delete"));

  state = onb_test_sim_expect_state (sim);
  g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000103"));
  g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000108"));
}

static void
test_replace (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) old_job = submit (f->engine, "LW:D0:70B3D57ED0000010:0018B20000000103:000AF8BE");
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;
  json_object *device;

  wait_done (f->engine, old_job);

  job = onb_engine_submit_replace (f->engine, "0018B20000000103", -1, "0018B20000000103", -1, TRUE, "test", &error);
  g_assert_error (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_SAME_DEVICE);
  g_clear_error (&error);
  job = onb_engine_submit_replace (f->engine, "0018B20000000107", -1, "0018B20000000108", -1, TRUE, "test", &error);
  g_assert_error (error, ONB_ENGINE_ERROR, ONB_ENGINE_ERROR_OLD_NOT_PROVISIONED);
  g_clear_error (&error);

  job = onb_engine_submit_replace (f->engine, "URN:DEV:LW:70B3D57ED0000010_0018B20000000103_000AF8BE_S2611A0003", -1,
                                   "0018B20000000108", -1, TRUE, "test", &error);
  g_assert_no_error (error);
  wait_done (f->engine, job);
  g_assert_cmpint (onb_job_get_kind (job), ==, ONB_JOB_KIND_REPLACE);
  g_assert_cmpstr (onb_job_get_old_dev_eui (job), ==, "0018B20000000103");
  g_assert_cmpint (onb_job_get_blynk_device_id (job), ==, onb_job_get_blynk_device_id (old_job));
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_DELETE_OLD), ==, ONB_STEP_STATE_DONE);

  state = onb_test_sim_expect_state (sim);
  /* The old Blynk device (its history) now points at the new hardware. */
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 1);
  device = prov_sim_blynk_device (state, "Soil sensor 03");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "Device EUI"), ==, "0018B20000000108");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "Application Key"), ==, "568D9D691AC2B139FFB3C051668F5223");
  g_assert_cmpstr (prov_sim_blynk_metafield (device, "TheThingsNetwork Device"), ==, "eui-0018b20000000108");
  g_assert_nonnull (prov_sim_tts_record (state, "js", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000108"));
  g_assert_null (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000103"));
  g_assert_null (prov_sim_tts_record (state, "js", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000103"));
}

static void
history_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GListModel **model = user_data;
  g_autoptr(GError) error = NULL;

  *model = onb_engine_search_history_finish (ONB_ENGINE (object), result, &error);
  g_assert_no_error (error);
}

static void
export_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (onb_engine_export_csv_finish (ONB_ENGINE (object), result, &error), error);
  *(gboolean *) user_data = TRUE;
}

static void
test_history_and_export (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(OnbJob) a = submit (f->engine, "0018B20000000101");
  g_autoptr(OnbJob) b = submit (f->engine, "0018B20000000102");
  OnbJob *both[] = { a, b };
  GListModel *found = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = g_build_filename (f->station->dir, "export.csv", NULL);
  g_autofree char *csv = NULL;
  gboolean exported = FALSE;

  g_assert_true (prov_wait_jobs (f->engine, both, 2, 60));
  onb_engine_search_history_async (f->engine, "sensor 02", -1, 10, NULL, history_cb, &found);
  g_assert_true (prov_wait_until (prov_pointer_set, &found, 30));
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
  {
    g_autoptr(OnbJob) hit = g_list_model_get_item (found, 0);

    g_assert_cmpstr (onb_job_get_dev_eui (hit), ==, "0018B20000000102");
  }
  g_clear_object (&found);
  onb_engine_search_history_async (f->engine, NULL, ONB_JOB_STATE_FAILED, 0, NULL, history_cb, &found);
  g_assert_true (prov_wait_until (prov_pointer_set, &found, 30));
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 0);
  g_clear_object (&found);

  file = g_file_new_for_path (path);
  onb_engine_export_csv_async (f->engine, file, NULL, export_cb, &exported);
  g_assert_true (prov_wait_until (prov_flag_set, &exported, 30));
  g_assert_true (g_file_get_contents (path, &csv, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv, "id,kind,dev_eui,"));
  g_assert_nonnull (strstr (csv, "0018B20000000101,70B3D57ED0000010,Soil sensor 01"));
  g_assert_nonnull (strstr (csv, ",done,"));
  g_assert_null (strstr (csv, "FE129A793DB74CCBB6F273BC8B81D905"));
}

static const char * const lorawan_1_1[] = { "tts.lorawan_version=MAC_V1_1", "tts.phy_version=PHY_V1_1_REV_B", NULL };

/* LoRaWAN 1.1: the list's Network Key reaches the Join Server; a row
 * without one is refused before anything is sent. Both rows lose their
 * Profile ID: the station's [tts] versions are theirs (a Profile ID
 * would take the Device Repository's, known from the engine's start). */
static void
test_lorawan_1_1 (Fixture       *f,
                  gconstpointer  data)
{
  const char *csv =
    "Device EUI,Join EUI,Application Key,NwkKey\n"
    "0018B20000000101,70B3D57ED0000010,FE129A793DB74CCBB6F273BC8B81D905,0a1b2c3d4e5f60718293a4b5c6d7e8f9\n"
    "0018B20000000102,70B3D57ED0000010,EA5446AEACED2D0F4162D8F3FDAC3898,\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(OnbJob) refused = NULL;
  g_autoptr(json_object) state = NULL;
  json_object *record;

  onb_test_assert_ok (onb_registry_import_data (onb_engine_get_registry (f->engine), csv, strlen (csv),
                                                ONB_REGISTRY_IMPORT_REPLACE, NULL, &error), error);

  refused = onb_engine_submit_payload (f->engine, "0018B20000000102", -1, "test", &error);
  g_assert_null (refused);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_MISSING_NWK_KEY);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "missing-network-key");
  g_assert_nonnull (strstr (error->message, "Network Key"));
  g_clear_error (&error);

  job = submit (f->engine, "0018B20000000101");
  wait_done (f->engine, job);
  state = onb_test_sim_expect_state (sim);
  record = prov_sim_tts_record (state, "js", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000101");
  g_assert_nonnull (record);
  g_assert_cmpstr (prov_json_path (record, "root_keys.app_key.key"), ==, "FE129A793DB74CCBB6F273BC8B81D905");
  g_assert_cmpstr (prov_json_path (record, "root_keys.nwk_key.key"), ==, "0A1B2C3D4E5F60718293A4B5C6D7E8F9");
  record = prov_sim_tts_record (state, "ns", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000101");
  g_assert_cmpstr (prov_json_path (record, "lorawan_version"), ==, "MAC_V1_1");
  /* Nothing of the refused device anywhere. */
  g_assert_null (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000102"));
  g_assert_cmpuint (g_list_model_get_n_items (onb_engine_get_jobs (f->engine)), ==, 1);
}

/* ---- one runner per job ----------------------------------------------------------- */

static const char *const reload_codes[] = { "0018B20000000101", "0018B20000000102", "0018B20000000103",
                                            "0018B20000000106", "0018B20000000107", "0018B20000000108" };

static gboolean
some_waiting_some_running (gconstpointer data)
{
  const JobList *list = data;
  gboolean waiting = FALSE, running = FALSE;

  for (guint i = 0; i < list->n_jobs; i++)
    {
      waiting = waiting || onb_job_get_state (list->jobs[i]) == ONB_JOB_STATE_WAITING;
      running = running || onb_job_get_state (list->jobs[i]) == ONB_JOB_STATE_RUNNING;
    }
  return waiting && running;
}

static gboolean
engine_idle (gconstpointer engine)
{
  return !onb_engine_get_busy ((OnbEngine *) engine);
}

/* Every device once in both clouds, and no write made twice: one Blynk
 * create and one IS create per device, and no JS/NS/AS write repeated on
 * the same device (two runners of one job would each send theirs). */
static void
assert_one_runner (const char *const *dev_euis,
                   guint              n)
{
  g_autoptr(json_object) state = onb_test_sim_expect_state (sim);
  g_autoptr(GHashTable) writes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  json_object *log = json_object_object_get (state, "log");
  guint is_creates = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("Soil sensor %c%c", dev_euis[i][14], dev_euis[i][15]);

      assert_created_once (state, dev_euis[i], name);
    }
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, n);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, n);

  for (size_t i = 0; i < json_object_array_length (log); i++)
    {
      json_object *entry = json_object_array_get_idx (log, i);
      const char *endpoint = prov_json_path (entry, "endpoint");
      g_autofree char *key = NULL;

      /* A refused try (a scripted 503) is not a write. */
      if (endpoint == NULL || json_object_get_type (json_object_object_get (entry, "fault")) != json_type_null)
        continue;
      if (g_str_equal (endpoint, "tts.is.create"))
        is_creates++;
      if (!g_str_has_prefix (endpoint, "tts.") || !g_str_has_suffix (endpoint, ".set"))
        continue;
      key = g_strconcat (prov_json_path (entry, "method"), " ", prov_json_path (entry, "path"), NULL);
      if (g_hash_table_contains (writes, key))
        g_error ("%s was sent twice", key);
      g_hash_table_add (writes, g_steal_pointer (&key));
    }
  g_assert_cmpuint (is_creates, ==, n);
}

/* A settings reload while jobs run and others wait for the network: the
 * old engine stops, commits what its requests did and gives the jobs up;
 * the new one resumes them. */
static void
test_reload_one_runner (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  OnbJob *jobs[G_N_ELEMENTS (reload_codes)];

  g_assert_true (onb_test_sim_set_faults (sim, "{\"endpoints\":{\"*\":{\"latency_ms\":40,\"retry_after_s\":0}},"
                                               "\"script\":{\"tts.is.create\":[\"503\",\"503\"]}}", &error));
  onb_engine_set_max_jobs (f->engine, 3);
  onb_engine_set_retry_delays (f->engine, 300, 300);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    jobs[i] = submit (f->engine, reload_codes[i]);
  g_assert_true (prov_wait_until (some_waiting_some_running, &(JobList) { jobs, G_N_ELEMENTS (jobs) }, 30));

  /* What onb_application_reload() does. */
  onb_engine_shutdown_async (f->engine, NULL, prov_store_result, &stopped);
  onb_test_assert_ok (onb_engine_shutdown_finish (f->engine, prov_wait_result (&stopped), &error), error);
  g_clear_object (&stopped);
  g_assert_false (onb_engine_get_busy (f->engine));
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_assert_false (onb_job_get_state (jobs[i]) == ONB_JOB_STATE_RUNNING);
      g_object_unref (jobs[i]);
    }
  g_clear_object (&f->engine);
  f->engine = prov_station_engine (f->station);
  g_assert_true (prov_wait_jobs (f->engine, NULL, 0, 60));
  g_assert_cmpuint (onb_engine_get_n_done (f->engine), ==, G_N_ELEMENTS (jobs));
  assert_one_runner (reload_codes, G_N_ELEMENTS (reload_codes));
}

/* An engine that did not shut down still owns its jobs: a second engine
 * in the same process follows them instead of running them too. */
static void
test_second_engine_follows (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbEngine) second = NULL;
  OnbJob *jobs[G_N_ELEMENTS (reload_codes)];

  g_assert_true (onb_test_sim_set_faults (sim, "{\"endpoints\":{\"*\":{\"latency_ms\":40,\"retry_after_s\":0}},"
                                               "\"script\":{\"tts.is.create\":[\"503\",\"503\"]}}", &error));
  onb_engine_set_max_jobs (f->engine, 3);
  onb_engine_set_retry_delays (f->engine, 300, 300);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    jobs[i] = submit (f->engine, reload_codes[i]);
  g_assert_true (prov_wait_until (some_waiting_some_running, &(JobList) { jobs, G_N_ELEMENTS (jobs) }, 30));

  second = prov_station_engine (f->station);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_autoptr(OnbJob) again = submit (second, reload_codes[i]);

      g_object_unref (jobs[i]);
    }
  g_assert_true (prov_wait_jobs (f->engine, NULL, 0, 60));
  g_assert_true (prov_wait_until (engine_idle, second, 60));
  assert_one_runner (reload_codes, G_N_ELEMENTS (reload_codes));
}

/* ---- slots -------------------------------------------------------------------------- */

static void
count_running (OnbEngine *engine,
               OnbJob    *changed,
               guint     *max_seen)
{
  GListModel *jobs = onb_engine_get_jobs (engine);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(OnbJob) job = g_list_model_get_item (jobs, i);

      if (onb_job_get_state (job) == ONB_JOB_STATE_RUNNING)
        n++;
    }
  *max_seen = MAX (*max_seen, n);
}

/* A 1 ms backoff restarts a waiting job before its waiting state is
 * committed: still never more than max_jobs at once, and no slot lost,
 * so afterwards max_jobs slow jobs run side by side again. */
static void
test_slots_short_backoff (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  OnbJob *jobs[10];
  OnbJob *after[2];
  guint max_seen = 0;

  g_assert_true (onb_test_sim_set_faults (sim, "{\"seed\":11,\"endpoints\":{\"*\":{\"p_503\":0.4,"
                                               "\"latency_ms\":0,\"retry_after_s\":0}}}", &error));
  onb_engine_set_max_jobs (f->engine, G_N_ELEMENTS (after));
  onb_engine_set_retry_delays (f->engine, 1, 1);
  g_signal_connect (f->engine, "job-changed", G_CALLBACK (count_running), &max_seen);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_autofree char *eui = g_strdup_printf ("0018B20000%06X", 0x101 + i);

      jobs[i] = submit (f->engine, eui);
    }
  g_assert_true (prov_wait_jobs (f->engine, jobs, G_N_ELEMENTS (jobs), 60));
  g_assert_cmpuint (max_seen, >=, 1);
  g_assert_cmpuint (max_seen, <=, G_N_ELEMENTS (after));
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_assert_cmpint (onb_job_get_state (jobs[i]), ==, ONB_JOB_STATE_DONE);
      g_object_unref (jobs[i]);
    }

  /* Every slot is free again: both slow jobs are under way at once. */
  g_assert_true (onb_test_sim_set_faults (sim, "{\"endpoints\":{\"*\":{\"latency_ms\":300}}}", &error));
  max_seen = 0;
  after[0] = submit (f->engine, "0018B2000000010B");
  after[1] = submit (f->engine, "0018B2000000010C");
  g_assert_true (prov_wait_jobs (f->engine, after, G_N_ELEMENTS (after), 60));
  g_assert_cmpuint (max_seen, ==, G_N_ELEMENTS (after));
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    {
      g_assert_cmpint (onb_job_get_state (after[i]), ==, ONB_JOB_STATE_DONE);
      g_object_unref (after[i]);
    }
  g_signal_handlers_disconnect_by_data (f->engine, &max_seen);
}

/* ---- an undo that cannot finish ------------------------------------------------------ */

/* The Blynk step fails for good, and TTS refuses to delete what the job
 * made: the job says so, and a retry finishes the undo. */
static void
test_rollback_incomplete (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(OnbJob) retried = NULL;
  g_autoptr(json_object) state = NULL;
  g_autoptr(json_object) after = NULL;

  g_assert_true (onb_test_sim_set_faults (sim, "{\"script\":{\"tts.is.delete\":[\"403\"]}}", &error));
  job = submit (f->engine, "0018B20000000105");
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpstr (onb_job_get_reason (job), ==, "rollback-incomplete");
  g_assert_true (onb_job_get_rollback_incomplete (job));
  g_assert_nonnull (strstr (onb_job_get_message (job), "eui-0018b20000000105"));
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_METAFIELDS), ==, ONB_STEP_STATE_FAILED);
  /* What is left is recorded as still there. */
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_IS), ==, ONB_STEP_STATE_DONE);
  state = onb_test_sim_expect_state (sim);
  g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000105"));

  /* A retry undoes it (the Blynk step still fails, for the same reason). */
  retried = onb_engine_retry (f->engine, onb_job_get_id (job), &error);
  g_assert_no_error (error);
  g_assert_true (prov_wait_jobs (f->engine, &retried, 1, 60));
  g_assert_cmpint (onb_job_get_state (retried), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpstr (onb_job_get_reason (retried), !=, "rollback-incomplete");
  g_assert_false (onb_job_get_rollback_incomplete (retried));
  after = onb_test_sim_expect_state (sim);
  g_assert_null (prov_sim_tts_record (after, "is", ONB_TEST_SIM_TTS_APP_ID, "eui-0018b20000000105"));
  g_assert_cmpuint (prov_sim_tts_total (after, "is"), ==, 0);
  g_assert_cmpuint (prov_sim_blynk_total (after), ==, 0);
}

static void
retry_at_once (OnbJob     *job,
               GParamSpec *pspec,
               OnbEngine  *engine)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) again = NULL;

  if (onb_job_get_state (job) != ONB_JOB_STATE_FAILED)
    return;
  g_signal_handlers_disconnect_by_func (job, retry_at_once, engine);
  again = onb_engine_retry (engine, onb_job_get_id (job), &error);
  g_assert_no_error (error);
  g_assert_true (again == job);
}

/* A retry the moment a job shows failed, before that is committed: the
 * second run starts only after the first has settled. */
static void
test_retry_while_settling (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(OnbJob) job = submit (f->engine, "0018B20000000105");

  g_signal_connect (job, "notify::state", G_CALLBACK (retry_at_once), f->engine);
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  g_assert_true (prov_wait_until (engine_idle, f->engine, 60));
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_FAILED);
  /* Two runs, one after the other, each undone. */
  g_assert_cmpuint (onb_job_get_attempts (job), ==, 2);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, 2);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_delete"), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  sim = onb_test_sim_start ("{\"faults\":{\"endpoints\":{\"*\":{\"latency_ms\":2}}}}", &error);
  g_assert_no_error (error);

#define ADD(path, func, extra) g_test_add (path, Fixture, extra, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine/happy-path", test_happy_path, NULL);
  ADD ("/engine/verify-from-answers", test_verify_from_answers, NULL);
  ADD ("/engine/same-box-twice", test_same_box_twice, NULL);
  ADD ("/engine/static-token-and-tr005", test_token_and_tr005, NULL);
  ADD ("/engine/token-refresh-over-shift", test_token_refresh_over_shift, NULL);
  ADD ("/engine/token-claim-lost", test_token_claim_lost, NULL);
  ADD ("/engine/token-two-stations", test_token_two_stations, NULL);
  ADD ("/engine/token-other-owner", test_token_other_owner, NULL);
  ADD ("/engine/namesakes-of-others", test_namesakes_of_others, NULL);
  ADD ("/engine/rejections", test_rejections, NULL);
  ADD ("/engine/euis-taken-rolls-back-blynk", test_euis_taken_rolls_back_blynk, NULL);
  ADD ("/engine/blynk-failure-rolls-back-tts", test_blynk_failure_rolls_back_tts, gateway_template);
  ADD ("/engine/network-down-then-back", test_network_down_then_back, NULL);
  ADD ("/engine/transient-faults", test_transient_faults, NULL);
  ADD ("/engine/replace", test_replace, NULL);
  ADD ("/engine/replace-delete-forbidden", test_replace_delete_forbidden, NULL);
  ADD ("/engine/history-and-export", test_history_and_export, NULL);
  ADD ("/engine/lorawan-1-1", test_lorawan_1_1, lorawan_1_1);
  ADD ("/engine/reload-one-runner", test_reload_one_runner, NULL);
  ADD ("/engine/second-engine-follows", test_second_engine_follows, NULL);
  ADD ("/engine/slots-short-backoff", test_slots_short_backoff, NULL);
  ADD ("/engine/rollback-incomplete", test_rollback_incomplete, gateway_template);
  ADD ("/engine/retry-while-settling", test_retry_while_settling, gateway_template);
#undef ADD

  status = g_test_run ();
  onb_test_sim_stop (sim);
  return status;
}
