/* bench-batches.c: the "Still to scan" view and its export at scale
 *
 *   bench-batches [DEVICES] [BATCHES]     (default 100000 in 100)
 *
 * Fills a registry with DEVICES devices imported as BATCHES batches and a
 * journal with a job for 70 % of them (60 % done, 10 % failed), then times
 * what the kiosk and the CLI do, median of 15 runs each:
 *   - open the view: the journal's states (one query), the batches with
 *     their counts (one query) and the newest batch's missing devices;
 *   - export: the states, the missing devices and their CSV, written.
 * Target: each under 100 ms. The journal rows are written with SQL to
 * the journal's own schema: filling it through the engine would take an
 * hour and measure something else.
 */

#include "config.h"

#include <time.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "onb-journal.h"
#include "onb-registry.h"

#define N_RUNS 15

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values)
{
  qsort (values, N_RUNS, sizeof (double), compare_doubles);
  return values[N_RUNS / 2];
}

/* Wall time is what the user waits; CPU time of this thread tells the
 * code's cost apart from a loaded machine's. */
typedef struct
{
  gint64 wall_us;
  gint64 cpu_us;
} Stamp;

static Stamp
stamp (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (Stamp) { g_get_monotonic_time (), ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000 };
}

static void
elapsed (Stamp   since,
         double *wall_ms,
         double *cpu_ms)
{
  Stamp now = stamp ();

  *wall_ms = (now.wall_us - since.wall_us) / 1e3;
  *cpu_ms = (now.cpu_us - since.cpu_us) / 1e3;
}

static void
fill_journal (const char *path,
              guint       n_devices)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 now = g_get_real_time ();

  g_assert (sqlite3_open (path, &db) == SQLITE_OK);
  g_assert (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
  g_assert (sqlite3_prepare_v2 (db, "INSERT INTO jobs (dev_eui, kind, state, join_eui, reason, message, "
                                    "created_us, updated_us) VALUES (?, 'provision', ?, '70B3D57ED0000010', "
                                    "?, ?, ?, ?)", -1, &stmt, NULL) == SQLITE_OK);
  for (guint i = 0; i < n_devices; i++)
    {
      char dev_eui[17];
      gboolean failed = i % 10 == 6;

      if (i % 10 > 6)
        continue;
      g_snprintf (dev_eui, sizeof dev_eui, "0018B2%010X", i + 1);
      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, dev_eui, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, failed ? "failed" : "done", -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, failed ? "euis-taken" : NULL, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, failed ? "The DevEUI is already registered in another application." : NULL, -1,
                         SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, now);
      sqlite3_bind_int64 (stmt, 6, now);
      g_assert (sqlite3_step (stmt) == SQLITE_DONE);
    }
  sqlite3_finalize (stmt);
  g_assert (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close (db);
}

/* What the kiosk's view and `missing` do: two queries. */
static void
open_view (OnbRegistry  *registry,
           OnbJournal   *journal,
           OnbBatch    **batch,
           GPtrArray   **missing)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbDeviceStates) states = NULL;
  g_autofree const char **dev_euis = NULL;

  *batch = onb_registry_get_batch (registry, 0, missing, &error);
  g_assert_no_error (error);
  dev_euis = onb_batch_devices_get_dev_euis (*missing);
  states = onb_journal_get_device_states (journal, dev_euis, &error);
  g_assert_no_error (error);
  onb_batch_apply_states (*batch, *missing, states);
}

