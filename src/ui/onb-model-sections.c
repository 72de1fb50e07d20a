/* onb-model-sections.c: the [model XXXXXXXX] sections in Setup */

#define G_LOG_DOMAIN "onb-model-sections"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-code.h"
#include "onb-model-sections.h"
#include "onb-setup-field.h"

/* The keys of a model section (README, configuration reference). */
static const OnbSetupFieldSpec model_specs[] = {
  { ONB_CONFIG_MODEL_GROUP, "name", N_("Model name"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Shown on the answer card, in History and in onboarder-cli jobs, such as Soil sensor. Empty: the Profile ID.") },
  { ONB_CONFIG_MODEL_GROUP, "blynk_template", N_("Blynk template"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Blynk.Console → Templates → this product’s template: its TMPL… ID. Empty: the station’s Template ID.") },
  { ONB_CONFIG_MODEL_GROUP, "lorawan_version", N_("LoRaWAN version"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("From the product’s datasheet, such as MAC_V1_0_3. Empty: what The Things Stack’s Device Repository says for this Profile ID.") },
  { ONB_CONFIG_MODEL_GROUP, "phy_version", N_("Regional parameters version"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("To go with the LoRaWAN version, such as PHY_V1_0_3_REV_A. Empty: what the Device Repository says.") },
  { ONB_CONFIG_MODEL_GROUP, "frequency_plan", N_("Frequency plan"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("As the TTS Console names it, such as EU_863_870_TTN. Empty: the first of the station’s frequency plans in the model’s band; needed when the Device Repository gives no band.") },
  { ONB_CONFIG_MODEL_GROUP, "class_b", N_("Class B"), ONB_SETUP_FIELD_CHOICE, FALSE,
    N_("Whether its devices are made class B.") },
  { ONB_CONFIG_MODEL_GROUP, "class_c", N_("Class C"), ONB_SETUP_FIELD_CHOICE, FALSE,
    N_("Whether its devices are made class C.") },
  { ONB_CONFIG_MODEL_GROUP, "metafield_dev_eui", N_("Device EUI metafield"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Only when this template calls the DevEUI metafield otherwise than the station’s template does.") },
  { ONB_CONFIG_MODEL_GROUP, "metafield_join_eui", N_("Join EUI metafield"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Only when this template calls the JoinEUI metafield otherwise.") },
  { ONB_CONFIG_MODEL_GROUP, "metafield_app_key", N_("Application Key metafield"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Only when this template calls the AppKey metafield otherwise.") },
  { ONB_CONFIG_MODEL_GROUP, "metafield_ttn_device", N_("TheThingsNetwork Device metafield"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Only when this template calls the TTS device ID metafield otherwise.") },
};

typedef struct
{
  char          *group;      /* "model 000AF8BE" */
  char          *profile_id;
  GtkWidget     *expander;
  OnbSetupField *fields[G_N_ELEMENTS (model_specs)];
} Section;

struct _OnbModelSections
{
  AdwPreferencesGroup  parent_instance;

  AdwEntryRow         *new_profile_id;
  GtkWidget           *add_message;

  GPtrArray           *sections;
};

G_DEFINE_FINAL_TYPE (OnbModelSections, onb_model_sections, ADW_TYPE_PREFERENCES_GROUP)

static void
section_free (Section *section)
{
  g_free (section->group);
  g_free (section->profile_id);
  for (guint i = 0; i < G_N_ELEMENTS (section->fields); i++)
    g_clear_object (&section->fields[i]);
  g_free (section);
}

/* The expander says the model's name as typed, and its Profile ID. */
static void
update_title (Section *section)
{
  g_autofree char *name = onb_setup_field_get_value (section->fields[0]);
  g_autofree char *subtitle = g_strdup_printf (_("Profile ID %s"), section->profile_id);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (section->expander),
                                 name != NULL && name[0] != '\0' ? name : section->profile_id);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (section->expander), subtitle);
}

static void
on_remove_clicked (GtkButton        *button,
                   OnbModelSections *self)
{
  Section *section = g_object_get_data (G_OBJECT (button), "section");

  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), section->expander);
  g_ptr_array_remove (self->sections, section);
}

static void
add_section (OnbModelSections *self,
             const char       *profile_id,
             OnbConfig        *config)
{
  static const char * const class_names[] = { N_("As the Device Repository says"), N_("Yes"), N_("No") };
  static const char * const class_ids[] = { NULL, "true", "false" };
  const char *names[G_N_ELEMENTS (class_names)];
  Section *section = g_new0 (Section, 1);
  GtkWidget *remove;
  g_autofree char *remove_name = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (class_names); i++)
    names[i] = _(class_names[i]);

  section->profile_id = g_strdup (profile_id);
  section->group = g_strdup_printf ("%s %s", ONB_CONFIG_MODEL_GROUP, profile_id);
  section->expander = adw_expander_row_new ();
  gtk_widget_set_name (section->expander, section->group);
  for (guint i = 0; i < G_N_ELEMENTS (model_specs); i++)
    {
      g_autofree char *value = config != NULL ? onb_config_get_string (config, section->group, model_specs[i].key) : NULL;

      section->fields[i] = onb_setup_field_new (&model_specs[i], section->group);
      if (model_specs[i].kind == ONB_SETUP_FIELD_CHOICE)
        {
          onb_setup_field_set_choices (section->fields[i], names, class_ids, G_N_ELEMENTS (class_ids));
          /* What GKeyFile reads as true or false, as the choice's ids. */
          if (g_strcmp0 (value, "1") == 0 || g_strcmp0 (value, "0") == 0)
            {
              gboolean on = value[0] == '1';

              g_free (value);
              value = g_strdup (on ? "true" : "false");
            }
        }
      onb_setup_field_set_value (section->fields[i], value);
      onb_setup_field_add_to_expander (section->fields[i], ADW_EXPANDER_ROW (section->expander));
    }
  g_signal_connect_swapped (onb_setup_field_get_row (section->fields[0]), "changed",
                            G_CALLBACK (update_title), section);
  update_title (section);

  remove = gtk_button_new_with_label (_("Remove Model"));
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  /* Translators: the button that removes a device model, with its Profile ID */
  remove_name = g_strdup_printf (_("Remove the model %s"), profile_id);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, remove_name, -1);
  g_object_set_data (G_OBJECT (remove), "section", section);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked), self);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (section->expander), remove);

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), section->expander);
  g_ptr_array_add (self->sections, section);
}

static void
clear_sections (OnbModelSections *self)
{
  for (guint i = 0; i < self->sections->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self),
                                  ((Section *) g_ptr_array_index (self->sections, i))->expander);
  g_ptr_array_set_size (self->sections, 0);
}

static Section *
find_section (OnbModelSections *self,
              const char       *profile_id)
{
  for (guint i = 0; i < self->sections->len; i++)
    if (g_str_equal (((Section *) g_ptr_array_index (self->sections, i))->profile_id, profile_id))
      return g_ptr_array_index (self->sections, i);
  return NULL;
}

static void
set_add_message (OnbModelSections *self,
                 const char       *message)
{
  gtk_label_set_text (GTK_LABEL (self->add_message), message != NULL ? message : "");
  gtk_widget_set_visible (self->add_message, message != NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->new_profile_id),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  message != NULL ? message : _("The 8 hexadecimal digits of the Profile ID on the "
                                                                "product’s labels, such as 000AF8BE, then Add Model."),
                                  -1);
}

/* The new model's name takes the focus, so the page scrolls there, once
 * the opening expander shows it (before that the page is not yet long
 * enough to scroll to it). */
static gboolean
focus_once_shown (GtkWidget     *row,
                  GdkFrameClock *clock,
                  gpointer       user_data)
{
  GtkWidget *expander = user_data;
  graphene_rect_t bounds;

  if (!adw_expander_row_get_expanded (ADW_EXPANDER_ROW (expander)))
    return G_SOURCE_REMOVE;
  if (!gtk_widget_compute_bounds (row, expander, &bounds) ||
      bounds.origin.y + bounds.size.height > gtk_widget_get_height (expander))
    return G_SOURCE_CONTINUE;
  gtk_widget_grab_focus (row);
  return G_SOURCE_REMOVE;
}

static void
on_add_clicked (OnbModelSections *self)
{
  g_autofree char *typed = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->new_profile_id))));
  g_autofree char *profile_id = onb_profile_id_normalize (typed, NULL);
  Section *section;

  if (profile_id == NULL)
    {
      set_add_message (self, _("A Profile ID is 8 hexadecimal digits, such as 000AF8BE."));
      return;
    }
  if ((section = find_section (self, profile_id)) != NULL)
    {
      set_add_message (self, _("This Profile ID has a model already."));
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (section->expander), TRUE);
      return;
    }

  set_add_message (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->new_profile_id), "");
  add_section (self, profile_id, NULL);
  section = g_ptr_array_index (self->sections, self->sections->len - 1);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (section->expander), TRUE);
  gtk_widget_add_tick_callback (onb_setup_field_get_row (section->fields[0]), focus_once_shown,
                                section->expander, NULL);
}

