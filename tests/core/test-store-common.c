/* test-store-common.c: checks every device store must pass */

#include "config.h"

#include <string.h>

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

void
onb_test_store_check_keyless (OnbRegistry *writer,
                              OnbRegistry *reader)
{
  static const char no_column[] = "Device EUI,Join EUI\n0018B2000000E001,EC656E0000000101\n";
  static const char empty_cell[] =
    "Device EUI,Join EUI,Application Key\n"
    "0018B2000000E002,EC656E0000000101,\n"
    "0018B2000000E003,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C\n";
  static const char malformed[] = "Device EUI,Join EUI,Application Key\n0018B2000000E004,EC656E0000000101,2B7E\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(OnbRegistryEntry) entry = NULL;
  gboolean ok;

  ok = onb_registry_import_data (writer, no_column, strlen (no_column), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  ok = onb_registry_import_data (writer, empty_cell, strlen (empty_cell), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  for (guint i = 1; i <= 2; i++)
    {
      g_autofree char *eui = g_strdup_printf ("0018B2000000E00%u", i);

      entry = onb_registry_lookup (reader, eui, &error);
      g_assert_no_error (error);
      g_assert_nonnull (entry);
      g_assert_null (onb_registry_entry_get_app_key (entry));
      /* Without a key and without an owner token the box cannot be made. */
      g_assert_false (onb_registry_entry_check_keys (entry, "MAC_V1_0_3", &error));
      g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NO_APP_KEY);
      g_clear_error (&error);
      g_clear_pointer (&entry, onb_registry_entry_unref);
    }
  entry = onb_registry_lookup (reader, "0018B2000000E003", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_registry_entry_get_app_key (entry), ==, "2B7E151628AED2A6ABF7158809CF4F3C");

  /* The same list again changes nothing: an empty key equals no key. */
  ok = onb_registry_import_data (writer, empty_cell, strlen (empty_cell), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (report->n_unchanged, ==, 2);
  g_clear_pointer (&report, onb_import_report_free);

  ok = onb_registry_import_data (writer, malformed, strlen (malformed), 0, &report, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_INVALID_FILE);
  g_assert_false (ok);
  g_assert_cmpuint (report->problems->len, ==, 1);
  g_assert_cmpstr (((OnbImportProblem *) report->problems->pdata[0])->reason, ==, "bad-app-key");
}

void
onb_test_store_check_unlisted (OnbRegistry *writer,
                               OnbRegistry *reader)
{
  static const char * const labels[] = {
    "LW:D0:EC656E0000000101:0018B2000000E101:000AF8BE:OTE101",
    "LW:D0:EC656E0000000101:0018B2000000E101:000AF8BE:OTE101",
    "LW:D0:EC656E0000000101:0018B2000000E102:000AF8BE:OTE102",
  };
  static const char list[] = "Device EUI,Join EUI,Application Key\n"
                              "0018B2000000E1F0,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(OnbBatch) newest = NULL;
  gint64 newest_import = 0;
  guint n_claimed = 0;

  /* An imported list, then the claimed batch made after it. */
  g_assert_true (onb_registry_import_data (writer, list, strlen (list), 0, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      g_autoptr(OnbCode) code = onb_code_parse (labels[i], -1, &error);
      g_autoptr(OnbRegistryEntry) added = NULL;
      g_autoptr(OnbRegistryEntry) read = NULL;

      g_assert_no_error (error);
      added = onb_registry_add_unlisted (writer, code, &error);
      g_assert_no_error (error);
      g_assert_nonnull (added);
      read = onb_registry_resolve (reader, code, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (onb_registry_entry_get_dev_eui (read), ==, onb_code_get_dev_eui (code));
      g_assert_cmpstr (onb_registry_entry_get_join_eui (read), ==, "EC656E0000000101");
      g_assert_cmpstr (onb_registry_entry_get_profile_id (read), ==, "000AF8BE");
      g_assert_null (onb_registry_entry_get_app_key (read));
    }

  batches = onb_registry_list_batches (reader, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < batches->len; i++)
    {
      OnbBatch *batch = batches->pdata[i];

      if (g_strcmp0 (batch->file_name, ONB_REGISTRY_CLAIMED_BATCH) != 0)
        {
          newest_import = MAX (newest_import, batch->id);
          continue;
        }
      n_claimed++;
      g_assert_cmpuint (batch->n_devices, ==, 2);
      g_assert_cmpuint (batch->n_rows, ==, 2);
    }
  g_assert_cmpuint (n_claimed, ==, 1);

  /* The newest list, which views show by default, is the newest import,
   * never the batch of boxes claimed at a station. */
  newest = onb_registry_get_batch (reader, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (newest);
  g_assert_cmpstr (newest->file_name, !=, ONB_REGISTRY_CLAIMED_BATCH);
  g_assert_cmpint (newest->id, ==, newest_import);
}
