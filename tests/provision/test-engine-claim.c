/* test-engine-claim.c: boxes claimed by the owner token on their label
 * through the simulator's Device Claiming Server */

#include "config.h"

#include <string.h>

#include "onb-error.h"
#include "onb-job-private.h"
#include "onb-registry.h"
#include "prov-test.h"

static OnbTestSim *sim;

#define N_BOXES 6

typedef struct
{
  ProvStation *station;
  OnbEngine *engine;
} Fixture;

static char *
dev_eui (guint box)
{
  return g_strdup_printf ("0018B2000000C%03X", 0x100 + box);
}

/* A device list without AppKeys: claimed boxes need none. C1FF was
 * claimed by another network; D001's Join Server takes no claims. */
#define NO_CLAIMS_DEV_EUI "0018B2000000D001"
#define NO_CLAIMS_JOIN_EUI "70B3D57ED0000010"

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) csv = g_string_new ("Device EUI,Join EUI,Device Name\r\n");

  for (guint i = 1; i <= N_BOXES; i++)
    {
      g_autofree char *eui = dev_eui (i);

      g_string_append_printf (csv, "%s," ONB_TEST_SIM_CLAIM_JOIN_EUI ",Claimed box %u\r\n", eui, i);
    }
  g_string_append (csv, ONB_TEST_SIM_CLAIM_DEV_EUI_ELSEWHERE "," ONB_TEST_SIM_CLAIM_JOIN_EUI ",Elsewhere box\r\n");
  g_string_append (csv, NO_CLAIMS_DEV_EUI "," NO_CLAIMS_JOIN_EUI ",Unclaimable box\r\n");
  onb_test_assert_ok (onb_test_sim_reset (sim, &error), error);
  f->station = prov_station_new (sim, csv->str, data);
  f->engine = prov_station_engine (f->station);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_true (prov_wait_jobs (f->engine, NULL, 0, 60));
  g_clear_object (&f->engine);
  g_clear_pointer (&f->station, prov_station_free);
}

static char *
label (const char *eui,
       const char *owner_token)
{
  return g_strdup_printf ("LW:D0:" ONB_TEST_SIM_CLAIM_JOIN_EUI ":%s:" ONB_TEST_SIM_PROFILE_ID ":O%s", eui, owner_token);
}

static OnbJob *
submit_box (Fixture    *f,
            const char *eui,
            const char *owner_token)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = label (eui, owner_token);
  OnbJob *job = onb_engine_submit_payload (f->engine, code, -1, "test", &error);

  g_assert_no_error (error);
  g_assert_nonnull (job);
  return job;
}

static OnbJob *
submit (Fixture *f,
        guint    box)
{
  g_autofree char *eui = dev_eui (box);
  g_autofree char *token = g_strconcat (ONB_TEST_SIM_CLAIM_OWNER_TOKEN_PREFIX, eui, NULL);

  return submit_box (f, eui, token);
}

static json_object *
claims (json_object *state)
{
  return json_object_object_get (json_object_object_get (state, "tts"), "claims");
}

static gboolean
js_written (json_object *state,
            const char  *eui)
{
  json_object *written = json_object_object_get (json_object_object_get (state, "tts"), "js_written");

  for (size_t i = 0; written != NULL && i < json_object_array_length (written); i++)
    if (g_ascii_strcasecmp (json_object_get_string (json_object_array_get_idx (written, i)), eui) == 0)
      return TRUE;
  return FALSE;
}

/* Each box claimed once, its IS/NS/AS records made, the cluster's JS
 * never written, and its Blynk device without an App Key. */
