/* onb-pg-job-store.c: the jobs of every station of a site in one PostgreSQL database
 *
 * Claims: a claimant is one open journal of a station (a token), and its
 * claims hold while its lease lasts; the writer thread renews it. A
 * station that dies loses its claims when the lease runs out, and another
 * station takes the job over. Every claim moves the job's fencing token
 * on, and every write of a claimed job names the token it claimed with:
 * a station back from a long pause finds its write refused instead of
 * overwriting the new owner's.
 */

#define G_LOG_DOMAIN "onb-journal"

#include "config.h"

#include <stdlib.h>
#include <glib/gi18n.h>

#include "onb-pg-job-store.h"
#include "onb-pg.h"
#include "onb-provision-enums.h"

struct _OnbPgJobStore
{
  GObject parent_instance;
  char *uri;
  char *station;
  char *token;
  char *lease_text;   /* lease_s as text */
  guint lease_s;
  gboolean read_only;
  PGconn *conn;
  OnbPgRedial *redial;
  gboolean in_group;
  gboolean wrote;     /* the group under way changed a job */
  GHashTable *fences;    /* job id → the fencing token of this store's claim */
  GHashTable *tx_fences; /* claimed in the group under way */
  GHashTable *op_fences; /* claimed in the op under way */
};

static void job_store_iface_init (OnbJobStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OnbPgJobStore, onb_pg_job_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (ONB_TYPE_JOB_STORE, job_store_iface_init))

static const OnbPgErrors job_errors = {
  .domain = onb_journal_error_quark,
  .code = ONB_JOURNAL_ERROR_FAILED,
  .format = N_("The shared job journal cannot be written (%s). Check the database server."),
};

static const OnbPgErrors unreachable_errors = {
  .domain = onb_journal_error_quark,
  .code = ONB_JOURNAL_ERROR_UNREACHABLE,
  .format = N_("The shared database cannot be reached (%s). This station holds its work and records it when the "
               "database is back."),
};

/* A lost connection is a fault that passes (UNREACHABLE), and so is a
 * lock the server waited for in vain (the station that holds it may have
 * lost its network); anything else is a failure. */
static const OnbPgErrors *
errors_for (OnbPgJobStore  *self,
            const PGresult *result)
{
  const char *state = result != NULL ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;

  return PQstatus (self->conn) == CONNECTION_BAD || g_strcmp0 (state, "55P03") == 0 ? &unreachable_errors
                                                                                      : &job_errors;
}

static gboolean renew_lease (OnbPgJobStore  *self,
                             GError        **error);

/* A new connection in place of the lost one, when one is ready
 * (onb_pg_redial_take(): a network that swallows packets holds the
 * writer thread for a moment only). */
static gboolean
redial (OnbPgJobStore  *self,
        GError        **error)
{
  PGconn *conn = onb_pg_redial_take (self->redial, &unreachable_errors, error);

  if (conn == NULL)
    return FALSE;
  PQfinish (self->conn);
  self->conn = conn;
  return TRUE;
}

static PGresult *
exec_once (OnbPgJobStore      *self,
           const char         *sql,
           int                 n_params,
           const char * const *params,
           GError            **error)
{
  PGresult *result = onb_pg_run (self->conn, sql, n_params, params, ONB_PG_ANSWER_MS);
  ExecStatusType status = PQresultStatus (result);

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return result;
  onb_pg_set_error (errors_for (self, result), self->conn, result, error);
  PQclear (result);
  return NULL;
}

/* The connection is lost when the server restarts or the network drops.
 * Outside a group a statement tries once more on a new connection (the
 * lease renewed on it first); inside one, the group fails as a whole and
 * is tried again by its callers. */
