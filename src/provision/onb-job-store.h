/* onb-job-store.h: where the journal keeps its jobs (docs/design.md, Claims)
 *
 * OnbJournal holds the logic (group commits, what a claim means, faults)
 * once; a job store holds the rows and all the SQL: OnbSqliteJobStore
 * (the station's own journal.sqlite, the default) and OnbPgJobStore (the
 * site's PostgreSQL, [store] url). A store is one journal's: it knows
 * that journal's claims. Its calls are made one at a time (the journal's
 * lock), groups of writes on the journal's writer thread.
 */
#pragma once

#include <glib-object.h>

#include "onb-job-private.h"
#include "onb-journal.h"

G_BEGIN_DECLS

/* Which rows, with their steps. */
typedef struct
{
  const char *dev_eui;    /* the job of one DevEUI (upper case) */
  gint64      id;         /* the job of one id */
  gboolean    unfinished; /* queued, running and waiting jobs, oldest first */
  gboolean    for_claim;  /* in a group: the rows are about to be claimed */
  /* Otherwise every job, newest first: */
  const char *query;      /* in the DevEUI, name, reason or old DevEUI */
  int         state;      /* an OnbJobState; -1: any */
  guint       limit;      /* 0: no limit */
  const char *station;    /* NULL: every station's */
} OnbJobFilter;

/* A job's columns, in the order of onb_job_row_from_values(). */
#define ONB_JOB_COLUMNS "id, dev_eui, kind, state, join_eui, device_name, old_dev_eui, delete_old, source, " \
                        "code_kind, reason, message, attempts, blynk_device_id, created_us, updated_us, "     \
                        "started_us, finished_us, next_attempt_us, model_name"
#define ONB_JOB_N_COLUMNS 20
/* A step's columns, in the order of onb_job_row_set_step(). */
#define ONB_JOB_STEP_COLUMNS "step, state, attempts, owned, remote_id, reason, message"
#define ONB_JOB_STEP_N_COLUMNS 7

/* Both stores keep every column as its text (numbers in decimal). */
OnbJobRow  *onb_job_row_from_values   (const char * const *values);
/* The values of ONB_JOB_COLUMNS but the id (@values[0] is the DevEUI);
 * free with onb_job_values_clear(). */
void        onb_job_row_get_values    (const OnbJobRow    *row,
                                       char              **values);
void        onb_job_row_set_step      (OnbJobRow          *row,
                                       const char * const *values);
/* The values of ONB_JOB_STEP_COLUMNS of step @step. */
void        onb_job_row_get_step_values (const OnbJobRow  *row,
                                         guint             step,
                                         char            **values);
void        onb_job_values_clear      (char              **values,
                                       guint               n_values);
/* Adds a job's device as a batch shows it: done, failed, else to do. */
void        onb_job_states_add        (OnbDeviceStates    *states,
                                       const char         *dev_eui,
                                       const char         *state,
                                       const char         *reason,
                                       const char         *message);
/* The nick of @value of the enum @type, and back (0 when unknown). */
const char *onb_job_enum_to_nick      (GType               type,
                                       int                 value);
int         onb_job_enum_from_nick    (GType               type,
                                       const char         *nick);

#define ONB_TYPE_JOB_STORE (onb_job_store_get_type ())
G_DECLARE_INTERFACE (OnbJobStore, onb_job_store, ONB, JOB_STORE, GObject)

struct _OnbJobStoreInterface
{
  GTypeInterface parent_iface;

