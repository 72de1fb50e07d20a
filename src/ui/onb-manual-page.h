/* onb-manual-page.h: typing a damaged label, handled like a scan */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ONB_TYPE_MANUAL_PAGE (onb_manual_page_get_type ())
G_DECLARE_FINAL_TYPE (OnbManualPage, onb_manual_page, ONB, MANUAL_PAGE, GtkWidget)

/* Emits "submit" (const char *payload) when the worker presses Provision. */

G_END_DECLS
