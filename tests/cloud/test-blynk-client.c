/* test-blynk-client.c: the Blynk client against the simulator */

#include "config.h"

#include <string.h>

#include "cloud-test.h"
#include "onb-blynk-client.h"
#include "onb-cloud-error.h"

#define STATIC_TOKEN "sqr_GFshG0g3fh85hW0xUxPPCRsxu176w33v"

static OnbTestSim *sim;

typedef struct
{
  OnbHttpClient  *http;
  OnbBlynkClient *blynk;
} Fixture;

static OnbBlynkClient *
new_client (OnbHttpClient *http,
            OnbConfig     *config)
{
  g_autoptr(GError) error = NULL;
  OnbBlynkClient *blynk = onb_blynk_client_new (http, config, &error);

  g_assert_no_error (error);
  return blynk;
}

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
  f->blynk = new_client (f->http, config);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->blynk);
  g_clear_object (&f->http);
}

static OnbBlynkDevice *
create_device (OnbBlynkClient  *blynk,
               const char      *name,
               GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_create_device_async (blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, name,
                                        ONB_TEST_SIM_BLYNK_OWNER_ID, NULL,
                                        cloud_test_store_result, &result);
  return onb_blynk_client_create_device_finish (blynk, cloud_test_wait (&result), error);
}

static OnbBlynkDevice *
get_device (OnbBlynkClient  *blynk,
            gint64           id,
            GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_get_device_async (blynk, id, NULL, cloud_test_store_result, &result);
  return onb_blynk_client_get_device_finish (blynk, cloud_test_wait (&result), error);
}

static gboolean
delete_device (OnbBlynkClient  *blynk,
               gint64           id,
               GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_delete_device_async (blynk, id, NULL, cloud_test_store_result, &result);
  return onb_blynk_client_delete_device_finish (blynk, cloud_test_wait (&result), error);
}

static gboolean
set_metafields (OnbBlynkClient  *blynk,
                gint64           device_id,
                GHashTable      *values,
                GHashTable     **out_stored,
                GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_set_metafields_async (blynk, device_id, 0, values, NULL, cloud_test_store_result, &result);
  return onb_blynk_client_set_metafields_finish (blynk, cloud_test_wait (&result), out_stored, error);
}

static GPtrArray *
search (OnbBlynkClient  *blynk,
        const char      *name,
        GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_search_devices_async (blynk, name, NULL, cloud_test_store_result, &result);
  return onb_blynk_client_search_devices_finish (blynk, cloud_test_wait (&result), error);
}

