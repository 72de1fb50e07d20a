/* onb-journal-outbox.c: where a station's jobs go while the shared database is out of reach
 *
 * With a shared store, the journal keeps a second job store, the outbox
 * (the station's own SQLite file): each group of ops is split between the
 * two, new scans go to the outbox while the database cannot be reached,
 * and the outbox's finished jobs are handed over once it is back
 * (docs/design.md, The outbox). Called under the journal's lock.
 */

#define G_LOG_DOMAIN "onb-journal"

#include "config.h"

#include "onb-journal-outbox-private.h"
#include "onb-sqlite-job-store.h"

struct _OnbJournalOutbox
{
  OnbJobStore *shared;
  OnbJobStore *local;
  gint alone;              /* atomic: the shared store was out of reach at its last call */
  gboolean to_hand_over;   /* the outbox may hold finished jobs */
  GHashTable *handed_over; /* an outbox job's id → its id in the shared store */
};

OnbJournalOutbox *
onb_journal_outbox_new (OnbJobStore *shared,
                        OnbJobStore *local)
{
  OnbJournalOutbox *self = g_new0 (OnbJournalOutbox, 1);

  self->shared = g_object_ref (shared);
  self->local = local;
  self->to_hand_over = TRUE;
  self->handed_over = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  return self;
}

void
onb_journal_outbox_free (OnbJournalOutbox *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->shared);
  g_clear_object (&self->local);
  g_clear_pointer (&self->handed_over, g_hash_table_unref);
  g_free (self);
}

OnbJobStore *
onb_journal_outbox_get_store (OnbJournalOutbox *self)
{
  return self->local;
}

gboolean
onb_journal_outbox_is_alone (OnbJournalOutbox *self)
{
  return g_atomic_int_get (&self->alone);
}

/* Says once each way whether the shared store can be reached, when there
 * is an outbox to keep the work meanwhile. */
static void
set_alone (OnbJournalOutbox *self,
           gboolean          alone)
{
  if (g_atomic_int_exchange (&self->alone, alone) == alone)
    return;
  if (alone)
    g_message ("The shared database cannot be reached: this station keeps its new jobs in its own outbox and "
               "shares them when the database is back.");
  else
    g_message ("The shared database is back: this station shares the jobs of its outbox.");
}

/* Whether @op goes to the outbox: the outbox's own jobs, and new scans
 * while the shared store is out of reach or while the outbox still holds
 * the box's job. */
static gboolean
for_outbox (OnbJournalOutbox *self,
            OnbJournalOp     *op)
{
  gint64 *shared_id;
  OnbJobFilter filter = { .state = -1 };
  g_autoptr(GPtrArray) rows = NULL;

  switch (op->kind)
    {
    case ONB_JOURNAL_OP_SAVE:
    case ONB_JOURNAL_OP_RELEASE:
      return op->row->id >= ONB_JOURNAL_OUTBOX_BASE;

    case ONB_JOURNAL_OP_CLAIM_ID:
      /* A retry of a job handed over meanwhile: its shared row. */
      if (op->id >= ONB_JOURNAL_OUTBOX_BASE && (shared_id = g_hash_table_lookup (self->handed_over, &op->id)) != NULL)
        op->id = *shared_id;
      return op->id >= ONB_JOURNAL_OUTBOX_BASE;

    case ONB_JOURNAL_OP_CLAIM:
      if (g_atomic_int_get (&self->alone))
        return TRUE;
      filter.dev_eui = op->row->dev_eui;
      rows = onb_job_store_find (self->local, &filter, NULL, NULL);
      return rows != NULL && rows->len > 0;

    case ONB_JOURNAL_OP_STOP:
    case ONB_JOURNAL_OP_CLAIM_UNFINISHED:
    case ONB_JOURNAL_OP_FIND_UNCLAIMED:
    case ONB_JOURNAL_OP_CONFLICT:
    default:
      return FALSE;
    }
}

