/* test-blynk-client.c: the Blynk client against the simulator */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cloud-test.h"
#include "cloud-test-server.h"
#include "onb-blynk-client.h"
#include "onb-blynk-decode-private.h"
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
                GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_set_metafields_async (blynk, device_id, ONB_BLYNK_TEMPLATE_NUMBER_UNKNOWN, values, NULL, cloud_test_store_result, &result);
  return onb_blynk_client_set_metafields_finish (blynk, cloud_test_wait (&result), error);
}

/* Writes @values with the template's number known, as the engine does
 * after a create. */
static gboolean
set_metafields_of_template (OnbBlynkClient  *blynk,
                            gint64           device_id,
                            GHashTable      *values,
                            GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_set_metafields_async (blynk, device_id, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER, values, NULL,
                                         cloud_test_store_result, &result);
  return onb_blynk_client_set_metafields_finish (blynk, cloud_test_wait (&result), error);
}

static OnbBlynkStaticToken *
find_token (OnbBlynkClient  *blynk,
            const char      *token,
            GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_find_static_token_async (blynk, token, NULL, cloud_test_store_result, &result);
  return onb_blynk_client_find_static_token_finish (blynk, cloud_test_wait (&result), error);
}

static OnbBlynkDevice *
claim (OnbBlynkClient  *blynk,
       const char      *token,
       gint64           user_id,
       GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_blynk_client_claim_static_token_async (blynk, token, user_id, NULL, cloud_test_store_result, &result);
  return onb_blynk_client_claim_static_token_finish (blynk, cloud_test_wait (&result), error);
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

  device = create_device (f->blynk, "Soil 0018B20000000101", &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_blynk_device_get_id (device), >, 0);
  g_assert_cmpstr (onb_blynk_device_get_name (device), ==, "Soil 0018B20000000101");
  g_assert_cmpint (onb_blynk_device_get_template_number (device), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  g_assert_cmpstr (onb_blynk_device_get_template_id (device), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_ID);
  g_assert_nonnull (onb_blynk_device_get_token (device));

  /* The four metafields written concurrently (each takes CLOUD_TEST_OVERLAP_MS). */
  onb_test_sim_set_faults (sim, "{\"endpoints\": {\"blynk.metafield_set\": {\"latency_ms\": " CLOUD_TEST_OVERLAP_MS "}}}",
                           &error);
  g_assert_no_error (error);
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_DEV_EUI), g_strdup ("0018B20000000101"));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_JOIN_EUI), g_strdup ("70B3D57ED0000010"));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_APP_KEY), g_strdup ("2B7E151628AED2A6ABF7158809CF4F3C"));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_TTN_DEVICE), g_strdup ("eui-0018b20000000101"));
  onb_test_assert_ok (set_metafields (f->blynk, onb_blynk_device_get_id (device), values, &error), error);
  g_assert_cmpuint (onb_blynk_device_get_owner_id (device), ==, ONB_TEST_SIM_BLYNK_OWNER_ID);
  g_assert_false (onb_blynk_device_has_metafields (device));

  writes = cloud_test_log_entries (sim, "blynk.metafield_set");
  g_assert_cmpuint (writes->len, ==, 4);
  for (guint i = 0; i < writes->len; i++)
    {
      last_start = MAX (last_start, cloud_test_entry_ms (g_ptr_array_index (writes, i), "start_ms"));
      first_end = MIN (first_end, cloud_test_entry_ms (g_ptr_array_index (writes, i), "end_ms"));
    }
  g_assert_cmpfloat (last_start, <, first_end);

  /* The writes answer 204 without a body: a read shows what is stored. */
  read = get_device (f->blynk, onb_blynk_device_get_id (device), &error);
  g_assert_no_error (error);
  g_assert_true (onb_blynk_device_has_metafields (read));
  g_assert_cmpstr (onb_blynk_device_get_metafield (read, ONB_BLYNK_METAFIELD_TTN_DEVICE), ==, "eui-0018b20000000101");
  g_assert_cmpstr (onb_blynk_device_get_metafield (read, "Device Name"), ==, "Soil 0018B20000000101");
  g_assert_cmpstr (onb_blynk_device_get_metafield (read, "Serial Number"), ==, "");
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
  onb_test_assert_ok (delete_device (f->blynk, onb_blynk_device_get_id (read), &error), error);
  onb_test_assert_ok (delete_device (f->blynk, onb_blynk_device_get_id (read), &error), error);
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
  g_assert_false (set_metafields (f->blynk, onb_blynk_device_get_id (device), values, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
  g_assert_nonnull (strstr (error->message, "Colour"));
  /* Nothing written: names are checked first. */
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.metafield_set"), ==, 0);
}

static void
test_claim (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(OnbBlynkDevice) again = NULL;
  g_autoptr(OnbBlynkStaticToken) entry = NULL;
  g_autoptr(GError) error = NULL;

  entry = find_token (f->blynk, STATIC_TOKEN, &error);
  g_assert_no_error (error);
  g_assert_false (onb_blynk_static_token_is_claimed (entry));
  g_assert_cmpstr (onb_blynk_static_token_get_status (entry), ==, "UNCLAIMED");
  g_assert_cmpint (onb_blynk_static_token_get_product_id (entry), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  g_clear_pointer (&entry, onb_blynk_static_token_unref);

  device = claim (f->blynk, STATIC_TOKEN "+4711", ONB_TEST_SIM_BLYNK_OWNER_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_blynk_device_get_template_id (device), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_ID);
  g_assert_cmpint (onb_blynk_device_get_template_number (device), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  g_assert_cmpint (onb_blynk_device_get_owner_id (device), ==, ONB_TEST_SIM_BLYNK_OWNER_ID);

  /* The list now names the device and its owner. */
  entry = find_token (f->blynk, STATIC_TOKEN, &error);
  g_assert_no_error (error);
  g_assert_true (onb_blynk_static_token_is_claimed (entry));
  g_assert_cmpstr (onb_blynk_static_token_get_status (entry), ==, "CLAIMED");
  g_assert_cmpint (onb_blynk_static_token_get_device_id (entry), ==, onb_blynk_device_get_id (device));
  g_assert_cmpint (onb_blynk_static_token_get_owner_id (entry), ==, ONB_TEST_SIM_BLYNK_OWNER_ID);

  again = claim (f->blynk, STATIC_TOKEN, ONB_TEST_SIM_BLYNK_OWNER_ID, &error);
  g_assert_null (again);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
  g_assert_cmpuint (onb_cloud_error_get_http_status (error), ==, 400);
  g_assert_cmpstr (onb_cloud_error_get_server_message (error), ==, "Static token is already claimed.");
  g_assert_null (strstr (error->message, STATIC_TOKEN));
  g_clear_error (&error);

  g_clear_pointer (&entry, onb_blynk_static_token_unref);
  entry = find_token (f->blynk, "sqr_" "NotInTheListNotInTheListNotInThe", &error);
  g_assert_null (entry);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
}

/* The claim's answer is undocumented: an empty 2xx works too, the device
 * then comes from the token list. */
static void
test_claim_empty_answer (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(GError) error = NULL;

  onb_test_sim_set_settings (sim, "{\"blynk\": {\"claim_answer\": \"empty\"}}", &error);
  g_assert_no_error (error);

  device = claim (f->blynk, STATIC_TOKEN, ONB_TEST_SIM_BLYNK_OWNER_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_blynk_device_get_owner_id (device), ==, ONB_TEST_SIM_BLYNK_OWNER_ID);
  g_assert_cmpstr (onb_blynk_device_get_template_id (device), ==, ONB_TEST_SIM_BLYNK_TEMPLATE_ID);
  g_assert_true (onb_blynk_device_has_metafields (device));
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.static_tokens"), ==, 1);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_get"), ==, 1);
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

/* The metafield lists kept in a file: a new client (a new process) writes
 * right after the create without fetching the list; a list out of date
 * (an id the template no longer has, a name it lacks) is fetched again. */
static void
test_metafield_cache (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim, NULL);
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(OnbBlynkDevice) read = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("onb-test-blynk-cache-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "blynk-metafields.json", NULL);
  g_autofree char *number = g_strdup_printf ("%d", ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  const char *stale_lists[] = {
    /* Every name, "Device EUI" under an id the template does not have. */
    "{\"TEMPLATE\": [{\"id\": 999, \"name\": \"Device EUI\"}, {\"id\": 2, \"name\": \"Join EUI\"},"
    " {\"id\": 4, \"name\": \"Application Key\"}, {\"id\": 5, \"name\": \"TheThingsNetwork Device\"}]}",
    /* "Join EUI" missing. */
    "{\"TEMPLATE\": [{\"id\": 1, \"name\": \"Device EUI\"}]}",
    /* Not a file we wrote. */
    "[1, 2",
  };

  g_assert_no_error (error);
  device = create_device (f->blynk, "Soil 0018B20000000111", &error);
  g_assert_no_error (error);
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_DEV_EUI), g_strdup ("0018B20000000111"));
  g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_JOIN_EUI), g_strdup ("70B3D57ED0000010"));

  onb_blynk_client_set_metafield_cache (f->blynk, path);
  onb_test_assert_ok (set_metafields_of_template (f->blynk, onb_blynk_device_get_id (device), values, &error), error);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.template_metafields"), ==, 1);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  {
    g_autoptr(OnbBlynkClient) next = new_client (f->http, config);

    onb_blynk_client_set_metafield_cache (next, path);
    onb_test_assert_ok (set_metafields_of_template (next, onb_blynk_device_get_id (device), values, &error), error);
    g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.template_metafields"), ==, 1);
  }

  for (guint i = 0; i < G_N_ELEMENTS (stale_lists); i++)
    {
      g_autoptr(OnbBlynkClient) next = new_client (f->http, config);
      g_autoptr(GString) stale = g_string_new (stale_lists[i]);

      g_test_message ("list %u", i);
      g_string_replace (stale, "TEMPLATE", number, 0);
      onb_test_assert_ok (g_file_set_contents (path, stale->str, -1, &error), error);
      onb_blynk_client_set_metafield_cache (next, path);
      g_hash_table_insert (values, g_strdup (ONB_BLYNK_METAFIELD_DEV_EUI), g_strdup_printf ("0018B2000000011%u", i));
      onb_test_assert_ok (set_metafields_of_template (next, onb_blynk_device_get_id (device), values, &error), error);
      g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.template_metafields"), ==, 2 + i);

      g_clear_pointer (&read, onb_blynk_device_unref);
      read = get_device (next, onb_blynk_device_get_id (device), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (onb_blynk_device_get_metafield (read, ONB_BLYNK_METAFIELD_DEV_EUI), ==,
                       g_hash_table_lookup (values, ONB_BLYNK_METAFIELD_DEV_EUI));
    }

  g_unlink (path);
  g_rmdir (dir);
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

  number = resolve_template (f->blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpint (number, ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.template_list"), ==, 1);

  /* The other templates of the listing are cached with it. */
  number = resolve_template (f->blynk, "TMPLs3cNdT2pQ", &error);
  g_assert_no_error (error);
  g_assert_cmpint (number, ==, 102);
  number = resolve_template (f->blynk, ONB_TEST_SIM_BLYNK_TEMPLATE_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpint (number, ==, ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER);
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

/* ---- Blynk's documented examples (tests/fixtures/blynk/) ---------------- */

static json_object *
fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "blynk", name, NULL);
  json_object *json = json_object_from_file (path);

  g_assert_nonnull (json);
  return json;
}

static void
test_documented_examples (void)
{
  g_autoptr(json_object) device_json = fixture ("device.json");
  g_autoptr(json_object) get_json = fixture ("device-get.json");
  g_autoptr(json_object) page_json = fixture ("device-page.json");
  g_autoptr(json_object) templates_json = fixture ("templates-page.json");
  g_autoptr(json_object) metafields_json = fixture ("template-metafields.json");
  g_autoptr(json_object) tokens_json = fixture ("static-tokens-page.json");
  g_autoptr(json_object) token_json = fixture ("token.json");
  g_autoptr(json_object) token_error_json = fixture ("token-error.json");
  g_autoptr(json_object) error_json = fixture ("error.json");
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(OnbBlynkDevice) got = NULL;
  g_autoptr(OnbBlynkStaticToken) entry = NULL;
  g_autoptr(GHashTable) metafields = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) codes = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *message = NULL;
  g_autofree char *oauth_error = NULL;
  json_object *content = NULL;
  gint64 total = 0, id = 0, expires_in = 0;

  device = onb_blynk_device_new_from_json (device_json, &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_blynk_device_get_id (device), ==, 1);
  g_assert_cmpint (onb_blynk_device_get_template_number (device), ==, 353);
  g_assert_cmpstr (onb_blynk_device_get_template_id (device), ==, "TMPL0NqfCLjWX");
  g_assert_cmpint (onb_blynk_device_get_owner_id (device), ==, 879);
  g_assert_cmpstr (onb_blynk_device_get_name (device), ==, "My awesome device");
  g_assert_cmpstr (onb_blynk_device_get_token (device), ==, "ObArJM-PmArETx2gCEQxYqRri8CidcdL");
  g_assert_false (onb_blynk_device_has_metafields (device));

  got = onb_blynk_device_new_from_json (get_json, &error);
  g_assert_no_error (error);
  g_assert_true (onb_blynk_device_has_metafields (got));
  g_assert_cmpstr (onb_blynk_device_get_metafield (got, "Serial Number"), ==, "SN:123");
  g_assert_cmpuint (g_hash_table_size (onb_blynk_device_get_metafields (got)), ==, 1);

  onb_test_assert_ok (onb_blynk_decode_page (page_json, ONB_BLYNK_PAGE_SIZE, &content, &total, "p", &error), error);
  g_assert_cmpint (total, ==, 1);
  g_assert_cmpuint (json_object_array_length (content), ==, 1);

  g_assert_true (onb_blynk_decode_page (templates_json, ONB_BLYNK_PAGE_SIZE, &content, &total, "p", &error));
  onb_test_assert_ok (onb_blynk_decode_template (json_object_array_get_idx (content, 0), &id, &codes, &error), error);
  g_assert_cmpint (id, ==, 604);
  g_assert_cmpstrv (codes, ((const char * const[]) { "TMPL84aMXD6vd", NULL }));

  metafields = onb_blynk_decode_template_metafields (metafields_json, &error);
  g_assert_no_error (error);
  g_assert_cmpint (*(gint64 *) g_hash_table_lookup (metafields, "Custom Meta Field"), ==, 3);

  g_assert_true (onb_blynk_decode_page (tokens_json, ONB_BLYNK_PAGE_SIZE, &content, &total, "p", &error));
  entry = onb_blynk_static_token_new_from_json (json_object_array_get_idx (content, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_blynk_static_token_get_status (entry), ==, "UNCLAIMED");
  g_assert_false (onb_blynk_static_token_is_claimed (entry));
  g_assert_cmpint (onb_blynk_static_token_get_product_id (entry), ==, 525);
  g_assert_cmpint (onb_blynk_static_token_get_owner_id (entry), ==, 0);

  g_assert_true (onb_blynk_decode_token_answer (token_json, &access_token, &expires_in, &error));
  g_assert_cmpstr (access_token, ==, "...");
  g_assert_cmpint (expires_in, ==, 300);

  onb_blynk_decode_error_body (token_error_json, &message, &oauth_error);
  g_assert_cmpstr (oauth_error, ==, "invalid_client");
  g_assert_cmpstr (message, ==, "Client ID is not found or password is wrong.");
  g_clear_pointer (&message, g_free);
  g_clear_pointer (&oauth_error, g_free);
  onb_blynk_decode_error_body (error_json, &message, &oauth_error);
  g_assert_null (oauth_error);
  g_assert_cmpstr (message, ==, "Device with identifier 1 is not found or belong to another organization.");
}

/* Hostile answers: each one a worded bad-response, never an abort. */
static void
test_hostile_shapes (void)
{
  static const char * const devices[] = {
    "[]", "\"x\"", "null", "{}", "{\"id\": \"1\", \"name\": \"a\", \"templateId\": 1}",
    "{\"id\": 1, \"name\": 5, \"templateId\": 1}",
    "{\"id\": 1, \"name\": \"a\", \"templateId\": \"TMPL0NqfCLjWX\"}",
    "{\"id\": 1.5, \"name\": \"a\", \"templateId\": 1}",
    "{\"id\": -1, \"name\": \"a\", \"templateId\": 1}",
    "{\"id\": 1, \"name\": \"a\", \"templateId\": 1, \"hardwareInfo\": []}",
    "{\"id\": 1, \"name\": \"a\", \"templateId\": 1, \"hardwareInfo\": {\"templateId\": 7}}",
    "{\"id\": 1, \"name\": \"a\", \"templateId\": 1, \"ownerUserId\": \"879\"}",
    "{\"id\": 1, \"name\": \"a\", \"templateId\": 1, \"token\": {}}",
    "{\"id\": 1, \"name\": \"a\", \"templateId\": 1, \"metaFieldValues\": {}}",
    "{\"id\": 1, \"name\": \"a\", \"templateId\": 1, \"metaFieldValues\": [1]}",
    "{\"id\": 1, \"name\": \"a\", \"templateId\": 1, \"metaFieldValues\": [{\"id\": 1, \"name\": \"n\", \"value\": \"SN\"}]}",
    "{\"id\": 1, \"name\": \"a\", \"templateId\": 1, \"metaFieldValues\": [{\"id\": 1, \"name\": \"n\", \"value\": {\"value\": \"v\"}}]}",
    NULL
  };
  static const char * const pages[] = {
    "[]", "[{\"id\": 1}]", "{}", "{\"content\": {}, \"totalElements\": 1}", "{\"content\": [], \"totalElements\": \"1\"}",
    "{\"content\": [], \"totalElements\": -1}", "{\"content\": [], \"totalElements\": 1e9}", "{\"content\": []}",
    "{\"totalElements\": 0}", "7", NULL
  };
  static const char * const templates[] = {
    "{\"id\": 604, \"templateId\": \"TMPL84aMXD6vd\"}", "{\"id\": 604, \"templateIds\": \"TMPL84aMXD6vd\"}",
    "{\"id\": 604, \"templateIds\": [5]}", "{\"id\": \"604\", \"templateIds\": []}", "[]", NULL
  };
  static const char * const metafield_lists[] = {
    "{}", "[{\"id\": \"3\", \"name\": \"x\"}]", "[{\"id\": 3}]", "[null]", "{\"content\": []}", NULL
  };
  static const char * const tokens[] = {
    "{}", "{\"token\": 1, \"status\": \"CLAIMED\"}", "{\"token\": \"sqr_a\"}",
    "{\"token\": \"sqr_a\", \"status\": \"CLAIMED\", \"deviceId\": \"5\"}",
    "{\"token\": \"sqr_a\", \"status\": \"CLAIMED\", \"ownerId\": []}", NULL
  };
  static const char * const token_answers[] = {
    "{}", "[]", "{\"access_token\": 5}", "{\"access_token\": \"\"}", "{\"access_token\": \"a\\r\\nX: y\"}",
    "{\"access_token\": \"a\", \"expires_in\": \"300\"}", "{\"access_token\": \"a\", \"expires_in\": 0}",
    "{\"access_token\": \"a\", \"token_type\": \"MAC\"}", NULL
  };

  for (guint i = 0; devices[i] != NULL; i++)
    {
      g_autoptr(json_object) json = json_tokener_parse (devices[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(OnbBlynkDevice) device = onb_blynk_device_new_from_json (json, &error);

      g_test_message ("device %s: %s", devices[i], error != NULL ? error->message : "accepted");
      g_assert_null (device);
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
      g_assert_nonnull (strstr (error->message, "Blynk answered"));
    }

  for (guint i = 0; pages[i] != NULL; i++)
    {
      g_autoptr(json_object) json = json_tokener_parse (pages[i]);
      g_autoptr(GError) error = NULL;
      json_object *content = NULL;
      gint64 total = 0;

      g_assert_false (onb_blynk_decode_page (json, ONB_BLYNK_PAGE_SIZE, &content, &total, "the device list", &error));
      g_test_message ("page %s: %s", pages[i], error->message);
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
    }

  {
    /* More entries than asked for. */
    g_autoptr(json_object) json = json_object_new_object ();
    json_object *content = json_object_new_array ();
    g_autoptr(GError) error = NULL;
    json_object *out = NULL;
    gint64 total = 0;

    for (guint i = 0; i <= ONB_BLYNK_PAGE_SIZE; i++)
      json_object_array_add (content, json_object_new_object ());
    json_object_object_add (json, "content", content);
    json_object_object_add (json, "totalElements", json_object_new_int (200));
    g_assert_false (onb_blynk_decode_page (json, ONB_BLYNK_PAGE_SIZE, &out, &total, "the device list", &error));
    g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
  }

  for (guint i = 0; templates[i] != NULL; i++)
    {
      g_autoptr(json_object) json = json_tokener_parse (templates[i]);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) codes = NULL;
      gint64 id = 0;

      g_assert_false (onb_blynk_decode_template (json, &id, &codes, &error));
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
      g_assert_null (codes);
    }

  for (guint i = 0; metafield_lists[i] != NULL; i++)
    {
      g_autoptr(json_object) json = json_tokener_parse (metafield_lists[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GHashTable) map = onb_blynk_decode_template_metafields (json, &error);

      g_assert_null (map);
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
    }

  for (guint i = 0; tokens[i] != NULL; i++)
    {
      g_autoptr(json_object) json = json_tokener_parse (tokens[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(OnbBlynkStaticToken) entry = onb_blynk_static_token_new_from_json (json, &error);

      g_assert_null (entry);
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
    }

  for (guint i = 0; token_answers[i] != NULL; i++)
    {
      g_autoptr(json_object) json = json_tokener_parse (token_answers[i]);
      g_autoptr(GError) error = NULL;
      g_autofree char *token = NULL;
      gint64 expires_in = 0;

      g_assert_false (onb_blynk_decode_token_answer (json, &token, &expires_in, &error));
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
      g_assert_null (token);
    }
}

static void
test_same_site (void)
{
  g_assert_true (onb_blynk_same_site ("blynk.cloud", "fra1.blynk.cloud"));
  g_assert_true (onb_blynk_same_site ("fra1.blynk.cloud", "ny3.blynk.cloud"));
  g_assert_true (onb_blynk_same_site ("FRA1.Blynk.Cloud", "blynk.cloud"));
  g_assert_true (onb_blynk_same_site ("iot.example.co.uk", "eu.example.co.uk"));
  g_assert_true (onb_blynk_same_site ("127.0.0.1", "127.0.0.1"));
  g_assert_false (onb_blynk_same_site ("blynk.cloud", "evil.cloud"));
  g_assert_false (onb_blynk_same_site ("fra1.blynk.cloud", "blynk.cloud.evil.example"));
  g_assert_false (onb_blynk_same_site ("fra1.blynk.cloud", "notblynk.cloud"));
  g_assert_false (onb_blynk_same_site ("iot.example.co.uk", "other.co.uk"));
  g_assert_false (onb_blynk_same_site ("127.0.0.1", "localhost"));
  g_assert_false (onb_blynk_same_site ("127.0.0.1", "127.0.0.2"));
  g_assert_false (onb_blynk_same_site ("localhost", "other"));
}

/* A redirect to another host: refused, in words naming it, and nothing
 * (no client secret, no token) reaches that host. */
static void
test_redirect_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GUri) uri = g_uri_parse (onb_test_sim_get_redirect_url (sim), G_URI_FLAGS_NONE, NULL);
  g_autofree char *server = g_strdup_printf ("http://localhost:%d", g_uri_get_port (uri));
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "blynk", "server", server, NULL);
  g_autoptr(OnbBlynkClient) blynk = new_client (f->http, config);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) redirects = NULL;

  onb_blynk_client_authenticate_async (blynk, NULL, cloud_test_store_result, &result);
  g_assert_false (onb_blynk_client_authenticate_finish (blynk, cloud_test_wait (&result), &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_HTTP);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "http://127.0.0.1"));
  g_assert_nonnull (strstr (error->message, "sent no credentials"));
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.token"), ==, 0);
  g_assert_cmpstr (onb_blynk_client_get_server (blynk), ==, server);
  redirects = cloud_test_log_entries (sim, "redirect");
  g_assert_cmpuint (redirects->len, ==, 1);
}

static char *
raw_answer (const char *status_line,
            const char *content_type,
            const char *body)
{
  return g_strdup_printf ("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
                          status_line, content_type, strlen (body), body);
}

/* A server that is not Blynk, or a Blynk behind a broken proxy: every
 * answer a worded error with the right class, never an abort. */
static void
test_hostile_server (void)
{
  static const struct { const char *status; const char *type; const char *body; int code; const char *words; } logins[] = {
    { "400 Bad Request", "application/json", "{\"error\": \"invalid_grant\", \"error_description\": \"x\"}", ONB_CLOUD_ERROR_UNAUTHORIZED, "invalid_grant" },
    { "400 Bad Request", "application/json", "{\"error\": \"unauthorized_client\"}", ONB_CLOUD_ERROR_UNAUTHORIZED, "client-credentials grant" },
    { "400 Bad Request", "application/json", "{\"error\": \"unsupported_grant_type\"}", ONB_CLOUD_ERROR_INVALID_REQUEST, "did not understand" },
    { "400 Bad Request", "application/json", "{\"error\": {\"message\": 5}}", ONB_CLOUD_ERROR_UNAUTHORIZED, "client secret" },
    { "400 Bad Request", "text/html", "<html>Bad</html>", ONB_CLOUD_ERROR_UNAUTHORIZED, "client secret" },
    { "200 OK", "text/html", "<html>Welcome to nginx</html>", ONB_CLOUD_ERROR_BAD_RESPONSE, "not JSON" },
    { "200 OK", "application/json", "", ONB_CLOUD_ERROR_BAD_RESPONSE, "empty answer" },
    { "200 OK", "application/json", "[{\"access_token\": \"a\"}]", ONB_CLOUD_ERROR_BAD_RESPONSE, "a list instead of an object" },
    { "200 OK", "application/json", "{\"access_token\": \"a\", \"expires_in\": \"300\"}", ONB_CLOUD_ERROR_BAD_RESPONSE, "expires_in" },
    { "502 Bad Gateway", "text/html", "<html>502</html>", ONB_CLOUD_ERROR_SERVER_ERROR, "HTTP 502" },
  };
  static const struct { const char *status; const char *type; const char *body; int code; } answers[] = {
    { "200 OK", "text/html", "<html>Login</html>", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "200 OK", "application/json", "[]", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "200 OK", "application/json", "{\"content\": {}, \"totalElements\": 1}", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "200 OK", "application/json", "{\"id\": \"1\", \"name\": [], \"templateId\": \"TMPL1\"}", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "201 Created", "application/json", "\"device\"", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "503 Service Unavailable", "text/html", "<html>maintenance</html>", ONB_CLOUD_ERROR_SERVER_ERROR },
    { "500 Internal Server Error", "application/json", "", ONB_CLOUD_ERROR_SERVER_ERROR },
    { "404 Not Found", "application/json", "{\"error\": []}", ONB_CLOUD_ERROR_NOT_FOUND },
  };
  g_autoptr(TestServer) server = test_server_new (NULL);
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "blynk", "server", server->url, NULL);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
  g_autoptr(OnbBlynkClient) blynk = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      g_free (server->response);
      server->response = raw_answer (logins[i].status, logins[i].type, logins[i].body);
      server->response_len = strlen (server->response);
      g_clear_object (&blynk);
      blynk = new_client (http, config);
      onb_blynk_client_authenticate_async (blynk, NULL, cloud_test_store_result, &result);
      g_assert_false (onb_blynk_client_authenticate_finish (blynk, cloud_test_wait (&result), &error));
      g_test_message ("login %s %s: %s", logins[i].status, logins[i].body, error->message);
      g_assert_error (error, ONB_CLOUD_ERROR, logins[i].code);
      g_assert_nonnull (strstr (error->message, logins[i].words));
    }

  /* A good token, then answers of every wrong kind to every call. */
  g_free (server->response);
  server->response = raw_answer ("200 OK", "application/json", "{\"access_token\": \"t\", \"token_type\": \"Bearer\", \"expires_in\": 300}");
  server->response_len = strlen (server->response);
  g_clear_object (&blynk);
  blynk = new_client (http, config);
  {
    g_autoptr(GAsyncResult) result = NULL;

    onb_blynk_client_authenticate_async (blynk, NULL, cloud_test_store_result, &result);
    g_assert_true (onb_blynk_client_authenticate_finish (blynk, cloud_test_wait (&result), NULL));
  }

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr(GError) e_get = NULL, e_create = NULL, e_claim = NULL, e_search = NULL, e_token = NULL, e_template = NULL, e_fields = NULL;
      g_autoptr(OnbBlynkDevice) got = NULL, created = NULL, claimed = NULL;
      g_autoptr(GPtrArray) found = NULL;
      g_autoptr(OnbBlynkStaticToken) entry = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GHashTable) map = NULL;
      g_autofree char *code = g_strdup_printf ("TMPLhostile%u", i);
      GError *errors[7];

      g_free (server->response);
      server->response = raw_answer (answers[i].status, answers[i].type, answers[i].body);
      server->response_len = strlen (server->response);

      got = get_device (blynk, 1, &e_get);
      created = create_device (blynk, "Hostile", &e_create);
      claimed = claim (blynk, STATIC_TOKEN, ONB_TEST_SIM_BLYNK_OWNER_ID, &e_claim);
      found = search (blynk, "Hostile", &e_search);
      entry = find_token (blynk, STATIC_TOKEN, &e_token);
      resolve_template (blynk, code, &e_template);
      onb_blynk_client_get_metafields_async (blynk, 1000 + i, NULL, cloud_test_store_result, &result);
      map = onb_blynk_client_get_metafields_finish (blynk, cloud_test_wait (&result), &e_fields);

      errors[0] = e_get; errors[1] = e_create; errors[2] = e_claim; errors[3] = e_search;
      errors[4] = e_token; errors[5] = e_template; errors[6] = e_fields;
      g_assert_null (got);
      g_assert_null (created);
      g_assert_null (claimed);
      g_assert_null (found);
      g_assert_null (entry);
      /* An empty bare array is a documented metafield list. */
      if (g_str_equal (answers[i].body, "[]"))
        {
          g_assert_no_error (e_fields);
          g_assert_cmpuint (g_hash_table_size (map), ==, 0);
        }
      else
        g_assert_null (map);
      for (guint k = 0; k < G_N_ELEMENTS (errors); k++)
        {
          if (errors[k] == NULL && map != NULL)
            continue;
          g_test_message ("answer %s %s, call %u: %s", answers[i].status, answers[i].body, k, errors[k]->message);
          g_assert_error (errors[k], ONB_CLOUD_ERROR, answers[i].code);
          g_assert_true (g_utf8_validate (errors[k]->message, -1, NULL));
        }
    }
}

