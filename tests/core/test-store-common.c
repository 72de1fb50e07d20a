/* test-store-common.c: checks every device store must pass */

#include "config.h"

#include "test-store-common.h"

void
onb_test_store_check_model_templates (OnbRegistry *writer,
                                      OnbRegistry *reader)
{
  static const char answer[] = "{\"end_device\":{\"version_ids\":{\"band_id\":\"EU_863_870\"}}}";
  static const char newer[] = "{\"end_device\":{\"lorawan_version\":\"MAC_V1_0_3\"}}";
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  gint64 fetched_at = 0;
  gboolean ok;

  kept = onb_registry_get_model_template (reader, "000AF8BE", &fetched_at, &error);
  g_assert_no_error (error);
  g_assert_null (kept);
  g_assert_cmpint (fetched_at, ==, 0);

  /* Profile IDs in either case name the same model. */
  ok = onb_registry_put_model_template (writer, "000af8be", answer, 1700000000, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  kept = onb_registry_get_model_template (reader, "000AF8BE", &fetched_at, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kept, ==, answer);
  g_assert_cmpint (fetched_at, ==, 1700000000);
  g_clear_pointer (&kept, g_free);

  /* A newer answer replaces the kept one; other models are apart. */
  ok = onb_registry_put_model_template (writer, "000AF8BE", newer, 1700000600, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  kept = onb_registry_get_model_template (reader, "000af8be", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kept, ==, newer);
  g_clear_pointer (&kept, g_free);
  kept = onb_registry_get_model_template (reader, "000AF8BF", &fetched_at, &error);
  g_assert_no_error (error);
  g_assert_null (kept);
}
