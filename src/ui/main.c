/* main.c: onboarder, the kiosk */

#define G_LOG_DOMAIN "onboarder"

#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>
#include <gst/gst.h>

#include "onb-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(OnbApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gst_init (&argc, &argv);

  app = onb_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
