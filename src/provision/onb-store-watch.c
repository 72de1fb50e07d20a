/* onb-store-watch.c: what the kiosk hears of the other stations
 *
 * Its own connection, which only listens and counts stations: connecting
 * runs on a worker thread (a database that is down must not stall the
 * kiosk), everything else on the main context, woken by the socket.
 */

#define G_LOG_DOMAIN "onb-journal"

#include "config.h"

#include <glib-unix.h>
#include <libpq-fe.h>

#include "onb-pg.h"
#include "onb-store-watch.h"
#include "onb-store.h"

/* How soon a lost connection is tried again. */
#define RECONNECT_MS 1000

struct _OnbStoreWatch
{
  GObject parent_instance;
  char *uri;
  guint lease_s;
  PGconn *conn;
  GCancellable *cancellable; /* the connection being made */
  guint socket_source;
  guint timer;               /* the next count of stations, or the next try to connect */
  guint n_stations;
  gboolean counting;         /* a count of stations is unanswered */
  gboolean alone;
};

G_DEFINE_FINAL_TYPE (OnbStoreWatch, onb_store_watch, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_N_STATIONS,
  PROP_WORKING_ALONE,
  N_PROPS
};

enum
{
  CHANGED,
  LIST_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_connect (OnbStoreWatch *self);

static void
set_alone (OnbStoreWatch *self,
           gboolean       alone)
{
  if (self->alone == alone)
    return;
  self->alone = alone;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKING_ALONE]);
}

static void
set_n_stations (OnbStoreWatch *self,
                guint          n)
{
  if (self->n_stations == n)
    return;
  self->n_stations = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STATIONS]);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  OnbStoreWatch *self = user_data;

  self->timer = 0;
  start_connect (self);
  return G_SOURCE_REMOVE;
}

/* The connection is gone: this station works alone until it is back. */
static void
lose_connection (OnbStoreWatch *self)
{
  g_clear_handle_id (&self->socket_source, g_source_remove);
  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_pointer (&self->conn, PQfinish);
  self->counting = FALSE;
  set_alone (self, TRUE);
  self->timer = g_timeout_add (RECONNECT_MS, reconnect_cb, self);
}

/* Stations whose lease holds; a lease is renewed three times over, so
 * counting once per lease third follows them. The answer comes through
 * the socket, so the kiosk never waits for it; a count still unanswered
 * at the next one means that the network swallows packets, which a
 * listening connection would not notice otherwise. */
static gboolean
count_cb (gpointer user_data)
{
  OnbStoreWatch *self = user_data;

  if (self->counting ||
      !PQsendQuery (self->conn, "SELECT count(DISTINCT station) FROM onb_claimants WHERE lease_until > now ()"))
    {
      g_debug ("The shared store does not answer: it is taken as out of reach");
      self->timer = 0;
      lose_connection (self);
      return G_SOURCE_REMOVE;
    }
  self->counting = TRUE;
  return G_SOURCE_CONTINUE;
}

static void
read_count (OnbStoreWatch *self)
{
  while (self->counting && !PQisBusy (self->conn))
    {
      PGresult *result = PQgetResult (self->conn);

      if (result == NULL)
        self->counting = FALSE;
      else if (PQresultStatus (result) == PGRES_TUPLES_OK)
        set_n_stations (self, MAX (1, g_ascii_strtoull (PQgetvalue (result, 0, 0), NULL, 10)));
      PQclear (result);
    }
}

static gboolean
socket_cb (int           fd,
           GIOCondition  condition,
           gpointer      user_data)
{
  OnbStoreWatch *self = user_data;
  gboolean changed = FALSE;
  gboolean list_changed = FALSE;
  PGnotify *notify;

  if (!PQconsumeInput (self->conn) || PQstatus (self->conn) != CONNECTION_OK)
    {
      self->socket_source = 0;
      lose_connection (self);
      return G_SOURCE_REMOVE;
    }
  /* Many commits may be heard at once: one re-read serves them all. */
  while ((notify = PQnotifies (self->conn)) != NULL)
    {
      changed = TRUE;
      list_changed |= g_strcmp0 (notify->extra, ONB_PG_LIST_CHANGED) == 0;
      PQfreemem (notify);
    }
  read_count (self);
  if (list_changed)
    g_signal_emit (self, signals[LIST_CHANGED], 0);
  if (changed)
    g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_CONTINUE;
}

