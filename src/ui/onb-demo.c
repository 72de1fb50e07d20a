/* onb-demo.c: `onboarder --demo`: the bundled simulator and sample boxes
 *
 * Everything the demo creates lives in one temporary folder, removed on
 * exit: the configuration, the registry and the journal. The simulator is
 * the one the tests use, started with a scripted fault so that one box
 * shows the amber "queued, will retry" answer before it turns green.
 */

#define G_LOG_DOMAIN "onb-demo"

#include "config.h"

#include <signal.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "onb-config.h"
#include "onb-demo.h"

#define PORT_FILE_POLL_MS 50
#define START_TIMEOUT_S   20

/* The simulator's built-in organisation and application
 * (simulator/default-config.json); public test values, not secrets. */
#define SIM_TTS_APP_ID         "warehouse-sensors"
#define SIM_TTS_API_KEY        "NNSXS.SIMFULLRIGHTSKEY00000000.SIMULATORSECRETFULLRIGHTS0000000000000000000000000001"
#define SIM_BLYNK_CLIENT_ID    "oa2-client-id_SimulatorKiosk"
#define SIM_BLYNK_SECRET       "SimulatorClientSecret0000000001"
#define SIM_BLYNK_TEMPLATE_ID  "TMPL4pXgRt1Kz"
#define SIM_BLYNK_OWNER_ID     "12345"
#define SIM_PROFILE_ID         "000AF8BE"

/* The second device created meets two "503 Service Unavailable" answers
 * from the Identity Server: amber for a few seconds, then green. */
#define DEMO_FAULTS \
  "{\"seed\": 1," \
  " \"endpoints\": {\"tts.is.create\": {\"retry_after_s\": 3}}," \
  " \"script\": {\"tts.is.create\": [\"ok\", \"503\", \"503\"]}}"

/* Order of data/samples/labels.txt lines on the belt (0-based): a good
 * label, a wrong product, the label that meets the fault, a damaged one,
 * the first label again (a duplicate), then the rest. */
static const guint demo_order[] = { 0, 7, 1, 8, 0, 2, 3, 4, 5, 6, 9 };
#define DEMO_ORDERED_LINES 10

struct _OnbDemo
{
  GObject       parent_instance;

  char         *dir;
  char         *config_path;
  char         *port_file;
  char         *url;
  GSubprocess  *simulator;
};

G_DEFINE_FINAL_TYPE (OnbDemo, onb_demo, G_TYPE_OBJECT)

/* Installed files first; in the build tree, the source tree's. */
static char *
find_file (const char *installed,
           const char *in_source)
{
  if (g_file_test (installed, G_FILE_TEST_EXISTS))
    return g_strdup (installed);
  return g_strdup (in_source);
}