static void
test_claim (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(json_object) state = NULL;

  for (guint i = 1; i <= N_BOXES; i++)
    g_ptr_array_add (jobs, submit (f, i));
  g_assert_true (prov_wait_jobs (f->engine, (OnbJob **) jobs->pdata, jobs->len, 60));

  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (json_object_object_length (claims (state)), ==, N_BOXES);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.claim"), ==, N_BOXES);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.js.set"), ==, 0);
  for (guint i = 0; i < jobs->len; i++)
    {
      OnbJob *job = jobs->pdata[i];
      g_autofree char *device_id = g_ascii_strdown (onb_job_get_tts_device_id (job), -1);
      json_object *device = prov_sim_blynk_device (state, onb_job_get_device_name (job));

      if (onb_job_get_state (job) != ONB_JOB_STATE_DONE)
        g_error ("%s: %s (%s)", onb_job_get_dev_eui (job), onb_job_get_message (job), onb_job_get_reason (job));
      g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_CLAIM), ==, ONB_STEP_STATE_DONE);
      g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_JS), ==, ONB_STEP_STATE_SKIPPED);
      g_assert_cmpint (onb_job_get_join_step (job), ==, ONB_JOB_STEP_TTS_CLAIM);
      g_assert_nonnull (json_object_object_get (claims (state), onb_job_get_dev_eui (job)));
      g_assert_false (js_written (state, onb_job_get_dev_eui (job)));
      g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, device_id));
      g_assert_null (prov_json_path (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, device_id),
                                     "join_server_address"));
      g_assert_nonnull (prov_sim_tts_record (state, "ns", ONB_TEST_SIM_TTS_APP_ID, device_id));
      g_assert_nonnull (prov_sim_tts_record (state, "as", ONB_TEST_SIM_TTS_APP_ID, device_id));
      g_assert_cmpstr (prov_sim_blynk_metafield (device, "Device EUI"), ==, onb_job_get_dev_eui (job));
      g_assert_cmpstr (prov_sim_blynk_metafield (device, "TheThingsNetwork Device"), ==, device_id);
      g_assert_true (prov_sim_blynk_metafield (device, "Application Key") == NULL ||
                     *prov_sim_blynk_metafield (device, "Application Key") == '\0');
    }
}

/* A claim that fails leaves nothing half made, and says why. */
static void
assert_rejected (Fixture    *f,
                 OnbJob     *job,
                 const char *reason)
{
  g_autoptr(json_object) state = NULL;

  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  if (onb_job_get_state (job) != ONB_JOB_STATE_FAILED)
    g_error ("%s: %s", onb_job_state_to_string (onb_job_get_state (job)), onb_job_get_message (job));
  g_assert_cmpstr (onb_job_get_reason (job), ==, reason);
  g_assert_nonnull (onb_job_get_message (job));
  /* The token is a secret: never in words. */
  g_assert_null (strstr (onb_job_get_message (job), "OT"));
  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 0);
  g_assert_cmpuint (prov_sim_tts_total (state, "is"), ==, 0);
  g_assert_cmpuint (json_object_object_length (claims (state)), ==, 0);
}

static void
test_wrong_owner_token (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *eui = dev_eui (1);
  g_autoptr(OnbJob) job = submit_box (f, eui, "OTWRONGTOKEN000000");

  assert_rejected (f, job, "claim-denied");
}

static void
test_claimed_elsewhere (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(OnbJob) job = submit_box (f, ONB_TEST_SIM_CLAIM_DEV_EUI_ELSEWHERE, ONB_TEST_SIM_CLAIM_OWNER_TOKEN_ELSEWHERE);

  assert_rejected (f, job, "claim-denied");
}

/* A box another application of the cluster claimed first: the claim is
 * accepted again, the IS create fails naming that application, and
 * nothing of ours is left. */
