/* onb-cli.c: onboarder-cli, the scripting and headless face of Onboarder */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} OnbCliCommand;

/* Sorted by the order a newcomer meets them. */
static const OnbCliCommand commands[] = {
  { "parse", onb_cli_parse, N_("Classify and check label codes") },
  { "import", onb_cli_import, N_("Import the manufacturer's device list (CSV)") },
  { "provision", onb_cli_provision, N_("Create devices in Blynk and The Things Stack") },
  { "replace", onb_cli_replace, N_("Swap the hardware of a device, keeping its Blynk history") },
  { "batches", onb_cli_batches, N_("List the imported batches with what is done, to do and failed") },
  { "missing", onb_cli_missing, N_("List a batch's devices that are still to scan") },
  { "jobs", onb_cli_jobs, N_("List the jobs of the journal") },
  { "stations", onb_cli_stations, N_("List the stations sharing the store, with their work of the last hour") },
  { "retry", onb_cli_retry, N_("Run failed or waiting jobs again") },
  { "export", onb_cli_export, N_("Write the journal as CSV") },
  { "check", onb_cli_check, N_("Test the settings against The Things Stack and Blynk, item by item") },
  { "models", onb_cli_models, N_("List the device models, what the Device Repository says and what each gets") },
  { "scan", onb_cli_scan, N_("Read label codes from images, a video or a camera pipeline") },
  { "store", onb_cli_store, N_("Set up or update the shared database (store migrate)") },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s\n\n%s\n", _("Usage: onboarder-cli [-c FILE] COMMAND [OPTIONS…]"), _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (stream, "\n%s\n%s\n", _("Run “onboarder-cli COMMAND --help” for the options of a command."),
           _("-c, --config FILE may come before or after the command."));
}

/* Moves `-c FILE`, `--config FILE` and `--config=FILE` given
 * before the command to just after it, where every command's parser reads
 * them. %FALSE when such an option lacks its file or a command after it. */
static gboolean
hoist_config_option (int    argc,
                     char **argv)
{
  int command = 1;
  char *name;

  while (command < argc)
    {
      const char *arg = argv[command];

      if (g_str_equal (arg, "-c") || g_str_equal (arg, "--config"))
        command += 2;
      else if (g_str_has_prefix (arg, "--config="))
        command += 1;
      else
        break;
    }
  if (command == 1)
    return TRUE;
  if (command >= argc || argv[command][0] == '-')
    return FALSE;

  name = argv[command];
  memmove (&argv[2], &argv[1], (command - 1) * sizeof (char *));
  argv[1] = name;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  const char *localedir = g_getenv ("ONB_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* The translation tests run the CLI uninstalled, with the catalogs of the
   * build tree (po/ in the build directory). */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("onboarder-cli");

  if (!hoist_config_option (argc, argv))
    {
      g_printerr ("%s\n", _("-c/--config takes a file and must be followed by a command."));
      print_usage (stderr);
      return ONB_CLI_EXIT_USAGE;
    }

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? ONB_CLI_EXIT_USAGE : ONB_CLI_EXIT_OK;
    }

  if (g_str_equal (argv[1], "--version"))
    {
      printf ("onboarder-cli %s\n", PACKAGE_VERSION);
      return ONB_CLI_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  g_printerr (_("Unknown command “%s”.\n"), argv[1]);
  print_usage (stderr);
  return ONB_CLI_EXIT_USAGE;
}
