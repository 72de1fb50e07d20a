/* test-fleet.c: several stations (onboarder-cli processes) on one
 * PostgreSQL store and one simulator: killed, paused, and the database
 * restarted under them, each box is still made once in each cloud */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "onb-error.h"
#include "onb-journal.h"
#include "onb-pg-device-store.h"
#include "onb-test-pg.h"
#include "prov-test.h"

/* The boxes of these tests: numbers FIRST … FIRST + N_BOXES - 1, every
 * second one with its static token. */
#define FIRST   0x700
#define N_BOXES 24

static OnbTestSim *sim;
/* The four stations' batch: N_BOXES in CI, else $ONB_FLEET_BOXES (the
 * benchmark's size, 400; bench/README.md). */
static guint four_boxes = N_BOXES;

typedef struct
{
  OnbTestPg *pg;
  ProvStation *stations[4];
  guint n_boxes;
  char *codes;       /* every box's label, one a line */
} Fleet;

static void
fleet_free (Fleet *fleet)
{
  for (guint i = 0; i < G_N_ELEMENTS (fleet->stations); i++)
    g_clear_pointer (&fleet->stations[i], prov_station_free);
  g_clear_pointer (&fleet->pg, onb_test_pg_stop);
  g_free (fleet->codes);
  g_free (fleet);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fleet, fleet_free)

static GSubprocess *
spawn (GSubprocessFlags    flags,
       const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, (gpointer) g_getenv ("ONBOARDER_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata, flags, &error);
  g_assert_no_error (error);
  return process;
}

/* Runs the CLI to its end: its exit status, and its output in @out. */
static int
run (char               **out,
     const char * const  *args)
{
  g_autoptr(GSubprocess) process = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, args);
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8 (process, NULL, NULL, out, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

/* @n_stations stations named station-1 … on a fresh database and
 * simulator, the list imported once (by the first), their claims held
 * for 5 s. */
static Fleet *
fleet_new_sized (guint       n_stations,
                 guint       n_boxes,
                 const char *faults)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = prov_generated_csv (n_boxes, FIRST, TRUE);
  g_autoptr(GString) codes = g_string_new (NULL);
  Fleet *fleet = g_new0 (Fleet, 1);
  gboolean ok;

  fleet->n_boxes = n_boxes;
  if (!(fleet->pg = onb_test_pg_start ()))
    {
      g_free (fleet);
      return NULL;
    }
  ok = onb_test_sim_reset (sim, &error) && onb_test_sim_set_faults (sim, faults, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  for (guint i = 0; i < n_stations; i++)
    {
      g_autofree char *url = g_strdup_printf ("store.url=%s", onb_test_pg_get_uri (fleet->pg));
      g_autofree char *name = g_strdup_printf ("store.station=station-%u", i + 1);
      const char *extra[] = { url, name, "store.lease_s=5", NULL };

      fleet->stations[i] = prov_station_new (sim, csv, extra);
    }
  g_assert_cmpint (run (NULL, (const char *[]) { "import", "--config", fleet->stations[0]->config,
                                                 fleet->stations[0]->csv, NULL }), ==, 0);

  for (guint i = 0; i < n_boxes; i++)
    {
      g_autofree char *token = i % 2 == 1 ? prov_static_token (FIRST + i) : NULL;

      if (token != NULL)
        g_string_append_printf (codes, "%s\n", token);
      else
        g_string_append_printf (codes, "LW:D0:70B3D57ED0000010:0018B200%08X:000AF8BE\n", FIRST + i);
    }
  fleet->codes = g_build_filename (fleet->stations[0]->dir, "codes.txt", NULL);
  g_assert_true (g_file_set_contents (fleet->codes, codes->str, -1, NULL));
  return fleet;
}

static Fleet *
fleet_new (guint       n_stations,
           const char *faults)
{
  return fleet_new_sized (n_stations, N_BOXES, faults);
}

/* `provision --stdin` of every box at station @i; the boxes in another
 * order at each station, so that they race for every one. */
static GSubprocess *
provision (Fleet *fleet,
           guint  i,
           guint  rotate)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) rotated = g_string_new (NULL);
  g_autofree char *path = g_strdup_printf ("%s.%u", fleet->codes, i);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GError) error = NULL;
  g_autofree char *timeout = g_strdup_printf ("%u", 60 + fleet->n_boxes / 2);
  GSubprocess *process;

  g_assert_true (g_file_get_contents (fleet->codes, &text, NULL, NULL));
  lines = g_strsplit (g_strstrip (text), "\n", -1);
  for (guint k = 0; k < fleet->n_boxes; k++)
    g_string_append_printf (rotated, "%s\n", lines[(k + rotate) % fleet->n_boxes]);
  g_assert_true (g_file_set_contents (path, rotated->str, -1, NULL));
  g_subprocess_launcher_set_stdin_file_path (launcher, path);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("ONBOARDER_CLI"), "provision", "--stdin",
                                         "--timeout", timeout, "--max-jobs", "4", "--retry-min-ms", "10",
                                         "--retry-max-ms", "200", "--config", fleet->stations[i]->config, NULL);
  g_assert_no_error (error);
  return process;
}

