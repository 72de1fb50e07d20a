/* test-pg.c: the private PostgreSQL server the store's tests run on */

#include "config.h"

#include <sys/stat.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "onb-test-pg.h"

static char *
query_text (PGconn     *conn,
            const char *sql)
{
  PGresult *result = PQexec (conn, sql);
  char *text;

  g_assert_cmpstr (PQresultErrorMessage (result), ==, "");
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_TUPLES_OK);
  text = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  return text;
}

/* It starts as a user other than root, takes a libpq connection on its
 * own socket only, and stops cleanly, leaving nothing behind. */
static void
test_start_connect_stop (void)
{
  OnbTestPg *pg = onb_test_pg_start ();
  g_autofree char *host = NULL;
  g_autofree char *socket_path = NULL;
  g_autofree char *version = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *data_dir = NULL;
  struct stat st;
  PGconn *conn;

  if (pg == NULL)
    return;
  host = g_strdup (onb_test_pg_get_host (pg));
  socket_path = g_strdup_printf ("%s/.s.PGSQL.%u", host, onb_test_pg_get_port (pg));
  g_assert_true (g_file_test (socket_path, G_FILE_TEST_EXISTS));

  conn = PQconnectdb (onb_test_pg_get_uri (pg));
  g_assert_cmpstr (PQerrorMessage (conn), ==, "");
  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  version = query_text (conn, "SHOW server_version_num");
  g_assert_cmpint (g_ascii_strtoll (version, NULL, 10) / 10000, ==, 15);
  listen = query_text (conn, "SHOW listen_addresses");
  g_assert_cmpstr (listen, ==, "");
  data_dir = query_text (conn, "SHOW data_directory");
  g_assert_cmpint (stat (data_dir, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, !=, 0);
  g_assert_cmpuint (st.st_mode & 0077, ==, 0);
  /* Stopping with a client still connected: the fast shutdown ends it. */
  onb_test_pg_stop (pg);

  g_assert_false (g_file_test (host, G_FILE_TEST_EXISTS));
  PQfinish (conn);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pg/start-connect-stop", test_start_connect_stop);
  return g_test_run ();
}
