/* test-tts-client.c: The Things Stack client against the simulator */

#include "config.h"

#include "cloud-test.h"
#include "cloud-test-server.h"
#include "onb-cloud-error.h"
#include "onb-error.h"
#include "onb-tts-client-private.h"

#define DEV_EUI  "0018B20000000101"
#define JOIN_EUI "70B3D57ED0000010"
#define APP_KEY  "2B7E151628AED2A6ABF7158809CF4F3C"
#define NWK_KEY  "00112233445566778899AABBCCDDEEFF"
#define DEV_ID   "eui-0018b20000000101"

static OnbTestSim *sim;

typedef struct
{
  OnbHttpClient *http;
  OnbTtsClient  *tts;
  OnbTtsDevice  *device;
} Fixture;

static OnbTtsClient *
new_client (OnbHttpClient *http,
            OnbConfig     *config)
{
  g_autoptr(GError) error = NULL;
  OnbTtsClient *tts = onb_tts_client_new (http, config, &error);

  g_assert_no_error (error);
  return tts;
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
  f->tts = new_client (f->http, config);
  f->device = onb_tts_device_new (DEV_EUI, JOIN_EUI, APP_KEY, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->device, onb_tts_device_unref);
  g_clear_object (&f->tts);
  g_clear_object (&f->http);
}

static gboolean
create_is (OnbTtsClient  *tts,
           OnbTtsDevice  *device,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_tts_client_create_is_async (tts, device, NULL, cloud_test_store_result, &result);
  return onb_tts_client_create_is_finish (tts, cloud_test_wait (&result), NULL, error);
}

static gboolean
set_component (OnbTtsClient     *tts,
               OnbTtsComponent   component,
               OnbTtsDevice     *device,
               GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_tts_client_set_async (tts, component, device, NULL, cloud_test_store_result, &result);
  return onb_tts_client_set_finish (tts, cloud_test_wait (&result), NULL, error);
}

static json_object *
get_component (OnbTtsClient     *tts,
               OnbTtsComponent   component,
               const char       *device_id,
               GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_tts_client_get_async (tts, component, device_id, NULL, cloud_test_store_result, &result);
  return onb_tts_client_get_finish (tts, cloud_test_wait (&result), error);
}

static gboolean
delete_device (OnbTtsClient  *tts,
               const char    *device_id,
               GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_tts_client_delete_async (tts, device_id, NULL, cloud_test_store_result, &result);
  return onb_tts_client_delete_finish (tts, cloud_test_wait (&result), error);
}

/* The simulator's record of our device on @component, or NULL. */
static json_object *
sim_record (const char *component)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) state = onb_test_sim_get_state (sim, &error);
  json_object *records = NULL;
  json_object *record = NULL;

  g_assert_no_error (error);
  g_assert_true (json_object_object_get_ex (state, "tts", &records));
  g_assert_true (json_object_object_get_ex (records, component, &records));
  if (!json_object_object_get_ex (records, ONB_TEST_SIM_TTS_APP_ID "/" DEV_ID, &record))
    return NULL;

  return json_object_get (record);
}

static const char *
str_at (json_object *object,
        const char  *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (!json_object_object_get_ex (object, parts[i], &object))
      return NULL;

  return json_object_get_string (object);
}

static void
test_create_success (Fixture       *f,
                     gconstpointer  data)
{
  static const char * const components[] = { "is", "js", "ns", "as" };
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) is = NULL;
  g_autoptr(json_object) js = NULL;
  g_autoptr(json_object) ns = NULL;

  onb_test_assert_ok (cloud_test_tts_create_device (f->tts, f->device, &error), error);

  for (guint i = 0; i < G_N_ELEMENTS (components); i++)
    {
      g_autoptr(json_object) record = sim_record (components[i]);

      g_assert_nonnull (record);
      g_assert_cmpstr (str_at (record, "ids.dev_eui"), ==, DEV_EUI);
      g_assert_cmpstr (str_at (record, "ids.join_eui"), ==, JOIN_EUI);
    }

  /* Exactly the bodies The Things Stack documents, addresses without a scheme. */
  is = sim_record ("is");
  g_assert_cmpstr (str_at (is, "join_server_address"), ==, strstr (onb_test_sim_get_url (sim), "://") + 3);
  js = sim_record ("js");
  g_assert_cmpstr (str_at (js, "root_keys.app_key.key"), ==, APP_KEY);
  g_assert_null (str_at (js, "root_keys.nwk_key.key"));
  g_assert_cmpstr (str_at (js, "network_server_address"), ==, str_at (is, "network_server_address"));
  ns = sim_record ("ns");
  g_assert_cmpstr (str_at (ns, "frequency_plan_id"), ==, ONB_TEST_SIM_TTS_FREQUENCY_PLAN);
  g_assert_true (json_object_get_boolean (json_object_object_get (ns, "supports_join")));
  g_assert_false (json_object_get_boolean (json_object_object_get (ns, "supports_class_c")));

  /* Read back from every component and verify. */
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_IS; c <= ONB_TTS_COMPONENT_AS; c++)
    {
      g_autoptr(json_object) read = get_component (f->tts, c, DEV_ID, &error);

      g_assert_no_error (error);
      onb_test_assert_ok (onb_tts_client_verify_device (f->tts, c, f->device, read, &error), error);
    }
}

