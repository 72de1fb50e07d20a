/* test-journal.c: the job journal on its own: claims and who owns them,
 * commits that survive a crash, and the file's mode */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "onb-error.h"
#include "onb-job-private.h"
#include "onb-journal-private.h"
#include "onb-test-files.h"
#include "onb-test-pg.h"
#include "prov-test.h"

/* The station's own file, or (pg set) the shared PostgreSQL journal,
 * each journal opened as another station. */
typedef struct
{
  char *dir;
  char *path;
  OnbTestPg *pg;
  guint n_stations;
  guint lease_s;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("onb-journal-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "journal.sqlite", NULL);
  f->lease_s = 30;
  if (GPOINTER_TO_INT (data))
    f->pg = onb_test_pg_start ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* The journal's file, and with a shared store the outbox. */
  onb_test_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_clear_pointer (&f->pg, onb_test_pg_stop);
}

static OnbJournal *open_journal_in (Fixture    *f,
                                    const char *data_dir);

static OnbJournal *
open_journal (Fixture *f)
{
  return open_journal_in (f, f->dir);
}

/* With a shared store, @data_dir holds its outbox. */
static OnbJournal *
open_journal_in (Fixture    *f,
                 const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbConfig) config = onb_config_new ();
  g_autofree char *station = g_strdup_printf ("station-%u", ++f->n_stations);
  g_autofree char *lease = g_strdup_printf ("%u", f->lease_s);
  OnbJournal *journal;

  if (f->pg == NULL)
    journal = onb_journal_open (f->path, &error);
  else
    {
      /* The outbox beside the test's own file. */
      onb_config_set_string (config, "kiosk", "data_dir", data_dir);
      onb_config_set_string (config, "store", "url", onb_test_pg_get_uri (f->pg));
      onb_config_set_string (config, "store", "station", station);
      onb_config_set_string (config, "store", "lease_s", lease);
      journal = onb_journal_open_for_config (config, FALSE, &error);
    }
  g_assert_no_error (error);
  return journal;
}

/* Runs @sql on the shared database as its superuser. */
static void
run_sql (Fixture    *f,
         const char *sql)
{
  PGconn *conn = PQconnectdb (onb_test_pg_get_uri (f->pg));
  PGresult *result = PQexec (conn, sql);

  g_assert_cmpstr (PQresultErrorMessage (result), ==, "");
  PQclear (result);
  PQfinish (conn);
}

static OnbJobRow *
new_row (const char *dev_eui)
{
  g_autoptr(OnbJob) job = onb_job_new_provision (dev_eui, "70B3D57ED0000010", "Journal sensor", "test", "dev-eui");

  return onb_job_to_row (job);
}

static OnbJournalClaim
claim (OnbJournal           *journal,
       OnbJobRow            *row,
       OnbJournalClaimFlags  flags,
       gint64               *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJournalClaimResult) answer = NULL;

  onb_journal_claim_async (journal, row, flags, prov_store_result, &result);
  answer = onb_journal_claim_finish (journal, prov_wait_result (&result), &error);
  g_assert_no_error (error);
  if (id != NULL)
    *id = answer->row->id;
  return answer->claim;
}

static void
save (OnbJournal *journal,
      OnbJobRow  *row,
      gboolean    release)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean saved;

  if (release)
    onb_journal_release_async (journal, row, prov_store_result, &result);
  else
    onb_journal_save_async (journal, row, prov_store_result, &result);
  saved = onb_journal_save_finish (journal, prov_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (saved);
}

/* How many unfinished rows @journal may claim; it claims them unless
 * @find_only. */
static guint
unfinished (OnbJournal *journal,
            gboolean    find_only)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  if (find_only)
    onb_journal_find_unclaimed_async (journal, prov_store_result, &result);
  else
    onb_journal_claim_unfinished_async (journal, prov_store_result, &result);
  rows = find_only ? onb_journal_find_unclaimed_finish (journal, prov_wait_result (&result), &error)
                   : onb_journal_claim_unfinished_finish (journal, prov_wait_result (&result), &error);
  g_assert_no_error (error);
  return rows->len;
}

static guint
claim_unfinished (OnbJournal *journal)
{
  return unfinished (journal, FALSE);
}

