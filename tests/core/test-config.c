/* test-config.c: the configuration key file */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onb-config.h"
#include "onb-error.h"

static void
test_round_trip (void)
{
  gboolean succeeded;
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
  succeeded = onb_config_save (config, path, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);

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
    /* values a lax check would let through: a default in disguise, or a request no server answers */
    { "tts", "class_b", "maybe", "config-invalid-value" },
    { "tts", "class_b", "1", NULL },
    { "cloud", "timeout_ms", "fast", "config-invalid-value" },
    { "cloud", "timeout_ms", "99", "config-invalid-value" },
    { "cloud", "timeout_ms", "30000", NULL },
    { "cloud", "connect_timeout_ms", "600001", "config-invalid-value" },
    { "cloud", "allow_insecure_http", "yes", "config-invalid-value" },
    { "store", "url", "postgresql://station:pw@db.example.com/onboarder?sslmode=verify-full", NULL },
    { "store", "url", "https://db.example.com/onboarder", "config-invalid-value" },
    { "store", "url", "postgresql://db.example.com/onboarder?sslmodus=on", "config-invalid-value" },
    { "store", "station", "dock-2.hall_B", NULL },
    { "store", "station", "dock 2", "config-invalid-value" },
    { "store", "lease_s", "4", "config-invalid-value" },
    { "store", "lease_s", "30", NULL },
    { "kiosk", "max_jobs", "-5", "config-invalid-value" },
    { "kiosk", "max_jobs", "0", "config-invalid-value" },
    { "kiosk", "max_jobs", "16", NULL },
    { "kiosk", "pin", "12a4", "config-invalid-value" },
    { "kiosk", "pin", "1234567890123", "config-invalid-value" },
    { "labels", "profile_ids", "XYZ", "config-invalid-value" },
    { "tts", "api_key", "NNSXS.A B", "config-invalid-value" },
    { "tts", "api_key", "NNSXS.A\r\nX-Evil: 1", "config-invalid-value" },
    { "blynk", "client_id", "oa2-client-id_Kiosk", NULL },
    { "blynk", "template_id", "TMPL/../x", "config-invalid-value" },
    { "tts", "lorawan_version", "MAC_V1_0_3", NULL },
    { "tts", "frequency_plan", "EU 868", "config-invalid-value" },
    { "tts", "identity_server", "https://eu1.cloud.thethings.network", NULL },
    { "tts", "identity_server", "https://eu1 .example", "config-invalid-value" },
    { "kiosk", "data_dir", "/var/lib/x\ny", "config-invalid-value" },
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

/* Lengths are capped: a pasted file is refused, naming the key only. */
static void
test_lengths (void)
{
  static const struct { const char *group, *key; gsize max; } cases[] = {
    { "tts", "api_key", 1024 },
    { "blynk", "client_secret", 1024 },
    { "blynk", "client_id", 256 },
    { "tts", "application_id", 36 },
    { "blynk", "server", 2048 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *huge = g_strnfill (500 * 1024, 'a');
      g_autoptr(GError) error = NULL;

      if (g_str_equal (cases[i].key, "server"))
        memcpy (huge, "https://", 8);
      g_assert_false (onb_config_validate_value (cases[i].group, cases[i].key, huge, &error));
      g_assert_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE);
      g_assert_null (strstr (error->message, "aaaa"));
      g_assert_nonnull (strstr (error->message, cases[i].key));
    }
}

/* Every key of a file is checked at load; an absent key is fine there. */
static void
test_check_values (void)
{
  gboolean succeeded;
  g_autofree char *dir = g_dir_make_tmp ("onb-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "onboarder.conf", NULL);
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "[tts]\napplication_id=warehouse-sensors\n[cloud]\ntimeout_ms=fast\n", -1, NULL));
  config = onb_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_false (onb_config_check_values (config, &error));
  g_assert_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "[cloud] timeout_ms"));
  g_clear_error (&error);

  onb_config_set_string (config, "cloud", "timeout_ms", "5000");
  succeeded = onb_config_check_values (config, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);

  g_unlink (path);
  g_rmdir (dir);
}

/* A file holding secrets that others may read is reported. */
static void
test_permissions (void)
{
  gboolean succeeded;
  g_autofree char *dir = g_dir_make_tmp ("onb-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "onboarder.conf", NULL);
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "[tts]\napplication_id=warehouse-sensors\n", -1, NULL));
  g_chmod (path, 0644);
  config = onb_config_load (path, &error);
  succeeded = onb_config_check_permissions (config, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_clear_object (&config);

  g_assert_true (g_file_set_contents (path, "[tts]\napi_key=NNSXS.SECRET\n", -1, NULL));
  g_chmod (path, 0644);
  config = onb_config_load (path, &error);
  g_assert_false (onb_config_check_permissions (config, &error));
  g_assert_cmpstr (onb_error_get_reason (error), ==, "config-readable-by-others");
  g_assert_nonnull (strstr (error->message, "chmod 600"));
  g_assert_null (strstr (error->message, "NNSXS"));
  g_clear_error (&error);

  g_chmod (path, 0600);
  succeeded = onb_config_check_permissions (config, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);

  g_unlink (path);
  g_rmdir (dir);
}

