/* onb-ui-util.c: small helpers the kiosk's widgets share */

#define G_LOG_DOMAIN "onb-ui"

#include "config.h"

#include <glib/gi18n.h>

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

GtkWidget *
onb_ui_add_result_row (AdwPreferencesGroup *group,
                       GPtrArray           *rows,
                       gboolean             ok,
                       const char          *title,
                       const char          *message)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (ok ? "emblem-ok-symbolic" : "dialog-error-symbolic");

  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, ok ? _("Works") : _("Problem"),
                                  -1);
  gtk_widget_add_css_class (icon, ok ? "success" : "error");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), message);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (rows, row);
  return row;
}

void
onb_ui_clear_rows (AdwPreferencesGroup *group,
                   GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}