static void
test_device_lifecycle (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(OnbBlynkDevice) read = NULL;
  g_autoptr(OnbBlynkDevice) gone = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  double last_start = 0, first_end = G_MAXDOUBLE;
  g_autoptr(GPtrArray) writes = NULL;
  g_autoptr(GHashTable) stored = NULL;

  device = create_device (f->blynk, "Soil 0018B20000000101", &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_blynk_device_get_id (device), >, 0);
  g_assert_cmpstr (onb_blynk_device_get_name (device), ==, "Soil 0018B20000000101");
  g_assert_cmpint (onb_blynk_device_get_template_id (device), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  g_assert_cmpstr (onb_blynk_device_get_template_code (device), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_ID);
  g_assert_nonnull (onb_blynk_device_get_token (device));

  /* The four metafields written concurrently (each takes 300 ms). */
  onb_test_sim_set_faults (sim, "{\"endpoints\": {\"blynk.metafield_set\": {\"latency_ms\": 300}}}", &error);
  g_assert_no_error (error);
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_DEV_EUI), g_strdup ("0018B20000000101"));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_JOIN_EUI), g_strdup ("70B3D57ED0000010"));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_APP_KEY), g_strdup ("2B7E151628AED2A6ABF7158809CF4F3C"));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_TTN_DEVICE), g_strdup ("eui-0018b20000000101"));
  g_assert_true (set_metafields (f->blynk, onb_blynk_device_get_id (device), values, &stored, &error));
  g_assert_no_error (error);
  /* The answers say what was stored: every value, as written. */
  g_assert_nonnull (stored);
  g_assert_cmpuint (g_hash_table_size (stored), ==, g_hash_table_size (values));
  g_assert_cmpstr (g_hash_table_lookup (stored, ONB_BLYNK_METAFIELD_TTN_DEVICE), ==, "eui-0018b20000000101");
  g_assert_cmpstr (g_hash_table_lookup (stored, ONB_BLYNK_METAFIELD_DEV_EUI), ==, "0018B20000000101");

  writes = cloud_test_log_entries (sim, "blynk.metafield_set");
  g_assert_cmpuint (writes->len, ==, 4);
  for (guint i = 0; i < writes->len; i++)
    {
      last_start = MAX (last_start, cloud_test_entry_ms (g_ptr_array_index (writes, i), "start_ms"));
      first_end = MIN (first_end, cloud_test_entry_ms (g_ptr_array_index (writes, i), "end_ms"));
    }
  g_assert_cmpfloat (last_start, <, first_end);

  read = get_device (f->blynk, onb_blynk_device_get_id (device), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_blynk_device_get_metafield (read, ONB_BLYNK_METAFIELD_TTN_DEVICE), ==, "eui-0018b20000000101");
  g_assert_cmpstr (onb_blynk_device_get_metafield (read, ONB_BLYNK_METAFIELD_APP_KEY), ==, "2B7E151628AED2A6ABF7158809CF4F3C");

  /* The server's search is fuzzy; ours is exact. */
  g_clear_pointer (&device, onb_blynk_device_unref);
  device = create_device (f->blynk, "Soil 0018B20000000101 (old)", &error);
  g_assert_no_error (error);
  found = search (f->blynk, "Soil 0018B20000000101", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpint (onb_blynk_device_get_id (g_ptr_array_index (found, 0)), ==, onb_blynk_device_get_id (read));

  /* Delete, and again: already gone is success. */
  g_assert_true (delete_device (f->blynk, onb_blynk_device_get_id (read), &error));
  g_assert_no_error (error);
  g_assert_true (delete_device (f->blynk, onb_blynk_device_get_id (read), &error));
  g_assert_no_error (error);
  gone = get_device (f->blynk, onb_blynk_device_get_id (read), &error);
  g_assert_null (gone);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_assert_false (onb_cloud_error_is_transient (error));

  /* One token served all of that. */
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.token"), ==, 1);
}

static void
test_unknown_metafield (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(OnbBlynkDevice) device = create_device (f->blynk, "Soil A", NULL);
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (device);
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_DEV_EUI), g_strdup ("0018B20000000101"));
  g_hash_table_insert (values, g_strdup ("Colour"), g_strdup ("green"));
  g_assert_false (set_metafields (f->blynk, onb_blynk_device_get_id (device), values, NULL, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
  g_assert_nonnull (strstr (error->message, "Colour"));
  /* Nothing written: names are checked first. */
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.metafield_set"), ==, 0);
}

static void
test_claim (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(OnbBlynkDevice) again = NULL;
  g_autoptr(GError) error = NULL;

  onb_blynk_client_claim_static_token_async (f->blynk, STATIC_TOKEN, ONB_TEST_SIM_BLYNK_OWNER_ID, NULL,
                                             cloud_test_store_result, &result);
  device = onb_blynk_client_claim_static_token_finish (f->blynk, cloud_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_blynk_device_get_template_code (device), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_ID);

  g_clear_object (&result);
  onb_blynk_client_claim_static_token_async (f->blynk, STATIC_TOKEN, ONB_TEST_SIM_BLYNK_OWNER_ID, NULL,
                                             cloud_test_store_result, &result);
  again = onb_blynk_client_claim_static_token_finish (f->blynk, cloud_test_wait (&result), &error);
  g_assert_null (again);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
  g_assert_cmpuint (onb_cloud_error_get_http_status (error), ==, 400);
  g_assert_cmpstr (onb_cloud_error_get_server_message (error), ==, "Static token is already claimed.");
  g_assert_null (strstr (error->message, STATIC_TOKEN));
}

static void
test_token_refresh (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(OnbBlynkDevice) read = NULL;
  g_autoptr(GError) error = NULL;

  device = create_device (f->blynk, "Soil B", &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.token"), ==, 1);

  /* Revoked behind our back: one 401, a new token, the call succeeds. */
  onb_test_sim_expire_blynk_tokens (sim, &error);
  g_assert_no_error (error);
  read = get_device (f->blynk, onb_blynk_device_get_id (device), &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.token"), ==, 2);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_get"), ==, 2);
}

static void
test_token_expiry (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(OnbBlynkDevice) read = NULL;

  onb_test_sim_set_settings (sim, "{\"blynk\": {\"token_lifetime_s\": 2}}", &error);
  g_assert_no_error (error);
  device = create_device (f->blynk, "Soil C", &error);
  g_assert_no_error (error);

  /* Renewed before expires_in runs out, so the server never says 401. */
  g_usleep (1200 * 1000);
  read = get_device (f->blynk, onb_blynk_device_get_id (device), &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.token"), ==, 2);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_get"), ==, 1);
}