/* Every box once in each cloud, done in the shared journal. */
static void
assert_each_once (Fleet *fleet)
{
  g_autoptr(json_object) state = onb_test_sim_expect_state (sim);
  g_autoptr(OnbConfig) config = prov_station_load_config (fleet->stations[0]);
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;
  const char *components[] = { "is", "js", "ns", "as" };

  journal = onb_journal_open_for_config (config, TRUE, &error);
  g_assert_no_error (error);
  jobs = onb_journal_list_jobs (journal, NULL, -1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, fleet->n_boxes);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, fleet->n_boxes);
  for (guint c = 0; c < G_N_ELEMENTS (components); c++)
    g_assert_cmpuint (prov_sim_tts_total (state, components[c]), ==, fleet->n_boxes);
  for (guint i = 0; i < jobs->len; i++)
    {
      OnbJob *job = jobs->pdata[i];

      g_assert_cmpstr (onb_job_state_to_string (onb_job_get_state (job)), ==, "done");
      g_assert_cmpuint (prov_sim_blynk_count (state, onb_job_get_device_name (job)), ==, 1);
      for (guint c = 0; c < G_N_ELEMENTS (components); c++)
        g_assert_nonnull (prov_sim_tts_record (state, components[c], ONB_TEST_SIM_TTS_APP_ID,
                                               onb_job_get_tts_device_id (job)));
    }
}

/* Four stations on one list, each scanning every box, SIGKILLed at
 * random moments and started again until all have finished: every box
 * once in both clouds, and every station's Still to Scan agrees. */
static void
test_four_stations (void)
{
  g_autoptr(Fleet) fleet = fleet_new_sized (4, four_boxes, "{\"endpoints\":{\"*\":{\"latency_ms\":20}}}");
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  g_autofree char *first_missing = NULL;
  g_autofree char *stations = NULL;
  gboolean finished = FALSE;
  guint kills = 0;
  guint rounds = 0;
  guint64 done_here = 0;
  gint64 start_us = g_get_monotonic_time ();
  double seconds;

  if (fleet == NULL)
    return;
  for (guint round = 0; !finished; round++, rounds++)
    {
      GSubprocess *processes[4];

      g_assert_cmpuint (round, <, 8);
      for (guint i = 0; i < 4; i++)
        processes[i] = provision (fleet, i, i * four_boxes / 4 + round);
      /* The first rounds lose a station or two, at a random moment. */
      if (round < 2)
        {
          g_usleep (g_rand_int_range (rand, 50, 600 * four_boxes / N_BOXES) * 1000);
          for (guint k = g_rand_int_range (rand, 1, 3); k > 0; k--)
            {
              g_subprocess_send_signal (processes[g_rand_int_range (rand, 0, 4)], SIGKILL);
              kills++;
            }
        }
      finished = TRUE;
      for (guint i = 0; i < 4; i++)
        {
          g_autoptr(GError) error = NULL;

          g_subprocess_wait (processes[i], NULL, &error);
          g_assert_no_error (error);
          finished &= g_subprocess_get_if_exited (processes[i]) && g_subprocess_get_exit_status (processes[i]) == 0;
          g_object_unref (processes[i]);
        }
      g_test_message ("round %u: %s", round, finished ? "every station finished" : "again");
    }
  seconds = (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC;
  /* The benchmark's figures (bench/README.md). */
  g_test_message ("%u boxes, 4 stations, %u kills, %u rounds: %.1f s, %.1f boxes/s", four_boxes, kills, rounds,
                  seconds, four_boxes / seconds);
  assert_each_once (fleet);

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *missing = NULL;

      g_assert_cmpint (run (&missing, (const char *[]) { "missing", "--json", "--config", fleet->stations[i]->config,
                                                         NULL }), ==, 0);
      if (first_missing == NULL)
        first_missing = g_steal_pointer (&missing);
      else
        g_assert_cmpstr (missing, ==, first_missing);
    }
  g_assert_cmpstr (first_missing, ==, "");
  /* Each box counts at the station that finished it, once. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *station = g_strdup_printf ("station-%u", i + 1);
      g_autofree char *batches = NULL;
      g_autoptr(json_object) batch = NULL;

      g_assert_cmpint (run (&batches, (const char *[]) { "batches", "--json", "--station", station, "--config",
                                                         fleet->stations[0]->config, NULL }), ==, 0);
      batch = json_tokener_parse (batches);
      done_here += g_ascii_strtoull (prov_json_path (batch, "done"), NULL, 10);
    }
  g_assert_cmpuint (done_here, ==, four_boxes);
  g_assert_cmpint (run (&stations, (const char *[]) { "stations", "--json", "--config", fleet->stations[0]->config,
                                                      NULL }), ==, 0);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("\"station\":\"station-%u\"", i);

      g_assert_nonnull (strstr (stations, name));
    }
}

/* How many rows of the shared journal match @where. */
static guint
count_jobs (PGconn     *conn,
            const char *where)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM onb_jobs WHERE %s", where);
  PGresult *result = PQexec (conn, sql);
  guint count;

  g_assert_cmpstr (PQresultErrorMessage (result), ==, "");
  count = g_ascii_strtoull (PQgetvalue (result, 0, 0), NULL, 10);
  PQclear (result);
  return count;
}

