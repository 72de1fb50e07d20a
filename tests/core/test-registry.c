/* test-registry.c: CSV reader and device registry on a real SQLite file */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "onb-csv.h"
#include "onb-error.h"
#include "onb-registry.h"
#include "test-store-common.h"

static const char seed[] =
  "Device EUI,Join EUI,Application Key\n"
  "0018B20000000101,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C\n";

typedef struct
{
  char *dir;
  char *path;
  OnbRegistry *registry;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("onb-registry-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "sub", "registry.sqlite", NULL);
  f->registry = onb_registry_open (f->path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *sub = g_path_get_dirname (f->path);
  const char *suffixes[] = { "", "-wal", "-shm" };

  g_clear_object (&f->registry);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (f->path, suffixes[i], NULL);
      g_unlink (file);
    }
  g_rmdir (sub);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static GPtrArray *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = onb_csv_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return rows;
}

static void
test_csv_dialects (void)
{
  g_autoptr(GPtrArray) rows = parse_ok ("\xEF\xBB\xBF" "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
                                        "\r\n"
                                        "1,\"two\r\nlines\",3");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) bad = NULL;
  const OnbCsvRow *row;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *fields[] = { "plain", "with,comma", "with \"quote\"", NULL };

  g_assert_cmpuint (rows->len, ==, 2);
  row = rows->pdata[0];
  g_assert_cmpuint (row->row, ==, 1);
  g_assert_cmpuint (row->n_fields, ==, 3);
  g_assert_cmpstr (row->fields[0], ==, "a");
  g_assert_cmpstr (row->fields[1], ==, "b,c");
  g_assert_cmpstr (row->fields[2], ==, "say \"hi\"");
  row = rows->pdata[1];
  g_assert_cmpuint (row->row, ==, 2);
  g_assert_cmpstr (row->fields[1], ==, "two\r\nlines");
  g_assert_cmpstr (row->fields[2], ==, "3");

  bad = onb_csv_parse ("a,\"b\n", 5, &error);
  g_assert_error (error, ONB_CSV_ERROR, ONB_CSV_ERROR_UNTERMINATED_QUOTE);
  g_assert_null (bad);
  g_clear_error (&error);
  bad = onb_csv_parse ("a,b\"c\n", 6, &error);
  g_assert_error (error, ONB_CSV_ERROR, ONB_CSV_ERROR_STRAY_QUOTE);
  g_clear_error (&error);
  bad = onb_csv_parse ("a,\xff\n", 4, &error);
  g_assert_error (error, ONB_CSV_ERROR, ONB_CSV_ERROR_NOT_UTF8);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "csv-not-utf8");
  g_clear_error (&error);
  bad = onb_csv_parse ("\r\n\n", 3, &error);
  g_assert_error (error, ONB_CSV_ERROR, ONB_CSV_ERROR_EMPTY);

  onb_csv_append_row (out, fields, 4);
  g_assert_cmpstr (out->str, ==, "plain,\"with,comma\",\"with \"\"quote\"\"\",\r\n");
}

static void
test_import_seed_and_lookup (Fixture       *f,
                             gconstpointer  data)
{
  gboolean succeeded;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(OnbRegistryEntry) entry = NULL;
  g_autoptr(OnbCode) code = NULL;

  succeeded = onb_registry_import_data (f->registry, seed, strlen (seed), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpuint (report->n_rows, ==, 1);
  g_assert_cmpuint (report->n_added, ==, 1);
  g_assert_cmpuint (onb_registry_get_n_entries (f->registry), ==, 1);

  entry = onb_registry_lookup (f->registry, "0018b20000000101", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_registry_entry_get_join_eui (entry), ==, "70B3D57ED0000010");
  g_assert_cmpstr (onb_registry_entry_get_app_key (entry), ==, "2B7E151628AED2A6ABF7158809CF4F3C");
  g_assert_null (onb_registry_entry_get_static_token (entry));
  g_assert_cmpstr (onb_registry_entry_get_blynk_name (entry), ==, "eui-0018b20000000101");
  g_clear_pointer (&entry, onb_registry_entry_unref);

  /* A TR005 code whose JoinEUI disagrees is not this row. */
  code = onb_code_parse ("LW:D0:70B3D57ED0000099:0018B20000000101:000AF8BE", -1, &error);
  g_assert_no_error (error);
  entry = onb_registry_resolve (f->registry, code, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_JOIN_EUI_MISMATCH);
  g_assert_null (entry);
  g_clear_error (&error);
  g_clear_pointer (&code, onb_code_unref);

  code = onb_code_parse ("0018B20000000199", -1, &error);
  entry = onb_registry_resolve (f->registry, code, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_DEVICE);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "unknown-device");
  g_assert_nonnull (strstr (error->message, "Import its list first"));
}

