/* onb-scan-page.c: the live preview, the answer card and the shift counters */

#define G_LOG_DOMAIN "onb-scan-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "onb-scan-page.h"
#include "onb-ui-util.h"
#include "onb-shift-panel.h"

struct _OnbScanPage
{
  GtkWidget       parent_instance;

  GtkWidget      *root;
  OnbPreview     *preview;
  AdwStatusPage  *camera_status;
  GtkDropDown    *camera_choice;
  OnbResultCard  *result_card;
  GtkLabel       *done_label;
  GtkLabel       *queued_label;
  GtkLabel       *failed_label;
  OnbShiftPanel  *shift_panel;
};

G_DEFINE_FINAL_TYPE (OnbScanPage, onb_scan_page, GTK_TYPE_WIDGET)

OnbResultCard *
onb_scan_page_get_result_card (OnbScanPage *self)
{
  g_return_val_if_fail (ONB_IS_SCAN_PAGE (self), NULL);

  return self->result_card;
}

OnbPreview *
onb_scan_page_get_preview (OnbScanPage *self)
{
  g_return_val_if_fail (ONB_IS_SCAN_PAGE (self), NULL);

  return self->preview;
}

OnbShiftPanel *
onb_scan_page_get_shift_panel (OnbScanPage *self)
{
  g_return_val_if_fail (ONB_IS_SCAN_PAGE (self), NULL);

  return self->shift_panel;
}

GtkDropDown *
onb_scan_page_get_camera_choice (OnbScanPage *self)
{
  g_return_val_if_fail (ONB_IS_SCAN_PAGE (self), NULL);

  return self->camera_choice;
}

static void
set_counter (GtkLabel   *label,
             const char *text)
{
  gtk_label_set_text (label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                  -1);
}

void
onb_scan_page_set_counters (OnbScanPage *self,
                            guint        done,
                            guint        queued,
                            guint        failed)
{
  g_autofree char *done_text = NULL;
  g_autofree char *queued_text = NULL;
  g_autofree char *failed_text = NULL;

  g_return_if_fail (ONB_IS_SCAN_PAGE (self));

  /* Translators: shift counter, e.g. "12 done" */
  done_text = g_strdup_printf (_("%u done"), done);
  /* Translators: shift counter, e.g. "1 queued" */
  queued_text = g_strdup_printf (_("%u queued"), queued);
  /* Translators: shift counter, e.g. "2 failed" */
  failed_text = g_strdup_printf (_("%u failed"), failed);

  set_counter (self->done_label, done_text);
  set_counter (self->queued_label, queued_text);
  set_counter (self->failed_label, failed_text);
}

void
onb_scan_page_set_camera_problem (OnbScanPage *self,
                                  const char  *icon_name,
                                  const char  *title,
                                  const char  *description)
{
  g_return_if_fail (ONB_IS_SCAN_PAGE (self));

  gtk_widget_set_visible (GTK_WIDGET (self->camera_status), title != NULL);
  if (title == NULL)
    return;

  adw_status_page_set_icon_name (self->camera_status, icon_name);
  adw_status_page_set_title (self->camera_status, title);
  adw_status_page_set_description (self->camera_status, description);
}

static void
onb_scan_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), ONB_TYPE_SCAN_PAGE);

  G_OBJECT_CLASS (onb_scan_page_parent_class)->dispose (object);
}

void
onb_scan_page_set_large (OnbScanPage *self,
                         gboolean     large)
{
  g_return_if_fail (ONB_IS_SCAN_PAGE (self));

  /* On a wide screen the card is as tall as its words and the last boxes
   * take the rest; on 800×480 the card has all the room there is. */
  gtk_widget_set_vexpand (GTK_WIDGET (self->result_card), !large);
  gtk_widget_set_vexpand (GTK_WIDGET (self->shift_panel), large);
  onb_shift_panel_set_large (self->shift_panel, large);
}

static void
onb_scan_page_class_init (OnbScanPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_scan_page_dispose;

  g_type_ensure (ONB_TYPE_PREVIEW);
  g_type_ensure (ONB_TYPE_RESULT_CARD);
  g_type_ensure (ONB_TYPE_SHIFT_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-scan-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbScanPage, root);
  gtk_widget_class_bind_template_child (widget_class, OnbScanPage, preview);
  gtk_widget_class_bind_template_child (widget_class, OnbScanPage, camera_status);
  gtk_widget_class_bind_template_child (widget_class, OnbScanPage, camera_choice);
  gtk_widget_class_bind_template_child (widget_class, OnbScanPage, result_card);
  gtk_widget_class_bind_template_child (widget_class, OnbScanPage, done_label);
  gtk_widget_class_bind_template_child (widget_class, OnbScanPage, queued_label);
  gtk_widget_class_bind_template_child (widget_class, OnbScanPage, failed_label);
  gtk_widget_class_bind_template_child (widget_class, OnbScanPage, shift_panel);
}

static void
onb_scan_page_init (OnbScanPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  onb_ui_name_inner_buttons (GTK_WIDGET (self->camera_choice), _("Camera"));
  onb_scan_page_set_counters (self, 0, 0, 0);
}