static PGresult *
exec (OnbPgJobStore      *self,
      const char         *sql,
      int                 n_params,
      const char * const *params,
      GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  PGresult *result = exec_once (self, sql, n_params, params, &local_error);

  if (result == NULL && !self->in_group && PQstatus (self->conn) == CONNECTION_BAD)
    {
      g_debug ("The connection to the shared job journal was lost; connecting again");
      g_clear_error (&local_error);
      if (redial (self, &local_error) && renew_lease (self, &local_error))
        result = exec_once (self, sql, n_params, params, &local_error);
    }
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return result;
}

static gboolean
command (OnbPgJobStore      *self,
         const char         *sql,
         int                 n_params,
         const char * const *params,
         GError            **error)
{
  PGresult *result = exec (self, sql, n_params, params, error);

  PQclear (result);
  return result != NULL;
}

/* The lease runs from the server's clock, so stations' clocks need not
 * agree. */
static gboolean
renew_lease (OnbPgJobStore  *self,
             GError        **error)
{
  const char *params[] = { self->token, self->station, self->lease_text };

  if (self->read_only)
    return TRUE;
  return command (self, "INSERT INTO onb_claimants (token, station, lease_until) "
                        "VALUES ($1, $2, now () + $3 * interval '1 second') "
                        "ON CONFLICT (token) DO UPDATE SET renewed_at = now (), lease_until = EXCLUDED.lease_until",
                  G_N_ELEMENTS (params), params, error);
}

/* After a server restart or a network drop, before the next statement:
 * a new connection, and the lease renewed on it. */
static gboolean
ensure_connected (OnbPgJobStore  *self,
                  GError        **error)
{
  if (PQstatus (self->conn) == CONNECTION_OK)
    return TRUE;
  if (!redial (self, error))
    return FALSE;
  g_debug ("Connected to the shared job journal again");
  return renew_lease (self, error);
}

static void
onb_pg_job_store_finalize (GObject *object)
{
  OnbPgJobStore *self = (OnbPgJobStore *) object;

  /* Claims end with the journal, as a closed file's do: another station
   * need not wait for the lease. */
  if (self->conn != NULL && PQstatus (self->conn) == CONNECTION_OK && !self->read_only)
    {
      const char *params[] = { self->token };

      command (self, "UPDATE onb_claimants SET lease_until = now () WHERE token = $1", 1, params, NULL);
    }
  g_clear_pointer (&self->conn, PQfinish);
  g_clear_pointer (&self->redial, onb_pg_redial_free);
  g_clear_pointer (&self->fences, g_hash_table_unref);
  g_clear_pointer (&self->tx_fences, g_hash_table_unref);
  g_clear_pointer (&self->op_fences, g_hash_table_unref);
  g_free (self->uri);
  g_free (self->station);
  g_free (self->token);
  g_free (self->lease_text);
  G_OBJECT_CLASS (onb_pg_job_store_parent_class)->finalize (object);
}

static void
onb_pg_job_store_class_init (OnbPgJobStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_pg_job_store_finalize;
}

static void
onb_pg_job_store_init (OnbPgJobStore *self)
{
  self->token = g_uuid_string_random ();
  self->fences = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->tx_fences = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->op_fences = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
}

static OnbPgJobStore *
store_new (const char *uri,
           const char *station,
           guint       lease_s,
           gboolean    read_only)
{
  OnbPgJobStore *self = g_object_new (ONB_TYPE_PG_JOB_STORE, NULL);

  self->uri = g_strdup (uri);
  self->redial = onb_pg_redial_new (uri);
  self->station = g_strdup (station);
  self->lease_s = lease_s;
  self->read_only = read_only;
  self->lease_text = g_strdup_printf ("%u", lease_s);
  return self;
}

OnbJobStore *
onb_pg_job_store_open_alone (const char *uri,
                             const char *station,
                             guint       lease_s)
{
  return ONB_JOB_STORE (store_new (uri, station, lease_s, FALSE));
}

