/* onb-cli-batches.c: `onboarder-cli batches`, each import with its counts */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"

static void
print_batch (const OnbBatch *batch,
             gboolean        json)
{
  g_autofree char *imported = onb_cli_format_time (batch->imported_at, json);

  if (json)
    {
      json_object *object = json_object_new_object ();

      json_object_object_add (object, "id", json_object_new_int64 (batch->id));
      onb_cli_json_add_string (object, "file", batch->file_name);
      onb_cli_json_add_string (object, "imported_at", imported);
      json_object_object_add (object, "rows", json_object_new_int (batch->n_rows));
      json_object_object_add (object, "devices", json_object_new_int (batch->n_devices));
      json_object_object_add (object, "done", json_object_new_int (batch->n_done));
      json_object_object_add (object, "to_do", json_object_new_int (batch->n_to_do));
      json_object_object_add (object, "failed", json_object_new_int (batch->n_failed));
      onb_cli_print_json (object);
      json_object_put (object);
      return;
    }

  /* TRANSLATORS: one batch: id, import time, file, then its counts */
  printf (_("%lld  %s  %s  done %u, to do %u, failed %u (of %u devices)\n"), (long long) batch->id, imported,
          batch->file_name != NULL ? batch->file_name : "-", batch->n_done, batch->n_to_do, batch->n_failed,
          batch->n_devices);
}

int
onb_cli_batches (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbDeviceStates) states = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *station = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per batch"), NULL },
    { "station", 0, 0, G_OPTION_ARG_STRING, &station, N_("Count only what station NAME did (a shared store)"),
      N_("NAME") },
    { NULL }
  };

  context = g_option_context_new (_("— every imported device list, newest first, with what is done, to do and "
                                    "failed"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;
  if (argc > 1)
    {
      g_printerr ("%s\n", _("This command takes no arguments."));
      return ONB_CLI_EXIT_USAGE;
    }

  if (!(config = onb_cli_load_config (config_path, FALSE, &error)) ||
      !onb_cli_open_batches (config, station, 0, &registry, NULL, NULL, &states, &error) ||
      !(batches = onb_registry_list_batches (registry, states, &error)))
    return onb_cli_fail (json, error);
  for (guint i = 0; i < batches->len; i++)
    print_batch (batches->pdata[i], json);
  return ONB_CLI_EXIT_OK;
}