static gboolean
claimed_by_first (Fleet *fleet)
{
  PGconn *conn = PQconnectdb (onb_test_pg_get_uri (fleet->pg));
  gboolean claimed = count_jobs (conn, "station = 'station-1'") == 1;

  PQfinish (conn);
  if (!claimed)
    g_usleep (50 * 1000);
  return claimed;
}

/* How many jobs station @i (station-<i + 1>) finished. */
static guint
done_at (Fleet *fleet,
         guint  i)
{
  g_autoptr(OnbConfig) config = prov_station_load_config (fleet->stations[i]);
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("station-%u", i + 1);

  journal = onb_journal_open_for_config (config, TRUE, &error);
  g_assert_no_error (error);
  jobs = onb_journal_list_station_jobs (journal, name, NULL, ONB_JOB_STATE_DONE, 0, &error);
  g_assert_no_error (error);
  return jobs->len;
}

/* A station paused (SIGSTOP) with its requests under way, past its
 * lease: another station takes the box over and finishes it; the paused
 * one, continued, commits nothing over it: it stops its run, follows the
 * job to its end there, and leaves with it done, well before its
 * --timeout. */
static void
test_paused_station (void)
{
  g_autoptr(Fleet) fleet = fleet_new (2, "{\"endpoints\":{\"*\":{\"latency_ms\":700}}}");
  g_autoptr(GSubprocess) paused = NULL;
  g_autoptr(GSubprocess) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(json_object) state = NULL;
  g_autofree char *said = NULL;
  gint64 continued_us;

  if (fleet == NULL)
    return;
  paused = spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                  (const char *[]) { "provision", "--timeout", "60", "--config", fleet->stations[0]->config,
                                     "0018B20000000700", NULL });
  /* Paused once its claim is committed, its first requests under way. */
  for (gint64 until = g_get_monotonic_time () + 20 * G_USEC_PER_SEC; !claimed_by_first (fleet);)
    g_assert_cmpint (g_get_monotonic_time (), <, until);
  g_usleep (300 * 1000);
  g_subprocess_send_signal (paused, SIGSTOP);
  g_usleep (6 * 1000 * 1000);

  other = spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                 (const char *[]) { "provision", "--timeout", "60", "--config", fleet->stations[1]->config,
                                    "0018B20000000700", NULL });
  g_subprocess_wait_check (other, NULL, &error);
  g_assert_no_error (error);

  continued_us = g_get_monotonic_time ();
  g_subprocess_send_signal (paused, SIGCONT);
  g_subprocess_communicate_utf8 (paused, NULL, NULL, NULL, &said, &error);
  g_assert_no_error (error);
  g_test_message ("the paused station said: %s", said);
  g_assert_nonnull (strstr (said, "Another station took job"));
  g_assert_cmpint (g_subprocess_get_exit_status (paused), ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - continued_us, <, 20 * G_USEC_PER_SEC);

  g_assert_cmpuint (done_at (fleet, 1), ==, 1);
  config = prov_station_load_config (fleet->stations[1]);
  journal = onb_journal_open_for_config (config, TRUE, &error);
  g_assert_no_error (error);
  jobs = onb_journal_list_jobs (journal, NULL, -1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 1);
  state = onb_test_sim_expect_state (sim);
  g_assert_cmpuint (prov_sim_blynk_total (state), ==, 1);
  g_assert_cmpuint (prov_sim_tts_total (state, "is"), ==, 1);
}

/* count_jobs() every 100 ms at most (it is asked at each turn of the
 * main loop). */
typedef struct
{
  PGconn *conn;
  const char *where;
  gint64 next_us;
  guint count;
} RowCount;