/* A line that must never appear in an error: it stands for a line of
 * some other file the user can read, such as /etc/shadow. */
#define SECRET_LINE "root:$6$Secr3tHash$AbCdEfGh:19000:0:99999:7:::"

static void
test_strict_and_quiet (void)
{
  static const struct { const char *name, *text; gsize length; const char *reason, *says; } cases[] = {
#define CASE(name, text, reason, says) { name, text, sizeof (text) - 1, reason, says }
    CASE ("nul", "[blynk]\nserver=https://fra1.blynk.cloud\nclient_secret=abc\0def\n",
          "config-invalid-value", "line 3: it holds a NUL byte"),
    CASE ("utf8-value", "[blynk]\ntemplate_id=TMPL\xff\xfe\n",
          "config-invalid-value", "line 2: [blynk] template_id holds text that is not UTF-8"),
    CASE ("utf8-key", "[blynk]\nserver=https://fra1.blynk.cloud\ntempl\xff" "ate_id=TMPL1\n",
          "config-invalid-value", "line 3: the name of a key is not UTF-8"),
    CASE ("utf8-section", "[bly\xc3nk]\nserver=https://fra1.blynk.cloud\n",
          "config-invalid-value", "line 1: the name of a section is not UTF-8"),
    CASE ("utf8-comment", "# caf\xe9\n[blynk]\n",
          "config-invalid-value", "line 1: a comment holds text that is not UTF-8"),
    CASE ("duplicate-key", "[blynk]\nclient_secret=one\nowner_id=1\nclient_secret=two\n",
          "config-invalid-value", "line 4: [blynk] client_secret is given a second time"),
    CASE ("repeated-section", "[blynk]\nowner_id=1\n[tts]\napi_key=x\n[blynk]\nclient_id=y\n",
          "config-invalid-value", "line 5: [blynk] appears a second time"),
    CASE ("not-a-key-file", "[blynk]\nowner_id=1\n" SECRET_LINE "\n",
          "config-unreadable", "line 3: the line is neither"),
    CASE ("key-before-section", "password=" SECRET_LINE "\n[blynk]\n",
          "config-unreadable", "line 1: a key comes before any [section]"),
    CASE ("unknown-duplicate", "[x]\n" SECRET_LINE "=1\n" SECRET_LINE "=2\n",
          "config-invalid-value", "line 3: a key is given a second time"),
    CASE ("crlf", "[blynk]\r\nowner_id=1\r\n", NULL, NULL),
#undef CASE
  };
  g_autofree char *dir = g_dir_make_tmp ("onb-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "onboarder.conf", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OnbConfig) config = NULL;
      gboolean succeeded;

      g_test_message ("%s", cases[i].name);
      succeeded = g_file_set_contents (path, cases[i].text, cases[i].length, &error);
      g_assert_no_error (error);
      g_assert_true (succeeded);
      config = onb_config_load (path, &error);
      if (cases[i].reason == NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpint (onb_config_get_int (config, "blynk", "owner_id", 0), ==, 1);
          continue;
        }
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_null (config);
      g_assert_cmpstr (onb_error_get_reason (error), ==, cases[i].reason);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_assert_null (strstr (error->message, "Secr3t"));
      g_assert_null (strstr (error->message, "root:"));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }

  g_unlink (path);
  g_rmdir (dir);
}

/* --config on a link to a file like /etc/shadow, or on a device. */
static void
test_other_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("onb-config-XXXXXX", NULL);
  g_autofree char *shadow = g_build_filename (dir, "shadow", NULL);
  g_autofree char *link = g_build_filename (dir, "onboarder.conf", NULL);
  const char *paths[] = { link, "/dev/zero", dir };
  gboolean succeeded;

  succeeded = g_file_set_contents (shadow, SECRET_LINE "\ndaemon:*:19000:0:99999:7:::\n", -1, NULL);
  g_assert_true (succeeded);
  g_assert_cmpint (symlink (shadow, link), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OnbConfig) config = onb_config_load (paths[i], &error);

      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_null (config);
      g_assert_cmpstr (onb_error_get_reason (error), ==, "config-unreadable");
      g_assert_nonnull (strstr (error->message, paths[i]));
      g_assert_null (strstr (error->message, "Secr3t"));
      g_assert_null (strstr (error->message, "root:"));
    }

  g_unlink (link);
  g_unlink (shadow);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/round-trip", test_round_trip);
  g_test_add_func ("/config/missing", test_missing);
  g_test_add_func ("/config/validate-values", test_validate_values);
  g_test_add_func ("/config/lengths", test_lengths);
  g_test_add_func ("/config/check-values", test_check_values);
  g_test_add_func ("/config/permissions", test_permissions);
  g_test_add_func ("/config/strict-and-quiet", test_strict_and_quiet);
  g_test_add_func ("/config/other-files", test_other_files);

  return g_test_run ();
}
