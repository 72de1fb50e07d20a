/* onb-test-files.c: folders a test makes and removes */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "onb-test-files.h"

void
onb_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      onb_test_remove_tree (child);
    }
  if (g_remove (path) != 0 && errno != ENOENT)
    g_warning ("Could not remove %s: %s", path, g_strerror (errno));
}
