/* test-secrets-in-logs.c: no secret ever reaches a log line or an error
 * message, even with G_MESSAGES_DEBUG=all.
 *
 * Runs a full flow (TTS create/read/delete, Blynk create/claim/metafields/
 * read/delete, the connection check, and failures with wrong credentials)
 * with debug output on, captures every log line and every error message,
 * and searches them for each secret value.
 */

#include "config.h"

#include <string.h>

#include "cloud-test.h"
#include "onb-blynk-client.h"
#include "onb-cloud-error.h"
#include "onb-connection-check.h"
#include "onb-tts-claim.h"
#include "onb-tts-client.h"

#define APP_KEY      "A1B2C3D4E5F60718293A4B5C6D7E8F90"
#define NWK_KEY      "0F1E2D3C4B5A69788796A5B4C3D2E1F0"
#define STATIC_TOKEN "sqr_S8JAdKJqwl3eCS0hNIbXxugFZEjmh8nh"
#define WRONG_KEY    "NNSXS.SIMFULLRIGHTSKEY00000000.WRONGSECRETWRONGSECRET"
#define WRONG_SECRET "WrongClientSecret42"
#define OWNER_TOKEN  ONB_TEST_SIM_CLAIM_OWNER_TOKEN_PREFIX ONB_TEST_SIM_CLAIM_DEV_EUI_FIRST
#define WRONG_TOKEN  "WRONGOWNERTOKEN42"

static GString *captured;
static OnbTestSim *sim_for_flow;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_autofree char *line = g_log_writer_format_fields (level, fields, n_fields, FALSE);

  g_string_append_printf (captured, "%s\n", line);

  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* What the app does with a failure: log it. */
static void
log_error (const GError *error)
{
  if (error != NULL)
    g_message ("failure: %s", error->message);
}

static void
tts_flow (OnbConfig     *config,
          OnbHttpClient *http)
{
  g_autoptr(OnbTtsClient) tts = onb_tts_client_new (http, config, NULL);
  g_autoptr(OnbTtsDevice) device = onb_tts_device_new ("0018B20000000999", "70B3D57ED0000010", APP_KEY, NWK_KEY, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(json_object) js = NULL;
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (cloud_test_tts_create_device (tts, device, &error), error);

  /* The read-back carries the keys. */
  g_clear_object (&result);
  onb_tts_client_get_async (tts, ONB_TTS_COMPONENT_JS, onb_tts_device_get_device_id (device), NULL, cloud_test_store_result, &result);
  js = onb_tts_client_get_finish (tts, cloud_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_true (onb_tts_client_verify_device (tts, ONB_TTS_COMPONENT_JS, device, js, &error));

  /* Created again: already there (a 409 and a look-up). */
  g_clear_object (&result);
  onb_tts_client_create_is_async (tts, device, NULL, cloud_test_store_result, &result);
  g_assert_false (onb_tts_client_create_is_finish (tts, cloud_test_wait (&result), NULL, &error));
  log_error (error);
  g_clear_error (&error);

  g_clear_object (&result);
  onb_tts_client_delete_async (tts, onb_tts_device_get_device_id (device), NULL, cloud_test_store_result, &result);
  onb_test_assert_ok (onb_tts_client_delete_finish (tts, cloud_test_wait (&result), &error), error);
}

static void
tts_wrong_key (OnbConfig     *config,
               OnbHttpClient *http)
{
  g_autoptr(OnbTtsClient) tts = NULL;
  g_autoptr(OnbTtsDevice) device = onb_tts_device_new ("0018B20000000998", "70B3D57ED0000010", APP_KEY, NULL, NULL);
  g_autoptr(GError) error = NULL;

  onb_config_set_string (config, "tts", "api_key", WRONG_KEY);
  tts = onb_tts_client_new (http, config, NULL);
  g_assert_false (cloud_test_tts_create_device (tts, device, &error));
  log_error (error);
}

/* A claim with the label's owner token, and one with a wrong token. */
static void
claim_flow (OnbConfig     *config,
            OnbHttpClient *http)
{
  g_autoptr(OnbTtsClient) tts = onb_tts_client_new (http, config, NULL);
  g_autoptr(OnbTtsClaim) claim = onb_tts_claim_new (tts, config, NULL);
  static const char * const tokens[] = { OWNER_TOKEN, WRONG_TOKEN };

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      onb_tts_claim_claim_async (claim, ONB_TEST_SIM_CLAIM_DEV_EUI_FIRST, ONB_TEST_SIM_CLAIM_JOIN_EUI, tokens[i],
                                 "eui-0018b2000000c101", NULL, cloud_test_store_result, &result);
      g_assert_true (onb_tts_claim_claim_finish (claim, cloud_test_wait (&result), &error) == (i == 0));
      log_error (error);
    }
}

static GPtrArray *
blynk_flow (OnbConfig     *config,
            OnbHttpClient *http)
{
  g_autoptr(OnbBlynkClient) blynk = onb_blynk_client_new (http, config, NULL);
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *device_tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OnbBlynkDevice) created = NULL;
  g_autoptr(OnbBlynkDevice) claimed = NULL;
  g_autoptr(OnbBlynkDevice) read = NULL;
  g_autoptr(OnbBlynkDevice) again = NULL;
  g_autoptr(GError) error = NULL;

  onb_blynk_client_create_device_async (blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, "Secret test", ONB_TEST_SIM_BLYNK_OWNER_ID,
                                        NULL, cloud_test_store_result, &result);
  created = onb_blynk_client_create_device_finish (blynk, cloud_test_wait (&result), &error);
  g_assert_no_error (error);
  g_ptr_array_add (device_tokens, g_strdup (onb_blynk_device_get_token (created)));

  g_clear_object (&result);
  onb_blynk_client_claim_static_token_async (blynk, STATIC_TOKEN, ONB_TEST_SIM_BLYNK_OWNER_ID, NULL, cloud_test_store_result, &result);
  claimed = onb_blynk_client_claim_static_token_finish (blynk, cloud_test_wait (&result), &error);
  g_assert_no_error (error);
  g_ptr_array_add (device_tokens, g_strdup (onb_blynk_device_get_token (claimed)));

  /* Claimed twice: the error must not quote the token. */
  g_clear_object (&result);
  onb_blynk_client_claim_static_token_async (blynk, STATIC_TOKEN, ONB_TEST_SIM_BLYNK_OWNER_ID, NULL, cloud_test_store_result, &result);
  again = onb_blynk_client_claim_static_token_finish (blynk, cloud_test_wait (&result), &error);
  g_assert_null (again);
  log_error (error);
  g_clear_error (&error);

  g_hash_table_insert (values, (gpointer) ONB_BLYNK_METAFIELD_APP_KEY, (gpointer) APP_KEY);
  g_hash_table_insert (values, (gpointer) ONB_BLYNK_METAFIELD_DEV_EUI, (gpointer) "0018B20000000999");
  g_clear_object (&result);
  onb_blynk_client_set_metafields_async (blynk, onb_blynk_device_get_id (created), ONB_BLYNK_TEMPLATE_NUMBER_UNKNOWN, values, NULL, cloud_test_store_result, &result);
  onb_test_assert_ok (onb_blynk_client_set_metafields_finish (blynk, cloud_test_wait (&result), &error), error);

  /* A revoked token is renewed: the 401 path. */
  onb_test_sim_expire_blynk_tokens (sim_for_flow, NULL);
  g_clear_object (&result);
  onb_blynk_client_get_device_async (blynk, onb_blynk_device_get_id (created), NULL, cloud_test_store_result, &result);
  read = onb_blynk_client_get_device_finish (blynk, cloud_test_wait (&result), &error);
  g_assert_no_error (error);

  g_clear_object (&result);
  onb_blynk_client_delete_device_async (blynk, onb_blynk_device_get_id (created), NULL, cloud_test_store_result, &result);
  g_assert_true (onb_blynk_client_delete_device_finish (blynk, cloud_test_wait (&result), &error));

  return device_tokens;
}