static void
test_concurrent_components (Fixture       *f,
                            gconstpointer  data)
{
  static const char * const sets[] = { "tts.js.set", "tts.ns.set", "tts.as.set" };
  g_autoptr(GError) error = NULL;
  double last_start = 0, first_end = G_MAXDOUBLE, is_end;
  g_autoptr(GPtrArray) is_entries = NULL;

  onb_test_sim_set_faults (sim, "{\"endpoints\": {\"tts\": {\"latency_ms\": " CLOUD_TEST_OVERLAP_MS "}}}", &error);
  g_assert_no_error (error);

  onb_test_assert_ok (cloud_test_tts_create_device (f->tts, f->device, &error), error);

  is_entries = cloud_test_log_entries (sim, "tts.is.create");
  g_assert_cmpuint (is_entries->len, ==, 1);
  is_end = cloud_test_entry_ms (g_ptr_array_index (is_entries, 0), "end_ms");

  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autoptr(GPtrArray) entries = cloud_test_log_entries (sim, sets[i]);
      json_object *entry;

      g_assert_cmpuint (entries->len, ==, 1);
      entry = g_ptr_array_index (entries, 0);
      /* IS first... */
      g_assert_cmpfloat (cloud_test_entry_ms (entry, "start_ms"), >=, is_end);
      last_start = MAX (last_start, cloud_test_entry_ms (entry, "start_ms"));
      first_end = MIN (first_end, cloud_test_entry_ms (entry, "end_ms"));
    }

  /* ...then all three in flight at once: every one started before any
   * finished (each takes CLOUD_TEST_OVERLAP_MS). */
  g_assert_cmpfloat (last_start, <, first_end);
}

static void
test_already_exists (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (cloud_test_tts_create_device (f->tts, f->device, &error), error);

  /* The same box again: "already there", not a conflict... */
  g_assert_false (create_is (f->tts, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_ALREADY_EXISTS);
  g_assert_cmpuint (onb_cloud_error_get_http_status (error), ==, 409);
  g_assert_false (onb_cloud_error_is_transient (error));
  g_assert_cmpstr (onb_error_get_reason (error), ==, "already-exists");
  g_clear_error (&error);

  /* ...and the whole creation adopts it. */
  onb_test_assert_ok (cloud_test_tts_create_device (f->tts, f->device, &error), error);
}

static json_object *
find_by_eui (OnbTtsClient  *tts,
             OnbTtsDevice  *device,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_tts_client_find_by_eui_async (tts, device, NULL, cloud_test_store_result, &result);
  return onb_tts_client_find_by_eui_finish (tts, cloud_test_wait (&result), error);
}

/* The IS search finds a device by its EUIs whatever its ID, only with both
 * EUIs equal; none is answered `{}`, which is no error. */
static void
test_find_by_eui (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTtsDevice) other_join = onb_tts_device_new (DEV_EUI, "70B3D57ED0000011", APP_KEY, NULL, &error);
  g_autoptr(OnbTtsDevice) renamed = NULL;
  g_autoptr(json_object) none = NULL;
  g_autoptr(json_object) found = NULL;
  g_autoptr(json_object) not_this = NULL;

  g_assert_no_error (error);
  none = find_by_eui (f->tts, f->device, &error);
  g_assert_no_error (error);
  g_assert_null (none);

  renamed = onb_tts_device_new_with_id (f->device, "made-by-blynk-7");
  g_assert_cmpstr (onb_tts_device_get_app_key (renamed), ==, APP_KEY);
  onb_test_assert_ok (cloud_test_tts_create_device (f->tts, renamed, &error), error);
  found = find_by_eui (f->tts, f->device, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (str_at (found, "ids.device_id"), ==, "made-by-blynk-7");
  g_assert_cmpstr (str_at (found, "ids.dev_eui"), ==, DEV_EUI);

  not_this = find_by_eui (f->tts, other_join, &error);
  g_assert_no_error (error);
  g_assert_null (not_this);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.search"), ==, 3);
}

/* Each write answers with the device as the server stored it, and that
 * answer verifies like a read-back (the engine then reads nothing back). */
static void
test_answers_verify (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(json_object) record = NULL;
  g_autoptr(GError) error = NULL;

  onb_tts_client_create_is_async (f->tts, f->device, NULL, cloud_test_store_result, &result);
  onb_test_assert_ok (onb_tts_client_create_is_finish (f->tts, cloud_test_wait (&result), &record, &error), error);
  g_assert_nonnull (record);
  onb_test_assert_ok (onb_tts_client_verify_device (f->tts, ONB_TTS_COMPONENT_IS, f->device, record, &error), error);

  for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
    {
      g_clear_object (&result);
      g_clear_pointer (&record, json_object_put);
      onb_tts_client_set_async (f->tts, c, f->device, NULL, cloud_test_store_result, &result);
      onb_test_assert_ok (onb_tts_client_set_finish (f->tts, cloud_test_wait (&result), &record, &error), error);
      g_assert_nonnull (record);
      onb_test_assert_ok (onb_tts_client_verify_device (f->tts, c, f->device, record, &error), error);
    }
  /* The NS answer holds what NS stored, not an echo of ids only. */
  g_clear_pointer (&record, json_object_put);
  g_clear_object (&result);
  onb_tts_client_set_async (f->tts, ONB_TTS_COMPONENT_NS, f->device, NULL, cloud_test_store_result, &result);
  g_assert_true (onb_tts_client_set_finish (f->tts, cloud_test_wait (&result), &record, &error));
  g_assert_cmpstr (str_at (record, "frequency_plan_id"), ==, ONB_TEST_SIM_TTS_FREQUENCY_PLAN);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.get"), ==, 0);
}

/* The look behind a 409 fails for now: the answer is that transient
 * error (the job stays queued), never a permanent "id-taken". */
static void
test_conflict_look_fails (Fixture       *f,
                          gconstpointer  data)
{
  static const struct { const char *faults; int code; } cases[] = {
    { "{\"script\": {\"tts.is.get\": [\"503\"]}}", ONB_CLOUD_ERROR_SERVER_ERROR },
    { "{\"script\": {\"tts.is.get\": [\"500\"]}}", ONB_CLOUD_ERROR_SERVER_ERROR },
    /* libcurl resends on each dead reused connection of its pool: drop
     * more often than it holds connections (the rest is cleared below). */
    { "{\"script\": {\"tts.is.get\": [\"drop\", \"drop\", \"drop\", \"drop\", \"drop\", \"drop\", \"drop\", \"drop\"]}}",
      ONB_CLOUD_ERROR_CONNECTION_RESET },
  };
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (cloud_test_tts_create_device (f->tts, f->device, &error), error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      onb_test_sim_set_faults (sim, cases[i].faults, &error);
      g_assert_no_error (error);

      g_assert_false (create_is (f->tts, f->device, &error));
      g_assert_error (error, ONB_CLOUD_ERROR, cases[i].code);
      g_assert_true (onb_cloud_error_is_transient (error));
      g_clear_error (&error);
      g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.get"), >=, 1);
      onb_test_sim_set_faults (sim, "{}", &error);
      g_assert_no_error (error);

      /* Once the look works, the same box is "already there" again. */
      g_assert_false (create_is (f->tts, f->device, &error));
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_ALREADY_EXISTS);
      g_clear_error (&error);
    }
}