static OnbJobRow *
stored_row (OnbJournal *journal,
            gint64      id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = onb_journal_get_job (journal, id, &error);

  g_assert_no_error (error);
  return onb_job_to_row (job);
}

/* The device model's key is kept with the job, so a resumed run finds
 * its model. */
static void
test_model_name (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(OnbJournal) journal = open_journal (f);
  g_autoptr(OnbJob) job = onb_job_new_provision ("0018B20000000301", "70B3D57ED0000010", "Journal sensor", "test",
                                                 "tr005");
  g_autoptr(OnbJobRow) stored = NULL;
  gint64 id = 0;

  onb_job_set_model_key (job, "000AF8BE");
  g_assert_cmpint (claim (journal, onb_job_to_row (job), 0, &id), ==, ONB_JOURNAL_CLAIM_NEW);
  g_clear_object (&journal);

  journal = open_journal (f);
  stored = stored_row (journal, id);
  g_assert_cmpstr (stored->model_key, ==, "000AF8BE");
}

/* Two engines of one process (a settings reload) each have a journal: a
 * row claimed by one is foreign to the other until it is released or its
 * journal closed. */
static void
test_claims_per_journal (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(OnbJournal) first = open_journal (f);
  g_autoptr(OnbJournal) second = open_journal (f);
  gint64 id_a = 0, id_b = 0, id = 0;

  g_assert_cmpint (claim (first, new_row ("0018B20000000A01"), ONB_JOURNAL_CLAIM_DEFAULT, &id_a), ==,
                   ONB_JOURNAL_CLAIM_NEW);
  g_assert_cmpint (claim (first, new_row ("0018B20000000A02"), ONB_JOURNAL_CLAIM_DEFAULT, &id_b), ==,
                   ONB_JOURNAL_CLAIM_NEW);
  /* Its own claim again: still its job. */
  g_assert_cmpint (claim (first, new_row ("0018B20000000A01"), ONB_JOURNAL_CLAIM_DEFAULT, &id), ==,
                   ONB_JOURNAL_CLAIM_RESUMED);
  g_assert_cmpint (id, ==, id_a);

  g_assert_cmpint (claim (second, new_row ("0018B20000000A01"), ONB_JOURNAL_CLAIM_DEFAULT, NULL), ==,
                   ONB_JOURNAL_CLAIM_FOREIGN);
  g_assert_cmpuint (claim_unfinished (second), ==, 0);

  /* Released (a shutdown): free for the other. */
  save (first, stored_row (first, id_a), TRUE);
  g_assert_cmpint (claim (second, new_row ("0018B20000000A01"), ONB_JOURNAL_CLAIM_DEFAULT, &id), ==,
                   ONB_JOURNAL_CLAIM_RESUMED);
  g_assert_cmpint (id, ==, id_a);
  g_assert_cmpint (claim (first, new_row ("0018B20000000A01"), ONB_JOURNAL_CLAIM_DEFAULT, NULL), ==,
                   ONB_JOURNAL_CLAIM_FOREIGN);

  /* Closed without releasing: its claims are free again. */
  g_clear_object (&first);
  g_assert_cmpuint (claim_unfinished (second), ==, 2);
  g_assert_cmpint (id_b, >, 0);
}

/* Done jobs are never claimed again; failed ones only when asked, and then
 * as a fresh start that keeps what a refused undo left behind. */