static void
test_import_aliases_and_metafields (Fixture       *f,
                                    gconstpointer  data)
{
  gboolean succeeded;
  const char *csv =
    "\xEF\xBB\xBF" "deveui,AppEUI,app_key,Static Token,Device Name,PROFILE ID,Serial Number,Empty\r\n"
    "0018b20000000109,70b3d57ed0000010,2f1b8aaf5fad4e05d311f04badbfb8e9,"
    "sqr_GFshG0g3fh85hW0xUxPPCRsxu176w33v,\"Soil, sensor 09\",000af8be,SN-9,\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(OnbRegistryEntry) entry = NULL;
  g_autoptr(OnbCode) code = NULL;
  GHashTable *metafields;

  succeeded = onb_registry_import_data (f->registry, csv, strlen (csv), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);

  code = onb_code_parse ("sqr_GFshG0g3fh85hW0xUxPPCRsxu176w33v+4711", -1, &error);
  g_assert_no_error (error);
  entry = onb_registry_resolve (f->registry, code, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_registry_entry_get_dev_eui (entry), ==, "0018B20000000109");
  g_assert_cmpstr (onb_registry_entry_get_app_key (entry), ==, "2F1B8AAF5FAD4E05D311F04BADBFB8E9");
  g_assert_cmpstr (onb_registry_entry_get_device_name (entry), ==, "Soil, sensor 09");
  g_assert_cmpstr (onb_registry_entry_get_blynk_name (entry), ==, "Soil, sensor 09");
  g_assert_cmpstr (onb_registry_entry_get_profile_id (entry), ==, "000AF8BE");
  metafields = onb_registry_entry_get_metafields (entry);
  g_assert_cmpuint (g_hash_table_size (metafields), ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (metafields, "Serial Number"), ==, "SN-9");
}

static gboolean
report_has (const OnbImportReport *report,
            guint                  row,
            const char            *reason)
{
  for (guint i = 0; i < report->problems->len; i++)
    {
      const OnbImportProblem *problem = report->problems->pdata[i];

      if (problem->row == row && g_str_equal (problem->reason, reason))
        return TRUE;
    }
  return FALSE;
}

