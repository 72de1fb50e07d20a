/* onb-cli-import.c: `onboarder-cli import`, the manufacturer's device list */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-error.h"
#include "onb-registry.h"

static void
print_report (const char            *path,
              const OnbImportReport *report,
              const GError          *error,
              gboolean               json)
{
  if (json)
    {
      json_object *object = json_object_new_object ();
      json_object *problems = json_object_new_array ();

      onb_cli_json_add_string (object, "file", path);
      json_object_object_add (object, "imported", json_object_new_boolean (error == NULL));
      json_object_object_add (object, "rows", json_object_new_int (report->n_rows));
      json_object_object_add (object, "added", json_object_new_int (report->n_added));
      json_object_object_add (object, "unchanged", json_object_new_int (report->n_unchanged));
      json_object_object_add (object, "replaced", json_object_new_int (report->n_replaced));
      json_object_object_add (object, "batch", report->batch_id > 0 ? json_object_new_int64 (report->batch_id)
                                                                    : NULL);
      onb_cli_json_add_string (object, "reason", error ? onb_error_get_reason (error) : NULL);
      onb_cli_json_add_string (object, "message", error ? error->message : NULL);
      for (guint i = 0; i < report->problems->len; i++)
        {
          const OnbImportProblem *problem = report->problems->pdata[i];
          json_object *item = json_object_new_object ();

          json_object_object_add (item, "row", json_object_new_int (problem->row));
          onb_cli_json_add_string (item, "column", problem->column);
          onb_cli_json_add_string (item, "reason", problem->reason);
          onb_cli_json_add_string (item, "message", problem->message);
          json_object_array_add (problems, item);
        }
      json_object_object_add (object, "problems", problems);
      onb_cli_print_json (object);
      json_object_put (object);
      return;
    }

  for (guint i = 0; i < report->problems->len; i++)
    printf ("%s\n", ((const OnbImportProblem *) report->problems->pdata[i])->message);
  if (error != NULL)
    printf ("%s\n", error->message);
  else
    printf (_("Imported %s: %u rows, %u new, %u unchanged, %u replaced (batch %lld).\n"), path, report->n_rows,
            report->n_added, report->n_unchanged, report->n_replaced, (long long) report->batch_id);
}

int
onb_cli_import (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autofree char *config_path = NULL;
  gboolean json = FALSE, replace = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the report as one JSON object"), NULL },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("Overwrite devices already in the list with other values"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("FILE — import the manufacturer's device list (all rows or none)"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("%s\n", _("Give exactly one CSV file."));
      return ONB_CLI_EXIT_USAGE;
    }

  if (!(config = onb_cli_load_config (config_path, FALSE, &error)))
    return onb_cli_fail (json, error);
  if (!(registry = onb_registry_open_for_config (config, FALSE, &error)))
    return onb_cli_fail (json, error);

  onb_registry_import_file (registry, argv[1], replace ? ONB_REGISTRY_IMPORT_REPLACE : ONB_REGISTRY_IMPORT_NONE,
                            &report, &error);
  print_report (argv[1], report, error, json);
  return error != NULL ? ONB_CLI_EXIT_FAILED : ONB_CLI_EXIT_OK;
}
