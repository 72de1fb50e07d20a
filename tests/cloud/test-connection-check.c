/* test-connection-check.c: the item-by-item check, in C and through
 * `onboarder-cli check` */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cloud-test.h"
#include "onb-connection-check.h"

static OnbTestSim *sim;

static GPtrArray *
run_check (OnbConfig *config)
{
  g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *items;

  onb_connection_check_async (http, config, NULL, cloud_test_store_result, &result);
  items = onb_connection_check_finish (cloud_test_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 10);

  return items;
}

static OnbCheckItem *
find_item (GPtrArray  *items,
           const char *id)
{
  for (guint i = 0; i < items->len; i++)
    {
      OnbCheckItem *item = g_ptr_array_index (items, i);

      if (g_str_equal (item->id, id))
        return item;
    }

  g_assert_not_reached ();
}

static void
test_all_ok (void)
{
  g_autoptr(OnbConfig) config = cloud_test_config (sim, NULL);
  g_autoptr(GPtrArray) items = NULL;

  /* A fresh organisation: the template is found without any device of it. */
  onb_test_sim_reset (sim, NULL);
  items = run_check (config);
  for (guint i = 0; i < items->len; i++)
    {
      OnbCheckItem *item = g_ptr_array_index (items, i);

      g_test_message ("%s: %s", item->id, item->message);
      g_assert_true (item->ok);
      g_assert_null (item->reason);
      g_assert_nonnull (item->message);
    }
  g_assert_true (onb_connection_check_all_ok (items));
  g_assert_cmpstr (((OnbCheckItem *) g_ptr_array_index (items, 0))->id, ==, ONB_CHECK_TTS_CONFIG);
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.template_list"), ==, 1);
}

static void
test_unknown_template (void)
{
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GPtrArray) items = NULL;
  OnbCheckItem *item;

  onb_test_sim_reset (sim, NULL);
  config = cloud_test_config (sim, "blynk", "template_id", "TMPLnoSuchTmpl", NULL);
  items = run_check (config);
  g_assert_false (onb_connection_check_all_ok (items));

  g_assert_true (find_item (items, ONB_CHECK_BLYNK_CREDENTIALS)->ok);
  item = find_item (items, ONB_CHECK_BLYNK_TEMPLATE);
  g_assert_false (item->ok);
  g_assert_cmpstr (item->reason, ==, "not-found");
  g_assert_cmpstr (item->message, ==,
                   "The Blynk template TMPLnoSuchTmpl does not exist in this organisation: check [blynk] template_id in Setup.");
  g_assert_cmpstr (find_item (items, ONB_CHECK_BLYNK_METAFIELDS)->reason, ==, "not-checked");
  g_assert_null (find_item (items, ONB_CHECK_BLYNK_METAFIELDS)->names);
}

static void
test_each_item_says_what_to_change (void)
{
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GPtrArray) items = NULL;
  OnbCheckItem *item;

  onb_test_sim_reset (sim, NULL);
  config = cloud_test_config (sim,
                              "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY_NO_KEYS,
                              "tts", "frequency_plan", "XX_123_TTN",
                              "tts", "phy_version", "RP002_V1_0_3",
                              "blynk", "template_id", "TMPLs3cNdT2pQ",
                              NULL);
  items = run_check (config);
  g_assert_false (onb_connection_check_all_ok (items));

  g_assert_true (find_item (items, ONB_CHECK_TTS_API_KEY)->ok);
  item = find_item (items, ONB_CHECK_TTS_RIGHTS);
  g_assert_false (item->ok);
  g_assert_cmpstr (item->reason, ==, "missing-rights");
  g_assert_nonnull (strstr (item->message, "Edit device keys in application"));
  g_assert_true (find_item (items, ONB_CHECK_TTS_APPLICATION)->ok);
  item = find_item (items, ONB_CHECK_TTS_FREQUENCY_PLAN);
  g_assert_false (item->ok);
  g_assert_nonnull (strstr (item->message, "XX_123_TTN"));
  g_assert_nonnull (strstr (item->message, "EU_863_870_TTN"));
  item = find_item (items, ONB_CHECK_TTS_MAC_PHY);
  g_assert_false (item->ok);
  g_assert_cmpstr (item->reason, ==, "band-version");
  g_assert_true (find_item (items, ONB_CHECK_BLYNK_TEMPLATE)->ok);
  item = find_item (items, ONB_CHECK_BLYNK_METAFIELDS);
  g_assert_false (item->ok);
  g_assert_nonnull (strstr (item->message, "Application Key"));
  g_assert_nonnull (strstr (item->message, "TheThingsNetwork Device"));
}

