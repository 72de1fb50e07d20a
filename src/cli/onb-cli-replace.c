/* onb-cli-replace.c: `onboarder-cli replace`, a hardware swap */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"

int
onb_cli_replace (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbEngine) engine = NULL;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(OnbCliEngineOptions) options = { 0 };
  gboolean json = FALSE, delete_old = FALSE;
  OnbJob *job;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the job as JSON"), NULL },
    { "delete-old", 0, 0, G_OPTION_ARG_NONE, &delete_old,
      N_("Also delete the old device from The Things Stack"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("OLD_CODE NEW_CODE — move a device's Blynk history to new hardware"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_engine_options (context, &options);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;
  if (!onb_cli_check_timeout (options.timeout_s))
    return ONB_CLI_EXIT_USAGE;
  if (argc != 3)
    {
      g_printerr ("%s\n", _("Give the old device's code, then the new one's."));
      return ONB_CLI_EXIT_USAGE;
    }

  if (!(config = onb_cli_load_config (options.config_path, TRUE, &error)) ||
      !(engine = onb_cli_engine_start (config, &options, &error)))
    return onb_cli_fail (json, error);

  job = onb_engine_submit_replace (engine, argv[1], strlen (argv[1]), argv[2], strlen (argv[2]), delete_old, "cli",
                                   &error);
  if (job == NULL)
    return onb_cli_fail (json, error);
  g_ptr_array_add (jobs, job);
  onb_cli_engine_wait (engine, jobs, options.timeout_s);
  onb_cli_print_job (job, json);
  return onb_cli_jobs_exit_status (jobs);
}
