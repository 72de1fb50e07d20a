/* onb-cli-scan.c: `onboarder-cli scan`, the kiosk's scanner without a screen
 *
 * Runs OnbScanner, the very code behind the kiosk's camera, on still
 * images, a URI or a GStreamer pipeline, and prints each code it reports.
 * With --provision each accepted code goes to the job engine exactly as a
 * camera scan in the kiosk does.
 */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "onb-cli-private.h"
#include "onb-code.h"
#include "onb-error.h"
#include "onb-scanner.h"

typedef struct
{
  GMainLoop *loop;
  OnbScanner *scanner;
  GPtrArray *sources;     /* OnbScanSource, scanned one after the other */
  guint next_source;
  gboolean json;
  guint max_codes;
  guint n_codes;
  guint n_rejected;
  guint n_failed;
  guint timeout_id;
  gboolean timed_out;
  OnbEngine *engine;      /* --provision */
  GPtrArray *jobs;
} ScanState;

static json_object *
corners_to_json (const OnbScanHit *hit)
{
  json_object *array = json_object_new_array ();
  guint n;
  const OnbScanPoint *corners = onb_scan_hit_get_corners (hit, &n);

  for (guint i = 0; i < n; i++)
    {
      json_object *point = json_object_new_array ();

      json_object_array_add (point, json_object_new_double (corners[i].x));
      json_object_array_add (point, json_object_new_double (corners[i].y));
      json_object_array_add (array, point);
    }

  return array;
}

/* @rejection: why the code is not acted on (the parser's or the engine's
 * reason), NULL when it is. */
static void
print_hit (ScanState    *state,
           OnbScanHit   *hit,
           const GError *rejection)
{
  OnbCode *code = onb_scan_hit_get_code (hit);
  gsize length;
  const char *data = g_bytes_get_data (onb_scan_hit_get_payload (hit), &length);
  /* Payloads are bytes: text for people, hex for the exact value. */
  g_autofree char *text = code != NULL ? g_strdup (onb_code_get_payload (code)) : g_utf8_make_valid (data, length);
  const char *kind = onb_code_kind_to_string (onb_code_classify (data, length));
  const char *source = onb_scan_source_get_detail (onb_scanner_get_source (state->scanner));
  double seconds = onb_scan_hit_get_frame_time (hit) / (double) G_USEC_PER_SEC / 1000.0;

  if (state->json)
    {
      json_object *object = json_object_new_object ();
      g_autofree char *hex = g_malloc (2 * length + 1);

      for (gsize i = 0; i < length; i++)
        g_snprintf (hex + 2 * i, 3, "%02x", (guchar) data[i]);
      hex[2 * length] = '\0';

      onb_cli_json_add_string (object, "payload", text);
      onb_cli_json_add_string (object, "payload_hex", hex);
      onb_cli_json_add_string (object, "kind", kind);
      json_object_object_add (object, "accepted", json_object_new_boolean (rejection == NULL));
      onb_cli_json_add_string (object, "reason", rejection ? onb_error_get_reason (rejection) : NULL);
      onb_cli_json_add_string (object, "message", rejection ? rejection->message : NULL);
      onb_cli_json_add_string (object, "dev_eui", code ? onb_code_get_dev_eui (code) : NULL);
      onb_cli_json_add_string (object, "join_eui", code ? onb_code_get_join_eui (code) : NULL);
      onb_cli_json_add_string (object, "profile_id", code ? onb_code_get_profile_id (code) : NULL);
      json_object_object_add (object, "frame_time", json_object_new_double (seconds));
      json_object_object_add (object, "corners", corners_to_json (hit));
      onb_cli_json_add_string (object, "source", source);
      onb_cli_print_json (object);
      json_object_put (object);
    }
  else
    {
      guint n;
      const OnbScanPoint *corners = onb_scan_hit_get_corners (hit, &n);
      g_autoptr(GString) where = g_string_new (NULL);

      for (guint i = 0; i < n; i++)
        g_string_append_printf (where, "%s%.0f,%.0f", i ? " " : "", corners[i].x, corners[i].y);

      if (rejection == NULL)
        printf (_("ACCEPTED  %s  %s  at %.3f s  [%s]\n"), kind, text, seconds, where->str);
      else
        printf (_("REJECTED  %s  %s  at %.3f s  [%s]\n          %s\n"), kind, text, seconds, where->str,
                rejection->message);
      fflush (stdout);
    }
}

