/* onb-pg-job-store.h: the jobs of every station of a site in one PostgreSQL database (docs/design.md, Claims) */
#pragma once

#include "onb-job-store.h"

G_BEGIN_DECLS

/* The pg_advisory_xact_lock key a group of claims holds: one station
 * claims at a time, so two stations never both insert or take a row. */
#define ONB_PG_JOB_STORE_CLAIM_LOCK 1330528771

#define ONB_TYPE_PG_JOB_STORE (onb_pg_job_store_get_type ())
G_DECLARE_FINAL_TYPE (OnbPgJobStore, onb_pg_job_store, ONB, PG_JOB_STORE, GObject)

/* Connects to @uri (onb_pg_connect(): the schema brought up to date when
 * the role may) and, unless @read_only (a reader, which claims nothing),
 * registers a claimant of station @station whose claims hold for @lease_s
 * seconds after each renewal. (transfer full) */
OnbJobStore *onb_pg_job_store_open (const char  *uri,
                                    const char  *station,
                                    guint        lease_s,
                                    gboolean     read_only,
                                    GError     **error);
/* The store of a station that starts while the database is out of reach
 * (onb_pg_out_of_reach()): not connected; its calls fail as
 * store-unreachable until a new connection (the schema checked as in
 * onb_pg_connect()) is made at one of them. (transfer full) */
OnbJobStore *onb_pg_job_store_open_alone (const char *uri,
                                          const char *station,
                                          guint       lease_s);

G_END_DECLS
