/* onb-cli-export.c: `onboarder-cli export`, the journal as CSV */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-journal.h"

int
onb_cli_export (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbJournal) journal = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *csv_path = NULL;
  const GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv_path, N_("Write the CSV to FILE; “-”: to standard output"),
      N_("FILE") },
    { NULL }
  };

  context = g_option_context_new (_("— one row per job, with times, outcome and reason (no secrets)"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;
  if (argc > 1 || csv_path == NULL)
    {
      g_printerr ("%s\n", _("Give the file to write with --csv FILE."));
      return ONB_CLI_EXIT_USAGE;
    }

  if (!(config = onb_cli_load_config (config_path, FALSE, &error)))
    return onb_cli_fail (FALSE, error);
  if (!(journal = onb_journal_open_for_config (config, TRUE, &error)) || !onb_journal_export_csv (journal, csv_path, &error))
    return onb_cli_fail (FALSE, error);
  return ONB_CLI_EXIT_OK;
}
