/* onb-ui-util.c: small helpers the kiosk's widgets share */

#define G_LOG_DOMAIN "onb-ui"

#include "config.h"

#include "onb-ui-util.h"

void
onb_ui_name_inner_buttons (GtkWidget  *widget,
                           const char *name)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                        -1);
      onb_ui_name_inner_buttons (child, name);
    }
}
