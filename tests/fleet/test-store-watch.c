/* test-store-watch.c: what a station hears of the others' commits, on a private PostgreSQL */

#include "config.h"

#include <string.h>

#include "onb-job-private.h"
#include "onb-journal-private.h"
#include "onb-store-watch.h"
#include "onb-test-files.h"
#include "onb-test-pg.h"
#include "prov-test.h"

/* Its data folder (the outbox, the list's copy) is @dir. */
static OnbConfig *
station_config (OnbTestPg  *pg,
                const char *name,
                const char *dir)
{
  OnbConfig *config = onb_config_new ();

  onb_config_set_string (config, "kiosk", "data_dir", dir);
  onb_config_set_string (config, "store", "url", onb_test_pg_get_uri (pg));
  onb_config_set_string (config, "store", "station", name);
  onb_config_set_string (config, "store", "lease_s", "6");
  return config;
}

static void
count_changed (OnbStoreWatch *watch,
               guint         *n)
{
  (*n)++;
}

static gboolean
count_at_least (gconstpointer data)
{
  const guint *counts = data;

  return counts[0] >= counts[1];
}

static gboolean
alone_is (gconstpointer data)
{
  const gpointer *pair = data;

  return onb_store_watch_get_working_alone (pair[0]) == GPOINTER_TO_INT (pair[1]);
}

/* Another station's commit is heard within a second; after the database
 * restarts, the watch says it works alone, then connects again and asks
 * for everything to be read again. */
static void
test_changed (void)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(OnbConfig) here = NULL;
  g_autoptr(OnbConfig) there = NULL;
  g_autoptr(OnbStoreWatch) watch = NULL;
  g_autoptr(OnbJournal) other = NULL;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OnbJournalClaimResult) claimed = NULL;
  g_autoptr(OnbRegistry) registry = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autofree char *csv = prov_generated_csv (2, 0x1300, FALSE);
  g_autoptr(GError) error = NULL;
  guint counts[2] = { 0, 1 };
  guint lists[2] = { 0, 1 };
  gpointer alone[2];
  gint64 start;

  if (pg == NULL)
    return;
  dir = g_dir_make_tmp ("onb-watch-XXXXXX", &error);
  g_assert_no_error (error);
  here = station_config (pg, "here", dir);
  there = station_config (pg, "there", dir);
  other = onb_journal_open_for_config (there, FALSE, &error);
  g_assert_no_error (error);
  watch = onb_store_watch_new (here);
  g_signal_connect (watch, "changed", G_CALLBACK (count_changed), &counts[0]);
  g_signal_connect (watch, "list-changed", G_CALLBACK (count_changed), &lists[0]);
  /* Connected: asked to read everything once. */
  g_assert_true (prov_wait_until (count_at_least, counts, 10));
  g_assert_true (prov_wait_until (count_at_least, lists, 1));
  g_assert_false (onb_store_watch_get_working_alone (watch));
  g_assert_cmpuint (onb_store_watch_get_n_stations (watch), ==, 1);

  job = onb_job_new_provision ("0018B20000001201", "70B3D57ED0000010", "Watched sensor", "test", "dev-eui");
  counts[1] = counts[0] + 1;
  start = g_get_monotonic_time ();
  onb_journal_claim_async (other, onb_job_to_row (job), ONB_JOURNAL_CLAIM_DEFAULT, prov_store_result, &result);
  claimed = onb_journal_claim_finish (other, prov_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (prov_wait_until (count_at_least, counts, 1));
  g_test_message ("heard in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  /* A job is not a list: the batches need not be read again. */
  g_assert_cmpuint (lists[0], ==, 1);

  /* An import at the other station: the list is read again. */
  registry = onb_registry_open_for_config (there, FALSE, &error);
  g_assert_no_error (error);
  lists[1] = lists[0] + 1;
  onb_registry_import_data (registry, csv, strlen (csv), ONB_REGISTRY_IMPORT_NONE, &report, &error);
  g_assert_no_error (error);
  g_assert_true (prov_wait_until (count_at_least, lists, 1));

  onb_test_pg_restart (pg);
  alone[0] = watch;
  alone[1] = GINT_TO_POINTER (TRUE);
  g_assert_true (prov_wait_until (alone_is, alone, 10));
  counts[1] = counts[0] + 1;
  alone[1] = GINT_TO_POINTER (FALSE);
  g_assert_true (prov_wait_until (alone_is, alone, 10));
  g_assert_true (prov_wait_until (count_at_least, counts, 5));

  g_clear_object (&registry);
  g_clear_object (&other);
  onb_test_remove_tree (dir);
}

/* Without a shared store: one station, never alone, nothing to hear. */
static void
test_own_files (void)
{
  g_autoptr(OnbConfig) config = onb_config_new ();
  g_autoptr(OnbStoreWatch) watch = onb_store_watch_new (config);

  g_assert_cmpuint (onb_store_watch_get_n_stations (watch), ==, 1);
  g_assert_false (onb_store_watch_get_working_alone (watch));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store-watch/changed", test_changed);
  g_test_add_func ("/store-watch/own-files", test_own_files);
  return g_test_run ();
}
