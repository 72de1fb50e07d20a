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
/* Runs @sql with @n_params text parameters (none: @sql may be several
 * statements); NULL (and @error set) unless the result is what a command
 * or a query gives. (transfer full) */
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

static inline const char *
onb_pg_value (PGresult *result,
              int       row,
              int       column)
{
  return PQgetisnull (result, row, column) ? NULL : PQgetvalue (result, row, column);
}

G_END_DECLS
