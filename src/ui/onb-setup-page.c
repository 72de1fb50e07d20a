/* onb-setup-page.c: every configuration key, validated as you type
 *
 * One row per configuration key (README, configuration reference), built from a table so that no key is
 * forgotten. Each text row checks its value with onb_config_validate_value()
 * on every change and shows the message beside the field; Save refuses
 * while any message stands. Secrets use password rows and are never shown.
 */

#define G_LOG_DOMAIN "onb-setup-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "onb-blynk-client.h"
#include "onb-camera-monitor.h"
#include "onb-connection-check.h"
#include "onb-model-check.h"
#include "onb-tts-repository.h"
#include "onb-setup-page.h"
#include "onb-pin-guard.h"
#include "onb-tts-client.h"
#include "onb-ui-util.h"

typedef enum
{
  FIELD_TEXT,
  FIELD_SWITCH,
  FIELD_FREQUENCY_PLAN,
  FIELD_CAMERA,
} FieldKind;

typedef struct
{
  const char *group;
  const char *key;
  const char *title;        /* N_() */
  FieldKind   kind;
  gboolean    default_on;   /* switches */
  const char *hint;         /* N_(): where the value comes from, in the consoles' words */
  const char *on_value;     /* switches of a two-value key: its value when on, and when off */
  const char *off_value;    /*   (NULL: true and false) */
  const char *default_value; /* text shown when the file has none; not written back */
} FieldSpec;

static const FieldSpec field_specs[] = {
  { "blynk", "server",             N_("Server address"), FIELD_TEXT, FALSE,
    N_("The address of your Blynk.Console: https://blynk.cloud, your region's (fra1, lon1, ny3, sgp1, blr1 .blynk.cloud) or your white-label host.") },
  { "blynk", "client_id",          N_("OAuth client ID"), FIELD_TEXT, FALSE,
    N_("Blynk.Console → Developer Zone → OAuth2: create a client for the Platform API (client credentials) and copy its Client ID.") },
  { "blynk", "client_secret",      N_("OAuth client secret"), FIELD_TEXT, FALSE,
    N_("Shown with the Client ID in Blynk.Console → Developer Zone → OAuth2.") },
  { "blynk", "template_id",        N_("Template ID"), FIELD_TEXT, FALSE,
    N_("Blynk.Console → Templates → your template: its TMPL… ID. It needs the four text metafields named under Template Metafields.") },
  { "blynk", "owner_id",           N_("Owner user ID"), FIELD_TEXT, FALSE,
    N_("Blynk.Console → Users: the numeric ID of the user who will own the new devices.") },
  { "blynk", "metafield_dev_eui",  N_("Device EUI metafield"), FIELD_TEXT, FALSE,
    N_("The template's metafield for the DevEUI. Blynk calls it Device EUI; change it only if your template calls it otherwise."),
    NULL, NULL, ONB_BLYNK_METAFIELD_DEV_EUI },
  { "blynk", "metafield_join_eui", N_("Join EUI metafield"), FIELD_TEXT, FALSE,
    N_("The template's metafield for the JoinEUI. Blynk calls it Join EUI."),
    NULL, NULL, ONB_BLYNK_METAFIELD_JOIN_EUI },
  { "blynk", "metafield_app_key",  N_("Application Key metafield"), FIELD_TEXT, FALSE,
    N_("The template's metafield for the AppKey. Blynk calls it Application Key; some of Blynk's blueprints call it AppKey."),
    NULL, NULL, ONB_BLYNK_METAFIELD_APP_KEY },
  { "blynk", "metafield_ttn_device", N_("TheThingsNetwork Device metafield"), FIELD_TEXT, FALSE,
    N_("The template's metafield for the TTS device ID, which Blynk's integration creates (type TheThingsNetwork Device ID)."),
    NULL, NULL, ONB_BLYNK_METAFIELD_TTN_DEVICE },
  { "tts",   "identity_server",    N_("Identity Server address"), FIELD_TEXT, FALSE,
    N_("The address of your TTS Console, such as https://eu1.cloud.thethings.network; on The Things Stack Cloud and TTN all four servers are this address.") },
  { "tts",   "join_server",        N_("Join Server address"), FIELD_TEXT, FALSE,
    N_("Usually the same address as the Identity Server.") },
  { "tts",   "network_server",     N_("Network Server address"), FIELD_TEXT, FALSE,
    N_("Usually the same address as the Identity Server.") },
  { "tts",   "application_server", N_("Application Server address"), FIELD_TEXT, FALSE,
    N_("Usually the same address as the Identity Server.") },
  { "tts",   "application_id",     N_("Application ID"), FIELD_TEXT, FALSE,
    N_("TTS Console → Applications: the ID of the application the devices go into.") },
  { "tts",   "api_key",            N_("API key"), FIELD_TEXT, FALSE,
    N_("TTS Console → your application → API keys → Add API key, with the rights View devices, View device keys, Create devices and Edit device keys; copy the NNSXS.… key, shown only once.") },
  { "tts",   "frequency_plan",     N_("Frequency plan"), FIELD_FREQUENCY_PLAN, FALSE,
    N_("The plan of your region, as the TTS Console offers it when you add a device.") },
  { "tts",   "lorawan_version",    N_("LoRaWAN version"), FIELD_TEXT, FALSE,
    N_("From the devices' datasheet, such as MAC_V1_0_3 for LoRaWAN 1.0.3.") },
  { "tts",   "phy_version",        N_("Regional parameters version"), FIELD_TEXT, FALSE,
    N_("From the devices' datasheet, to go with the LoRaWAN version, such as PHY_V1_0_3_REV_A.") },
  { "tts",   "class_b",            N_("Class B"), FIELD_SWITCH, FALSE,
    N_("Only when the devices' datasheet says they support class B.") },
  { "tts",   "class_c",            N_("Class C"), FIELD_SWITCH, FALSE,
    N_("Only when the devices' datasheet says they support class C.") },
  { "tts",   "created_by",         N_("Blynk creates the devices"), FIELD_SWITCH, FALSE,
    N_("Does Blynk create your devices in The Things Stack (Automated Device Onboarding, PRO plan)? Then Onboarder fills in the Blynk device and waits for the device Blynk makes; the API key needs only to view devices and their keys."),
    "blynk", "onboarder" },
  { "tts",   "blynk_wait_s",       N_("Wait for Blynk’s device"), FIELD_TEXT, FALSE,
    N_("When Blynk creates the devices: how many seconds a box waits for Blynk’s device in The Things Stack before it is looked for again later (1 to 3600; empty: 120).") },
  { "labels", "profile_ids",       N_("Accepted Profile IDs"), FIELD_TEXT, FALSE,
    N_("The Profile ID on your devices' labels (8 hex digits, such as 000AF8BE); several separated by commas; empty accepts any.") },
  { "kiosk", "pin",                N_("Setup PIN"), FIELD_TEXT, FALSE,
    N_("6 to 12 digits that are not a run such as 123456 or one digit repeated. Asked for before Setup and before leaving full screen.") },
  { "kiosk", "sounds",             N_("Sounds"), FIELD_SWITCH, TRUE,
    N_("A sound for each box: done, queued or failed.") },
  { "kiosk", "camera",             N_("Camera"), FIELD_CAMERA, FALSE,
    N_("Cameras plugged in now; the choice can also change on the Scan page.") },
  { "kiosk", "data_dir",           N_("Data folder"), FIELD_TEXT, FALSE,
    N_("Where the device list and the job journal are kept. Empty: this user's data folder.") },
  { "kiosk", "max_jobs",           N_("Jobs at once"), FIELD_TEXT, FALSE,
    N_("How many devices are created at the same time (1 to 64); 4 suits most networks.") },
};

