/* test-sqlite.c: the shared SQLite helpers on real files and processes */

#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "onb-sqlite.h"
#include "onb-test-files.h"

#define N_PROCESSES 8

static void
describe (GError         **error,
          OnbSqliteStage   stage,
          const char      *path,
          const char      *detail)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "stage %d: %s", stage, detail);
}

static const OnbSqliteErrors errors = {
  .domain = g_io_error_quark,
  .failed_code = G_IO_ERROR_FAILED,
  .disk_full_code = G_IO_ERROR_NO_SPACE,
  .read_only_code = G_IO_ERROR_READ_ONLY,
  .describe = describe,
};

static const char schema[] = "CREATE TABLE IF NOT EXISTS t (a TEXT);";

/* Version 1 adds a column and a row: run twice, the row would be there
 * twice. */
static int
add_b (sqlite3 *db)
{
  int rc = onb_sqlite_add_column (db, "t", "b", "TEXT");

  return rc != SQLITE_OK ? rc : sqlite3_exec (db, "INSERT INTO t (a, b) VALUES ('migrated', 'v1')", NULL, NULL, NULL);
}

static const OnbSqliteMigration migrations[] = { add_b };

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* Processes opening one new file at the same moment take turns: every one
 * succeeds (without the folder lock, one in a few runs under ASan got
 * "database is locked" at once), and the migration runs once. */
static void
test_open_at_once (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("onb-sqlite-XXXXXX", &error);

  g_assert_no_error (error);
  for (guint round = 0; round < 3; round++)
    {
      g_autofree char *name = g_strdup_printf ("round%u.sqlite", round);
      g_autofree char *path = g_build_filename (dir, "sub", name, NULL);
      pid_t pids[N_PROCESSES];
      sqlite3 *db;

      for (guint i = 0; i < N_PROCESSES; i++)
        {
          pids[i] = fork ();
          g_assert_cmpint (pids[i], >=, 0);
          if (pids[i] == 0)
            {
              GError *child_error = NULL;
              sqlite3 *child = onb_sqlite_open (path, schema, migrations, G_N_ELEMENTS (migrations), &errors,
                                                &child_error);

              if (child == NULL)
                g_printerr ("child %u: %s\n", i, child_error->message);
              sqlite3_close (child);
              _exit (child != NULL ? 0 : 1);
            }
        }
      for (guint i = 0; i < N_PROCESSES; i++)
        {
          int status = 0;

          g_assert_cmpint (waitpid (pids[i], &status, 0), ==, pids[i]);
          g_assert_true (WIFEXITED (status));
          g_assert_cmpint (WEXITSTATUS (status), ==, 0);
        }

      db = onb_sqlite_open (path, schema, migrations, G_N_ELEMENTS (migrations), &errors, &error);
      g_assert_no_error (error);
      g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 1);
      g_assert_cmpint (query_int (db, "SELECT count(*) FROM t WHERE b = 'v1'"), ==, 1);
      g_assert_cmpint (query_int (db, "PRAGMA busy_timeout"), ==, ONB_SQLITE_BUSY_TIMEOUT_MS);
      sqlite3_close (db);
    }
  onb_test_remove_tree (dir);
}

/* A file made before user_version was kept (version 0, with the column
 * already there) migrates without failing on it; a file from a newer
 * version is left as it is. */
static void
test_versions (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("onb-sqlite-XXXXXX", &error);
  g_autofree char *old = g_build_filename (dir, "old.sqlite", NULL);
  g_autofree char *newer = g_build_filename (dir, "newer.sqlite", NULL);
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (old, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (a TEXT, b TEXT)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  db = onb_sqlite_open (old, schema, migrations, G_N_ELEMENTS (migrations), &errors, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM t"), ==, 1);
  sqlite3_close (db);

  g_assert_cmpint (sqlite3_open (newer, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (a TEXT, b TEXT, c TEXT); PRAGMA user_version = 7", NULL, NULL,
                                 NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  db = onb_sqlite_open (newer, schema, migrations, G_N_ELEMENTS (migrations), &errors, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 7);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM t"), ==, 0);
  sqlite3_close (db);

  /* A failing migration leaves nothing behind and says why. */
  g_assert_cmpint (g_unlink (old), ==, 0);
  db = onb_sqlite_open (old, "CREATE TABLE t (a TEXT); CREATE TABLE t (a TEXT);", migrations,
                        G_N_ELEMENTS (migrations), &errors, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_null (db);
  g_assert_nonnull (strstr (error->message, "already exists"));
  g_clear_error (&error);

  onb_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sqlite/open-at-once", test_open_at_once);
  g_test_add_func ("/sqlite/versions", test_versions);
  return g_test_run ();
}
