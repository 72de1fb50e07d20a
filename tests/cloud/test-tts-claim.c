/* test-tts-claim.c: The Things Stack's Device Claiming Server against the simulator */

#include "config.h"

#include <string.h>

#include "cloud-test.h"
#include "onb-error.h"
#include "onb-tts-answer-decode-private.h"
#include "onb-tts-claim.h"
#include "onb-tts-client-private.h"

#define DEV_EUI      ONB_TEST_SIM_CLAIM_DEV_EUI_FIRST
#define JOIN_EUI     ONB_TEST_SIM_CLAIM_JOIN_EUI
#define TOKEN        ONB_TEST_SIM_CLAIM_OWNER_TOKEN_PREFIX DEV_EUI
#define DEV_ID       "eui-0018b2000000c101"
#define OTHER_JOIN_EUI "70B3D57ED0000010"

static OnbTestSim *sim;

typedef struct
{
  OnbHttpClient *http;
  OnbTtsClient  *tts;
  OnbTtsClaim   *claim;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  onb_test_sim_reset (sim, &error);
  g_assert_no_error (error);

  config = cloud_test_config (sim, NULL);
  f->http = onb_http_client_new (config);
  f->tts = onb_tts_client_new (f->http, config, &error);
  g_assert_no_error (error);
  f->claim = onb_tts_claim_new (f->tts, config, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->claim);
  g_clear_object (&f->tts);
  g_clear_object (&f->http);
}

static gboolean
get_info (OnbTtsClaim  *claim,
          const char   *join_eui,
          gboolean     *supports,
          GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_tts_claim_get_info_async (claim, join_eui, NULL, cloud_test_store_result, &result);
  return onb_tts_claim_get_info_finish (claim, cloud_test_wait (&result), supports, error);
}

static gboolean
claim_device (OnbTtsClaim  *claim,
              const char   *dev_eui,
              const char   *token,
              GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *device_id = g_ascii_strdown (dev_eui, -1);
  g_autofree char *id = g_strconcat ("eui-", device_id, NULL);

  onb_tts_claim_claim_async (claim, dev_eui, JOIN_EUI, token, id, NULL,
                             cloud_test_store_result, &result);
  return onb_tts_claim_claim_finish (claim, cloud_test_wait (&result), error);
}

static gboolean
get_status (OnbTtsClaim  *claim,
            const char   *device_id,
            gboolean     *claimed,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_tts_claim_get_status_async (claim, device_id, NULL, cloud_test_store_result, &result);
  return onb_tts_claim_get_status_finish (claim, cloud_test_wait (&result), claimed, error);
}

static gboolean
unclaim (OnbTtsClaim  *claim,
         const char   *device_id,
         GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_tts_claim_unclaim_async (claim, device_id, NULL, cloud_test_store_result, &result);
  return onb_tts_claim_unclaim_finish (claim, cloud_test_wait (&result), error);
}