static gboolean
no_rows_left (gconstpointer data)
{
  RowCount *rows = (RowCount *) data;

  if (g_get_monotonic_time () < rows->next_us)
    return FALSE;
  rows->next_us = g_get_monotonic_time () + 100 * 1000;
  rows->count = count_jobs (rows->conn, rows->where);
  return rows->count == 0;
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* A station SIGKILLed with every box claimed: an engine of another
 * station, already running with nothing of its own to do, finds the jobs
 * once their lease (5 s) has run out and finishes them, each box once in
 * both clouds. */
static void
test_dead_station (void)
{
  g_autoptr(Fleet) fleet = fleet_new (2, "{\"endpoints\":{\"*\":{\"latency_ms\":100}}}");
  g_autoptr(OnbEngine) taker = NULL;
  g_autoptr(GSubprocess) dead = NULL;
  g_autoptr(GError) error = NULL;
  RowCount claimed = { .where = "station = 'station-1'" };
  RowCount unfinished = { .where = "state IN ('queued', 'running', 'waiting')" };
  gint64 killed_us;
  guint waker;

  if (fleet == NULL)
    return;
  taker = prov_station_engine (fleet->stations[1]);
  dead = provision (fleet, 0, 0);
  claimed.conn = unfinished.conn = PQconnectdb (onb_test_pg_get_uri (fleet->pg));
  waker = g_timeout_add (100, wake, NULL);
  /* Killed once every box has its row, before it could finish them all. */
  for (gint64 until = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
       no_rows_left (&claimed) || claimed.count < N_BOXES; g_usleep (20 * 1000))
    g_assert_cmpint (g_get_monotonic_time (), <, until);
  g_subprocess_send_signal (dead, SIGKILL);
  g_subprocess_wait (dead, NULL, &error);
  g_assert_no_error (error);
  killed_us = g_get_monotonic_time ();
  g_assert_false (no_rows_left (&unfinished));
  g_test_message ("%u boxes left unfinished", unfinished.count);

  g_assert_true (prov_wait_until (no_rows_left, &unfinished, 2 * 5 + 20));
  g_test_message ("taken over and finished %.1f s after the kill",
                  (g_get_monotonic_time () - killed_us) / (double) G_USEC_PER_SEC);
  g_source_remove (waker);
  PQfinish (claimed.conn);
  g_assert_true (prov_wait_jobs (taker, NULL, 0, 30));
  assert_each_once (fleet);
  g_assert_cmpuint (done_at (fleet, 1), >, 0);
}

/* The database restarted while two stations work: they wait for it and
 * finish, each box once. */
static void
test_database_restart (void)
{
  g_autoptr(Fleet) fleet = fleet_new (2, "{\"endpoints\":{\"*\":{\"latency_ms\":150}}}");
  GSubprocess *processes[2];

  if (fleet == NULL)
    return;
  for (guint i = 0; i < 2; i++)
    processes[i] = provision (fleet, i, i * N_BOXES / 2);
  g_usleep (1500 * 1000);
  onb_test_pg_restart (fleet->pg);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;

      g_subprocess_wait_check (processes[i], NULL, &error);
      g_assert_no_error (error);
      g_object_unref (processes[i]);
    }
  assert_each_once (fleet);
}

/* An import while another holds the shared list (its transaction under
 * way at any station) is refused with words, and stores nothing. */
static void
test_overlapping_imports (void)
{
  g_autoptr(Fleet) fleet = fleet_new (1, "{}");
  g_autofree char *out = NULL;
  g_autoptr(json_object) answer = NULL;
  PGconn *conn;
  PGresult *result;

  if (fleet == NULL)
    return;
  conn = PQconnectdb (onb_test_pg_get_uri (fleet->pg));
  PQclear (PQexec (conn, "BEGIN; SELECT pg_advisory_xact_lock (" G_STRINGIFY (ONB_PG_DEVICE_STORE_IMPORT_LOCK) ")"));
  g_assert_cmpint (run (&out, (const char *[]) { "import", "--json", "--replace", "--config",
                                                 fleet->stations[0]->config, fleet->stations[0]->csv, NULL }), ==, 1);
  answer = json_tokener_parse (out);
  g_assert_cmpstr (prov_json_path (answer, "reason"), ==, "import-busy");
  g_assert_nonnull (strstr (prov_json_path (answer, "message"), "Import this list again"));
  PQclear (PQexec (conn, "COMMIT"));
  result = PQexec (conn, "SELECT count(*) FROM onb_batches");
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "1");
  PQclear (result);
  PQfinish (conn);
}