void
onb_model_sections_set_config (OnbModelSections *self,
                               OnbConfig        *config)
{
  g_auto(GStrv) groups = NULL;

  g_return_if_fail (ONB_IS_MODEL_SECTIONS (self));

  clear_sections (self);
  groups = onb_config_get_model_groups (config);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *profile_id = onb_config_model_group_get_profile_id (groups[i]);

      /* A file may spell a section in lower case: one section each. */
      if (find_section (self, profile_id) == NULL)
        add_section (self, profile_id, config);
    }
}

GtkWidget *
onb_model_sections_validate (OnbModelSections *self)
{
  GtkWidget *first = NULL;

  g_return_val_if_fail (ONB_IS_MODEL_SECTIONS (self), NULL);

  for (guint i = 0; i < self->sections->len; i++)
    {
      Section *section = g_ptr_array_index (self->sections, i);

      for (guint k = 0; k < G_N_ELEMENTS (section->fields); k++)
        if (!onb_setup_field_validate (section->fields[k]) && first == NULL)
          {
            adw_expander_row_set_expanded (ADW_EXPANDER_ROW (section->expander), TRUE);
            first = onb_setup_field_get_row (section->fields[k]);
          }
    }
  return first;
}

void
onb_model_sections_into_config (OnbModelSections *self,
                                OnbConfig        *config)
{
  g_auto(GStrv) groups = NULL;

  g_return_if_fail (ONB_IS_MODEL_SECTIONS (self));

  groups = onb_config_get_model_groups (config);
  for (guint i = 0; groups[i] != NULL; i++)
    onb_config_remove_group (config, groups[i]);
  for (guint i = 0; i < self->sections->len; i++)
    {
      Section *section = g_ptr_array_index (self->sections, i);
      gboolean any = FALSE;

      for (guint k = 0; k < G_N_ELEMENTS (section->fields); k++)
        {
          g_autofree char *value = onb_setup_field_get_setting (section->fields[k]);

          onb_config_set_string (config, section->group, model_specs[k].key, value);
          any |= value != NULL;
        }
      /* A model with nothing set still names a Profile ID the station
       * takes: its section stays, empty. */
      if (!any)
        onb_config_set_string (config, section->group, "name", section->profile_id);
    }
}