static void
test_claim_finished (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(OnbJournal) journal = open_journal (f);
  g_autoptr(OnbJobRow) failed = NULL;
  g_autoptr(OnbJobRow) again = NULL;
  gint64 id = 0;

  g_assert_cmpint (claim (journal, new_row ("0018B20000000B01"), ONB_JOURNAL_CLAIM_DEFAULT, &id), ==,
                   ONB_JOURNAL_CLAIM_NEW);
  failed = stored_row (journal, id);
  failed->state = ONB_JOB_STATE_FAILED;
  failed->reason = g_strdup (ONB_JOB_REASON_ROLLBACK_INCOMPLETE);
  failed->steps[ONB_JOB_STEP_TTS_IS].state = ONB_STEP_STATE_DONE;
  failed->steps[ONB_JOB_STEP_TTS_IS].owned = TRUE;
  failed->steps[ONB_JOB_STEP_TTS_IS].remote_id = g_strdup ("eui-0018b20000000b01");
  failed->steps[ONB_JOB_STEP_TTS_JS].state = ONB_STEP_STATE_DONE;
  failed->steps[ONB_JOB_STEP_TTS_JS].owned = TRUE;
  failed->steps[ONB_JOB_STEP_BLYNK_DEVICE].state = ONB_STEP_STATE_ROLLED_BACK;
  failed->steps[ONB_JOB_STEP_BLYNK_METAFIELDS].state = ONB_STEP_STATE_FAILED;
  save (journal, g_steal_pointer (&failed), FALSE);

  g_assert_cmpint (claim (journal, new_row ("0018B20000000B01"), ONB_JOURNAL_CLAIM_DEFAULT, NULL), ==,
                   ONB_JOURNAL_CLAIM_ALREADY_DONE);
  g_assert_cmpint (claim (journal, new_row ("0018B20000000B01"), ONB_JOURNAL_CLAIM_REQUEUE_FAILED, NULL), ==,
                   ONB_JOURNAL_CLAIM_RESUMED);
  again = stored_row (journal, id);
  g_assert_cmpint (again->state, ==, ONB_JOB_STATE_QUEUED);
  g_assert_null (again->reason);
  /* The TTS device still there is kept; everything else starts over. */
  g_assert_cmpint (again->steps[ONB_JOB_STEP_TTS_IS].state, ==, ONB_STEP_STATE_DONE);
  g_assert_true (again->steps[ONB_JOB_STEP_TTS_IS].owned);
  g_assert_cmpint (again->steps[ONB_JOB_STEP_TTS_JS].state, ==, ONB_STEP_STATE_PENDING);
  g_assert_cmpint (again->steps[ONB_JOB_STEP_BLYNK_DEVICE].state, ==, ONB_STEP_STATE_PENDING);
  g_assert_cmpint (again->steps[ONB_JOB_STEP_BLYNK_METAFIELDS].state, ==, ONB_STEP_STATE_PENDING);
}

/* A process that claims and commits, then dies without closing anything:
 * every committed change is there, and its claim is free. */
static void
test_crash_safe_commits (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(OnbJobRow) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJob) job = NULL;

  if (g_test_subprocess ())
    {
      OnbJournal *doomed;
      OnbJobRow *running;
      gint64 id = 0;

      /* The parent's journal, not this fixture's. */
      g_rmdir (f->dir);
      g_free (f->path);
      f->path = g_strdup (g_getenv ("ONB_TEST_JOURNAL"));
      doomed = open_journal (f);

      claim (doomed, new_row ("0018B20000000C01"), ONB_JOURNAL_CLAIM_DEFAULT, &id);
      running = stored_row (doomed, id);
      running->state = ONB_JOB_STATE_RUNNING;
      running->steps[ONB_JOB_STEP_TTS_IS].state = ONB_STEP_STATE_DONE;
      running->steps[ONB_JOB_STEP_TTS_IS].owned = TRUE;
      running->steps[ONB_JOB_STEP_BLYNK_DEVICE].state = ONB_STEP_STATE_RUNNING;
      save (doomed, running, FALSE);
      /* No close, no checkpoint: as SIGKILL would leave it. */
      _exit (0);
    }
  g_setenv ("ONB_TEST_JOURNAL", f->path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();

  journal = open_journal (f);
  job = onb_journal_get_job (journal, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (onb_job_get_state (job), ==, ONB_JOB_STATE_RUNNING);
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_IS), ==, ONB_STEP_STATE_DONE);
  g_assert_cmpint (onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_DEVICE), ==, ONB_STEP_STATE_RUNNING);
  /* The dead process's claim is free: the job is resumed here. */
  g_assert_cmpuint (claim_unfinished (journal), ==, 1);
  g_assert_cmpint (claim (journal, new_row ("0018B20000000C01"), ONB_JOURNAL_CLAIM_DEFAULT, NULL), ==,
                   ONB_JOURNAL_CLAIM_RESUMED);
}

