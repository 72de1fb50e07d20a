/* onb-test-sim.c: start the Blynk/TTS simulator around a test */
#define G_LOG_DOMAIN "onb-test-sim"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "onb-test-sim.h"

/* Python start-up is ~0.1 s; sanitizer builds and busy CI machines are slower. */
#define START_TIMEOUT_USEC (20 * G_USEC_PER_SEC)
#define STOP_TIMEOUT_USEC  (10 * G_USEC_PER_SEC)
#define POLL_USEC          (10 * 1000)

struct _OnbTestSim
{
  GSubprocess *process;
  char        *tmp_dir;
  char        *port_file;
  guint16      port;
  guint16      admin_port;
  guint16      redirect_port;
  char        *url;
  char        *admin_url;
  char        *redirect_url;
};

static gboolean
parse_port_file (OnbTestSim  *sim,
                 const char  *contents)
{
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *eq = strchr (lines[i], '=');
      guint64 value = 0;

      if (eq == NULL || !g_ascii_string_to_unsigned (eq + 1, 10, 1, G_MAXUINT16, &value, NULL))
        continue;
      if (g_str_has_prefix (lines[i], "PORT="))
        sim->port = (guint16) value;
      else if (g_str_has_prefix (lines[i], "ADMIN_PORT="))
        sim->admin_port = (guint16) value;
      else if (g_str_has_prefix (lines[i], "REDIRECT_PORT="))
        sim->redirect_port = (guint16) value;
    }

  return sim->port != 0 && sim->admin_port != 0 && sim->redirect_port != 0;
}

OnbTestSim *
onb_test_sim_start (const char  *extra_config_json,
                    GError     **error)
{
  return onb_test_sim_start_with_args (extra_config_json, NULL, error);
}

OnbTestSim *
onb_test_sim_start_with_args (const char          *extra_config_json,
                              const char * const  *extra_args,
                              GError             **error)
{
  g_autoptr(OnbTestSim) sim = g_new0 (OnbTestSim, 1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *script = g_getenv ("ONB_SIMULATOR");
  const char *python = g_getenv ("ONB_PYTHON");
  gint64 deadline;

  if (script == NULL || *script == '\0')
    script = ONB_TEST_SIMULATOR_SCRIPT;
  if (python == NULL || *python == '\0')
    python = ONB_TEST_PYTHON;

  sim->tmp_dir = g_dir_make_tmp ("onb-test-sim-XXXXXX", error);
  if (sim->tmp_dir == NULL)
    return NULL;
  sim->port_file = g_build_filename (sim->tmp_dir, "ports", NULL);

  g_ptr_array_add (argv, (gpointer) python);
  /* No __pycache__ written into the source tree. */
  g_ptr_array_add (argv, (gpointer) "-B");
  g_ptr_array_add (argv, (gpointer) script);
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  g_ptr_array_add (argv, (gpointer) "--port-file");
  g_ptr_array_add (argv, sim->port_file);
  g_ptr_array_add (argv, (gpointer) "--exit-with-parent");
  if (extra_config_json != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "--extra-config");
      g_ptr_array_add (argv, (gpointer) extra_config_json);
    }
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  /* stdout repeats the port lines; keep them out of the TAP stream. */
  sim->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                    G_SUBPROCESS_FLAGS_STDOUT_SILENCE, error);
  if (sim->process == NULL)
    return NULL;

  deadline = g_get_monotonic_time () + START_TIMEOUT_USEC;
  for (;;)
    {
      g_autofree char *contents = NULL;

      if (g_file_get_contents (sim->port_file, &contents, NULL, NULL) &&
          parse_port_file (sim, contents))
        break;
      if (g_subprocess_get_identifier (sim->process) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "simulator %s exited before listening (see its stderr)", script);
          return NULL;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "simulator %s did not start listening in time", script);
          return NULL;
        }
      g_usleep (POLL_USEC);
    }

  sim->url = g_strdup_printf ("http://127.0.0.1:%u", sim->port);
  sim->admin_url = g_strdup_printf ("http://127.0.0.1:%u", sim->admin_port);
  sim->redirect_url = g_strdup_printf ("http://127.0.0.1:%u", sim->redirect_port);

  return g_steal_pointer (&sim);
}

