/* onb-cli.c: onboarder-cli, the scripting and headless face of Onboarder */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
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
  { "retry", onb_cli_retry, N_("Run failed or waiting jobs again") },
  { "export", onb_cli_export, N_("Write the journal as CSV") },
  { "check", onb_cli_check, N_("Test the settings against The Things Stack and Blynk, item by item") },
  { "scan", onb_cli_scan, N_("Read label codes from images, a video or a camera pipeline") },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s\n\n%s\n", _("Usage: onboarder-cli COMMAND [OPTIONS…]"), _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (stream, "\n%s\n", _("Run “onboarder-cli COMMAND --help” for the options of a command."));
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