static void
test_euis_taken_elsewhere (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(OnbConfig) other_config = NULL;
  g_autoptr(OnbTtsClient) other = NULL;
  g_autoptr(OnbTtsDevice) renamed = NULL;
  g_autoptr(GError) error = NULL;

  /* Another team registered these EUIs in their application. */
  other_config = cloud_test_config (sim,
                                    "tts", "application_id", ONB_TEST_SIM_TTS_OTHER_APP_ID,
                                    "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY_OTHER_APP,
                                    NULL);
  other = new_client (f->http, other_config);
  onb_test_assert_ok (create_is (other, f->device, &error), error);

  g_assert_false (create_is (f->tts, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_EUIS_TAKEN);
  g_assert_cmpstr (onb_cloud_error_get_server_name (error), ==, "end_device_euis_taken");
  g_assert_cmpstr (onb_cloud_error_get_server_namespace (error), ==, "pkg/identityserver/store");
  g_assert_nonnull (strstr (error->message, "another application"));
  g_assert_nonnull (strstr (error->message, ONB_TEST_SIM_TTS_OTHER_APP_ID));
  g_clear_error (&error);

  /* The whole creation stops at IS: nothing on JS/NS/AS. */
  g_assert_false (cloud_test_tts_create_device (f->tts, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_EUIS_TAKEN);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.js.set"), ==, 0);
}

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "tts", "api_key", "NNSXS.NOTAKEY.NOTASECRET", NULL);
  g_autoptr(OnbTtsClient) tts = new_client (f->http, config);
  g_autoptr(GError) error = NULL;

  g_assert_false (cloud_test_tts_create_device (tts, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (onb_cloud_error_get_http_status (error), ==, 401);
  g_assert_cmpstr (onb_cloud_error_get_server_name (error), ==, "token_not_found");
  g_assert_false (onb_cloud_error_is_transient (error));
  g_assert_null (strstr (error->message, "NOTASECRET"));
}

static void
test_forbidden_keys (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY_NO_KEYS, NULL);
  g_autoptr(OnbTtsClient) tts = new_client (f->http, config);
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (create_is (tts, f->device, &error), error);
  g_assert_false (set_component (tts, ONB_TTS_COMPONENT_JS, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_FORBIDDEN);
  g_assert_cmpstr (onb_cloud_error_get_server_name (error), ==, "insufficient_application_rights");
  /* Says which right to add, in the console's words. */
  g_assert_nonnull (strstr (error->message, "Edit device keys"));
  g_clear_error (&error);

  /* NS and AS need no key rights. */
  onb_test_assert_ok (set_component (tts, ONB_TTS_COMPONENT_NS, f->device, &error), error);
}

static void
test_forbidden_other_app (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY_OTHER_APP, NULL);
  g_autoptr(OnbTtsClient) tts = new_client (f->http, config);
  g_autoptr(GError) error = NULL;

  g_assert_false (create_is (tts, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_FORBIDDEN);
  g_assert_cmpstr (onb_cloud_error_get_server_name (error), ==, "no_application_rights");
  g_assert_nonnull (strstr (error->message, ONB_TEST_SIM_TTS_APP_ID));
}

static void
test_not_found_and_delete (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) missing = NULL;
  g_autoptr(GPtrArray) is_delete = NULL;
  double is_start;

  missing = get_component (f->tts, ONB_TTS_COMPONENT_NS, DEV_ID, &error);
  g_assert_null (missing);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_assert_cmpuint (onb_cloud_error_get_http_status (error), ==, 404);
  g_clear_error (&error);

  /* Deleting what is not there is fine (rollback of a half-made device). */
  onb_test_assert_ok (delete_device (f->tts, DEV_ID, &error), error);

  onb_test_assert_ok (cloud_test_tts_create_device (f->tts, f->device, &error), error);
  onb_test_sim_reset (sim, NULL);
  onb_test_assert_ok (cloud_test_tts_create_device (f->tts, f->device, &error), error);
  onb_test_assert_ok (delete_device (f->tts, DEV_ID, &error), error);

  g_assert_null (sim_record ("is"));
  g_assert_null (sim_record ("js"));
  g_assert_null (sim_record ("ns"));
  g_assert_null (sim_record ("as"));

  /* IS last: after AS, NS and JS have answered. */
  is_delete = cloud_test_log_entries (sim, "tts.is.delete");
  g_assert_cmpuint (is_delete->len, ==, 1);
  is_start = cloud_test_entry_ms (g_ptr_array_index (is_delete, 0), "start_ms");
  for (guint i = 0; i < 3; i++)
    {
      static const char * const names[] = { "tts.as.delete", "tts.ns.delete", "tts.js.delete" };
      g_autoptr(GPtrArray) entries = cloud_test_log_entries (sim, names[i]);

      g_assert_cmpuint (entries->len, ==, 1);
      g_assert_cmpfloat (cloud_test_entry_ms (g_ptr_array_index (entries, 0), "end_ms"), <=, is_start);
    }
}

static void
expect_radio_error (Fixture    *f,
                    const char *plan,
                    const char *mac,
                    const char *phy,
                    int         code,
                    const char *server_name)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim,
                                                   "tts", "frequency_plan", plan,
                                                   "tts", "lorawan_version", mac,
                                                   "tts", "phy_version", phy,
                                                   NULL);
  g_autoptr(OnbTtsClient) tts = new_client (f->http, config);
  g_autoptr(GError) error = NULL;

  onb_test_sim_reset (sim, NULL);
  g_assert_false (cloud_test_tts_create_device (tts, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, code);
  if (server_name != NULL)
    g_assert_cmpstr (onb_cloud_error_get_server_name (error), ==, server_name);
  g_assert_false (onb_cloud_error_is_transient (error));
}

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  expect_radio_error (f, "XX_000_TTN", "MAC_V1_0_3", "PHY_V1_0_3_REV_A", ONB_CLOUD_ERROR_FREQUENCY_PLAN, "not_found");
  expect_radio_error (f, "AU_915_928_FSB_2", "MAC_V1_0", "PHY_V1_0", ONB_CLOUD_ERROR_BAND_VERSION, "no_band_version");
  expect_radio_error (f, "EU_863_870_TTN", "MAC_V1_0_3", "RP002_V1_0_3", ONB_CLOUD_ERROR_BAND_VERSION, NULL);
}