static void
test_import_all_or_nothing (Fixture       *f,
                            gconstpointer  data)
{
  const char *csv =
    "Device EUI,Join EUI,Application Key,Static Token\n"
    "0018B20000000101,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,\n"
    "0018B2000000010Z,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,\n"
    "0018B20000000103,70B3D57ED000001,2B7E151628AED2A6ABF7158809CF4F3C,\n"
    "0018B20000000104,70B3D57ED0000010,2B7E1516,\n"
    "0018B20000000101,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,\n"
    "0018B20000000106,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,sqr_bad\n"
    "0018B20000000107,70B3D57ED0000010\n"
    "0000000000000000,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;

  g_assert_false (onb_registry_import_data (f->registry, csv, strlen (csv), 0, &report, &error));
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_INVALID_FILE);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "import-invalid");
  g_assert_true (report_has (report, 3, "bad-dev-eui"));
  g_assert_true (report_has (report, 4, "bad-join-eui"));
  g_assert_true (report_has (report, 5, "bad-app-key"));
  g_assert_true (report_has (report, 6, "duplicate-dev-eui"));
  g_assert_true (report_has (report, 7, "malformed-token"));
  g_assert_true (report_has (report, 8, "wrong-field-count"));
  g_assert_true (report_has (report, 9, "bad-dev-eui"));
  for (guint i = 0; i < report->problems->len; i++)
    g_test_message ("%s", ((OnbImportProblem *) report->problems->pdata[i])->message);
  g_assert_cmpuint (report->problems->len, ==, 7);
  /* Nothing stored, not even the good first row. */
  g_assert_cmpuint (onb_registry_get_n_entries (f->registry), ==, 0);

  /* A key never appears in a problem message. */
  for (guint i = 0; i < report->problems->len; i++)
    g_assert_null (strstr (((OnbImportProblem *) report->problems->pdata[i])->message, "2B7E1516"));
  g_clear_pointer (&report, onb_import_report_free);
  g_clear_error (&error);

  g_assert_false (onb_registry_import_data (f->registry, "Join EUI\nx\n", 11, 0, &report, &error));
  g_assert_true (report_has (report, 1, "missing-column"));
}