static void
run_sql (Fleet      *fleet,
         const char *sql)
{
  PGconn *conn = PQconnectdb (onb_test_pg_get_uri (fleet->pg));
  PGresult *result = PQexec (conn, sql);

  g_assert_cmpstr (PQresultErrorMessage (result), ==, "");
  PQclear (result);
  PQfinish (conn);
}

/* `store migrate` with a station role: fine when the tables are up to
 * date, refused with words when they are older (the owner role updates
 * them) or newer than this Onboarder knows. */
static void
test_store_migrate (void)
{
  g_autoptr(Fleet) fleet = fleet_new (1, "{}");
  g_autoptr(ProvStation) station = NULL;
  g_autofree char *url = NULL;
  g_autofree char *out = NULL;
  g_autoptr(json_object) answer = NULL;
  const char *extra[2] = { NULL };

  if (fleet == NULL)
    return;
  run_sql (fleet, "CREATE ROLE station LOGIN;"
                  "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO station;"
                  "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO station");
  url = g_strdup_printf ("store.url=postgresql:///" ONB_TEST_PG_DATABASE "?host=%s&port=%u&user=station",
                         onb_test_pg_get_host (fleet->pg), onb_test_pg_get_port (fleet->pg));
  extra[0] = url;
  station = prov_station_new (sim, "Device EUI,Join EUI,Application Key\n", extra);
  g_assert_cmpint (run (NULL, (const char *[]) { "store", "migrate", "--config", station->config, NULL }), ==, 0);

  run_sql (fleet, "DROP TABLE onb_conflicts, onb_steps, onb_jobs, onb_claimants; UPDATE onb_schema SET version = 2");
  g_assert_cmpint (run (&out, (const char *[]) { "store", "migrate", "--json", "--config", station->config, NULL }),
                   ==, 1);
  answer = json_tokener_parse (out);
  g_assert_cmpstr (prov_json_path (answer, "reason"), ==, "schema-too-old");
  g_assert_nonnull (strstr (prov_json_path (answer, "message"), "store migrate"));
  g_clear_pointer (&answer, json_object_put);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (&out, (const char *[]) { "store", "migrate", "--config", fleet->stations[0]->config, NULL }),
                   ==, 0);
  g_assert_nonnull (strstr (out, "up to date"));
  g_clear_pointer (&out, g_free);

  run_sql (fleet, "UPDATE onb_schema SET version = version + 1");
  g_assert_cmpint (run (&out, (const char *[]) { "store", "migrate", "--json", "--config", station->config, NULL }),
                   ==, 1);
  answer = json_tokener_parse (out);
  g_assert_cmpstr (prov_json_path (answer, "reason"), ==, "schema-too-new");
}

/* A proxy between one station and the database (pg-proxy.py), which the
 * test cuts by killing it and restores by starting it again, or stalls
 * (a network that swallows packets) and lets forward again. */
typedef struct
{
  char *dir;
  char *target_dir;
  guint port;
  GSubprocess *process;
  GDataInputStream *out;
} PgProxy;

static void
pg_proxy_start (PgProxy *proxy)
{
  g_autofree char *port = g_strdup_printf ("%u", proxy->port);
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;

  /* Its stdin: it leaves when the test does. */
  proxy->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, g_getenv ("ONB_PYTHON_FOR_TESTS"),
                                     g_getenv ("ONB_PG_PROXY"), proxy->dir, proxy->target_dir, port, NULL);
  g_assert_no_error (error);
  proxy->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proxy->process));
  line = g_data_input_stream_read_line (proxy->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "listening");
}

/* "stall" or "forward", once the proxy has done it. */
static void
pg_proxy_say (PgProxy    *proxy,
              const char *command)
{
  g_autofree char *line = g_strdup_printf ("%s\n", command);
  g_autofree char *answer = NULL;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (proxy->process), line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  answer = g_data_input_stream_read_line (proxy->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer, ==, "ok");
}

/* Every connection through the proxy drops; new ones are refused. */
static void
pg_proxy_cut (PgProxy *proxy)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_force_exit (proxy->process);
  g_subprocess_wait (proxy->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&proxy->process);
  g_clear_object (&proxy->out);
}

/* A proxy to @fleet's database, started: its `store.url=` setting. */
static char *
pg_proxy_open (PgProxy *proxy,
               Fleet   *fleet)
{
  g_autoptr(GError) error = NULL;

  proxy->dir = g_dir_make_tmp ("onb-pg-proxy-XXXXXX", &error);
  g_assert_no_error (error);
  proxy->target_dir = g_strdup (onb_test_pg_get_host (fleet->pg));
  proxy->port = onb_test_pg_get_port (fleet->pg);
  pg_proxy_start (proxy);
  return g_strdup_printf ("store.url=postgresql:///" ONB_TEST_PG_DATABASE "?host=%s&port=%u&user=" ONB_TEST_PG_USER,
                          proxy->dir, proxy->port);
}