typedef struct
{
  OnbSetupPage    *page;
  const FieldSpec *spec;
  GtkWidget       *row;
  GtkWidget       *message;  /* text rows only */
  GtkWidget       *toggle;   /* switch rows only */
  GtkStringList   *plans;    /* frequency plan row only */
  gboolean         valid;
} Field;

struct _OnbSetupPage
{
  GtkWidget              parent_instance;

  GtkWidget      *root;
  AdwPreferencesPage    *page;
  AdwPreferencesGroup   *blynk_group;
  AdwPreferencesGroup   *metafields_group;
  AdwPreferencesGroup   *tts_group;
  AdwPreferencesGroup   *labels_group;
  AdwPreferencesGroup   *kiosk_group;
  AdwPreferencesGroup   *check_group;
  AdwPreferencesGroup   *models_group;
  AdwPreferencesGroup   *import_group;
  GtkButton             *check_button;
  GtkLabel              *status;

  Field                  fields[G_N_ELEMENTS (field_specs)];
  GPtrArray             *result_rows;
  GPtrArray             *model_rows;
  /* Test Connection: the check's items and the template's metafield
   * names (NULL when they could not be read), shown once both are in. */
  guint                  check_pending;
  GPtrArray             *check_items;
  GHashTable            *template_metafields;
  GPtrArray             *model_checks;  /* NULL: the models could not be read */
  GPtrArray             *import_rows;
  OnbConfig             *config;
  char                  *path;
  OnbHttpClient         *http;
  GCancellable          *cancellable;
  gboolean               plans_listed;
  gboolean               kiosk;

  /* The camera choice: names shown, ids stored (NULL: automatic). */
  OnbCameraMonitor      *cameras;
  GtkStringList         *camera_names;
  GPtrArray             *camera_ids;
  char                  *camera_id;
};

G_DEFINE_FINAL_TYPE (OnbSetupPage, onb_setup_page, GTK_TYPE_WIDGET)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static AdwPreferencesGroup *
group_for (OnbSetupPage    *self,
           const FieldSpec *spec)
{
  const char *group = spec->group;

  if (g_str_has_prefix (spec->key, "metafield_"))
    return self->metafields_group;
  if (g_str_equal (group, "blynk"))
    return self->blynk_group;
  if (g_str_equal (group, "tts"))
    return self->tts_group;
  if (g_str_equal (group, "labels"))
    return self->labels_group;
  return self->kiosk_group;
}