static void
test_reimport_and_conflict (Fixture       *f,
                            gconstpointer  data)
{
  gboolean succeeded;
  const char *changed =
    "DevEUI,JoinEUI,AppKey\n"
    "0018B20000000101,70B3D57ED0000010,00000000000000000000000000000001\n"
    "0018B20000000102,70B3D57ED0000010,00000000000000000000000000000002\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(OnbRegistryEntry) entry = NULL;

  succeeded = onb_registry_import_data (f->registry, seed, strlen (seed), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  succeeded = onb_registry_import_data (f->registry, seed, strlen (seed), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpuint (report->n_unchanged, ==, 1);
  g_assert_cmpuint (report->n_added, ==, 0);
  g_clear_pointer (&report, onb_import_report_free);

  g_assert_false (onb_registry_import_data (f->registry, changed, strlen (changed), 0, &report, &error));
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_CONFLICT);
  g_assert_true (report_has (report, 2, "conflict"));
  g_assert_cmpuint (onb_registry_get_n_entries (f->registry), ==, 1);
  g_clear_pointer (&report, onb_import_report_free);
  g_clear_error (&error);

  succeeded = onb_registry_import_data (f->registry, changed, strlen (changed), ONB_REGISTRY_IMPORT_REPLACE,
                                        &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpuint (report->n_replaced, ==, 1);
  g_assert_cmpuint (report->n_added, ==, 1);
  entry = onb_registry_lookup (f->registry, "0018B20000000101", &error);
  g_assert_cmpstr (onb_registry_entry_get_app_key (entry), ==, "00000000000000000000000000000001");
}

static void
test_network_key (Fixture       *f,
                  gconstpointer  data)
{
  gboolean succeeded;
  const char *bad =
    "Device EUI,Join EUI,Application Key,NwkKey\n"
    "0018B20000000101,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,0A1B2C3D4E5F60718293A4B5C6D7E8F9\n"
    "0018B20000000102,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,0A1B2C3D4E5F\n";
  const char *good =
    "Device EUI,Join EUI,Application Key,network_key\n"
    "0018B20000000101,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,0a1b2c3d4e5f60718293a4b5c6d7e8f9\n"
    "0018B20000000102,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,\n";
  const char *changed =
    "DevEUI,JoinEUI,AppKey,Network Key\n"
    "0018B20000000101,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,00000000000000000000000000000001\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(OnbRegistryEntry) entry = NULL;
  g_autoptr(OnbRegistryEntry) entry_10 = NULL;

  g_assert_false (onb_registry_import_data (f->registry, bad, strlen (bad), 0, &report, &error));
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_INVALID_FILE);
  g_assert_cmpuint (report->problems->len, ==, 1);
  g_assert_true (report_has (report, 3, "bad-nwk-key"));
  g_assert_nonnull (strstr (((OnbImportProblem *) report->problems->pdata[0])->message, "Row 3"));
  g_assert_null (strstr (((OnbImportProblem *) report->problems->pdata[0])->message, "0A1B2C3D"));
  g_clear_pointer (&report, onb_import_report_free);
  g_clear_error (&error);

  succeeded = onb_registry_import_data (f->registry, good, strlen (good), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpuint (report->n_added, ==, 2);
  g_clear_pointer (&report, onb_import_report_free);
  entry = onb_registry_lookup (f->registry, "0018B20000000101", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_registry_entry_get_nwk_key (entry), ==, "0A1B2C3D4E5F60718293A4B5C6D7E8F9");
  /* A key column, not a Blynk metafield. */
  g_assert_cmpuint (g_hash_table_size (onb_registry_entry_get_metafields (entry)), ==, 0);
  succeeded = onb_registry_entry_check_keys (entry, "MAC_V1_1", &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  entry_10 = onb_registry_lookup (f->registry, "0018B20000000102", &error);
  g_assert_null (onb_registry_entry_get_nwk_key (entry_10));
  succeeded = onb_registry_entry_check_keys (entry_10, "MAC_V1_0_3", &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_false (onb_registry_entry_check_keys (entry_10, "MAC_V1_1", &error));
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_MISSING_NWK_KEY);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "missing-network-key");
  g_clear_error (&error);

  /* Another NwkKey for a stored device is a conflict, as another AppKey is. */
  g_assert_false (onb_registry_import_data (f->registry, changed, strlen (changed), 0, &report, &error));
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_CONFLICT);
  g_assert_true (report_has (report, 2, "conflict"));
  g_clear_pointer (&report, onb_import_report_free);
  g_clear_error (&error);
  succeeded = onb_registry_import_data (f->registry, good, strlen (good), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpuint (report->n_unchanged, ==, 2);
}

/* A database made before the nwk_key column keeps working. */
static void
test_old_database (Fixture       *f,
                   gconstpointer  data)
{
  gboolean succeeded;
  const char *with_key =
    "Device EUI,Join EUI,Application Key,NetworkKey\n"
    "0018B20000000102,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,0A1B2C3D4E5F60718293A4B5C6D7E8F9\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbRegistryEntry) entry = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  sqlite3 *db = NULL;

  g_clear_object (&f->registry);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 /* As older versions left it: no user_version. */
                                 "DROP TABLE devices; PRAGMA user_version = 0;"
                                 "CREATE TABLE devices (dev_eui TEXT PRIMARY KEY, join_eui TEXT NOT NULL,"
                                 " app_key TEXT NOT NULL, static_token TEXT UNIQUE, device_name TEXT,"
                                 " profile_id TEXT, metafields TEXT NOT NULL DEFAULT '',"
                                 " imported_at INTEGER NOT NULL);"
                                 "INSERT INTO devices VALUES ('0018B20000000101', '70B3D57ED0000010',"
                                 " '2B7E151628AED2A6ABF7158809CF4F3C', NULL, NULL, NULL, '', 0);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  f->registry = onb_registry_open (f->path, &error);
  g_assert_no_error (error);
  entry = onb_registry_lookup (f->registry, "0018B20000000101", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_registry_entry_get_app_key (entry), ==, "2B7E151628AED2A6ABF7158809CF4F3C");
  g_assert_null (onb_registry_entry_get_nwk_key (entry));
  g_clear_pointer (&entry, onb_registry_entry_unref);

  /* Rows from before batches make one batch of their own. */
  batches = onb_registry_list_batches (f->registry, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batches->len, ==, 1);
  g_assert_null (((OnbBatch *) batches->pdata[0])->file_name);
  g_assert_cmpuint (((OnbBatch *) batches->pdata[0])->n_devices, ==, 1);
  g_clear_pointer (&batches, g_ptr_array_unref);

  succeeded = onb_registry_import_data (f->registry, with_key, strlen (with_key), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  entry = onb_registry_lookup (f->registry, "0018B20000000102", &error);
  g_assert_cmpstr (onb_registry_entry_get_nwk_key (entry), ==, "0A1B2C3D4E5F60718293A4B5C6D7E8F9");
  batches = onb_registry_list_batches (f->registry, NULL, &error);
  g_assert_cmpuint (batches->len, ==, 2);
}

/* Every import is a batch; a device imported again later
 * belongs to the later batch; counts and the "still to scan" list join the
 * journal's states. */
static void
test_batches (Fixture       *f,
              gconstpointer  data)
{
  gboolean succeeded;
  const char *first =
    "Device EUI,Join EUI,Application Key,Device Name,Serial Number\n"
    "0018B20000000201,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,A1,SN-1\n"
    "0018B20000000202,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,A2,SN-2\n"
    "0018B20000000203,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,A3,SN-3\n"
    "0018B20000000204,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,A4,SN-4\n";
  const char *second =
    "Device EUI,Join EUI,Application Key,Device Name,Serial Number\n"
    "0018B20000000204,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,A4,SN-4\n"
    "0018B20000000205,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,,\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbDeviceStates) states = onb_device_states_new ();
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(GString) csv = g_string_new (NULL);
  g_autofree char *path = g_build_filename (f->dir, "pallet.csv", NULL);
  const OnbBatch *batch;
  g_autoptr(OnbBatch) one = NULL;
  const OnbBatchDevice *device;
  g_autofree const char **dev_euis = NULL;

  g_assert_null (onb_registry_get_batch (f->registry, 0, NULL, &error));
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NO_BATCH);
  g_clear_error (&error);

  succeeded = g_file_set_contents (path, first, -1, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  succeeded = onb_registry_import_file (f->registry, path, 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpint (report->batch_id, >, 0);
  g_clear_pointer (&report, onb_import_report_free);
  succeeded = onb_registry_import_data (f->registry, second, strlen (second), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);

  onb_device_states_add (states, "0018B20000000201", ONB_DEVICE_PROGRESS_DONE, NULL, NULL);
  onb_device_states_add (states, "0018B20000000202", ONB_DEVICE_PROGRESS_FAILED, "euis-taken", "Taken.");
  onb_device_states_add (states, "0018B20000000204", ONB_DEVICE_PROGRESS_DONE, NULL, NULL);

  batches = onb_registry_list_batches (f->registry, states, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batches->len, ==, 2);
  batch = batches->pdata[0];
  g_assert_cmpint (batch->id, ==, report->batch_id);
  g_assert_null (batch->file_name);
  g_assert_cmpuint (batch->n_rows, ==, 2);
  g_assert_cmpuint (batch->n_devices, ==, 2);
  g_assert_cmpuint (batch->n_done, ==, 1);
  g_assert_cmpuint (batch->n_to_do, ==, 1);
  batch = batches->pdata[1];
  g_assert_cmpstr (batch->file_name, ==, "pallet.csv");
  g_assert_cmpuint (batch->n_rows, ==, 4);
  g_assert_cmpuint (batch->n_devices, ==, 3);
  g_assert_cmpuint (batch->n_done, ==, 1); /* 204 counts in the newer batch */
  g_assert_cmpuint (batch->n_failed, ==, 1);
  g_assert_cmpuint (batch->n_to_do, ==, 1);

  one = onb_registry_get_batch (f->registry, batch->id, &missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (one->id, ==, batch->id);
  g_assert_cmpuint (one->n_devices, ==, 3);
  g_assert_cmpuint (missing->len, ==, 3);
  dev_euis = onb_batch_devices_get_dev_euis (missing);
  g_assert_cmpstr (dev_euis[2], ==, "0018B20000000203");
  g_assert_null (dev_euis[3]);
  onb_batch_apply_states (one, missing, states);
  /* The same counts as the list of batches. */
  g_assert_cmpuint (one->n_done, ==, batch->n_done);
  g_assert_cmpuint (one->n_failed, ==, batch->n_failed);
  g_assert_cmpuint (one->n_to_do, ==, batch->n_to_do);
  g_assert_cmpuint (missing->len, ==, 2);
  device = missing->pdata[0];
  g_assert_cmpstr (device->dev_eui, ==, "0018B20000000202");
  g_assert_cmpstr (device->device_name, ==, "A2");
  g_assert_cmpstr (device->serial, ==, "SN-2");
  g_assert_cmpint (device->progress, ==, ONB_DEVICE_PROGRESS_FAILED);
  g_assert_cmpstr (device->reason, ==, "euis-taken");
  g_assert_true (onb_batch_device_matches (device, "sn-2"));
  g_assert_true (onb_batch_device_matches (device, "TAKEN"));
  g_assert_false (onb_batch_device_matches (device, "A3"));
  device = missing->pdata[1];
  g_assert_cmpstr (device->dev_eui, ==, "0018B20000000203");
  g_assert_cmpint (device->progress, ==, ONB_DEVICE_PROGRESS_TO_DO);
  g_assert_null (device->reason);

  onb_missing_devices_to_csv (missing, csv);
  g_assert_cmpstr (csv->str, ==,
                   "dev_eui,device_name,serial,state,reason,message\r\n"
                   "0018B20000000202,A2,SN-2,failed,euis-taken,Taken.\r\n"
                   "0018B20000000203,A3,SN-3,to-do,,\r\n");
  g_clear_pointer (&missing, g_ptr_array_unref);

  /* The newest by default; a name made from the DevEUI. */
  g_clear_pointer (&one, onb_batch_free);
  one = onb_registry_get_batch (f->registry, 0, &missing, &error);
  g_assert_no_error (error);
  g_assert_cmpint (one->id, ==, report->batch_id);
  onb_batch_apply_states (one, missing, states);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_cmpstr (((OnbBatchDevice *) missing->pdata[0])->device_name, ==, "eui-0018b20000000205");
  g_clear_pointer (&missing, g_ptr_array_unref);

  g_assert_null (onb_registry_get_batch (f->registry, 999, &missing, &error));
  g_assert_null (missing);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_BATCH);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "unknown-batch");
  g_unlink (path);
}

static void
test_sample_list (Fixture       *f,
                  gconstpointer  data)
{
  gboolean succeeded;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "samples", "devices.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;

  succeeded = onb_registry_import_file (f->registry, path, 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpuint (report->n_added, ==, 12);
  g_assert_cmpuint (onb_registry_get_n_entries (f->registry), ==, 12);
}

/* A list of @n rows; DevEUIs 0018B2000010xxxx. */
static GString *
make_list (guint n)
{
  GString *csv = g_string_new ("Device EUI,Join EUI,Application Key,Device Name\n");

  for (guint i = 1; i <= n; i++)
    g_string_append_printf (csv, "0018B200%08X,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,box-%u\n",
                            0x100000 + i, i);
  return csv;
}

typedef struct
{
  OnbRegistry *registry;
  GString *csv;
  gboolean ok;
  GError *error;
  gint finished;
} ImportThread;

static gpointer
import_thread (gpointer data)
{
  ImportThread *t = data;

  t->ok = onb_registry_import_data (t->registry, t->csv->str, t->csv->len, 0, NULL, &t->error);
  g_atomic_int_set (&t->finished, 1);
  return NULL;
}

/* The import writes through a handle of its own: through the one the scan
 * reads, a scan during an import would see rows that are then rolled back. The database
 * itself refuses the last row (a trigger), after every other row has been
 * written inside the transaction. */
static void
test_import_isolated (Fixture       *f,
                      gconstpointer  data)
{
  const guint n = 5000;
  g_autofree char *last = g_strdup_printf ("0018B200%08X", 0x100000 + n);
  g_autofree char *trigger = g_strdup_printf ("CREATE TRIGGER refuse_last BEFORE INSERT ON devices "
                                              "WHEN NEW.dev_eui = '%s' BEGIN SELECT RAISE(ABORT, 'refused'); END;",
                                              last);
  g_autoptr(GString) csv = make_list (n);
  ImportThread t = { f->registry, csv, FALSE, NULL, 0 };
  sqlite3 *db = NULL;
  GThread *thread;
  guint n_scans = 0, n_seen = 0;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, trigger, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  thread = g_thread_new ("import", import_thread, &t);
  while (!g_atomic_int_get (&t.finished))
    {
      g_autofree char *dev_eui = g_strdup_printf ("0018B200%08X", 0x100000 + 1 + (n_scans * 7919) % n);
      g_autoptr(GError) error = NULL;
      g_autoptr(OnbRegistryEntry) entry = onb_registry_lookup (f->registry, dev_eui, &error);

      n_scans++;
      if (entry != NULL)
        n_seen++;
      else
        g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_DEVICE);
    }
  g_thread_join (thread);

  g_assert_false (t.ok);
  g_assert_error (t.error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_DATABASE);
  g_clear_error (&t.error);
  g_test_message ("%u scans during the import", n_scans);
  g_assert_cmpuint (n_scans, >, 0);
  g_assert_cmpuint (n_seen, ==, 0);
  g_assert_cmpuint (onb_registry_get_n_entries (f->registry), ==, 0);
}

static void
assert_file_refused (Fixture    *f,
                     const char *path,
                     gint        code,
                     const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;

  g_assert_false (onb_registry_import_file (f->registry, path, 0, &report, &error));
  g_assert_error (error, ONB_REGISTRY_ERROR, code);
  g_assert_cmpstr (onb_error_get_reason (error), ==, reason);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->n_rows, ==, 0);
}

/* Not a regular file: /dev/zero must not grow to gigabytes, a FIFO must
 * not block forever, a folder must not give internal-error. */
static void
test_import_file_kinds (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (f->dir, "fifo.csv", NULL);
  g_autofree char *big = g_build_filename (f->dir, "big.csv", NULL);
  int fd;

  assert_file_refused (f, f->dir, ONB_REGISTRY_ERROR_NOT_A_FILE, "not-a-file");
  assert_file_refused (f, "/dev/zero", ONB_REGISTRY_ERROR_NOT_A_FILE, "not-a-file");

  /* No writer ever opens it: a blocking open would hang the test. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_file_refused (f, fifo, ONB_REGISTRY_ERROR_NOT_A_FILE, "not-a-file");
  g_unlink (fifo);

  /* Sparse: one byte over the limit costs no disk. */
  fd = g_open (big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) ONB_REGISTRY_MAX_FILE_SIZE + 1), ==, 0);
  close (fd);
  assert_file_refused (f, big, ONB_REGISTRY_ERROR_FILE_TOO_LARGE, "file-too-large");
  g_unlink (big);

  assert_file_refused (f, fifo, ONB_REGISTRY_ERROR_FILE_UNREADABLE, "file-unreadable");
  g_assert_cmpuint (onb_registry_get_n_entries (f->registry), ==, 0);
}

