/* onb-journal-op-private.h: the journal's ops, as its writer thread runs them
 *
 * Each call of the journal's async API is an op; the writer thread runs
 * the ops queued meanwhile as a group, in one transaction of one job
 * store: the shared one, or the outbox (onb-journal-outbox-private.h),
 * whose ids the engine sees moved up by ONB_JOURNAL_OUTBOX_BASE.
 */
#pragma once

#include <gio/gio.h>

#include "onb-job-store.h"
#include "onb-journal-private.h"

G_BEGIN_DECLS

/* The ids of the outbox's jobs, as the engine sees them: above any id a
 * shared store hands out, so the two never meet (docs/design.md, The
 * outbox). */
#define ONB_JOURNAL_OUTBOX_BASE (G_GINT64_CONSTANT (1) << 62)

typedef enum
{
  ONB_JOURNAL_OP_STOP,
  ONB_JOURNAL_OP_CLAIM,
  ONB_JOURNAL_OP_CLAIM_ID,
  ONB_JOURNAL_OP_SAVE,
  ONB_JOURNAL_OP_RELEASE,
  ONB_JOURNAL_OP_CLAIM_UNFINISHED,
  ONB_JOURNAL_OP_FIND_UNCLAIMED,
  ONB_JOURNAL_OP_CONFLICT,
} OnbJournalOpKind;

typedef struct
{
  OnbJournalOpKind kind;
  GTask *task;
  OnbJobRow *row;
  gint64 id;
  OnbJournalConflict *conflict;
  OnbJournalClaimFlags flags;
  gpointer result;
  GDestroyNotify result_free;
  GError *error;
} OnbJournalOp;

static inline gboolean
onb_journal_error_is_unreachable (const GError *error)
{
  return g_error_matches (error, ONB_JOURNAL_ERROR, ONB_JOURNAL_ERROR_UNREACHABLE);
}

/* Runs @group (of OnbJournalOp) on @store in one transaction; each op of
 * a group of several is all or nothing (a savepoint). A group that fails
 * as a whole gives its error to every op. @outbox: the journal's outbox
 * (may be NULL, or @store itself). */
void onb_journal_op_run_group (OnbJobStore  *store,
                               OnbJobStore  *outbox,
                               GPtrArray    *group);
/* Answers @op's caller and frees it. */
void onb_journal_op_complete  (OnbJournalOp *op);

G_END_DECLS
