/* onb-journal-private.h: the engine's side of the journal
 *
 * Writes go through one worker thread that owns the order of commits;
 * ops that arrive while a commit is running are committed together (group
 * commit), so a busy station pays one fsync for many state changes.
 */
#pragma once

#include "onb-job-private.h"
#include "onb-journal.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_JOURNAL_CLAIM_NEW,          /* a new row was inserted for this job */
  ONB_JOURNAL_CLAIM_RESUMED,      /* an unfinished (or failed, now requeued) row is ours to run */
  ONB_JOURNAL_CLAIM_ALREADY_DONE, /* the DevEUI was done before */
  ONB_JOURNAL_CLAIM_FOREIGN,      /* another live engine (this process or another) runs it */
} OnbJournalClaim;

typedef enum
{
  ONB_JOURNAL_CLAIM_DEFAULT        = 0,
  ONB_JOURNAL_CLAIM_REQUEUE_FAILED = 1 << 0,  /* a failed row is queued again and claimed */
} OnbJournalClaimFlags;

typedef struct
{
  OnbJournalClaim claim;
  OnbJobRow *row;
} OnbJournalClaimResult;

void               onb_journal_claim_result_free  (OnbJournalClaimResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbJournalClaimResult, onb_journal_claim_result_free)

/* Finds or inserts the row of @row's DevEUI and claims it for this
 * journal (its engine). Takes @row. */
void               onb_journal_claim_async        (OnbJournal          *self,
                                                   OnbJobRow           *row,
                                                   OnbJournalClaimFlags flags,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
OnbJournalClaimResult *onb_journal_claim_finish   (OnbJournal          *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* Claims a row by id (retry, polling a foreign job); same results. */
void               onb_journal_claim_id_async     (OnbJournal          *self,
                                                   gint64               id,
                                                   OnbJournalClaimFlags flags,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* Writes the whole row (job and steps), durably. Takes @row. The owner is
 * released when the job is finished. */
void               onb_journal_save_async         (OnbJournal          *self,
                                                   OnbJobRow           *row,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean           onb_journal_save_finish        (OnbJournal          *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* Writes the whole row like onb_journal_save_async() and releases the
 * claim, so another engine may take the job. Finish with
 * onb_journal_save_finish(). Takes @row. */
void               onb_journal_release_async      (OnbJournal          *self,
                                                   OnbJobRow           *row,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* Claims every unfinished row no other live engine owns. GPtrArray of
 * OnbJobRow. */
void               onb_journal_claim_unfinished_async  (OnbJournal          *self,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
GPtrArray         *onb_journal_claim_unfinished_finish (OnbJournal          *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);
/* The same rows, claimed by no one here or elsewhere (their owner's
 * lease ran out, or they have none) or by this journal, without claiming
 * them. */
void               onb_journal_find_unclaimed_async    (OnbJournal          *self,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
GPtrArray         *onb_journal_find_unclaimed_finish   (OnbJournal          *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

/* Whether the last commit failed because the disk is full or the folder
 * read-only, however long ago (until a commit succeeds), and why. Runs
 * start no step meanwhile: a step's requests do not wait for its commit. */
gboolean           onb_journal_get_fault          (OnbJournal          *self,
                                                   GError             **error);

/* Whether a commit failed so in the last minute: a run then sends its
 * first requests only once its start is on disk. */
gboolean           onb_journal_faulted_lately     (OnbJournal          *self);

/* For tests: the file may grow to @n_pages database pages and no further
 * (SQLite's max_page_count, never below its size), as a full disk would
 * stop it; 0 lifts the limit. */
void               onb_journal_set_max_pages      (OnbJournal          *self,
                                                   guint                n_pages);

/* Done row of a DevEUI (for re-provisioning), NULL when none. */
OnbJobRow         *onb_journal_lookup_dev_eui     (OnbJournal          *self,
                                                   const char          *dev_eui,
                                                   GError             **error);

G_END_DECLS
