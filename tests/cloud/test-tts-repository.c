/* test-tts-repository.c: The Things Stack's Device Repository against the simulator */

#include "config.h"

#include <string.h>

#include "cloud-test.h"
#include "cloud-test-server.h"
#include "onb-error.h"
#include "onb-model-check.h"
#include "onb-test-files.h"
#include "onb-tts-answer-decode-private.h"
#include "onb-tts-repository.h"

static OnbTestSim *sim;

typedef struct
{
  OnbHttpClient    *http;
  OnbTtsClient     *tts;
  OnbTtsRepository *repository;
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
  f->repository = onb_tts_repository_new (f->tts, config, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->repository);
  g_clear_object (&f->tts);
  g_clear_object (&f->http);
}

static OnbModelTemplate *
get_template (OnbTtsRepository  *repository,
              const char        *profile_id,
              GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_tts_repository_get_template_async (repository, profile_id, NULL, cloud_test_store_result, &result);
  return onb_tts_repository_get_template_finish (repository, cloud_test_wait (&result), error);
}

/* The simulator's profiles, each asked once. */
static void
test_profiles (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbModelTemplate) soil = get_template (f->repository, ONB_TEST_SIM_PROFILE_ID, &error);
  g_autoptr(OnbModelTemplate) door = NULL;
  g_autoptr(OnbModelTemplate) us = NULL;
  g_autoptr(OnbModelTemplate) old = NULL;
  g_autoptr(OnbModelTemplate) again = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (soil->band_id, ==, "EU_863_870");
  g_assert_cmpstr (soil->lorawan_version, ==, "MAC_V1_0_3");
  g_assert_cmpstr (soil->phy_version, ==, "PHY_V1_0_3_REV_A");
  g_assert_true (soil->supports_join);
  g_assert_false (soil->supports_class_b);
  g_assert_false (soil->supports_class_c);
  g_assert_nonnull (soil->model_id);

  door = get_template (f->repository, "000af8bf", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (door->band_id, ==, "EU_863_870");
  g_assert_cmpstr (door->lorawan_version, ==, "MAC_V1_0_4");
  g_assert_true (door->supports_class_c);

  us = get_template (f->repository, ONB_TEST_SIM_PROFILE_ID_US915, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (us->band_id, ==, "US_902_928");
  g_assert_cmpstr (us->lorawan_version, ==, "MAC_V1_0_2");

  old = get_template (f->repository, ONB_TEST_SIM_PROFILE_ID_NO_BAND, &error);
  g_assert_no_error (error);
  g_assert_null (old->band_id);
  g_assert_nonnull (old->lorawan_version);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.dr.template"), ==, 4);

  /* Kept: not asked again. */
  again = get_template (f->repository, ONB_TEST_SIM_PROFILE_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->band_id, ==, "EU_863_870");
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.dr.template"), ==, 4);
}

static void
test_unknown (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbModelTemplate) template = get_template (f->repository, ONB_TEST_SIM_PROFILE_ID_UNKNOWN, &error);

  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_assert_null (template);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "not-found");
  g_assert_nonnull (strstr (error->message, "does not know the Profile ID 000A0001"));
  g_clear_error (&error);

  /* Asked once; a zero vendor or profile is not asked at all. */
  g_assert_null (get_template (f->repository, ONB_TEST_SIM_PROFILE_ID_UNKNOWN, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (get_template (f->repository, "000A0000", &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (get_template (f->repository, "0000F8BE", &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.dr.template"), ==, 1);

  g_assert_null (get_template (f->repository, "XYZ", &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST);
}

/* A registry in a new folder @dir, for onb_test_remove_tree(). */
static OnbRegistry *
temporary_registry (char **dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  OnbRegistry *registry;

  *dir = g_dir_make_tmp ("onb-dr-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (*dir, "registry.sqlite", NULL);
  registry = onb_registry_open (path, &error);
  g_assert_no_error (error);
  return registry;
}

/* Kept in the registry: a later run (another object) does not ask again,
 * and an answer that cannot be read any more is asked again. */
static void
test_kept_in_registry (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(OnbConfig) config = cloud_test_config (sim, NULL);
  g_autoptr(OnbRegistry) registry = temporary_registry (&dir);
  g_autoptr(OnbTtsRepository) first = NULL;
  g_autoptr(OnbTtsRepository) second = NULL;
  g_autoptr(OnbTtsRepository) third = NULL;
  g_autoptr(OnbModelTemplate) asked = NULL;
  g_autoptr(OnbModelTemplate) kept = NULL;
  g_autoptr(OnbModelTemplate) again = NULL;
  g_autofree char *text = NULL;
  gint64 fetched_at = 0;

  first = onb_tts_repository_new (f->tts, config, registry, &error);
  g_assert_no_error (error);
  asked = get_template (first, ONB_TEST_SIM_PROFILE_ID_CLASS_C, &error);
  g_assert_no_error (error);
  text = onb_registry_get_model_template (registry, ONB_TEST_SIM_PROFILE_ID_CLASS_C, &fetched_at, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "MAC_V1_0_4"));
  g_assert_cmpint (fetched_at, >, 0);

  second = onb_tts_repository_new (f->tts, config, registry, &error);
  g_assert_no_error (error);
  kept = get_template (second, ONB_TEST_SIM_PROFILE_ID_CLASS_C, &error);
  g_assert_no_error (error);
  g_assert_true (kept->supports_class_c);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.dr.template"), ==, 1);

  g_assert_true (onb_registry_put_model_template (registry, ONB_TEST_SIM_PROFILE_ID_CLASS_C, "{\"end_device\": 7}",
                                                  1, &error));
  g_assert_no_error (error);
  third = onb_tts_repository_new (f->tts, config, registry, &error);
  g_assert_no_error (error);
  again = get_template (third, ONB_TEST_SIM_PROFILE_ID_CLASS_C, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->lorawan_version, ==, "MAC_V1_0_4");
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.dr.template"), ==, 2);

  g_clear_object (&registry);
  onb_test_remove_tree (dir);
}

/* What the scan may know without a request: a kept answer (this
 * object's or the registry's), a Profile ID the repository said it does
 * not know; else nothing, and nothing is asked. */
static void
test_lookup_kept (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(OnbConfig) config = cloud_test_config (sim, NULL);
  g_autoptr(OnbRegistry) registry = temporary_registry (&dir);
  g_autoptr(OnbTtsRepository) first = NULL;
  g_autoptr(OnbTtsRepository) second = NULL;
  g_autoptr(OnbModelTemplate) asked = NULL;
  g_autoptr(OnbModelTemplate) kept = NULL;
  g_autoptr(OnbModelTemplate) unknown = NULL;
  g_autoptr(OnbModelTemplate) unread = NULL;

  first = onb_tts_repository_new (f->tts, config, registry, &error);
  g_assert_no_error (error);
  g_assert_false (onb_tts_repository_lookup_kept (first, ONB_TEST_SIM_PROFILE_ID_US915, &kept));
  g_assert_null (kept);
  g_assert_false (onb_tts_repository_lookup_kept (first, ONB_TEST_SIM_PROFILE_ID_UNKNOWN, &unknown));
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.dr.template"), ==, 0);

  asked = get_template (first, ONB_TEST_SIM_PROFILE_ID_US915, &error);
  g_assert_no_error (error);
  g_assert_null (get_template (first, ONB_TEST_SIM_PROFILE_ID_UNKNOWN, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (onb_tts_repository_lookup_kept (first, ONB_TEST_SIM_PROFILE_ID_UNKNOWN, &unknown));
  g_assert_null (unknown);

  /* Another station of the same device list: the registry's answer. */
  second = onb_tts_repository_new (f->tts, config, registry, &error);
  g_assert_no_error (error);
  g_assert_true (onb_tts_repository_lookup_kept (second, "000a1234", &kept));
  g_assert_cmpstr (kept->band_id, ==, "US_902_928");
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.dr.template"), ==, 2);

  /* An answer that cannot be read any more is not known. */
  g_assert_true (onb_registry_put_model_template (registry, ONB_TEST_SIM_PROFILE_ID_CLASS_C, "{\"end_device\": 7}",
                                                  1, &error));
  g_assert_no_error (error);
  g_assert_false (onb_tts_repository_lookup_kept (second, ONB_TEST_SIM_PROFILE_ID_CLASS_C, &unread));
  g_assert_null (unread);

  g_clear_object (&registry);
  onb_test_remove_tree (dir);
}

/* A bad key, a transient fault: the TTS client's words, and asked again. */
static void
test_failures (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "tts", "api_key", "NNSXS.NOPE.NOPE", NULL);
  g_autoptr(OnbTtsClient) tts = onb_tts_client_new (f->http, config, &error);
  g_autoptr(OnbTtsRepository) repository = NULL;
  g_autoptr(OnbModelTemplate) template = NULL;

  g_assert_no_error (error);
  repository = onb_tts_repository_new (tts, config, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (get_template (repository, ONB_TEST_SIM_PROFILE_ID, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  g_assert_true (onb_test_sim_set_faults (sim, "{\"seed\":1,\"script\":{\"tts.dr.template\":[\"503\",\"ok\"]}}",
                                          &error));
  g_assert_no_error (error);
  g_assert_null (get_template (f->repository, ONB_TEST_SIM_PROFILE_ID, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_SERVER_ERROR);
  g_assert_true (onb_cloud_error_is_transient (error));
  g_clear_error (&error);
  template = get_template (f->repository, ONB_TEST_SIM_PROFILE_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (template->band_id, ==, "EU_863_870");
}

static OnbModelCheck *
check_one (OnbModel         *model,
           OnbTtsRepository *repository)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  OnbModelCheck *check;

  onb_model_check_one_async (model, repository, NULL, cloud_test_store_result, &result);
  check = onb_model_check_one_finish (cloud_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_true ((check->settings == NULL) != (check->error == NULL));
  return check;
}

/* What the engine asks per box: settings, a refusal, or "ask again". */
static void
test_model_check (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "model 000AF8BF", "name", "Door sensor",
                                                   "model 000A0001", "name", "Mystery",
                                                   "model 000AF8BE", "phy_version", "RP002_V1_0_1", NULL);
  g_autoptr(OnbModelTable) table = onb_model_table_new (config);
  OnbModel *door = onb_model_table_lookup (table, ONB_TEST_SIM_PROFILE_ID_CLASS_C, &error);
  OnbModel *mystery = onb_model_table_lookup (table, ONB_TEST_SIM_PROFILE_ID_UNKNOWN, &error);
  g_autoptr(OnbModelCheck) transient = NULL;
  g_autoptr(OnbModelCheck) ok = NULL;
  g_autoptr(OnbModelCheck) unknown = NULL;
  g_autoptr(OnbModelCheck) mixed = NULL;

  g_assert_no_error (error);
  g_assert_true (onb_test_sim_set_faults (sim, "{\"seed\":1,\"script\":{\"tts.dr.template\":[\"503\",\"ok\"]}}",
                                          &error));
  g_assert_no_error (error);
  transient = check_one (door, f->repository);
  g_assert_true (transient->asked);
  g_assert_true (onb_cloud_error_is_transient (transient->error));

  ok = check_one (door, f->repository);
  g_assert_nonnull (ok->answer);
  g_assert_cmpstr (ok->settings->frequency_plan, ==, ONB_TEST_SIM_TTS_FREQUENCY_PLAN);
  g_assert_cmpstr (ok->settings->lorawan_version, ==, "MAC_V1_0_4");
  g_assert_true (ok->settings->class_c);

  unknown = check_one (mystery, f->repository);
  g_assert_error (unknown->answer_error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND);
  g_assert_error (unknown->error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_UNKNOWN);

  /* The section's PHY version with the repository's MAC version. */
  mixed = check_one (onb_model_table_lookup (table, ONB_TEST_SIM_PROFILE_ID, NULL), f->repository);
  g_assert_error (mixed->error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_VERSIONS);
  g_assert_cmpstr (onb_error_get_reason (mixed->error), ==, "model-versions");
  g_assert_nonnull (strstr (mixed->error->message, "MAC_V1_0_3 with the PHY version RP002_V1_0_1"));
}

/* A server without the Device Repository (older than 3.32): said once, in
 * words; a model without a section then gets [tts]'s settings, one with a
 * section that names no versions is refused. */
static void
test_no_repository (void)
{
  g_autoptr(TestServer) server = test_server_new ("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                                                  "Content-Length: 9\r\n\r\nNot Found");
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = cloud_test_config (sim, "tts", "device_repository", server->url,
                                                   "labels", "profile_ids", "000AF8BE",
                                                   "model 000AF8BF", "name", "Door sensor", NULL);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
  g_autoptr(OnbTtsClient) tts = onb_tts_client_new (http, config, &error);
  g_autoptr(OnbTtsRepository) repository = NULL;
  g_autoptr(OnbModelTable) table = onb_model_table_new (config);
  g_autoptr(OnbModelCheck) listed = NULL;
  g_autoptr(OnbModelCheck) section = NULL;

  g_assert_no_error (error);
  repository = onb_tts_repository_new (tts, config, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (get_template (repository, ONB_TEST_SIM_PROFILE_ID, &error));
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "has no Device Repository"));
  g_clear_error (&error);
  g_assert_cmpuint (server->n_requests, ==, 1);

  listed = check_one (onb_model_table_lookup (table, ONB_TEST_SIM_PROFILE_ID, NULL), repository);
  g_assert_nonnull (listed->answer_error);
  g_assert_cmpstr (listed->settings->lorawan_version, ==, ONB_TEST_SIM_TTS_LORAWAN_VERSION);
  section = check_one (onb_model_table_lookup (table, ONB_TEST_SIM_PROFILE_ID_CLASS_C, NULL), repository);
  g_assert_error (section->error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_HTTP);
  g_assert_cmpuint (server->n_requests, ==, 1);
}

/* [tts] device_repository names another address, checked like the others. */
static void
test_address (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = cloud_test_config (sim, NULL);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
  g_autoptr(OnbTtsClient) tts = onb_tts_client_new (http, config, &error);
  g_autoptr(OnbTtsRepository) repository = NULL;
  g_autofree char *url = g_strdup_printf ("%s/", onb_test_sim_get_url (sim));

  g_assert_no_error (error);
  repository = onb_tts_repository_new (tts, config, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_tts_repository_get_url (repository), ==, onb_tts_client_get_server_url (tts, ONB_TTS_COMPONENT_IS));
  g_clear_object (&repository);

  onb_config_set_string (config, "tts", "device_repository", url);
  repository = onb_tts_repository_new (tts, config, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_tts_repository_get_url (repository), ==, onb_test_sim_get_url (sim));
  g_clear_object (&repository);

  onb_config_set_string (config, "tts", "device_repository", "http://dr.example.com");
  repository = onb_tts_repository_new (tts, config, NULL, &error);
  g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INSECURE_URL);
  g_assert_null (repository);
}

/* Every shape an answer may have: checked field by field, in words. */
static void
test_decode (void)
{
  static const struct { const char *json; const char *field; } bad[] = {
    { "[]", "no end device" },
    { "{}", "no end device" },
    { "{\"end_device\": 3}", "no end device" },
    { "{\"end_device\": {\"version_ids\": []}}", "“version_ids”" },
    { "{\"end_device\": {\"version_ids\": {\"band_id\": 5}}}", "“version_ids.band_id”" },
    { "{\"end_device\": {\"version_ids\": {\"band_id\": \"EU 868\"}}}", "“version_ids.band_id”" },
    { "{\"end_device\": {\"lorawan_version\": 3}}", "“lorawan_version”" },
    { "{\"end_device\": {\"lorawan_phy_version\": \"" "PHY_V1_0_3_REV_A_PHY_V1_0_3_REV_A_PHY_V1_0_3_REV_A_PHY_V1_0_3_REV_A\"}}",
      "“lorawan_phy_version”" },
    { "{\"end_device\": {\"supports_class_c\": \"true\"}}", "“supports_class_c”" },
    { "{\"end_device\": {\"supports_join\": true, \"lorawan_version\": \"MAC_V1_0_3\", "
      "\"lorawan_phy_version\": \"RP002_V1_0_1\"}}", "do not go together" },
    { "{\"end_device\": {\"supports_join\": true, \"lorawan_version\": \"MAC_V9\", "
      "\"lorawan_phy_version\": \"RP002_V1_0_1\"}}", "do not go together" },
    { "{\"end_device\": {\"lorawan_version\": \"MAC_V1_0_3\", \"lorawan_phy_version\": \"PHY_V1_0_3_REV_A\"}}",
      "OTAA" },
  };
  g_autoptr(json_object) good = json_tokener_parse ("{\"end_device\": {\"version_ids\": {\"band_id\": \"AS_923\", "
                                                    "\"brand_id\": \"acme\", \"extra\": [1]}, \"supports_join\": true, "
                                                    "\"lorawan_version\": \"MAC_UNKNOWN\", \"mac_settings\": {}, "
                                                    "\"supports_class_b\": null}, \"field_mask\": {}}");
  g_autoptr(OnbModelTemplate) template = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(json_object) json = json_tokener_parse (bad[i].json);

      g_assert_null (onb_tts_decode_model_template (json, "000AF8BE", &error));
      g_assert_error (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_BAD_RESPONSE);
      if (strstr (error->message, bad[i].field) == NULL || strstr (error->message, "000AF8BE") == NULL)
        g_error ("case %u: “%s” does not name %s", i, error->message, bad[i].field);
      g_clear_error (&error);
    }

  /* Zero values mean "not known"; unknown members are TTS's business. */
  template = onb_tts_decode_model_template (good, "000AF8BE", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (template->band_id, ==, "AS_923");
  g_assert_cmpstr (template->brand_id, ==, "acme");
  g_assert_null (template->lorawan_version);
  g_assert_null (template->phy_version);
  g_assert_false (template->supports_class_b);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tts-repository/decode", test_decode);
  g_test_add_func ("/tts-repository/address", test_address);
  g_test_add_func ("/tts-repository/no-repository", test_no_repository);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/tts-repository/profiles", test_profiles);
  ADD ("/tts-repository/unknown", test_unknown);
  ADD ("/tts-repository/failures", test_failures);
  ADD ("/tts-repository/kept-in-registry", test_kept_in_registry);
  ADD ("/tts-repository/lookup-kept", test_lookup_kept);
  ADD ("/tts-repository/model-check", test_model_check);
#undef ADD

  sim = onb_test_sim_start (NULL, &error);
  g_assert_no_error (error);
  status = g_test_run ();
  onb_test_sim_stop (sim);

  return status;
}
