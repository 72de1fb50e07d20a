/* bench-fleet.c: several stations on one PostgreSQL store
 *
 * For 1, 2, 4, 8 and 16 stations (onboarder-cli processes, max_jobs 1,
 * each with its share of one list, as stations split a pallet) against
 * the simulator at L = 100 ms, on a private PostgreSQL 15 (no fsync: its
 * folder is thrown away): jobs per second from the first spawn to the
 * last exit; the time from a station's done (the job's finished time) to
 * this process's view of it (LISTEN/NOTIFY, then a re-read), median and
 * p95; the statements the stations' database role ran per job
 * (pg_stat_statements, the first job of each process included).
 *
 *   _build/bench/fleet/bench-fleet [BOXES_PER_STATION]
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <libpq-fe.h>

#include "onb-pg.h"
#include "onb-registry.h"
#include "onb-store-watch.h"
#include "onb-test-pg.h"
#include "onb-test-sim.h"

typedef struct
{
  PGconn *conn;
  GHashTable *seen;      /* DevEUI of every job seen done */
  GArray *latencies_ms;  /* double */
  guint running;
  guint n_changed;
} View;

/* A re-read, as a kiosk's views do: every job done since, and how long
 * ago it was finished. */
static void
changed_cb (OnbStoreWatch *watch,
            View          *view)
{
  gint64 now = g_get_real_time ();
  PGresult *result = PQexec (view->conn, "SELECT dev_eui, finished_us FROM onb_jobs WHERE state = 'done'");

  view->n_changed++;
  for (int r = 0; r < PQntuples (result); r++)
    {
      const char *dev_eui = PQgetvalue (result, r, 0);

      if (!g_hash_table_contains (view->seen, dev_eui))
        {
          double ms = (now - g_ascii_strtoll (PQgetvalue (result, r, 1), NULL, 10)) / 1000.0;

          g_hash_table_add (view->seen, g_strdup (dev_eui));
          g_array_append_val (view->latencies_ms, ms);
        }
    }
  PQclear (result);
}