static void
assert_private (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

/* The journal names every device of the station: 0600 whatever the
 * umask, also for SQLite's side files, and for a file made earlier. */
static void
test_mode_0600 (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(OnbJournal) journal = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);
  mode_t old_umask = umask (022);

  journal = open_journal (f);
  claim (journal, new_row ("0018B20000000D01"), ONB_JOURNAL_CLAIM_DEFAULT, NULL);
  assert_private (f->path);
  assert_private (wal);
  assert_private (shm);
  g_clear_object (&journal);

  g_assert_cmpint (g_chmod (f->path, 0644), ==, 0);
  journal = open_journal (f);
  assert_private (f->path);
  umask (old_umask);
}

/* A journal that cannot grow (SQLite's max_page_count, as a full disk):
 * the failing commit says disk-full with the folder, can_record() says so
 * at once, and both recover when there is room again. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(OnbJournal) journal = open_journal (f);
  g_autoptr(GError) error = NULL;
  gboolean can;
  guint n = 0;

  can = onb_journal_can_record (journal, &error);
  g_assert_no_error (error);
  g_assert_true (can);

  onb_journal_set_max_pages (journal, 1);
  while (error == NULL)
    {
      g_autofree char *dev_eui = g_strdup_printf ("0018B200%08X", n++);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(OnbJournalClaimResult) answer = NULL;

      g_assert_cmpuint (n, <, 10000);
      onb_journal_claim_async (journal, new_row (dev_eui), ONB_JOURNAL_CLAIM_DEFAULT, prov_store_result, &result);
      answer = onb_journal_claim_finish (journal, prov_wait_result (&result), &error);
    }
  g_test_message ("%u rows, then: %s", n - 1, error->message);
  g_assert_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DISK_FULL);
  g_assert_nonnull (strstr (error->message, f->dir));
  g_assert_nonnull (strstr (error->message, "disk is full"));
  g_clear_error (&error);

  can = onb_journal_can_record (journal, &error);
  g_assert_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DISK_FULL);
  g_assert_false (can);
  g_clear_error (&error);

  /* Room again: the next commit succeeds and clears the fault. */
  onb_journal_set_max_pages (journal, 0);
  g_assert_cmpint (claim (journal, new_row ("0018B200FFFFFFFF"), ONB_JOURNAL_CLAIM_DEFAULT, NULL), ==,
                   ONB_JOURNAL_CLAIM_NEW);
  can = onb_journal_can_record (journal, &error);
  g_assert_no_error (error);
  g_assert_true (can);
}

/* Not root (root may write anyway): a folder of mode 0555. */
static void
test_read_only_folder (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(OnbJournal) journal = open_journal (f);
  g_autoptr(GError) error = NULL;
  gboolean can;

  if (geteuid () == 0)
    {
      g_test_skip ("root writes into a folder of mode 0555; test-cli-files uses a read-only mount");
      return;
    }
  g_assert_cmpint (g_chmod (f->dir, 0555), ==, 0);
  can = onb_journal_can_record (journal, &error);
  g_chmod (f->dir, 0700);
  g_assert_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_DATA_READ_ONLY);
  g_assert_false (can);
  g_assert_nonnull (strstr (error->message, f->dir));
}

static gboolean
save_fails (OnbJournal  *journal,
            OnbJobRow   *row,
            GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  onb_journal_save_async (journal, row, prov_store_result, &result);
  return !onb_journal_save_finish (journal, prov_wait_result (&result), error);
}

/* A station paused past its lease (its lease ends, as a pause lets it):
 * another takes the job over with a new fencing token, and the paused
 * station's next commit is refused instead of landing over the new
 * owner's. */
