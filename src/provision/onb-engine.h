/* onb-engine.h: the job engine the kiosk and the CLI drive (docs/design.md)
 *
 * A scan goes in with onb_engine_submit_payload(): the payload is parsed,
 * its Profile ID checked and its registry row found synchronously (so a
 * rejection is immediate, with a stable reason), then a job is journaled
 * (before any request leaves) and run: Blynk and TTS chains concurrently,
 * JS/NS/AS concurrently after IS, at most max-jobs jobs at once, a verify
 * read-back last. Transient failures keep the job waiting with capped
 * exponential backoff and jitter (Retry-After honoured); permanent ones
 * fail it and roll back what it created.
 *
 * Threads: everything here is called on the thread that owns the default
 * main context. Network I/O is asynchronous on that main loop (cloud
 * layer); journal writes run on one dedicated worker thread, in order
 * (group commit: changes queued meanwhile share one fsync). A job's first
 * request waits for the commit of its journal row; later state changes are
 * committed without holding the next request back, since a job found
 * unfinished checks the clouds before creating anything. Opening the two SQLite files
 * (onb_engine_new()), registry lookups and the journal look-ups of
 * submit_replace()/retry() are short indexed reads done inline; history
 * and export run on GTask worker threads.
 *
 * Several engines (in one process or several) may share one journal: a
 * job is claimed by the engine running it; jobs claimed by another live
 * engine are followed (polled), not run twice. onb_engine_shutdown_async()
 * gives an engine's jobs back before another engine takes over (a
 * settings reload).
 */
#pragma once

#include <gio/gio.h>

#include "onb-config.h"
#include "onb-http-client.h"
#include "onb-job.h"
#include "onb-registry.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_ENGINE_ERROR_JOB_NOT_FAILED,      /*< nick=job-not-failed >*/       /* retry of a job that did not fail */
  ONB_ENGINE_ERROR_SAME_DEVICE,         /*< nick=replace-same-device >*/  /* old and new label are one device */
  ONB_ENGINE_ERROR_OLD_NOT_PROVISIONED, /*< nick=replace-old-not-provisioned >*/
  ONB_ENGINE_ERROR_NEW_ALREADY_USED,    /*< nick=replace-new-already-used >*/
  ONB_ENGINE_ERROR_TOKEN_CLAIMED,       /*< nick=token-claimed-elsewhere >*/  /* static token of another owner */
  ONB_ENGINE_ERROR_BLYNK_NOT_ONBOARDED, /*< nick=blynk-not-onboarded >*/  /* [tts] created_by = blynk, and no
                                                                           * TTS device came: waiting, not failed */
  ONB_ENGINE_ERROR_TTS_DEVICE_DIFFERS,  /*< nick=tts-device-differs >*/   /* a TTS device someone else made with
                                                                           * our EUIs holds other keys or settings */
  ONB_ENGINE_ERROR_OWNER_TOKEN_NEEDED,  /*< nick=owner-token-needed >*/   /* a claim to send again, and the label's
                                                                           * owner token (never kept) not scanned
                                                                           * again: waiting, not failed */
} OnbEngineError;

#define ONB_ENGINE_ERROR (onb_engine_error_quark ())
GQuark onb_engine_error_quark (void);

#define ONB_ENGINE_DEFAULT_MAX_JOBS 4
/* The bound of max-jobs (and of [kiosk] max_jobs). */
#define ONB_ENGINE_MAX_MAX_JOBS     256

#define ONB_TYPE_ENGINE (onb_engine_get_type ())
G_DECLARE_FINAL_TYPE (OnbEngine, onb_engine, ONB, ENGINE, GObject)

/* Reads [blynk], [tts], [labels] profile_ids and [kiosk] data_dir /
 * max_jobs; opens "<data_dir>/registry.sqlite" and
 * "<data_dir>/journal.sqlite" (creating them). Requests go through @http,
 * the application's one client. Fails with ONB_CLOUD_ERROR_NOT_CONFIGURED
 * (a missing setting), ONB_REGISTRY_ERROR or ONB_JOURNAL_ERROR. Nothing
 * runs until onb_engine_start_async(). */
OnbEngine    *onb_engine_new                 (OnbConfig            *config,
                                              OnbHttpClient        *http,
                                              GError              **error);
OnbRegistry  *onb_engine_get_registry        (OnbEngine            *self);

/* Loads the unfinished jobs of the journal (not claimed by another live
 * engine) into the model and resumes them: steps that were in flight are
 * checked against the clouds first and adopted. */
