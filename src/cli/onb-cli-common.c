/* onb-cli-common.c: what every onboarder-cli command shares */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-error.h"
#include "onb-file.h"
#include "onb-journal.h"
#include "onb-registry.h"

/**
 * onb_cli_add_config_option:
 *
 * `-c/--config FILE`, which every command takes. main() moves it there
 * when it is given before the command.
 */
void
onb_cli_add_config_option (GOptionContext  *context,
                           char           **config_path)
{
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, config_path,
      N_("Configuration file (default: $ONBOARDER_CONFIG, else the user's, else /etc/onboarder/onboarder.conf)"),
      N_("FILE") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/**
 * onb_cli_parse_options:
 *
 * Returns: %FALSE after telling the user (with a hint) what was wrong with
 *   the command line; the command then exits with %ONB_CLI_EXIT_USAGE.
 */
gboolean
onb_cli_parse_options (GOptionContext   *context,
                       int              *argc,
                       char           ***argv)
{
  g_autoptr(GError) error = NULL;

  if (g_option_context_parse (context, argc, argv, &error))
    return TRUE;

  g_printerr ("%s\n%s\n", error->message, _("Run with --help to see the options."));
  return FALSE;
}

/**
 * onb_cli_check_codes_or_stdin:
 * @argc: arguments left after the options, the command's name included
 *
 * Codes come either as arguments or from --stdin, never both or neither.
 * Returns: %FALSE after telling the user, for a usage error.
 */
gboolean
onb_cli_check_codes_or_stdin (int      argc,
                              gboolean use_stdin)
{
  if (use_stdin != (argc > 1))
    return TRUE;

  g_printerr ("%s\n", use_stdin ? _("Give codes as arguments or --stdin, not both.")
                                : _("Give at least one code, or --stdin."));
  return FALSE;
}

/**
 * onb_cli_load_config:
 * @path: (nullable): --config, or %NULL for the default location
 * @required: whether a missing file is an error; when not, an empty
 *   configuration is returned instead
 */
OnbConfig *
onb_cli_load_config (const char  *path,
                     gboolean     required,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OnbConfig) config = onb_config_load (path, &local_error);

  /* A value that would silently become a default (class_b=maybe) or make
   * requests no server answers is refused before any command runs. */
  if (config != NULL)
    return onb_config_check_values (config, error) ? g_steal_pointer (&config) : NULL;

  if (!required && path == NULL &&
      g_error_matches (local_error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_NOT_FOUND))
    return onb_config_new ();

  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

void
onb_cli_print_json (json_object *object)
{
  puts (json_object_to_json_string_ext (object, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  fflush (stdout);
}

/* Adds the value, or JSON null when there is none. */
void
onb_cli_json_add_string (json_object *object,
                         const char  *key,
                         const char  *value)
{
  json_object_object_add (object, key, value != NULL ? json_object_new_string (value) : NULL);
}

/**
 * onb_cli_fail:
 *
 * Prints @error and returns the exit code it calls for: a configuration
 * that cannot be used, or an output file that is not a regular file, is
 * %ONB_CLI_EXIT_USAGE; everything else (a cloud, a full disk, a read-only
 * folder) %ONB_CLI_EXIT_FAILED.
 */
int
onb_cli_fail (gboolean      json,
              const GError *error)
{
  onb_cli_print_error (json, error);
  if (error->domain == ONB_CONFIG_ERROR || g_error_matches (error, ONB_FILE_ERROR, ONB_FILE_ERROR_NOT_REGULAR))
    return ONB_CLI_EXIT_USAGE;
  return ONB_CLI_EXIT_FAILED;
}

/* The station's disk is full, its data folder read-only or the shared
 * database out of reach: nothing more can be recorded, so nothing more
 * is sent. */
gboolean
onb_cli_is_station_fault (const GError *error)
{
  const char *reason = onb_error_get_reason (error);

  return g_str_equal (reason, "disk-full") || g_str_equal (reason, "data-read-only") ||
         g_str_equal (reason, "store-unreachable");
}

void
onb_cli_print_error (gboolean      json,
                     const GError *error)
{
  if (json)
    {
      json_object *object = json_object_new_object ();

      onb_cli_json_add_string (object, "reason", onb_error_get_reason (error));
      onb_cli_json_add_string (object, "message", error->message);
      onb_cli_print_json (object);
      json_object_put (object);
    }
  else
    g_printerr ("%s\n", error->message);
}

/**
 * onb_cli_read_lines:
 *
 * Calls @func for every line of @stream (without its end of line). Lines
 * are bytes: NULs and invalid UTF-8 are passed on for the callee to judge.
 * Stops early when @func returns %FALSE.
 */
gboolean
onb_cli_read_lines (GInputStream    *stream,
                    OnbCliLineFunc   func,
                    gpointer         user_data,
                    GError         **error)
{
  g_autoptr(GDataInputStream) data = g_data_input_stream_new (stream);

  g_data_input_stream_set_newline_type (data, G_DATA_STREAM_NEWLINE_TYPE_LF);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize length = 0;
      g_autofree char *line = g_data_input_stream_read_line (data, &length, NULL, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (line == NULL)
        return TRUE;
      if (!func (line, length, user_data))
        return TRUE;
    }
}

/**
 * onb_cli_open_batches:
 * @station: (nullable): count only the jobs this station ran last; %NULL: every station's
 * @batch_id: the batch whose devices are wanted (0: the newest); unused
 *   without @batch
 * @batch: (nullable): where the batch goes; %NULL for the device states of
 *   every batch (then @devices is left alone too)
 *
 * Opens the station's registry and reads the journal's device states, as
 * `batches` and `missing` need them: the same two queries as the kiosk.
 */
char *
onb_cli_format_time (gint64   unix_time,
                     gboolean utc)
{
  g_autoptr(GDateTime) time = utc ? g_date_time_new_from_unix_utc (unix_time)
                                  : g_date_time_new_from_unix_local (unix_time);

  if (time == NULL)
    return g_strdup ("");
  return utc ? g_date_time_format_iso8601 (time) : g_date_time_format (time, "%Y-%m-%d %H:%M");
}

gboolean
onb_cli_open_batches (OnbConfig        *config,
                      const char       *station,
                      gint64            batch_id,
                      OnbRegistry     **registry,
                      OnbBatch        **batch,
                      GPtrArray       **devices,
                      OnbDeviceStates **states,
                      GError          **error)
{
  g_autoptr(OnbJournal) journal = NULL;
  g_autofree const char **dev_euis = NULL;

  if (!(*registry = onb_registry_open_for_config (config, TRUE, error)))
    return FALSE;
  if (batch != NULL)
    {
      if (!(*batch = onb_registry_get_batch (*registry, batch_id, devices, error)))
        return FALSE;
      dev_euis = onb_batch_devices_get_dev_euis (*devices);
    }
  return (journal = onb_journal_open_for_config (config, TRUE, error)) != NULL &&
         (*states = onb_journal_get_station_device_states (journal, station, dev_euis, error)) != NULL;
}
