/* onb-ui-util.h: small helpers the kiosk's widgets share */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Names every button inside @widget: GTK 4.8 leaves the inner button of a
 * drop-down and the "show text" button of a password row without a name,
 * so a screen reader would say only "button". */
void onb_ui_name_inner_buttons (GtkWidget  *widget,
                                const char *name);

/* A row that says whether something works (an icon named for a screen
 * reader), added to @group and to @rows; onb_ui_clear_rows() takes them
 * all away again. */
GtkWidget *onb_ui_add_result_row (AdwPreferencesGroup *group,
                                  GPtrArray           *rows,
                                  gboolean             ok,
                                  const char          *title,
                                  const char          *message);
void       onb_ui_clear_rows     (AdwPreferencesGroup *group,
                                  GPtrArray           *rows);

G_END_DECLS