/* No [tts] versions nor lone frequency plan: the models give them. */
static void
clear_station_lorawan (OnbConfig *config)
{
  onb_config_set_string (config, "tts", "frequency_plan", NULL);
  onb_config_set_string (config, "tts", "lorawan_version", NULL);
  onb_config_set_string (config, "tts", "phy_version", NULL);
}

/* A station of models: no [tts] versions nor lone plan, only a list of
 * plans. Every plan of the list is checked, and no versions is no
 * problem (the models and the Device Repository give them). */
static void
test_models_only (void)
{
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GPtrArray) items = NULL;
  OnbCheckItem *item;

  onb_test_sim_reset (sim, NULL);
  config = cloud_test_config (sim, "tts", "frequency_plans", "EU_863_870_TTN, US_902_928_FSB_2", NULL);
  clear_station_lorawan (config);
  items = run_check (config);
  item = find_item (items, ONB_CHECK_TTS_FREQUENCY_PLAN);
  g_assert_true (item->ok);
  g_assert_nonnull (strstr (item->message, "US_902_928_FSB_2"));
  g_assert_true (find_item (items, ONB_CHECK_TTS_MAC_PHY)->ok);
  g_assert_true (onb_connection_check_all_ok (items));
  g_clear_pointer (&items, g_ptr_array_unref);

  /* One plan of the list the server does not offer is named. */
  onb_config_set_string (config, "tts", "frequency_plans", "EU_863_870_TTN, XX_123_TTN");
  items = run_check (config);
  item = find_item (items, ONB_CHECK_TTS_FREQUENCY_PLAN);
  g_assert_false (item->ok);
  g_assert_cmpstr (item->reason, ==, "frequency-plan");
  g_assert_nonnull (strstr (item->message, "XX_123_TTN"));
}

/* A station of models only where Blynk's integration makes the devices:
 * no frequency plan nor versions anywhere is no failure, for new boxes
 * get the integration's; the items say in words what a replace needs.
 * Where Onboarder makes the devices, no plan is still a failure. */
static void
test_blynk_models_only (void)
{
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GPtrArray) items = NULL;
  OnbCheckItem *item;

  onb_test_sim_reset (sim, NULL);
  config = cloud_test_config (sim, "tts", "created_by", "blynk", "model 000AF8BF", "name", "Door sensor", NULL);
  clear_station_lorawan (config);
  items = run_check (config);
  item = find_item (items, ONB_CHECK_TTS_FREQUENCY_PLAN);
  g_test_message ("%s", item->message);
  g_assert_true (item->ok);
  g_assert_null (item->reason);
  g_assert_nonnull (strstr (item->message, "Blynk's integration sets the plan"));
  g_assert_nonnull (strstr (item->message, "a replace makes its new device itself and needs a plan"));
  item = find_item (items, ONB_CHECK_TTS_MAC_PHY);
  g_assert_true (item->ok);
  g_assert_nonnull (strstr (item->message, "Blynk's integration sets those of each device it makes"));
  g_assert_nonnull (strstr (item->message, "a replace makes its new device itself and needs versions"));
  g_assert_true (onb_connection_check_all_ok (items));
  g_clear_pointer (&items, g_ptr_array_unref);

  onb_config_set_string (config, "tts", "created_by", "onboarder");
  items = run_check (config);
  item = find_item (items, ONB_CHECK_TTS_FREQUENCY_PLAN);
  g_assert_false (item->ok);
  g_assert_cmpstr (item->reason, ==, "frequency-plan");
}

/* A template whose key field was renamed: the check names the missing
 * field and lists the template's; with the name set, it passes. */
static void
test_renamed_metafield (void)
{
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) renamed = NULL;
  OnbCheckItem *item;

  onb_test_sim_reset (sim, NULL);
  config = cloud_test_config (sim, "blynk", "template_id", ONB_TEST_SIM_BLYNK_TEMPLATE_APPKEY, NULL);
  items = run_check (config);
  item = find_item (items, ONB_CHECK_BLYNK_METAFIELDS);
  g_assert_false (item->ok);
  g_assert_cmpstr (item->reason, ==, "metafields-missing");
  g_assert_nonnull (strstr (item->message, "lacks the metafields “Application Key”"));
  g_assert_nonnull (strstr (item->message, "“AppKey”"));
  g_assert_nonnull (strstr (item->message, "metafield_app_key"));
  /* The names themselves, for Setup to mark its fields. */
  g_assert_nonnull (item->names);
  g_assert_true (g_strv_contains ((const char * const *) item->names, "AppKey"));
  g_assert_false (g_strv_contains ((const char * const *) item->names, "Application Key"));

  onb_config_set_string (config, "blynk", "metafield_app_key", "AppKey");
  renamed = run_check (config);
  item = find_item (renamed, ONB_CHECK_BLYNK_METAFIELDS);
  g_assert_true (item->ok);
  g_assert_nonnull (strstr (item->message, "“AppKey”"));
}

