/* prov-test.c: shared helpers of the job engine tests */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "onb-journal.h"
#include "prov-test.h"

ProvStation *
prov_station_new (OnbTestSim         *sim,
                  const char         *csv,
                  const char * const *extra)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) kf = onb_test_sim_new_key_file (sim);
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *registry_path = NULL;
  ProvStation *station = g_new0 (ProvStation, 1);

  station->sim = sim;
  station->dir = g_dir_make_tmp ("onb-prov-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (station->dir, "data", NULL);
  g_key_file_set_string (kf, "kiosk", "data_dir", data_dir);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (extra[i], "=", 2);
      g_auto(GStrv) gk = g_strsplit (kv[0], ".", 2);

      if (kv[1] != NULL)
        g_key_file_set_string (kf, gk[0], gk[1], kv[1]);
      else
        g_key_file_remove_key (kf, gk[0], gk[1], NULL);
    }
  station->config = g_build_filename (station->dir, "onboarder.conf", NULL);
  onb_test_assert_ok (g_key_file_save_to_file (kf, station->config, &error), error);

  station->csv = g_build_filename (station->dir, "devices.csv", NULL);
  g_assert_true (g_file_set_contents (station->csv, csv, -1, &error));
  /* Where the configuration says, @extra included. */
  g_free (data_dir);
  data_dir = g_key_file_get_string (kf, "kiosk", "data_dir", NULL);
  registry_path = onb_registry_default_path (data_dir);
  registry = onb_registry_open (registry_path, &error);
  g_assert_no_error (error);
  onb_test_assert_ok (onb_registry_import_file (registry, station->csv, ONB_REGISTRY_IMPORT_NONE, &report, &error), error);
  return station;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
prov_station_free (ProvStation *station)
{
  if (station == NULL)
    return;
  remove_tree (station->dir);
  g_free (station->dir);
  g_free (station->config);
  g_free (station->csv);
  g_free (station);
}

OnbConfig *
prov_station_load_config (ProvStation *station)
{
  g_autoptr(GError) error = NULL;
  OnbConfig *config = onb_config_load (station->config, &error);

  g_assert_no_error (error);
  return config;
}

static void
started_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  onb_test_assert_ok (onb_engine_start_finish (ONB_ENGINE (object), result, &error), error);
  *(gboolean *) user_data = TRUE;
}

OnbEngine *
prov_station_engine (ProvStation *station)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = prov_station_load_config (station);
  g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
  OnbEngine *engine = onb_engine_new (config, http, &error);
  gboolean started = FALSE;

  g_assert_no_error (error);
  onb_engine_set_retry_delays (engine, 50, 400);
  onb_engine_start_async (engine, NULL, started_cb, &started);
  g_assert_true (prov_wait_until (prov_flag_set, &started, 30));
  return engine;
}

char *
prov_sample_csv (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "samples", "devices.csv", NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;

  g_file_get_contents (path, &data, NULL, &error);
  g_assert_no_error (error);
  return data;
}

char *
prov_generated_csv (guint    n,
                    guint    first,
                    gboolean tokens)
{
  GString *csv = g_string_new ("Device EUI,Join EUI,Application Key,Static Token,Device Name\r\n");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *token = tokens && i % 2 == 1 ? prov_static_token (first + i) : g_strdup ("");

      g_string_append_printf (csv, "0018B200%08X,70B3D57ED0000010,%08X%08X%08X%08X,%s,Crash sensor %u\r\n",
                              first + i, g_random_int (), g_random_int (), first + i, 0xC0FFEEu, token, first + i);
    }
  return g_string_free (csv, FALSE);
}

char *
prov_static_token (guint index)
{
  /* "sqr_" and 32 characters of Blynk's alphabet. */
  return g_strdup_printf ("sqr_OnboarderTestToken%014u", index);
}

char *
prov_static_tokens_config (guint first,
                           guint n)
{
  GString *json = g_string_new ("{\"blynk\":{\"static_tokens\":[");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *token = prov_static_token (first + i);

      g_string_append_printf (json, "%s{\"token\":\"%s\",\"template_id\":\"" ONB_TEST_SIM_BLYNK_TEMPLATE_ID "\"}",
                              i > 0 ? "," : "", token);
    }
  g_string_append (json, "]}}");
  return g_string_free (json, FALSE);
}