OnbJobStore *
onb_pg_job_store_open (const char  *uri,
                       const char  *station,
                       guint        lease_s,
                       gboolean     read_only,
                       GError     **error)
{
  g_autoptr(OnbPgJobStore) self = store_new (uri, station, lease_s, read_only);
  g_autoptr(GError) local_error = NULL;

  if (!(self->conn = onb_pg_connect (uri, &local_error)))
    {
      /* In the journal's words: a schema refused says so in the list's. */
      if (local_error->domain == ONB_JOURNAL_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error_literal (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_FAILED, local_error->message);
      return NULL;
    }
  if (!renew_lease (self, error))
    return NULL;
  return ONB_JOB_STORE (g_steal_pointer (&self));
}

/* Groups */

static void
move_fences (GHashTable *from,
             GHashTable *to)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, from);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_hash_table_iter_steal (&iter);
      g_hash_table_replace (to, key, value);
    }
}

static void
keep_fence (GHashTable *fences,
            gint64      id,
            gint64      fence)
{
  g_hash_table_replace (fences, g_memdup2 (&id, sizeof id), g_memdup2 (&fence, sizeof fence));
}

static gboolean
begin (OnbJobStore  *store,
       gboolean      claims,
       GError      **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;

  g_hash_table_remove_all (self->tx_fences);
  g_hash_table_remove_all (self->op_fences);
  self->wrote = FALSE;
  if (!ensure_connected (self, error) ||
      !command (self, claims ? "BEGIN; SELECT pg_advisory_xact_lock (" G_STRINGIFY (ONB_PG_JOB_STORE_CLAIM_LOCK) ")"
                             : "BEGIN", 0, NULL, error))
    return FALSE;
  self->in_group = TRUE;
  return TRUE;
}

static gboolean
commit (OnbJobStore  *store,
        GError      **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;

  self->in_group = FALSE;
  /* Other stations' views hear of a change once it is committed
   * (onb-store-watch.c), in the same round trip. */
  if (!command (self, self->wrote ? "NOTIFY " ONB_PG_CHANNEL "; COMMIT" : "COMMIT", 0, NULL, error))
    return FALSE;
  /* A lone op has no savepoint: its claims are the group's. */
  move_fences (self->op_fences, self->tx_fences);
  move_fences (self->tx_fences, self->fences);
  return TRUE;
}

static void
rollback (OnbJobStore *store)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;

  g_hash_table_remove_all (self->tx_fences);
  g_hash_table_remove_all (self->op_fences);
  if (PQstatus (self->conn) == CONNECTION_OK)
    command (self, "ROLLBACK", 0, NULL, NULL);
  self->in_group = FALSE;
}

static gboolean
op_begin (OnbJobStore  *store,
          GError      **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;

  g_hash_table_remove_all (self->op_fences);
  return command (self, "SAVEPOINT op", 0, NULL, error);
}

static void
op_end (OnbJobStore *store,
        gboolean     keep)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;

  if (keep)
    move_fences (self->op_fences, self->tx_fences);
  else
    {
      g_hash_table_remove_all (self->op_fences);
      command (self, "ROLLBACK TO op", 0, NULL, NULL);
    }
  command (self, "RELEASE op", 0, NULL, NULL);
}

/* Rows */