/* A redirect off the configured host's domain: not followed, nothing
 * sent there. */
static void
test_redirect_elsewhere (void)
{
  static const char * const locations[] = {
    "https://evil.example/oauth2/token", "https://fra1.blynk.cloud/oauth2/token", "//evil.example/x", "http://[::1]:1/x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (locations); i++)
    {
      g_autofree char *raw = g_strdup_printf ("HTTP/1.1 308 Permanent Redirect\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n", locations[i]);
      g_autoptr(TestServer) server = test_server_new (raw);
      g_autoptr(OnbConfig) config = cloud_test_config (sim, "blynk", "server", server->url, NULL);
      g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
      g_autoptr(OnbBlynkClient) blynk = new_client (http, config);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      onb_blynk_client_authenticate_async (blynk, NULL, cloud_test_store_result, &result);
      g_assert_false (onb_blynk_client_authenticate_finish (blynk, cloud_test_wait (&result), &error));
      g_test_message ("%s: %s", locations[i], error->message);
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_HTTP);
      g_assert_nonnull (strstr (error->message, "sent no credentials"));
      g_assert_cmpuint (server->n_requests, ==, 1);
      g_assert_cmpstr (onb_blynk_client_get_server (blynk), ==, server->url);
    }
}

/* More than one page of everything: a client reading one page fails. */
static void
test_paging (void)
{
  g_autoptr(GString) extra = g_string_new ("{\"blynk\": {\"templates\": [");
  g_autoptr(OnbTestSim) big = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbHttpClient) http = NULL;
  g_autoptr(OnbBlynkClient) blynk = NULL;
  g_autoptr(OnbBlynkStaticToken) entry = NULL;
  g_autoptr(OnbBlynkDevice) device = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *last_token = g_strdup_printf ("sqr_z%031d", 129);
  gint64 number;
  const guint n_devices = 230;

  g_string_append (extra, "{\"id\": 101, \"template_id\": \"TMPL4pXgRt1Kz\", \"name\": \"Soil\", "
                          "\"metafields\": [{\"id\": 1, \"name\": \"Device Name\", \"type\": \"DeviceName\"}]}");
  for (guint i = 0; i < 130; i++)
    g_string_append_printf (extra, ", {\"id\": %u, \"template_id\": \"TMPLpage%04u\", \"name\": \"T%u\", \"metafields\": []}",
                            1000 + i, i, i);
  g_string_append (extra, "], \"static_tokens\": [");
  for (guint i = 0; i < 130; i++)
    g_string_append_printf (extra, "%s{\"token\": \"sqr_z%031u\", \"template_id\": \"TMPL4pXgRt1Kz\"}", i > 0 ? ", " : "", i);
  g_string_append (extra, "]}}");

  big = onb_test_sim_start (extra->str, &error);
  g_assert_no_error (error);
  config = cloud_test_config (big, NULL);
  http = onb_http_client_new (config);
  blynk = new_client (http, config);

  /* The template and the token sit on the second page of 100. */
  number = resolve_template (blynk, "TMPLpage0129", &error);
  g_assert_no_error (error);
  g_assert_cmpint (number, ==, 1129);
  g_assert_cmpint (onb_test_sim_get_count (big, "blynk.template_list"), ==, 2);

  entry = find_token (blynk, last_token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_blynk_static_token_get_token (entry), ==, last_token);
  g_assert_cmpint (onb_test_sim_get_count (big, "blynk.static_tokens"), ==, 2);

  /* Blynk allows equal names; all of them over three pages. */
  for (guint i = 0; i < n_devices; i++)
    {
      g_autoptr(OnbBlynkDevice) twin = create_device (blynk, i % 2 == 0 ? "Twin" : "Twin 2", &error);

      g_assert_no_error (error);
    }
  found = search (blynk, "Twin", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, n_devices / 2);
  g_assert_cmpint (onb_test_sim_get_count (big, "blynk.search"), ==, 3);
  for (guint i = 0; i < found->len; i++)
    g_assert_cmpstr (onb_blynk_device_get_name (g_ptr_array_index (found, i)), ==, "Twin");
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
  ADD ("/blynk/metafield-cache", test_metafield_cache);
  ADD ("/blynk/claim", test_claim);
  ADD ("/blynk/token-refresh-on-401", test_token_refresh);
  ADD ("/blynk/token-expiry", test_token_expiry);
  ADD ("/blynk/bad-secret", test_bad_secret);
  ADD ("/blynk/redirect", test_redirect);
  ADD ("/blynk/rate-limit", test_rate_limit);
  ADD ("/blynk/server-errors", test_server_errors);
  ADD ("/blynk/resolve-template", test_resolve_template);
  ADD ("/blynk/claim-empty-answer", test_claim_empty_answer);
  ADD ("/blynk/redirect-refused", test_redirect_refused);
  g_test_add_func ("/blynk/documented-examples", test_documented_examples);
  g_test_add_func ("/blynk/hostile-shapes", test_hostile_shapes);
  g_test_add_func ("/blynk/same-site", test_same_site);
  g_test_add_func ("/blynk/paging", test_paging);
  g_test_add_func ("/blynk/hostile-server", test_hostile_server);
  g_test_add_func ("/blynk/redirect-elsewhere", test_redirect_elsewhere);
#undef ADD

  sim = onb_test_sim_start (NULL, &error);
  g_assert_no_error (error);
  status = g_test_run ();
  onb_test_sim_stop (sim);

  return status;
}