static char *
field_get_value (Field *field)
{
  switch (field->spec->kind)
    {
    case FIELD_SWITCH:
      if (field->spec->on_value != NULL)
        return g_strdup (gtk_switch_get_active (GTK_SWITCH (field->toggle)) ? field->spec->on_value
                                                                           : field->spec->off_value);
      return g_strdup (gtk_switch_get_active (GTK_SWITCH (field->toggle)) ? "true" : "false");

    case FIELD_FREQUENCY_PLAN:
      {
        guint pos = adw_combo_row_get_selected (ADW_COMBO_ROW (field->row));

        if (pos == GTK_INVALID_LIST_POSITION)
          return NULL;
        return g_strdup (gtk_string_list_get_string (field->plans, pos));
      }

    case FIELD_CAMERA:
      {
        GPtrArray *ids = field->page->camera_ids;
        guint pos = adw_combo_row_get_selected (ADW_COMBO_ROW (field->row));

        if (pos >= ids->len)
          return NULL;
        return g_strdup (g_ptr_array_index (ids, pos));
      }

    case FIELD_TEXT:
    default:
      return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (field->row))));
    }
}

/* What the file gets: nothing for an empty field or one that shows the
 * default, so that the file names only what the site chose. (transfer full) */
static char *
field_get_setting (Field *field)
{
  g_autofree char *value = field_get_value (field);

  if (value == NULL || value[0] == '\0' || g_strcmp0 (value, field->spec->default_value) == 0)
    return NULL;
  return g_steal_pointer (&value);
}

static void
field_set_message (Field      *field,
                   const char *message)
{
  if (field->message == NULL)
    return;

  gtk_label_set_text (GTK_LABEL (field->message), message != NULL ? message : "");
  gtk_widget_set_visible (field->message, message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (field->row, "error");
  else
    gtk_widget_remove_css_class (field->row, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (field->row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  message != NULL ? message : _(field->spec->hint),
                                  -1);
}

static gboolean
field_validate (Field *field)
{
  g_autofree char *value = field_get_value (field);
  g_autoptr(GError) error = NULL;

  field->valid = onb_config_validate_value (field->spec->group, field->spec->key,
                                            value != NULL && value[0] != '\0' ? value : NULL,
                                            &error);
  /* A kiosk's PIN keeps people out of Setup: one anyone would guess is
   * refused, as it is at start. */
  if (field->valid && field->page->kiosk &&
      g_str_equal (field->spec->group, "kiosk") && g_str_equal (field->spec->key, "pin"))
    field->valid = onb_pin_check_strength (value, &error);
  field_set_message (field, error != NULL ? error->message : NULL);
  return field->valid;
}

static void
on_text_changed (GtkEditable *editable,
                 Field       *field)
{
  field_validate (field);
}

static void
select_plan (Field      *field,
             const char *plan_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (field->plans));

  if (plan_id == NULL)
    {
      adw_combo_row_set_selected (ADW_COMBO_ROW (field->row), GTK_INVALID_LIST_POSITION);
      return;
    }

  for (guint i = 0; i < n; i++)
    if (g_str_equal (gtk_string_list_get_string (field->plans, i), plan_id))
      {
        adw_combo_row_set_selected (ADW_COMBO_ROW (field->row), i);
        return;
      }

  /* Keep the configured plan selectable even before the server's list. */
  gtk_string_list_append (field->plans, plan_id);
  adw_combo_row_set_selected (ADW_COMBO_ROW (field->row), n);
}

static Field *
find_field (OnbSetupPage *self,
            const char   *group,
            const char   *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    if (g_str_equal (self->fields[i].spec->group, group) &&
        g_str_equal (self->fields[i].spec->key, key))
      return &self->fields[i];
  g_return_val_if_reached (NULL);
}

/* The frequency plan's subtitle: its hint, then what the server said. */
static void
set_plan_status (Field      *field,
                 const char *status)
{
  g_autofree char *subtitle = g_strdup_printf ("%s %s", _(field->spec->hint), status);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (field->row), subtitle);
}