/* A text[] literal of @values (NULL entries are NULL). */
static char *
array_literal (char * const *values,
               guint         n_values)
{
  GString *out = g_string_new ("{");

  for (guint i = 0; i < n_values; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      if (values[i] == NULL)
        {
          g_string_append (out, "NULL");
          continue;
        }
      g_string_append_c (out, '"');
      for (const char *c = values[i]; *c; c++)
        {
          if (*c == '"' || *c == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, *c);
        }
      g_string_append_c (out, '"');
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

/* The steps of @rows, in one query. */
static gboolean
load_steps (OnbPgJobStore  *self,
            GPtrArray      *rows,
            GError        **error)
{
  g_autoptr(GString) ids = g_string_new ("{");
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  const char *params[1];
  PGresult *result;

  if (rows->len == 0)
    return TRUE;
  for (guint i = 0; i < rows->len; i++)
    {
      OnbJobRow *row = rows->pdata[i];

      g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", row->id);
      g_hash_table_insert (by_id, &row->id, row);
    }
  g_string_append_c (ids, '}');
  params[0] = ids->str;
  if (!(result = exec (self, "SELECT job_id, " ONB_JOB_STEP_COLUMNS " FROM onb_steps WHERE job_id = ANY ($1::bigint[])",
                       1, params, error)))
    return FALSE;
  for (int r = 0; r < PQntuples (result); r++)
    {
      gint64 id = g_ascii_strtoll (PQgetvalue (result, r, 0), NULL, 10);
      OnbJobRow *row = g_hash_table_lookup (by_id, &id);
      const char *values[ONB_JOB_STEP_N_COLUMNS];

      for (guint c = 0; c < G_N_ELEMENTS (values); c++)
        values[c] = onb_pg_value (result, r, c + 1);
      if (row != NULL)
        onb_job_row_set_step (row, values);
    }
  PQclear (result);
  return TRUE;
}

static GPtrArray *
find (OnbJobStore         *store,
      const OnbJobFilter  *filter,
      GArray              *foreign,
      GError             **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_job_row_free);
  g_autoptr(GString) sql = g_string_new ("SELECT " ONB_JOB_COLUMNS ", (owner_token IS NOT NULL AND owner_token <> $1 "
                                         "AND EXISTS (SELECT 1 FROM onb_claimants c WHERE c.token = j.owner_token "
                                         "AND c.lease_until > now ()))::int FROM onb_jobs j ");
  g_autofree char *id_text = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *state = NULL;
  const char *params[4] = { self->token };
  int n_params = 1;
  PGresult *result;

  if (filter->dev_eui != NULL)
    {
      g_string_append (sql, "WHERE dev_eui = $2");
      params[n_params++] = filter->dev_eui;
    }
  else if (filter->id != 0)
    {
      g_string_append (sql, "WHERE id = $2");
      params[n_params++] = id_text = g_strdup_printf ("%" G_GINT64_FORMAT, filter->id);
    }
  else if (filter->unfinished)
    g_string_append (sql, "WHERE state IN ('queued', 'running', 'waiting') ORDER BY id");
  else
    {
      g_string_append (sql, "WHERE true");
      if (filter->state >= 0)
        {
          g_string_append_printf (sql, " AND state = $%d", n_params + 1);
          params[n_params++] = state = g_strdup (onb_job_enum_to_nick (ONB_TYPE_JOB_STATE, filter->state));
        }
      if (filter->query != NULL && *filter->query != '\0')
        {
          g_string_append_printf (sql, " AND (dev_eui LIKE $%1$d OR device_name LIKE $%1$d OR reason LIKE $%1$d"
                                       " OR old_dev_eui LIKE $%1$d)", n_params + 1);
          params[n_params++] = pattern = g_strdup_printf ("%%%s%%", filter->query);
        }
      if (filter->station != NULL)
        {
          g_string_append_printf (sql, " AND station = $%d", n_params + 1);
          params[n_params++] = filter->station;
        }
      g_string_append (sql, " ORDER BY id DESC");
      if (filter->limit > 0)
        g_string_append_printf (sql, " LIMIT %u", filter->limit);
    }
  /* A claim waits for the owner's write under way, then decides. */
  if (filter->for_claim)
    g_string_append (sql, " FOR UPDATE");

  if (!ensure_connected (self, error) || !(result = exec (self, sql->str, n_params, params, error)))
    return NULL;
  for (int r = 0; r < PQntuples (result); r++)
    {
      const char *values[ONB_JOB_N_COLUMNS];

      for (guint c = 0; c < G_N_ELEMENTS (values); c++)
        values[c] = onb_pg_value (result, r, c);
      g_ptr_array_add (rows, onb_job_row_from_values (values));
      if (foreign != NULL)
        {
          gboolean other = g_str_equal (PQgetvalue (result, r, ONB_JOB_N_COLUMNS), "1");

          g_array_append_val (foreign, other);
        }
    }
  PQclear (result);
  return load_steps (self, rows, error) ? g_steal_pointer (&rows) : NULL;
}

static void
set_claim_lost (GError   **error,
                gint64     id)
{
  g_set_error (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_CLAIM_LOST,
               _("Another station took job %lld over while this one was not heard from; it goes on there."),
               (long long) id);
}

/* Appends the step arrays of @row to @params as text[] literals, in the
 * order of ONB_JOB_STEP_COLUMNS. */
static void
add_step_params (const OnbJobRow  *row,
                 char            **params)
{
  char *columns[ONB_JOB_STEP_N_COLUMNS][ONB_JOB_N_STEPS] = { { NULL, }, };

  for (guint s = 0; s < ONB_JOB_N_STEPS; s++)
    {
      char *values[ONB_JOB_STEP_N_COLUMNS];

      onb_job_row_get_step_values (row, s, values);
      for (guint c = 0; c < ONB_JOB_STEP_N_COLUMNS; c++)
        columns[c][s] = values[c];
    }
  for (guint c = 0; c < ONB_JOB_STEP_N_COLUMNS; c++)
    {
      params[c] = array_literal (columns[c], ONB_JOB_N_STEPS);
      onb_job_values_clear (columns[c], ONB_JOB_N_STEPS);
    }
}

/* The job's row (the statement @job_sql, named j, returning its id) and
 * all its steps (the arrays from parameter $@first on), in one statement
 * and one round trip. (transfer full) */
static char *
with_steps (const char *job_sql,
            guint       first)
{
  return g_strdup_printf ("WITH j AS (%s RETURNING id) "
                          "INSERT INTO onb_steps (job_id, " ONB_JOB_STEP_COLUMNS ") "
                          "SELECT j.id, s.* FROM j, unnest ($%u::text[], $%u::text[], $%u::int[], $%u::int[], "
                          "$%u::text[], $%u::text[], $%u::text[]) s "
                          "ON CONFLICT (job_id, step) DO UPDATE SET state = EXCLUDED.state, "
                          "attempts = EXCLUDED.attempts, owned = EXCLUDED.owned, remote_id = EXCLUDED.remote_id, "
                          "reason = EXCLUDED.reason, message = EXCLUDED.message "
                          "RETURNING job_id",
                          job_sql, first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 6);
}

/* This store's fencing token of job @id: the one claimed in this group,
 * else before; 0 when it never claimed it. */
static gint64
own_fence (OnbPgJobStore *self,
           gint64         id)
{
  gint64 *fence = g_hash_table_lookup (self->op_fences, &id);

  if (fence == NULL)
    fence = g_hash_table_lookup (self->tx_fences, &id);
  if (fence == NULL)
    fence = g_hash_table_lookup (self->fences, &id);
  return fence != NULL ? *fence : 0;
}

static gboolean
write_row (OnbJobStore  *store,
           OnbJobRow    *row,
           gboolean      claim,
           GError      **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;
  gboolean finished = row->state == ONB_JOB_STATE_DONE || row->state == ONB_JOB_STATE_FAILED;
  const char *owner = finished || !claim ? NULL : self->token;
  char *params[ONB_JOB_N_COLUMNS + 4 + ONB_JOB_STEP_N_COLUMNS] = { NULL, };
  guint n = ONB_JOB_N_COLUMNS - 1;
  g_autofree char *sql = NULL;
  PGresult *result;

  onb_job_row_get_values (row, params);
  params[n++] = g_strdup (owner);
  params[n++] = g_strdup (self->station);
  if (row->id == 0)
    {
      add_step_params (row, &params[n]);
      sql = with_steps ("INSERT INTO onb_jobs (dev_eui, kind, state, join_eui, device_name, old_dev_eui, delete_old, "
                        "source, code_kind, reason, message, attempts, blynk_device_id, created_us, updated_us, "
                        "started_us, finished_us, next_attempt_us, model_name, owner_token, station, fence) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
                        "$19, $20, $21, 1)", n + 1);
      result = exec (self, sql, n + ONB_JOB_STEP_N_COLUMNS, (const char * const *) params, error);
      if (result != NULL && PQntuples (result) > 0)
        {
          row->id = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
          keep_fence (self->op_fences, row->id, 1);
        }
    }
  else
    {
      params[n++] = g_strdup_printf ("%" G_GINT64_FORMAT, row->id);
      params[n++] = g_strdup_printf ("%" G_GINT64_FORMAT, own_fence (self, row->id));
      add_step_params (row, &params[n]);
      sql = with_steps ("UPDATE onb_jobs SET dev_eui = $1, kind = $2, state = $3, join_eui = $4, device_name = $5, "
                        "old_dev_eui = $6, delete_old = $7, source = $8, code_kind = $9, reason = $10, "
                        "message = $11, attempts = $12, blynk_device_id = $13, created_us = $14, "
                        "updated_us = $15, started_us = $16, finished_us = $17, next_attempt_us = $18, "
                        "model_name = $19, owner_token = $20, station = $21 WHERE id = $22 AND fence = $23", n + 1);
      result = exec (self, sql, n + ONB_JOB_STEP_N_COLUMNS, (const char * const *) params, error);
      /* No row: the fence moved on, another station owns the job. */
      if (result != NULL && PQntuples (result) == 0)
        {
          set_claim_lost (error, row->id);
          g_clear_pointer (&result, PQclear);
        }
    }
  self->wrote |= result != NULL;
  PQclear (result);
  onb_job_values_clear (params, G_N_ELEMENTS (params));
  return result != NULL;
}

static gboolean
take (OnbJobStore  *store,
      gint64        id,
      GError      **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  const char *params[] = { self->token, self->station, id_text };
  PGresult *result = exec (self, "UPDATE onb_jobs SET owner_token = $1, station = $2, fence = fence + 1 "
                                 "WHERE id = $3 RETURNING fence", G_N_ELEMENTS (params), params, error);

  if (result == NULL)
    return FALSE;
  if (PQntuples (result) == 1)
    keep_fence (self->op_fences, id, g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10));
  PQclear (result);
  return TRUE;
}