/* The IS record status and unclaim read the EUIs from. */
static void
create_is (OnbTtsClient *tts,
           const char   *dev_eui)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OnbTtsDevice) device = onb_tts_device_new (dev_eui, JOIN_EUI, "2B7E151628AED2A6ABF7158809CF4F3C",
                                                       NULL, &error);
  gboolean created;

  g_assert_no_error (error);
  onb_tts_client_create_is_async (tts, device, NULL, cloud_test_store_result, &result);
  created = onb_tts_client_create_is_finish (tts, cloud_test_wait (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (created);
}

/* The simulator's claim of @dev_eui, or NULL. (transfer full) */
static json_object *
sim_claim (const char *dev_eui)
{
  g_autoptr(json_object) state = onb_test_sim_expect_state (sim);
  json_object *claim = onb_tts_json_path (state, "tts.claims");

  claim = claim != NULL ? onb_tts_json_path (claim, dev_eui) : NULL;
  return claim != NULL ? json_object_get (claim) : NULL;
}

static void
test_info (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean supports = FALSE;
  gboolean asked;

  asked = get_info (f->claim, JOIN_EUI, &supports, &error);
  g_assert_no_error (error);
  g_assert_true (asked);
  g_assert_true (supports);

  /* Left out of the answer when false. */
  asked = get_info (f->claim, OTHER_JOIN_EUI, &supports, &error);
  g_assert_no_error (error);
  g_assert_true (asked);
  g_assert_false (supports);

  /* Asked once per JoinEUI. */
  asked = get_info (f->claim, "ec656e0000000101", &supports, &error);
  g_assert_no_error (error);
  g_assert_true (supports);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.info"), ==, 2);
}

/* Claim, status, a second claim (ours: accepted again), unclaim twice. */
static void
test_claim_and_unclaim (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) claimed_in_sim = NULL;
  gboolean claimed = FALSE;
  gboolean done;

  done = claim_device (f->claim, DEV_EUI, TOKEN, &error);
  g_assert_no_error (error);
  g_assert_true (done);
  claimed_in_sim = sim_claim (DEV_EUI);
  g_assert_nonnull (claimed_in_sim);
  g_assert_cmpstr (onb_tts_json_path_string (claimed_in_sim, "application_id"), ==, ONB_TEST_SIM_TTS_APP_ID);
  g_assert_cmpstr (onb_tts_json_path_string (claimed_in_sim, "device_id"), ==, DEV_ID);

  /* Status and unclaim need the IS record. */
  g_assert_false (get_status (f->claim, DEV_ID, &claimed, &error));
  g_assert_error (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_NO_DEVICE);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "claim-no-device");
  g_clear_error (&error);
  create_is (f->tts, DEV_EUI);

  done = get_status (f->claim, DEV_ID, &claimed, &error);
  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_true (claimed);

  done = claim_device (f->claim, DEV_EUI, TOKEN, &error);
  g_assert_no_error (error);
  g_assert_true (done);

  done = unclaim (f->claim, DEV_ID, &error);
  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_null (sim_claim (DEV_EUI));
  done = get_status (f->claim, DEV_ID, &claimed, &error);
  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_false (claimed);
  done = unclaim (f->claim, DEV_ID, &error);
  g_assert_no_error (error);
  g_assert_true (done);

  /* The cluster's Join Server never saw it. */
  {
    g_autoptr(json_object) state = onb_test_sim_expect_state (sim);
    json_object *written = onb_tts_json_path (state, "tts.js_written");

    for (size_t i = 0; written != NULL && i < json_object_array_length (written); i++)
      g_assert_cmpstr (onb_tts_json_string (json_object_array_get_idx (written, i)), !=, DEV_EUI);
  }
}

/* Each refusal has its reason and words, and never shows the token. */
static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  static const struct { const char *dev_eui, *token; int code; const char *reason; } cases[] = {
    { DEV_EUI, "OT0018B2000000C102", ONB_TTS_CLAIM_ERROR_DENIED, "claim-denied" },
    { ONB_TEST_SIM_CLAIM_DEV_EUI_ELSEWHERE, ONB_TEST_SIM_CLAIM_OWNER_TOKEN_ELSEWHERE, ONB_TTS_CLAIM_ERROR_DENIED,
      "claim-denied" },
    { "0018B2000000C1A0", "OT0018B2000000C1A0", ONB_TTS_CLAIM_ERROR_UNKNOWN_DEVICE, "claim-unknown-device" },
    /* The claim request's rule, checked before asking. */
    { DEV_EUI, "ot0018b2000000c101", ONB_TTS_CLAIM_ERROR_DENIED, "claim-denied" },
    { DEV_EUI, "", ONB_TTS_CLAIM_ERROR_DENIED, "claim-denied" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (claim_device (f->claim, cases[i].dev_eui, cases[i].token, &error));
      g_assert_error (error, ONB_TTS_CLAIM_ERROR, cases[i].code);
      g_assert_cmpstr (onb_error_get_reason (error), ==, cases[i].reason);
      g_assert_nonnull (strstr (error->message, cases[i].dev_eui));
      if (cases[i].token[0] != '\0')
        g_assert_null (strstr (error->message, cases[i].token));
    }
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.claim"), ==, 3);

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    onb_tts_claim_claim_async (f->claim, DEV_EUI, OTHER_JOIN_EUI, TOKEN, DEV_ID, NULL, cloud_test_store_result, &result);
    g_assert_false (onb_tts_claim_claim_finish (f->claim, cloud_test_wait (&result), &error));
    g_assert_error (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_NOT_SUPPORTED);
    g_assert_null (sim_claim (DEV_EUI));
  }
}

/* A key of another application: the TTS client's words on rights. */
static void
test_other_key (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY_OTHER_APP, NULL);
  g_autoptr(OnbTtsClient) tts = onb_tts_client_new (f->http, config, &error);
  g_autoptr(OnbTtsClaim) claim = NULL;

  g_assert_no_error (error);
  claim = onb_tts_claim_new (tts, config, &error);
  g_assert_no_error (error);
  g_assert_false (claim_device (claim, DEV_EUI, TOKEN, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_FORBIDDEN);
  g_assert_null (sim_claim (DEV_EUI));
}