static void
test_fencing (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(OnbJournal) paused = NULL;
  g_autoptr(OnbJournal) other = NULL;
  g_autoptr(OnbJobRow) late = NULL;
  g_autoptr(OnbJobRow) taken = NULL;
  g_autoptr(OnbJobRow) stored = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  if (f->pg == NULL)
    return;
  paused = open_journal (f);
  other = open_journal (f);
  g_assert_cmpint (claim (paused, new_row ("0018B20000000E01"), ONB_JOURNAL_CLAIM_DEFAULT, &id), ==,
                   ONB_JOURNAL_CLAIM_NEW);
  late = stored_row (paused, id);
  g_assert_cmpint (claim (other, new_row ("0018B20000000E01"), ONB_JOURNAL_CLAIM_DEFAULT, NULL), ==,
                   ONB_JOURNAL_CLAIM_FOREIGN);

  run_sql (f, "UPDATE onb_claimants SET lease_until = now () WHERE station = 'station-1'");
  g_assert_cmpint (claim (other, new_row ("0018B20000000E01"), ONB_JOURNAL_CLAIM_DEFAULT, NULL), ==,
                   ONB_JOURNAL_CLAIM_RESUMED);
  taken = stored_row (other, id);
  taken->state = ONB_JOB_STATE_RUNNING;
  taken->attempts = 2;
  save (other, g_steal_pointer (&taken), FALSE);

  late->state = ONB_JOB_STATE_FAILED;
  late->reason = g_strdup ("from-the-paused-station");
  g_assert_true (save_fails (paused, g_steal_pointer (&late), &error));
  g_assert_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_CLAIM_LOST);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "claim-lost");
  g_assert_false (onb_journal_error_is_fault (error));

  stored = stored_row (paused, id);
  g_assert_cmpint (stored->state, ==, ONB_JOB_STATE_RUNNING);
  g_assert_cmpuint (stored->attempts, ==, 2);
  g_assert_null (stored->reason);
}

/* A live station renews its lease: its claims hold past the lease's
 * length; once it ends (a dead station), another station finds them
 * (the sweep), which moves no fence, and takes them. */
static void
test_lease (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(OnbJournal) live = NULL;
  g_autoptr(OnbJournal) other = NULL;
  gint64 until;
  gint64 id = 0;

  if (f->pg == NULL)
    return;
  f->lease_s = 5;
  live = open_journal (f);
  other = open_journal (f);
  g_assert_cmpint (claim (live, new_row ("0018B20000000F01"), ONB_JOURNAL_CLAIM_DEFAULT, &id), ==,
                   ONB_JOURNAL_CLAIM_NEW);
  until = g_get_monotonic_time () + 7 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    g_usleep (G_USEC_PER_SEC / 2);
  g_assert_cmpint (claim (other, new_row ("0018B20000000F01"), ONB_JOURNAL_CLAIM_DEFAULT, NULL), ==,
                   ONB_JOURNAL_CLAIM_FOREIGN);
  g_assert_cmpuint (claim_unfinished (other), ==, 0);
  g_assert_cmpuint (unfinished (other, TRUE), ==, 0);

  run_sql (f, "UPDATE onb_claimants SET lease_until = now () WHERE station = 'station-1'");
  g_assert_cmpuint (unfinished (other, TRUE), ==, 1);
  /* The fence is the one live claimed with: its write lands. */
  save (live, stored_row (live, id), FALSE);
  run_sql (f, "UPDATE onb_claimants SET lease_until = now () WHERE station = 'station-1'");
  g_assert_cmpuint (claim_unfinished (other), ==, 1);
}

/* A restarted server costs a station nothing: its next commit connects
 * again, and its claim still holds. */
static void
test_server_restart (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(OnbJournal) other = NULL;
  g_autoptr(OnbJobRow) row = NULL;
  gint64 id = 0;

  if (f->pg == NULL)
    return;
  journal = open_journal (f);
  other = open_journal (f);
  claim (journal, new_row ("0018B20000001001"), ONB_JOURNAL_CLAIM_DEFAULT, &id);
  onb_test_pg_restart (f->pg);

  row = stored_row (journal, id);
  row->state = ONB_JOB_STATE_DONE;
  save (journal, g_steal_pointer (&row), FALSE);
  g_assert_cmpint (claim (other, new_row ("0018B20000001001"), ONB_JOURNAL_CLAIM_DEFAULT, NULL), ==,
                   ONB_JOURNAL_CLAIM_ALREADY_DONE);
}

/* Every station's jobs in one list, or one station's; the batch progress
 * counts every station's. */
