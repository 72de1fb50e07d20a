/* fuzz-import.c: libFuzzer target for the device-list importer (CSV)
 *
 * Every input is imported into one registry in a private folder, as
 * `onboarder-cli import` and the setup page do. Built and replayed like
 * fuzz-code.c.
 */

#include "config.h"

#include <string.h>

#include "fuzz-code.h"
#include "onb-error.h"
#include "onb-registry.h"

static OnbRegistry *
registry (void)
{
  static OnbRegistry *registry;

  if (registry == NULL)
    {
      g_autofree char *dir = fuzz_make_dir ();
      g_autofree char *path = g_build_filename (dir, "registry.sqlite", NULL);

      registry = onb_registry_open (path, NULL);
      g_assert (registry != NULL);
    }
  return registry;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  gboolean imported = onb_registry_import_data (registry (), (const char *) data, size, ONB_REGISTRY_IMPORT_NONE,
                                                &report, &error);

  /* Imported, or an error with a reason; all or nothing. */
  g_assert (imported == (error == NULL));
  g_assert (report != NULL);
  if (error != NULL)
    {
      g_assert (strcmp (onb_error_get_reason (error), "internal-error") != 0);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      g_assert (report->batch_id == 0 && report->n_added == 0 && report->n_replaced == 0);
    }
  else
    g_assert (report->problems->len == 0);

  /* Every problem says where and why, in words. */
  for (guint i = 0; i < report->problems->len; i++)
    {
      const OnbImportProblem *problem = report->problems->pdata[i];

      g_assert (problem->reason != NULL && problem->message != NULL);
      g_assert (g_utf8_validate (problem->message, -1, NULL));
      g_assert (problem->column == NULL || g_utf8_validate (problem->column, -1, NULL));
    }

  return 0;
}