/* An op the shared store could not take, for the outbox: a new scan (its
 * row as it was), or the unfinished jobs at a start while the database
 * is out of reach (the outbox's own only). */
static gboolean
reset_for_outbox (OnbJournalOp *op)
{
  OnbJournalClaimResult *result = op->result;

  if (!onb_journal_error_is_unreachable (op->error) ||
      (op->kind != ONB_JOURNAL_OP_CLAIM && op->kind != ONB_JOURNAL_OP_CLAIM_UNFINISHED))
    return FALSE;
  if (op->kind == ONB_JOURNAL_OP_CLAIM && result != NULL && result->claim == ONB_JOURNAL_CLAIM_NEW)
    {
      g_clear_pointer (&op->row, onb_job_row_free);
      op->row = g_steal_pointer (&result->row);
      op->row->id = 0;
    }
  if (op->result != NULL)
    op->result_free (op->result);
  op->result = NULL;
  g_clear_error (&op->error);
  return TRUE;
}

/* What hands an outbox job over: the box's row in the shared store (none,
 * or the one kept) decides. The outcome in @shared_id: the shared row's
 * id once the outbox's row may go, 0 while it must wait. */
static gboolean
hand_over_row (OnbJournalOutbox  *self,
               OnbJobRow         *row,
               gint64            *shared_id,
               GError           **error)
{
  OnbJobFilter filter = { .dev_eui = row->dev_eui, .state = -1, .for_claim = TRUE };
  g_autoptr(GArray) foreign = g_array_new (FALSE, TRUE, sizeof (gboolean));
  g_autoptr(GPtrArray) rows = onb_job_store_find (self->shared, &filter, foreign, error);
  gint64 local_id = row->id;
  OnbJobRow *shared;
  gboolean unfinished;
  gboolean ok;

  *shared_id = 0;
  if (rows == NULL)
    return FALSE;
  if (rows->len == 0)
    {
      row->id = 0;
      ok = onb_job_store_write (self->shared, row, FALSE, error);
      *shared_id = ok ? row->id : 0;
      row->id = local_id;
      return ok;
    }
  shared = rows->pdata[0];
  unfinished = shared->state != ONB_JOB_STATE_DONE && shared->state != ONB_JOB_STATE_FAILED;
  /* Another station works on the box: its run finds in the clouds what
   * this one made, and the outbox's row goes once it has finished. */
  if (unfinished && g_array_index (foreign, gboolean, 0))
    return TRUE;
  /* Nobody runs an unfinished row that no other station's lease holds:
   * a dead station's, or this station's own claim whose commit reached
   * the server while its answer was lost with the network (the station
   * then took the box into the outbox). A done box settles it. */
  *shared_id = shared->id;
  if ((shared->state == ONB_JOB_STATE_FAILED || unfinished) && row->state == ONB_JOB_STATE_DONE)
    {
      row->id = shared->id;
      ok = onb_job_store_take (self->shared, shared->id, error) && onb_job_store_write (self->shared, row, FALSE, error);
      row->id = local_id;
      return ok;
    }
  g_debug ("Job of %s: the shared store's row (%s) is kept over this station's outbox (%s)", row->dev_eui,
           onb_job_state_to_string (shared->state), onb_job_state_to_string (row->state));
  return TRUE;
}

/* Hands the outbox's finished jobs to the shared store, in one
 * transaction, then removes them from the outbox: a crash in between
 * hands them over again, and the box's row in the shared store then keeps
 * them from becoming a second job. */
