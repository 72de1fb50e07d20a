/* test-sim-fixture.c: the shared C fixture starts, drives and stops the simulator */
#define G_LOG_DOMAIN "onb-test-sim-fixture"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "onb-test-sim.h"

static gboolean
port_accepts (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;

  g_socket_client_set_timeout (client, 5);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return conn != NULL;
}

static void
test_start_state_stop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTestSim) sim = onb_test_sim_start ("{\"blynk\":{\"rate_limit_per_minute\":5}}", &error);
  json_object *state;
  json_object *blynk;
  json_object *settings;
  json_object *value;

  g_assert_no_error (error);
  g_assert_nonnull (sim);
  g_assert_true (g_str_has_prefix (onb_test_sim_get_url (sim), "http://127.0.0.1:"));
  g_assert_cmpuint (onb_test_sim_get_port (sim), >, 0);
  g_assert_true (port_accepts (onb_test_sim_get_port (sim)));

  state = onb_test_sim_get_state (sim, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_object_get_ex (state, "blynk", &blynk));
  g_assert_true (json_object_object_get_ex (blynk, "settings", &settings));
  g_assert_true (json_object_object_get_ex (settings, "rate_limit_per_minute", &value));
  g_assert_cmpint (json_object_get_int (value), ==, 5);
  json_object_put (state);

  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.create"), ==, 0);
  g_assert_true (onb_test_sim_reset (sim, &error));
  g_assert_no_error (error);
}

static void
test_network_switch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTestSim) sim = onb_test_sim_start (NULL, &error);
  guint16 port;

  g_assert_no_error (error);
  port = onb_test_sim_get_port (sim);
  g_assert_true (onb_test_sim_set_network_down (sim, TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (port_accepts (port));
  g_assert_true (onb_test_sim_set_network_down (sim, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (port_accepts (port));
}

static void
test_faults_and_log (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTestSim) sim = onb_test_sim_start (NULL, &error);
  json_object *log;

  g_assert_no_error (error);
  g_assert_true (onb_test_sim_set_faults (sim, "{\"seed\":3,\"script\":{\"tts.auth_info\":[\"503\"]}}", &error));
  g_assert_no_error (error);
  g_assert_false (onb_test_sim_set_faults (sim, "{\"bogus\":1}", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);

  log = onb_test_sim_get_request_log (sim, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_is_type (log, json_type_array));
  g_assert_cmpuint (json_object_array_length (log), ==, 0);
  json_object_put (log);
}

static void
test_write_config (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTestSim) sim = onb_test_sim_start (NULL, &error);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = NULL;
  g_autofree char *server = NULL;
  g_autofree char *key = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  path = onb_test_sim_write_config (sim, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  server = g_key_file_get_string (kf, "tts", "join_server", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (server, ==, onb_test_sim_get_url (sim));
  key = g_key_file_get_string (kf, "tts", "api_key", &error);
  g_assert_cmpstr (key, ==, ONB_TEST_SIM_TTS_API_KEY);
  g_assert_cmpint (g_key_file_get_integer (kf, "blynk", "owner_id", NULL), ==, ONB_TEST_SIM_BLYNK_OWNER_ID);
}

static void
test_bad_config_fails (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTestSim) sim = onb_test_sim_start ("{\"tts\":{\"frequency_plans\":[{\"id\":\"X\",\"band_id\":\"NOPE\"}]}}", &error);

  g_assert_null (sim);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/simulator/fixture/start-state-stop", test_start_state_stop);
  g_test_add_func ("/simulator/fixture/network-switch", test_network_switch);
  g_test_add_func ("/simulator/fixture/faults-and-log", test_faults_and_log);
  g_test_add_func ("/simulator/fixture/write-config", test_write_config);
  g_test_add_func ("/simulator/fixture/bad-config-fails", test_bad_config_fails);

  return g_test_run ();
}
