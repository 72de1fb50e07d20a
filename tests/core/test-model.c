/* test-model.c: device models, their settings and the station's bands */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "onb-code.h"
#include "onb-error.h"
#include "onb-model-table.h"

#define STATION \
  "[blynk]\ntemplate_id=TMPL4abc\nmetafield_app_key=AppKey\n" \
  "[tts]\nfrequency_plan=EU_863_870_TTN\nlorawan_version=MAC_V1_0_3\nphy_version=PHY_V1_0_3_REV_A\n"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("onb-model-XXXXXX", NULL);
  fixture->path = g_build_filename (fixture->dir, "onboarder.conf", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_unlink (fixture->path);
  g_rmdir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

/* Loads and checks @text: the configuration, or NULL and the error. */
static OnbConfig *
load (Fixture     *fixture,
      const char  *text,
      GError     **error)
{
  g_autoptr(OnbConfig) config = NULL;

  g_assert_true (g_file_set_contents (fixture->path, text, -1, NULL));
  config = onb_config_load (fixture->path, error);
  if (config == NULL || !onb_config_check_values (config, error))
    return NULL;
  return g_steal_pointer (&config);
}

static OnbModelTable *
load_table (Fixture    *fixture,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = load (fixture, text, &error);

  g_assert_no_error (error);
  return onb_model_table_new (config);
}

static OnbModelTemplate *
answer (const char *band_id,
        const char *lorawan_version,
        const char *phy_version,
        gboolean    class_c)
{
  OnbModelTemplate *template = onb_model_template_new ();

  template->band_id = g_strdup (band_id);
  template->lorawan_version = g_strdup (lorawan_version);
  template->phy_version = g_strdup (phy_version);
  template->supports_join = TRUE;
  template->supports_class_c = class_c;
  return template;
}

static void
test_bands (void)
{
  static const struct { const char *plan, *band, *title; } cases[] = {
    { "EU_863_870", "EU_863_870", "EU868" },
    { "EU_863_870_TTN", "EU_863_870", "EU868" },
    { "EU_863_870_ROAMING_DRAFT", "EU_863_870", "EU868" },
    { "US_902_928_FSB_2", "US_902_928", "US915" },
    { "AU_915_928_FSB_2", "AU_915_928", "AU915" },
    { "AS_923", "AS_923", "AS923" },
    { "AS_920_923_LBT", "AS_923", "AS923" },
    { "AS_923_925_TTN_AU", "AS_923", "AS923" },
    { "AS_923_2", "AS_923_2", "AS923-2" },
    { "KR_920_923_TTN", "KR_920_923", "KR920" },
    { "EU_863_8700", NULL, NULL },
    { "MARS_1", NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *band = onb_frequency_plan_get_band (cases[i].plan);

      g_assert_cmpstr (band, ==, cases[i].band);
      if (band != NULL)
        g_assert_cmpstr (onb_band_get_title (band), ==, cases[i].title);
    }
  g_assert_cmpstr (onb_band_get_title ("MARS_1"), ==, "MARS_1");
}

/* Each new key is checked at load, named in the message. */
static void
test_validate (Fixture       *fixture,
               gconstpointer  data)
{
  static const struct { const char *text, *named; } cases[] = {
    { "[model 000af8be]\nlorawan_version=MAC 1.0.3\n", "[model 000af8be] lorawan_version" },
    { "[model 000AF8BE]\nblynk_template=abc\n", "[model 000AF8BE] blynk_template" },
    { "[model 000AF8BE]\nclass_c=yes\n", "[model 000AF8BE] class_c" },
    { "[model 000AF8BE]\nfrequency_plan=EU 868\n", "[model 000AF8BE] frequency_plan" },
    { "[model soil]\nname=Soil\n", "[model 000AF8BE]" },
    { "[model]\nname=Soil\n", "[model 000AF8BE]" },
    { "[model 000af8be]\nname=A\n[model 000AF8BE]\nname=B\n", "000AF8BE has two [model] sections" },
    { "[model 000af8be]\nblynk_templat=TMPLx5DoorC2k\n", "[model 000AF8BE] holds a key Onboarder does not know" },
    { "[tts]\nfrequency_plans=EU_863_870_TTN, US-915\n", "[tts] frequency_plans" },
    { "[tts]\ndevice_repository=eu1\n", "[tts] device_repository" },
    { "[tts]\nclaiming_server=ftp://x\n", "[tts] claiming_server" },
    { "[labels]\nallow_unlisted_claims=maybe\n", "[labels] allow_unlisted_claims" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OnbConfig) config = load (fixture, cases[i].text, &error);

      if (config != NULL)
        g_error ("case %u was accepted", i);
      g_assert_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE);
      g_assert_cmpstr (onb_error_get_reason (error), ==, "config-invalid-value");
      if (strstr (error->message, cases[i].named) == NULL)
        g_error ("case %u: “%s” does not name %s", i, error->message, cases[i].named);
    }
}

/* Sections (file order), then listed IDs; the keys' defaults. */
static void
test_table (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(OnbModelTable) table =
    load_table (fixture, STATION
                "[labels]\nprofile_ids=000A1234, 000af8be\nallow_unlisted_claims=true\n"
                "[model 000af8bf]\nname=Door sensor\nblynk_template=TMPLx5DoorC2k\nclass_c=true\n"
                "metafield_ttn_device=TTN\n"
                "[model 000AF8BE]\nname=Soil sensor\nlorawan_version=MAC_V1_0_4\n");
  GPtrArray *models = onb_model_table_get_models (table);
  const char * const *ids = onb_model_table_get_profile_ids (table);
  g_autoptr(GError) error = NULL;
  OnbModel *model;
  gboolean value = FALSE;

  g_assert_cmpuint (models->len, ==, 3);
  g_assert_cmpuint (g_strv_length ((char **) ids), ==, 3);
  g_assert_cmpstr (ids[0], ==, "000AF8BF");
  g_assert_cmpstr (ids[1], ==, "000AF8BE");
  g_assert_cmpstr (ids[2], ==, "000A1234");
  g_assert_true (onb_model_table_get_allow_unlisted_claims (table));
  g_assert_cmpstr (onb_model_table_get_frequency_plans (table)[0], ==, "EU_863_870_TTN");
  g_assert_null (onb_model_table_get_frequency_plans (table)[1]);

  model = onb_model_table_lookup (table, "000af8bf", &error);
  g_assert_no_error (error);
  g_assert_true (model == g_ptr_array_index (models, 0));
  g_assert_cmpstr (onb_model_get_name (model), ==, "Door sensor");
  g_assert_cmpstr (onb_model_get_profile_id (model), ==, "000AF8BF");
  g_assert_cmpstr (onb_model_get_blynk_template (model), ==, "TMPLx5DoorC2k");
  g_assert_cmpstr (onb_model_get_metafield (model, ONB_MODEL_METAFIELD_TTN_DEVICE), ==, "TTN");
  g_assert_cmpstr (onb_model_get_metafield (model, ONB_MODEL_METAFIELD_APP_KEY), ==, "AppKey");
  g_assert_null (onb_model_get_metafield (model, ONB_MODEL_METAFIELD_DEV_EUI));
  g_assert_true (onb_model_get_class_c (model, &value));
  g_assert_true (value);
  g_assert_false (onb_model_get_class_b (model, NULL));
  /* The section names no versions: verify checks none; [tts]'s are not its own. */
  g_assert_null (onb_model_get_lorawan_version (model));
  g_assert_true (onb_model_needs_repository (model));

  model = onb_model_table_lookup (table, "000AF8BE", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_model_get_blynk_template (model), ==, "TMPL4abc");
  g_assert_cmpstr (onb_model_get_lorawan_version (model), ==, "MAC_V1_0_4");

  model = onb_model_table_lookup (table, "000A1234", &error);
  g_assert_no_error (error);
  g_assert_false (onb_model_has_section (model));
  g_assert_cmpstr (onb_model_get_name (model), ==, "000A1234");
  g_assert_cmpstr (onb_model_get_blynk_template (model), ==, "TMPL4abc");
  g_assert_null (onb_model_get_lorawan_version (model));
  g_assert_true (onb_model_needs_repository (model));

  g_assert_null (onb_model_table_lookup (table, "000A0001", &error));
  g_assert_error (error, ONB_CODE_ERROR, ONB_CODE_ERROR_PROFILE_MISMATCH);
  g_clear_error (&error);

  model = onb_model_table_lookup (table, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (onb_model_get_profile_id (model));
  g_assert_false (onb_model_needs_repository (model));
}

/* Today's single-product settings: one implied model, as before. */
static void
test_single_product (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(OnbModelTable) table = load_table (fixture, STATION "class_c=true\n"
                                                        "[labels]\nprofile_ids=000AF8BE\n");
  g_autoptr(OnbModelTable) open_table = NULL;
  g_autoptr(OnbModelSettings) settings = NULL;
  g_autoptr(OnbModelTemplate) us = answer ("US_902_928", "MAC_V1_0_2", "RP001_V1_0_2_REV_B", FALSE);
  g_autoptr(GError) error = NULL;
  OnbModel *model = onb_model_table_lookup (table, "000AF8BE", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (onb_model_table_get_models (table)->len, ==, 1);

  /* The repository does not know it: [tts]'s settings. */
  settings = onb_model_resolve (model, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (settings->frequency_plan, ==, "EU_863_870_TTN");
  g_assert_cmpstr (settings->band_id, ==, "EU_863_870");
  g_assert_cmpstr (settings->lorawan_version, ==, "MAC_V1_0_3");
  g_assert_cmpstr (settings->phy_version, ==, "PHY_V1_0_3_REV_A");
  g_assert_true (settings->class_c);
  g_clear_pointer (&settings, onb_model_settings_free);

  /* Its answer comes first, and its band must be the station's. */
  g_assert_null (onb_model_resolve (model, us, &error));
  g_assert_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_WRONG_BAND);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "model-wrong-band");
  g_assert_cmpstr (error->message, ==, "000AF8BE is a US915 device; this station is set up for EU868. Set the box aside.");
  g_clear_error (&error);

  /* No Profile ID configured: any is taken like a listed one. */
  open_table = load_table (fixture, STATION);
  g_assert_cmpuint (onb_model_table_get_models (open_table)->len, ==, 0);
  model = onb_model_table_lookup (open_table, "000A1234", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_model_get_profile_id (model), ==, "000A1234");
  g_assert_true (onb_model_table_lookup (open_table, "000a1234", &error) == model);
}

/* Section, repository, station: value by value, and the plan by band. */
static void
test_resolve (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(OnbModelTable) table =
    load_table (fixture, STATION
                "frequency_plans=EU_863_870_TTN,AS_923, US_902_928_FSB_2\n"
                "[model 000AF8BE]\nname=Soil sensor\n"
                "[model 000AF8BF]\nname=Door sensor\nphy_version=RP002_V1_0_1\nclass_c=false\n"
                "[model 000AFFFF]\nname=Old tracker\n"
                "[model 000A4444]\nname=Tracker\nfrequency_plan=AU_915_928_FSB_2\n"
                "lorawan_version=MAC_V1_0_2\nphy_version=RP001_V1_0_2_REV_B\n");
  g_autoptr(OnbModelTemplate) eu = answer ("EU_863_870", "MAC_V1_0_4", "RP002_V1_0_1", TRUE);
  g_autoptr(OnbModelTemplate) us = answer ("US_902_928", "MAC_V1_0_2", "RP001_V1_0_2_REV_B", FALSE);
  g_autoptr(OnbModelTemplate) no_band = answer (NULL, "MAC_V1_0_2", "RP001_V1_0_2_REV_B", FALSE);
  g_autoptr(OnbModelSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  OnbModel *soil = onb_model_table_lookup (table, "000AF8BE", NULL);
  OnbModel *door = onb_model_table_lookup (table, "000AF8BF", NULL);
  OnbModel *old = onb_model_table_lookup (table, "000AFFFF", NULL);
  OnbModel *tracker = onb_model_table_lookup (table, "000A4444", NULL);

  settings = onb_model_resolve (soil, us, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (settings->frequency_plan, ==, "US_902_928_FSB_2");
  g_assert_cmpstr (settings->lorawan_version, ==, "MAC_V1_0_2");
  g_assert_false (settings->class_c);
  g_clear_pointer (&settings, onb_model_settings_free);

  /* The section's phy_version and class_c win over the answer's. */
  settings = onb_model_resolve (door, eu, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (settings->frequency_plan, ==, "EU_863_870_TTN");
  g_assert_cmpstr (settings->lorawan_version, ==, "MAC_V1_0_4");
  g_assert_cmpstr (settings->phy_version, ==, "RP002_V1_0_1");
  g_assert_false (settings->class_c);
  g_clear_pointer (&settings, onb_model_settings_free);

  /* Not in the repository, no versions in the section: never [tts]'s. */
  g_assert_null (onb_model_resolve (soil, NULL, &error));
  g_assert_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "Soil sensor"));
  g_clear_error (&error);

  g_assert_null (onb_model_resolve (old, no_band, &error));
  g_assert_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_NO_BAND);
  g_assert_nonnull (strstr (error->message, "[model 000AFFFF]"));
  g_clear_error (&error);

  /* A section that names everything needs no repository; its plan's band
   * must still be the device's. */
  g_assert_false (onb_model_needs_repository (tracker));
  settings = onb_model_resolve (tracker, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (settings->frequency_plan, ==, "AU_915_928_FSB_2");
  g_assert_cmpstr (settings->band_id, ==, "AU_915_928");
  g_clear_pointer (&settings, onb_model_settings_free);
  g_assert_null (onb_model_resolve (tracker, us, &error));
  g_assert_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_WRONG_BAND);
  g_assert_nonnull (strstr (error->message, "Tracker is a US915 device"));
  g_clear_error (&error);
}

static void
test_wrong_band_words (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(OnbModelTable) table =
    load_table (fixture, STATION "frequency_plans=EU_863_870_TTN EU_863_870 AS_923_2\n"
                "[model 000A1234]\nname=Soil sensor\n");
  g_autoptr(OnbModelTemplate) us = answer ("US_902_928", "MAC_V1_0_2", "RP001_V1_0_2_REV_B", FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_null (onb_model_resolve (onb_model_table_lookup (table, "000A1234", NULL), us, &error));
  g_assert_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_WRONG_BAND);
  g_assert_cmpstr (error->message, ==,
                   "Soil sensor is a US915 device; this station is set up for EU868 and AS923-2. Set the box aside.");
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/bands", test_bands);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/model/validate", test_validate);
  ADD ("/model/table", test_table);
  ADD ("/model/single-product", test_single_product);
  ADD ("/model/resolve", test_resolve);
  ADD ("/model/wrong-band-words", test_wrong_band_words);
#undef ADD

  return g_test_run ();
}