void
onb_journal_outbox_hand_over (OnbJournalOutbox *self)
{
  OnbJobFilter all = { .state = -1 };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GArray) local_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) shared_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;

  self->to_hand_over = FALSE;
  if (!(rows = onb_job_store_find (self->local, &all, NULL, &error)))
    goto out;
  for (guint i = rows->len; i > 0; i--)
    {
      OnbJobRow *row = rows->pdata[i - 1];

      if (row->state != ONB_JOB_STATE_DONE && row->state != ONB_JOB_STATE_FAILED)
        g_ptr_array_remove_index (rows, i - 1);
    }
  if (rows->len == 0 || !onb_job_store_begin (self->shared, TRUE, &error))
    goto out;
  for (guint i = 0; i < rows->len; i++)
    {
      OnbJobRow *row = rows->pdata[i];
      g_autoptr(GError) row_error = NULL;
      gint64 shared_id = 0;
      gboolean ok;

      if (!onb_job_store_op_begin (self->shared, &error))
        break;
      ok = hand_over_row (self, row, &shared_id, &row_error);
      onb_job_store_op_end (self->shared, ok);
      if (!ok && onb_journal_error_is_unreachable (row_error))
        {
          g_propagate_error (&error, g_steal_pointer (&row_error));
          break;
        }
      if (!ok)
        g_warning ("The job of %s cannot be handed to the shared store: %s", row->dev_eui, row_error->message);
      else if (shared_id > 0)
        {
          g_array_append_val (local_ids, row->id);
          g_array_append_val (shared_ids, shared_id);
        }
    }
  if (error == NULL && !onb_job_store_commit (self->shared, &error))
    onb_job_store_rollback (self->shared);
  else if (error != NULL)
    onb_job_store_rollback (self->shared);
  if (error == NULL &&
      onb_sqlite_job_store_remove (ONB_SQLITE_JOB_STORE (self->local), (gint64 *) (gpointer) local_ids->data,
                                   local_ids->len, &error))
    for (guint i = 0; i < local_ids->len; i++)
      {
        gint64 local_id = g_array_index (local_ids, gint64, i) + ONB_JOURNAL_OUTBOX_BASE;

        g_hash_table_insert (self->handed_over, g_memdup2 (&local_id, sizeof local_id),
                             g_memdup2 (&g_array_index (shared_ids, gint64, i), sizeof (gint64)));
      }

out:
  if (error != NULL)
    {
      self->to_hand_over = TRUE;
      if (onb_journal_error_is_unreachable (error))
        set_alone (self, TRUE);
      else
        g_warning ("The outbox cannot be handed to the shared store: %s", error->message);
    }
  else if (local_ids->len > 0)
    g_message ("%u jobs of the outbox are handed over to the shared store.", local_ids->len);
}

/* Whether any op of @group failed because the shared store is out of
 * reach. */
static gboolean
group_unreachable (GPtrArray *group)
{
  for (guint i = 0; i < group->len; i++)
    if (onb_journal_error_is_unreachable (((OnbJournalOp *) group->pdata[i])->error))
      return TRUE;
  return FALSE;
}

void
onb_journal_outbox_run_group (OnbJournalOutbox *self,
                              GPtrArray        *group)
{
  g_autoptr(GPtrArray) shared = g_ptr_array_new ();
  g_autoptr(GPtrArray) local = g_ptr_array_new ();
  gboolean unreachable;

  for (guint i = 0; i < group->len; i++)
    g_ptr_array_add (for_outbox (self, group->pdata[i]) ? local : shared, group->pdata[i]);
  onb_journal_op_run_group (self->shared, self->local, shared);
  unreachable = group_unreachable (shared);
  if (shared->len > 0)
    {
      set_alone (self, unreachable);
      for (guint i = 0; unreachable && i < shared->len; i++)
        if (reset_for_outbox (shared->pdata[i]))
          g_ptr_array_add (local, shared->pdata[i]);
    }
  onb_journal_op_run_group (self->local, self->local, local);
  self->to_hand_over |= local->len > 0;
  if (!unreachable && shared->len > 0 && self->to_hand_over)
    onb_journal_outbox_hand_over (self);
}

void
onb_journal_outbox_renewed (OnbJournalOutbox *self)
{
  set_alone (self, !onb_job_store_check_space (self->shared, NULL));
  if (!g_atomic_int_get (&self->alone))
    onb_journal_outbox_hand_over (self);
}