/* Conflicts and progress */

static gboolean
add_conflict (OnbJobStore               *store,
              const OnbJournalConflict  *conflict,
              GError                   **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;
  g_autofree char *at = g_strdup_printf ("%" G_GINT64_FORMAT, conflict->at_us);
  const char *params[] = { at, conflict->dev_eui, conflict->device_id, self->station };

  return command (self, "INSERT INTO onb_conflicts (at_us, dev_eui, device_id, station) VALUES ($1, $2, $3, $4)",
                  G_N_ELEMENTS (params), params, error);
}

static OnbJournalConflict *
last_conflict (OnbJobStore  *store,
               guint        *n_conflicts,
               GError      **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;
  OnbJournalConflict *conflict = NULL;
  PGresult *result;

  if (!ensure_connected (self, error) ||
      !(result = exec (self, "SELECT at_us, dev_eui, device_id, (SELECT count(*) FROM onb_conflicts) "
                             "FROM onb_conflicts ORDER BY id DESC LIMIT 1", 0, NULL, error)))
    return NULL;
  if (PQntuples (result) > 0)
    {
      conflict = g_new0 (OnbJournalConflict, 1);
      conflict->at_us = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
      conflict->dev_eui = g_strdup (PQgetvalue (result, 0, 1));
      conflict->device_id = g_strdup (PQgetvalue (result, 0, 2));
      *n_conflicts = strtoul (PQgetvalue (result, 0, 3), NULL, 10);
    }
  PQclear (result);
  return conflict;
}

