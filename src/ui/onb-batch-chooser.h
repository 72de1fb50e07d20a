/* onb-batch-chooser.h: which batch the station follows (newest by default) */
#pragma once

#include <gtk/gtk.h>

#include "onb-batch-model.h"

G_BEGIN_DECLS

#define ONB_TYPE_BATCH_CHOOSER (onb_batch_chooser_get_type ())
G_DECLARE_FINAL_TYPE (OnbBatchChooser, onb_batch_chooser, ONB, BATCH_CHOOSER, GtkWidget)

void onb_batch_chooser_set_model (OnbBatchChooser *self,
                                  OnbBatchModel   *model);

G_END_DECLS