static void
test_claimed_by_other_application (Fixture       *f,
                                   gconstpointer  data)
{
  static const char * const other_app[] = {
    "tts.application_id=" ONB_TEST_SIM_TTS_OTHER_APP_ID, "tts.api_key=" ONB_TEST_SIM_TTS_API_KEY_OTHER_APP, NULL
  };
  g_autofree char *csv = NULL;
  g_autoptr(ProvStation) other = NULL;
  g_autoptr(OnbEngine) other_engine = NULL;
  g_autofree char *eui = dev_eui (4);
  g_autofree char *token = g_strconcat (ONB_TEST_SIM_CLAIM_OWNER_TOKEN_PREFIX, eui, NULL);
  g_autofree char *code = label (eui, token);
  g_autofree char *ours = g_strdup_printf ("eui-%s", eui);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) theirs = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(json_object) state = NULL;

  g_assert_true (g_file_get_contents (f->station->csv, &csv, NULL, NULL));
  other = prov_station_new (sim, csv, other_app);
  other_engine = prov_station_engine (other);
  theirs = onb_engine_submit_payload (other_engine, code, -1, "test", &error);
  g_assert_no_error (error);
  g_assert_true (prov_wait_jobs (other_engine, &theirs, 1, 60));
  g_assert_cmpint (onb_job_get_state (theirs), ==, ONB_JOB_STATE_DONE);

  job = submit_box (f, eui, token);
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpstr (onb_job_get_reason (job), ==, "euis-taken");
  g_assert_nonnull (strstr (onb_job_get_message (job), ONB_TEST_SIM_TTS_OTHER_APP_ID));
  state = onb_test_sim_expect_state (sim);
  for (char *c = ours; *c != '\0'; c++)
    *c = g_ascii_tolower (*c);
  g_assert_null (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, ours));
  g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_OTHER_APP_ID, ours));
  g_assert_nonnull (json_object_object_get (claims (state), eui));
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.unclaim"), ==, 0);
  /* Only the other station's Blynk device is left. */
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 1);
  g_assert_true (prov_wait_jobs (other_engine, NULL, 0, 60));
}

/* A failure after the claim undoes it: unclaimed, then the IS record and
 * the Blynk device deleted. */
static void
test_rollback_unclaims (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = NULL;

  onb_test_assert_ok (onb_test_sim_set_faults (sim, "{\"script\":{\"tts.ns.set\":[\"403\"]}}", &error), error);
  job = submit (f, 2);
  assert_rejected (f, job, "forbidden");
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.claim"), ==, 1);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.unclaim"), ==, 1);
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_CLAIM), ==, ONB_STEP_STATE_ROLLED_BACK);
}

/* A box the list has no AppKey for can only be claimed: its label
 * without an owner token is refused at the scan, in words. */
static void
test_no_app_key (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *eui = dev_eui (1);
  g_autofree char *code = g_strdup_printf ("LW:D0:" ONB_TEST_SIM_CLAIM_JOIN_EUI ":%s:" ONB_TEST_SIM_PROFILE_ID, eui);
  g_autoptr(OnbJob) job = onb_engine_submit_payload (f->engine, code, -1, "test", &error);

  g_assert_nonnull (error);
  g_assert_null (job);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "no-app-key");
  g_assert_nonnull (strstr (error->message, "no AppKey"));
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.claim"), ==, 0);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, 0);
}

/* An owner token whose Join Server takes no claims, for a box without
 * AppKey: refused in words, nothing made. */
static void
test_no_app_key_no_claims (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job =
    onb_engine_submit_payload (f->engine, "LW:D0:" NO_CLAIMS_JOIN_EUI ":" NO_CLAIMS_DEV_EUI ":"
                               ONB_TEST_SIM_PROFILE_ID ":OTNOCLAIMS0000", -1, "test", &error);

  g_assert_no_error (error);
  g_assert_nonnull (job);
  assert_rejected (f, job, "no-app-key");
  g_assert_nonnull (strstr (onb_job_get_message (job), "AppKey"));
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.js.set"), ==, 0);
}

/* The batches named ONB_REGISTRY_CLAIMED_BATCH, and in @n_devices how
 * many devices they hold. */