static void
onb_model_sections_dispose (GObject *object)
{
  OnbModelSections *self = ONB_MODEL_SECTIONS (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ONB_TYPE_MODEL_SECTIONS);
  g_clear_pointer (&self->sections, g_ptr_array_unref);

  G_OBJECT_CLASS (onb_model_sections_parent_class)->dispose (object);
}

static void
onb_model_sections_class_init (OnbModelSectionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_model_sections_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-model-sections.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbModelSections, new_profile_id);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
}

static void
onb_model_sections_init (OnbModelSections *self)
{
  GtkWidget *add;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->sections = g_ptr_array_new_with_free_func ((GDestroyNotify) section_free);

  /* The message stands beside the field, as on every other field. */
  self->add_message = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->add_message), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->add_message), 32);
  gtk_widget_add_css_class (self->add_message, "error");
  gtk_widget_add_css_class (self->add_message, "field-message");
  gtk_widget_set_name (self->add_message, "model.new.message");
  adw_entry_row_add_suffix (self->new_profile_id, self->add_message);
  add = gtk_button_new_with_label (_("Add Model"));
  gtk_widget_set_name (add, "model.add");
  gtk_widget_set_valign (add, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (add, "clicked", G_CALLBACK (on_add_clicked), self);
  adw_entry_row_add_suffix (self->new_profile_id, add);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->new_profile_id), 10);
  set_add_message (self, NULL);
}
