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
#include "onb-model-table.h"

/* Every model of a configuration that passed its checks resolves, or
 * says in words why not. */
static void
resolve_models (OnbConfig *config)
{
  g_autoptr(OnbModelTable) table = onb_model_table_new (config);
  GPtrArray *models = onb_model_table_get_models (table);
  OnbModelTemplate answer = { NULL, NULL, (char *) "US_902_928", (char *) "MAC_V1_0_2", (char *) "RP001_V1_0_2_REV_B" };

  for (guint i = 0; i <= models->len; i++)
    {
      OnbModel *model = i < models->len ? g_ptr_array_index (models, i) : onb_model_table_lookup (table, NULL, NULL);

      for (guint k = 0; k < 2; k++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(OnbModelSettings) settings = onb_model_resolve (model, k == 0 ? NULL : &answer, &error);

          g_assert ((settings == NULL) != (error == NULL));
          if (error != NULL)
            {
              g_assert (strcmp (onb_error_get_reason (error), "internal-error") != 0);
              g_assert (g_utf8_validate (error->message, -1, NULL));
            }
          else
            g_assert (settings->frequency_plan != NULL && settings->lorawan_version != NULL &&
                      settings->phy_version != NULL);
        }
    }
}

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
      else
        resolve_models (config);
    }
  if (error != NULL)
    {
      g_assert (strcmp (onb_error_get_reason (error), "internal-error") != 0);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      assert_quiet (error->message, (const char *) data, size);
    }

  return 0;
}
