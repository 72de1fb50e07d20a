/* onb-journal.h: the durable record of every job (SQLite, docs/design.md)
 *
 * WAL mode, synchronous=FULL: a state change is on disk when its commit
 * returns. Several processes may open the same file (SQLite's locking,
 * a busy timeout, and BEGIN IMMEDIATE for claims). The engine writes
 * through its worker thread; the functions here are synchronous and meant
 * for that thread, the CLI and tests. No secret is ever stored here.
 */
#pragma once

#include <gio/gio.h>

#include "onb-batch.h"
#include "onb-config.h"
#include "onb-job.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_JOURNAL_ERROR_FAILED,        /*< nick=journal-failed >*/  /* the database cannot be read or written */
  ONB_JOURNAL_ERROR_JOB_NOT_FOUND, /*< nick=job-not-found >*/
  ONB_JOURNAL_ERROR_DISK_FULL,     /*< nick=disk-full >*/       /* nothing more can be recorded */
  ONB_JOURNAL_ERROR_DATA_READ_ONLY, /*< nick=data-read-only >*/ /* the data folder cannot be written */
  ONB_JOURNAL_ERROR_UNREACHABLE,   /*< nick=store-unreachable >*/ /* the shared database cannot be reached */
  ONB_JOURNAL_ERROR_CLAIM_LOST,    /*< nick=claim-lost >*/      /* another station took the job over */
} OnbJournalError;

#define ONB_JOURNAL_ERROR (onb_journal_error_quark ())
GQuark onb_journal_error_quark (void);

#define ONB_TYPE_JOURNAL (onb_journal_get_type ())
G_DECLARE_FINAL_TYPE (OnbJournal, onb_journal, ONB, JOURNAL, GObject)

/* Whether @error says the journal cannot record for now (DISK_FULL,
 * DATA_READ_ONLY, UNREACHABLE): nothing is lost, a commit is tried again
 * later. */
gboolean     onb_journal_error_is_fault (const GError *error);

/* The journal @config names: the shared one of [store] url, else
 * journal.sqlite in the data folder, opened with onb_journal_open() or,
 * when @read_only, onb_journal_open_read_only(). */
OnbJournal  *onb_journal_open_for_config (OnbConfig  *config,
                                          gboolean    read_only,
                                          GError    **error);
/* Creates the file (mode 0600) when missing. */
OnbJournal  *onb_journal_open          (const char   *path,
                                        GError      **error);
/* For reading only (jobs, export, batches, missing): works on a read-only
 * data folder and a full disk, and writes nothing. */
OnbJournal  *onb_journal_open_read_only (const char  *path,
                                         GError     **error);
/* Whether a commit can succeed now, cheaply (no write): %FALSE with
 * DISK_FULL or DATA_READ_ONLY when a commit failed for that a moment ago,
 * or the folder is read-only or nearly full. New work asks first, so that
 * nothing is sent that could not be recorded. */
gboolean     onb_journal_can_record     (OnbJournal  *self,
                                         GError     **error);
/* "<data_dir>/journal.sqlite" (transfer full) */
char        *onb_journal_default_path  (const char   *data_dir);
/* With a shared store: the station's outbox, where new jobs go while the
 * database cannot be reached (docs/design.md, The outbox). */
char        *onb_journal_outbox_path   (const char   *data_dir);
/* The station's own file; NULL for a shared journal. */
const char  *onb_journal_get_path      (OnbJournal   *self);

/* Jobs newest first, as snapshots; see onb_engine_search_history_async().
 * (transfer full) GPtrArray of OnbJob */
GPtrArray   *onb_journal_list_jobs     (OnbJournal   *self,
                                        const char   *query,
                                        int           state,
                                        guint         limit,
                                        GError      **error);
/* The same, of station @station only (NULL: every station's; a
 * station's own file holds its jobs only). */
GPtrArray   *onb_journal_list_station_jobs (OnbJournal *self,
                                            const char *station,
                                            const char *query,
                                            int         state,
                                            guint       limit,
                                            GError    **error);
/* (transfer full) NULL with ONB_JOURNAL_ERROR_JOB_NOT_FOUND */
OnbJob      *onb_journal_get_job       (OnbJournal   *self,
                                        gint64        job_id,
                                        GError      **error);
/* One row per job: id, kind, dev_eui, join_eui, device_name, old_dev_eui,
 * source, code_kind, state, reason, message, attempts, blynk_device_id,
 * tts_device_id, created, started, finished (ISO 8601 UTC), steps. */
gboolean     onb_journal_export_csv    (OnbJournal   *self,
                                        const char   *path,
                                        GError      **error);

/* How far each batch got, as the batch list and `batches` show it: the
 * state of each job (done, failed, else to do; the last reason and
 * message) whose DevEUI is in @dev_euis (NULL-terminated, upper case;
 * NULL: every job), in one query, for onb_registry_list_batches() and
 * onb_batch_apply_states(). (transfer full) */
OnbDeviceStates *onb_journal_get_device_states (OnbJournal         *self,
                                                const char * const *dev_euis,
                                                GError            **error);

/* The same, counting only the jobs station @station ran last (NULL:
 * every station's). */
OnbDeviceStates *onb_journal_get_station_device_states (OnbJournal         *self,
                                                        const char         *station,
                                                        const char * const *dev_euis,
                                                        GError            **error);

/* A TTS device a job found made by Blynk's integration where Onboarder
 * meant to make it (the EUIs were taken in this application, with the
 * same keys): adopted, recorded here. */
typedef struct
{
  gint64 at_us;     /* real time */
  char *dev_eui;
  char *device_id;  /* the TTS device ID Blynk chose */
} OnbJournalConflict;

void         onb_journal_conflict_free (OnbJournalConflict *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbJournalConflict, onb_journal_conflict_free)
/* Recorded by the writer thread; @callback may be NULL. */
void         onb_journal_record_conflict_async (OnbJournal          *self,
                                                const char          *dev_eui,
                                                const char          *device_id,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
/* The newest conflict and how many there are; NULL (and 0) when none.
 * (transfer full) */
OnbJournalConflict *onb_journal_get_last_conflict (OnbJournal   *self,
                                                   guint        *n_conflicts,
                                                   GError      **error);

/* One station of a shared journal, as `stations` and the kiosk show it. */
typedef struct
{
  char *name;               /* NULL: this station's own file */
  gint64 last_seen_us;      /* real time it was last heard from */
  gboolean live;            /* its lease holds: it is working now */
  guint n_done_last_hour;   /* jobs it finished done in the last hour */
} OnbJournalStation;

void         onb_journal_station_free  (OnbJournalStation *station);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbJournalStation, onb_journal_station_free)
/* Every station that ever opened the journal, by name; for a station's
 * own file, one unnamed entry. (transfer full) GPtrArray of
 * OnbJournalStation */
GPtrArray   *onb_journal_list_stations (OnbJournal   *self,
                                        GError      **error);

G_END_DECLS
