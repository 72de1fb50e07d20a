/* fuzz-config.c: libFuzzer target for the configuration loader
 *
 * The loader reads files, so each input is written to one file in a
 * private folder and loaded from there: the path the product uses.
 * Built and replayed like fuzz-code.c.
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "fuzz-code.h"
#include "onb-config.h"
#include "onb-error.h"

static const char *
input_path (void)
{
  static char *path;

  if (path == NULL)
    {
      g_autofree char *dir = fuzz_make_dir ();

      path = g_build_filename (dir, "onboarder.conf", NULL);
    }
  return path;
}

/* No line of the input shows in a message: the file might be any file. */
static void
assert_quiet (const char  *message,
              const char  *data,
              size_t       size)
{
  g_autofree char *text = g_strndup (data, size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    g_assert (strlen (g_strstrip (lines[i])) < 24 || strstr (message, lines[i]) == NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  const char *path = input_path ();

  g_assert (g_file_set_contents (path, (const char *) data, size, NULL));
  config = onb_config_load (path, &error);

  /* Exactly one of config and error; a reason and words for every refusal. */
  g_assert ((config == NULL) != (error == NULL));
  if (error == NULL)
    {
      /* What loaded holds no NUL and only UTF-8; every check has words. */
      g_assert (memchr (data, '\0', size) == NULL);
      g_assert (g_utf8_validate ((const char *) data, size, NULL));
      if (!onb_config_check_values (config, &error))
        g_assert (error != NULL);
    }
  if (error != NULL)
    {
      g_assert (strcmp (onb_error_get_reason (error), "internal-error") != 0);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      assert_quiet (error->message, (const char *) data, size);
    }

  return 0;
}
