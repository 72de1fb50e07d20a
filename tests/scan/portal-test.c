/* portal-test.c: what the portal camera tests share (see portal-test.h) */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <gst/gst.h>

#include "portal-test.h"

#define WAIT_TIMEOUT_S 20

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @condition holds; fails after the
 * timeout. A tick wakes the loop for conditions that change elsewhere
 * (another process, another thread). */
gboolean
portal_test_init (int    *argc,
                  char ***argv)
{
  g_test_init (argc, argv, NULL);
  gst_init (argc, argv);
  if (g_getenv ("ONB_PORTAL_SESSION_DIR") != NULL)
    return TRUE;
  g_printerr ("Run this test through tests/scan/portal-session, which starts the desktop session it needs.\n");
  return FALSE;
}

void
portal_test_wait (PortalTestCondition  condition,
                  gconstpointer        data,
                  const char          *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_TIMEOUT_S, timeout_cb, &expired);
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (id);
  g_source_remove (tick);
}

static void
kill_with_parent (gpointer data)
{
  /* A test that dies must not leave its camera running (it would also
   * hold the test's output open). */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* A webcam as PipeWire lists one: a Video/Source node in the Camera role,
 * showing @payload as qroverlay draws it (a real QR code in live video). */
GSubprocess *
portal_test_camera_start (const char *payload)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *data = g_strdup_printf ("data=%s", payload);
  g_autoptr(GError) error = NULL;
  GSubprocess *camera;

  g_subprocess_launcher_set_child_setup (launcher, kill_with_parent, NULL, NULL);
  camera = g_subprocess_launcher_spawn (launcher, &error, "gst-launch-1.0", "-q",
                                        "videotestsrc", "is-live=true", "pattern=white", "!",
                                        "video/x-raw,width=640,height=480,framerate=15/1", "!",
                                        "qroverlay", "case-sensitive=true", data, "x=50", "y=50", "pixel-size=3", "!",
                                        "videoconvert", "!", "video/x-raw,format=YUY2", "!",
                                        "pipewiresink", "mode=provide",
                                        "stream-properties=props,media.class=Video/Source,media.role=Camera", NULL);
  g_assert_no_error (error);
  return camera;
}

void
portal_test_camera_stop (GSubprocess *camera)
{
  g_subprocess_send_signal (camera, SIGTERM);
  g_subprocess_wait (camera, NULL, NULL);
  g_object_unref (camera);
}

static gboolean
pipewire_lists_camera (gconstpointer data)
{
  const char *argv[] = { "pw-cli", "ls", "Node", NULL };
  g_autofree char *out = NULL;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, NULL, NULL);
  return out != NULL && strstr (out, "media.role = \"Camera\"") != NULL;
}

/* The portal's own answer, as the scanner will get it. The portal (1.16)
 * counts the cameras PipeWire lists when it connects, not those added
 * later: the first call starts it, after the first camera is up. */
static gboolean
portal_sees_camera (gconstpointer data)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "org.freedesktop.portal.Camera", "IsCameraPresent"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_boolean (value);
}

/* ---- The access dialog ---- */

static char *
run_xdotool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? g_steal_pointer (&out) : NULL;
}

/* The dialog is the largest window of the portal backend (the others are
 * its 10×10 group leader). Returns its id and size, or FALSE. */
static gboolean
find_dialog (char **id,
             int   *width,
             int   *height)
{
  const char *search[] = { "xdotool", "search", "--onlyvisible", "--class", "xdg-desktop-portal-gtk", NULL };
  g_autofree char *found = run_xdotool (search);
  g_auto(GStrv) ids = NULL;
  int best = 0;

  if (found == NULL)
    return FALSE;
  ids = g_strsplit (g_strstrip (found), "\n", -1);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      const char *geometry[] = { "xdotool", "getwindowgeometry", "--shell", ids[i], NULL };
      g_autofree char *shell = run_xdotool (geometry);
      g_auto(GStrv) lines = shell != NULL ? g_strsplit (shell, "\n", -1) : NULL;
      int w = 0, h = 0;

      for (guint j = 0; lines != NULL && lines[j] != NULL; j++)
        {
          if (g_str_has_prefix (lines[j], "WIDTH="))
            w = atoi (lines[j] + 6);
          else if (g_str_has_prefix (lines[j], "HEIGHT="))
            h = atoi (lines[j] + 7);
        }
      if (w * h > best && w > 100 && h > 50)
        {
          best = w * h;
          g_free (*id);
          *id = g_strdup (ids[i]);
          *width = w;
          *height = h;
        }
    }
  return best > 0;
}

static gboolean
dialog_shown (gconstpointer data)
{
  g_autofree char *id = NULL;
  int width, height;

  return find_dialog (&id, &width, &height);
}

/* Clicks a button of the dialog's bottom row: "Deny Access" on the left,
 * "Grant Access" on the right. */
void
portal_test_answer_dialog (gboolean grant)
{
  g_autofree char *id = NULL;
  g_autofree char *x = NULL, *y = NULL;
  int width = 0, height = 0;

  portal_test_wait (dialog_shown, NULL, "the portal's “Turn On Camera?” dialog");
  g_assert_true (find_dialog (&id, &width, &height));
  x = g_strdup_printf ("%d", grant ? width * 3 / 4 : width / 4);
  y = g_strdup_printf ("%d", height - 16);
  {
    const char *click[] = { "xdotool", "mousemove", "--sync", "--window", id, x, y, "click", "1", NULL };
    g_autofree char *out = run_xdotool (click);

    g_assert_nonnull (out);
  }
  g_test_message ("Clicked “%s Access” in the portal's dialog (window %s, %d×%d)",
                  grant ? "Grant" : "Deny", id, width, height);
}

/* The permission store as the dialog leaves it; "ask" makes it ask again. */
void
portal_test_set_stored_permission (const char *value)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  const char *permissions[] = { value, NULL };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  /* A program outside any sandbox has the empty application ID. */
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.impl.portal.PermissionStore",
                                       "/org/freedesktop/impl/portal/PermissionStore",
                                       "org.freedesktop.impl.portal.PermissionStore", "SetPermission",
                                       g_variant_new ("(sbss^as)", "devices", TRUE, "camera", "", permissions),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

char *
portal_test_stored_permission (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) table = NULL;
  g_autofree const char **values = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.impl.portal.PermissionStore",
                                       "/org/freedesktop/impl/portal/PermissionStore",
                                       "org.freedesktop.impl.portal.PermissionStore", "Lookup",
                                       g_variant_new ("(ss)", "devices", "camera"),
                                       G_VARIANT_TYPE ("(a{sas}v)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply == NULL)
    return NULL;
  table = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (table, "", "^a&s", &values) || values[0] == NULL)
    return NULL;
  return g_strdup (values[0]);
}

void
portal_test_wait_for_camera (void)
{
  portal_test_wait (pipewire_lists_camera, NULL, "PipeWire to list the camera");
  portal_test_wait (portal_sees_camera, NULL, "the portal to see the PipeWire camera");
}
