/* onb-setup-field.c: one configuration key in Setup, validated as typed */

#define G_LOG_DOMAIN "onb-setup-field"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-config.h"
#include "onb-setup-field.h"
#include "onb-ui-util.h"

struct _OnbSetupField
{
  GObject                  parent_instance;

  const OnbSetupFieldSpec *spec;
  char                    *group;
  GtkWidget               *row;
  GtkWidget               *hint_row;  /* text rows only */
  GtkWidget               *message;   /* text rows only */
  GtkWidget               *toggle;    /* switch rows only */
  GtkStringList           *names;     /* choice rows only: shown... */
  GPtrArray               *ids;       /* ...and stored */
  OnbSetupFieldCheck       check;
  gboolean                 valid;
};

G_DEFINE_FINAL_TYPE (OnbSetupField, onb_setup_field, G_TYPE_OBJECT)

static void
onb_setup_field_finalize (GObject *object)
{
  OnbSetupField *self = ONB_SETUP_FIELD (object);

  g_clear_pointer (&self->group, g_free);
  g_clear_object (&self->row);
  g_clear_object (&self->hint_row);
  g_clear_object (&self->names);
  g_clear_pointer (&self->ids, g_ptr_array_unref);

  G_OBJECT_CLASS (onb_setup_field_parent_class)->finalize (object);
}

static void
onb_setup_field_class_init (OnbSetupFieldClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_setup_field_finalize;
}

static void
onb_setup_field_init (OnbSetupField *self)
{
  self->valid = TRUE;
}

/* A text field's hint, on a line of its own under the field: a
 * preferences row, so the group lists it with the fields (other widgets
 * go below the list). */
static GtkWidget *
new_hint_row (const char *hint)
{
  GtkWidget *row = adw_preferences_row_new ();
  GtkWidget *label = gtk_label_new (hint);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "field-hint");
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  return row;
}

static void
on_text_changed (GtkEditable   *editable,
                 OnbSetupField *self)
{
  onb_setup_field_validate (self);
}

static void
build_text (OnbSetupField *self,
            const char    *name)
{
  g_autofree char *message_name = g_strconcat (name, ".message", NULL);

  if (onb_config_key_is_secret (self->group, self->spec->key))
    {
      self->row = adw_password_entry_row_new ();
      onb_ui_name_inner_buttons (self->row, _("Show the text"));
    }
  else
    self->row = adw_entry_row_new ();
  if (self->spec->width_chars > 0)
    gtk_editable_set_width_chars (GTK_EDITABLE (self->row), self->spec->width_chars);

  /* The message stands beside the field, not in a dialog. */
  self->message = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->message), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->message), 32);
  gtk_label_set_xalign (GTK_LABEL (self->message), 0);
  gtk_widget_add_css_class (self->message, "error");
  gtk_widget_add_css_class (self->message, "field-message");
  gtk_widget_set_visible (self->message, FALSE);
  gtk_widget_set_name (self->message, message_name);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (self->row), self->message);
  g_signal_connect (self->row, "changed", G_CALLBACK (on_text_changed), self);

  self->hint_row = g_object_ref_sink (new_hint_row (_(self->spec->hint)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _(self->spec->hint),
                                  -1);
}

OnbSetupField *
onb_setup_field_new (const OnbSetupFieldSpec *spec,
                     const char              *group)
{
  OnbSetupField *self = g_object_new (ONB_TYPE_SETUP_FIELD, NULL);
  g_autofree char *name = NULL;

  self->spec = spec;
  self->group = g_strdup (group != NULL ? group : spec->group);
  name = g_strdup_printf ("%s.%s", self->group, spec->key);

  switch (spec->kind)
    {
    case ONB_SETUP_FIELD_SWITCH:
      self->row = adw_action_row_new ();
      self->toggle = gtk_switch_new ();
      gtk_widget_set_valign (self->toggle, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (self->row), self->toggle);
      /* The row names the switch (its activatable widget). */
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (self->row), self->toggle);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->row), _(spec->hint));
      break;

    case ONB_SETUP_FIELD_CHOICE:
      self->names = gtk_string_list_new (NULL);
      self->ids = g_ptr_array_new_with_free_func (g_free);
      self->row = adw_combo_row_new ();
      adw_combo_row_set_model (ADW_COMBO_ROW (self->row), G_LIST_MODEL (self->names));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->row), _(spec->hint));
      break;

    case ONB_SETUP_FIELD_TEXT:
    default:
      build_text (self, name);
      break;
    }

  g_object_ref_sink (self->row);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->row), _(spec->title));
  gtk_widget_set_name (self->row, name);
  return self;
}

const OnbSetupFieldSpec *
onb_setup_field_get_spec (OnbSetupField *self)
{
  g_return_val_if_fail (ONB_IS_SETUP_FIELD (self), NULL);

  return self->spec;
}

const char *
onb_setup_field_get_group (OnbSetupField *self)
{
  g_return_val_if_fail (ONB_IS_SETUP_FIELD (self), NULL);

  return self->group;
}

GtkWidget *
onb_setup_field_get_row (OnbSetupField *self)
{
  g_return_val_if_fail (ONB_IS_SETUP_FIELD (self), NULL);

  return self->row;
}

void
onb_setup_field_add_to (OnbSetupField       *self,
                        AdwPreferencesGroup *group)
{
  g_return_if_fail (ONB_IS_SETUP_FIELD (self));

  adw_preferences_group_add (group, self->row);
  if (self->hint_row != NULL)
    adw_preferences_group_add (group, self->hint_row);
}

void
onb_setup_field_add_to_expander (OnbSetupField  *self,
                                 AdwExpanderRow *expander)
{
  g_return_if_fail (ONB_IS_SETUP_FIELD (self));

  adw_expander_row_add_row (expander, self->row);
  if (self->hint_row != NULL)
    adw_expander_row_add_row (expander, self->hint_row);
}