/* Where Blynk makes the TTS devices, a key that may only read is enough;
 * the check says what replacing hardware needs on top. */
static void
test_rights_per_mode (void)
{
  g_autoptr(OnbConfig) onboarder = NULL;
  g_autoptr(OnbConfig) blynk = NULL;
  g_autoptr(OnbConfig) blynk_full = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) blynk_items = NULL;
  g_autoptr(GPtrArray) full_items = NULL;
  OnbCheckItem *item;

  onb_test_sim_reset (sim, NULL);
  onboarder = cloud_test_config (sim, "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY_READ_ONLY, NULL);
  items = run_check (onboarder);
  item = find_item (items, ONB_CHECK_TTS_RIGHTS);
  g_assert_false (item->ok);
  g_assert_nonnull (strstr (item->message, "Create devices in application"));

  /* The simulator's read-only key may view devices, not their keys, which
   * verify reads: only that is missing. */
  blynk = cloud_test_config (sim, "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY_READ_ONLY, "tts", "created_by", "blynk",
                             NULL);
  blynk_items = run_check (blynk);
  item = find_item (blynk_items, ONB_CHECK_TTS_RIGHTS);
  g_assert_false (item->ok);
  g_assert_nonnull (strstr (item->message, "View device keys in application"));
  g_assert_null (strstr (item->message, "Create devices in application"));
  g_assert_null (strstr (item->message, "Edit device keys in application"));

  blynk_full = cloud_test_config (sim, "tts", "created_by", "blynk", NULL);
  full_items = run_check (blynk_full);
  item = find_item (full_items, ONB_CHECK_TTS_RIGHTS);
  g_assert_true (item->ok);
  g_assert_nonnull (strstr (item->message, "replacing hardware"));
}

/* A redirect to a host outside the configured one's domain: refused, so
 * the check fails and names the host; a user:password@ part of the
 * server address never shows. */
static void
test_blynk_foreign_redirect (void)
{
  g_autoptr(GUri) redirect = g_uri_parse (onb_test_sim_get_redirect_url (sim), G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) main_uri = g_uri_parse (onb_test_sim_get_url (sim), G_URI_FLAGS_NONE, NULL);
  g_autofree char *foreign = g_strdup_printf ("http://localhost:%d", g_uri_get_port (redirect));
  g_autofree char *with_password = g_strdup_printf ("http://kiosk:Pa55word@127.0.0.1:%d", g_uri_get_port (main_uri));
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GPtrArray) items = NULL;
  OnbCheckItem *item;

  onb_test_sim_reset (sim, NULL);
  config = cloud_test_config (sim, "blynk", "server", foreign, NULL);
  items = run_check (config);
  g_assert_false (onb_connection_check_all_ok (items));
  item = find_item (items, ONB_CHECK_BLYNK_CREDENTIALS);
  g_test_message ("%s", item->message);
  g_assert_false (item->ok);
  g_assert_nonnull (strstr (item->message, "127.0.0.1"));
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.token"), ==, 0);
  g_clear_pointer (&items, g_ptr_array_unref);
  g_clear_object (&config);

  config = cloud_test_config (sim, "blynk", "server", with_password, NULL);
  items = run_check (config);
  item = find_item (items, ONB_CHECK_BLYNK_CREDENTIALS);
  g_test_message ("%s", item->message);
  g_assert_true (item->ok);
  g_assert_null (strstr (item->message, "Pa55word"));
  g_assert_null (strstr (item->message, "kiosk:"));
}