static OnbDeviceStates *
device_states (OnbJobStore         *store,
               const char          *station,
               const char * const  *dev_euis,
               GError             **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;
  g_autoptr(OnbDeviceStates) states = onb_device_states_new ();
  g_autofree char *wanted = dev_euis != NULL ? array_literal ((char * const *) dev_euis, g_strv_length ((char **) dev_euis))
                                             : NULL;
  const char *params[] = { wanted, station };
  PGresult *result;

  if (!ensure_connected (self, error))
    return NULL;
  /* NULL parameters match everything. */
  result = exec (self, "SELECT dev_eui, state, reason, message FROM onb_jobs "
                       "WHERE ($1::text[] IS NULL OR dev_eui = ANY ($1::text[])) AND ($2::text IS NULL OR station = $2)",
                 2, params, error);
  if (result == NULL)
    return NULL;
  for (int r = 0; r < PQntuples (result); r++)
    onb_job_states_add (states, PQgetvalue (result, r, 0), PQgetvalue (result, r, 1), onb_pg_value (result, r, 2),
                        onb_pg_value (result, r, 3));
  PQclear (result);
  return g_steal_pointer (&states);
}

/* Nothing of the station's disk: only whether the database is there. */
static gboolean
check_space (OnbJobStore  *store,
             GError      **error)
{
  return ensure_connected ((OnbPgJobStore *) store, error);
}