static void
on_code_detected (OnbScanner *scanner,
                  OnbScanHit *hit,
                  ScanState  *state)
{
  g_autoptr(GError) engine_error = NULL;
  const GError *rejection = onb_scan_hit_get_rejection (hit);

  if (state->max_codes > 0 && state->n_codes >= state->max_codes)
    return;

  state->n_codes++;
  if (rejection == NULL && state->engine != NULL)
    {
      gsize length;
      const char *data = g_bytes_get_data (onb_scan_hit_get_payload (hit), &length);
      g_autoptr(OnbJob) job = onb_engine_submit_payload (state->engine, data, length, "camera", &engine_error);

      if (job != NULL && !g_ptr_array_find (state->jobs, job, NULL))
        g_ptr_array_add (state->jobs, g_steal_pointer (&job));
      rejection = engine_error;
    }
  if (rejection != NULL)
    state->n_rejected++;
  print_hit (state, hit, rejection);

  /* A full disk or read-only data folder: say it once and stop scanning. */
  if ((state->max_codes > 0 && state->n_codes >= state->max_codes) ||
      (engine_error != NULL && onb_cli_is_station_fault (engine_error)))
    g_main_loop_quit (state->loop);
}

static void
next_source (ScanState *state)
{
  if (state->next_source >= state->sources->len)
    {
      g_main_loop_quit (state->loop);
      return;
    }

  onb_scanner_set_source (state->scanner, g_ptr_array_index (state->sources, state->next_source++));
  onb_scanner_start (state->scanner);
}

