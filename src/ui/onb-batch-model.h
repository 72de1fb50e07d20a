/* onb-batch-model.h: the current batch's progress and its "Still to scan"
 * list, for the Scan page and the Still to scan page
 *
 * Loads in a worker thread (two queries: the registry's batch, the
 * journal's states of its devices; the list of batches for the chooser
 * only when asked) and emits "changed" on the main thread. Reloads asked
 * for while one runs are coalesced into one more.
 */
#pragma once

#include <gio/gio.h>

#include "onb-batch.h"
#include "onb-config.h"
#include "onb-registry.h"

G_BEGIN_DECLS

#define ONB_TYPE_BATCH_MODEL (onb_batch_model_get_type ())
G_DECLARE_FINAL_TYPE (OnbBatchModel, onb_batch_model, ONB, BATCH_MODEL, GObject)

/* The jobs' states come from the journal @config names: the station's own
 * file, or the store it shares with other stations. */
OnbBatchModel  *onb_batch_model_new            (OnbRegistry   *registry,
                                                OnbConfig     *config);
/* 0: always the newest (the default). */
void            onb_batch_model_set_batch_id   (OnbBatchModel *self,
                                                gint64         batch_id);
gint64          onb_batch_model_get_batch_id   (OnbBatchModel *self);
/* Reloads the current batch; with @with_batches also the chooser's list. */
void            onb_batch_model_reload         (OnbBatchModel *self,
                                                gboolean       with_batches);
/* The batch shown (NULL before the first load or without any import). */
const OnbBatch *onb_batch_model_get_batch      (OnbBatchModel *self);
/* Its devices not done, in file order. (transfer none) GPtrArray of OnbBatchDevice */
GPtrArray      *onb_batch_model_get_missing    (OnbBatchModel *self);
/* Every batch, newest first (counts not filled). (transfer none) */
GPtrArray      *onb_batch_model_get_batches    (OnbBatchModel *self);
/* Why the last load failed (no list imported yet: ONB_REGISTRY_ERROR_NO_BATCH). */
const GError   *onb_batch_model_get_error      (OnbBatchModel *self);

G_END_DECLS
