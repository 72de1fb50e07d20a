/* replay-corpus.c: runs every file of a fuzzing corpus through its target
 *
 * Linked with one fuzz target; FUZZ_CORPUS names its corpus folder below
 * tests/ (default: the label parser's).
 */

#include "config.h"

#include <gio/gio.h>

#include "fuzz-code.h"

#ifndef FUZZ_CORPUS
#define FUZZ_CORPUS "core/corpus/code"
#endif

static void
test_replay (gconstpointer data)
{
  gboolean succeeded;
  const char *dir_path = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
  const char *name;
  guint count = 0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      succeeded = g_file_get_contents (path, &contents, &length, &error);
      g_assert_no_error (error);
      g_assert_true (succeeded);
      g_test_message ("%s", name);
      LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
      count++;
    }

  g_assert_cmpuint (count, >, 10);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *corpus = NULL;

  g_test_init (&argc, &argv, NULL);
  corpus = g_test_build_filename (G_TEST_DIST, FUZZ_CORPUS, NULL);
  g_test_add_data_func ("/fuzz/" FUZZ_CORPUS "/replay", corpus, test_replay);

  return g_test_run ();
}
