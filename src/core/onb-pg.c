/* onb-pg.c: the PostgreSQL helpers the shared device list and the shared journal use */

#define G_LOG_DOMAIN "onb-store"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
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

static void
set_error_text (const OnbPgErrors  *errors,
                const char         *text,
                GError            **error)
{
  g_autofree char *detail = g_strchomp (g_strdup (text));

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  g_set_error (error, errors->domain (), errors->code, _(errors->format), detail);
#pragma GCC diagnostic pop
}

void
onb_pg_set_error (const OnbPgErrors  *errors,
                  PGconn             *conn,
                  const PGresult     *result,
                  GError            **error)
{
  const char *primary = result != NULL ? PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY) : NULL;

  set_error_text (errors, primary != NULL ? primary : conn != NULL ? PQerrorMessage (conn) : "not connected", error);
}

/* The bounds of every connection, unless its URI names its own: they
 * come before the URI (dbname, expanded), whose words then win. A network
 * that swallows packets shows as a lost connection within seconds
 * (docs/design.md, "A network that swallows packets"): connecting gives
 * up after connect_timeout, an idle connection is probed by keepalives,
 * a write nobody acknowledges fails after tcp_user_timeout (TCP only; a
 * Unix socket has none of these, and every answer has its own deadline
 * besides: onb_pg_run()). On the server, a lock waited for ends the
 * statement with words before that deadline, and a transaction whose
 * station went silent ends, so that its locks do not hold the others. */
static const char *const connect_keywords[] = {
  "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
  "tcp_user_timeout", "options", "dbname", NULL,
};
static const char *const connect_defaults[] = {
  G_STRINGIFY (ONB_PG_CONNECT_S), "1", "3", "1", "3", "6000",
  "-c lock_timeout=" G_STRINGIFY (ONB_PG_LOCK_MS) " -c idle_in_transaction_session_timeout=20000", NULL, NULL,
};

G_STATIC_ASSERT (G_N_ELEMENTS (connect_keywords) == G_N_ELEMENTS (connect_defaults));

static void
connect_values (const char  *uri,
                const char **values)
{
  memcpy (values, connect_defaults, sizeof connect_defaults);
  values[G_N_ELEMENTS (connect_defaults) - 2] = uri;
}

PGconn *
onb_pg_connectdb (const char *uri)
{
  const char *values[G_N_ELEMENTS (connect_defaults)];

  connect_values (uri, values);
  return PQconnectdbParams (connect_keywords, values, TRUE);
}

gboolean
onb_pg_out_of_reach (const char *uri)
{
  const char *values[G_N_ELEMENTS (connect_defaults)];

  connect_values (uri, values);
  return PQpingParams (connect_keywords, values, TRUE) == PQPING_NO_RESPONSE;
}

/* A server that says nothing for @timeout_ms (0: no limit) is taken as
 * gone, as TCP would after minutes: the socket is shut, so the answer is
 * an error and the connection CONNECTION_BAD. */
static void
wait_answer (PGconn *conn,
             guint   timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_GINT64_CONSTANT (1000);

  while (PQisBusy (conn))
    {
      struct pollfd pfd = { .fd = PQsocket (conn), .events = POLLIN };
      gint64 left_ms = (deadline - g_get_monotonic_time () + 999) / 1000;
      int ready;

      if (pfd.fd < 0)
        return;
      if (timeout_ms > 0 && left_ms <= 0)
        {
          g_debug ("The shared database did not answer within %u ms: its connection is taken as lost", timeout_ms);
          shutdown (pfd.fd, SHUT_RDWR);
          return;
        }
      ready = poll (&pfd, 1, timeout_ms > 0 ? (int) left_ms : -1);
      if ((ready < 0 && errno != EINTR) || (ready > 0 && !PQconsumeInput (conn)))
        return;
    }
}

PGresult *
onb_pg_run (PGconn             *conn,
            const char         *sql,
            int                 n_params,
            const char * const *params,
            guint               timeout_ms)
{
  PGresult *answer = NULL;
  PGresult *next;
  int sent = n_params == 0 ? PQsendQuery (conn, sql)
                           : PQsendQueryParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);

  if (!sent)
    return NULL;
  wait_answer (conn, timeout_ms);
  /* As PQexec(): the last answer of several statements, or the first
   * error. */
  while ((next = PQgetResult (conn)) != NULL)
    {
      if (answer != NULL && PQresultStatus (answer) == PGRES_FATAL_ERROR)
        PQclear (next);
      else
        {
          PQclear (answer);
          answer = next;
        }
    }
  return answer;
}

static PGresult *
exec_within (PGconn             *conn,
             const char         *sql,
             int                 n_params,
             const char * const *params,
             guint               timeout_ms,
             const OnbPgErrors  *errors,
             GError            **error)
{
  PGresult *result = onb_pg_run (conn, sql, n_params, params, timeout_ms);
  ExecStatusType status = PQresultStatus (result);

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return result;
  onb_pg_set_error (errors, conn, result, error);
  PQclear (result);
  return NULL;
}

