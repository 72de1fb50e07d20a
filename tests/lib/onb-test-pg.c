/* onb-test-pg.c: a private PostgreSQL 15 server around a test */

#include "config.h"

#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "onb-test-files.h"
#include "onb-test-pg.h"

#define START_TIMEOUT_US (60 * G_USEC_PER_SEC)

struct _OnbTestPg
{
  char *bindir;
  char *dir;        /* the socket, data/ and log */
  char *uri;
  guint port;
  uid_t uid;        /* who runs the server */
  gid_t gid;
  GSubprocess *server;
};

/* Runs in the child between fork and exec: becomes the server's user, and
 * dies with the test process, so that a crashed test leaves no server
 * behind (the kernel clears the death signal when the user changes: set
 * it after). */
static void
child_setup (gpointer data)
{
  OnbTestPg *pg = data;

  if (geteuid () == 0 && (setgroups (0, NULL) != 0 || setgid (pg->gid) != 0 || setuid (pg->uid) != 0))
    _exit (126);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* CI runs as root, and PostgreSQL refuses root: the postgres account
 * when there is one, else nobody. */
static void
choose_user (OnbTestPg *pg)
{
  struct passwd *user;

  pg->uid = geteuid ();
  pg->gid = getegid ();
  if (pg->uid != 0)
    return;
  user = getpwnam ("postgres");
  if (user == NULL)
    user = getpwnam ("nobody");
  g_assert_nonnull (user);
  pg->uid = user->pw_uid;
  pg->gid = user->pw_gid;
}

/* A port no one listens on now. The server listens only on its socket
 * file in our folder, whose name carries the port number. */
static guint
free_port (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t length = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &length), ==, 0);
  close (fd);
  return ntohs (addr.sin_port);
}

static GSubprocessLauncher *
launcher_new (OnbTestPg       *pg,
              GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_cwd (launcher, pg->dir);
  /* The server and its tools speak English in the log whatever the
   * machine's locale. */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, pg, NULL);
  return launcher;
}

static void
run_initdb (OnbTestPg  *pg,
            const char *bindir)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (pg, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                              G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *initdb = g_build_filename (bindir, "initdb", NULL);
  g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_launcher_spawn (launcher, &error, initdb, "--pgdata", data, "--username", ONB_TEST_PG_USER,
                                         "--auth", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync",
                                         "--no-instructions", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("initdb failed:\n%s", output);
}

static char *
read_log (OnbTestPg *pg)
{
  g_autofree char *path = g_build_filename (pg->dir, "log", NULL);
  char *log = NULL;

  return g_file_get_contents (path, &log, NULL, NULL) ? log : g_strdup ("(no log)");
}

static void
wait_ready (OnbTestPg *pg)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;

  while (PQping (pg->uri) != PQPING_OK)
    {
      if (g_subprocess_get_identifier (pg->server) == NULL || g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = read_log (pg);

          g_error ("PostgreSQL did not start:\n%s", log);
        }
      g_usleep (20 * 1000);
    }
}

/* Small and fast: no TCP, no fsync (the folder is thrown away), few
 * connections, so that several servers fit on a 2-core CI machine;
 * enough of them for the fleet benchmark's 16 stations, which counts
 * statements by pg_stat_statements. */
static void
start_server (OnbTestPg *pg)
{
  g_autofree char *postgres = g_build_filename (pg->bindir, "postgres", NULL);
  g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
  g_autofree char *log = g_build_filename (pg->dir, "log", NULL);
  g_autofree char *port = g_strdup_printf ("%u", pg->port);
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (pg, G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  pg->server = g_subprocess_launcher_spawn (launcher, &error, postgres, "-D", data, "-k", pg->dir, "-p", port,
                                            "-c", "listen_addresses=", "-c", "fsync=off",
                                            "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                                            "-c", "max_connections=80", "-c", "shared_buffers=16MB",
                                            "-c", "shared_preload_libraries=pg_stat_statements",
                                            "-c", "logging_collector=off", NULL);
  g_assert_no_error (error);
  wait_ready (pg);
}

/* SIGINT: fast shutdown, clients disconnected, a clean checkpoint. */
static void
stop_server (OnbTestPg *pg)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (pg->server, SIGINT);
  g_subprocess_wait (pg->server, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (pg->server) || g_subprocess_get_exit_status (pg->server) != 0)
    {
      g_autofree char *log = read_log (pg);

      g_error ("PostgreSQL did not stop cleanly:\n%s", log);
    }
  g_clear_object (&pg->server);
}

static void
create_database (OnbTestPg *pg)
{
  g_autofree char *admin_uri = g_strdup_printf ("postgresql:///postgres?host=%s&port=%u&user=" ONB_TEST_PG_USER,
                                                pg->dir, pg->port);
  PGconn *conn = PQconnectdb (admin_uri);
  PGresult *result;

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot connect to the test server: %s", PQerrorMessage (conn));
  result = PQexec (conn, "CREATE DATABASE " ONB_TEST_PG_DATABASE);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("Cannot create the test database: %s", PQerrorMessage (conn));
  PQclear (result);
  PQfinish (conn);
}

OnbTestPg *
onb_test_pg_start (void)
{
  const char *bindir = g_getenv ("ONB_TEST_PG_BINDIR");
  g_autofree char *postgres = NULL;
  g_autofree char *initdb = NULL;
  OnbTestPg *pg;

  if (bindir == NULL)
    bindir = ONB_TEST_PG_DEFAULT_BINDIR;
  postgres = g_build_filename (bindir, "postgres", NULL);
  initdb = g_build_filename (bindir, "initdb", NULL);
  if (!g_file_test (postgres, G_FILE_TEST_IS_EXECUTABLE) || !g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_autofree char *message = g_strdup_printf ("PostgreSQL 15 is not installed (no %s): install the Debian "
                                                  "package postgresql-15 (./build-aux/quickstart test installs it)",
                                                  postgres);

      g_test_skip (message);
      return NULL;
    }

  pg = g_new0 (OnbTestPg, 1);
  choose_user (pg);
  /* Under /tmp whatever TMPDIR says: the socket's path must stay under
   * 108 bytes, and the server's user must reach it (a TMPDIR in root's
   * home would not do). */
  pg->dir = g_strdup ("/tmp/onb-pg-XXXXXX");
  g_assert_nonnull (g_mkdtemp_full (pg->dir, 0700));
  if (geteuid () == 0)
    g_assert_cmpint (chown (pg->dir, pg->uid, pg->gid), ==, 0);
  pg->port = free_port ();
  pg->uri = g_strdup_printf ("postgresql:///" ONB_TEST_PG_DATABASE "?host=%s&port=%u&user=" ONB_TEST_PG_USER,
                             pg->dir, pg->port);

  pg->bindir = g_strdup (bindir);
  run_initdb (pg, bindir);

  start_server (pg);
  create_database (pg);
  return pg;
}

const char *
onb_test_pg_get_uri (OnbTestPg *pg)
{
  return pg->uri;
}

const char *
onb_test_pg_get_host (OnbTestPg *pg)
{
  return pg->dir;
}

guint
onb_test_pg_get_port (OnbTestPg *pg)
{
  return pg->port;
}

void
onb_test_pg_restart (OnbTestPg *pg)
{
  stop_server (pg);
  start_server (pg);
}

void
onb_test_pg_stop (OnbTestPg *pg)
{
  if (pg == NULL)
    return;
  stop_server (pg);
  onb_test_remove_tree (pg->dir);
  g_free (pg->bindir);
  g_free (pg->dir);
  g_free (pg->uri);
  g_free (pg);
}