static void
test_stations (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(OnbJournal) first = NULL;
  g_autoptr(OnbJournal) second = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(OnbDeviceStates) states = NULL;
  g_autoptr(GError) error = NULL;
  const char *wanted[] = { "0018B20000001101", "0018B20000001102", NULL };

  if (f->pg == NULL)
    return;
  first = open_journal (f);
  second = open_journal (f);
  claim (first, new_row ("0018B20000001101"), ONB_JOURNAL_CLAIM_DEFAULT, NULL);
  claim (second, new_row ("0018B20000001102"), ONB_JOURNAL_CLAIM_DEFAULT, NULL);
  claim (second, new_row ("0018B20000001103"), ONB_JOURNAL_CLAIM_DEFAULT, NULL);

  all = onb_journal_list_jobs (first, NULL, -1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  mine = onb_journal_list_station_jobs (first, "station-2", NULL, -1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mine->len, ==, 2);
  g_assert_cmpstr (onb_job_get_dev_eui (mine->pdata[0]), ==, "0018B20000001103");

  states = onb_journal_get_device_states (second, wanted, &error);
  g_assert_no_error (error);
  g_assert_nonnull (onb_device_states_lookup (states, "0018B20000001101"));
  g_assert_nonnull (onb_device_states_lookup (states, "0018B20000001102"));
  g_assert_null (onb_device_states_lookup (states, "0018B20000001103"));
}

/* A finished row of @dev_eui in @journal, in @state, with @message. */
static void
add_finished (OnbJournal  *journal,
              const char  *dev_eui,
              OnbJobState  state,
              const char  *message)
{
  g_autoptr(OnbJobRow) row = new_row (dev_eui);
  gint64 id = 0;

  g_assert_cmpint (claim (journal, new_row (dev_eui), 0, &id), ==, ONB_JOURNAL_CLAIM_NEW);
  row->id = id;
  row->state = state;
  row->message = g_strdup (message);
  row->finished_us = g_get_real_time ();
  save (journal, g_steal_pointer (&row), TRUE);
}

/* Whether the outbox at @path comes to hold @n jobs within 10 s (the
 * writer thread hands it over; nothing here waits on the main loop). */
static gboolean
outbox_comes_to (const char *path,
                 guint       n)
{
  for (gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; g_get_monotonic_time () < until;
       g_usleep (50 * 1000))
    {
      g_autoptr(OnbJournal) outbox = onb_journal_open_read_only (path, NULL);
      g_autoptr(GPtrArray) jobs = outbox != NULL ? onb_journal_list_jobs (outbox, NULL, -1, 0, NULL) : NULL;

      if (jobs != NULL && jobs->len == n)
        return TRUE;
    }
  return FALSE;
}

static OnbJobState
shared_state (OnbJournal  *journal,
              const char  *dev_eui,
              char       **message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbJobRow) row = onb_journal_lookup_dev_eui (journal, dev_eui, &error);

  g_assert_no_error (error);
  g_assert_nonnull (row);
  if (message != NULL)
    *message = g_strdup (row->message);
  return row->state;
}

/* The hand-over of an outbox to the shared store (docs/design.md, The
 * outbox): the box's row there decides, one job per box. */