  gboolean            (*begin)          (OnbJobStore         *self,
                                         gboolean             claims,
                                         GError             **error);
  gboolean            (*commit)         (OnbJobStore         *self,
                                         GError             **error);
  void                (*rollback)       (OnbJobStore         *self);
  gboolean            (*op_begin)       (OnbJobStore         *self,
                                         GError             **error);
  void                (*op_end)         (OnbJobStore         *self,
                                         gboolean             keep);
  GPtrArray          *(*find)           (OnbJobStore         *self,
                                         const OnbJobFilter  *filter,
                                         GArray              *foreign,
                                         GError             **error);
  gboolean            (*write)          (OnbJobStore         *self,
                                         OnbJobRow           *row,
                                         gboolean             claim,
                                         GError             **error);
  gboolean            (*take)           (OnbJobStore         *self,
                                         gint64               id,
                                         GError             **error);
  gboolean            (*add_conflict)   (OnbJobStore         *self,
                                         const OnbJournalConflict *conflict,
                                         GError             **error);
  OnbJournalConflict *(*last_conflict)  (OnbJobStore         *self,
                                         guint               *n_conflicts,
                                         GError             **error);
  OnbDeviceStates    *(*device_states)  (OnbJobStore         *self,
                                         const char          *station,
                                         const char * const  *dev_euis,
                                         GError             **error);
  gboolean            (*check_space)    (OnbJobStore         *self,
                                         GError             **error);
  guint               (*renew)          (OnbJobStore         *self);
  GPtrArray          *(*stations)       (OnbJobStore         *self,
                                         gint64               since_us,
                                         GError             **error);
};

/* A group of writes: one transaction, @claims when it claims rows (a
 * shared store then lets one station claim at a time). */
gboolean            onb_job_store_begin         (OnbJobStore         *self,
                                                 gboolean             claims,
                                                 GError             **error);
gboolean            onb_job_store_commit        (OnbJobStore         *self,
                                                 GError             **error);
void                onb_job_store_rollback      (OnbJobStore         *self);
/* Each op of a group is all or nothing: op_end (FALSE) undoes it. */
gboolean            onb_job_store_op_begin      (OnbJobStore         *self,
                                                 GError             **error);
void                onb_job_store_op_end        (OnbJobStore         *self,
                                                 gboolean             keep);
/* The rows @filter names (GPtrArray of OnbJobRow); @foreign (may be NULL)
 * gets a gboolean per row: another engine that is still there claims it.
 * (transfer full) */
GPtrArray          *onb_job_store_find          (OnbJobStore         *self,
                                                 const OnbJobFilter  *filter,
                                                 GArray              *foreign,
                                                 GError             **error);
/* Writes the whole row and its steps, inserting it when its id is 0 (and
 * setting the id). @claim: this journal keeps (or takes, for a new row)
 * its claim; else the claim is released. A finished row has no owner. A
 * row another engine has taken since this one claimed it is refused
 * (ONB_JOURNAL_ERROR_CLAIM_LOST): its fencing token moved on. */
gboolean            onb_job_store_write         (OnbJobStore         *self,
                                                 OnbJobRow           *row,
                                                 gboolean             claim,
                                                 GError             **error);
/* Claims the stored row @id for this journal (a new fencing token). */
gboolean            onb_job_store_take          (OnbJobStore         *self,
                                                 gint64               id,
                                                 GError             **error);
gboolean            onb_job_store_add_conflict  (OnbJobStore         *self,
                                                 const OnbJournalConflict *conflict,
                                                 GError             **error);
OnbJournalConflict *onb_job_store_last_conflict (OnbJobStore         *self,
                                                 guint               *n_conflicts,
                                                 GError             **error);
/* Of station @station's jobs only, unless NULL. */
OnbDeviceStates    *onb_job_store_device_states (OnbJobStore         *self,
                                                 const char          *station,
                                                 const char * const  *dev_euis,
                                                 GError             **error);
/* Whether a write can succeed now, cheaply: DISK_FULL or DATA_READ_ONLY
 * for a station's own file on a full disk or a read-only folder. */
gboolean            onb_job_store_check_space   (OnbJobStore         *self,
                                                 GError             **error);
/* Renews this journal's claims where they hold by lease; returns the
 * milliseconds until the next renewal, 0 when claims need none. */
guint               onb_job_store_renew         (OnbJobStore         *self);
/* Every station, with the jobs it finished done since @since_us (real
 * time). GPtrArray of OnbJournalStation. (transfer full) */
GPtrArray          *onb_job_store_stations      (OnbJobStore         *self,
                                                 gint64               since_us,
                                                 GError             **error);

G_END_DECLS
