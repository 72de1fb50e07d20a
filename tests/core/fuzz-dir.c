/* fuzz-dir.c: a private folder for fuzz targets that need files */

#include "config.h"

#include <stdlib.h>
#include <glib/gstdio.h>

#include "fuzz-code.h"

static char *fuzz_dir;

static void
remove_fuzz_dir (void)
{
  g_autoptr(GDir) dir = g_dir_open (fuzz_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fuzz_dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (fuzz_dir);
  g_clear_pointer (&fuzz_dir, g_free);
}

char *
fuzz_make_dir (void)
{
  if (fuzz_dir == NULL)
    {
      fuzz_dir = g_dir_make_tmp ("onb-fuzz-XXXXXX", NULL);
      g_assert (fuzz_dir != NULL);
      atexit (remove_fuzz_dir);
    }
  return g_strdup (fuzz_dir);
}