static void
test_dependent_items (void)
{
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GPtrArray) items = NULL;
  OnbCheckItem *item;

  onb_test_sim_reset (sim, NULL);
  config = cloud_test_config (sim,
                              "tts", "api_key", "NNSXS.WRONG.WRONG",
                              "blynk", "client_secret", "nope",
                              NULL);
  onb_config_set_string (config, "tts", "application_id", "");
  items = run_check (config);

  item = find_item (items, ONB_CHECK_TTS_CONFIG);
  g_assert_false (item->ok);
  g_assert_cmpstr (item->reason, ==, "not-configured");
  g_assert_nonnull (strstr (item->message, "application_id"));
  g_assert_cmpstr (find_item (items, ONB_CHECK_TTS_API_KEY)->reason, ==, "not-checked");

  item = find_item (items, ONB_CHECK_BLYNK_CREDENTIALS);
  g_assert_false (item->ok);
  g_assert_cmpstr (item->reason, ==, "unauthorized");
  g_assert_nonnull (strstr (item->message, "client secret"));
  item = find_item (items, ONB_CHECK_BLYNK_METAFIELDS);
  g_assert_cmpstr (item->reason, ==, "not-checked");
  g_assert_nonnull (strstr (item->message, find_item (items, ONB_CHECK_BLYNK_CREDENTIALS)->title));
}

static int
run_cli (const char  *config_path,
         gboolean     json,
         char       **out)
{
  const char *cli = g_getenv ("ONB_CLI");
  const char *argv[] = { cli, "check", "--config", config_path, json ? "--json" : NULL, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_nonnull (cli);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));

  return WEXITSTATUS (status);
}

static void
test_cli (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *json_out = NULL;
  g_autoptr(GKeyFile) bad = NULL;
  g_autofree char *bad_path = NULL;
  g_autofree char *bad_out = NULL;
  g_auto(GStrv) lines = NULL;

  onb_test_sim_reset (sim, NULL);
  path = onb_test_sim_write_config (sim, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (run_cli (path, FALSE, &out), ==, 0);
  g_assert_nonnull (strstr (out, "Rights of the API key"));

  g_assert_cmpint (run_cli (path, TRUE, &json_out), ==, 0);
  lines = g_strsplit (g_strchomp (json_out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 10);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(json_object) item = json_tokener_parse (lines[i]);

      g_assert_nonnull (item);
      g_assert_true (json_object_get_boolean (json_object_object_get (item, "ok")));
    }

  /* One failing item: exit status 1, and it says what to change. */
  bad = onb_test_sim_new_key_file (sim);
  g_key_file_set_string (bad, "tts", "phy_version", "PHY_V1_0");
  bad_path = g_build_filename (g_get_tmp_dir (), "onb-test-check-bad.conf", NULL);
  g_assert_true (g_key_file_save_to_file (bad, bad_path, &error));
  g_chmod (bad_path, 0600);
  g_assert_cmpint (run_cli (bad_path, TRUE, &bad_out), ==, 1);
  g_assert_nonnull (strstr (bad_out, "\"id\":\"tts-mac-phy\",\"title\":\"LoRaWAN and PHY versions\",\"ok\":false,\"reason\":\"band-version\""));
  g_unlink (bad_path);
}

static char *
write_config (GKeyFile   *kf,
              const char *name,
              int         mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

  onb_test_assert_ok (g_key_file_save_to_file (kf, path, &error), error);
  g_chmod (path, mode);

  return path;
}

/* Every setting is checked at load, in words naming the key; none is
 * silently replaced by a default, none makes a request hang. */
static void
test_cli_bad_settings (void)
{
  g_autofree char *huge = g_strnfill (100 * 1024, 'a');
  g_autofree char *huge_url = g_strconcat ("https://", huge, ".example", NULL);
  const struct { const char *group, *key, *value; } cases[] = {
    { "tts", "class_b", "maybe" },
    { "cloud", "timeout_ms", "fast" },
    { "cloud", "timeout_ms", "5" },
    { "cloud", "allow_insecure_http", "yes" },
    { "kiosk", "max_jobs", "-5" },
    { "kiosk", "pin", "12" },
    { "labels", "profile_ids", "XYZ" },
    { "tts", "api_key", huge },
    { "tts", "api_key", "NNSXS.ABC\\nX-Injected: 1" },  /* an escaped line break */
    { "tts", "application_id", huge },
    { "tts", "identity_server", huge_url },
    { "blynk", "client_secret", "two words" },
    { "tts", "frequency_plan", "EU 868" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GKeyFile) kf = onb_test_sim_new_key_file (sim);
      g_autofree char *path = NULL;
      g_autofree char *out = NULL;
      g_autoptr(json_object) answer = NULL;
      g_autofree char *key = g_strdup_printf ("[%s] %s", cases[i].group, cases[i].key);
      const char *message;
      gint64 start = g_get_monotonic_time ();

      g_test_message ("[%s] %s", cases[i].group, cases[i].key);
      g_key_file_set_value (kf, cases[i].group, cases[i].key, cases[i].value);
      path = write_config (kf, "onb-test-check-setting.conf", 0600);
      /* A configuration that cannot be used is exit 2, as in every command. */
      g_assert_cmpint (run_cli (path, TRUE, &out), ==, 2);
      answer = json_tokener_parse (out);
      g_assert_nonnull (answer);
      g_assert_cmpstr (json_object_get_string (json_object_object_get (answer, "reason")), ==, "config-invalid-value");
      message = json_object_get_string (json_object_object_get (answer, "message"));
      g_assert_true (g_str_equal (cases[i].key, "pin") || strstr (message, key) != NULL);
      g_assert_cmpuint (strlen (message), <, 600);
      /* A hang would last the 30 s request timeout; a refusal at load takes
       * well under a second, so the bound is loose for sanitizer builds on a
       * busy machine (5 s was not). */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);
      g_unlink (path);
    }
}

