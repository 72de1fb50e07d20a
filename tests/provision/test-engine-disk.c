/* test-engine-disk.c: the job engine when the station's own disk is
 * full: nothing is sent that could not be recorded, and scanning works
 * again by itself when there is room */

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "onb-engine-private.h"
#include "onb-error.h"
#include "onb-journal-private.h"
#include "prov-test.h"

static OnbTestSim *sim;

static char *
tr005 (guint n)
{
  return g_strdup_printf ("LW:D0:70B3D57ED0000010:0018B200%08X:000AF8BE", n);
}

/* What the clouds have been asked to create so far. */
static guint
creates (void)
{
  return onb_test_sim_get_count (sim, "tts.is.create") + onb_test_sim_get_count (sim, "blynk.device_create");
}

static void
reset_sim (void)
{
  g_autoptr(GError) error = NULL;
  gboolean succeeded = onb_test_sim_reset (sim, &error);

  g_assert_no_error (error);
  g_assert_true (succeeded);
}

static void
wait_finished (OnbEngine *engine,
               OnbJob    *job)
{
  g_assert_true (prov_wait_jobs (engine, &job, 1, 60));
}

/* Submits box @n; %NULL with @error when refused at once. */
static OnbJob *
submit (OnbEngine  *engine,
        guint       n,
        GError    **error)
{
  g_autofree char *code = tr005 (n);

  return onb_engine_submit_payload (engine, code, -1, "test", error);
}

static void
assert_refused (OnbEngine  *engine,
                guint       n,
                const char *reason)
{
  guint before = creates ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = submit (engine, n, &error);

  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  g_assert_null (job);
  g_assert_cmpstr (onb_error_get_reason (error), ==, reason);
  g_assert_nonnull (strstr (error->message, "nothing was sent"));
  g_assert_cmpuint (creates (), ==, before);
}

static void
assert_done (OnbEngine *engine,
             guint      n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = submit (engine, n, &error);

  g_assert_no_error (error);
  wait_finished (engine, job);
  g_assert_cmpstr (onb_job_state_to_string (onb_job_get_state (job)), ==, "done");
}

typedef struct
{
  OnbJob *job;
  OnbJournal *journal;
} Held;

/* The job finished, or its run holds on because the journal cannot
 * record. A job whose claim meets the full disk is not held: it ends
 * refused, so a fault alone does not answer while the job is queued. */
static gboolean
finished_or_held (gconstpointer data)
{
  const Held *held = data;

  return onb_job_is_finished (held->job) ||
         (onb_job_get_state (held->job) == ONB_JOB_STATE_RUNNING &&
          onb_journal_get_fault (held->journal, NULL));
}

/* Without privileges: the journal may not grow (SQLite's max_page_count).
 * Once a commit has failed for it, new scans are refused with disk-full
 * and reach no cloud; with room again, scanning works by itself. */
static void
test_journal_full (void)
{
  g_autofree char *csv = prov_generated_csv (40, 0x500, FALSE);
  g_autoptr(ProvStation) station = NULL;
  g_autoptr(OnbEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) held = NULL;
  guint n = 0x500;

  reset_sim ();
  station = prov_station_new (sim, csv, NULL);
  engine = prov_station_engine (station);
  assert_done (engine, n++);

  /* The disk fills either at a claim (the scan is refused) or at a commit
   * of a run under way, whose box then holds on: which one depends on how
   * the rows fall into pages. */
  onb_journal_set_max_pages (engine->host.journal, 1);
  while (error == NULL && held == NULL)
    {
      g_autoptr(OnbJob) job = submit (engine, n++, &error);

      g_assert_cmpuint (n, <, 0x500 + 40);
      if (job != NULL)
        {
          Held wait = { job, engine->host.journal };

          g_assert_true (prov_wait_until (finished_or_held, &wait, 60));
          if (!onb_job_is_finished (job))
            held = g_steal_pointer (&job);
          else if (onb_job_get_state (job) == ONB_JOB_STATE_FAILED)
            {
              /* Its claim met the full disk: refused, nothing sent. */
              g_assert_cmpstr (onb_job_get_reason (job), ==, "disk-full");
              g_set_error_literal (&error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DISK_FULL,
                                   onb_job_get_message (job));
            }
        }
    }
  if (error != NULL)
    {
      g_test_message ("box %u refused: %s", n - 1 - 0x500, error->message);
      g_assert_cmpstr (onb_error_get_reason (error), ==, "disk-full");
    }
  assert_refused (engine, n++, "disk-full");

  onb_journal_set_max_pages (engine->host.journal, 0);
  /* The failed commit is believed for a moment only: then one tries again. */
  g_usleep (2100 * G_USEC_PER_SEC / 1000);
  if (held != NULL)
    {
      wait_finished (engine, held);
      g_assert_cmpstr (onb_job_state_to_string (onb_job_get_state (held)), ==, "done");
    }
  assert_done (engine, n++);
  g_assert_true (prov_wait_jobs (engine, NULL, 0, 60));
}