static void
test_bad_secret (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "blynk", "client_secret", "WrongSecret123", NULL);
  g_autoptr(OnbBlynkClient) blynk = new_client (f->http, config);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  onb_blynk_client_authenticate_async (blynk, NULL, cloud_test_store_result, &result);
  g_assert_false (onb_blynk_client_authenticate_finish (blynk, cloud_test_wait (&result), &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (onb_cloud_error_get_server_name (error), ==, "invalid_client");
  g_assert_nonnull (strstr (error->message, "client secret"));
  g_assert_null (strstr (error->message, "WrongSecret123"));
  g_clear_error (&error);

  /* Every call waiting for that token fails the same way. */
  device = create_device (blynk, "Soil D", &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_UNAUTHORIZED);
}

static void
test_redirect (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "blynk", "server", onb_test_sim_get_redirect_url (sim), NULL);
  g_autoptr(OnbBlynkClient) blynk = new_client (f->http, config);
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(OnbBlynkDevice) read = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (onb_blynk_client_get_server (blynk), ==, onb_test_sim_get_redirect_url (sim));
  device = create_device (blynk, "Soil E", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_blynk_client_get_server (blynk), ==, onb_test_sim_get_url (sim));
  read = get_device (blynk, onb_blynk_device_get_id (device), &error);
  g_assert_no_error (error);

  /* Only the very first request went to the wrong host. */
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.token"), ==, 1);
  {
    g_autoptr(GPtrArray) redirects = cloud_test_log_entries (sim, "redirect");

    g_assert_cmpuint (redirects->len, ==, 1);
  }
}

static void
test_rate_limit (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) a = NULL;
  g_autoptr(OnbBlynkDevice) b = NULL;
  g_autoptr(OnbBlynkDevice) c = NULL;
  int count;

  onb_test_sim_set_settings (sim, "{\"blynk\": {\"rate_limit_per_minute\": 2}}", &error);
  g_assert_no_error (error);
  a = create_device (f->blynk, "Soil F", &error);
  g_assert_no_error (error);
  b = get_device (f->blynk, onb_blynk_device_get_id (a), &error);
  g_assert_no_error (error);

  g_clear_pointer (&b, onb_blynk_device_unref);
  b = get_device (f->blynk, onb_blynk_device_get_id (a), &error);
  g_assert_null (b);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_RATE_LIMITED);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_assert_cmpint (onb_cloud_error_get_retry_after (error), >, 0);
  g_assert_cmpint (onb_cloud_error_get_retry_after (error), <=, 60);
  g_clear_error (&error);

  /* Honoured: the next call does not even reach the server. */
  count = onb_test_sim_get_count (sim, "blynk.device_get");
  c = get_device (f->blynk, onb_blynk_device_get_id (a), &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_RATE_LIMITED);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_get"), ==, count);
}