static char *
simulator_path (void)
{
  const char *env = g_getenv ("ONB_SIMULATOR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  return find_file (PKGLIBEXECDIR "/onboarder-simulator", ONB_SOURCE_DIR "/simulator/onboarder-simulator");
}

char *
onb_demo_get_devices_path (void)
{
  return find_file (PKGDATADIR "/samples/devices.csv", ONB_SOURCE_DIR "/data/samples/devices.csv");
}

GStrv
onb_demo_get_labels (GError **error)
{
  g_autofree char *path = find_file (PKGDATADIR "/samples/labels.txt", ONB_SOURCE_DIR "/data/samples/labels.txt");
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;

  lines = g_strsplit (g_strstrip (contents), "\n", -1);
  n = g_strv_length (lines);
  for (guint i = 0; i < G_N_ELEMENTS (demo_order); i++)
    if (demo_order[i] < n)
      g_strv_builder_add (builder, g_strstrip (lines[demo_order[i]]));
  /* Any label added to the samples later still comes round. */
  for (guint i = DEMO_ORDERED_LINES; i < n; i++)
    g_strv_builder_add (builder, g_strstrip (lines[i]));

  return g_strv_builder_end (builder);
}

static gboolean
write_config (OnbDemo  *self,
              GError  **error)
{
  g_autoptr(OnbConfig) config = onb_config_new ();
  g_autofree char *data_dir = g_build_filename (self->dir, "data", NULL);
  static const char * const servers[] = { "identity_server", "join_server", "network_server", "application_server" };

  onb_config_set_string (config, "blynk", "server", self->url);
  onb_config_set_string (config, "blynk", "client_id", SIM_BLYNK_CLIENT_ID);
  onb_config_set_string (config, "blynk", "client_secret", SIM_BLYNK_SECRET);
  onb_config_set_string (config, "blynk", "template_id", SIM_BLYNK_TEMPLATE_ID);
  onb_config_set_string (config, "blynk", "owner_id", SIM_BLYNK_OWNER_ID);
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    onb_config_set_string (config, "tts", servers[i], self->url);
  onb_config_set_string (config, "tts", "application_id", SIM_TTS_APP_ID);
  onb_config_set_string (config, "tts", "api_key", SIM_TTS_API_KEY);
  onb_config_set_string (config, "tts", "frequency_plan", "EU_863_870_TTN");
  onb_config_set_string (config, "tts", "lorawan_version", "MAC_V1_0_3");
  onb_config_set_string (config, "tts", "phy_version", "PHY_V1_0_3_REV_A");
  onb_config_set_boolean (config, "tts", "class_b", FALSE);
  onb_config_set_boolean (config, "tts", "class_c", FALSE);
  onb_config_set_string (config, "labels", "profile_ids", SIM_PROFILE_ID);
  onb_config_set_string (config, "kiosk", "data_dir", data_dir);

  return onb_config_save (config, self->config_path, error);
}

static gboolean
poll_port_file (gpointer user_data)
{
  GTask *task = user_data;
  OnbDemo *self = g_task_get_source_object (task);
  g_autofree char *contents = NULL;
  gint64 started = GPOINTER_TO_SIZE (g_task_get_task_data (task));
  g_autoptr(GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    goto done;

  if (g_file_get_contents (self->port_file, &contents, NULL, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        if (g_str_has_prefix (lines[i], "URL="))
          self->url = g_strdup (g_strstrip (lines[i] + 4));
    }

  if (self->url != NULL)
    {
      if (write_config (self, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      goto done;
    }

  if (g_subprocess_get_identifier (self->simulator) == NULL ||
      (g_get_monotonic_time () - started) > START_TIMEOUT_S * G_TIME_SPAN_SECOND)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The demo could not start its simulated clouds. "
                                 "Check that python3 is installed."));
      goto done;
    }

  return G_SOURCE_CONTINUE;

done:
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
onb_demo_start_async (OnbDemo             *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *script = simulator_path ();
  g_autofree char *python = g_find_program_in_path ("python3");

  g_return_if_fail (self->dir == NULL);

  self->dir = g_dir_make_tmp ("onboarder-demo-XXXXXX", &error);
  if (self->dir == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->config_path = g_build_filename (self->dir, "onboarder.conf", NULL);
  self->port_file = g_build_filename (self->dir, "simulator.ports", NULL);

  self->simulator = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                                      python != NULL ? python : "/usr/bin/python3", script,
                                      "--port", "0",
                                      "--port-file", self->port_file,
                                      "--faults", DEMO_FAULTS,
                                      "--exit-with-parent",
                                      NULL);
  if (self->simulator == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_set_task_data (task, GSIZE_TO_POINTER (g_get_monotonic_time ()), NULL);
  g_timeout_add (PORT_FILE_POLL_MS, poll_port_file, g_steal_pointer (&task));
}

gboolean
onb_demo_start_finish (OnbDemo       *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
onb_demo_get_config_path (OnbDemo *self)
{
  g_return_val_if_fail (ONB_IS_DEMO (self), NULL);

  return self->config_path;
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL)
    {
      GFile *child = NULL;

      if (!g_file_enumerator_iterate (children, NULL, &child, NULL, NULL) || child == NULL)
        break;
      remove_tree (child);
    }

  g_file_delete (file, NULL, NULL);
}

void
onb_demo_stop (OnbDemo *self)
{
  g_return_if_fail (ONB_IS_DEMO (self));

  if (self->simulator != NULL)
    {
      g_subprocess_send_signal (self->simulator, SIGTERM);
      g_subprocess_wait (self->simulator, NULL, NULL);
      g_clear_object (&self->simulator);
    }

  if (self->dir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (self->dir);

      remove_tree (dir);
      g_clear_pointer (&self->dir, g_free);
    }
}

static void
onb_demo_finalize (GObject *object)
{
  OnbDemo *self = ONB_DEMO (object);

  onb_demo_stop (self);
  g_free (self->config_path);
  g_free (self->port_file);
  g_free (self->url);

  G_OBJECT_CLASS (onb_demo_parent_class)->finalize (object);
}

static void
onb_demo_class_init (OnbDemoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_demo_finalize;
}

static void
onb_demo_init (OnbDemo *self)
{
}

OnbDemo *
onb_demo_new (void)
{
  return g_object_new (ONB_TYPE_DEMO, NULL);
}