/* ---- runs in flight when the journal stops recording -------------------------- */

/* Every job done, with one device in each cloud, and nothing deleted. (A
 * resumed run may send a create again: the cloud's "exists" makes it
 * adopt its own device.) */
static void
assert_done_once (GPtrArray *jobs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) state = onb_test_sim_get_state (sim, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < jobs->len; i++)
    {
      OnbJob *job = jobs->pdata[i];

      g_assert_cmpstr (onb_job_state_to_string (onb_job_get_state (job)), ==, "done");
      g_assert_cmpuint (prov_sim_blynk_count (state, onb_job_get_device_name (job)), ==, 1);
      g_assert_nonnull (prov_sim_tts_record (state, "is", ONB_TEST_SIM_TTS_APP_ID, onb_job_get_tts_device_id (job)));
    }
  g_assert_cmpint (onb_test_sim_get_count (sim, "blynk.device_delete"), ==, 0);
  g_assert_cmpint (onb_test_sim_get_count (sim, "tts.is.delete"), ==, 0);
}

typedef void (*DiskFunc) (gpointer data);

static gboolean
all_claimed (gconstpointer data)
{
  GPtrArray *jobs = (GPtrArray *) data;

  for (guint i = 0; i < jobs->len; i++)
    if (onb_job_get_id (jobs->pdata[i]) == 0 && !onb_job_is_finished (jobs->pdata[i]))
      return FALSE;
  return TRUE;
}

static gboolean
spin_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop @ms long; FALSE when @journal (if given) recorded a
 * commit meanwhile, its fault gone even for a moment. */
static gboolean
spin (guint       ms,
      OnbJournal *journal)
{
  gboolean over = FALSE;
  gboolean held = TRUE;

  g_timeout_add (ms, spin_timeout, &over);
  while (!over)
    {
      g_main_context_iteration (NULL, TRUE);
      held &= journal == NULL || onb_journal_get_fault (journal, NULL);
    }
  return held;
}

/* Six boxes are under way (every request answers after 200 ms) when the
 * disk fills (@fill). New scans are then refused or fail with disk-full,
 * and reach no cloud; the boxes under way hold on. When there is room again
 * (@empty), every box under way finishes by itself: no retry, each device
 * once in each cloud, nothing deleted, and the journal says done. */
