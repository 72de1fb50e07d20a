/* onb-shift-panel.h: the shift beside the answer card: the batch's
 * progress, boxes per hour and the last eight boxes
 *
 * A small screen keeps only the progress bar and its numbers (the card
 * comes first); a large one shows everything.
 */
#pragma once

#include <gtk/gtk.h>

#include "onb-batch-model.h"

G_BEGIN_DECLS

#define ONB_TYPE_SHIFT_PANEL (onb_shift_panel_get_type ())
G_DECLARE_FINAL_TYPE (OnbShiftPanel, onb_shift_panel, ONB, SHIFT_PANEL, GtkWidget)

#define ONB_SHIFT_PANEL_N_RECENT 8

void onb_shift_panel_set_model   (OnbShiftPanel *self,
                                  OnbBatchModel *model);
/* The engine's jobs, newest first (GListModel of OnbJob), or NULL. */
void onb_shift_panel_set_jobs    (OnbShiftPanel *self,
                                  GListModel    *jobs);
/* A job of the model changed its state. */
void onb_shift_panel_update_jobs (OnbShiftPanel *self);
void onb_shift_panel_set_large   (OnbShiftPanel *self,
                                  gboolean       large);
/* What the panel shows, for the tests: the progress numbers and how many
 * of the last boxes are listed. */
const char *onb_shift_panel_get_progress_text (OnbShiftPanel *self);
/* The stations sharing this station's store ("3 stations on this
 * pallet"), or that it works alone, cut off from them; nothing for a
 * station on its own. */
void        onb_shift_panel_set_fleet         (OnbShiftPanel *self,
                                               guint          n_stations,
                                               gboolean       working_alone);
/* "" when nothing is said. */
const char *onb_shift_panel_get_fleet_text    (OnbShiftPanel *self);
guint       onb_shift_panel_get_n_recent      (OnbShiftPanel *self);

G_END_DECLS
