/* onb-setup-page.h: every configuration key, validated as you type */
#pragma once

#include <gtk/gtk.h>

#include "onb-config.h"
#include "onb-http-client.h"
#include "onb-registry.h"

G_BEGIN_DECLS

#define ONB_TYPE_SETUP_PAGE (onb_setup_page_get_type ())
G_DECLARE_FINAL_TYPE (OnbSetupPage, onb_setup_page, ONB, SETUP_PAGE, GtkWidget)

/* Shows the values of @config; Save writes them back into it and to
 * @path (%NULL: where it was loaded from, else the default), then emits
 * "saved". */
void          onb_setup_page_set_config     (OnbSetupPage  *self,
                                             OnbConfig     *config,
                                             const char    *path);
void          onb_setup_page_set_http_client (OnbSetupPage *self,
                                             OnbHttpClient *http);
/* Shows an import's row-numbered report (@report may be %NULL when the
 * file could not be read at all). */
void          onb_setup_page_show_import_report (OnbSetupPage          *self,
                                                 const OnbImportReport *report,
                                                 const GError          *error);

/* In kiosk mode Save refuses a PIN anyone would guess. */
void          onb_setup_page_set_kiosk       (OnbSetupPage *self,
                                             gboolean      kiosk);

G_END_DECLS
