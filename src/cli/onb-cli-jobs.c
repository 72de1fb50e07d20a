/* onb-cli-jobs.c: `onboarder-cli jobs`, what the journal says */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-journal.h"

int
onb_cli_jobs (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(OnbModelTable) models = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *state_name = NULL;
  g_autofree char *query = NULL;
  g_autofree char *station = NULL;
  gboolean json = FALSE;
  int limit = 0, state = -1;
  const GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_STRING, &state_name,
      N_("Only jobs in this state (queued, running, waiting, done, failed)"), N_("STATE") },
    { "search", 0, 0, G_OPTION_ARG_STRING, &query, N_("Only jobs whose DevEUI, name or reason contains TEXT"),
      N_("TEXT") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N jobs, newest first"), N_("N") },
    { "station", 0, 0, G_OPTION_ARG_STRING, &station, N_("Only the jobs station NAME ran last (a shared store)"),
      N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per job"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("— list the jobs of the journal, newest first"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;
  if (argc > 1 || limit < 0 || (state_name != NULL && (state = onb_job_state_from_string (state_name)) < 0))
    {
      g_printerr ("%s\n", _("Unknown arguments; the states are queued, running, waiting, done and failed."));
      return ONB_CLI_EXIT_USAGE;
    }

  if (!(config = onb_cli_load_config (config_path, FALSE, &error)))
    return onb_cli_fail (json, error);
  if (!(journal = onb_journal_open_for_config (config, TRUE, &error)) ||
      !(jobs = onb_journal_list_station_jobs (journal, station, query, state, limit, &error)))
    return onb_cli_fail (json, error);

  models = onb_model_table_new (config);
  for (guint i = 0; i < jobs->len; i++)
    {
      onb_job_show_model (jobs->pdata[i], models);
      onb_cli_print_job (jobs->pdata[i], json);
    }
  return ONB_CLI_EXIT_OK;
}
