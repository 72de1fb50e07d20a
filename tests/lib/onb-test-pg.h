/* onb-test-pg.h: a private PostgreSQL 15 server around a test
 *
 * onb_test_pg_start() makes a database cluster in a temporary folder
 * (initdb), owned by an unprivileged user when the test runs as root (CI
 * does: PostgreSQL refuses to run as root), and starts `postgres` on a Unix
 * socket in that folder only, no TCP, on a free port number. Nothing of
 * the machine's own PostgreSQL is used or touched. onb_test_pg_stop()
 * shuts the server down (fast shutdown) and removes the folder; a test
 * process that dies takes its server with it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _OnbTestPg OnbTestPg;

/* The folder of initdb and postgres unless ONB_TEST_PG_BINDIR says
 * otherwise. */
#define ONB_TEST_PG_DEFAULT_BINDIR "/usr/lib/postgresql/15/bin"
/* The cluster's superuser and its one database. */
#define ONB_TEST_PG_USER           "onb_admin"
#define ONB_TEST_PG_DATABASE       "onboarder"

/* Starts a server; fails the test when it cannot. Only when the
 * PostgreSQL binaries are not installed: marks the test skipped, says
 * which package to install, and returns NULL. */
OnbTestPg  *onb_test_pg_start     (void);
/* A libpq connection URI to the database as its superuser. */
const char *onb_test_pg_get_uri   (OnbTestPg *pg);
/* The folder of the socket (the URI's host). */
const char *onb_test_pg_get_host  (OnbTestPg *pg);
guint       onb_test_pg_get_port  (OnbTestPg *pg);
/* Stops the server (fast shutdown: its clients lose their connections)
 * and starts it again on the same socket, with the same data. */
void        onb_test_pg_restart   (OnbTestPg *pg);
/* Stops the server, asserts that it stopped cleanly, and removes its
 * folder. NULL is ignored. */
void        onb_test_pg_stop      (OnbTestPg *pg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbTestPg, onb_test_pg_stop)

G_END_DECLS