/* Three renewals per lease: one lost in the network costs nothing. */
static guint
renew (OnbJobStore *store)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;
  g_autoptr(GError) error = NULL;

  if (!ensure_connected (self, &error) || !renew_lease (self, &error))
    g_debug ("The claims' lease could not be renewed: %s", error->message);
  return self->lease_s * 1000 / 3;
}

/* A station is heard from whenever one of its journals renews its
 * lease; it is live while one of those leases holds. */
static GPtrArray *
stations (OnbJobStore  *store,
          gint64        since_us,
          GError      **error)
{
  OnbPgJobStore *self = (OnbPgJobStore *) store;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_journal_station_free);
  g_autofree char *since = g_strdup_printf ("%" G_GINT64_FORMAT, since_us);
  const char *params[] = { since };
  PGresult *result;

  if (!ensure_connected (self, error) ||
      !(result = exec (self, "SELECT c.station, (extract (epoch FROM max (c.renewed_at)) * 1000000)::bigint, "
                             "(max (c.lease_until) > now ())::int, "
                             "(SELECT count(*) FROM onb_jobs j WHERE j.station = c.station AND j.state = 'done' "
                             "AND j.finished_us > $1) "
                             "FROM onb_claimants c GROUP BY c.station ORDER BY c.station", 1, params, error)))
    return NULL;
  for (int r = 0; r < PQntuples (result); r++)
    {
      OnbJournalStation *station = g_new0 (OnbJournalStation, 1);

      station->name = g_strdup (PQgetvalue (result, r, 0));
      station->last_seen_us = g_ascii_strtoll (PQgetvalue (result, r, 1), NULL, 10);
      station->live = g_str_equal (PQgetvalue (result, r, 2), "1");
      station->n_done_last_hour = strtoul (PQgetvalue (result, r, 3), NULL, 10);
      g_ptr_array_add (list, station);
    }
  PQclear (result);
  return g_steal_pointer (&list);
}

static void
job_store_iface_init (OnbJobStoreInterface *iface)
{
  iface->begin = begin;
  iface->commit = commit;
  iface->rollback = rollback;
  iface->op_begin = op_begin;
  iface->op_end = op_end;
  iface->find = find;
  iface->write = write_row;
  iface->take = take;
  iface->add_conflict = add_conflict;
  iface->last_conflict = last_conflict;
  iface->device_states = device_states;
  iface->check_space = check_space;
  iface->renew = renew;
  iface->stations = stations;
}
