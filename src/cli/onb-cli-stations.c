/* onb-cli-stations.c: `onboarder-cli stations`, who shares the store and what each did lately */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-journal.h"
#include "onb-store.h"

static void
print_station (const OnbJournalStation *station,
               const char              *own_name,
               gboolean                 json)
{
  const char *name = station->name != NULL ? station->name : own_name;
  g_autofree char *seen = onb_cli_format_time (station->last_seen_us / G_USEC_PER_SEC, json);

  if (json)
    {
      json_object *object = json_object_new_object ();

      onb_cli_json_add_string (object, "station", name);
      onb_cli_json_add_string (object, "last_seen", station->last_seen_us > 0 ? seen : NULL);
      json_object_object_add (object, "working", json_object_new_boolean (station->live));
      json_object_object_add (object, "done_last_hour", json_object_new_int (station->n_done_last_hour));
      onb_cli_print_json (object);
      json_object_put (object);
      return;
    }
  /* TRANSLATORS: one station: name, when last heard from, whether it works now, boxes done in the last hour */
  printf (_("%s  last seen %s%s  done in the last hour: %u\n"), name, station->last_seen_us > 0 ? seen : _("never"),
          station->live ? _(" (working)") : "", station->n_done_last_hour);
}

int
onb_cli_stations (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(GPtrArray) stations = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *own_name = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per station"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("— the stations sharing the store: last seen, and boxes done in the last hour"));
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
      !(journal = onb_journal_open_for_config (config, TRUE, &error)) ||
      !(stations = onb_journal_list_stations (journal, &error)))
    return onb_cli_fail (json, error);
  own_name = onb_store_get_station (config);
  for (guint i = 0; i < stations->len; i++)
    print_station (stations->pdata[i], own_name, json);
  return ONB_CLI_EXIT_OK;
}
