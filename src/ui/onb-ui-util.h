/* onb-ui-util.h: small helpers the kiosk's widgets share */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Names every button inside @widget: GTK 4.8 leaves the inner button of a
 * drop-down and the "show text" button of a password row without a name,
 * so a screen reader would say only "button". */
void onb_ui_name_inner_buttons (GtkWidget  *widget,
                                const char *name);

G_END_DECLS
