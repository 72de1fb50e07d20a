/* onb-cli-provision.c: `onboarder-cli provision`, scans from the command line
 *
 * Also the engine helpers shared by replace and retry: start the engine,
 * wait for jobs on a main loop, print a job.
 */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>

#include "onb-cli-private.h"
#include "onb-error.h"

/* ---- shared engine helpers ------------------------------------------------------ */

static void
start_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GError **error = user_data;

  if (!onb_engine_start_finish (ONB_ENGINE (object), result, error) && *error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "start failed");
  /* Marks the start as finished even on success. */
  g_object_set_data (object, "onb-cli-started", GINT_TO_POINTER (TRUE));
}

OnbEngine *
onb_cli_engine_start (OnbConfig            *config,
                      const OnbCliEngineOptions *options,
                      GError              **error)
{
  g_autoptr(OnbHttpClient) http = onb_http_client_new (config);
  g_autoptr(OnbEngine) engine = onb_engine_new (config, http, error);
  GError *start_error = NULL;

  if (engine == NULL)
    return NULL;
  if (options != NULL && options->max_jobs > 0)
    onb_engine_set_max_jobs (engine, options->max_jobs);
  if (options != NULL && options->retry_min_ms > 0)
    onb_engine_set_retry_delays (engine, options->retry_min_ms,
                                 options->retry_max_ms > 0 ? options->retry_max_ms : options->retry_min_ms * 60);
  onb_engine_start_async (engine, NULL, start_cb, &start_error);
  while (g_object_get_data (G_OBJECT (engine), "onb-cli-started") == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (start_error != NULL)
    {
      g_propagate_error (error, start_error);
      return NULL;
    }
  return g_steal_pointer (&engine);
}

static gboolean
all_finished (OnbEngine *engine,
              GPtrArray *jobs)
{
  for (guint i = 0; jobs != NULL && i < jobs->len; i++)
    if (!onb_job_is_finished (jobs->pdata[i]))
      return FALSE;
  return !onb_engine_get_busy (engine);
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
stopped_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Cancelled: that is the abandoning engine_stop() asked for. */
  if (!onb_engine_shutdown_finish (ONB_ENGINE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("%s", error->message);
  *(gboolean *) user_data = TRUE;
}

/* Leaving with jobs unfinished: their requests are abandoned and their
 * rows handed back, so what is printed (queued, waiting) is what the
 * journal says and what the next run resumes. */
static void
engine_stop (OnbEngine *engine)
{
  g_autoptr(GCancellable) abandon = g_cancellable_new ();
  gboolean stopped = FALSE;

  g_cancellable_cancel (abandon);
  onb_engine_shutdown_async (engine, abandon, stopped_cb, &stopped);
  while (!stopped)
    g_main_context_iteration (NULL, TRUE);
}

gboolean
onb_cli_engine_wait (OnbEngine *engine,
                     GPtrArray *jobs,
                     double     timeout_s)
{
  gboolean timed_out = FALSE;
  guint source = timeout_s > 0 ? g_timeout_add ((guint) (timeout_s * 1000), timeout_cb, &timed_out) : 0;

  while (!timed_out && !all_finished (engine, jobs))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out && source != 0)
    g_source_remove (source);
  if (timed_out)
    engine_stop (engine);
  return !timed_out;
}

/* Until every job has its journal row: the scan is then on disk. The jobs
 * are then handed back for a later provision or retry to run. */
void
onb_cli_engine_wait_journaled (OnbEngine *engine,
                               GPtrArray *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    while (onb_job_get_id (jobs->pdata[i]) == 0 && !onb_job_is_finished (jobs->pdata[i]))
      g_main_context_iteration (NULL, TRUE);
  engine_stop (engine);
}

static void
add_time (json_object *object,
          const char  *key,
          GDateTime   *time)
{
  g_autofree char *text = time != NULL ? g_date_time_format_iso8601 (time) : NULL;

  onb_cli_json_add_string (object, key, text);
}

json_object *
onb_cli_job_to_json (OnbJob *job)
{
  json_object *object = json_object_new_object ();
  json_object *steps = json_object_new_object ();

  json_object_object_add (object, "id", json_object_new_int64 (onb_job_get_id (job)));
  onb_cli_json_add_string (object, "kind", onb_job_get_kind (job) == ONB_JOB_KIND_REPLACE ? "replace" : "provision");
  onb_cli_json_add_string (object, "dev_eui", onb_job_get_dev_eui (job));
  onb_cli_json_add_string (object, "join_eui", onb_job_get_join_eui (job));
  onb_cli_json_add_string (object, "device_name", onb_job_get_device_name (job));
  onb_cli_json_add_string (object, "old_dev_eui", onb_job_get_old_dev_eui (job));
  onb_cli_json_add_string (object, "state", onb_job_state_to_string (onb_job_get_state (job)));
  onb_cli_json_add_string (object, "reason", onb_job_get_reason (job));
  onb_cli_json_add_string (object, "message", onb_job_get_message (job));
  json_object_object_add (object, "already_done", json_object_new_boolean (onb_job_get_already_done (job)));
  json_object_object_add (object, "attempts", json_object_new_int (onb_job_get_attempts (job)));
  json_object_object_add (object, "blynk_device_id", onb_job_get_blynk_device_id (job) > 0
                          ? json_object_new_int64 (onb_job_get_blynk_device_id (job)) : NULL);
  onb_cli_json_add_string (object, "tts_device_id", onb_job_get_tts_device_id (job));
  onb_cli_json_add_string (object, "source", onb_job_get_source (job));
  onb_cli_json_add_string (object, "code_kind", onb_job_get_code_kind (job));
  onb_cli_json_add_string (object, "model", onb_job_get_model_name (job));
  add_time (object, "created", onb_job_get_created (job));
  add_time (object, "updated", onb_job_get_updated (job));
  add_time (object, "finished", onb_job_get_finished (job));
  add_time (object, "next_attempt", onb_job_get_next_attempt (job));
  for (guint s = 0; s < ONB_JOB_N_STEPS; s++)
    {
      json_object *step = json_object_new_object ();

      onb_cli_json_add_string (step, "state", onb_step_state_to_string (onb_job_get_step_state (job, s)));
      json_object_object_add (step, "attempts", json_object_new_int (onb_job_get_step_attempts (job, s)));
      onb_cli_json_add_string (step, "remote_id", onb_job_get_step_remote_id (job, s));
      onb_cli_json_add_string (step, "reason", onb_job_get_step_reason (job, s));
      onb_cli_json_add_string (step, "message", onb_job_get_step_message (job, s));
      json_object_object_add (steps, onb_job_step_to_string (s), step);
    }
  json_object_object_add (object, "steps", steps);
  return object;
}

void
onb_cli_print_job (OnbJob   *job,
                   gboolean  json)
{
  if (json)
    {
      json_object *object = onb_cli_job_to_json (job);

      onb_cli_print_json (object);
      json_object_put (object);
      return;
    }

  printf ("%-8s %6" G_GINT64_FORMAT "  %s  %s", onb_job_state_to_string (onb_job_get_state (job)),
          onb_job_get_id (job), onb_job_get_dev_eui (job), onb_job_get_device_name (job));
  if (onb_job_get_model_name (job) != NULL)
    printf ("  (%s)", onb_job_get_model_name (job));
  if (onb_job_get_already_done (job))
    printf ("  %s", _("(already done before)"));
  if (onb_job_get_blynk_device_id (job) > 0)
    printf (_("  Blynk device %lld"), (long long) onb_job_get_blynk_device_id (job));
  if (onb_job_get_message (job) != NULL)
    printf ("\n         %s (%s)", onb_job_get_message (job), onb_job_get_reason (job));
  printf ("\n");
  fflush (stdout);
}

int
onb_cli_jobs_exit_status (GPtrArray *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    if (onb_job_get_state (jobs->pdata[i]) != ONB_JOB_STATE_DONE)
      return ONB_CLI_EXIT_FAILED;
  return ONB_CLI_EXIT_OK;
}

/* ---- provision ------------------------------------------------------------------ */

typedef struct
{
  OnbEngine *engine;
  GPtrArray *jobs;
  gboolean json;
  guint rejected;
  gboolean station_fault; /* the disk is full or read-only: the rest is not sent either */
} ProvisionState;

static gboolean
submit_one (const char *data,
            gsize       length,
            gpointer    user_data)
{
  ProvisionState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autofree char *trimmed = g_strstrip (g_strndup (data, length));

  if (*trimmed == '\0')
    return TRUE;

  job = onb_engine_submit_payload (state->engine, data, length, "cli", &error);
  if (job == NULL)
    {
      state->rejected++;
      if (state->json)
        {
          json_object *object = json_object_new_object ();

          onb_cli_json_add_string (object, "payload", g_utf8_validate (trimmed, -1, NULL) ? trimmed : NULL);
          onb_cli_json_add_string (object, "state", "rejected");
          onb_cli_json_add_string (object, "reason", onb_error_get_reason (error));
          onb_cli_json_add_string (object, "message", error->message);
          onb_cli_print_json (object);
          json_object_put (object);
        }
      else
        printf (_("REJECTED %s\n         %s\n"), g_utf8_validate (trimmed, -1, NULL) ? trimmed : "?",
                error->message);
      /* One message for the condition, not one per code. */
      state->station_fault = onb_cli_is_station_fault (error);
      return !state->station_fault;
    }
  if (!g_ptr_array_find (state->jobs, job, NULL))
    g_ptr_array_add (state->jobs, g_steal_pointer (&job));
  return TRUE;
}

void
onb_cli_add_engine_options (GOptionContext      *context,
                            OnbCliEngineOptions *options)
{
  const GOptionEntry entries[] = {
    { "max-jobs", 0, 0, G_OPTION_ARG_INT, &options->max_jobs,
      N_("Jobs in flight at once (default: [kiosk] max_jobs, else 4)"), N_("N") },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &options->timeout_s,
      N_("Give up waiting after this many seconds, such as 90 or 2.5 (jobs stay queued)"), N_("SECONDS") },
    /* For tests and benchmarks: backoff bounds. */
    { "retry-min-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &options->retry_min_ms, NULL, NULL },
    { "retry-max-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &options->retry_max_ms, NULL, NULL },
    { NULL }
  };

  /* In the main group, so that the command's --help lists them. */
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &options->config_path);
}

/**
 * onb_cli_check_timeout:
 *
 * Returns: %FALSE, after saying so, when --timeout (seconds, decimals
 *   allowed; 0 for none) is negative or too large to wait for.
 */
gboolean
onb_cli_check_timeout (double timeout_s)
{
  if (timeout_s >= 0 && timeout_s <= G_MAXUINT / 1000)
    return TRUE;
  g_printerr (_("--timeout takes seconds from 0 (no limit) to %u, such as 90 or 2.5.\n"), G_MAXUINT / 1000);
  return FALSE;
}

void
onb_cli_engine_options_clear (OnbCliEngineOptions *options)
{
  g_clear_pointer (&options->config_path, g_free);
}

int
onb_cli_provision (int    argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbEngine) engine = NULL;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(OnbCliEngineOptions) options = { 0 };
  gboolean json = FALSE, use_stdin = FALSE, wait = FALSE, no_wait = FALSE;
  ProvisionState state = { 0 };
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per code"), NULL },
    { "stdin", 0, 0, G_OPTION_ARG_NONE, &use_stdin, N_("Read one code per line from standard input"), NULL },
    { "wait", 0, 0, G_OPTION_ARG_NONE, &wait, N_("Wait until every job is done or failed (default)"), NULL },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait,
      N_("Only queue the jobs; a later provision or retry runs them"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("CODE… — create devices in Blynk and The Things Stack"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_engine_options (context, &options);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;

  if (!onb_cli_check_codes_or_stdin (argc, use_stdin) || !onb_cli_check_timeout (options.timeout_s))
    return ONB_CLI_EXIT_USAGE;
  if (wait && no_wait)
    {
      g_printerr ("%s\n", _("Give --wait or --no-wait, not both."));
      return ONB_CLI_EXIT_USAGE;
    }

  if (!(config = onb_cli_load_config (options.config_path, TRUE, &error)) ||
      !(engine = onb_cli_engine_start (config, &options, &error)))
    return onb_cli_fail (json, error);

  state.engine = engine;
  state.jobs = jobs;
  state.json = json;
  if (use_stdin)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);

      if (!onb_cli_read_lines (in, submit_one, &state, &error))
        {
          g_printerr (_("Could not read standard input: %s\n"), error->message);
          return ONB_CLI_EXIT_FAILED;
        }
    }
  else
    for (int i = 1; i < argc && !state.station_fault; i++)
      submit_one (argv[i], strlen (argv[i]), &state);
  if (state.station_fault)
    g_printerr ("%s\n", _("The codes after it were not sent either."));

  if (no_wait)
    onb_cli_engine_wait_journaled (engine, jobs);
  else
    onb_cli_engine_wait (engine, jobs, options.timeout_s);

  for (guint i = 0; i < jobs->len; i++)
    onb_cli_print_job (jobs->pdata[i], json);

  if (state.rejected > 0)
    return ONB_CLI_EXIT_FAILED;
  return no_wait ? ONB_CLI_EXIT_OK : onb_cli_jobs_exit_status (jobs);
}