static void
pg_proxy_close (PgProxy *proxy)
{
  g_autofree char *socket_path = g_strdup_printf ("%s/.s.PGSQL.%u", proxy->dir, proxy->port);

  if (proxy->process != NULL)
    pg_proxy_cut (proxy);
  g_unlink (socket_path);
  g_rmdir (proxy->dir);
  g_clear_pointer (&proxy->dir, g_free);
  g_clear_pointer (&proxy->target_dir, g_free);
}

/* Station "station-alone", whose way to @fleet's database is @proxy
 * (started): every box's label in @codes, its outbox's path in
 * @outbox_path. */
static ProvStation *
alone_station_new (Fleet     *fleet,
                   PgProxy   *proxy,
                   GStrv     *codes,
                   char     **outbox_path)
{
  g_autofree char *csv = prov_generated_csv (fleet->n_boxes, FIRST, TRUE);
  g_autofree char *codes_text = NULL;
  g_autofree char *url = pg_proxy_open (proxy, fleet);
  g_autoptr(OnbConfig) config = NULL;
  g_autofree char *data_dir = NULL;
  ProvStation *station;

  g_assert_true (g_file_get_contents (fleet->codes, &codes_text, NULL, NULL));
  *codes = g_strsplit (g_strstrip (codes_text), "\n", -1);
  station = prov_station_new (sim, csv, (const char *[]) { url, "store.station=station-alone", "store.lease_s=5", NULL });
  config = prov_station_load_config (station);
  data_dir = onb_config_get_data_dir (config);
  *outbox_path = onb_journal_outbox_path (data_dir);
  return station;
}

static gboolean
outbox_empty (gconstpointer data)
{
  g_autoptr(OnbJournal) outbox = onb_journal_open_read_only (data, NULL);
  g_autoptr(GPtrArray) jobs = outbox != NULL ? onb_journal_list_jobs (outbox, NULL, -1, 0, NULL) : NULL;

  if (jobs == NULL || jobs->len > 0)
    g_usleep (100 * 1000);
  return jobs != NULL && jobs->len == 0;
}

/* A station cut off from the database while it scans keeps scanning and
 * provisioning: its jobs wait in its outbox, its device list is its copy.
 * Meanwhile another station does some of the same boxes online. Once the
 * database is back the outbox is handed over and empties: every box once
 * in each cloud and once in the shared journal, done. Cut off either as
 * a refused connection, or (@data TRUE) as a network that swallows
 * packets, which the station must notice by its own deadlines. */
