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
  guint n = 0x500;

  reset_sim ();
  station = prov_station_new (sim, csv, NULL);
  engine = prov_station_engine (station);
  assert_done (engine, n++);

  onb_journal_set_max_pages (engine->host.journal, 1);
  while (error == NULL)
    {
      g_autoptr(OnbJob) job = submit (engine, n++, &error);

      g_assert_cmpuint (n, <, 0x500 + 40);
      if (job != NULL)
        wait_finished (engine, job);
    }
  g_test_message ("box %u refused: %s", n - 1 - 0x500, error->message);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "disk-full");
  assert_refused (engine, n++, "disk-full");

  onb_journal_set_max_pages (engine->host.journal, 0);
  /* The failed commit is believed for a moment only: then one tries again. */
  g_usleep (2100 * G_USEC_PER_SEC / 1000);
  assert_done (engine, n++);
  g_assert_true (prov_wait_jobs (engine, NULL, 0, 60));
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
fill (const char *path)
{
  g_autofree char *block = g_malloc0 (4096);
  FILE *file = fopen (path, "w");

  g_assert_nonnull (file);
  setvbuf (file, NULL, _IONBF, 0);
  while (fwrite (block, 1, 4096, file) == 4096)
    ;
  fclose (file);
}

/* As root (as CI runs): the data folder on a small tmpfs, filled up. (A
 * read-only remount is refused while the journal is open for writing;
 * test-cli-files starts provision on a read-only mount.) */
static void
test_tmpfs (void)
{
  g_autofree char *csv = prov_generated_csv (10, 0x600, FALSE);
  g_autofree char *mount_point = g_dir_make_tmp ("onb-disk-XXXXXX", NULL);
  g_autofree char *filler = g_build_filename (mount_point, "filler", NULL);
  g_autofree char *data_dir = g_strconcat ("kiosk.data_dir=", mount_point, NULL);
  const char *extra[] = { data_dir, NULL };
  g_autoptr(ProvStation) station = NULL;
  g_autoptr(OnbEngine) engine = NULL;

  if (geteuid () != 0 ||
      !run_mount ((const char *[]) { "mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount_point, NULL }))
    {
      g_test_skip ("A small tmpfs for the data folder needs root and a working mount; the journal-full case "
                   "covers the same without them");
      g_rmdir (mount_point);
      return;
    }

  reset_sim ();
  station = prov_station_new (sim, csv, extra);
  engine = prov_station_engine (station);
  assert_done (engine, 0x600);

  fill (filler);
  assert_refused (engine, 0x601, "disk-full");
  g_unlink (filler);
  assert_done (engine, 0x602);

  g_assert_true (prov_wait_jobs (engine, NULL, 0, 60));
  g_clear_object (&engine);
  g_assert_true (run_mount ((const char *[]) { "umount", mount_point, NULL }));
  g_rmdir (mount_point);
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

  status = g_test_run ();
  onb_test_sim_stop (sim);
  return status;
}