static void
connect_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  PGconn *conn = onb_pg_connectdb (task_data);
  PGresult *result = NULL;

  if (PQstatus (conn) == CONNECTION_OK)
    result = onb_pg_run (conn, "LISTEN " ONB_PG_CHANNEL, 0, NULL, ONB_PG_ANSWER_MS);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "%s", PQerrorMessage (conn));
      PQfinish (conn);
    }
  else
    g_task_return_pointer (task, conn, (GDestroyNotify) PQfinish);
  PQclear (result);
}

static void
connected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  PGconn *conn = g_task_propagate_pointer (G_TASK (result), &error);
  OnbStoreWatch *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  g_clear_object (&self->cancellable);
  if (conn == NULL)
    {
      g_debug ("The shared store cannot be watched: %s", error->message);
      lose_connection (self);
      return;
    }
  self->conn = conn;
  self->socket_source = g_unix_fd_add (PQsocket (conn), G_IO_IN, socket_cb, self);
  self->timer = g_timeout_add (CLAMP (self->lease_s * 1000 / 3, 1, ONB_PG_ANSWER_MS), count_cb, self);
  count_cb (self);
  set_alone (self, FALSE);
  /* What was notified while cut off is lost: everything is read again. */
  g_signal_emit (self, signals[LIST_CHANGED], 0);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
start_connect (OnbStoreWatch *self)
{
  g_autoptr(GTask) task = NULL;

  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, connected_cb, self);
  g_task_set_task_data (task, g_strdup (self->uri), g_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, connect_in_thread);
}

static void
onb_store_watch_dispose (GObject *object)
{
  OnbStoreWatch *self = (OnbStoreWatch *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->socket_source, g_source_remove);
  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_pointer (&self->conn, PQfinish);
  G_OBJECT_CLASS (onb_store_watch_parent_class)->dispose (object);
}

static void
onb_store_watch_finalize (GObject *object)
{
  g_free (((OnbStoreWatch *) object)->uri);
  G_OBJECT_CLASS (onb_store_watch_parent_class)->finalize (object);
}

static void
onb_store_watch_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OnbStoreWatch *self = (OnbStoreWatch *) object;

  switch (prop_id)
    {
    case PROP_N_STATIONS:
      g_value_set_uint (value, self->n_stations);
      break;
    case PROP_WORKING_ALONE:
      g_value_set_boolean (value, self->alone);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_store_watch_class_init (OnbStoreWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = onb_store_watch_dispose;
  object_class->finalize = onb_store_watch_finalize;
  object_class->get_property = onb_store_watch_get_property;

  properties[PROP_N_STATIONS] = g_param_spec_uint ("n-stations", NULL, NULL, 1, G_MAXUINT, 1,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WORKING_ALONE] = g_param_spec_boolean ("working-alone", NULL, NULL, FALSE,
                                                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
  signals[LIST_CHANGED] = g_signal_new ("list-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 0);
}

static void
onb_store_watch_init (OnbStoreWatch *self)
{
  self->n_stations = 1;
}

OnbStoreWatch *
onb_store_watch_new (OnbConfig *config)
{
  OnbStoreWatch *self = g_object_new (ONB_TYPE_STORE_WATCH, NULL);

  self->uri = onb_store_get_url (config);
  self->lease_s = onb_store_get_lease_s (config);
  if (self->uri != NULL)
    start_connect (self);
  return self;
}

guint
onb_store_watch_get_n_stations (OnbStoreWatch *self)
{
  g_return_val_if_fail (ONB_IS_STORE_WATCH (self), 1);
  return self->n_stations;
}

gboolean
onb_store_watch_get_working_alone (OnbStoreWatch *self)
{
  g_return_val_if_fail (ONB_IS_STORE_WATCH (self), FALSE);
  return self->alone;
}
