/* onb-pg.c: the PostgreSQL helpers the shared device list and the shared journal use */

#define G_LOG_DOMAIN "onb-store"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-pg.h"
#include "onb-registry.h"

/* The advisory lock of migrations: one station migrates at a time. */
#define LOCK_MIGRATE 1330528769

/* Migrations by version: [0] makes version 1, and so on. Every onb_
 * table is here, the device list's and the journal's alike. */
static const char *const migrations[] = {
  "CREATE TABLE onb_batches ("
  "  id bigserial PRIMARY KEY,"
  "  file_name text,"
  "  imported_at bigint NOT NULL,"
  "  n_rows integer NOT NULL"
  ");"
  "CREATE SEQUENCE onb_device_order;"
  "CREATE TABLE onb_devices ("
  "  dev_eui text PRIMARY KEY,"
  "  join_eui text NOT NULL,"
  "  app_key text NOT NULL,"
  "  nwk_key text,"
  "  static_token text UNIQUE,"
  "  device_name text,"
  "  profile_id text,"
  "  metafields text NOT NULL DEFAULT '',"
  "  imported_at bigint NOT NULL,"
  "  batch_id bigint NOT NULL REFERENCES onb_batches (id),"
  "  file_order bigint NOT NULL DEFAULT nextval('onb_device_order')"
  ");"
  "CREATE INDEX onb_devices_by_name ON onb_devices (device_name);"
  "CREATE INDEX onb_devices_by_batch ON onb_devices (batch_id, file_order);",

  "CREATE TABLE onb_model_templates ("
  "  profile_id text PRIMARY KEY,"
  "  answer text NOT NULL,"
  "  fetched_at bigint NOT NULL"
  ");",

  /* The journal: a claimant is one open journal of a station; its claims
   * hold while its lease lasts. A job's fence grows with every claim. */
  "CREATE TABLE onb_claimants ("
  "  token text PRIMARY KEY,"
  "  station text NOT NULL,"
  "  started_at timestamptz NOT NULL DEFAULT now (),"
  "  renewed_at timestamptz NOT NULL DEFAULT now (),"
  "  lease_until timestamptz NOT NULL"
  ");"
  "CREATE INDEX onb_claimants_by_station ON onb_claimants (station, renewed_at);"
  "CREATE TABLE onb_jobs ("
  "  id bigserial PRIMARY KEY,"
  "  dev_eui text NOT NULL UNIQUE,"
  "  kind text NOT NULL,"
  "  state text NOT NULL,"
  "  join_eui text NOT NULL,"
  "  device_name text,"
  "  old_dev_eui text,"
  "  delete_old integer NOT NULL DEFAULT 0,"
  "  source text,"
  "  code_kind text,"
  "  reason text,"
  "  message text,"
  "  attempts integer NOT NULL DEFAULT 0,"
  "  blynk_device_id bigint NOT NULL DEFAULT 0,"
  "  created_us bigint NOT NULL,"
  "  updated_us bigint NOT NULL,"
  "  started_us bigint NOT NULL DEFAULT 0,"
  "  finished_us bigint NOT NULL DEFAULT 0,"
  "  next_attempt_us bigint NOT NULL DEFAULT 0,"
  "  model_name text,"
  "  owner_token text,"
  "  fence bigint NOT NULL DEFAULT 0,"
  "  station text"
  ");"
  "CREATE INDEX onb_jobs_by_state ON onb_jobs (state);"
  "CREATE INDEX onb_jobs_by_station ON onb_jobs (station, finished_us);"
  "CREATE TABLE onb_steps ("
  "  job_id bigint NOT NULL REFERENCES onb_jobs (id),"
  "  step text NOT NULL,"
  "  state text NOT NULL,"
  "  attempts integer NOT NULL DEFAULT 0,"
  "  owned integer NOT NULL DEFAULT 0,"
  "  remote_id text,"
  "  reason text,"
  "  message text,"
  "  PRIMARY KEY (job_id, step)"
  ");"
  "CREATE TABLE onb_conflicts ("
  "  id bigserial PRIMARY KEY,"
  "  at_us bigint NOT NULL,"
  "  dev_eui text NOT NULL,"
  "  device_id text NOT NULL,"
  "  station text"
  ");",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == ONB_PG_SCHEMA_VERSION);

static const OnbPgErrors schema_errors = {
  .domain = onb_registry_error_quark,
  .code = ONB_REGISTRY_ERROR_DATABASE,
  .format = N_("The shared database cannot be used (%s). Check the database server and the network."),
};

void
onb_pg_set_error (const OnbPgErrors  *errors,
                  PGconn             *conn,
                  const PGresult     *result,
                  GError            **error)
{
  const char *primary = result != NULL ? PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  g_autofree char *detail = g_strchomp (g_strdup (primary != NULL ? primary
                                                  : conn != NULL ? PQerrorMessage (conn) : "out of memory"));

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  g_set_error (error, errors->domain (), errors->code, _(errors->format), detail);
#pragma GCC diagnostic pop
}