int
main (int    argc,
      char **argv)
{
  guint n_devices = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  guint n_batches = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 100;
  guint per_batch = n_devices / MAX (n_batches, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("onb-bench-batches-XXXXXX", &error);
  g_autofree char *registry_path = g_build_filename (dir, "registry.sqlite", NULL);
  g_autofree char *journal_path = g_build_filename (dir, "journal.sqlite", NULL);
  g_autofree char *csv_path = g_build_filename (dir, "missing.csv", NULL);
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbJournal) journal = NULL;
  double open_ms[N_RUNS], export_ms[N_RUNS], states_ms[N_RUNS], batches_ms[N_RUNS];
  double open_cpu[N_RUNS], export_cpu[N_RUNS], states_cpu[N_RUNS], batches_cpu[N_RUNS];
  Stamp t;
  guint n_missing = 0;
  gint64 start;

  g_assert_no_error (error);
  registry = onb_registry_open (registry_path, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  for (guint b = 0; b < n_batches; b++)
    {
      g_autoptr(GString) csv = g_string_new ("Device EUI,Join EUI,Application Key,Device Name,Serial Number\n");

      for (guint i = b * per_batch; i < (b + 1) * per_batch; i++)
        g_string_append_printf (csv, "0018B2%010X,70B3D57ED0000010,2B7E151628AED2A6ABF7158809CF4F3C,"
                                "Sensor %u,SN-%08u\n", i + 1, i + 1, i + 1);
      onb_registry_import_data (registry, csv->str, csv->len, ONB_REGISTRY_IMPORT_NONE, NULL, &error);
      g_assert_no_error (error);
    }
  g_print ("imported %u devices in %u batches: %.1f s\n", n_devices, n_batches,
           (g_get_monotonic_time () - start) / 1e6);

  journal = onb_journal_open (journal_path, &error);
  g_assert_no_error (error);
  fill_journal (journal_path, n_devices);

  for (guint run = 0; run < N_RUNS; run++)
    {
      g_autoptr(OnbDeviceStates) all_states = NULL;
      g_autoptr(OnbBatch) batch = NULL;
      g_autoptr(GPtrArray) batches = NULL;
      g_autoptr(GPtrArray) missing = NULL;
      g_autoptr(GString) out = g_string_new (NULL);

      /* All batches with their counts: the chooser and `batches`. */
      t = stamp ();
      all_states = onb_journal_get_device_states (journal, NULL, &error);
      elapsed (t, &states_ms[run], &states_cpu[run]);
      t = stamp ();
      batches = onb_registry_list_batches (registry, all_states, &error);
      elapsed (t, &batches_ms[run], &batches_cpu[run]);
      g_assert_no_error (error);

      /* The view: the newest batch, its progress and its missing devices. */
      t = stamp ();
      open_view (registry, journal, &batch, &missing);
      elapsed (t, &open_ms[run], &open_cpu[run]);
      g_clear_pointer (&batch, onb_batch_free);
      g_clear_pointer (&missing, g_ptr_array_unref);

      t = stamp ();
      open_view (registry, journal, &batch, &missing);
      onb_missing_devices_to_csv (missing, out);
      g_file_set_contents (csv_path, out->str, out->len, &error);
      g_assert_no_error (error);
      elapsed (t, &export_ms[run], &export_cpu[run]);
      n_missing = missing->len;
      g_assert_cmpuint (batches->len, ==, n_batches);
    }

  g_print ("medians of %u runs, wall (CPU of the thread):\n", N_RUNS);
  g_print ("  all batches with their counts (`batches`, the chooser): journal states of %u jobs %.1f ms (%.1f), "
           "then %u devices in %u batches %.1f ms (%.1f)\n", n_devices / 10 * 7, median (states_ms),
           median (states_cpu), n_devices, n_batches, median (batches_ms), median (batches_cpu));
  g_print ("  open the view (the newest batch, its progress and its %u missing devices): %.1f ms (%.1f), "
           "target < 100 ms\n", n_missing, median (open_ms), median (open_cpu));
  g_print ("  export the missing list as CSV: %.1f ms (%.1f), target < 100 ms\n", median (export_ms),
           median (export_cpu));

  g_clear_object (&journal);
  g_clear_object (&registry);
  for (const char *const *name = (const char *const[]) { "registry.sqlite", "registry.sqlite-wal",
                                                           "registry.sqlite-shm", "journal.sqlite",
                                                           "journal.sqlite-wal", "journal.sqlite-shm",
                                                           "missing.csv", NULL }; *name; name++)
    {
      g_autofree char *file = g_build_filename (dir, *name, NULL);
      g_unlink (file);
    }
  g_rmdir (dir);
  return 0;
}