/* created_by = blynk: Blynk needs the AppKey; nothing is asked. */
static void
test_blynk_creates (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "tts", "created_by", "blynk", NULL);
  g_autoptr(OnbTtsClient) tts = onb_tts_client_new (f->http, config, &error);
  g_autoptr(OnbTtsClaim) claim = NULL;

  g_assert_no_error (error);
  claim = onb_tts_claim_new (tts, config, &error);
  g_assert_no_error (error);
  g_assert_true (onb_tts_claim_check_possible (f->claim, &error));
  g_assert_no_error (error);
  g_assert_false (onb_tts_claim_check_possible (claim, &error));
  g_assert_error (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_BLYNK_CREATES);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "claim-blynk-creates");
  g_clear_error (&error);

  g_assert_false (claim_device (claim, DEV_EUI, TOKEN, &error));
  g_assert_error (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_BLYNK_CREATES);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.edcs.claim"), ==, 0);
}

/* The answers' shapes, checked field by field. */
static void
test_decode (void)
{
  static const struct { const char *json; int code; } ids[] = {
    { "[]", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "{}", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "{\"application_ids\": \"warehouse-sensors\"}", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "{\"application_ids\": {\"application_id\": 7}}", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "{\"application_ids\": {\"application_id\": \"warehouse-sensors\"}, \"dev_eui\": 1}", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "{\"application_ids\": {\"application_id\": \"warehouse-sensors\"}, \"dev_eui\": \"0018B2000000C102\"}",
      ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "{\"application_ids\": {\"application_id\": \"warehouse-sensors\"}, \"device_id\": \"eui-other\"}",
      ONB_CLOUD_ERROR_BAD_RESPONSE },
  };
  g_autoptr(json_object) other = json_tokener_parse ("{\"application_ids\": {\"application_id\": \"other-app\"}}");
  g_autoptr(json_object) echo = json_tokener_parse ("{\"application_ids\": {\"application_id\": \"warehouse-sensors\"}, "
                                                    "\"dev_eui\": \"0018b2000000c101\"}");
  g_autoptr(json_object) info = json_tokener_parse ("{\"join_eui\": \"EC656E0000000101\", \"supports_claiming\": 1}");
  g_autoptr(json_object) status = json_tokener_parse ("{\"end_device_ids\": [], \"home_net_id\": \"000013\"}");
  g_autoptr(GError) error = NULL;
  gboolean supports = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(json_object) json = json_tokener_parse (ids[i].json);

      g_assert_false (onb_tts_decode_claimed_ids (json, "warehouse-sensors", DEV_ID, DEV_EUI, JOIN_EUI, &error));
      g_assert_error (error, ONB_CLOUD_ERROR, ids[i].code);
      g_assert_nonnull (strstr (error->message, DEV_EUI));
      g_clear_error (&error);
    }

  g_assert_false (onb_tts_decode_claimed_ids (other, "warehouse-sensors", DEV_ID, DEV_EUI, JOIN_EUI, &error));
  g_assert_error (error, ONB_TTS_CLAIM_ERROR, ONB_TTS_CLAIM_ERROR_OTHER_APPLICATION);
  g_assert_nonnull (strstr (error->message, "other-app"));
  g_clear_error (&error);
  g_assert_true (onb_tts_decode_claimed_ids (echo, "warehouse-sensors", DEV_ID, DEV_EUI, JOIN_EUI, &error));
  g_assert_no_error (error);

  g_assert_false (onb_tts_decode_claim_info (info, JOIN_EUI, &supports, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
  g_assert_false (onb_tts_decode_claim_status (status, "warehouse-sensors", DEV_ID, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tts-claim/decode", test_decode);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/tts-claim/info", test_info);
  ADD ("/tts-claim/claim-and-unclaim", test_claim_and_unclaim);
  ADD ("/tts-claim/refusals", test_refusals);
  ADD ("/tts-claim/other-key", test_other_key);
  ADD ("/tts-claim/blynk-creates", test_blynk_creates);
#undef ADD

  sim = onb_test_sim_start (NULL, &error);
  g_assert_no_error (error);
  status = g_test_run ();
  onb_test_sim_stop (sim);

  return status;
}
