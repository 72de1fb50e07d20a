/* onb-replace-page.c: the hardware swap, step by step
 *
 * Choose the old device (scan its label, type its DevEUI, or come from
 * History), scan the new label, confirm. Nothing happens before the
 * confirmation; the result card then follows the replace job.
 */

#define G_LOG_DOMAIN "onb-replace-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "onb-replace-page.h"
#include "onb-result-card.h"

struct _OnbReplacePage
{
  GtkWidget      parent_instance;

  GtkWidget      *root;
  GtkLabel      *instructions;
  AdwEntryRow   *old_row;
  AdwEntryRow   *new_row;
  GtkSwitch     *delete_old;
  GtkButton     *confirm_button;
  OnbResultCard *result_card;

  OnbEngine     *engine;
};

G_DEFINE_FINAL_TYPE (OnbReplacePage, onb_replace_page, GTK_TYPE_WIDGET)

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
on_fields_changed (OnbReplacePage *self)
{
  gboolean have_old = text_of (self->old_row)[0] != '\0';
  gboolean have_new = text_of (self->new_row)[0] != '\0';

  if (!have_old)
    gtk_label_set_text (self->instructions, _("Scan the label of the device being replaced."));
  else if (!have_new)
    gtk_label_set_text (self->instructions, _("Now scan the label of the new device."));
  else
    gtk_label_set_text (self->instructions, _("Check both devices, then confirm."));

  gtk_widget_set_sensitive (GTK_WIDGET (self->confirm_button), have_old && have_new && self->engine != NULL);
}

static void
on_clear_clicked (OnbReplacePage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->old_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->new_row), "");
  onb_result_card_set_job (self->result_card, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->result_card), FALSE);
}

static void
on_confirm_clicked (OnbReplacePage *self)
{
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(GError) error = NULL;
  const char *old_data = text_of (self->old_row);
  const char *new_data = text_of (self->new_row);

  g_return_if_fail (self->engine != NULL);

  job = onb_engine_submit_replace (self->engine, old_data, -1, new_data, -1,
                                   gtk_switch_get_active (self->delete_old), "kiosk", &error);
  gtk_widget_set_visible (GTK_WIDGET (self->result_card), TRUE);
  if (job == NULL)
    onb_result_card_show_rejection (self->result_card, error);
  else
    {
      onb_result_card_set_job (self->result_card, job);
      gtk_editable_set_text (GTK_EDITABLE (self->old_row), "");
      gtk_editable_set_text (GTK_EDITABLE (self->new_row), "");
    }
}

void
onb_replace_page_set_old (OnbReplacePage *self,
                          const char     *old_data)
{
  g_return_if_fail (ONB_IS_REPLACE_PAGE (self));

  on_clear_clicked (self);
  gtk_editable_set_text (GTK_EDITABLE (self->old_row), old_data);
}

gboolean
onb_replace_page_take_payload (OnbReplacePage *self,
                               const char     *payload,
                               gsize           length)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (ONB_IS_REPLACE_PAGE (self), FALSE);

  /* Labels are text; anything else goes the usual way and is refused there. */
  if (!g_utf8_validate_len (payload, length, NULL))
    return FALSE;
  text = g_strndup (payload, length);

  if (text_of (self->old_row)[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->old_row), g_strstrip (text));
  else if (text_of (self->new_row)[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->new_row), g_strstrip (text));
  else
    return FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->result_card), FALSE);
  return TRUE;
}

void
onb_replace_page_set_engine (OnbReplacePage *self,
                             OnbEngine      *engine)
{
  g_return_if_fail (ONB_IS_REPLACE_PAGE (self));

  g_set_object (&self->engine, engine);
  on_fields_changed (self);
}

static void
onb_replace_page_dispose (GObject *object)
{
  OnbReplacePage *self = ONB_REPLACE_PAGE (object);

  g_clear_object (&self->engine);
  gtk_widget_dispose_template (GTK_WIDGET (self), ONB_TYPE_REPLACE_PAGE);

  G_OBJECT_CLASS (onb_replace_page_parent_class)->dispose (object);
}

static void
onb_replace_page_class_init (OnbReplacePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_replace_page_dispose;

  g_type_ensure (ONB_TYPE_RESULT_CARD);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-replace-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbReplacePage, root);
  gtk_widget_class_bind_template_child (widget_class, OnbReplacePage, instructions);
  gtk_widget_class_bind_template_child (widget_class, OnbReplacePage, old_row);
  gtk_widget_class_bind_template_child (widget_class, OnbReplacePage, new_row);
  gtk_widget_class_bind_template_child (widget_class, OnbReplacePage, delete_old);
  gtk_widget_class_bind_template_child (widget_class, OnbReplacePage, confirm_button);
  gtk_widget_class_bind_template_child (widget_class, OnbReplacePage, result_card);
  gtk_widget_class_bind_template_callback (widget_class, on_fields_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_clear_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_confirm_clicked);
}

static void
onb_replace_page_init (OnbReplacePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  on_fields_changed (self);
}
