/* onb-history-row.h: one job in the history list */
#pragma once

#include <gtk/gtk.h>

#include "onb-job.h"

G_BEGIN_DECLS

#define ONB_TYPE_HISTORY_ROW (onb_history_row_get_type ())
G_DECLARE_FINAL_TYPE (OnbHistoryRow, onb_history_row, ONB, HISTORY_ROW, GtkListBoxRow)

GtkWidget *onb_history_row_new     (OnbJob        *job);

G_END_DECLS