static gboolean
next_source_idle (gpointer user_data)
{
  next_source (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_state_changed (OnbScanner *scanner,
                  GParamSpec *pspec,
                  ScanState  *state)
{
  const GError *error = onb_scanner_get_error (scanner);

  switch ((int) onb_scanner_get_state (scanner))
    {
    case ONB_SCANNER_STATE_FINISHED:
      g_idle_add (next_source_idle, state);
      break;

    case ONB_SCANNER_STATE_FAILED:
    case ONB_SCANNER_STATE_PERMISSION_DENIED:
      state->n_failed++;
      onb_cli_print_error (state->json, error);
      g_idle_add (next_source_idle, state);
      break;

    case ONB_SCANNER_STATE_NO_CAMERA:
    case ONB_SCANNER_STATE_UNPLUGGED:
      /* Not fatal: the scanner waits for the camera; say so once. */
      g_printerr ("%s\n", error->message);
      break;

    default:
      break;
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  ScanState *state = user_data;

  state->timed_out = TRUE;
  state->timeout_id = 0;
  g_main_loop_quit (state->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_interrupt (gpointer user_data)
{
  ScanState *state = user_data;

  g_main_loop_quit (state->loop);
  return G_SOURCE_CONTINUE;
}

int
onb_cli_scan (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(OnbScanner) scanner = NULL;
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(OnbEngine) engine = NULL;
  gboolean provision = FALSE;
  g_auto(GStrv) profile_ids = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *pipeline = NULL;
  double timeout = 0;
  int max_codes = 0;
  int hold_off = -1;
  guint sigint_id, sigterm_id;
  ScanState state = { 0 };
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &state.json, N_("One JSON object per code"), NULL },
    { "provision", 0, 0, G_OPTION_ARG_NONE, &provision,
      N_("Create each accepted code's device in Blynk and The Things Stack, as the kiosk does"), NULL },
    { "uri", 0, 0, G_OPTION_ARG_STRING, &uri, N_("Scan a video file or stream"), N_("URI") },
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline,
      N_("Scan the video of a GStreamer pipeline (gst-launch syntax)"), N_("DESCRIPTION") },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, N_("Stop after this many seconds, such as 90 or 2.5"),
      N_("SECONDS") },
    { "max-codes", 0, 0, G_OPTION_ARG_INT, &max_codes, N_("Stop after this many codes"), N_("N") },
    { "hold-off", 0, 0, G_OPTION_ARG_INT, &hold_off,
      N_("Milliseconds a code must be out of sight before it counts again (default 3000)"), N_("MS") },
    { NULL }
  };

  context = g_option_context_new (_("[IMAGE…] — read label codes from images, a video or a pipeline"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;

  if ((argc > 1) + (uri != NULL) + (pipeline != NULL) != 1)
    {
      g_printerr ("%s\n", _("Give images, or --uri, or --pipeline (exactly one of them)."));
      return ONB_CLI_EXIT_USAGE;
    }
  if (!onb_cli_check_timeout (timeout))
    return ONB_CLI_EXIT_USAGE;
  if (max_codes < 0 || hold_off < -1)
    {
      g_printerr ("%s\n", _("--max-codes and --hold-off cannot be negative."));
      return ONB_CLI_EXIT_USAGE;
    }

  if ((config = onb_cli_load_config (config_path, provision, &error)) == NULL)
    return onb_cli_fail (state.json, error);
  profile_ids = onb_config_get_profile_ids (config);

  if (provision)
    {
      OnbCliEngineOptions options = { .config_path = config_path };

      if ((engine = onb_cli_engine_start (config, &options, &error)) == NULL)
        return onb_cli_fail (state.json, error);
      state.engine = engine;
      state.jobs = jobs;
    }

  if (uri != NULL)
    g_ptr_array_add (sources, onb_scan_source_new_uri (uri));
  else if (pipeline != NULL)
    g_ptr_array_add (sources, onb_scan_source_new_pipeline (pipeline));
  else
    for (int i = 1; i < argc; i++)
      {
        g_autoptr(GFile) file = g_file_new_for_commandline_arg (argv[i]);

        g_ptr_array_add (sources, onb_scan_source_new_image (file));
      }

  loop = g_main_loop_new (NULL, FALSE);
  scanner = onb_scanner_new (g_ptr_array_index (sources, 0));
  onb_scanner_set_profile_ids (scanner, (const char * const *) profile_ids);
  if (hold_off >= 0)
    onb_scanner_set_hold_off (scanner, hold_off);

  state.loop = loop;
  state.scanner = scanner;
  state.sources = sources;
  state.max_codes = max_codes;
  g_signal_connect (scanner, "code-detected", G_CALLBACK (on_code_detected), &state);
  g_signal_connect (scanner, "notify::state", G_CALLBACK (on_state_changed), &state);

  if (timeout > 0)
    state.timeout_id = g_timeout_add ((guint) (timeout * 1000), on_timeout, &state);
  sigint_id = g_unix_signal_add (SIGINT, on_interrupt, &state);
  sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt, &state);

  next_source (&state);
  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_data (scanner, &state);
  onb_scanner_stop (scanner);
  g_clear_handle_id (&state.timeout_id, g_source_remove);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  /* Sources queued by a state change that came with the quit. */
  while (g_idle_remove_by_data (&state))
    ;

  if (state.n_codes == 0 && state.n_failed == 0)
    g_printerr ("%s\n", state.timed_out ? _("No label code was seen before the time ran out.")
                                        : _("No label code was found."));

  if (engine != NULL)
    {
      onb_cli_engine_wait (engine, jobs, timeout > 0 ? timeout + 1 : 0);
      for (guint i = 0; i < jobs->len; i++)
        onb_cli_print_job (jobs->pdata[i], state.json);
      if (onb_cli_jobs_exit_status (jobs) != ONB_CLI_EXIT_OK)
        return ONB_CLI_EXIT_FAILED;
    }

  return state.n_codes > 0 && state.n_rejected == 0 && state.n_failed == 0 ? ONB_CLI_EXIT_OK
                                                                            : ONB_CLI_EXIT_FAILED;
}