static guint
claimed_batches (Fixture *f,
                 guint   *n_devices)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = onb_registry_list_batches (onb_engine_get_registry (f->engine), NULL, &error);
  guint n = 0;

  g_assert_no_error (error);
  *n_devices = 0;
  for (guint i = 0; i < batches->len; i++)
    {
      OnbBatch *batch = batches->pdata[i];

      if (g_strcmp0 (batch->file_name, ONB_REGISTRY_CLAIMED_BATCH) == 0)
        {
          n++;
          *n_devices += batch->n_devices;
        }
    }
  return n;
}

/* With [labels] allow_unlisted_claims, boxes in no list are claimed,
 * made once in each cloud, and added to one batch. */
static void
test_unlisted_allowed (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(OnbJob) first = submit (f, N_BOXES + 1);
  g_autoptr(OnbJob) second = NULL;
  g_autoptr(json_object) state = NULL;
  guint n_devices = 0;

  g_assert_true (prov_wait_jobs (f->engine, &first, 1, 60));
  second = submit (f, N_BOXES + 2);
  g_assert_true (prov_wait_jobs (f->engine, &second, 1, 60));
  for (OnbJob **job = (OnbJob *[]) { first, second, NULL }; *job != NULL; job++)
    {
      g_autofree char *device_id = g_ascii_strdown (onb_job_get_tts_device_id (*job), -1);

      if (onb_job_get_state (*job) != ONB_JOB_STATE_DONE)
        g_error ("%s: %s (%s)", onb_job_get_dev_eui (*job), onb_job_get_message (*job), onb_job_get_reason (*job));
      g_assert_cmpint (onb_job_get_step_state (*job, ONB_JOB_STEP_TTS_CLAIM), ==, ONB_STEP_STATE_DONE);
      state = onb_test_sim_expect_state (sim);
      g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, device_id));
      g_assert_cmpuint (prov_sim_blynk_count (state, onb_job_get_device_name (*job)), ==, 1);
      g_clear_pointer (&state, json_object_put);
    }
  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (json_object_object_length (claims (state)), ==, 2);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.claim"), ==, 2);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 2);
  g_assert_cmpuint (prov_sim_tts_total (state, "is"), ==, 2);
  g_assert_cmpuint (prov_sim_tts_total (state, "ns"), ==, 2);
  g_assert_cmpuint (prov_sim_tts_total (state, "as"), ==, 2);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.js.set"), ==, 0);
  g_assert_cmpuint (claimed_batches (f, &n_devices), ==, 1);
  g_assert_cmpuint (n_devices, ==, 2);
}

/* A box in no list whose Join Server takes no claims is refused in words
 * before it is added to the batch: nothing is added or made. Once its
 * JoinEUI is known, a scan of such a box is refused at once. */
static void
test_unlisted_no_claims (Fixture       *f,
                         gconstpointer  data)
{
  static const char code[] = "LW:D0:" NO_CLAIMS_JOIN_EUI ":0018B2000000D0F1:" ONB_TEST_SIM_PROFILE_ID ":OTD0F1";
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = onb_engine_submit_payload (f->engine, code, -1, "test", &error);
  g_autoptr(OnbJob) again = NULL;
  g_autoptr(json_object) state = NULL;
  guint n_devices = 0;

  g_assert_no_error (error);
  g_assert_nonnull (job);
  g_assert_true (prov_wait_jobs (f->engine, &job, 1, 60));
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpstr (onb_job_get_reason (job), ==, "claim-not-supported");
  g_assert_nonnull (strstr (onb_job_get_message (job), "in no device list"));
  g_assert_null (strstr (onb_job_get_message (job), "OTD0F1"));
  g_assert_cmpuint (claimed_batches (f, &n_devices), ==, 0);

  again = onb_engine_submit_payload (f->engine, code, -1, "test", &error);
  g_assert_null (again);
  g_assert_nonnull (error);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "claim-not-supported");
  g_assert_cmpuint (claimed_batches (f, &n_devices), ==, 0);

  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 0);
  g_assert_cmpuint (prov_sim_tts_total (state, "is"), ==, 0);
  g_assert_cmpuint (json_object_object_length (claims (state)), ==, 0);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.info"), ==, 1);
}

