/* onb-manual-page.c: typing a damaged label, handled like a scan
 *
 * The text is parsed as it is typed, so the worker sees at once whether
 * it is a label Onboarder understands; Provision hands it to the same path
 * as a camera scan.
 */

#define G_LOG_DOMAIN "onb-manual-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "onb-code.h"
#include "onb-manual-page.h"

struct _OnbManualPage
{
  GtkWidget  parent_instance;

  GtkWidget      *root;
  GtkEntry  *entry;
  GtkButton *submit_button;
  GtkLabel  *verdict;
};

G_DEFINE_FINAL_TYPE (OnbManualPage, onb_manual_page, GTK_TYPE_WIDGET)

enum {
  SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_changed (OnbManualPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autoptr(OnbCode) code = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (text[0] == '\0')
    {
      gtk_label_set_text (self->verdict, "");
      gtk_widget_set_sensitive (GTK_WIDGET (self->submit_button), FALSE);
      return;
    }

  code = onb_code_parse (text, -1, &error);
  if (code == NULL)
    {
      gtk_label_set_text (self->verdict, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict), "error");
      gtk_widget_set_sensitive (GTK_WIDGET (self->submit_button), FALSE);
      return;
    }

  if (onb_code_get_dev_eui (code) != NULL)
    /* Translators: %s is a DevEUI such as 0018B20000000101 */
    message = g_strdup_printf (_("A device label for DevEUI %s."), onb_code_get_dev_eui (code));
  else
    message = g_strdup (_("A Blynk device token."));

  gtk_label_set_text (self->verdict, message);
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict), "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->submit_button), TRUE);
}

static void
on_submit (OnbManualPage *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->submit_button)))
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  g_signal_emit (self, signals[SUBMIT], 0, text);
}

static void
on_clear (OnbManualPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
onb_manual_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), ONB_TYPE_MANUAL_PAGE);

  G_OBJECT_CLASS (onb_manual_page_parent_class)->dispose (object);
}

static void
onb_manual_page_class_init (OnbManualPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_manual_page_dispose;

  signals[SUBMIT] = g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-manual-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbManualPage, root);
  gtk_widget_class_bind_template_child (widget_class, OnbManualPage, entry);
  gtk_widget_class_bind_template_child (widget_class, OnbManualPage, submit_button);
  gtk_widget_class_bind_template_child (widget_class, OnbManualPage, verdict);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_submit);
  gtk_widget_class_bind_template_callback (widget_class, on_clear);
}

static void
onb_manual_page_init (OnbManualPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