void
onb_test_sim_stop (OnbTestSim *sim)
{
  if (sim == NULL)
    return;

  if (sim->process != NULL && g_subprocess_get_identifier (sim->process) != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_USEC;

      g_subprocess_send_signal (sim->process, SIGTERM);
      while (g_subprocess_get_identifier (sim->process) != NULL &&
             g_get_monotonic_time () < deadline)
        g_usleep (POLL_USEC);
      if (g_subprocess_get_identifier (sim->process) != NULL)
        {
          g_warning ("simulator ignored SIGTERM; killing it");
          g_subprocess_force_exit (sim->process);
        }
      g_subprocess_wait (sim->process, NULL, NULL);
    }
  g_clear_object (&sim->process);

  if (sim->tmp_dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (sim->tmp_dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (sim->tmp_dir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (sim->tmp_dir);
    }

  g_free (sim->tmp_dir);
  g_free (sim->port_file);
  g_free (sim->url);
  g_free (sim->admin_url);
  g_free (sim->redirect_url);
  g_free (sim);
}

const char *
onb_test_sim_get_url (OnbTestSim *sim)
{
  return sim->url;
}

guint16
onb_test_sim_get_port (OnbTestSim *sim)
{
  return sim->port;
}

const char *
onb_test_sim_get_redirect_url (OnbTestSim *sim)
{
  return sim->redirect_url;
}

const char *
onb_test_sim_get_admin_url (OnbTestSim *sim)
{
  return sim->admin_url;
}

char *
onb_test_sim_admin (OnbTestSim   *sim,
                    const char   *method,
                    const char   *path,
                    const char   *body_json,
                    guint        *status,
                    GError      **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GByteArray) response = g_byte_array_new ();
  g_autofree char *request = NULL;
  const char *text;
  const char *body;
  guint code = 0;
  gsize body_len = body_json != NULL ? strlen (body_json) : 0;

  g_socket_client_set_timeout (client, 10);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", sim->admin_port, NULL, error);
  if (conn == NULL)
    return NULL;

  /* HTTP/1.0-style: one request, the server closes after answering. */
  request = g_strdup_printf ("%s %s HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Connection: close\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                             "\r\n%s",
                             method, path, sim->admin_port, body_len,
                             body_json != NULL ? body_json : "");
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                  request, strlen (request), NULL, NULL, error))
    return NULL;

  for (;;)
    {
      guint8 buf[8192];
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)),
                                      buf, sizeof buf, NULL, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_byte_array_append (response, buf, (guint) n);
    }
  g_byte_array_append (response, (const guint8 *) "", 1);

  text = (const char *) response->data;
  body = strstr (text, "\r\n\r\n");
  if (!g_str_has_prefix (text, "HTTP/1.") || strlen (text) < 12 || body == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "malformed answer from the simulator admin port");
      return NULL;
    }
  code = (guint) g_ascii_strtoull (text + 9, NULL, 10);
  if (status != NULL)
    *status = code;

  return g_strdup (body + 4);
}

static json_object *
admin_json (OnbTestSim  *sim,
            const char  *method,
            const char  *path,
            const char  *body_json,
            GError     **error)
{
  g_autofree char *text = NULL;
  json_object *obj;
  guint status = 0;

  text = onb_test_sim_admin (sim, method, path, body_json, &status, error);
  if (text == NULL)
    return NULL;
  obj = json_tokener_parse (text);
  if (status != 200 || obj == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "simulator admin %s %s answered %u: %s", method, path, status, text);
      json_object_put (obj);
      return NULL;
    }

  return obj;
}

static gboolean
admin_ok (OnbTestSim  *sim,
          const char  *method,
          const char  *path,
          const char  *body_json,
          GError     **error)
{
  json_object *obj = admin_json (sim, method, path, body_json, error);

  json_object_put (obj);
  return obj != NULL;
}

gboolean
onb_test_sim_reset (OnbTestSim  *sim,
                    GError     **error)
{
  return admin_ok (sim, "POST", "/_admin/reset", NULL, error);
}

json_object *
onb_test_sim_get_state (OnbTestSim  *sim,
                        GError     **error)
{
  return admin_json (sim, "GET", "/_admin/state", NULL, error);
}

json_object *
onb_test_sim_expect_state (OnbTestSim *sim)
{
  g_autoptr(GError) error = NULL;
  json_object *state = onb_test_sim_get_state (sim, &error);

  g_assert_no_error (error);
  return state;
}

