/* test-pg-device-store.c: the device list in PostgreSQL, on a private server */

#include "config.h"

#include <string.h>
#include <libpq-fe.h>

#include "onb-error.h"
#include "onb-pg-device-store.h"
#include "onb-pg.h"
#include "onb-registry-private.h"
#include "onb-test-files.h"
#include "onb-test-pg.h"
#include "test-store-common.h"

static const char first[] =
  "Device EUI,Join EUI,Application Key,Static Token,Device Name,Serial Number\n"
  "0018B20000000201,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,"
  "sqr_0123456789abcdefghijklmnopqrstuv,A1,SN-1\n"
  "0018B20000000202,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,,A2,SN-2\n";

static const char second[] =
  "Device EUI,Join EUI,Application Key\n"
  "0018B20000000203,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C\n"
  "0018B20000000201,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C\n";

static OnbRegistry *
open_registry (OnbTestPg *pg)
{
  g_autoptr(GError) error = NULL;
  OnbDeviceStore *store = onb_pg_device_store_open (onb_test_pg_get_uri (pg), &error);

  g_assert_no_error (error);
  return onb_registry_new_for_store (store);
}

static void
run_sql (PGconn     *conn,
         const char *sql)
{
  PGresult *result = PQexec (conn, sql);

  g_assert_cmpstr (PQresultErrorMessage (result), ==, "");
  PQclear (result);
}

/* The same calls and answers as the SQLite store: import, look-ups,
 * conflicts, batches in the file's order. */
static void
test_import_and_batches (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbRegistry) other_station = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(OnbRegistryEntry) entry = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(OnbBatch) batch = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (pg == NULL)
    return;
  registry = open_registry (pg);
  other_station = open_registry (pg);

  batch = onb_registry_get_batch (registry, 0, NULL, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NO_BATCH);
  g_assert_null (batch);
  g_clear_error (&error);

  ok = onb_registry_import_data (registry, first, strlen (first), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (report->n_added, ==, 2);
  g_assert_cmpint (report->batch_id, >, 0);
  g_clear_pointer (&report, onb_import_report_free);

  /* Another station sees the list at once. */
  g_assert_cmpuint (onb_registry_get_n_entries (other_station), ==, 2);
  entry = onb_registry_lookup_token (other_station, "sqr_0123456789abcdefghijklmnopqrstuv+4711", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_registry_entry_get_dev_eui (entry), ==, "0018B20000000201");
  g_assert_cmpstr (onb_registry_entry_get_device_name (entry), ==, "A1");
  g_assert_cmpstr (g_hash_table_lookup (onb_registry_entry_get_metafields (entry), "Serial Number"), ==, "SN-1");
  g_clear_pointer (&entry, onb_registry_entry_unref);
  entry = onb_registry_lookup (other_station, "0018b20000000299", &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_DEVICE);
  g_assert_null (entry);
  g_clear_error (&error);

  /* Device 201 again with other values: a conflict, nothing stored. */
  ok = onb_registry_import_data (other_station, second, strlen (second), 0, &report, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_CONFLICT);
  g_assert_false (ok);
  g_assert_cmpuint (report->problems->len, ==, 1);
  g_assert_cmpuint (onb_registry_get_n_entries (registry), ==, 2);
  g_clear_error (&error);
  g_clear_pointer (&report, onb_import_report_free);

  ok = onb_registry_import_data (other_station, second, strlen (second), ONB_REGISTRY_IMPORT_REPLACE, &report, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (report->n_added, ==, 1);
  g_assert_cmpuint (report->n_replaced, ==, 1);

  batches = onb_registry_list_batches (registry, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batches->len, ==, 2);
  g_assert_cmpuint (((OnbBatch *) batches->pdata[0])->n_devices, ==, 2);
  g_assert_cmpuint (((OnbBatch *) batches->pdata[1])->n_devices, ==, 1);

  batch = onb_registry_get_batch (registry, 0, &devices, &error);
  g_assert_no_error (error);
  g_assert_cmpint (batch->id, ==, report->batch_id);
  g_assert_cmpuint (devices->len, ==, 2);
  g_assert_cmpstr (((OnbBatchDevice *) devices->pdata[0])->dev_eui, ==, "0018B20000000203");
  g_assert_cmpstr (((OnbBatchDevice *) devices->pdata[1])->dev_eui, ==, "0018B20000000201");
  g_assert_cmpstr (((OnbBatchDevice *) devices->pdata[1])->device_name, ==, "eui-0018b20000000201");
  g_clear_pointer (&batch, onb_batch_free);

  batch = onb_registry_get_batch (registry, 9999, NULL, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_BATCH);
  g_assert_null (batch);
}

/* While one import is under way (its transaction holds the import lock,
 * as any station's would), another is refused with words, and stores
 * nothing; once it has finished, the same import goes through. */
static void
test_overlapping_imports (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  PGconn *other;
  gboolean ok;

  if (pg == NULL)
    return;
  registry = open_registry (pg);
  other = PQconnectdb (onb_test_pg_get_uri (pg));
  g_assert_cmpint (PQstatus (other), ==, CONNECTION_OK);
  run_sql (other, "BEGIN; SELECT pg_advisory_xact_lock (" G_STRINGIFY (ONB_PG_DEVICE_STORE_IMPORT_LOCK) ")");

  ok = onb_registry_import_data (registry, first, strlen (first), 0, &report, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_IMPORT_BUSY);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "import-busy");
  g_assert_nonnull (strstr (error->message, "Import this list again"));
  g_assert_false (ok);
  g_assert_cmpint (report->batch_id, ==, 0);
  g_assert_cmpuint (onb_registry_get_n_entries (registry), ==, 0);
  g_clear_error (&error);
  g_clear_pointer (&report, onb_import_report_free);

  run_sql (other, "COMMIT");
  ok = onb_registry_import_data (registry, first, strlen (first), 0, &report, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (onb_registry_get_n_entries (registry), ==, 2);
  PQfinish (other);
}

/* The schema is Onboarder's own and versioned: made once, found again,
 * and a newer one is refused with words. */
static void
test_schema_versions (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  OnbDeviceStore *store;
  PGconn *conn;
  PGresult *result;

  if (pg == NULL)
    return;
  registry = open_registry (pg);
  g_clear_object (&registry);
  registry = open_registry (pg);

  conn = PQconnectdb (onb_test_pg_get_uri (pg));
  result = PQexec (conn, "SELECT version FROM onb_schema");
  g_assert_cmpint (PQntuples (result), ==, 1);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, G_STRINGIFY (ONB_PG_SCHEMA_VERSION));
  PQclear (result);
  run_sql (conn, "UPDATE onb_schema SET version = version + 1");
  PQfinish (conn);

  store = onb_pg_device_store_open (onb_test_pg_get_uri (pg), &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_SCHEMA_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "Update Onboarder"));
  g_assert_null (store);
}