/* A text field's hint, on a line of its own under the field. */
static GtkWidget *
new_hint_row (const char *hint)
{
  /* A preferences row, so the group lists it with the fields (other
   * widgets go below the list). */
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
build_field (OnbSetupPage *self,
             Field        *field)
{
  const FieldSpec *spec = field->spec;
  g_autofree char *name = g_strdup_printf ("%s.%s", spec->group, spec->key);
  g_autofree char *message_name = g_strconcat (name, ".message", NULL);

  switch (spec->kind)
    {
    case FIELD_SWITCH:
      field->row = adw_action_row_new ();
      field->toggle = gtk_switch_new ();
      gtk_widget_set_valign (field->toggle, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (field->row), field->toggle);
      /* The row names the switch (its activatable widget). */
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (field->row), field->toggle);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (field->row), _(spec->hint));
      break;

    case FIELD_CAMERA:
      field->row = adw_combo_row_new ();
      adw_combo_row_set_model (ADW_COMBO_ROW (field->row), G_LIST_MODEL (self->camera_names));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (field->row), _(spec->hint));
      break;

    case FIELD_FREQUENCY_PLAN:
      field->plans = gtk_string_list_new (NULL);
      field->row = adw_combo_row_new ();
      adw_combo_row_set_model (ADW_COMBO_ROW (field->row), G_LIST_MODEL (field->plans));
      set_plan_status (field, _("Test the connection to list the plans your server knows."));
      break;

    case FIELD_TEXT:
    default:
      if (onb_config_key_is_secret (spec->group, spec->key))
        {
          field->row = adw_password_entry_row_new ();
          onb_ui_name_inner_buttons (field->row, _("Show the text"));
        }
      else
        field->row = adw_entry_row_new ();
      if (g_str_equal (spec->key, "pin") || g_str_equal (spec->key, "owner_id") ||
          g_str_equal (spec->key, "max_jobs") || g_str_equal (spec->key, "blynk_wait_s"))
        gtk_editable_set_width_chars (GTK_EDITABLE (field->row), 8);

      /* The message stands beside the field, not in a dialog. */
      field->message = gtk_label_new (NULL);
      gtk_label_set_wrap (GTK_LABEL (field->message), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (field->message), 32);
      gtk_label_set_xalign (GTK_LABEL (field->message), 0);
      gtk_widget_add_css_class (field->message, "error");
      gtk_widget_add_css_class (field->message, "field-message");
      gtk_widget_set_visible (field->message, FALSE);
      gtk_widget_set_name (field->message, message_name);
      adw_entry_row_add_suffix (ADW_ENTRY_ROW (field->row), field->message);
      g_signal_connect (field->row, "changed", G_CALLBACK (on_text_changed), field);
      break;
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (field->row), _(spec->title));
  gtk_widget_set_name (field->row, name);
  adw_preferences_group_add (group_for (self, spec), field->row);
  if (spec->kind == FIELD_TEXT)
    {
      adw_preferences_group_add (group_for (self, spec), new_hint_row (_(spec->hint)));
      gtk_accessible_update_property (GTK_ACCESSIBLE (field->row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _(spec->hint),
                                      -1);
    }
}

/* Never puts a secret in the status line: only the file's path. */
static void
set_status (OnbSetupPage *self,
            const char   *text,
            gboolean      is_error)
{
  gtk_label_set_text (self->status, text);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status), "error");
}

/* Rebuilt when cameras come and go; a configured camera that is not
 * plugged in stays listed, so saving does not lose it. */
static void
update_cameras (OnbSetupPage *self)
{
  GListModel *cameras = G_LIST_MODEL (self->cameras);
  Field *field = find_field (self, "kiosk", "camera");
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  guint selected = 0;

  g_ptr_array_set_size (self->camera_ids, 0);
  g_strv_builder_add (names, _("Automatic: the first camera found"));
  g_ptr_array_add (self->camera_ids, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (cameras); i++)
    {
      g_autoptr(OnbCamera) camera = g_list_model_get_item (cameras, i);

      if (g_strcmp0 (onb_camera_get_id (camera), self->camera_id) == 0)
        selected = self->camera_ids->len;
      g_strv_builder_add (names, onb_camera_get_display_name (camera));
      g_ptr_array_add (self->camera_ids, g_strdup (onb_camera_get_id (camera)));
    }
  if (self->camera_id != NULL && selected == 0)
    {
      g_autofree char *missing = g_strdup_printf (_("%s (not plugged in)"), self->camera_id);

      selected = self->camera_ids->len;
      g_strv_builder_add (names, missing);
      g_ptr_array_add (self->camera_ids, g_strdup (self->camera_id));
    }

  strv = g_strv_builder_end (names);
  gtk_string_list_splice (self->camera_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->camera_names)),
                          (const char * const *) strv);
  adw_combo_row_set_selected (ADW_COMBO_ROW (field->row), selected);
}

void
onb_setup_page_set_config (OnbSetupPage *self,
                           OnbConfig    *config,
                           const char   *path)
{
  g_return_if_fail (ONB_IS_SETUP_PAGE (self));
  g_return_if_fail (ONB_IS_CONFIG (config));

  g_set_object (&self->config, config);
  g_free (self->path);
  self->path = g_strdup (path);

  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    {
      Field *field = &self->fields[i];
      g_autofree char *value = onb_config_get_string (config, field->spec->group, field->spec->key);

      switch (field->spec->kind)
        {
        case FIELD_SWITCH:
          gtk_switch_set_active (GTK_SWITCH (field->toggle),
                                 field->spec->on_value != NULL
                                   ? g_strcmp0 (value, field->spec->on_value) == 0
                                   : onb_config_get_boolean (config, field->spec->group, field->spec->key,
                                                             field->spec->default_on));
          break;

        case FIELD_FREQUENCY_PLAN:
          select_plan (field, value);
          break;

        case FIELD_CAMERA:
          g_free (self->camera_id);
          self->camera_id = g_steal_pointer (&value);
          update_cameras (self);
          break;

        case FIELD_TEXT:
        default:
          if (value == NULL && field->spec->default_value != NULL)
            value = g_strdup (field->spec->default_value);
          gtk_editable_set_text (GTK_EDITABLE (field->row), value != NULL ? value : "");
          /* A value the file holds is judged at once (it is what the
           * kiosk runs with); an empty field only once edited or saved. */
          if (value != NULL)
            field_validate (field);
          else
            field_set_message (field, NULL);
          break;
        }
    }

  {
    g_autoptr(GError) warning = NULL;

    if (!onb_config_check_permissions (config, &warning))
      set_status (self, warning->message, TRUE);
  }
}

