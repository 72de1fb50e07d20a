/* onb-journal-outbox-private.h: the journal's outbox, for the time the shared database is out of reach
 *
 * Every call is made under the journal's lock, on its writer thread but
 * for the getters.
 */
#pragma once

#include "onb-journal-op-private.h"

G_BEGIN_DECLS

typedef struct _OnbJournalOutbox OnbJournalOutbox;

/* An outbox in @local (taken) for @shared. */
OnbJournalOutbox *onb_journal_outbox_new       (OnbJobStore      *shared,
                                                OnbJobStore      *local);
void              onb_journal_outbox_free      (OnbJournalOutbox *self);
OnbJobStore      *onb_journal_outbox_get_store (OnbJournalOutbox *self);
/* Whether the shared store was out of reach at its last call. */
gboolean          onb_journal_outbox_is_alone  (OnbJournalOutbox *self);
/* Runs @group (of OnbJournalOp): the outbox's ops there, the others on
 * the shared store; new scans it could not take go to the outbox. */
void              onb_journal_outbox_run_group (OnbJournalOutbox *self,
                                                GPtrArray        *group);
/* After the lease was renewed: whether the shared store answers, and if
 * so the outbox handed over. */
void              onb_journal_outbox_renewed   (OnbJournalOutbox *self);
/* Hands the outbox's finished jobs to the shared store. */
void              onb_journal_outbox_hand_over (OnbJournalOutbox *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbJournalOutbox, onb_journal_outbox_free)

G_END_DECLS
