/* test-config.c: the configuration key file */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "onb-config.h"
#include "onb-error.h"

static void
test_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("onb-config-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *path = g_build_filename (sub, "onboarder.conf", NULL);
  g_autoptr(OnbConfig) config = onb_config_new ();
  g_autoptr(OnbConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *secret = NULL;
  GStatBuf st;

  onb_config_set_string (config, "tts", "api_key", "NNSXS.SECRET");
  onb_config_set_string (config, "labels", "profile_ids", "000af8be, 000A0001;bogus");
  onb_config_set_boolean (config, "tts", "class_b", TRUE);
  g_assert_true (onb_config_save (config, path, &error));
  g_assert_no_error (error);

  /* The file holds secrets: only its owner may read it. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  loaded = onb_config_load (path, &error);
  g_assert_no_error (error);
  secret = onb_config_get_string (loaded, "tts", "api_key");
  g_assert_cmpstr (secret, ==, "NNSXS.SECRET");
  g_assert_true (onb_config_get_boolean (loaded, "tts", "class_b", FALSE));
  g_assert_false (onb_config_get_boolean (loaded, "tts", "class_c", FALSE));
  g_assert_cmpint (onb_config_get_int (loaded, "kiosk", "max_jobs", 4), ==, 4);
  ids = onb_config_get_profile_ids (loaded);
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpstr (ids[0], ==, "000AF8BE");
  g_assert_cmpstr (ids[1], ==, "000A0001");

  g_assert_true (onb_config_key_is_secret ("blynk", "client_secret"));
  g_assert_true (onb_config_key_is_secret ("tts", "api_key"));
  g_assert_false (onb_config_key_is_secret ("tts", "application_id"));

  g_unlink (path);
  g_rmdir (sub);
  g_rmdir (dir);
}

static void
test_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = onb_config_load ("/nonexistent/onboarder.conf", &error);

  g_assert_null (config);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "config-not-found");
}

static void
test_validate_values (void)
{
  static const struct { const char *group, *key, *value; const char *reason; } cases[] = {
    { "blynk", "server", "https://fra1.blynk.cloud", NULL },
    { "blynk", "server", "fra1.blynk.cloud", "config-invalid-value" },
    { "blynk", "server", "", "config-missing-key" },
    { "blynk", "template_id", "TMPL4abc", NULL },
    { "blynk", "template_id", "1234", "config-invalid-value" },
    { "blynk", "owner_id", "12345", NULL },
    { "blynk", "owner_id", "-3", "config-invalid-value" },
    { "tts", "application_id", "warehouse-sensors", NULL },
    { "tts", "application_id", "Warehouse", "config-invalid-value" },
    { "tts", "application_id", "a--b", "config-invalid-value" },
    { "tts", "class_b", "yes", "config-invalid-value" },
    { "tts", "class_c", "", NULL },
    { "labels", "profile_ids", "000AF8BE,000a0001", NULL },
    { "labels", "profile_ids", "000AF8B", "config-invalid-value" },
    { "kiosk", "pin", "1234", NULL },
    { "kiosk", "pin", "12", "config-invalid-value" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = onb_config_validate_value (cases[i].group, cases[i].key, cases[i].value, &error);

      g_test_message ("[%s] %s=%s", cases[i].group, cases[i].key, cases[i].value);
      g_assert_cmpint (ok, ==, cases[i].reason == NULL);
      if (cases[i].reason != NULL)
        g_assert_cmpstr (onb_error_get_reason (error), ==, cases[i].reason);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/round-trip", test_round_trip);
  g_test_add_func ("/config/missing", test_missing);
  g_test_add_func ("/config/validate-values", test_validate_values);

  return g_test_run ();
}