static gboolean
job_waits (gconstpointer data)
{
  return onb_job_get_state ((OnbJob *) data) == ONB_JOB_STATE_WAITING;
}

static gboolean
job_waits_for_label (gconstpointer data)
{
  OnbEngine *engine = (OnbEngine *) data;
  g_autoptr(OnbJob) job = g_list_model_get_item (onb_engine_get_jobs (engine), 0);

  return job != NULL && onb_job_get_state (job) == ONB_JOB_STATE_WAITING &&
         g_strcmp0 (onb_job_get_reason (job), "owner-token-needed") == 0;
}

/* A box in no list whose run is resumed without its label (the engine
 * stopped before its Join Server answered) waits for the label, with
 * nothing added; scanned again, it is added and claimed once. */
static void
test_unlisted_resumed (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(OnbJob) again = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(json_object) state = NULL;
  guint n_devices = 0;

  onb_test_assert_ok (onb_test_sim_set_network_down (sim, TRUE, &error), error);
  job = submit (f, N_BOXES + 1);
  g_assert_true (prov_wait_until (job_waits, job, 60));
  onb_engine_shutdown_async (f->engine, NULL, prov_store_result, &result);
  onb_test_assert_ok (onb_engine_shutdown_finish (f->engine, prov_wait_result (&result), &error), error);
  g_clear_object (&f->engine);
  onb_test_assert_ok (onb_test_sim_set_network_down (sim, FALSE, &error), error);

  f->engine = prov_station_engine (f->station);
  g_assert_true (prov_wait_until (job_waits_for_label, f->engine, 60));
  g_assert_cmpuint (claimed_batches (f, &n_devices), ==, 0);

  again = submit (f, N_BOXES + 1);
  g_assert_true (prov_wait_jobs (f->engine, &again, 1, 60));
  if (onb_job_get_state (again) != ONB_JOB_STATE_DONE)
    g_error ("%s: %s (%s)", onb_job_get_dev_eui (again), onb_job_get_message (again), onb_job_get_reason (again));
  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (json_object_object_length (claims (state)), ==, 1);
  g_assert_cmpuint (claimed_batches (f, &n_devices), ==, 1);
  g_assert_cmpuint (n_devices, ==, 1);
}

/* Without it, such a box is refused at the scan as any unknown one. */
static void
test_unlisted_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *eui = dev_eui (N_BOXES + 1);
  g_autofree char *token = g_strconcat (ONB_TEST_SIM_CLAIM_OWNER_TOKEN_PREFIX, eui, NULL);
  g_autofree char *code = label (eui, token);
  g_autoptr(OnbJob) job = onb_engine_submit_payload (f->engine, code, -1, "test", &error);
  g_autoptr(json_object) state = NULL;
  guint n_devices = 0;

  g_assert_nonnull (error);
  g_assert_null (job);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "unknown-device");
  g_assert_nonnull (strstr (error->message, "not in the device list"));
  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 0);
  g_assert_cmpuint (json_object_object_length (claims (state)), ==, 0);
  g_assert_cmpuint (claimed_batches (f, &n_devices), ==, 0);
}

/* Where Blynk makes the TTS devices it needs the AppKey: a claimable
 * label is refused at the scan, in words, and nothing is sent. */
static void
test_blynk_creates (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *eui = dev_eui (3);
  g_autofree char *code = label (eui, "OT0018B2000000C103");
  g_autoptr(OnbJob) job = onb_engine_submit_payload (f->engine, code, -1, "test", &error);

  g_assert_null (job);
  g_assert_nonnull (error);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "claim-blynk-creates");
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.claim"), ==, 0);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_create"), ==, 0);
}