static void
exited_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  View *view = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  if (!g_subprocess_get_if_exited (G_SUBPROCESS (object)) || g_subprocess_get_exit_status (G_SUBPROCESS (object)) != 0)
    g_printerr ("a station did not finish its boxes\n");
  view->running--;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  p)
{
  if (values->len == 0)
    return 0;
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

static void
run_sql (PGconn     *conn,
         const char *sql)
{
  PGresult *result = PQexec (conn, sql);

  if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  PQclear (result);
}

static void
write_config (const char *path,
              OnbTestSim *sim,
              const char *url,
              const char *station,
              const char *data_dir)
{
  g_autoptr(GKeyFile) kf = onb_test_sim_new_key_file (sim);
  g_autoptr(GError) error = NULL;

  g_key_file_set_string (kf, "kiosk", "data_dir", data_dir);
  g_key_file_set_string (kf, "store", "url", url);
  g_key_file_set_string (kf, "store", "station", station);
  if (!g_key_file_save_to_file (kf, path, &error))
    g_error ("%s", error->message);
}

static void
bench (OnbTestSim *sim,
       guint       n_stations,
       guint       per_station)
{
  g_autoptr(OnbTestPg) pg = onb_test_pg_start ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("onb-bench-fleet-XXXXXX", &error);
  g_autofree char *station_url = NULL;
  g_autofree char *owner_config_path = g_build_filename (dir, "owner.conf", NULL);
  g_autoptr(GString) csv = g_string_new ("Device EUI,Join EUI,Application Key,Device Name\n");
  g_autoptr(OnbConfig) owner = NULL;
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbStoreWatch) watch = NULL;
  g_autoptr(GPtrArray) processes = g_ptr_array_new_with_free_func (g_object_unref);
  View view = { 0 };
  PGresult *result;
  gint64 start, wall;
  guint n_jobs = n_stations * per_station;
  double statements;

  g_assert_nonnull (pg);
  if (!onb_test_sim_reset (sim, &error) ||
      !onb_test_sim_set_faults (sim, "{\"endpoints\":{\"*\":{\"latency_ms\":100}}}", &error))
    g_error ("%s", error->message);

  /* The owner makes the tables and imports the list; the stations work
   * as the station role. */
  write_config (owner_config_path, sim, onb_test_pg_get_uri (pg), "owner", dir);
  owner = onb_config_load (owner_config_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n_jobs; i++)
    g_string_append_printf (csv, "0018B2%010X,70B3D57ED0000010,%08X%08X%08X%08X,Fleet sensor %u\n", 0x900000u + i,
                            g_random_int (), g_random_int (), i, 0xF1EE7u, i);
  registry = onb_registry_open_for_config (owner, FALSE, &error);
  g_assert_no_error (error);
  if (!onb_registry_import_data (registry, csv->str, csv->len, 0, NULL, &error))
    g_error ("%s", error->message);
  view.conn = PQconnectdb (onb_test_pg_get_uri (pg));
  run_sql (view.conn, "CREATE EXTENSION pg_stat_statements; CREATE ROLE station LOGIN;"
                      "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO station;"
                      "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO station");
  station_url = g_strdup_printf ("postgresql:///" ONB_TEST_PG_DATABASE "?host=%s&port=%u&user=station",
                                 onb_test_pg_get_host (pg), onb_test_pg_get_port (pg));

  view.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  view.latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
  watch = onb_store_watch_new (owner);
  g_signal_connect (watch, "changed", G_CALLBACK (changed_cb), &view);
  /* Listening before the first station starts. */
  while (view.n_changed == 0)
    g_main_context_iteration (NULL, TRUE);
  run_sql (view.conn, "SELECT pg_stat_statements_reset ()");

  start = g_get_monotonic_time ();
  for (guint s = 0; s < n_stations; s++)
    {
      g_autofree char *name = g_strdup_printf ("station-%u", s + 1);
      g_autofree char *data_dir = g_build_filename (dir, name, NULL);
      g_autofree char *config = g_strdup_printf ("%s/%s.conf", dir, name);
      g_autofree char *codes_path = g_strdup_printf ("%s/%s.codes", dir, name);
      g_autoptr(GString) codes = g_string_new (NULL);
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
      GSubprocess *process;

      write_config (config, sim, station_url, name, data_dir);
      for (guint i = 0; i < per_station; i++)
        g_string_append_printf (codes, "LW:D0:70B3D57ED0000010:0018B2%010X:000AF8BE\n",
                                0x900000u + s * per_station + i);
      g_file_set_contents (codes_path, codes->str, -1, NULL);
      g_subprocess_launcher_set_stdin_file_path (launcher, codes_path);
      process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("ONBOARDER_CLI"), "provision", "--stdin",
                                             "--max-jobs", "1", "--timeout", "600", "--config", config, NULL);
      g_assert_no_error (error);
      view.running++;
      g_subprocess_wait_async (process, NULL, exited_cb, &view);
      g_ptr_array_add (processes, process);
    }
  while (view.running > 0 || g_hash_table_size (view.seen) < n_jobs)
    {
      g_main_context_iteration (NULL, TRUE);
      if (view.running == 0 && g_get_monotonic_time () - start > 900 * G_USEC_PER_SEC)
        break;
    }
  wall = g_get_monotonic_time () - start;

  result = PQexec (view.conn, "SELECT coalesce (sum (calls), 0) FROM pg_stat_statements "
                              "WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = 'station')");
  statements = g_ascii_strtod (PQgetvalue (result, 0, 0), NULL) / n_jobs;
  PQclear (result);
  g_array_sort (view.latencies_ms, compare_doubles);
  printf ("%2u stations: %3u jobs in %6.2f s = %6.2f jobs/s (%5.2f per station); done → view median %5.1f ms, "
          "p95 %5.1f ms (%u seen); %.1f statements per job\n",
          n_stations, n_jobs, wall / 1e6, n_jobs / (wall / 1e6), n_jobs / (wall / 1e6) / n_stations,
          percentile (view.latencies_ms, 0.5), percentile (view.latencies_ms, 0.95), view.latencies_ms->len,
          statements);
  fflush (stdout);

  g_clear_object (&watch);
  PQfinish (view.conn);
  g_hash_table_unref (view.seen);
  g_array_unref (view.latencies_ms);
}

int
main (int    argc,
      char **argv)
{
  const guint counts[] = { 1, 2, 4, 8, 16 };
  guint per_station = argc > 1 ? strtoul (argv[1], NULL, 10) : 12;
  g_autoptr(GError) error = NULL;
  OnbTestSim *sim;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("ONBOARDER_CLI") == NULL)
    g_error ("Set ONBOARDER_CLI to the onboarder-cli to run (meson's benchmark does).");
  sim = onb_test_sim_start (NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    bench (sim, counts[i], per_station);
  onb_test_sim_stop (sim);
  return 0;
}