/* A station role may use the tables but not make or change them: on an
 * empty database it is refused with words until the owner role has made
 * them; then it looks up and imports. */
static void
test_station_role (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autofree char *station_uri = NULL;
  g_autoptr(OnbRegistry) owner = NULL;
  g_autoptr(OnbRegistry) station = NULL;
  g_autoptr(GError) error = NULL;
  OnbDeviceStore *store;
  PGconn *conn;
  gboolean ok;

  if (pg == NULL)
    return;
  station_uri = g_strdup_printf ("postgresql:///" ONB_TEST_PG_DATABASE "?host=%s&port=%u&user=station",
                                 onb_test_pg_get_host (pg), onb_test_pg_get_port (pg));
  conn = PQconnectdb (onb_test_pg_get_uri (pg));
  run_sql (conn, "CREATE ROLE station LOGIN");

  store = onb_pg_device_store_open (station_uri, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_SCHEMA_TOO_OLD);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "schema-too-old");
  g_assert_nonnull (strstr (error->message, "owner role"));
  g_assert_null (store);
  g_clear_error (&error);

  owner = open_registry (pg);
  run_sql (conn, "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO station;"
                 "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO station");
  PQfinish (conn);

  store = onb_pg_device_store_open (station_uri, &error);
  g_assert_no_error (error);
  station = onb_registry_new_for_store (store);
  ok = onb_registry_import_data (station, first, strlen (first), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (onb_registry_get_n_entries (owner), ==, 2);
}

/* A statement the server refuses says why without quoting the row: its
 * AppKey and token are secrets. */
static void
test_error_keeps_secrets (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;
  PGconn *conn;
  gboolean ok;

  if (pg == NULL)
    return;
  registry = open_registry (pg);
  conn = PQconnectdb (onb_test_pg_get_uri (pg));
  run_sql (conn, "ALTER TABLE onb_devices ADD CONSTRAINT no_tokens CHECK (static_token IS NULL)");
  PQfinish (conn);

  ok = onb_registry_import_data (registry, first, strlen (first), 0, NULL, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_DATABASE);
  g_assert_false (ok);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "no_tokens"));
  g_assert_null (strstr (error->message, "2B7E151628AED2A6ABF7158809CF4F3C"));
  g_assert_null (strstr (error->message, "sqr_"));
  g_assert_cmpuint (onb_registry_get_n_entries (registry), ==, 0);
}

static gpointer
open_in_thread (gpointer uri)
{
  GError *error = NULL;
  OnbDeviceStore *store = onb_pg_device_store_open (uri, &error);

  g_assert_no_error (error);
  return store;
}

/* Stations starting at once on an empty database: one makes the tables,
 * the others wait for it and find them made. */