char *
prov_tr005 (const char *dev_eui)
{
  return g_strdup_printf ("LW:D0:70B3D57ED0000010:%s:000AF8BE", dev_eui);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
prov_wait_until (ProvCondition condition,
                 gconstpointer data,
                 guint         timeout_s)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add_seconds (timeout_s, timeout_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (source);
  return !timed_out;
}

gboolean
prov_flag_set (gconstpointer flag)
{
  return *(const gboolean *) flag;
}

gboolean
prov_pointer_set (gconstpointer pointer)
{
  return *(gconstpointer const *) pointer != NULL;
}

void
prov_store_result (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GAsyncResult *
prov_wait_result (GAsyncResult **result)
{
  g_assert_true (prov_wait_until (prov_pointer_set, result, 30));
  return *result;
}

typedef struct
{
  OnbEngine *engine;
  OnbJob **jobs;
  guint n_jobs;
} JobsWait;

static gboolean
jobs_finished (gconstpointer data)
{
  const JobsWait *wait = data;

  for (guint i = 0; i < wait->n_jobs; i++)
    if (!onb_job_is_finished (wait->jobs[i]))
      return FALSE;
  return !onb_engine_get_busy (wait->engine);
}

gboolean
prov_wait_jobs (OnbEngine  *engine,
                OnbJob    **jobs,
                guint       n_jobs,
                guint       timeout_s)
{
  JobsWait wait = { engine, jobs, n_jobs };

  return prov_wait_until (jobs_finished, &wait, timeout_s);
}

guint
prov_sim_blynk_count (json_object *state,
                      const char  *name)
{
  json_object *blynk, *devices;
  guint n = 0;

  if (!json_object_object_get_ex (state, "blynk", &blynk) || !json_object_object_get_ex (blynk, "devices", &devices))
    return 0;
  for (size_t i = 0; i < json_object_array_length (devices); i++)
    if (g_strcmp0 (prov_json_path (json_object_array_get_idx (devices, i), "name"), name) == 0)
      n++;
  return n;
}

guint
prov_sim_blynk_total (json_object *state)
{
  json_object *blynk, *devices;

  if (!json_object_object_get_ex (state, "blynk", &blynk) || !json_object_object_get_ex (blynk, "devices", &devices))
    return 0;
  return json_object_array_length (devices);
}

json_object *
prov_sim_blynk_device (json_object *state,
                       const char  *name)
{
  json_object *blynk, *devices;

  if (!json_object_object_get_ex (state, "blynk", &blynk) || !json_object_object_get_ex (blynk, "devices", &devices))
    return NULL;
  for (size_t i = 0; i < json_object_array_length (devices); i++)
    if (g_strcmp0 (prov_json_path (json_object_array_get_idx (devices, i), "name"), name) == 0)
      return json_object_array_get_idx (devices, i);
  return NULL;
}

const char *
prov_sim_blynk_metafield (json_object *device,
                          const char  *name)
{
  json_object *fields;

  if (!json_object_object_get_ex (device, "metaFields", &fields))
    return NULL;
  for (size_t i = 0; i < json_object_array_length (fields); i++)
    {
      json_object *field = json_object_array_get_idx (fields, i);

      if (g_strcmp0 (prov_json_path (field, "name"), name) == 0)
        return prov_json_path (field, "value");
    }
  return NULL;
}

json_object *
prov_sim_tts_record (json_object *state,
                     const char  *component,
                     const char  *app,
                     const char  *device_id)
{
  json_object *tts, *records, *record;
  g_autofree char *key = g_strdup_printf ("%s/%s", app, device_id);

  if (json_object_object_get_ex (state, "tts", &tts) && json_object_object_get_ex (tts, component, &records) &&
      json_object_object_get_ex (records, key, &record))
    return record;
  return NULL;
}

guint
prov_sim_tts_total (json_object *state,
                    const char  *component)
{
  json_object *tts, *records;

  if (json_object_object_get_ex (state, "tts", &tts) && json_object_object_get_ex (tts, component, &records))
    return json_object_object_length (records);
  return 0;
}

/* "a.b.c" in nested objects, as a string (numbers and booleans printed). */
const char *
prov_json_path (json_object *object,
                const char  *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; parts[i] != NULL && object != NULL; i++)
    if (!json_object_object_get_ex (object, parts[i], &object))
      return NULL;
  return object != NULL ? json_object_get_string (object) : NULL;
}

GPtrArray *
prov_station_jobs (ProvStation *station)
{
  g_autoptr(OnbConfig) config = prov_station_load_config (station);
  g_autofree char *data_dir = onb_config_get_data_dir (config);
  g_autofree char *path = onb_journal_default_path (data_dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJournal) journal = onb_journal_open (path, &error);
  GPtrArray *jobs;

  g_assert_no_error (error);
  jobs = onb_journal_list_jobs (journal, NULL, -1, 0, &error);
  g_assert_no_error (error);
  return jobs;
}

GSubprocess *
prov_cli_spawn (const char          *stdin_path,
                const char          *stdout_path,
                const char * const  *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv ("ONB_CLI");
  GSubprocess *process;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (stdin_path != NULL)
    g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);
  if (stdout_path != NULL)
    g_subprocess_launcher_set_stdout_file_path (launcher, stdout_path);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}
