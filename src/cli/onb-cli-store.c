/* onb-cli-store.c: `onboarder-cli store migrate`, the shared database's tables made or updated */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-pg.h"
#include "onb-store.h"

int
onb_cli_store (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *url = NULL;
  gboolean json = FALSE;
  PGconn *conn;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("The outcome as one JSON object"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("migrate — make or update the shared database's tables; run it with the "
                                    "database's owner role"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;
  if (argc != 2 || !g_str_equal (argv[1], "migrate"))
    {
      g_printerr ("%s\n", _("Give what to do: onboarder-cli store migrate."));
      return ONB_CLI_EXIT_USAGE;
    }

  if (!(config = onb_cli_load_config (config_path, TRUE, &error)))
    return onb_cli_fail (json, error);
  if (!(url = onb_store_get_url (config)))
    {
      g_printerr ("%s\n", _("This station keeps its own files ([store] url is not set): there is no shared "
                            "database to migrate."));
      return ONB_CLI_EXIT_USAGE;
    }
  /* The same connection a station makes: as the owner role it migrates;
   * any other role is refused for an older or a newer schema. */
  if (!(conn = onb_pg_connect (url, &error)))
    return onb_cli_fail (json, error);
  PQfinish (conn);

  if (json)
    {
      json_object *object = json_object_new_object ();

      json_object_object_add (object, "schema_version", json_object_new_int (ONB_PG_SCHEMA_VERSION));
      onb_cli_print_json (object);
      json_object_put (object);
    }
  else
    printf (_("The shared database's tables are up to date (version %d).\n"), ONB_PG_SCHEMA_VERSION);
  return ONB_CLI_EXIT_OK;
}