PGresult *
onb_pg_exec (PGconn             *conn,
             const char         *sql,
             int                 n_params,
             const char * const *params,
             const OnbPgErrors  *errors,
             GError            **error)
{
  PGresult *result = n_params == 0 ? PQexec (conn, sql)
                                   : PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);
  ExecStatusType status = PQresultStatus (result);

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return result;
  onb_pg_set_error (errors, conn, result, error);
  PQclear (result);
  return NULL;
}

gboolean
onb_pg_command (PGconn             *conn,
                const char         *sql,
                const OnbPgErrors  *errors,
                GError            **error)
{
  PGresult *result = onb_pg_exec (conn, sql, 0, NULL, errors, error);

  PQclear (result);
  return result != NULL;
}

void
onb_pg_rollback (PGconn *conn)
{
  PQclear (PQexec (conn, "ROLLBACK"));
}

PGconn *
onb_pg_connect_only (const char         *uri,
                     const OnbPgErrors  *errors,
                     GError            **error)
{
  PGconn *conn = PQconnectdb (uri);

  if (PQstatus (conn) != CONNECTION_OK)
    {
      onb_pg_set_error (errors, conn, NULL, error);
      g_clear_pointer (&conn, PQfinish);
    }
  return conn;
}

gint64
onb_pg_query_int (PGconn             *conn,
                  const char         *sql,
                  const OnbPgErrors  *errors,
                  GError            **error)
{
  PGresult *result = onb_pg_exec (conn, sql, 0, NULL, errors, error);
  gint64 value = -1;

  if (result != NULL)
    value = PQntuples (result) > 0 ? g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10) : 0;
  PQclear (result);
  return value;
}

/* A station's role may not create anything: ask before touching. */
gint64
onb_pg_schema_version (PGconn             *conn,
                       const OnbPgErrors  *errors,
                       GError            **error)
{
  gint64 exists = onb_pg_query_int (conn, "SELECT (to_regclass ('onb_schema') IS NOT NULL)::int", errors, error);

  return exists <= 0 ? exists : onb_pg_query_int (conn, "SELECT version FROM onb_schema", errors, error);
}

/* Only the role that owns the schema (the owner role) changes tables;
 * station roles only use them. */
gint64
onb_pg_may_migrate (PGconn             *conn,
                    const OnbPgErrors  *errors,
                    GError            **error)
{
  return onb_pg_query_int (conn, "SELECT pg_has_role (current_user, n.nspowner, 'USAGE')::int "
                                 "FROM pg_namespace n WHERE n.nspname = current_schema ()", errors, error);
}

/* One station migrates at a time (the advisory lock); the others wait,
 * then find the schema up to date. */
gboolean
onb_pg_migrate (PGconn  *conn,
                GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 version;

  if (!onb_pg_command (conn, "BEGIN", &schema_errors, error))
    return FALSE;
  if (!onb_pg_command (conn, "SELECT pg_advisory_xact_lock (" G_STRINGIFY (LOCK_MIGRATE) ")", &schema_errors,
                       &local_error) ||
      (version = onb_pg_schema_version (conn, &schema_errors, &local_error)) < 0)
    goto failed;

  if (version > ONB_PG_SCHEMA_VERSION)
    {
      g_set_error (&local_error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_SCHEMA_TOO_NEW,
                   _("The shared database was set up by a newer Onboarder (its version %lld; this station knows "
                     "up to %d). Update Onboarder on this station."),
                   (long long) version, ONB_PG_SCHEMA_VERSION);
      goto failed;
    }
  if (version < ONB_PG_SCHEMA_VERSION)
    {
      gint64 owner = onb_pg_may_migrate (conn, &schema_errors, &local_error);

      if (owner < 0)
        goto failed;
      if (owner == 0)
        {
          g_set_error (&local_error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_SCHEMA_TOO_OLD,
                       _("The shared database's tables are older than this station (their version %lld; it needs "
                         "%d), and this station's database role may not update them. Ask whoever runs the "
                         "database to run “onboarder-cli store migrate” with the owner role."),
                       (long long) version, ONB_PG_SCHEMA_VERSION);
          goto failed;
        }
      if (!onb_pg_command (conn, "CREATE TABLE IF NOT EXISTS onb_schema ("
                                 "  one boolean PRIMARY KEY DEFAULT true CHECK (one),"
                                 "  version integer NOT NULL)", &schema_errors, &local_error))
        goto failed;
    }
  for (gint64 i = version; i < ONB_PG_SCHEMA_VERSION; i++)
    if (!onb_pg_command (conn, migrations[i], &schema_errors, &local_error))
      goto failed;
  if (version < ONB_PG_SCHEMA_VERSION &&
      !onb_pg_command (conn, "INSERT INTO onb_schema (version) VALUES (" G_STRINGIFY (ONB_PG_SCHEMA_VERSION) ") "
                             "ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version", &schema_errors,
                       &local_error))
    goto failed;
  if (onb_pg_command (conn, "COMMIT", &schema_errors, &local_error))
    return TRUE;

failed:
  onb_pg_rollback (conn);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

PGconn *
onb_pg_connect (const char  *uri,
                GError     **error)
{
  PGconn *conn = onb_pg_connect_only (uri, &schema_errors, error);

  if (conn != NULL && !onb_pg_migrate (conn, error))
    g_clear_pointer (&conn, PQfinish);
  return conn;
}
