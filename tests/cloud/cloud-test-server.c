/* cloud-test-server.c: a tiny HTTP/1.1 server on the test's main loop */

#include "config.h"

#include <string.h>

#include "cloud-test-server.h"

typedef struct
{
  TestServer        *server;
  GSocketConnection *connection;
  GDataInputStream  *input;
  GString           *request;
  gsize              content_length;
  gboolean           idle;       /* waits for no I/O: never answered, or held */
} Exchange;

static void read_next_line (Exchange *x);

static void
exchange_free (Exchange *x)
{
  x->server->exchanges = g_list_remove (x->server->exchanges, x);
  g_object_unref (x->connection);
  g_object_unref (x->input);
  g_string_free (x->request, TRUE);
  g_free (x);
}

static void
answer_written (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Exchange *x = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    {
      exchange_free (x);
      return;
    }
  /* Keep-alive: wait for the next request on this connection. */
  g_string_truncate (x->request, 0);
  x->content_length = 0;
  read_next_line (x);
}

static gboolean
answer (gpointer user_data)
{
  Exchange *x = user_data;
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (x->connection));

  x->idle = x->server->held;
  if (x->idle)
    return G_SOURCE_REMOVE; /* test_server_release() answers it */

  g_output_stream_write_all_async (output, x->server->response, x->server->response_len,
                                   G_PRIORITY_DEFAULT, x->server->cancellable, answer_written, x);
  return G_SOURCE_REMOVE;
}

static void
request_complete (Exchange *x)
{
  x->server->n_requests++;
  g_string_assign (x->server->last_request, x->request->str);
  if (x->server->response == NULL)
    {
      x->idle = TRUE; /* never answer; the client times out or cancels */
      return;
    }
  g_timeout_add (x->server->delay_ms, answer, x);
}

static void
body_read (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Exchange *x = user_data;
  g_autoptr(GBytes) body = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, NULL);

  if (body != NULL)
    g_string_append_len (x->request, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  request_complete (x);
}

static void
line_read (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Exchange *x = user_data;
  gsize length;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, &length, NULL);

  if (line == NULL)
    {
      exchange_free (x);
      return;
    }

  if (length > 0 && line[length - 1] == '\r')
    line[--length] = '\0';

  if (length > 0)
    {
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        x->content_length = g_ascii_strtoull (line + 15, NULL, 10);
      g_string_append_printf (x->request, "%s\n", line);
      read_next_line (x);
      return;
    }

  g_string_append_c (x->request, '\n');
  if (x->content_length == 0)
    {
      request_complete (x);
      return;
    }
  g_input_stream_read_bytes_async (G_INPUT_STREAM (x->input), x->content_length,
                                   G_PRIORITY_DEFAULT, x->server->cancellable, body_read, x);
}

static void
read_next_line (Exchange *x)
{
  g_data_input_stream_read_line_async (x->input, G_PRIORITY_DEFAULT, x->server->cancellable, line_read, x);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  Exchange *x = g_new0 (Exchange, 1);

  x->server = user_data;
  x->server->n_connections++;
  x->connection = g_object_ref (connection);
  x->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (x->input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  x->request = g_string_new (NULL);
  x->server->exchanges = g_list_prepend (x->server->exchanges, x);
  read_next_line (x);

  return TRUE;
}

TestServer *
test_server_new (const char *response)
{
  return test_server_new_len (response, response != NULL ? strlen (response) : 0);
}

TestServer *
test_server_new_len (const char *response,
                     gsize       response_len)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;

  server->service = g_socket_service_new ();
  server->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (server->service), NULL, &error);
  g_assert_no_error (error);
  server->url = g_strdup_printf ("http://127.0.0.1:%u", server->port);
  server->last_request = g_string_new (NULL);
  server->response = response != NULL ? g_memdup2 (response, response_len) : NULL;
  server->response_len = response_len;
  server->cancellable = g_cancellable_new ();
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_incoming), server);
  g_socket_service_start (server->service);

  return server;
}

void
test_server_release (TestServer *server)
{
  server->held = FALSE;
  for (GList *l = server->exchanges; l != NULL; l = l->next)
    {
      Exchange *x = l->data;

      if (x->idle && server->response != NULL)
        answer (x);
    }
}

void
test_server_free (TestServer *server)
{
  /* Let every exchange end, so nothing pending is left behind. */
  g_cancellable_cancel (server->cancellable);
  for (GList *l = server->exchanges; l != NULL;)
    {
      Exchange *x = l->data;

      l = l->next;
      if (x->idle)
        exchange_free (x);
    }
  while (server->exchanges != NULL)
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (server->cancellable);
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_object_unref (server->service);
  g_string_free (server->last_request, TRUE);
  g_free (server->response);
  g_free (server->url);
  g_free (server);
}