static void
test_offline_station (gconstpointer data)
{
  gboolean stall = GPOINTER_TO_INT (data);
  g_autoptr(Fleet) fleet = fleet_new (2, "{\"endpoints\":{\"*\":{\"latency_ms\":20}}}");
  g_auto(GStrv) codes = NULL;
  g_autofree char *online_codes = NULL;
  g_autofree char *outbox_path = NULL;
  g_autofree char *jobs_json = NULL;
  g_autoptr(GString) online = g_string_new (NULL);
  g_autoptr(ProvStation) alone = NULL;
  g_autoptr(OnbEngine) engine = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) other = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  OnbJob *jobs[N_BOXES] = { NULL, };
  PgProxy proxy = { 0, };
  guint cut_s = MAX (6, g_ascii_strtoull (g_getenv ("ONB_FLEET_CUT_S") ? g_getenv ("ONB_FLEET_CUT_S") : "6", NULL, 10));
  gint64 cut_us;
  gint64 back_us;
  PGconn *conn;

  if (fleet == NULL)
    return;
  alone = alone_station_new (fleet, &proxy, &codes, &outbox_path);
  engine = prov_station_engine (alone);

  /* Online first: these go straight to the shared journal. */
  for (guint i = 0; i < 4; i++)
    {
      jobs[i] = onb_engine_submit_payload (engine, codes[i], -1, "test", &error);
      g_assert_no_error (error);
    }
  g_assert_true (prov_wait_jobs (engine, jobs, 4, 30));

  /* Cut off: the scans are taken all the same. */
  if (stall)
    pg_proxy_say (&proxy, "stall");
  else
    pg_proxy_cut (&proxy);
  cut_us = g_get_monotonic_time ();
  for (guint i = 4; i < 20; i++)
    {
      jobs[i] = onb_engine_submit_payload (engine, codes[i], -1, "test", &error);
      g_assert_no_error (error);
      g_assert_nonnull (jobs[i]);
    }
  g_test_message ("16 scans taken %.1f s after the cut",
                  (g_get_monotonic_time () - cut_us) / (double) G_USEC_PER_SEC);
  /* The other station, online, does four of them too, and the last four. */
  for (guint i = 16; i < N_BOXES; i++)
    g_string_append_printf (online, "%s\n", codes[i]);
  online_codes = g_build_filename (fleet->stations[1]->dir, "online.txt", NULL);
  g_assert_true (g_file_set_contents (online_codes, online->str, -1, NULL));
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stdin_file_path (launcher, online_codes);
  other = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("ONBOARDER_CLI"), "provision", "--stdin",
                                       "--timeout", "60", "--config", fleet->stations[1]->config, NULL);
  g_assert_no_error (error);
  g_assert_true (prov_wait_jobs (engine, jobs, 20, 60));
  g_test_message ("their jobs done %.1f s after the cut",
                  (g_get_monotonic_time () - cut_us) / (double) G_USEC_PER_SEC);
  for (guint i = 0; i < 20; i++)
    g_assert_cmpstr (onb_job_state_to_string (onb_job_get_state (jobs[i])), ==, "done");
  g_assert_false (outbox_empty (outbox_path));
  g_subprocess_wait_check (other, NULL, &error);
  g_assert_no_error (error);
  /* Cut for longer than the lease (the 30 s with
   * $ONB_FLEET_CUT_S=30). */
  while (g_get_monotonic_time () - cut_us < cut_s * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, FALSE), g_usleep (50 * 1000);
  conn = PQconnectdb (onb_test_pg_get_uri (fleet->pg));
  g_assert_cmpuint (count_jobs (conn, "station = 'station-alone'"), ==, 4);
  g_test_message ("cut off for %.1f s", (g_get_monotonic_time () - cut_us) / (double) G_USEC_PER_SEC);

  /* Back: the outbox is handed over within a renewal of the lease. */
  if (stall)
    pg_proxy_say (&proxy, "forward");
  else
    pg_proxy_start (&proxy);
  back_us = g_get_monotonic_time ();
  g_assert_true (prov_wait_until (outbox_empty, outbox_path, 20));
  g_test_message ("outbox handed over %.1f s after the database came back",
                  (g_get_monotonic_time () - back_us) / (double) G_USEC_PER_SEC);
  /* The four boxes done at both stations keep the online station's job;
   * the outbox's twelve others are the offline station's now. */
  g_assert_cmpuint (count_jobs (conn, "station = 'station-alone'"), ==, 4 + 12);
  g_assert_cmpuint (count_jobs (conn, "station = 'station-2'"), ==, 8);
  g_assert_cmpuint (count_jobs (conn, "true"), ==, N_BOXES);
  PQfinish (conn);
  assert_each_once (fleet);
  /* Seen from the other station. */
  g_assert_cmpint (run (&jobs_json, (const char *[]) { "jobs", "--json", "--config", fleet->stations[1]->config,
                                                       NULL }), ==, 0);
  /* One object a line, one line per box. */
  lines = g_strsplit (g_strstrip (jobs_json), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, N_BOXES);
  for (guint i = 0; i < N_BOXES; i++)
    {
      g_autoptr(json_object) job = json_tokener_parse (lines[i]);

      g_assert_cmpstr (prov_json_path (job, "state"), ==, "done");
    }

  g_clear_object (&engine);
  pg_proxy_close (&proxy);
}

/* A station that starts while the database is out of reach starts alone,
 * on its outbox and its copy of the device list; without a copy yet it
 * refuses, with words. Once the database answers, its jobs are handed
 * over: each box once in each cloud and in the shared journal. */