char *
onb_setup_field_get_value (OnbSetupField *self)
{
  g_return_val_if_fail (ONB_IS_SETUP_FIELD (self), NULL);

  switch (self->spec->kind)
    {
    case ONB_SETUP_FIELD_SWITCH:
      {
        gboolean on = gtk_switch_get_active (GTK_SWITCH (self->toggle));

        if (self->spec->on_value != NULL)
          return g_strdup (on ? self->spec->on_value : self->spec->off_value);
        return g_strdup (on ? "true" : "false");
      }

    case ONB_SETUP_FIELD_CHOICE:
      {
        guint pos = adw_combo_row_get_selected (ADW_COMBO_ROW (self->row));

        if (pos >= self->ids->len)
          return NULL;
        return g_strdup (g_ptr_array_index (self->ids, pos));
      }

    case ONB_SETUP_FIELD_TEXT:
    default:
      return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->row))));
    }
}

char *
onb_setup_field_get_setting (OnbSetupField *self)
{
  g_autofree char *value = onb_setup_field_get_value (self);

  if (value == NULL || value[0] == '\0' || g_strcmp0 (value, self->spec->default_value) == 0)
    return NULL;
  return g_steal_pointer (&value);
}

void
onb_setup_field_set_message (OnbSetupField *self,
                             const char    *message)
{
  g_return_if_fail (ONB_IS_SETUP_FIELD (self));

  if (self->message == NULL)
    return;

  gtk_label_set_text (GTK_LABEL (self->message), message != NULL ? message : "");
  gtk_widget_set_visible (self->message, message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (self->row, "error");
  else
    gtk_widget_remove_css_class (self->row, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  message != NULL ? message : _(self->spec->hint),
                                  -1);
}

gboolean
onb_setup_field_validate (OnbSetupField *self)
{
  g_autofree char *value = onb_setup_field_get_value (self);
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (ONB_IS_SETUP_FIELD (self), FALSE);

  if (value != NULL && value[0] == '\0')
    g_clear_pointer (&value, g_free);
  self->valid = onb_config_validate_value (self->group, self->spec->key, value, &error);
  if (self->valid && self->check != NULL)
    self->valid = self->check (value, &error);
  onb_setup_field_set_message (self, error != NULL ? error->message : NULL);
  return self->valid;
}

gboolean
onb_setup_field_get_valid (OnbSetupField *self)
{
  g_return_val_if_fail (ONB_IS_SETUP_FIELD (self), FALSE);

  return self->valid;
}

void
onb_setup_field_set_check (OnbSetupField      *self,
                           OnbSetupFieldCheck  check)
{
  g_return_if_fail (ONB_IS_SETUP_FIELD (self));

  self->check = check;
}

/* Chooses @id, added to the list when it is not there yet: a configured
 * plan stays selectable before the server's list is in. */
static void
select_choice (OnbSetupField *self,
               const char    *id)
{
  for (guint i = 0; i < self->ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->ids, i), id) == 0)
      {
        adw_combo_row_set_selected (ADW_COMBO_ROW (self->row), i);
        return;
      }

  if (id == NULL)
    {
      adw_combo_row_set_selected (ADW_COMBO_ROW (self->row), GTK_INVALID_LIST_POSITION);
      return;
    }
  g_ptr_array_add (self->ids, g_strdup (id));
  gtk_string_list_append (self->names, id);
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->row), self->ids->len - 1);
}

void
onb_setup_field_set_choices (OnbSetupField      *self,
                             const char * const *names,
                             const char * const *ids,
                             guint               n)
{
  g_return_if_fail (ONB_IS_SETUP_FIELD (self));
  g_return_if_fail (self->spec->kind == ONB_SETUP_FIELD_CHOICE);

  g_ptr_array_set_size (self->ids, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->ids, g_strdup (ids != NULL ? ids[i] : names[i]));
  gtk_string_list_splice (self->names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->names)), NULL);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (self->names, names[i]);
}

void
onb_setup_field_set_value (OnbSetupField *self,
                           const char    *value)
{
  g_return_if_fail (ONB_IS_SETUP_FIELD (self));

  switch (self->spec->kind)
    {
    case ONB_SETUP_FIELD_SWITCH:
      {
        gboolean on = self->spec->default_on;

        if (self->spec->on_value != NULL)
          on = g_strcmp0 (value, self->spec->on_value) == 0;
        else if (g_strcmp0 (value, "true") == 0 || g_strcmp0 (value, "1") == 0)
          on = TRUE;
        else if (g_strcmp0 (value, "false") == 0 || g_strcmp0 (value, "0") == 0)
          on = FALSE;
        gtk_switch_set_active (GTK_SWITCH (self->toggle), on);
      }
      break;

    case ONB_SETUP_FIELD_CHOICE:
      select_choice (self, value);
      break;

    case ONB_SETUP_FIELD_TEXT:
    default:
      if (value == NULL)
        value = self->spec->default_value;
      gtk_editable_set_text (GTK_EDITABLE (self->row), value != NULL ? value : "");
      if (value != NULL)
        onb_setup_field_validate (self);
      else
        onb_setup_field_set_message (self, NULL);
      break;
    }
}

void
onb_setup_field_set_status (OnbSetupField *self,
                            const char    *status)
{
  g_autofree char *subtitle = NULL;

  g_return_if_fail (ONB_IS_SETUP_FIELD (self));
  g_return_if_fail (ADW_IS_ACTION_ROW (self->row));

  subtitle = g_strdup_printf ("%s %s", _(self->spec->hint), status);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->row), subtitle);
}