static void
test_server_errors (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;

  onb_test_sim_set_faults (sim, "{\"script\": {\"blynk.device_create\": [\"503\", \"drop\", \"drop\"]}}", &error);
  g_assert_no_error (error);

  device = create_device (f->blynk, "Soil G", &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_SERVER_ERROR);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_assert_cmpint (onb_cloud_error_get_retry_after (error), ==, 1);
  g_clear_error (&error);

  device = create_device (f->blynk, "Soil G", &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_CONNECTION_RESET);
  g_clear_error (&error);

  onb_test_sim_set_network_down (sim, TRUE, &error);
  g_assert_no_error (error);
  device = create_device (f->blynk, "Soil G", &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_CONNECTION_REFUSED);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_clear_error (&error);
  onb_test_sim_set_network_down (sim, FALSE, &error);
  g_assert_no_error (error);

  device = create_device (f->blynk, "Soil G", &error);
  g_assert_no_error (error);
}

static gint64
resolve_template (OnbBlynkClient  *blynk,
                  const char      *code,
                  GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_resolve_template_async (blynk, code, NULL, cloud_test_store_result, &result);
  return onb_blynk_client_resolve_template_finish (blynk, cloud_test_wait (&result), error);
}

static void
test_resolve_template (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GHashTable) map = NULL;
  g_autoptr(GError) error = NULL;
  gint64 number;

  /* No device of the template exists: the template list answers. */
  number = resolve_template (f->blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpint (number, ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.template_list"), ==, 1);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_list"), ==, 0);

  /* The other templates of the listing are cached with it. */
  g_assert_cmpint (resolve_template (f->blynk, "TMPLs3cNdT2pQ", &error), ==, 102);
  g_assert_no_error (error);
  g_assert_cmpint (resolve_template (f->blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, &error), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  g_assert_no_error (error);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.template_list"), ==, 1);

  number = resolve_template (f->blynk, "TMPLnoSuchTmpl", &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "The Blynk template TMPLnoSuchTmpl does not exist in this organisation: check [blynk] template_id in Setup.");
  g_assert_cmpint (number, ==, -1);
  g_clear_error (&error);

  onb_blynk_client_get_metafields_async (f->blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER, NULL, cloud_test_store_result, &result);
  map = onb_blynk_client_get_metafields_finish (f->blynk, cloud_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (*(gint64 *) g_hash_table_lookup (map, ONB_BLYNK_METAFIELD_APP_KEY), ==, 4);

  /* Cached: asking again costs no request. */
  g_clear_pointer (&map, g_hash_table_unref);
  g_clear_object (&result);
  onb_blynk_client_get_metafields_async (f->blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER, NULL, cloud_test_store_result, &result);
  map = onb_blynk_client_get_metafields_finish (f->blynk, cloud_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.template_metafields"), ==, 1);
}

/* A server without the template list (404): a device's productId. */
static void
test_resolve_template_fallback (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  gint64 number;

  onb_test_sim_set_settings (sim, "{\"blynk\": {\"template_list\": false}}", &error);
  g_assert_no_error (error);

  number = resolve_template (f->blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "No Blynk device of the template"));
  g_assert_cmpint (number, ==, -1);
  g_clear_error (&error);

  device = create_device (f->blynk, "Soil H", &error);
  g_assert_no_error (error);
  number = resolve_template (f->blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpint (number, ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.template_list"), ==, 2);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_list"), ==, 2);

  /* Cached like the listing's answer. */
  g_assert_cmpint (resolve_template (f->blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, &error), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  g_assert_no_error (error);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_list"), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/blynk/device-lifecycle", test_device_lifecycle);
  ADD ("/blynk/unknown-metafield", test_unknown_metafield);
  ADD ("/blynk/claim", test_claim);
  ADD ("/blynk/token-refresh-on-401", test_token_refresh);
  ADD ("/blynk/token-expiry", test_token_expiry);
  ADD ("/blynk/bad-secret", test_bad_secret);
  ADD ("/blynk/redirect", test_redirect);
  ADD ("/blynk/rate-limit", test_rate_limit);
  ADD ("/blynk/server-errors", test_server_errors);
  ADD ("/blynk/resolve-template", test_resolve_template);
  ADD ("/blynk/resolve-template-fallback", test_resolve_template_fallback);
#undef ADD

  sim = onb_test_sim_start (NULL, &error);
  g_assert_no_error (error);
  status = g_test_run ();
  onb_test_sim_stop (sim);

  return status;
}
