/* cloud-test-server.h: a tiny HTTP/1.1 server on the test's main loop
 *
 * Answers every request with one canned raw response (after delay_ms, and
 * not while held), or never when response is NULL. If a client blocked the
 * main loop, this server could never answer: tests using it also prove the
 * client does not.
 */
#pragma once

#include <gio/gio.h>

typedef struct
{
  GSocketService *service;
  guint16         port;
  char           *url;
  guint           n_connections;
  guint           n_requests;
  GString        *last_request;
  char           *response;  /* raw answer; NULL: never answer */
  gsize           response_len;
  guint           delay_ms;
  gboolean        held;      /* answers wait for test_server_release() */
  GCancellable   *cancellable;
  GList          *exchanges;
} TestServer;

TestServer *test_server_new  (const char *response);
/* For answers with NUL bytes (compressed bodies). */
TestServer *test_server_new_len (const char *response,
                                 gsize       response_len);
void        test_server_free (TestServer *server);
/* Sends the answers that wait for it; later ones go out at once. */
void        test_server_release (TestServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestServer, test_server_free)
