/* onb-sqlite-job-store.h: the jobs in the station's own journal.sqlite (docs/design.md, Claims) */
#pragma once

#include "onb-job-store.h"

G_BEGIN_DECLS

#define ONB_TYPE_SQLITE_JOB_STORE (onb_sqlite_job_store_get_type ())
G_DECLARE_FINAL_TYPE (OnbSqliteJobStore, onb_sqlite_job_store, ONB, SQLITE_JOB_STORE, GObject)

/* Creates the file (mode 0600) when missing. Claims name this process
 * and a token of this store's own. (transfer full) */
OnbJobStore *onb_sqlite_job_store_open           (const char         *path,
                                                  GError            **error);
/* Writes nothing: works on a read-only data folder and a full disk. */
OnbJobStore *onb_sqlite_job_store_open_read_only (const char         *path,
                                                  GError            **error);
/* Removes the jobs @ids (@n_ids of them) and their steps, in one
 * transaction: an outbox's jobs once the shared store holds them. */
gboolean     onb_sqlite_job_store_remove         (OnbSqliteJobStore  *self,
                                                  const gint64       *ids,
                                                  guint               n_ids,
                                                  GError            **error);
/* For tests: the file may grow to @n_pages pages and no further (as a
 * full disk would stop it); 0 lifts the limit. */
void         onb_sqlite_job_store_set_max_pages  (OnbSqliteJobStore  *self,
                                                  guint               n_pages);

G_END_DECLS
