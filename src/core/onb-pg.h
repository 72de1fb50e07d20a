/* onb-pg.h: the PostgreSQL helpers the shared device list and the shared journal use
 *
 * One way to connect (and bring Onboarder's tables up to date: every
 * onb_ table, whoever uses it, is in one versioned schema), and to run a
 * statement whose failure says what went wrong in the caller's own error
 * domain, by the server's primary message only: a DETAIL may quote a row,
 * keys and tokens included.
 */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* The newest schema this build knows. */
#define ONB_PG_SCHEMA_VERSION 3

/* The channel a commit that changed jobs or the device list notifies
 * (onb-store-watch.c); a change of the list says so in its payload. */
#define ONB_PG_CHANNEL      "onb_changed"
#define ONB_PG_LIST_CHANGED "list"

/* The bounds of a connection to the shared database (docs/design.md,
 * "A network that swallows packets"): connecting, a statement's answer
 * (the deadline of onb_pg_exec()), and a lock waited for on the server,
 * which ends the statement before its deadline. */
#define ONB_PG_CONNECT_S  4
#define ONB_PG_ANSWER_MS  4000
#define ONB_PG_LOCK_MS    2000

/* How a failed statement is told: @format holds one %s for the server's
 * words; it is translated when used (mark it with N_()). */
typedef struct
{
  GQuark      (*domain) (void);
  int           code;
  const char   *format;
} OnbPgErrors;

/* Connects to @uri (a libpq connection URI) and brings the schema up to
 * date when its role owns the database schema (the owner role); a station
 * role only uses the tables: an older schema is refused (registry error
 * SCHEMA_TOO_OLD), as is one newer than this build knows (SCHEMA_TOO_NEW).
 * A station role needs SELECT, INSERT and UPDATE on the onb_ tables and
 * USAGE on their sequences. Failures are ONB_REGISTRY_ERROR. */
PGconn   *onb_pg_connect     (const char          *uri,
                              GError             **error);
/* Connects without looking at the schema. */
PGconn   *onb_pg_connect_only (const char         *uri,
                               const OnbPgErrors  *errors,
                               GError            **error);
/* Opens a connection to @uri (a libpq URI or key=value string) with
 * Onboarder's bounds for what the URI does not name: connect_timeout,
 * TCP keepalives, tcp_user_timeout, and options (lock_timeout,
 * idle_in_transaction_session_timeout). Every connection to the shared
 * database is opened here. As PQconnectdb(): check PQstatus(). */
PGconn   *onb_pg_connectdb   (const char          *uri);
/* Whether @uri's server gives no answer at all (down, or the network
 * away), as opposed to one that answers but refuses (a password, a
 * missing database). */
gboolean  onb_pg_out_of_reach (const char         *uri);
/* As PQexec() (PQexecParams() with @n_params text parameters), but a
 * server that does not answer within @timeout_ms (0: no limit) is taken
 * as gone: the connection is then CONNECTION_BAD, and the answer an
 * error or NULL. */
PGresult *onb_pg_run         (PGconn              *conn,
                              const char          *sql,
                              int                  n_params,
                              const char * const  *params,
                              guint                timeout_ms);
/* Runs @sql with @n_params text parameters (none: @sql may be several
 * statements) within ONB_PG_ANSWER_MS; NULL (and @error set) unless the
 * result is what a command or a query gives. (transfer full) */
PGresult *onb_pg_exec        (PGconn              *conn,
                              const char          *sql,
                              int                  n_params,
                              const char * const  *params,
                              const OnbPgErrors   *errors,
                              GError             **error);
gboolean  onb_pg_command     (PGconn              *conn,
                              const char          *sql,
                              const OnbPgErrors   *errors,
                              GError             **error);
void      onb_pg_rollback    (PGconn              *conn);
/* Sets @error from @result's primary message (else @conn's). */
void      onb_pg_set_error   (const OnbPgErrors   *errors,
                              PGconn              *conn,
                              const PGresult      *result,
                              GError             **error);
/* The first value of @sql's answer as a number; 0 without rows; -1 on
 * error. */
gint64    onb_pg_query_int   (PGconn              *conn,
                              const char          *sql,
                              const OnbPgErrors   *errors,
                              GError             **error);
/* The schema's version; 0 before Onboarder made its tables; -1 on error. */
gint64    onb_pg_schema_version (PGconn           *conn,
                                 const OnbPgErrors *errors,
                                 GError          **error);
/* Whether this connection's role owns the schema and so may migrate it;
 * -1 on error. */
gint64    onb_pg_may_migrate (PGconn              *conn,
                              const OnbPgErrors   *errors,
                              GError             **error);
/* Brings the schema up to date (the owner role only; one at a time);
 * SCHEMA_TOO_NEW, SCHEMA_TOO_OLD. */
gboolean  onb_pg_migrate     (PGconn              *conn,
                              GError             **error);

/* A lost connection made again on a thread of its own, so that a network
 * that swallows packets holds no caller for connect_timeout: the first
 * attempt after a loss is waited for a moment, and once one has failed
 * callers hear at once that none is ready. Attempts start at most once
 * a second after a failed one; each checks the schema as
 * onb_pg_connect() does. */
typedef struct _OnbPgRedial OnbPgRedial;

OnbPgRedial *onb_pg_redial_new  (const char         *uri);
void         onb_pg_redial_free (OnbPgRedial        *redial);
/* A new connection (transfer full), or NULL with @error (in @errors'
 * words) while none is ready. */
PGconn      *onb_pg_redial_take (OnbPgRedial        *redial,
                                 const OnbPgErrors  *errors,
                                 GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbPgRedial, onb_pg_redial_free)

static inline const char *
onb_pg_value (PGresult *result,
              int       row,
              int       column)
{
  return PQgetisnull (result, row, column) ? NULL : PQgetvalue (result, row, column);
}

G_END_DECLS