/* 20 boxes claimed by `onboarder-cli provision`, killed with SIGKILL at
 * random moments and started again (its stdin scans every label again)
 * until it finishes: each box claimed, in TTS and in Blynk exactly once,
 * and the cluster's JS never written. One trial answers claims late, so
 * that a kill lands between a claim and its commit. */
#define CRASH_BOXES 20

static void
test_crash (void)
{
  g_autoptr(GString) csv = g_string_new ("Device EUI,Join EUI,Application Key,Device Name\r\n");
  g_autoptr(GString) codes = g_string_new (NULL);
  const guint trials = g_test_slow () ? 8 : 3;
  guint interrupted = 0;

  for (guint i = 1; i <= CRASH_BOXES; i++)
    {
      g_autofree char *eui = dev_eui (i);
      g_autofree char *token = g_strconcat (ONB_TEST_SIM_CLAIM_OWNER_TOKEN_PREFIX, eui, NULL);
      g_autofree char *code = label (eui, token);

      /* The AppKey column is there, its cells empty. */
      g_string_append_printf (csv, "%s," ONB_TEST_SIM_CLAIM_JOIN_EUI ",,Claimed box %u\r\n", eui, i);
      g_string_append_printf (codes, "%s\n", code);
    }

  for (guint trial = 0; trial < trials; trial++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (2000 + trial);
      g_autoptr(GError) error = NULL;
      g_autoptr(ProvStation) station = NULL;
      g_autoptr(GPtrArray) jobs = NULL;
      g_autoptr(json_object) state = NULL;
      g_autofree char *codes_path = NULL;
      guint kills = g_rand_int_range (rand, 1, 4);
      gboolean finished = FALSE;

      onb_test_assert_ok (onb_test_sim_reset (sim, &error), error);
      onb_test_assert_ok (onb_test_sim_set_faults (sim, trial % 2 == 1 ? "{\"endpoints\":{\"tts.edcs.claim\":"
                                                   "{\"answer_delay_ms\":150}}}" : "{}", &error), error);
      station = prov_station_new (sim, csv->str, NULL);
      codes_path = g_build_filename (station->dir, "codes.txt", NULL);
      g_assert_true (g_file_set_contents (codes_path, codes->str, -1, NULL));

      for (guint attempt = 0; !finished; attempt++)
        {
          g_autoptr(GSubprocess) process =
            prov_cli_spawn (codes_path, "/dev/null",
                            (const char *[]) { "provision", "--stdin", "--timeout", "120", "--max-jobs", "8",
                                               "--retry-min-ms", "10", "--retry-max-ms", "100",
                                               "--config", station->config, NULL });

          g_assert_cmpuint (attempt, <, 20);
          if (attempt < kills)
            {
              g_usleep (g_rand_int_range (rand, 20, 400) * 1000);
              g_subprocess_force_exit (process);
            }
          g_assert_true (g_subprocess_wait (process, NULL, &error));
          g_assert_no_error (error);
          if (g_subprocess_get_if_signaled (process))
            {
              g_autoptr(GPtrArray) so_far = prov_station_jobs (station);
              guint done = 0;

              for (guint i = 0; i < so_far->len; i++)
                done += onb_job_get_state (so_far->pdata[i]) == ONB_JOB_STATE_DONE;
              interrupted += done < CRASH_BOXES;
            }
          finished = g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0;
          g_assert_true (finished || attempt < kills);
        }

      state = onb_test_sim_expect_state (sim);
      jobs = prov_station_jobs (station);
      g_assert_cmpuint (jobs->len, ==, CRASH_BOXES);
      for (guint i = 0; i < jobs->len; i++)
        if (onb_job_get_state (jobs->pdata[i]) != ONB_JOB_STATE_DONE)
          g_error ("trial %u: %s %s: %s (%s)", trial, onb_job_get_dev_eui (jobs->pdata[i]),
                   onb_job_state_to_string (onb_job_get_state (jobs->pdata[i])),
                   onb_job_get_message (jobs->pdata[i]), onb_job_get_reason (jobs->pdata[i]));
      g_assert_cmpuint (json_object_object_length (claims (state)), ==, CRASH_BOXES);
      g_assert_cmpuint (prov_sim_blynk_total (state), ==, CRASH_BOXES);
      g_assert_cmpuint (prov_sim_tts_total (state, "is"), ==, CRASH_BOXES);
      g_assert_cmpuint (prov_sim_tts_total (state, "ns"), ==, CRASH_BOXES);
      g_assert_cmpuint (prov_sim_tts_total (state, "as"), ==, CRASH_BOXES);
      g_assert_cmpint (onb_test_sim_get_count (sim, "tts.js.set"), ==, 0);
      for (guint i = 0; i < jobs->len; i++)
        {
          OnbJob *job = jobs->pdata[i];

          g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_DONE);
          g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_CLAIM), ==, ONB_STEP_STATE_DONE);
          g_assert_cmpuint (prov_sim_blynk_count (state, onb_job_get_device_name (job)), ==, 1);
          g_assert_false (js_written (state, onb_job_get_dev_eui (job)));
        }
      g_test_message ("trial %u: %u kills, %d claims sent", trial, kills,
                      onb_test_sim_get_count (sim, "tts.edcs.claim"));
    }
  /* Kills are random in time: most, not all, must cut work. */
  g_assert_cmpuint (interrupted, >=, 1);
}

