/* onb-history-page.h: every job, newest first, searchable */
#pragma once

#include <gtk/gtk.h>

#include "onb-engine.h"
#include "onb-pin-guard.h"

G_BEGIN_DECLS

#define ONB_TYPE_HISTORY_PAGE (onb_history_page_get_type ())
G_DECLARE_FINAL_TYPE (OnbHistoryPage, onb_history_page, ONB, HISTORY_PAGE, GtkWidget)

void onb_history_page_set_engine (OnbHistoryPage *self,
                                  OnbEngine      *engine);
/* Where the last search is remembered. */
void onb_history_page_set_settings (OnbHistoryPage *self,
                                    GSettings      *settings);
/* Shows the wrong PINs on @guard's record. */
void onb_history_page_set_pin_guard (OnbHistoryPage *self,
                                     OnbPinGuard    *guard);
/* Runs the search now instead of after the typing pause (tests). */
void onb_history_page_refresh    (OnbHistoryPage *self);

G_END_DECLS
