/* onb-sqlite.h: the SQLite helpers the device list and the job journal share
 *
 * One way to open a station's database (private file, write-ahead log, one
 * busy timeout), to bring its schema up to date by PRAGMA user_version, and
 * to say what a failure means for the station (full disk, read-only data
 * folder, anything else) in the caller's own error domain.
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "onb-file.h"

G_BEGIN_DECLS

/* How long any connection waits for a lock another connection or process
 * holds. SQLite waits inside its own busy handler, so nothing here sleeps
 * in a loop of its own. Long enough for another process's largest import
 * (about 300,000 rows) to commit. */
#define ONB_SQLITE_BUSY_TIMEOUT_MS 30000

/* What failed to open: the folder, the file (made private), or the
 * database itself. */
typedef enum
{
  ONB_SQLITE_STAGE_FOLDER,
  ONB_SQLITE_STAGE_FILE,
  ONB_SQLITE_STAGE_DATABASE,
} OnbSqliteStage;

/* The codes one database's failures get, and its own words for the rest:
 * @describe sets @error to @failed_code for @stage, with @path (the
 * folder or the file) and @detail (the system's or SQLite's words). */
typedef struct
{
  GQuark (*domain) (void);
  int     failed_code;
  int     disk_full_code;
  int     read_only_code;
  void  (*describe) (GError         **error,
                     OnbSqliteStage   stage,
                     const char      *path,
                     const char      *detail);
} OnbSqliteErrors;

/* One schema change, run inside the migration's transaction. Returns the
 * SQLite result code. */
typedef int (*OnbSqliteMigration) (sqlite3 *db);

/* Opens (creating it and its folder when missing) the database at @path
 * for reading and writing: the file is made (or tightened to) mode 0600,
 * whatever the umask, since it holds secrets or the history of devices.
 * Openings in one folder take turns (a lock on the folder), and then, in
 * one IMMEDIATE transaction: @schema (CREATE … IF NOT EXISTS statements: new
 * tables appear in files of any version), then each of @migrations from
 * the file's PRAGMA user_version on, then user_version = @n_migrations. A
 * file from a newer version is left as it is. (transfer full) */
sqlite3     *onb_sqlite_open           (const char                *path,
                                        const char                *schema,
                                        const OnbSqliteMigration  *migrations,
                                        guint                      n_migrations,
                                        const OnbSqliteErrors     *errors,
                                        GError                   **error);
/* Opens @path for reading only, never writing a byte: read-only first,
 * then, where SQLite cannot make its shared-memory file (a read-only
 * folder, a full disk), as an immutable file. A missing file reads as an
 * empty database made from @empty_schema in memory.
 * Returns the SQLite result code; on failure *@db holds the connection
 * whose message says why (or NULL), for the caller to close. */
int          onb_sqlite_open_read_only (const char                *path,
                                        const char                *empty_schema,
                                        sqlite3                  **db);
/* What a failed SQLite call on @db says about its folder: DISK_FULL,
 * READ_ONLY, else WRITE_FAILED. */
OnbFileError onb_sqlite_get_fault      (sqlite3                   *db);
/* Sets @error from the last failure on @db (NULL: out of memory): the
 * disk-full or read-only code of @errors when the folder is at fault,
 * else what @errors' describe says for ONB_SQLITE_STAGE_DATABASE. */
void         onb_sqlite_set_error      (const OnbSqliteErrors     *errors,
                                        sqlite3                   *db,
                                        GError                   **error);
/* Sets @error to @errors' disk-full or read-only code for @fault and
 * returns TRUE; FALSE (nothing set) for any other fault. */
gboolean     onb_sqlite_set_fault      (const OnbSqliteErrors     *errors,
                                        OnbFileError               fault,
                                        const char                *path,
                                        GError                   **error);
/* For migrations of files made before a column existed: adds it unless
 * @table has it. Returns the SQLite result code. */
int          onb_sqlite_add_column     (sqlite3                   *db,
                                        const char                *table,
                                        const char                *column,
                                        const char                *type);

G_END_DECLS