static void
run_waves (ProvStation *station,
           OnbEngine   *engine,
           guint        first,
           DiskFunc     fill,
           DiskFunc     empty,
           gpointer     data)
{
  g_autoptr(GPtrArray) under_way = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(json_object) state = NULL;
  g_autoptr(GError) error = NULL;
  gboolean succeeded;
  gboolean held;
  guint before;
  guint n = first;

  succeeded = onb_test_sim_set_faults (sim, "{\"endpoints\":{\"*\":{\"latency_ms\":200}}}", &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  for (guint i = 0; i < 6; i++)
    g_ptr_array_add (under_way, submit (engine, n++, &error));
  g_assert_no_error (error);
  g_assert_true (prov_wait_until (all_claimed, under_way, 30));

  fill (data);
  /* New scans, until one is refused: some may still fit; a claim that
   * does not fails the new job with disk-full, and nothing is sent. */
  for (;;)
    {
      g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func (g_object_unref);
      OnbJob *job = submit (engine, n++, &error);

      g_assert_cmpuint (n, <, first + 30);
      if (job == NULL)
        break;
      g_ptr_array_add (one, g_object_ref (job));
      g_assert_true (prov_wait_until (all_claimed, one, 30));
      g_ptr_array_add (onb_job_get_id (job) == 0 ? refused : under_way, job);
    }
  g_test_message ("%u boxes under way, %u new ones failed their claim; then: %s", under_way->len, refused->len,
                  error->message);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "disk-full");
  g_clear_error (&error);
  for (guint i = 0; i < refused->len; i++)
    g_assert_cmpstr (onb_job_get_reason (refused->pdata[i]), ==, "disk-full");

  /* The disk stays full a while: once the requests under way are
   * answered (200 ms), nothing more is sent while no commit succeeds. (A
   * commit that still fits, such as a row rewritten in place, records
   * what follows it: then the window proves nothing and is only logged.) */
  spin (800, NULL);
  held = spin (200, engine->host.journal);
  before = creates ();
  held &= spin (2000, engine->host.journal);
  if (held)
    g_assert_cmpuint (creates (), ==, before);
  else
    g_test_message ("a commit fitted during the hold, and %u creates followed it", creates () - before);
  for (guint i = 0; i < under_way->len; i++)
    g_assert_cmpint (onb_job_get_state (under_way->pdata[i]), !=, ONB_JOB_STATE_FAILED);

  empty (data);
  g_assert_true (prov_wait_jobs (engine, NULL, 0, 60));

  assert_done_once (under_way);
  rows = onb_journal_list_jobs (engine->host.journal, NULL, -1, 0, &error);
  g_assert_no_error (error);
  /* A refused box has no row: its claim was never committed. */
  g_assert_cmpuint (rows->len, ==, 1 + under_way->len);
  assert_done_once (rows);
  state = onb_test_sim_get_state (sim, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < refused->len; i++)
    g_assert_cmpuint (prov_sim_blynk_count (state, onb_job_get_device_name (refused->pdata[i])), ==, 0);
}

static void
limit_pages (gpointer data)
{
  onb_journal_set_max_pages (data, 1);
}

static void
lift_pages (gpointer data)
{
  onb_journal_set_max_pages (data, 0);
}

/* Without privileges: SQLite's max_page_count fills the journal. */
static void
test_journal_full_under_way (void)
{
  g_autofree char *csv = prov_generated_csv (40, 0x700, FALSE);
  g_autoptr(ProvStation) station = NULL;
  g_autoptr(OnbEngine) engine = NULL;

  reset_sim ();
  station = prov_station_new (sim, csv, NULL);
  engine = prov_station_engine (station);
  assert_done (engine, 0x700);
  run_waves (station, engine, 0x701, limit_pages, lift_pages, engine->host.journal);
}

static gboolean
any_fault (gconstpointer data)
{
  return onb_journal_get_fault ((OnbJournal *) data, NULL);
}

/* Shut down while boxes hold on (as provision --timeout does): the engine
 * stops, and the next one, with room again, finishes them from what the
 * journal holds, each device once. */