static void
test_migrate_at_once (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  GThread *threads[4];
  PGconn *conn;
  PGresult *result;

  if (pg == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("station", open_in_thread, (gpointer) onb_test_pg_get_uri (pg));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      OnbDeviceStore *store = g_thread_join (threads[i]);

      g_assert_nonnull (store);
      g_object_unref (store);
    }

  conn = PQconnectdb (onb_test_pg_get_uri (pg));
  result = PQexec (conn, "SELECT version FROM onb_schema");
  g_assert_cmpint (PQntuples (result), ==, 1);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, G_STRINGIFY (ONB_PG_SCHEMA_VERSION));
  PQclear (result);
  PQfinish (conn);
}

/* A restarted server (a station's connection lost) costs nothing: the
 * next look-up connects again. */
static void
test_server_restart (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbRegistryEntry) entry = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (pg == NULL)
    return;
  registry = open_registry (pg);
  ok = onb_registry_import_data (registry, first, strlen (first), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  onb_test_pg_restart (pg);
  entry = onb_registry_lookup (registry, "0018B20000000202", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onb_registry_entry_get_device_name (entry), ==, "A2");

  onb_test_pg_restart (pg);
  batches = onb_registry_list_batches (registry, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batches->len, ==, 1);
  g_assert_cmpuint (onb_registry_get_n_entries (registry), ==, 2);
}

/* The Device Repository's answers are shared: one station keeps one,
 * another reads it. A database of version 1 gets their table by the
 * owner's migration. */
static void
test_model_templates (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(OnbRegistry) station_a = NULL;
  g_autoptr(OnbRegistry) station_b = NULL;
  PGconn *conn;

  if (pg == NULL)
    return;
  station_a = open_registry (pg);
  conn = PQconnectdb (onb_test_pg_get_uri (pg));
  run_sql (conn, "DROP TABLE onb_model_templates, onb_conflicts, onb_steps, onb_jobs, onb_claimants;"
                 "UPDATE onb_schema SET version = 1");
  PQfinish (conn);

  station_b = open_registry (pg);
  onb_test_store_check_model_templates (station_a, station_b);
}

/* Boxes without an AppKey, stored empty, and boxes added at a scan,
 * read back by another station. */
static void
test_keyless (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(OnbRegistry) station_a = NULL;
  g_autoptr(OnbRegistry) station_b = NULL;

  if (pg == NULL)
    return;
  station_a = open_registry (pg);
  station_b = open_registry (pg);
  onb_test_store_check_keyless (station_a, station_b);
  onb_test_store_check_unlisted (station_a, station_b);
}

/* With [store] url, the station's registry is the shared one, read-only
 * or not; one that scans keeps a copy of it in its data folder, for the
 * time the database cannot be reached. */
static void
test_open_for_config (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(OnbConfig) config = onb_config_new ();
  g_autoptr(OnbRegistry) writer = NULL;
  g_autoptr(OnbRegistry) reader = NULL;
  g_autoptr(OnbRegistry) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *copy_path = NULL;
  gboolean ok;

  if (pg == NULL)
    return;
  dir = g_dir_make_tmp ("onb-pg-list-XXXXXX", &error);
  g_assert_no_error (error);
  onb_config_set_string (config, "kiosk", "data_dir", dir);
  onb_config_set_string (config, "store", "url", onb_test_pg_get_uri (pg));
  writer = onb_registry_open_for_config (config, FALSE, &error);
  g_assert_no_error (error);
  reader = onb_registry_open_for_config (config, TRUE, &error);
  g_assert_no_error (error);
  ok = onb_registry_import_data (writer, first, strlen (first), 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (onb_registry_get_n_entries (reader), ==, 2);

  /* The writer's copy has the import, keys and all. */
  copy_path = onb_registry_copy_path (dir);
  copy = onb_registry_open_read_only (copy_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (onb_registry_get_n_entries (copy), ==, 2);
  g_clear_object (&copy);
  g_clear_object (&writer);
  onb_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pg-device-store/import-and-batches", test_import_and_batches);
  g_test_add_func ("/pg-device-store/overlapping-imports", test_overlapping_imports);
  g_test_add_func ("/pg-device-store/schema-versions", test_schema_versions);
  g_test_add_func ("/pg-device-store/server-restart", test_server_restart);
  g_test_add_func ("/pg-device-store/migrate-at-once", test_migrate_at_once);
  g_test_add_func ("/pg-device-store/station-role", test_station_role);
  g_test_add_func ("/pg-device-store/error-keeps-secrets", test_error_keeps_secrets);
  g_test_add_func ("/pg-device-store/model-templates", test_model_templates);
  g_test_add_func ("/pg-device-store/open-for-config", test_open_for_config);
  g_test_add_func ("/pg-device-store/keyless-and-unlisted", test_keyless);
  return g_test_run ();
}