static void
fields_into_config (OnbSetupPage *self,
                    OnbConfig    *config)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    {
      Field *field = &self->fields[i];
      g_autofree char *value = field_get_setting (field);

      onb_config_set_string (config, field->spec->group, field->spec->key, value);
    }
}

/* The values on screen, as a configuration of their own (Test Connection
 * checks what is typed, before it is saved). What Setup does not show
 * ([cloud], the [model …] sections, …) comes along as the file holds it. */
static OnbConfig *
config_from_fields (OnbSetupPage *self)
{
  const char *path = self->config != NULL ? onb_config_get_path (self->config) : NULL;
  OnbConfig *config = path != NULL ? onb_config_load (path, NULL) : NULL;

  if (config == NULL)
    config = onb_config_new ();
  fields_into_config (self, config);
  return config;
}

static void
on_save_clicked (OnbSetupPage *self)
{
  g_autoptr(GError) error = NULL;
  Field *first_invalid = NULL;

  g_return_if_fail (self->config != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    if (!field_validate (&self->fields[i]) && first_invalid == NULL)
      first_invalid = &self->fields[i];

  if (first_invalid != NULL)
    {
      set_status (self, _("Not saved: correct the fields marked in red."), TRUE);
      gtk_widget_grab_focus (first_invalid->row);
      return;
    }

  fields_into_config (self, self->config);

  if (!onb_config_save (self->config, self->path, &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }

  set_status (self, _("Saved."), FALSE);
  g_signal_emit (self, signals[SAVED], 0);
}

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static GtkWidget *
add_result_row (AdwPreferencesGroup *group,
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
onb_setup_page_show_import_report (OnbSetupPage          *self,
                                   const OnbImportReport *report,
                                   const GError          *error)
{
  g_autofree char *summary = NULL;

  g_return_if_fail (ONB_IS_SETUP_PAGE (self));

  clear_rows (self->import_group, self->import_rows);
  gtk_widget_set_visible (GTK_WIDGET (self->import_group), TRUE);

  if (error == NULL && report != NULL)
    {
      summary = g_strdup_printf (_("%u devices in the file: %u added, %u already known."),
                                 report->n_rows, report->n_added, report->n_unchanged + report->n_replaced);
      add_result_row (self->import_group, self->import_rows, TRUE, _("Imported"), summary);
      set_status (self, _("Device list imported."), FALSE);
    }
  else
    {
      add_result_row (self->import_group, self->import_rows, FALSE, _("Nothing was imported"),
                      error != NULL ? error->message : NULL);
      for (guint i = 0; report != NULL && i < report->problems->len; i++)
        {
          OnbImportProblem *problem = g_ptr_array_index (report->problems, i);
          g_autofree char *title = NULL;

          if (problem->row == 0)
            title = g_strdup (_("The file"));
          else if (problem->column != NULL)
            /* Translators: a place in the CSV file, e.g. "Row 4, Device EUI" */
            title = g_strdup_printf (_("Row %u, %s"), problem->row, problem->column);
          else
            title = g_strdup_printf (_("Row %u"), problem->row);
          add_result_row (self->import_group, self->import_rows, FALSE, title, problem->message);
        }
      set_status (self, _("The device list has problems: see the report below."), TRUE);
    }

}

static void
on_plans_listed (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OnbSetupPage) self = user_data;
  g_autoptr(GPtrArray) plans = NULL;
  g_autoptr(GError) error = NULL;
  Field *field;
  g_autofree char *current = NULL;
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  plans = onb_tts_client_list_frequency_plans_finish (ONB_TTS_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  field = find_field (self, "tts", "frequency_plan");
  if (plans == NULL)
    {
      set_plan_status (field, error->message);
      return;
    }

  current = field_get_value (field);
  for (guint i = 0; i < plans->len; i++)
    g_strv_builder_add (ids, ((OnbTtsFrequencyPlan *) g_ptr_array_index (plans, i))->id);
  strv = g_strv_builder_end (ids);
  gtk_string_list_splice (field->plans, 0, g_list_model_get_n_items (G_LIST_MODEL (field->plans)),
                          (const char * const *) strv);
  select_plan (field, current);
  {
    g_autofree char *subtitle = g_strdup_printf (ngettext ("%u plan listed by the server.",
                                                           "%u plans listed by the server.",
                                                           plans->len),
                                                 plans->len);
    set_plan_status (field, subtitle);
  }
}

static void
list_plans (OnbSetupPage *self,
            OnbConfig    *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTtsClient) tts = onb_tts_client_new (self->http, config, &error);

  if (tts == NULL)
    {
      set_plan_status (find_field (self, "tts", "frequency_plan"), error->message);
      return;
    }

  onb_tts_client_list_frequency_plans_async (tts, self->cancellable, on_plans_listed, g_object_ref (self));
}

/* The metafield name a field gives: what is typed, or Blynk's name when
 * it is empty. NULL for other fields. (transfer full) */
static char *
metafield_name (Field *field)
{
  g_autofree char *value = NULL;

  if (!g_str_has_prefix (field->spec->key, "metafield_"))
    return NULL;
  value = field_get_value (field);
  return value != NULL && value[0] != '\0' ? g_steal_pointer (&value) : g_strdup (field->spec->default_value);
}

/* Whether the template, as the last Test Connection read it, lacks the
 * metafield @field names. */
static gboolean
metafield_missing (OnbSetupPage *self,
                   Field        *field)
{
  g_autofree char *name = metafield_name (field);

  return name != NULL && self->template_metafields != NULL &&
         !g_hash_table_contains (self->template_metafields, name);
}

/* Each metafield field says whether the template has it, and the group
 * lists what the template has (when it could be read). */
static void
mark_metafields (OnbSetupPage *self)
{
  g_autoptr(GString) has = g_string_new (NULL);
  g_autoptr(GList) names = NULL;
  g_autofree char *description = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    {
      Field *field = &self->fields[i];
      g_autofree char *name = metafield_name (field);

      if (name == NULL || !field->valid)
        continue;
      if (metafield_missing (self, field))
        {
          g_autofree char *message = g_strdup_printf (_("The template has no metafield “%s”."), name);

          field_set_message (field, message);
        }
      else
        field_set_message (field, NULL);
    }

  if (self->template_metafields == NULL)
    return;
  names = g_list_sort (g_hash_table_get_keys (self->template_metafields), (GCompareFunc) g_strcmp0);
  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (has, "%s“%s”", has->len > 0 ? ", " : "", (const char *) l->data);
  description = g_strdup_printf (_("The template’s metafields, as the last connection test read them: %s."),
                                 has->len > 0 ? has->str : _("none"));
  adw_preferences_group_set_description (self->metafields_group, description);
}

/* The field a failed connection-test item asks to change. */
static Field *
field_to_fix (OnbSetupPage       *self,
              const OnbCheckItem *item)
{
  static const struct { const char *item; const char *group; const char *key; } fixes[] = {
    { ONB_CHECK_TTS_API_KEY, "tts", "api_key" },
    { ONB_CHECK_TTS_RIGHTS, "tts", "api_key" },
    { ONB_CHECK_TTS_APPLICATION, "tts", "application_id" },
    { ONB_CHECK_TTS_FREQUENCY_PLAN, "tts", "frequency_plan" },
    { ONB_CHECK_TTS_MAC_PHY, "tts", "lorawan_version" },
    { ONB_CHECK_BLYNK_CREDENTIALS, "blynk", "client_id" },
    { ONB_CHECK_BLYNK_TEMPLATE, "blynk", "template_id" },
    { ONB_CHECK_BLYNK_METAFIELDS, "blynk", "template_id" },
  };
  const char *settings_group = NULL;

  if (g_strcmp0 (item->reason, "not-checked") == 0)
    return NULL;
  if (g_str_equal (item->id, ONB_CHECK_BLYNK_METAFIELDS))
    for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
      if (metafield_missing (self, &self->fields[i]))
        return &self->fields[i];
  for (guint i = 0; i < G_N_ELEMENTS (fixes); i++)
    if (g_str_equal (item->id, fixes[i].item))
      return find_field (self, fixes[i].group, fixes[i].key);

  /* A settings item: the first field of that cloud that is wrong or empty. */
  if (g_str_equal (item->id, ONB_CHECK_TTS_CONFIG))
    settings_group = "tts";
  else if (g_str_equal (item->id, ONB_CHECK_BLYNK_CONFIG))
    settings_group = "blynk";
  for (guint i = 0; settings_group != NULL && i < G_N_ELEMENTS (self->fields); i++)
    {
      Field *field = &self->fields[i];
      g_autofree char *value = NULL;

      if (!g_str_equal (field->spec->group, settings_group))
        continue;
      value = field_get_value (field);
      if (!field_validate (field) || value == NULL || value[0] == '\0')
        return field;
    }
  return NULL;
}

static void
on_fix_clicked (GtkButton *button,
                Field     *field)
{
  gtk_widget_grab_focus (field->row);
}

/* "class A", "class A+B+C" */
static char *
classes_words (gboolean class_b,
               gboolean class_c)
{
  /* Translators: the LoRaWAN device classes of a model */
  return g_strdup_printf (_("class A%s%s"), class_b ? "+B" : "", class_c ? "+C" : "");
}

/* What The Things Stack's Device Repository answered for a model, and
 * what its devices get here, or why its boxes are refused. (transfer full) */
static char *
model_words (const OnbModelCheck *check)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (check->answer != NULL)
    {
      const OnbModelTemplate *answer = check->answer;
      g_autofree char *supports = classes_words (answer->supports_class_b, answer->supports_class_c);

      /* Translators: what the Device Repository says of a model: band, MAC and PHY versions, classes */
      g_string_append_printf (text, _("Device Repository: %s, %s, %s, %s."),
                              answer->band_id != NULL ? onb_band_get_title (answer->band_id) : _("no band"),
                              answer->lorawan_version != NULL ? answer->lorawan_version : "–",
                              answer->phy_version != NULL ? answer->phy_version : "–", supports);
    }
  else if (check->answer_error != NULL)
    g_string_append_printf (text, _("Device Repository: %s"), check->answer_error->message);

  if (text->len > 0)
    g_string_append_c (text, ' ');
  if (check->settings != NULL)
    {
      const OnbModelSettings *settings = check->settings;
      g_autofree char *gets = classes_words (settings->class_b, settings->class_c);

      /* Translators: what a device of a model gets: frequency plan, MAC and PHY versions, classes */
      g_string_append_printf (text, _("Its devices get %s, %s, %s, %s."), settings->frequency_plan,
                              settings->lorawan_version, settings->phy_version, gets);
    }
  else
    g_string_append_printf (text, _("Its boxes are refused here: %s"), check->error->message);

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
show_models (OnbSetupPage *self)
{
  clear_rows (self->models_group, self->model_rows);
  gtk_widget_set_visible (GTK_WIDGET (self->models_group), self->model_checks != NULL);
  for (guint i = 0; self->model_checks != NULL && i < self->model_checks->len; i++)
    {
      OnbModelCheck *check = g_ptr_array_index (self->model_checks, i);
      const char *profile_id = onb_model_get_profile_id (check->model);
      const char *name = onb_model_get_name (check->model);
      /* A model without a section is named by its Profile ID already. */
      g_autofree char *title = profile_id != NULL && g_strcmp0 (name, profile_id) != 0
                               /* Translators: a device model's name and its Profile ID */
                               ? g_strdup_printf (_("%s (%s)"), name, profile_id)
                               : g_strdup (name);
      g_autofree char *words = model_words (check);

      add_result_row (self->models_group, self->model_rows, check->settings != NULL, title, words);
    }
}

static void
show_check_results (OnbSetupPage *self)
{
  GPtrArray *items = self->check_items;

  mark_metafields (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), TRUE);
  clear_rows (self->check_group, self->result_rows);
  for (guint i = 0; i < items->len; i++)
    {
      OnbCheckItem *item = g_ptr_array_index (items, i);

      GtkWidget *row = add_result_row (self->check_group, self->result_rows, item->ok, item->title, item->message);
      Field *fix = item->ok ? NULL : field_to_fix (self, item);

      /* The result points at the field to change: one touch goes there. */
      if (fix != NULL)
        {
          g_autofree char *label = g_strdup_printf (_("Fix: %s"), _(fix->spec->title));
          GtkWidget *button = gtk_button_new_with_label (label);

          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          g_signal_connect (button, "clicked", G_CALLBACK (on_fix_clicked), fix);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
        }
    }

  show_models (self);
  if (onb_connection_check_all_ok (items) &&
      (self->model_checks == NULL || onb_model_check_all_ok (self->model_checks)))
    set_status (self, _("Everything works."), FALSE);
  else
    set_status (self, _("Something needs fixing: see the connection test below."), TRUE);
}

static void
check_part_done (OnbSetupPage *self)
{
  g_return_if_fail (self->check_pending > 0);

  if (--self->check_pending == 0)
    show_check_results (self);
}

static void
on_check_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(OnbSetupPage) self = user_data;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;

  items = onb_connection_check_finish (result, &error);
  if (items == NULL)
    return;  /* only cancellation fails as a whole */

  g_clear_pointer (&self->check_items, g_ptr_array_unref);
  self->check_items = g_steal_pointer (&items);
  check_part_done (self);
}