int
main (int    argc,
      char **argv)
{
  static const char * const blynk_mode[] = { "tts.created_by=blynk", NULL };
  static const char * const unlisted[] = { "labels.allow_unlisted_claims=true", NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  sim = onb_test_sim_start (NULL, &error);
  onb_test_assert_ok (sim != NULL, error);

  g_test_add ("/engine-claim/claim", Fixture, NULL, fixture_set_up, test_claim, fixture_tear_down);
  g_test_add ("/engine-claim/wrong-owner-token", Fixture, NULL, fixture_set_up, test_wrong_owner_token,
              fixture_tear_down);
  g_test_add ("/engine-claim/claimed-elsewhere", Fixture, NULL, fixture_set_up, test_claimed_elsewhere,
              fixture_tear_down);
  g_test_add ("/engine-claim/claimed-by-other-application", Fixture, NULL, fixture_set_up,
              test_claimed_by_other_application, fixture_tear_down);
  g_test_add ("/engine-claim/rollback-unclaims", Fixture, NULL, fixture_set_up, test_rollback_unclaims,
              fixture_tear_down);
  g_test_add ("/engine-claim/no-app-key", Fixture, NULL, fixture_set_up, test_no_app_key, fixture_tear_down);
  g_test_add ("/engine-claim/no-app-key-no-claims", Fixture, NULL, fixture_set_up, test_no_app_key_no_claims,
              fixture_tear_down);
  g_test_add ("/engine-claim/unlisted-allowed", Fixture, unlisted, fixture_set_up, test_unlisted_allowed,
              fixture_tear_down);
  g_test_add ("/engine-claim/unlisted-no-claims", Fixture, unlisted, fixture_set_up, test_unlisted_no_claims,
              fixture_tear_down);
  g_test_add ("/engine-claim/unlisted-resumed", Fixture, unlisted, fixture_set_up, test_unlisted_resumed,
              fixture_tear_down);
  g_test_add ("/engine-claim/unlisted-refused", Fixture, NULL, fixture_set_up, test_unlisted_refused,
              fixture_tear_down);
  g_test_add ("/engine-claim/blynk-creates", Fixture, blynk_mode, fixture_set_up, test_blynk_creates,
              fixture_tear_down);
  g_test_add_func ("/engine-claim/crash", test_crash);

  status = g_test_run ();
  onb_test_sim_stop (sim);
  return status;
}