static void
blynk_wrong_secret (OnbConfig     *config,
                    OnbHttpClient *http)
{
  g_autoptr(OnbBlynkClient) blynk = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  onb_config_set_string (config, "blynk", "client_secret", WRONG_SECRET);
  blynk = onb_blynk_client_new (http, config, NULL);
  onb_blynk_client_authenticate_async (blynk, NULL, cloud_test_store_result, &result);
  g_assert_false (onb_blynk_client_authenticate_finish (blynk, cloud_test_wait (&result), &error));
  log_error (error);
}

static void
check_flow (OnbConfig     *config,
            OnbHttpClient *http)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) items = NULL;

  onb_connection_check_async (http, config, NULL, cloud_test_store_result, &result);
  items = onb_connection_check_finish (cloud_test_wait (&result), NULL);
  for (guint i = 0; i < items->len; i++)
    {
      OnbCheckItem *item = g_ptr_array_index (items, i);

      g_message ("check %s: %s", item->id, item->message);
    }
}

static void
assert_absent (const char *secret)
{
  if (strstr (captured->str, secret) != NULL)
    g_error ("a secret (%zu characters, starting %.4s…) appears in the log output", strlen (secret), secret);
}

static void
test_no_secrets (void)
{
  g_autoptr(OnbTestSim) sim = cloud_test_sim_start (NULL);
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbHttpClient) http = NULL;
  g_autoptr(GPtrArray) device_tokens = NULL;

  sim_for_flow = sim;
  config = cloud_test_config (sim, NULL);
  http = onb_http_client_new (config);

  tts_flow (config, http);
  claim_flow (config, http);
  device_tokens = blynk_flow (config, http);
  check_flow (config, http);
  tts_wrong_key (config, http);
  blynk_wrong_secret (config, http);

  /* The flow did log (so the search means something)... */
  g_assert_nonnull (strstr (captured->str, "POST "));
  g_assert_nonnull (strstr (captured->str, "/oauth2/token"));
  g_assert_nonnull (strstr (captured->str, "failure: "));

  /* ...and no secret, nor any credential header. */
  assert_absent (ONB_TEST_SIM_TTS_API_KEY);
  assert_absent ("SIMULATORSECRETFULLRIGHTS");
  assert_absent ("WRONGSECRETWRONGSECRET");
  assert_absent (ONB_TEST_SIM_BLYNK_CLIENT_SECRET);
  assert_absent (WRONG_SECRET);
  assert_absent (APP_KEY);
  assert_absent (NWK_KEY);
  assert_absent (OWNER_TOKEN);
  assert_absent (WRONG_TOKEN);
  assert_absent (STATIC_TOKEN);
  assert_absent ("S8JAdKJqwl3eCS0hNIbXxugFZEjmh8nh");
  for (guint i = 0; i < device_tokens->len; i++)
    assert_absent (g_ptr_array_index (device_tokens, i));
  assert_absent ("Bearer");
  assert_absent ("Authorization");
  assert_absent ("access_token");
}

int
main (int   argc,
      char *argv[])
{
  /* As a technician debugging a kiosk would run it. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_log_set_debug_enabled (TRUE);
  captured = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/secrets/not-in-logs", test_no_secrets);

  return g_test_run ();
}
