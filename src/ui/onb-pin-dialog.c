/* onb-pin-dialog.c: asks for the kiosk PIN before Setup or quitting
 *
 * A big keypad for gloved fingers; a hardware keyboard works too.
 */

#define G_LOG_DOMAIN "onb-pin-dialog"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-pin-dialog.h"

struct _OnbPinDialog
{
  AdwWindow         parent_instance;

  GtkLabel         *reason;
  GtkPasswordEntry *entry;
  GtkLabel         *message;
  GtkGrid          *keypad;

  char             *pin;
  OnbPinGuard      *guard;
  guint             countdown_id;
};

G_DEFINE_FINAL_TYPE (OnbPinDialog, onb_pin_dialog, ADW_TYPE_WINDOW)

enum {
  UNLOCKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Compares every byte whatever the first difference, so the time taken
 * does not tell how much of the PIN was right. */
static gboolean
pin_equal (const char *expected,
           const char *typed)
{
  gsize len = strlen (expected);
  gsize typed_len = strlen (typed);
  guint diff = len != typed_len;

  for (gsize i = 0; i < len; i++)
    diff |= (guint) (guchar) expected[i] ^ (guint) (guchar) (i < typed_len ? typed[i] : 0);

  return diff == 0;
}

/* While the guard asks to wait: the keypad is off and the message counts
 * down, once a second. */
static gboolean
update_wait (gpointer user_data)
{
  OnbPinDialog *self = user_data;
  guint wait = onb_pin_guard_get_wait (self->guard);

  /* Key by key: GTK 4.8 tells a screen reader only a widget's own state. */
  for (GtkWidget *key = gtk_widget_get_first_child (GTK_WIDGET (self->keypad));
       key != NULL;
       key = gtk_widget_get_next_sibling (key))
    gtk_widget_set_sensitive (key, wait == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->entry), wait == 0);
  if (wait == 0)
    {
      gtk_label_set_text (self->message, _("Try again."));
      gtk_widget_grab_focus (GTK_WIDGET (self->entry));
      self->countdown_id = 0;
      return G_SOURCE_REMOVE;
    }

  {
    g_autofree char *text = g_strdup_printf (ngettext ("Too many wrong PINs. Wait %u second, then try again.",
                                                       "Too many wrong PINs. Wait %u seconds, then try again.",
                                                       wait),
                                             wait);

    gtk_label_set_text (self->message, text);
  }
  if (self->countdown_id == 0)
    self->countdown_id = g_timeout_add_seconds (1, update_wait, self);
  return G_SOURCE_CONTINUE;
}

static void
check (OnbPinDialog *self)
{
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->entry));

  /* Keys typed while waiting (a hardware keyboard) count for nothing. */
  if (onb_pin_guard_get_wait (self->guard) > 0)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
      return;
    }

  if (pin_equal (self->pin, typed))
    {
      onb_pin_guard_record_success (self->guard);
      g_signal_emit (self, signals[UNLOCKED], 0);
      gtk_window_close (GTK_WINDOW (self));
      return;
    }

  onb_pin_guard_record_failure (self->guard);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  if (onb_pin_guard_get_wait (self->guard) > 0)
    {
      update_wait (self);
      return;
    }
  gtk_label_set_text (self->message, _("Wrong PIN. Try again, or ask your supervisor."));
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
on_key_clicked (GtkButton    *button,
                OnbPinDialog *self)
{
  const char *key = g_object_get_data (G_OBJECT (button), "onb-key");
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));

  if (g_str_equal (key, "back"))
    {
      if (text[0] != '\0')
        text[strlen (text) - 1] = '\0';
      gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
    }
  else if (g_str_equal (key, "ok"))
    check (self);
  else
    {
      g_autofree char *longer = g_strconcat (text, key, NULL);

      gtk_editable_set_text (GTK_EDITABLE (self->entry), longer);
    }
}

static void
on_entry_activate (GtkPasswordEntry *entry,
                   OnbPinDialog     *self)
{
  check (self);
}

static void
build_keypad (OnbPinDialog *self)
{
  static const char * const keys[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkWidget *button;

      if (g_str_equal (keys[i], "back"))
        {
          button = gtk_button_new_from_icon_name ("edit-clear-symbolic");
          gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, _("Delete last digit"),
                                          -1);
        }
      else if (g_str_equal (keys[i], "ok"))
        {
          /* Translators: confirms the PIN on the keypad */
          button = gtk_button_new_with_label (_("OK"));
          gtk_widget_add_css_class (button, "suggested-action");
        }
      else
        button = gtk_button_new_with_label (keys[i]);

      g_object_set_data (G_OBJECT (button), "onb-key", (gpointer) keys[i]);
      g_signal_connect (button, "clicked", G_CALLBACK (on_key_clicked), self);
      gtk_grid_attach (self->keypad, button, i % 3, i / 3, 1, 1);
    }
}

void
onb_pin_dialog_enter (OnbPinDialog *self,
                      const char   *digits)
{
  g_return_if_fail (ONB_IS_PIN_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->entry), digits);
  check (self);
}

const char *
onb_pin_dialog_get_message (OnbPinDialog *self)
{
  g_return_val_if_fail (ONB_IS_PIN_DIALOG (self), NULL);

  return gtk_label_get_text (self->message);
}

static void
onb_pin_dialog_dispose (GObject *object)
{
  OnbPinDialog *self = ONB_PIN_DIALOG (object);

  g_clear_handle_id (&self->countdown_id, g_source_remove);

  G_OBJECT_CLASS (onb_pin_dialog_parent_class)->dispose (object);
}

static void
onb_pin_dialog_finalize (GObject *object)
{
  OnbPinDialog *self = ONB_PIN_DIALOG (object);

  g_clear_pointer (&self->pin, g_free);
  g_clear_object (&self->guard);

  G_OBJECT_CLASS (onb_pin_dialog_parent_class)->finalize (object);
}

static void
onb_pin_dialog_class_init (OnbPinDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_pin_dialog_dispose;
  object_class->finalize = onb_pin_dialog_finalize;

  signals[UNLOCKED] = g_signal_new ("unlocked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-pin-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbPinDialog, reason);
  gtk_widget_class_bind_template_child (widget_class, OnbPinDialog, entry);
  gtk_widget_class_bind_template_child (widget_class, OnbPinDialog, message);
  gtk_widget_class_bind_template_child (widget_class, OnbPinDialog, keypad);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
onb_pin_dialog_init (OnbPinDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->entry, "activate", G_CALLBACK (on_entry_activate), self);
  build_keypad (self);
}

OnbPinDialog *
onb_pin_dialog_new (GtkWindow   *parent,
                    const char  *pin,
                    OnbPinGuard *guard,
                    const char  *reason)
{
  OnbPinDialog *self;

  g_return_val_if_fail (pin != NULL, NULL);
  g_return_val_if_fail (ONB_IS_PIN_GUARD (guard), NULL);

  self = g_object_new (ONB_TYPE_PIN_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->pin = g_strdup (pin);
  self->guard = g_object_ref (guard);
  gtk_label_set_text (self->reason, reason);
  if (onb_pin_guard_get_wait (guard) > 0)
    update_wait (self);

  return self;
}
