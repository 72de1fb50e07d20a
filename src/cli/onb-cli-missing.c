/* onb-cli-missing.c: `onboarder-cli missing`, a batch's devices still to scan */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-file.h"

static void
print_device (const OnbBatchDevice *device,
              gint64                  batch_id,
              gboolean                json)
{
  if (json)
    {
      json_object *object = json_object_new_object ();

      json_object_object_add (object, "batch", json_object_new_int64 (batch_id));
      onb_cli_json_add_string (object, "dev_eui", device->dev_eui);
      onb_cli_json_add_string (object, "device_name", device->device_name);
      onb_cli_json_add_string (object, "serial", device->serial);
      onb_cli_json_add_string (object, "state", onb_device_progress_to_string (device->progress));
      onb_cli_json_add_string (object, "reason", device->reason);
      onb_cli_json_add_string (object, "message", device->message);
      onb_cli_print_json (object);
      json_object_put (object);
      return;
    }

  printf ("%s  %s  %s  %s%s%s\n", device->dev_eui, device->device_name, device->serial ? device->serial : "-",
          device->progress == ONB_DEVICE_PROGRESS_FAILED ? _("failed") : _("to do"),
          device->message != NULL ? ": " : "", device->message != NULL ? device->message : "");
}

int
onb_cli_missing (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbDeviceStates) states = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  g_autoptr(OnbBatch) batch = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *csv_path = NULL;
  g_autofree char *station = NULL;
  gboolean json = FALSE;
  gint64 batch_id = 0;
  const GOptionEntry entries[] = {
    { "batch", 0, 0, G_OPTION_ARG_INT64, &batch_id, N_("This batch (see “batches”); default the newest"),
      N_("ID") },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv_path,
      N_("Also write the list as CSV to FILE (no secrets); “-”: only the CSV, to standard output"), N_("FILE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per device"), NULL },
    { "station", 0, 0, G_OPTION_ARG_STRING, &station,
      N_("The devices station NAME has not done (a shared store); without it, every station's work counts"),
      N_("NAME") },
    { NULL }
  };

  context = g_option_context_new (_("— the devices of a batch that are not done yet, with the last failure"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;
  if (argc > 1 || batch_id < 0)
    {
      g_printerr ("%s\n", _("This command takes no arguments but its options; --batch takes a batch number."));
      return ONB_CLI_EXIT_USAGE;
    }

  if (!(config = onb_cli_load_config (config_path, FALSE, &error)) ||
      !onb_cli_open_batches (config, station, batch_id, &registry, &batch, &missing, &states, &error))
    return onb_cli_fail (json, error);
  onb_batch_apply_states (batch, missing, states);

  if (csv_path != NULL && !onb_missing_devices_write_csv (missing, csv_path, &error))
    return onb_cli_fail (json, error);

  if (g_strcmp0 (csv_path, ONB_FILE_STDOUT) == 0)
    return ONB_CLI_EXIT_OK;
  for (guint i = 0; i < missing->len; i++)
    print_device (missing->pdata[i], batch->id, json);
  return ONB_CLI_EXIT_OK;
}
