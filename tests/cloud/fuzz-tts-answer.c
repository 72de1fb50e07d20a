/* fuzz-tts-answer.c: libFuzzer target for the decoders of The Things
 * Stack's answers: errors, device records, auth_info, frequency plans
 *
 * The first byte picks the HTTP status, the rest is the body. Built as a
 * real fuzzer with `-Dfuzzing=true` and clang; the normal test run
 * replays tests/cloud/corpus/tts-answer through the same entry point.
 */

#include "config.h"

#include <string.h>

#include "fuzz-code.h"
#include "onb-cloud-error.h"
#include "onb-http-response-private.h"
#include "onb-tts-client-private.h"

static const guint statuses[] = {
  200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503, 308, 418,
};

static OnbTtsClient *
client (void)
{
  static OnbTtsClient *tts;

  if (tts == NULL)
    {
      g_autoptr(OnbConfig) config = onb_config_new ();
      g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
      static const char * const keys[] = { "identity_server", "join_server", "network_server", "application_server" };

      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        onb_config_set_string (config, "tts", keys[i], "http://127.0.0.1:1");
      onb_config_set_string (config, "tts", "application_id", "warehouse-sensors");
      onb_config_set_string (config, "tts", "api_key", "NNSXS.FUZZ");
      onb_config_set_string (config, "tts", "frequency_plan", "EU_863_870_TTN");
      onb_config_set_string (config, "tts", "lorawan_version", "MAC_V1_1");
      onb_config_set_string (config, "tts", "phy_version", "RP001_V1_1_REV_B");
      tts = onb_tts_client_new (http, config, NULL);
      g_assert (tts != NULL);
    }

  return tts;
}

static void
assert_worded (const GError *error)
{
  g_assert (error != NULL && error->domain == ONB_CLOUD_ERROR);
  g_assert (g_utf8_validate (error->message, -1, NULL));
  /* A server's text is quoted, never a megabyte of it. */
  g_assert (strlen (error->message) < 2048);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(OnbTtsDevice) device = onb_tts_device_new ("0018B20000000101", "70B3D57ED0000010",
                                                       "2B7E151628AED2A6ABF7158809CF4F3C",
                                                       "00112233445566778899AABBCCDDEEFF", NULL);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(json_object) json = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *headers;

  if (size == 0)
    return 0;

  headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (headers, g_strdup ("location"), g_strndup ((const char *) data + 1, MIN (size - 1, 64)));
  response = onb_http_response_new (statuses[data[0] % G_N_ELEMENTS (statuses)], 1, headers,
                                    g_bytes_new (data + 1, size - 1), 0);

  if (!onb_http_response_is_success (response))
    {
      g_autoptr(GError) decoded = onb_tts_client_decode_error (client (), ONB_TTS_COMPONENT_NS,
                                                               "eui-0018b20000000101", response);

      assert_worded (decoded);
      return 0;
    }

  json = onb_tts_client_decode_answer (response, &error);
  g_assert ((json == NULL) != (error == NULL));
  if (json == NULL)
    {
      assert_worded (error);
      return 0;
    }

  for (OnbTtsComponent c = ONB_TTS_COMPONENT_IS; c <= ONB_TTS_COMPONENT_AS; c++)
    {
      g_autoptr(GError) differs = NULL;

      if (!onb_tts_client_verify_device (client (), c, device, json, &differs))
        assert_worded (differs);
    }

  {
    g_auto(GStrv) missing = onb_tts_client_missing_rights (client (), json, TRUE);
    g_autoptr(GPtrArray) plans = onb_tts_decode_frequency_plans (json, &error);

    g_assert (missing != NULL);
    if (plans == NULL)
      assert_worded (error);
    for (guint i = 0; plans != NULL && i < plans->len; i++)
      {
        OnbTtsFrequencyPlan *plan = g_ptr_array_index (plans, i);

        g_assert (plan->id != NULL && g_utf8_validate (plan->id, -1, NULL));
      }
  }

  return 0;
}
