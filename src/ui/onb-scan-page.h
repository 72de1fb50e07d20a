/* onb-scan-page.h: the live preview, the answer card and the shift counters */
#pragma once

#include <gtk/gtk.h>

#include "onb-preview.h"
#include "onb-result-card.h"
#include "onb-shift-panel.h"

G_BEGIN_DECLS

#define ONB_TYPE_SCAN_PAGE (onb_scan_page_get_type ())
G_DECLARE_FINAL_TYPE (OnbScanPage, onb_scan_page, ONB, SCAN_PAGE, GtkWidget)

OnbResultCard *onb_scan_page_get_result_card   (OnbScanPage *self);
OnbPreview    *onb_scan_page_get_preview       (OnbScanPage *self);
GtkDropDown   *onb_scan_page_get_camera_choice (OnbScanPage *self);
/* The batch's progress and the last boxes, beside the card. */
OnbShiftPanel *onb_scan_page_get_shift_panel   (OnbScanPage *self);
void           onb_scan_page_set_counters      (OnbScanPage *self,
                                                guint        done,
                                                guint        queued,
                                                guint        failed);
/* Shows why there is no picture and what to do; %NULL title hides it. */
void           onb_scan_page_set_camera_problem (OnbScanPage *self,
                                                 const char  *icon_name,
                                                 const char  *title,
                                                 const char  *description);

/* Wide screens: the card as tall as its content, the last boxes below. */
void              onb_scan_page_set_large           (OnbScanPage   *self,
                                                     gboolean       large);

G_END_DECLS