static void
test_start_alone (void)
{
  g_autoptr(Fleet) fleet = fleet_new_sized (1, 6, "{\"endpoints\":{\"*\":{\"latency_ms\":20}}}");
  g_autofree char *outbox_path = NULL;
  g_auto(GStrv) codes = NULL;
  g_autoptr(ProvStation) alone = NULL;
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  OnbJob *jobs[6] = { NULL, };
  PgProxy proxy = { 0, };
  PGconn *conn;

  if (fleet == NULL)
    return;
  alone = alone_station_new (fleet, &proxy, &codes, &outbox_path);

  config = prov_station_load_config (alone);

  /* Never connected: no copy of the list, so no start. */
  pg_proxy_cut (&proxy);
  registry = onb_registry_open_for_config (config, FALSE, &error);
  g_assert_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_DATABASE);
  g_assert_nonnull (strstr (error->message, "no copy of the device list"));
  g_assert_null (registry);
  g_clear_error (&error);

  /* Once connected, it has its copy. */
  pg_proxy_start (&proxy);
  registry = onb_registry_open_for_config (config, FALSE, &error);
  g_assert_no_error (error);
  g_clear_object (&registry);

  /* Started while the database is out of reach: alone. */
  pg_proxy_cut (&proxy);
  engine = prov_station_engine (alone);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      jobs[i] = onb_engine_submit_payload (engine, codes[i], -1, "test", &error);
      g_assert_no_error (error);
      g_assert_nonnull (jobs[i]);
    }
  g_assert_true (prov_wait_jobs (engine, jobs, G_N_ELEMENTS (jobs), 60));
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    g_assert_cmpstr (onb_job_state_to_string (onb_job_get_state (jobs[i])), ==, "done");
  g_assert_false (outbox_empty (outbox_path));

  pg_proxy_start (&proxy);
  g_assert_true (prov_wait_until (outbox_empty, outbox_path, 20));
  conn = PQconnectdb (onb_test_pg_get_uri (fleet->pg));
  g_assert_cmpuint (count_jobs (conn, "station = 'station-alone'"), ==, G_N_ELEMENTS (jobs));
  PQfinish (conn);
  assert_each_once (fleet);

  g_clear_object (&engine);
  pg_proxy_close (&proxy);
}

/* `check` at one station names the last time Blynk made a TTS device
 * that another station meant to make: the shared journal keeps it. */
static void
test_check_conflicts (void)
{
  g_autoptr(Fleet) fleet = fleet_new (2, "{}");
  g_autofree char *out = NULL;
  g_autofree char *sql = NULL;

  if (fleet == NULL)
    return;
  g_assert_cmpint (run (&out, (const char *[]) { "check", "--json", "--config", fleet->stations[1]->config, NULL }),
                   ==, 0);
  g_assert_null (strstr (out, "blynk-creates-too"));
  g_clear_pointer (&out, g_free);

  sql = g_strdup_printf ("INSERT INTO onb_conflicts (at_us, dev_eui, device_id, station) "
                         "VALUES (%" G_GINT64_FORMAT ", '0018B20000000700', 'eui-0018b20000000700', 'station-1')",
                         g_get_real_time ());
  run_sql (fleet, sql);
  run (&out, (const char *[]) { "check", "--json", "--config", fleet->stations[1]->config, NULL });
  g_assert_nonnull (strstr (out, "\"reason\":\"blynk-creates-too\""));
  g_assert_nonnull (strstr (out, "0018B20000000700"));
}

/* Without a shared store: `stations` names this station alone, and
 * `store migrate` says there is nothing to migrate. */
static void
test_own_files (void)
{
  g_autofree char *csv = prov_generated_csv (2, FIRST, FALSE);
  const char *extra[] = { "store.station=dock-9", NULL };
  g_autoptr(ProvStation) station = prov_station_new (sim, csv, extra);
  g_autofree char *out = NULL;
  g_autoptr(json_object) answer = NULL;

  g_assert_cmpint (run (&out, (const char *[]) { "stations", "--json", "--config", station->config, NULL }), ==, 0);
  answer = json_tokener_parse (out);
  g_assert_cmpstr (prov_json_path (answer, "station"), ==, "dock-9");
  g_assert_cmpstr (prov_json_path (answer, "done_last_hour"), ==, "0");
  g_assert_cmpint (run (NULL, (const char *[]) { "store", "migrate", "--config", station->config, NULL }), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("ONB_FLEET_BOXES") != NULL)
    four_boxes = MAX (N_BOXES, g_ascii_strtoull (g_getenv ("ONB_FLEET_BOXES"), NULL, 10));
  tokens = prov_static_tokens_config (FIRST, four_boxes);
  sim = onb_test_sim_start (tokens, &error);
  g_assert_no_error (error);

  g_test_add_func ("/fleet/four-stations", test_four_stations);
  g_test_add_func ("/fleet/paused-station", test_paused_station);
  g_test_add_func ("/fleet/dead-station", test_dead_station);
  g_test_add_func ("/fleet/database-restart", test_database_restart);
  g_test_add_func ("/fleet/overlapping-imports", test_overlapping_imports);
  g_test_add_data_func ("/fleet/offline-station", GINT_TO_POINTER (FALSE), test_offline_station);
  g_test_add_data_func ("/fleet/stalled-network", GINT_TO_POINTER (TRUE), test_offline_station);
  g_test_add_func ("/fleet/start-alone", test_start_alone);
  g_test_add_func ("/fleet/store-migrate", test_store_migrate);
  g_test_add_func ("/fleet/check-conflicts", test_check_conflicts);
  g_test_add_func ("/fleet/own-files", test_own_files);

  status = g_test_run ();
  onb_test_sim_stop (sim);
  return status;
}