json_object *
onb_test_sim_get_request_log (OnbTestSim  *sim,
                              GError     **error)
{
  json_object *obj = admin_json (sim, "GET", "/_admin/log", NULL, error);
  json_object *log = NULL;

  if (obj == NULL)
    return NULL;
  if (json_object_object_get_ex (obj, "log", &log))
    json_object_get (log);
  json_object_put (obj);

  return log;
}

int
onb_test_sim_get_count (OnbTestSim *sim,
                        const char *endpoint)
{
  json_object *state = onb_test_sim_get_state (sim, NULL);
  json_object *counts = NULL;
  json_object *count = NULL;
  int result = -1;

  if (state == NULL)
    return -1;
  if (json_object_object_get_ex (state, "counts", &counts))
    result = json_object_object_get_ex (counts, endpoint, &count) ? json_object_get_int (count) : 0;
  json_object_put (state);

  return result;
}

gboolean
onb_test_sim_set_faults (OnbTestSim  *sim,
                         const char  *faults_json,
                         GError     **error)
{
  return admin_ok (sim, "POST", "/_admin/faults", faults_json, error);
}

gboolean
onb_test_sim_set_network_down (OnbTestSim  *sim,
                               gboolean     down,
                               GError     **error)
{
  return admin_ok (sim, "POST", "/_admin/network", down ? "{\"down\":true}" : "{\"down\":false}", error);
}

gboolean
onb_test_sim_set_settings (OnbTestSim  *sim,
                           const char  *settings_json,
                           GError     **error)
{
  return admin_ok (sim, "POST", "/_admin/settings", settings_json, error);
}

gboolean
onb_test_sim_expire_blynk_tokens (OnbTestSim  *sim,
                                  GError     **error)
{
  return admin_ok (sim, "POST", "/_admin/blynk/expire-tokens", NULL, error);
}

GKeyFile *
onb_test_sim_new_key_file (OnbTestSim *sim)
{
  GKeyFile *kf = g_key_file_new ();
  static const char * const tts_servers[] = {
    "identity_server", "join_server", "network_server", "application_server",
  };

  g_key_file_set_string (kf, "blynk", "server", sim->url);
  g_key_file_set_string (kf, "blynk", "client_id", ONB_TEST_SIM_BLYNK_CLIENT_ID);
  g_key_file_set_string (kf, "blynk", "client_secret", ONB_TEST_SIM_BLYNK_CLIENT_SECRET);
  g_key_file_set_string (kf, "blynk", "template_id", ONB_TEST_SIM_BLYNK_TEMPLATE_ID);
  g_key_file_set_integer (kf, "blynk", "owner_id", ONB_TEST_SIM_BLYNK_OWNER_ID);

  for (guint i = 0; i < G_N_ELEMENTS (tts_servers); i++)
    g_key_file_set_string (kf, "tts", tts_servers[i], sim->url);
  g_key_file_set_string (kf, "tts", "application_id", ONB_TEST_SIM_TTS_APP_ID);
  g_key_file_set_string (kf, "tts", "api_key", ONB_TEST_SIM_TTS_API_KEY);
  g_key_file_set_string (kf, "tts", "frequency_plan", ONB_TEST_SIM_TTS_FREQUENCY_PLAN);
  g_key_file_set_string (kf, "tts", "lorawan_version", ONB_TEST_SIM_TTS_LORAWAN_VERSION);
  g_key_file_set_string (kf, "tts", "phy_version", ONB_TEST_SIM_TTS_PHY_VERSION);
  g_key_file_set_boolean (kf, "tts", "class_b", FALSE);
  g_key_file_set_boolean (kf, "tts", "class_c", FALSE);

  g_key_file_set_string (kf, "labels", "profile_ids", ONB_TEST_SIM_PROFILE_ID);
  g_key_file_set_string (kf, "kiosk", "pin", "1234");

  return kf;
}

char *
onb_test_sim_write_config (OnbTestSim  *sim,
                           const char  *path,
                           GError     **error)
{
  g_autoptr(GKeyFile) kf = onb_test_sim_new_key_file (sim);
  g_autofree char *target = path != NULL ? g_strdup (path)
                                         : g_build_filename (sim->tmp_dir, "onboarder.conf", NULL);
  g_autofree char *data = g_key_file_to_data (kf, NULL, NULL);

  if (!g_file_set_contents_full (target, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;

  return g_steal_pointer (&target);
}