/* A 10 MB name or a name with a line break is refused at import, not
 * only at provisioning. */
static void
test_import_blynk_refuses (Fixture       *f,
                           gconstpointer  data)
{
  gboolean succeeded;
  g_autofree char *longest = g_strnfill (ONB_REGISTRY_MAX_TEXT_CHARS, 'n');
  g_autofree char *too_long = g_strnfill (ONB_REGISTRY_MAX_TEXT_CHARS + 1, 'n');
  g_autofree char *bad = g_strdup_printf ("Device EUI,Join EUI,Application Key,Device Name,Location\n"
                                          "0018B20000000101,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,%s,\n"
                                          "0018B20000000102,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,\"two\nlines\",\n"
                                          "0018B20000000103,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,ok,\"hall\t3\"\n"
                                          "0018B20000000104,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,fine,%s\n",
                                          too_long, too_long);
  g_autofree char *good = g_strdup_printf ("Device EUI,Join EUI,Application Key,Device Name\n"
                                           "0018B20000000101,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,%s\n"
                                           "0018B20000000102,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,"
                                           "Zähler Süd – 2\n", longest);
  const struct { guint row; const char *column; const char *reason; } expected[] = {
    { 2, "Device Name", "name-too-long" },
    { 3, "Device Name", "control-character" },
    { 4, "Location", "control-character" },
    { 5, "Location", "value-too-long" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbImportReport) report = NULL;

  g_assert_false (onb_registry_import_data (f->registry, bad, strlen (bad), 0, &report, &error));
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_INVALID_FILE);
  g_assert_cmpuint (report->problems->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const OnbImportProblem *problem = report->problems->pdata[i];

      g_assert_cmpuint (problem->row, ==, expected[i].row);
      g_assert_cmpstr (problem->column, ==, expected[i].column);
      g_assert_cmpstr (problem->reason, ==, expected[i].reason);
      g_assert_nonnull (strstr (problem->message, "Row"));
      /* The value itself is not repeated. */
      g_assert_null (strstr (problem->message, too_long));
    }
  g_assert_cmpuint (onb_registry_get_n_entries (f->registry), ==, 0);

  g_clear_error (&error);
  g_clear_pointer (&report, onb_import_report_free);
  succeeded = onb_registry_import_data (f->registry, good, strlen (good), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpuint (report->n_added, ==, 2);
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* The file of AppKeys is private (0600), whatever the umask. */
static void
test_private_file (Fixture       *f,
                   gconstpointer  data)
{
  gboolean succeeded;
  g_autofree char *fresh = g_build_filename (f->dir, "fresh.sqlite", NULL);
  g_autofree char *wal = g_strconcat (fresh, "-wal", NULL);
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  mode_t old_umask = umask (0);

  registry = onb_registry_open (fresh, &error);
  umask (old_umask);
  g_assert_no_error (error);
  succeeded = onb_registry_import_data (registry, seed, strlen (seed), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpuint (file_mode (fresh), ==, 0600);
  g_assert_cmpuint (file_mode (wal), ==, 0600);
  g_clear_object (&registry);

  /* A database an older version left readable by others is tightened. */
  g_assert_cmpint (g_chmod (fresh, 0644), ==, 0);
  registry = onb_registry_open (fresh, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (fresh), ==, 0600);
  g_clear_object (&registry);

  for (const char *const *suffix = (const char *const[]) { "", "-wal", "-shm", NULL }; *suffix; suffix++)
    {
      g_autofree char *file = g_strconcat (fresh, *suffix, NULL);
      g_unlink (file);
    }
}

/* The Device Repository's answers outlive the process: another
 * connection to the file reads them. */
static void
test_model_templates (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(OnbRegistry) reader = NULL;
  g_autoptr(GError) error = NULL;

  reader = onb_registry_open (f->path, &error);
  g_assert_no_error (error);
  onb_test_store_check_model_templates (f->registry, reader);
}

static void
test_keyless (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(OnbRegistry) reader = NULL;
  g_autoptr(GError) error = NULL;

  reader = onb_registry_open (f->path, &error);
  g_assert_no_error (error);
  onb_test_store_check_keyless (f->registry, reader);
  onb_test_store_check_unlisted (f->registry, reader);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/csv/dialects", test_csv_dialects);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/registry/seed-and-lookup", test_import_seed_and_lookup);
  ADD ("/registry/aliases-and-metafields", test_import_aliases_and_metafields);
  ADD ("/registry/all-or-nothing", test_import_all_or_nothing);
  ADD ("/registry/reimport-and-conflict", test_reimport_and_conflict);
  ADD ("/registry/sample-list", test_sample_list);
  ADD ("/registry/network-key", test_network_key);
  ADD ("/registry/old-database", test_old_database);
  ADD ("/registry/import-isolated", test_import_isolated);
  ADD ("/registry/file-kinds", test_import_file_kinds);
  ADD ("/registry/blynk-refuses", test_import_blynk_refuses);
  ADD ("/registry/private-file", test_private_file);
  ADD ("/registry/batches", test_batches);
  ADD ("/registry/model-templates", test_model_templates);
  ADD ("/registry/keyless-and-unlisted", test_keyless);
#undef ADD

  return g_test_run ();
}