static void
test_hand_over (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *other_dir = g_build_filename (f->dir, "other", NULL);
  g_autofree char *outbox_path = onb_journal_outbox_path (f->dir);
  g_autoptr(OnbJournal) other = NULL;
  g_autoptr(OnbJournal) outbox = NULL;
  g_autoptr(OnbJournal) here = NULL;
  g_autoptr(OnbJobRow) under_way = NULL;
  g_autofree char *message = NULL;
  gint64 id = 0;

  if (f->pg == NULL)
    return;
  f->lease_s = 6;
  /* What another station recorded meanwhile. */
  other = open_journal_in (f, other_dir);
  add_finished (other, "0018B20000000B02", ONB_JOB_STATE_FAILED, "failed there");
  add_finished (other, "0018B20000000B03", ONB_JOB_STATE_DONE, "done there");
  add_finished (other, "0018B20000000B05", ONB_JOB_STATE_FAILED, "failed there");
  g_assert_cmpint (claim (other, new_row ("0018B20000000B04"), 0, &id), ==, ONB_JOURNAL_CLAIM_NEW);
  /* What this station did alone. */
  outbox = onb_journal_open (outbox_path, NULL);
  add_finished (outbox, "0018B20000000B01", ONB_JOB_STATE_DONE, "done here");
  add_finished (outbox, "0018B20000000B02", ONB_JOB_STATE_DONE, "done here");
  add_finished (outbox, "0018B20000000B03", ONB_JOB_STATE_FAILED, "failed here");
  add_finished (outbox, "0018B20000000B04", ONB_JOB_STATE_DONE, "done here");
  add_finished (outbox, "0018B20000000B05", ONB_JOB_STATE_FAILED, "failed here");
  /* Scanned before the station stopped, not finished. */
  g_assert_cmpint (claim (outbox, new_row ("0018B20000000B06"), 0, NULL), ==, ONB_JOURNAL_CLAIM_NEW);
  g_clear_object (&outbox);

  /* The station starts with the database there: all but the job still
   * under way at the other station, and its own unfinished one, leave the
   * outbox; that one runs here again (the other station's is foreign). */
  here = open_journal (f);
  g_assert_true (outbox_comes_to (outbox_path, 2));
  g_assert_cmpuint (claim_unfinished (here), ==, 1);
  g_assert_cmpint (shared_state (here, "0018B20000000B01", &message), ==, ONB_JOB_STATE_DONE);
  g_assert_cmpstr (message, ==, "done here");
  g_clear_pointer (&message, g_free);
  g_assert_cmpint (shared_state (here, "0018B20000000B02", &message), ==, ONB_JOB_STATE_DONE);
  g_assert_cmpstr (message, ==, "done here");
  g_clear_pointer (&message, g_free);
  g_assert_cmpint (shared_state (here, "0018B20000000B03", &message), ==, ONB_JOB_STATE_DONE);
  g_assert_cmpstr (message, ==, "done there");
  g_clear_pointer (&message, g_free);
  g_assert_cmpint (shared_state (here, "0018B20000000B04", NULL), ==, ONB_JOB_STATE_QUEUED);
  g_assert_cmpint (shared_state (here, "0018B20000000B05", &message), ==, ONB_JOB_STATE_FAILED);
  g_assert_cmpstr (message, ==, "failed there");
  g_clear_pointer (&message, g_free);

  /* Once the other station finished its own, at the next renewal. */
  under_way = stored_row (other, id);
  under_way->state = ONB_JOB_STATE_DONE;
  under_way->finished_us = g_get_real_time ();
  save (other, g_steal_pointer (&under_way), TRUE);
  g_assert_true (outbox_comes_to (outbox_path, 1));
  g_assert_cmpint (shared_state (here, "0018B20000000B04", NULL), ==, ONB_JOB_STATE_DONE);

  /* This station's own claim whose answer was lost with the network: the
   * shared row is held by this station's lease and no run of it, and the
   * box was done in the outbox. The done row takes the shared one over. */
  g_assert_cmpint (claim (here, new_row ("0018B20000000B07"), 0, NULL), ==, ONB_JOURNAL_CLAIM_NEW);
  outbox = onb_journal_open (outbox_path, NULL);
  add_finished (outbox, "0018B20000000B07", ONB_JOB_STATE_DONE, "done here");
  g_clear_object (&outbox);
  g_assert_true (outbox_comes_to (outbox_path, 1));
  g_assert_cmpint (shared_state (here, "0018B20000000B07", &message), ==, ONB_JOB_STATE_DONE);
  g_assert_cmpstr (message, ==, "done here");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/journal/model-name", test_model_name);
  ADD ("/journal/claims-per-journal", test_claims_per_journal);
  ADD ("/journal/claim-finished", test_claim_finished);
  ADD ("/journal/crash-safe-commits", test_crash_safe_commits);
  ADD ("/journal/mode-0600", test_mode_0600);
  ADD ("/journal/disk-full", test_disk_full);
  ADD ("/journal/read-only-folder", test_read_only_folder);
#undef ADD
#define ADD_PG(path, func) g_test_add (path, Fixture, GINT_TO_POINTER (TRUE), fixture_set_up, func, fixture_tear_down)
  ADD_PG ("/journal/pg/claims-per-journal", test_claims_per_journal);
  ADD_PG ("/journal/pg/claim-finished", test_claim_finished);
  ADD_PG ("/journal/pg/fencing", test_fencing);
  ADD_PG ("/journal/pg/lease", test_lease);
  ADD_PG ("/journal/pg/server-restart", test_server_restart);
  ADD_PG ("/journal/pg/stations", test_stations);
  ADD_PG ("/journal/pg/hand-over", test_hand_over);
#undef ADD_PG

  return g_test_run ();
}