/* The template's metafields, for the fields that name them. A failure is
 * the connection test's to explain: the fields are then left unmarked. */
static void
on_metafields_listed (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(OnbSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GHashTable *names;

  names = onb_blynk_client_get_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_pointer (&self->template_metafields, g_hash_table_unref);
  self->template_metafields = names;
  check_part_done (self);
}

static void
on_models_checked (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(OnbSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *checks;

  checks = onb_model_check_finish (result, &error);
  if (checks == NULL)
    return;  /* only cancellation fails as a whole */
  g_clear_pointer (&self->model_checks, g_ptr_array_unref);
  self->model_checks = checks;
  check_part_done (self);
}

/* What each device model gets, as `onboarder-cli models` says it; values
 * that do not pass make no model table, and the fields and the connection
 * test say why. */
static void
check_models (OnbSetupPage *self,
              OnbConfig    *config)
{
  g_autoptr(OnbModelTable) table = NULL;
  g_autoptr(OnbTtsClient) tts = NULL;
  g_autoptr(OnbTtsRepository) repository = NULL;

  g_clear_pointer (&self->model_checks, g_ptr_array_unref);
  if (!onb_config_check_values (config, NULL))
    return;
  table = onb_model_table_new (config);
  /* Without a TTS client the repository cannot be asked: each model that
   * needs it says so. */
  tts = onb_tts_client_new (self->http, config, NULL);
  repository = tts != NULL ? onb_tts_repository_new (tts, config, NULL, NULL) : NULL;
  self->check_pending++;
  onb_model_check_async (table, repository, self->cancellable, on_models_checked, g_object_ref (self));
}

static void
on_template_resolved (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(OnbSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 number;

  number = onb_blynk_client_resolve_template_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      check_part_done (self);
      return;
    }
  onb_blynk_client_get_metafields_async (ONB_BLYNK_CLIENT (object), number, self->cancellable,
                                         on_metafields_listed, g_object_ref (self));
}

static void
on_check_clicked (OnbSetupPage *self)
{
  g_autoptr(OnbConfig) config = config_from_fields (self);
  g_autoptr(OnbBlynkClient) blynk = NULL;

  g_return_if_fail (self->http != NULL);

  clear_rows (self->check_group, self->result_rows);
  add_result_row (self->check_group, self->result_rows, TRUE,
                  _("Testing…"), _("Asking The Things Stack and Blynk."));
  gtk_widget_set_visible (GTK_WIDGET (self->check_group), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), FALSE);

  g_clear_pointer (&self->template_metafields, g_hash_table_unref);
  self->check_pending = 1;
  onb_connection_check_async (self->http, config, self->cancellable, on_check_done, g_object_ref (self));
  /* Beside the test, the names the template has, to mark the fields. */
  blynk = onb_blynk_client_new (self->http, config, NULL);
  if (blynk != NULL)
    {
      self->check_pending++;
      onb_blynk_client_resolve_template_async (blynk, onb_blynk_client_get_template_id (blynk), self->cancellable,
                                               on_template_resolved, g_object_ref (self));
    }
  check_models (self, config);
  list_plans (self, config);
}

static void
on_import_clicked (OnbSetupPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.import-devices", NULL);
}

static void
onb_setup_page_map (GtkWidget *widget)
{
  OnbSetupPage *self = ONB_SETUP_PAGE (widget);

  GTK_WIDGET_CLASS (onb_setup_page_parent_class)->map (widget);

  /* The plans the server knows, once Setup is first opened. */
  if (!self->plans_listed && self->http != NULL && self->config != NULL)
    {
      g_autoptr(OnbConfig) config = config_from_fields (self);

      self->plans_listed = TRUE;
      list_plans (self, config);
    }
}

void
onb_setup_page_set_kiosk (OnbSetupPage *self,
                          gboolean      kiosk)
{
  g_return_if_fail (ONB_IS_SETUP_PAGE (self));

  self->kiosk = kiosk;
}

void
onb_setup_page_set_http_client (OnbSetupPage  *self,
                                OnbHttpClient *http)
{
  g_return_if_fail (ONB_IS_SETUP_PAGE (self));

  g_set_object (&self->http, http);
}

static void
onb_setup_page_dispose (GObject *object)
{
  OnbSetupPage *self = ONB_SETUP_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), ONB_TYPE_SETUP_PAGE);
  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    g_clear_object (&self->fields[i].plans);
  if (self->cameras != NULL)
    g_signal_handlers_disconnect_by_data (self->cameras, self);
  g_clear_object (&self->cameras);
  g_clear_object (&self->camera_names);
  g_clear_pointer (&self->camera_ids, g_ptr_array_unref);
  g_clear_pointer (&self->camera_id, g_free);
  g_clear_object (&self->config);
  g_clear_pointer (&self->path, g_free);
  g_clear_object (&self->http);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->result_rows, g_ptr_array_unref);
  g_clear_pointer (&self->import_rows, g_ptr_array_unref);
  g_clear_pointer (&self->check_items, g_ptr_array_unref);
  g_clear_pointer (&self->template_metafields, g_hash_table_unref);
  g_clear_pointer (&self->model_checks, g_ptr_array_unref);
  g_clear_pointer (&self->model_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (onb_setup_page_parent_class)->dispose (object);
}

static void
onb_setup_page_class_init (OnbSetupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_setup_page_dispose;
  widget_class->map = onb_setup_page_map;

  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, root);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, page);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, blynk_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, metafields_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, tts_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, labels_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, kiosk_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, check_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, models_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, import_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, check_button);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, status);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_check_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_import_clicked);
}

static void
onb_setup_page_init (OnbSetupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->camera_names = gtk_string_list_new (NULL);
  self->camera_ids = g_ptr_array_new_with_free_func (g_free);
  self->result_rows = g_ptr_array_new ();
  self->model_rows = g_ptr_array_new ();
  self->import_rows = g_ptr_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    {
      self->fields[i].page = self;
      self->fields[i].spec = &field_specs[i];
      self->fields[i].valid = TRUE;
      build_field (self, &self->fields[i]);
    }

  self->cameras = g_object_ref (onb_camera_monitor_get_default ());
  g_signal_connect_swapped (self->cameras, "items-changed", G_CALLBACK (update_cameras), self);
  update_cameras (self);
}