static void
test_shutdown_while_full (void)
{
  g_autofree char *csv = prov_generated_csv (40, 0x900, FALSE);
  g_autoptr(ProvStation) station = NULL;
  g_autoptr(OnbEngine) engine = NULL;
  g_autoptr(OnbEngine) next = NULL;
  g_autoptr(GPtrArray) boxes = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GCancellable) abandon = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  gboolean succeeded;

  reset_sim ();
  station = prov_station_new (sim, csv, NULL);
  engine = prov_station_engine (station);
  assert_done (engine, 0x900);
  succeeded = onb_test_sim_set_faults (sim, "{\"endpoints\":{\"*\":{\"latency_ms\":200}}}", &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  for (guint n = 0x901; n < 0x901 + 20 && !onb_journal_get_fault (engine->host.journal, NULL); n++)
    {
      g_ptr_array_add (boxes, submit (engine, n, &error));
      g_assert_no_error (error);
      if (n == 0x904)
        onb_journal_set_max_pages (engine->host.journal, 1);
    }
  g_assert_true (prov_wait_until (any_fault, engine->host.journal, 30));
  spin (500, NULL);

  g_cancellable_cancel (abandon);
  onb_engine_shutdown_async (engine, abandon, prov_store_result, &result);
  /* The abandoning cancellable cancels the shutdown's task too. */
  succeeded = onb_engine_shutdown_finish (engine, prov_wait_result (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (succeeded);
  g_clear_error (&error);
  /* The result holds the engine, and the engine its journal, whose
   * claims live as long as it does. */
  g_clear_object (&result);
  g_clear_object (&engine);

  next = prov_station_engine (station);
  g_assert_true (prov_wait_jobs (next, NULL, 0, 60));
  rows = onb_journal_list_jobs (next->host.journal, NULL, -1, 0, &error);
  g_assert_no_error (error);
  assert_done_once (rows);
}

static gboolean
run_mount (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  return g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                       G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error) &&
         g_spawn_check_wait_status (status, NULL);
}

static void
unlink_file (gpointer path)
{
  g_unlink (path);
}

static void
fill_file (gpointer path)
{
  g_autofree char *block = g_malloc0 (4096);
  FILE *file = fopen (path, "w");

  g_assert_nonnull (file);
  setvbuf (file, NULL, _IONBF, 0);
  while (fwrite (block, 1, 4096, file) == 4096)
    ;
  fclose (file);
}

/* As root (as CI runs): a station whose data folder is a small tmpfs, with
 * one box done. */
typedef struct
{
  char *mount_point;
  char *filler;
  ProvStation *station;
  OnbEngine *engine;
} Tmpfs;

/* FALSE, after saying why, where it cannot mount. */
static gboolean
tmpfs_set_up (Tmpfs *t,
              guint  first)
{
  g_autofree char *csv = prov_generated_csv (40, first, FALSE);
  g_autofree char *data_dir = NULL;

  t->mount_point = g_dir_make_tmp ("onb-disk-XXXXXX", NULL);
  if (geteuid () != 0 ||
      !run_mount ((const char *[]) { "mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", t->mount_point, NULL }))
    {
      g_test_skip ("A small tmpfs for the data folder needs root and a working mount; the journal-full cases "
                   "cover the same without them");
      g_rmdir (t->mount_point);
      g_free (t->mount_point);
      return FALSE;
    }
  t->filler = g_build_filename (t->mount_point, "filler", NULL);
  data_dir = g_strconcat ("kiosk.data_dir=", t->mount_point, NULL);
  reset_sim ();
  t->station = prov_station_new (sim, csv, (const char *[]) { data_dir, NULL });
  t->engine = prov_station_engine (t->station);
  assert_done (t->engine, first);
  return TRUE;
}

static void
tmpfs_tear_down (Tmpfs *t)
{
  g_assert_true (prov_wait_jobs (t->engine, NULL, 0, 60));
  g_clear_object (&t->engine);
  g_assert_true (run_mount ((const char *[]) { "umount", t->mount_point, NULL }));
  g_rmdir (t->mount_point);
  g_clear_pointer (&t->station, prov_station_free);
  g_free (t->mount_point);
  g_free (t->filler);
}

/* A full tmpfs: new scans are refused with disk-full and sent nowhere;
 * once the filler is gone, scanning works again. */
static void
test_tmpfs (void)
{
  Tmpfs t = { 0 };

  if (!tmpfs_set_up (&t, 0x600))
    return;
  fill_file (t.filler);
  assert_refused (t.engine, 0x601, "disk-full");
  unlink_file (t.filler);
  assert_done (t.engine, 0x602);
  tmpfs_tear_down (&t);
}

/* The tmpfs fills up while boxes are under way. */
static void
test_tmpfs_under_way (void)
{
  Tmpfs t = { 0 };

  if (!tmpfs_set_up (&t, 0x800))
    return;
  run_waves (t.station, t.engine, 0x801, fill_file, unlink_file, t.filler);
  tmpfs_tear_down (&t);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  sim = onb_test_sim_start (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine-disk/journal-full", test_journal_full);
  g_test_add_func ("/engine-disk/tmpfs", test_tmpfs);
  g_test_add_func ("/engine-disk/journal-full-under-way", test_journal_full_under_way);
  g_test_add_func ("/engine-disk/tmpfs-under-way", test_tmpfs_under_way);
  g_test_add_func ("/engine-disk/shutdown-while-full", test_shutdown_while_full);

  status = g_test_run ();
  onb_test_sim_stop (sim);
  return status;
}