static void
test_lorawan_1_1_and_class_c (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim,
                                                   "tts", "lorawan_version", "MAC_V1_1",
                                                   "tts", "phy_version", "RP001_V1_1_REV_B",
                                                   "tts", "class_c", "true",
                                                   NULL);
  g_autoptr(OnbTtsClient) tts = new_client (f->http, config);
  g_autoptr(OnbTtsDevice) device = onb_tts_device_new (DEV_EUI, JOIN_EUI, APP_KEY, NWK_KEY, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) js = NULL;
  g_autoptr(json_object) ns = NULL;
  g_autoptr(json_object) read = NULL;

  /* 1.1 needs the NwkKey: refused before anything is sent. */
  g_assert_false (set_component (tts, ONB_TTS_COMPONENT_JS, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.js.set"), ==, 0);
  g_clear_error (&error);

  onb_test_assert_ok (cloud_test_tts_create_device (tts, device, &error), error);
  js = sim_record ("js");
  g_assert_cmpstr (str_at (js, "root_keys.nwk_key.key"), ==, NWK_KEY);
  ns = sim_record ("ns");
  g_assert_cmpstr (str_at (ns, "lorawan_version"), ==, "MAC_V1_1");
  g_assert_true (json_object_get_boolean (json_object_object_get (ns, "supports_class_c")));

  /* The server names the PHY by its canonical name; verify still agrees. */
  read = get_component (tts, ONB_TTS_COMPONENT_NS, DEV_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (str_at (read, "lorawan_phy_version"), ==, "PHY_V1_1_REV_B");
  onb_test_assert_ok (onb_tts_client_verify_device (tts, ONB_TTS_COMPONENT_NS, device, read, &error), error);
  /* ...and a device with other keys does not verify on JS. */
  g_clear_pointer (&read, json_object_put);
  read = get_component (tts, ONB_TTS_COMPONENT_JS, DEV_ID, &error);
  g_assert_no_error (error);
  g_assert_false (onb_tts_client_verify_device (tts, ONB_TTS_COMPONENT_JS, f->device, read, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
}

static void
expect_fault (Fixture    *f,
              const char *faults,
              int         code,
              gboolean    transient,
              gint64      retry_after)
{
  g_autoptr(GError) error = NULL;

  onb_test_sim_reset (sim, NULL);
  onb_test_sim_set_faults (sim, faults, &error);
  g_assert_no_error (error);

  g_assert_false (create_is (f->tts, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, code);
  g_assert_cmpint (onb_cloud_error_is_transient (error), ==, transient);
  g_assert_cmpint (onb_cloud_error_get_retry_after (error), ==, retry_after);
}

static void
test_transient_faults (Fixture       *f,
                       gconstpointer  data)
{
  expect_fault (f, "{\"script\": {\"tts.is.create\": [\"429\"]}, \"endpoints\": {\"tts\": {\"retry_after_s\": 7}}}",
                ONB_CLOUD_ERROR_RATE_LIMITED, TRUE, 7);
  expect_fault (f, "{\"script\": {\"tts.is.create\": [\"503\"]}}", ONB_CLOUD_ERROR_SERVER_ERROR, TRUE, 1);
  expect_fault (f, "{\"script\": {\"tts.is.create\": [\"500\"]}}", ONB_CLOUD_ERROR_SERVER_ERROR, TRUE, -1);
  /* libcurl resends once by itself when a reused keep-alive connection
   * turns out dead before any answer: drop twice. */
  expect_fault (f, "{\"script\": {\"tts.is.create\": [\"drop\", \"drop\"]}}", ONB_CLOUD_ERROR_CONNECTION_RESET, TRUE, -1);
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "cloud", "timeout_ms", "400", NULL);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
  g_autoptr(OnbTtsClient) tts = new_client (http, config);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  onb_test_sim_set_faults (sim, "{\"script\": {\"tts.is.create\": [\"slow\"]}, \"endpoints\": {\"tts\": {\"slow_ms\": 3000}}}", &error);
  g_assert_no_error (error);

  g_assert_false (create_is (tts, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_TIMEOUT);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 400 * 1000 + CLOUD_TEST_LATE_US);
}

static void
test_network_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  onb_test_sim_set_network_down (sim, TRUE, &error);
  g_assert_no_error (error);

  g_assert_false (cloud_test_tts_create_device (f->tts, f->device, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_CONNECTION_REFUSED);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_clear_error (&error);

  onb_test_sim_set_network_down (sim, FALSE, &error);
  g_assert_no_error (error);
  onb_test_assert_ok (cloud_test_tts_create_device (f->tts, f->device, &error), error);
}

static void
test_auth_info_and_plans (Fixture       *f,
                          gconstpointer  data)
{
  static const struct { const char *key; guint n_missing; } cases[] = {
    { ONB_TEST_SIM_TTS_API_KEY, 0 },
    { ONB_TEST_SIM_TTS_API_KEY_NO_KEYS, 2 },
    { ONB_TEST_SIM_TTS_API_KEY_READ_ONLY, 3 },
    { ONB_TEST_SIM_TTS_API_KEY_OTHER_APP, 4 },
  };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) plans = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OnbConfig) config = cloud_test_config (sim, "tts", "api_key", cases[i].key, NULL);
      g_autoptr(OnbTtsClient) tts = new_client (f->http, config);
      g_autoptr(json_object) info = NULL;
      g_auto(GStrv) missing = NULL;

      g_clear_object (&result);
      onb_tts_client_get_auth_info_async (tts, NULL, cloud_test_store_result, &result);
      info = onb_tts_client_get_auth_info_finish (tts, cloud_test_wait (&result), &error);
      g_assert_no_error (error);
      missing = onb_tts_client_missing_rights (tts, info, TRUE);
      g_assert_cmpuint (g_strv_length (missing), ==, cases[i].n_missing);
    }

  g_clear_object (&result);
  onb_tts_client_list_frequency_plans_async (f->tts, NULL, cloud_test_store_result, &result);
  plans = onb_tts_client_list_frequency_plans_finish (f->tts, cloud_test_wait (&result), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < plans->len; i++)
    {
      OnbTtsFrequencyPlan *plan = g_ptr_array_index (plans, i);

      if (g_str_equal (plan->id, ONB_TEST_SIM_TTS_FREQUENCY_PLAN))
        {
          found = TRUE;
          g_assert_cmpuint (plan->base_frequency, ==, 868);
          g_assert_cmpstr (plan->band_id, ==, "EU_863_870");
        }
    }
  g_assert_true (found);
}

static char *
raw_response (const char *status_line,
              const char *body)
{
  return g_strdup_printf ("HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                          status_line, strlen (body), body);
}

/* A client whose four servers are the canned @server. */
static OnbTtsClient *
canned_client (OnbHttpClient *http,
               TestServer    *server)
{
  g_autoptr(OnbConfig) config = onb_config_new ();
  static const char * const keys[] = { "identity_server", "join_server", "network_server", "application_server" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    onb_config_set_string (config, "tts", keys[i], server->url);
  onb_config_set_string (config, "tts", "application_id", ONB_TEST_SIM_TTS_APP_ID);
  onb_config_set_string (config, "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY);
  onb_config_set_string (config, "tts", "frequency_plan", ONB_TEST_SIM_TTS_FREQUENCY_PLAN);
  onb_config_set_string (config, "tts", "lorawan_version", ONB_TEST_SIM_TTS_LORAWAN_VERSION);
  onb_config_set_string (config, "tts", "phy_version", ONB_TEST_SIM_TTS_PHY_VERSION);

  return new_client (http, config);
}

/* Sends the NS step to a server that answers @raw (a whole HTTP answer). */
static GError *
canned_set_error_raw (const char *raw)
{
  g_autoptr(TestServer) server = test_server_new (raw);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(OnbTtsClient) tts = canned_client (http, server);
  g_autoptr(OnbTtsDevice) device = onb_tts_device_new (DEV_EUI, JOIN_EUI, APP_KEY, NULL, NULL);
  GError *error = NULL;

  g_assert_false (set_component (tts, ONB_TTS_COMPONENT_NS, device, &error));
  g_assert_cmpuint (server->n_requests, ==, 1);

  return error;
}

/* Answers TTS's way that the simulator never needs to (our bodies are
 * right), served by a canned server. */
static GError *
canned_set_error (const char *status_line,
                  const char *body)
{
  g_autofree char *raw = raw_response (status_line, body);

  return canned_set_error_raw (raw);
}

/* Proxies, outages and broken servers answer anything: each answer is a
 * worded error of the right class, never an abort. */
static void
test_hostile_answers (void)
{
  static const struct { const char *status; const char *body; int code; } cases[] = {
    { "502 Bad Gateway", "<html><body><h1>502 Bad Gateway</h1></body></html>", ONB_CLOUD_ERROR_SERVER_ERROR },
    { "503 Service Unavailable", "<html>Down for maintenance</html>", ONB_CLOUD_ERROR_SERVER_ERROR },
    { "500 Internal Server Error", "", ONB_CLOUD_ERROR_SERVER_ERROR },
    { "500 Internal Server Error", "{\"details\":{\"name\":\"x\"}}", ONB_CLOUD_ERROR_SERVER_ERROR },
    { "400 Bad Request", "{\"code\":3,\"message\":\"bad\"}", ONB_CLOUD_ERROR_INVALID_REQUEST },
    { "400 Bad Request", "{\"details\":{\"name\":\"validation\"}}", ONB_CLOUD_ERROR_INVALID_REQUEST },
    { "400 Bad Request", "[]", ONB_CLOUD_ERROR_INVALID_REQUEST },
    { "400 Bad Request", "\"details\"", ONB_CLOUD_ERROR_INVALID_REQUEST },
    { "400 Bad Request", "{\"details\":[{\"name\":\"validation\",\"attributes\":[1]}]}", ONB_CLOUD_ERROR_INVALID_REQUEST },
    { "400 Bad Request", "{\"details\":[{\"name\":\"validation\",\"attributes\":{\"field\":{},\"reason\":[2,null]}}]}", ONB_CLOUD_ERROR_INVALID_REQUEST },
    { "409 Conflict", "{\"details\":\"taken\"}", ONB_CLOUD_ERROR_CONFLICT },
    { "409 Conflict", "{\"details\":[5,{}]}", ONB_CLOUD_ERROR_CONFLICT },
    { "409 Conflict", "{\"details\":[{\"name\":[\"id_taken\"]}]}", ONB_CLOUD_ERROR_CONFLICT },
    { "409 Conflict", "{\"details\":[{\"name\":\"end_device_euis_taken\",\"attributes\":{\"application_id\":[]}}]}", ONB_CLOUD_ERROR_EUIS_TAKEN },
    { "403 Forbidden", "{\"details\":[{\"name\":\"insufficient_application_rights\",\"attributes\":{\"missing\":{\"a\":1}}}]}", ONB_CLOUD_ERROR_FORBIDDEN },
    { "403 Forbidden", "{\"details\":[{\"name\":\"insufficient_application_rights\",\"attributes\":{\"missing\":[1,null,{}]}}]}", ONB_CLOUD_ERROR_FORBIDDEN },
    { "403 Forbidden", "{\"message\":7,\"details\":null}", ONB_CLOUD_ERROR_FORBIDDEN },
    { "404 Not Found", "null", ONB_CLOUD_ERROR_NOT_FOUND },
    { "200 OK", "[1,2,3]", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "200 OK", "\"end_device\"", ONB_CLOUD_ERROR_BAD_RESPONSE },
    { "200 OK", "{\"ids\":", ONB_CLOUD_ERROR_BAD_RESPONSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = canned_set_error (cases[i].status, cases[i].body);

      g_test_message ("%s %s", cases[i].status, cases[i].body);
      g_assert_error (error, ONB_CLOUD_ERROR, cases[i].code);
      g_assert_cmpint (onb_cloud_error_is_transient (error), ==, cases[i].code == ONB_CLOUD_ERROR_SERVER_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpuint (strlen (error->message), >, 20);
    }
}

/* Search answers of the wrong shape: a worded error, or no match; never a
 * device without an ID or with other EUIs. */
static void
test_hostile_search (void)
{
  static const struct { const char *body; gboolean fails; } cases[] = {
    { "{\"end_devices\":{}}", TRUE },
    { "{\"end_devices\":\"eui\"}", TRUE },
    { "[]", TRUE },
    { "{\"end_devices\":null}", FALSE },
    { "{\"end_devices\":[1,null,\"x\",{}]}", FALSE },
    { "{\"end_devices\":[{\"ids\":{\"device_id\":7,\"dev_eui\":\"" DEV_EUI "\",\"join_eui\":\"" JOIN_EUI "\"}}]}", FALSE },
    { "{\"end_devices\":[{\"ids\":{\"device_id\":\"\",\"dev_eui\":\"" DEV_EUI "\",\"join_eui\":\"" JOIN_EUI "\"}}]}", FALSE },
    { "{\"end_devices\":[{\"ids\":{\"device_id\":\"x\",\"dev_eui\":\"" DEV_EUI "FF\",\"join_eui\":\"" JOIN_EUI "\"}}]}", FALSE },
    { "{\"end_devices\":[{\"ids\":{\"device_id\":\"x\",\"dev_eui\":\"" DEV_EUI "\",\"join_eui\":[]}}]}", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *raw = raw_response ("200 OK", cases[i].body);
      g_autoptr(TestServer) server = test_server_new (raw);
      g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
      g_autoptr(OnbTtsClient) tts = canned_client (http, server);
      g_autoptr(OnbTtsDevice) device = onb_tts_device_new (DEV_EUI, JOIN_EUI, APP_KEY, NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(json_object) found = NULL;

      g_test_message ("%s", cases[i].body);
      found = find_by_eui (tts, device, &error);
      g_assert_null (found);
      if (cases[i].fails)
        {
          g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
          g_assert_cmpuint (strlen (error->message), >, 20);
        }
      else
        g_assert_no_error (error);
    }
}

/* A server's message is quoted, never a megabyte of it, and only valid UTF-8. */
static void
test_huge_error_message (void)
{
  g_autoptr(GString) body = g_string_new ("{\"message\":\"\xff");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 500000; i++)
    g_string_append_c (body, 'A');
  g_string_append (body, "\",\"details\":[]}");

  error = canned_set_error ("418 I'm a teapot", body->str);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_HTTP);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_cmpuint (strlen (error->message), <, 1000);
}

/* A redirect is refused in words that name where it pointed. */
static void
test_redirect_refused (void)
{
  g_autoptr(GError) error =
    canned_set_error_raw ("HTTP/1.1 308 Permanent Redirect\r\nLocation: https://collector.example.org/api/v3/ns\r\n"
                          "Content-Length: 0\r\n\r\n");

  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "collector.example.org"));
  g_assert_false (onb_cloud_error_is_transient (error));
}

/* Wrong types inside a successful answer: frequency plans and booleans. */
static void
test_hostile_records (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) plans = NULL;
  g_autoptr(json_object) bad_list = json_tokener_parse ("{\"frequency_plans\":{\"id\":\"EU\"}}");
  g_autoptr(json_object) mixed = json_tokener_parse ("{\"frequency_plans\":[1,null,{\"id\":5},"
                                                     "{\"id\":\"EU_863_870_TTN\",\"name\":[],\"base_frequency\":\"868\"}]}");
  g_autoptr(json_object) record = json_tokener_parse ("{\"ids\":{\"device_id\":\"" DEV_ID "\",\"dev_eui\":\"" DEV_EUI "\","
                                                      "\"join_eui\":\"" JOIN_EUI "\"},\"frequency_plan_id\":\"" ONB_TEST_SIM_TTS_FREQUENCY_PLAN "\","
                                                      "\"lorawan_version\":\"" ONB_TEST_SIM_TTS_LORAWAN_VERSION "\","
                                                      "\"lorawan_phy_version\":\"" ONB_TEST_SIM_TTS_PHY_VERSION "\","
                                                      "\"supports_join\":true,\"supports_class_b\":\"false\"}");
  g_autoptr(TestServer) server = test_server_new (NULL);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(OnbTtsClient) tts = canned_client (http, server);
  g_autoptr(OnbTtsDevice) device = onb_tts_device_new (DEV_EUI, JOIN_EUI, APP_KEY, NULL, NULL);

  plans = onb_tts_decode_frequency_plans (bad_list, &error);
  g_assert_null (plans);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
  g_clear_error (&error);

  plans = onb_tts_decode_frequency_plans (mixed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (plans->len, ==, 1);
  g_assert_cmpuint (((OnbTtsFrequencyPlan *) g_ptr_array_index (plans, 0))->base_frequency, ==, 0);
  g_assert_null (((OnbTtsFrequencyPlan *) g_ptr_array_index (plans, 0))->name);

  /* "false" as a string is not the boolean false. */
  g_assert_false (onb_tts_client_verify_device (tts, ONB_TTS_COMPONENT_NS, device, record, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "supports_class_b"));
}

static void
test_decoded_errors (void)
{
  GError *error;

  error = canned_set_error ("400 Bad Request",
                            "{\"code\":3,\"message\":\"error:pkg/ttnpb:field_mask_paths (forbidden path(s) in field mask)\","
                            "\"details\":[{\"namespace\":\"pkg/ttnpb\",\"name\":\"field_mask_paths\","
                            "\"attributes\":{\"forbidden_paths\":[\"root_keys.app_key.key\"]}}]}");
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_FIELD_MASK);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "field-mask");
  g_assert_nonnull (strstr (error->message, "Network Server"));
  g_assert_nonnull (strstr (error->message, "root_keys.app_key.key"));
  g_assert_false (onb_cloud_error_is_transient (error));
  g_clear_error (&error);

  /* A JSON decoding error has no details: the server's message is kept. */
  error = canned_set_error ("400 Bad Request",
                            "{\"code\":3,\"message\":\"invalid value 'MAC_V9' for enum ttn.lorawan.v3.MACVersion\",\"details\":[]}");
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
  g_assert_null (onb_cloud_error_get_server_name (error));
  g_assert_nonnull (strstr (error->message, "MACVersion"));
  g_clear_error (&error);

  error = canned_set_error ("409 Conflict",
                            "{\"code\":6,\"message\":\"error:pkg/networkserver/redis:duplicate_identifiers (duplicate identifiers)\","
                            "\"details\":[{\"namespace\":\"pkg/networkserver/redis\",\"name\":\"duplicate_identifiers\","
                            "\"attributes\":{\"application_id\":\"" ONB_TEST_SIM_TTS_APP_ID "\",\"device_id\":\"old-sensor\"}}]}");
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_EUIS_TAKEN);
  g_assert_nonnull (strstr (error->message, "old-sensor"));
  g_clear_error (&error);

  /* A captive portal's page instead of JSON. */
  error = canned_set_error ("200 OK", "<html>Welcome to the hotel Wi-Fi</html>");
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
  g_clear_error (&error);
}

static void
test_mac_phy (void)
{
  g_assert_true (onb_tts_mac_phy_compatible ("MAC_V1_0_3", "PHY_V1_0_3_REV_A"));
  g_assert_true (onb_tts_mac_phy_compatible ("MAC_V1_0_3", "RP001_V1_0_3_REV_A"));
  g_assert_true (onb_tts_mac_phy_compatible ("MAC_V1_0_4", "RP002_V1_0_3"));
  g_assert_true (onb_tts_mac_phy_compatible ("MAC_V1_1", "PHY_V1_1_REV_B"));
  g_assert_true (onb_tts_mac_phy_compatible ("MAC_V1_0_2", "RP001_V1_0_2_REV_B"));
  g_assert_false (onb_tts_mac_phy_compatible ("MAC_V1_0_3", "RP002_V1_0_3"));
  g_assert_false (onb_tts_mac_phy_compatible ("MAC_V1_0", "PHY_V1_0_1"));
  g_assert_false (onb_tts_mac_phy_compatible ("MAC_V9", "PHY_V1_0"));
  g_assert_false (onb_tts_mac_phy_compatible ("MAC_V1_0_3", "nonsense"));
}

static void
test_device_validation (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTtsDevice) device = onb_tts_device_new ("0018b20000000101", JOIN_EUI, "2b7e151628aed2a6abf7158809cf4f3c", NULL, &error);
  OnbTtsDevice *bad;

  g_assert_no_error (error);
  g_assert_cmpstr (onb_tts_device_get_device_id (device), ==, DEV_ID);
  g_assert_cmpstr (onb_tts_device_get_dev_eui (device), ==, DEV_EUI);
  g_assert_cmpstr (onb_tts_device_get_app_key (device), ==, APP_KEY);

  bad = onb_tts_device_new (DEV_EUI, JOIN_EUI, "2B7E151628AED2A6ABF7158809CF4F3", NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
  /* Names the field, never shows the (secret) value. */
  g_assert_nonnull (strstr (error->message, "AppKey"));
  g_assert_null (strstr (error->message, "2B7E15"));
}

static void
test_not_configured (void)
{
  g_autoptr(OnbConfig) config = onb_config_new ();
  g_autoptr(OnbHttpClient) http = onb_http_client_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTtsClient) tts = NULL;

  onb_config_set_string (config, "tts", "identity_server", "https://eu1.cloud.thethings.network");
  tts = onb_tts_client_new (http, config, &error);
  g_assert_null (tts);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_CONFIGURED);
  g_assert_nonnull (strstr (error->message, "join_server"));
  g_clear_error (&error);

  /* http:// only for loopback hosts. */
  onb_config_set_string (config, "tts", "identity_server", "http://eu1.cloud.thethings.network");
  tts = onb_tts_client_new (http, config, &error);
  g_assert_null (tts);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INSECURE_URL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tts/mac-phy", test_mac_phy);
  g_test_add_func ("/tts/device-validation", test_device_validation);
  g_test_add_func ("/tts/not-configured", test_not_configured);
  g_test_add_func ("/tts/decoded-errors", test_decoded_errors);
  g_test_add_func ("/tts/hostile-answers", test_hostile_answers);
  g_test_add_func ("/tts/huge-error-message", test_huge_error_message);
  g_test_add_func ("/tts/hostile-search", test_hostile_search);
  g_test_add_func ("/tts/redirect-refused", test_redirect_refused);
  g_test_add_func ("/tts/hostile-records", test_hostile_records);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/tts/create", test_create_success);
  ADD ("/tts/concurrent-components", test_concurrent_components);
  ADD ("/tts/already-exists", test_already_exists);
  ADD ("/tts/find-by-eui", test_find_by_eui);
  ADD ("/tts/conflict-look-fails", test_conflict_look_fails);
  ADD ("/tts/answers-verify", test_answers_verify);
  ADD ("/tts/euis-taken-elsewhere", test_euis_taken_elsewhere);
  ADD ("/tts/unauthorized", test_unauthorized);
  ADD ("/tts/forbidden-keys", test_forbidden_keys);
  ADD ("/tts/forbidden-other-app", test_forbidden_other_app);
  ADD ("/tts/not-found-and-delete", test_not_found_and_delete);
  ADD ("/tts/validation", test_validation);
  ADD ("/tts/lorawan-1.1-class-c", test_lorawan_1_1_and_class_c);
  ADD ("/tts/transient-faults", test_transient_faults);
  ADD ("/tts/timeout", test_timeout);
  ADD ("/tts/network-down", test_network_down);
  ADD ("/tts/auth-info-and-plans", test_auth_info_and_plans);
#undef ADD

  sim = onb_test_sim_start (NULL, &error);
  g_assert_no_error (error);
  status = g_test_run ();
  onb_test_sim_stop (sim);

  return status;
}