/* Secrets in a file others may read: a warning, and the check goes on. */
static void
test_cli_readable_config (void)
{
  g_autoptr(GKeyFile) kf = onb_test_sim_new_key_file (sim);
  g_autofree char *path = write_config (kf, "onb-test-check-readable.conf", 0644);
  g_autofree char *out = NULL;
  g_autofree char *json_out = NULL;
  g_autofree char *private_out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(json_object) first = NULL;

  onb_test_sim_reset (sim, NULL);
  g_assert_cmpint (run_cli (path, FALSE, &out), ==, 0);
  g_assert_nonnull (strstr (out, "chmod 600"));

  g_assert_cmpint (run_cli (path, TRUE, &json_out), ==, 0);
  lines = g_strsplit (g_strchomp (json_out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 11);
  first = json_tokener_parse (lines[0]);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (first, "reason")), ==, "config-readable-by-others");
  g_assert_true (json_object_get_boolean (json_object_object_get (first, "warning")));

  g_chmod (path, 0600);
  g_assert_cmpint (run_cli (path, FALSE, &private_out), ==, 0);
  g_assert_null (strstr (private_out, "chmod"));
  g_unlink (path);
}

/* A server address with user:password@ is never printed with it. */
static void
test_cli_url_credentials (void)
{
  g_autoptr(GKeyFile) kf = onb_test_sim_new_key_file (sim);
  g_autofree char *with_password = NULL;
  g_autofree char *bad_url = g_strdup ("https://user:s3cretpw@/nohost");
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *bad_path = NULL;
  g_autofree char *bad_out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) sim_uri = g_uri_parse (onb_test_sim_get_url (sim), G_URI_FLAGS_NONE, &error);

  g_assert_no_error (error);
  with_password = g_strdup_printf ("http://user:s3cretpw@127.0.0.1:%d", g_uri_get_port (sim_uri));
  g_key_file_set_string (kf, "blynk", "server", with_password);
  g_key_file_set_string (kf, "tts", "identity_server", with_password);
  path = write_config (kf, "onb-test-check-userinfo.conf", 0600);
  onb_test_sim_reset (sim, NULL);
  run_cli (path, FALSE, &out);
  g_assert_nonnull (strstr (out, "Blynk"));
  g_assert_null (strstr (out, "s3cretpw"));
  g_unlink (path);

  g_key_file_set_string (kf, "blynk", "server", bad_url);
  bad_path = write_config (kf, "onb-test-check-userinfo-bad.conf", 0600);
  run_cli (bad_path, TRUE, &bad_out);
  g_assert_null (strstr (bad_out, "s3cretpw"));
  g_unlink (bad_path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/check/all-ok", test_all_ok);
  g_test_add_func ("/check/unknown-template", test_unknown_template);
  g_test_add_func ("/check/each-item-says-what-to-change", test_each_item_says_what_to_change);
  g_test_add_func ("/check/dependent-items", test_dependent_items);
  g_test_add_func ("/check/renamed-metafield", test_renamed_metafield);
  g_test_add_func ("/check/models-only", test_models_only);
  g_test_add_func ("/check/blynk-models-only", test_blynk_models_only);
  g_test_add_func ("/check/rights-per-mode", test_rights_per_mode);
  g_test_add_func ("/check/blynk-foreign-redirect", test_blynk_foreign_redirect);
  g_test_add_func ("/check/cli", test_cli);
  g_test_add_func ("/check/cli-bad-settings", test_cli_bad_settings);
  g_test_add_func ("/check/cli-readable-config", test_cli_readable_config);
  g_test_add_func ("/check/cli-url-credentials", test_cli_url_credentials);

  sim = onb_test_sim_start (NULL, &error);
  g_assert_no_error (error);
  status = g_test_run ();
  onb_test_sim_stop (sim);

  return status;
}