PGresult *
onb_pg_exec (PGconn             *conn,
             const char         *sql,
             int                 n_params,
             const char * const *params,
             const OnbPgErrors  *errors,
             GError            **error)
{
  return exec_within (conn, sql, n_params, params, ONB_PG_ANSWER_MS, errors, error);
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
  PQclear (onb_pg_run (conn, "ROLLBACK", 0, NULL, ONB_PG_ANSWER_MS));
}

PGconn *
onb_pg_connect_only (const char         *uri,
                     const OnbPgErrors  *errors,
                     GError            **error)
{
  PGconn *conn = onb_pg_connectdb (uri);

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

/* A migration may rewrite big tables, and wait for the one under way:
 * neither the answer's deadline nor the lock's bound it. */
static gboolean
migrate_command (PGconn      *conn,
                 const char  *sql,
                 GError     **error)
{
  PGresult *result = exec_within (conn, sql, 0, NULL, 0, &schema_errors, error);

  PQclear (result);
  return result != NULL;
}

/* One station migrates at a time (the advisory lock); the others wait,
 * then find the schema up to date. */
gboolean
onb_pg_migrate (PGconn  *conn,
                GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 version;

  if (!onb_pg_command (conn, "BEGIN; SET LOCAL lock_timeout = 0", &schema_errors, error))
    return FALSE;
  if (!migrate_command (conn, "SELECT pg_advisory_xact_lock (" G_STRINGIFY (LOCK_MIGRATE) ")", &local_error) ||
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
    if (!migrate_command (conn, migrations[i], &local_error))
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

/* Redialling */

/* New attempts at most this often after a failed one. The first attempt
 * after a lost connection is waited for this long, since a server that
 * restarted answers well within it; after a failed one the caller hears
 * at once, so a network that swallows packets holds it once at most. */
#define REDIAL_GAP_US  (G_USEC_PER_SEC)
#define REDIAL_WAIT_US (G_USEC_PER_SEC)

struct _OnbPgRedial
{
  GMutex lock;
  GCond done;
  char *uri;
  gboolean dialing;
  PGconn *conn;      /* made, not taken yet */
  char *failure;     /* why the last attempt failed; NULL when it did not */
  gint64 started_us; /* when the last attempt started */
};

static void
redial_clear (OnbPgRedial *self)
{
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->done);
  g_free (self->uri);
  g_clear_pointer (&self->conn, PQfinish);
  g_free (self->failure);
}

OnbPgRedial *
onb_pg_redial_new (const char *uri)
{
  OnbPgRedial *self = g_atomic_rc_box_new0 (OnbPgRedial);

  g_mutex_init (&self->lock);
  g_cond_init (&self->done);
  self->uri = g_strdup (uri);
  return self;
}

void
onb_pg_redial_free (OnbPgRedial *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) redial_clear);
}

/* Holds a reference of its own: the redial may be freed meanwhile. The
 * schema is checked as at a start: a station that started alone, or one
 * whose database was updated meanwhile, must not use tables it does not
 * know. */
static gpointer
redial_thread (gpointer data)
{
  OnbPgRedial *self = data;
  g_autoptr(GError) error = NULL;
  PGconn *conn = onb_pg_connectdb (self->uri);
  gboolean ok = PQstatus (conn) == CONNECTION_OK && onb_pg_migrate (conn, &error);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->failure, g_free);
  if (ok)
    {
      g_clear_pointer (&self->conn, PQfinish);
      self->conn = g_steal_pointer (&conn);
      /* The gap is between failures: the next loss may redial at once. */
      self->started_us = 0;
    }
  else
    self->failure = g_strdup (error != NULL ? error->message : PQerrorMessage (conn));
  self->dialing = FALSE;
  g_cond_broadcast (&self->done);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&conn, PQfinish);
  onb_pg_redial_free (self);
  return NULL;
}

PGconn *
onb_pg_redial_take (OnbPgRedial        *self,
                    const OnbPgErrors  *errors,
                    GError            **error)
{
  gint64 now = g_get_monotonic_time ();
  PGconn *conn;

  g_mutex_lock (&self->lock);
  if (self->conn == NULL && !self->dialing && now - self->started_us >= REDIAL_GAP_US)
    {
      gboolean wait = self->failure == NULL;

      self->dialing = TRUE;
      self->started_us = now;
      g_thread_unref (g_thread_new ("onb-pg-redial", redial_thread, g_atomic_rc_box_acquire (self)));
      while (wait && self->dialing && g_cond_wait_until (&self->done, &self->lock, now + REDIAL_WAIT_US))
        ;
    }
  conn = g_steal_pointer (&self->conn);
  if (conn == NULL)
    set_error_text (errors, self->failure != NULL ? self->failure : _("no answer from the server yet"), error);
  g_mutex_unlock (&self->lock);
  return conn;
}
