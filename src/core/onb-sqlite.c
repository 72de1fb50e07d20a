/* onb-sqlite.c: the SQLite helpers the device list and the job journal share */

#define G_LOG_DOMAIN "onb-sqlite"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "onb-sqlite.h"

OnbFileError
onb_sqlite_get_fault (sqlite3 *db)
{
  switch (db != NULL ? sqlite3_errcode (db) & 0xff : SQLITE_NOMEM)
    {
    case SQLITE_FULL:
      return ONB_FILE_ERROR_DISK_FULL;
    case SQLITE_READONLY:
      return ONB_FILE_ERROR_READ_ONLY;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return onb_file_error_from_errno (sqlite3_system_errno (db));
    default:
      return ONB_FILE_ERROR_WRITE_FAILED;
    }
}

gboolean
onb_sqlite_set_fault (const OnbSqliteErrors  *errors,
                      OnbFileError            fault,
                      const char             *path,
                      GError                **error)
{
  return onb_file_set_data_fault (error, fault, path, errors->domain (), errors->disk_full_code,
                                  errors->read_only_code);
}

void
onb_sqlite_set_error (const OnbSqliteErrors  *errors,
                      sqlite3                *db,
                      GError                **error)
{
  if (db != NULL && onb_sqlite_set_fault (errors, onb_sqlite_get_fault (db), sqlite3_db_filename (db, "main"), error))
    return;
  errors->describe (error, ONB_SQLITE_STAGE_DATABASE, db != NULL ? sqlite3_db_filename (db, "main") : NULL,
                    db != NULL ? sqlite3_errmsg (db) : "out of memory");
}

static gboolean
set_errno_error (const OnbSqliteErrors  *errors,
                 OnbSqliteStage          stage,
                 const char             *path,
                 int                     saved_errno,
                 GError                **error)
{
  if (!onb_sqlite_set_fault (errors, onb_file_error_from_errno (saved_errno), path, error))
    errors->describe (error, stage, path, g_strerror (saved_errno));
  return FALSE;
}

/* Only the owner may read the file, whatever the umask. SQLite gives the
 * -wal and -shm files the mode of the database; side files an older
 * version made with the umask's mode are tightened too. */
static gboolean
make_private (const char             *path,
              const OnbSqliteErrors  *errors,
              GError                **error)
{
  static const char *const sides[] = { "-wal", "-shm" };
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  struct stat st;

  if (fd < 0 || fstat (fd, &st) != 0 || ((st.st_mode & 0077) != 0 && fchmod (fd, 0600) != 0))
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      return set_errno_error (errors, ONB_SQLITE_STAGE_FILE, path, saved_errno, error);
    }
  close (fd);
  for (guint i = 0; i < G_N_ELEMENTS (sides); i++)
    {
      g_autofree char *side = g_strconcat (path, sides[i], NULL);

      if (g_chmod (side, 0600) != 0 && errno != ENOENT)
        g_debug ("Could not make %s private: %s", side, g_strerror (errno));
    }
  return TRUE;
}

static int
get_user_version (sqlite3 *db,
                  gint64  *version)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *version = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  return rc;
}

/* IMMEDIATE: the transaction takes the write lock before it reads the
 * version, through the busy handler, so two processes migrating one file
 * at once take turns and the second sees the first one's work. On failure
 * the transaction stays open, so that SQLite's message still says why:
 * closing the connection rolls it back. */
static int
migrate (sqlite3                   *db,
         const char                *schema,
         const OnbSqliteMigration  *migrations,
         guint                      n_migrations)
{
  gint64 version = 0;
  int rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return rc;
  if ((rc = sqlite3_exec (db, schema, NULL, NULL, NULL)) == SQLITE_OK &&
      (rc = get_user_version (db, &version)) == SQLITE_OK && version < (gint64) n_migrations)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %u", n_migrations);

      for (gint64 i = MAX (version, 0); rc == SQLITE_OK && i < (gint64) n_migrations; i++)
        rc = migrations[i] (db);
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
    }
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  return rc;
}

sqlite3 *
onb_sqlite_open (const char                *path,
                 const char                *schema,
                 const OnbSqliteMigration  *migrations,
                 guint                      n_migrations,
                 const OnbSqliteErrors     *errors,
                 GError                   **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  sqlite3 *db = NULL;
  int dir_fd;

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      (dir_fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0)
    return set_errno_error (errors, ONB_SQLITE_STAGE_FOLDER, dir, errno, error), NULL;
  /* Two processes making a new file at once can meet where SQLite answers
   * "locked" at once instead of calling its busy handler (both hold a
   * shared lock and want to write, as when switching the file to WAL):
   * openings in one folder take turns, waiting in the kernel. Locking the
   * folder, not the file: closing a descriptor of the file would drop
   * SQLite's own locks on it. */
  while (flock (dir_fd, LOCK_EX) != 0 && errno == EINTR)
    ;
  if (!make_private (path, errors, error))
    {
      close (dir_fd);
      return NULL;
    }
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                       NULL) != SQLITE_OK ||
      sqlite3_busy_timeout (db, ONB_SQLITE_BUSY_TIMEOUT_MS) != SQLITE_OK ||
      sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
                    NULL) != SQLITE_OK ||
      migrate (db, schema, migrations, n_migrations) != SQLITE_OK)
    {
      onb_sqlite_set_error (errors, db, error);
      g_clear_pointer (&db, sqlite3_close);
    }
  close (dir_fd);
  return db;
}

static int
probe (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_master", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode (db);
  sqlite3_finalize (stmt);
  return rc;
}

static int
open_uri (const char  *uri,
          sqlite3    **db)
{
  int rc = sqlite3_open_v2 (uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_busy_timeout (*db, ONB_SQLITE_BUSY_TIMEOUT_MS);
  return rc == SQLITE_OK ? probe (*db) : rc;
}

int
onb_sqlite_open_read_only (const char  *path,
                           const char  *empty_schema,
                           sqlite3    **db)
{
  g_autofree char *absolute = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *immutable = NULL;
  int rc;

  *db = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      rc = sqlite3_open_v2 (":memory:", db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
      return rc == SQLITE_OK ? sqlite3_exec (*db, empty_schema, NULL, NULL, NULL) : rc;
    }

  absolute = g_canonicalize_filename (path, NULL);
  if (!(uri = g_filename_to_uri (absolute, NULL, NULL)))
    return SQLITE_CANTOPEN;
  rc = open_uri (uri, db);
  if (rc == SQLITE_OK)
    return rc;

  /* No -shm file can be made: nobody can write the file now either, so
   * reading it as it stands is what there is. */
  g_clear_pointer (db, sqlite3_close);
  immutable = g_strconcat (uri, "?immutable=1", NULL);
  return open_uri (immutable, db);
}

static gboolean
has_column (sqlite3    *db,
            const char *table,
            const char *column)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s LIMIT 0", column, table);
  sqlite3_stmt *stmt = NULL;
  gboolean found = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK;

  sqlite3_finalize (stmt);
  return found;
}

int
onb_sqlite_add_column (sqlite3    *db,
                       const char *table,
                       const char *column,
                       const char *type)
{
  g_autofree char *sql = g_strdup_printf ("ALTER TABLE %s ADD COLUMN %s %s", table, column, type);

  return has_column (db, table, column) ? SQLITE_OK : sqlite3_exec (db, sql, NULL, NULL, NULL);
}
