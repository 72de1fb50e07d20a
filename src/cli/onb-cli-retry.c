/* onb-cli-retry.c: `onboarder-cli retry`, run failed or waiting jobs again */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdlib.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-journal.h"

int
onb_cli_retry (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbEngine) engine = NULL;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(OnbCliEngineOptions) options = { 0 };
  gboolean json = FALSE;
  gint64 id = 0;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per job"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("[JOB] — run a failed job again, or every failed and unfinished job"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_engine_options (context, &options);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;
  if (!onb_cli_check_timeout (options.timeout_s))
    return ONB_CLI_EXIT_USAGE;
  if (argc > 2)
    {
      g_printerr ("%s\n", _("Give at most one job number."));
      return ONB_CLI_EXIT_USAGE;
    }
  if (argc == 2 && (!g_ascii_string_to_signed (argv[1], 10, 1, G_MAXINT64, &id, NULL)))
    {
      g_printerr (_("“%s” is not a job number.\n"), argv[1]);
      return ONB_CLI_EXIT_USAGE;
    }

  /* Starting the engine already resumes every unfinished job. */
  if (!(config = onb_cli_load_config (options.config_path, TRUE, &error)) ||
      !(engine = onb_cli_engine_start (config, &options, &error)))
    return onb_cli_fail (json, error);

  if (id > 0)
    {
      OnbJob *job;

      if (!(job = onb_engine_retry (engine, id, &error)))
        return onb_cli_fail (json, error);
      g_ptr_array_add (jobs, job);
    }
  else
    {
      g_autoptr(GPtrArray) failed = NULL;
      GListModel *model = onb_engine_get_jobs (engine);
      g_autoptr(OnbJournal) journal = NULL;

      if (!(journal = onb_journal_open_for_config (config, TRUE, &error)) ||
          !(failed = onb_journal_list_jobs (journal, NULL, ONB_JOB_STATE_FAILED, 0, &error)))
        return onb_cli_fail (json, error);
      for (guint i = 0; i < failed->len; i++)
        {
          OnbJob *job = onb_engine_retry (engine, onb_job_get_id (failed->pdata[i]), NULL);

          if (job != NULL)
            g_ptr_array_add (jobs, job);
        }
      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          OnbJob *job = g_list_model_get_item (model, i);

          if (!g_ptr_array_find (jobs, job, NULL))
            g_ptr_array_add (jobs, job);
          else
            g_object_unref (job);
        }
    }

  onb_cli_engine_wait (engine, jobs, options.timeout_s);
  for (guint i = 0; i < jobs->len; i++)
    onb_cli_print_job (jobs->pdata[i], json);
  return onb_cli_jobs_exit_status (jobs);
}