void          onb_engine_start_async         (OnbEngine            *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean      onb_engine_start_finish        (OnbEngine            *self,
                                              GAsyncResult         *result,
                                              GError              **error);
/* Stops for good: nothing new starts, jobs waiting for a slot or for their
 * backoff are handed back at once, running ones once their requests are
 * answered and what they did is committed; every row this engine claimed
 * is then released (state queued or waiting) for the next owner. Cancel
 * @cancellable to abandon the requests in flight instead of waiting for
 * them (their steps stay "running", so the next owner looks before it
 * creates). Completes when nothing of this engine is in flight. */
void          onb_engine_shutdown_async      (OnbEngine            *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean      onb_engine_shutdown_finish     (OnbEngine            *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* A scanned payload (bytes, as decoded). Returns the job, new or the one
 * this DevEUI already has (a done one with already-done set; a failed one
 * is queued again). Rejections: ONB_CODE_ERROR (unreadable label, wrong
 * checksum, profile-mismatch), ONB_REGISTRY_ERROR_UNKNOWN_DEVICE ("import
 * its list first"), JOIN_EUI_MISMATCH. @source is free text ("camera",
 * "keyboard", "cli"). (transfer full) */
OnbJob       *onb_engine_submit_payload      (OnbEngine            *self,
                                              const char           *data,
                                              gssize                length,
                                              const char           *source,
                                              GError              **error);
/* Hardware swap: @old_data is the old device's label (or its DevEUI, as
 * history shows it), @new_data the new one. The new device is created in
 * TTS, the old Blynk device's Device EUI, Join EUI, Application Key and
 * TheThingsNetwork Device metafields are pointed at it, and the old TTS
 * device is deleted when @delete_old_tts. (transfer full) */
OnbJob       *onb_engine_submit_replace      (OnbEngine            *self,
                                              const char           *old_data,
                                              gssize                old_length,
                                              const char           *new_data,
                                              gssize                new_length,
                                              gboolean              delete_old_tts,
                                              const char           *source,
                                              GError              **error);
/* Queues a failed job again (from the model or the journal). Waiting jobs
 * are run now. (transfer full) */
OnbJob       *onb_engine_retry               (OnbEngine            *self,
                                              gint64                job_id,
                                              GError              **error);

/* The jobs of this session and the unfinished ones, newest first; the
 * oldest finished ones drop out past a few hundred (older ones: history).
 * (transfer none) */
GListModel   *onb_engine_get_jobs            (OnbEngine            *self);
OnbJob       *onb_engine_lookup_job          (OnbEngine            *self,
                                              gint64                job_id);
/* Counters of the model: done, failed, and unfinished (queued, running or
 * waiting). Also properties n-done, n-failed, n-unfinished. */
guint         onb_engine_get_n_done          (OnbEngine            *self);
guint         onb_engine_get_n_failed        (OnbEngine            *self);
guint         onb_engine_get_n_unfinished    (OnbEngine            *self);
/* TRUE while anything is left to do or to commit: jobs queued, running
 * or waiting, scans not yet journaled, jobs of other processes followed.
 * A finished job's last commit may land just after it shows done; wait
 * for this before exiting. */
gboolean      onb_engine_get_busy            (OnbEngine            *self);
guint         onb_engine_get_max_jobs        (OnbEngine            *self);
void          onb_engine_set_max_jobs        (OnbEngine            *self,
                                              guint                 max_jobs);
/* Backoff bounds (default 1 s and 5 min), for tests and benchmarks. */
void          onb_engine_set_retry_delays    (OnbEngine            *self,
                                              guint                 min_ms,
                                              guint                 max_ms);

/* The whole journal, newest first: @query matches DevEUI, device name or
 * reason (substring, any case; NULL for all), @state filters
 * (ONB_JOB_STATE_ANY for all). A GListModel of OnbJob snapshots. */
void          onb_engine_search_history_async  (OnbEngine          *self,
                                                const char         *query,
                                                int                 state,
                                                guint               limit,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
GListModel   *onb_engine_search_history_finish (OnbEngine          *self,
                                                GAsyncResult       *result,
                                                GError            **error);
/* Writes the journal as CSV (onb_journal_export_csv()) on a worker thread. */
void          onb_engine_export_csv_async      (OnbEngine          *self,
                                                GFile              *file,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
gboolean      onb_engine_export_csv_finish     (OnbEngine          *self,
                                                GAsyncResult       *result,
                                                GError            **error);

/* Signals:
 *   job-added (OnbJob *job)    a job entered the model
 *   job-changed (OnbJob *job)  its state, reason or a step changed
 *   idle ()                    no job queued, running or waiting
 *   integration-conflict (OnbJob *job, const char *device_id)
 *                              [tts] created_by = onboarder, yet Blynk's
 *                              integration made the job's TTS device too
 *                              (adopted; onb_journal_get_last_conflict()
 *                              keeps it): the kiosk says once per shift
 *                              that Blynk appears to create devices too
 */

G_END_DECLS
