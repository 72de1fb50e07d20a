/* onb-setup-page.c: every configuration key, validated as you type
 *
 * One row per configuration key (README, configuration reference), built
 * from a table so that no key is forgotten (onb-setup-field.c checks each
 * value as it is typed); Save refuses while any message stands. Secrets
 * use password rows and are never shown. Test Connection's answers are
 * onb-check-results.c's.
 */

#define G_LOG_DOMAIN "onb-setup-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "onb-blynk-client.h"
#include "onb-camera-monitor.h"
#include "onb-check-results.h"
#include "onb-model-sections.h"
#include "onb-setup-field.h"
#include "onb-setup-page.h"
#include "onb-pin-guard.h"
#include "onb-tts-client.h"
#include "onb-ui-util.h"

static const OnbSetupFieldSpec field_specs[] = {
  { "blynk", "server",             N_("Server address"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("The address of your Blynk.Console: https://blynk.cloud, your region's (fra1, lon1, ny3, sgp1, blr1 .blynk.cloud) or your white-label host.") },
  { "blynk", "client_id",          N_("OAuth client ID"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Blynk.Console → Developer Zone → OAuth2: create a client for the Platform API (client credentials) and copy its Client ID.") },
  { "blynk", "client_secret",      N_("OAuth client secret"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Shown with the Client ID in Blynk.Console → Developer Zone → OAuth2.") },
  { "blynk", "template_id",        N_("Template ID"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Blynk.Console → Templates → your template: its TMPL… ID. It needs the four text metafields named under Template Metafields.") },
  { "blynk", "owner_id",           N_("Owner user ID"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Blynk.Console → Users: the numeric ID of the user who will own the new devices."),
    NULL, NULL, NULL, 8 },
  { "blynk", "metafield_dev_eui",  N_("Device EUI metafield"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("The template's metafield for the DevEUI. Blynk calls it Device EUI; change it only if your template calls it otherwise."),
    NULL, NULL, ONB_BLYNK_METAFIELD_DEV_EUI },
  { "blynk", "metafield_join_eui", N_("Join EUI metafield"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("The template's metafield for the JoinEUI. Blynk calls it Join EUI."),
    NULL, NULL, ONB_BLYNK_METAFIELD_JOIN_EUI },
  { "blynk", "metafield_app_key",  N_("Application Key metafield"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("The template's metafield for the AppKey. Blynk calls it Application Key; some of Blynk's blueprints call it AppKey."),
    NULL, NULL, ONB_BLYNK_METAFIELD_APP_KEY },
  { "blynk", "metafield_ttn_device", N_("TheThingsNetwork Device metafield"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("The template's metafield for the TTS device ID, which Blynk's integration creates (type TheThingsNetwork Device ID)."),
    NULL, NULL, ONB_BLYNK_METAFIELD_TTN_DEVICE },
  { "tts",   "identity_server",    N_("Identity Server address"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("The address of your TTS Console, such as https://eu1.cloud.thethings.network; on The Things Stack Cloud and TTN all four servers are this address.") },
  { "tts",   "join_server",        N_("Join Server address"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Usually the same address as the Identity Server.") },
  { "tts",   "network_server",     N_("Network Server address"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Usually the same address as the Identity Server.") },
  { "tts",   "application_server", N_("Application Server address"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Usually the same address as the Identity Server.") },
  { "tts",   "application_id",     N_("Application ID"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("TTS Console → Applications: the ID of the application the devices go into.") },
  { "tts",   "api_key",            N_("API key"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("TTS Console → your application → API keys → Add API key, with the rights View devices, View device keys, Create devices and Edit device keys; copy the NNSXS.… key, shown only once.") },
  { "tts",   "frequency_plan",     N_("Frequency plan"), ONB_SETUP_FIELD_CHOICE, FALSE,
    N_("The plan of your region, as the TTS Console offers it when you add a device. None: the frequency plans below, or each device model’s own.") },
  { "tts",   "frequency_plans",    N_("Frequency plans"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Only for devices of several bands: the plans this station uses, separated by commas, such as EU_863_870_TTN, US_902_928_FSB_2. A model gets the first in its band. Empty: the frequency plan above alone.") },
  { "tts",   "lorawan_version",    N_("LoRaWAN version"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("From the devices' datasheet, such as MAC_V1_0_3 for LoRaWAN 1.0.3. A device model may give its own, or leave it to the Device Repository.") },
  { "tts",   "phy_version",        N_("Regional parameters version"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("From the devices' datasheet, to go with the LoRaWAN version, such as PHY_V1_0_3_REV_A.") },
  { "tts",   "class_b",            N_("Class B"), ONB_SETUP_FIELD_SWITCH, FALSE,
    N_("Only when the devices' datasheet says they support class B.") },
  { "tts",   "class_c",            N_("Class C"), ONB_SETUP_FIELD_SWITCH, FALSE,
    N_("Only when the devices' datasheet says they support class C.") },
  { "tts",   "created_by",         N_("Blynk creates the devices"), ONB_SETUP_FIELD_SWITCH, FALSE,
    N_("Does Blynk create your devices in The Things Stack (Automated Device Onboarding, PRO plan)? Then Onboarder fills in the Blynk device and waits for the device Blynk makes; the API key needs only to view devices and their keys."),
    "blynk", "onboarder" },
  { "tts",   "blynk_wait_s",       N_("Wait for Blynk’s device"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("When Blynk creates the devices: how many seconds a box waits for Blynk’s device in The Things Stack before it is looked for again later (1 to 3600; empty: 120)."),
    NULL, NULL, NULL, 8 },
  { "tts",   "device_repository",  N_("Device Repository address"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Where The Things Stack’s Device Repository tells each model’s LoRaWAN versions, band and classes by its Profile ID. Empty: the Identity Server address.") },
  { "tts",   "claiming_server",    N_("Device Claiming Server address"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Where a box whose label carries an owner token is claimed from its own Join Server. Empty: the Identity Server address.") },
  { "labels", "profile_ids",       N_("Accepted Profile IDs"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("The Profile ID on your devices' labels (8 hex digits, such as 000AF8BE); several separated by commas; empty accepts any.") },
  { "labels", "allow_unlisted_claims", N_("Claim boxes in no device list"), ONB_SETUP_FIELD_SWITCH, FALSE,
    N_("A box whose label carries an owner token is claimed even when no imported device list names it; it is listed in the device list “Claimed at this station”.") },
  { "kiosk", "pin",                N_("Setup PIN"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("6 to 12 digits that are not a run such as 123456 or one digit repeated. Asked for before Setup and before leaving full screen."),
    NULL, NULL, NULL, 8 },
  { "kiosk", "sounds",             N_("Sounds"), ONB_SETUP_FIELD_SWITCH, TRUE,
    N_("A sound for each box: done, queued or failed.") },
  { "kiosk", "camera",             N_("Camera"), ONB_SETUP_FIELD_CHOICE, FALSE,
    N_("Cameras plugged in now; the choice can also change on the Scan page.") },
  { "kiosk", "data_dir",           N_("Data folder"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("Where the device list and the job journal are kept. Empty: this user's data folder.") },
  { "kiosk", "max_jobs",           N_("Jobs at once"), ONB_SETUP_FIELD_TEXT, FALSE,
    N_("How many devices are created at the same time (1 to 64); 4 suits most networks."),
    NULL, NULL, NULL, 8 },
};

/* The frequency plan's first choice: the station names none itself. */
#define NO_PLAN N_("None")

struct _OnbSetupPage
{
  GtkWidget              parent_instance;

  GtkWidget             *root;
  AdwPreferencesPage    *page;
  AdwPreferencesGroup   *blynk_group;
  AdwPreferencesGroup   *metafields_group;
  AdwPreferencesGroup   *tts_group;
  AdwPreferencesGroup   *labels_group;
  AdwPreferencesGroup   *kiosk_group;
  AdwPreferencesGroup   *import_group;
  OnbCheckResults       *check_results;
  OnbModelSections      *model_sections;
  GtkButton             *check_button;
  GtkLabel              *status;

  OnbSetupField         *fields[G_N_ELEMENTS (field_specs)];
  GPtrArray             *import_rows;
  OnbConfig             *config;
  char                  *path;
  OnbHttpClient         *http;
  GCancellable          *cancellable;
  gboolean               plans_listed;
  /* The file as Setup last read or wrote it (NULL: there was none), and
   * a change by someone else that a second Save overwrites. */
  char                  *file_sum;
  char                  *overwrite_sum;

  OnbCameraMonitor      *cameras;
  char                  *camera_id;  /* the configured camera (NULL: automatic) */
};

G_DEFINE_FINAL_TYPE (OnbSetupPage, onb_setup_page, GTK_TYPE_WIDGET)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static AdwPreferencesGroup *
group_for (OnbSetupPage            *self,
           const OnbSetupFieldSpec *spec)
{
  if (g_str_has_prefix (spec->key, "metafield_"))
    return self->metafields_group;
  if (g_str_equal (spec->group, "blynk"))
    return self->blynk_group;
  if (g_str_equal (spec->group, "tts"))
    return self->tts_group;
  if (g_str_equal (spec->group, "labels"))
    return self->labels_group;
  return self->kiosk_group;
}

static OnbSetupField *
find_field (OnbSetupPage *self,
            const char   *group,
            const char   *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    if (g_str_equal (field_specs[i].group, group) && g_str_equal (field_specs[i].key, key))
      return self->fields[i];
  g_return_val_if_reached (NULL);
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
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gboolean found = FALSE;

  g_ptr_array_add (names, g_strdup (_("Automatic: the first camera found")));
  g_ptr_array_add (ids, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (cameras); i++)
    {
      g_autoptr(OnbCamera) camera = g_list_model_get_item (cameras, i);

      found |= g_strcmp0 (onb_camera_get_id (camera), self->camera_id) == 0;
      g_ptr_array_add (names, g_strdup (onb_camera_get_display_name (camera)));
      g_ptr_array_add (ids, g_strdup (onb_camera_get_id (camera)));
    }
  if (self->camera_id != NULL && !found)
    {
      g_ptr_array_add (names, g_strdup_printf (_("%s (not plugged in)"), self->camera_id));
      g_ptr_array_add (ids, g_strdup (self->camera_id));
    }

  onb_setup_field_set_choices (find_field (self, "kiosk", "camera"), (const char * const *) names->pdata,
                               (const char * const *) ids->pdata, names->len);
  onb_setup_field_set_value (find_field (self, "kiosk", "camera"), self->camera_id);
}

/* A checksum of the file Save writes, NULL when there is none. */
static char *
file_checksum (OnbSetupPage *self)
{
  g_autofree char *fallback = NULL;
  const char *path = self->path != NULL ? self->path : onb_config_get_path (self->config);
  g_autofree char *contents = NULL;
  gsize length;

  if (path == NULL)
    path = fallback = onb_config_default_path ();
  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

void
onb_setup_page_set_config (OnbSetupPage *self,
                           OnbConfig    *config,
                           const char   *path)
{
  g_autoptr(GError) warning = NULL;

  g_return_if_fail (ONB_IS_SETUP_PAGE (self));
  g_return_if_fail (ONB_IS_CONFIG (config));

  if (!onb_config_check_permissions (config, &warning))
    set_status (self, warning->message, TRUE);

  /* The same configuration again is what Setup saved, reloaded by the
   * application: the fields show it already, or edits made since. */
  if (config == self->config && g_strcmp0 (path, self->path) == 0)
    return;

  g_set_object (&self->config, config);
  g_free (self->path);
  self->path = g_strdup (path);
  g_free (self->file_sum);
  self->file_sum = file_checksum (self);
  g_clear_pointer (&self->overwrite_sum, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    {
      const OnbSetupFieldSpec *spec = &field_specs[i];
      g_autofree char *value = onb_config_get_string (config, spec->group, spec->key);

      if (g_str_equal (spec->key, "camera"))
        {
          g_free (self->camera_id);
          self->camera_id = g_steal_pointer (&value);
          update_cameras (self);
        }
      else
        onb_setup_field_set_value (self->fields[i], value);
    }
  onb_model_sections_set_config (self->model_sections, config);
}

static void
fields_into_config (OnbSetupPage *self,
                    OnbConfig    *config)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    {
      g_autofree char *value = onb_setup_field_get_setting (self->fields[i]);

      onb_config_set_string (config, field_specs[i].group, field_specs[i].key, value);
    }
  onb_model_sections_into_config (self->model_sections, config);
}

/* The values on screen, as a configuration of their own (Test Connection
 * checks what is typed, before it is saved). What Setup does not show
 * ([cloud], [store]) comes along as the file holds it. */
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
  OnbSetupField *first_invalid = NULL;
  GtkWidget *first_row, *invalid_model;
  g_autofree char *on_disk = NULL;

  g_return_if_fail (self->config != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    if (!onb_setup_field_validate (self->fields[i]) && first_invalid == NULL)
      first_invalid = self->fields[i];

  first_row = first_invalid != NULL ? onb_setup_field_get_row (first_invalid) : NULL;
  if ((invalid_model = onb_model_sections_validate (self->model_sections)) != NULL && first_row == NULL)
    first_row = invalid_model;
  if (first_row != NULL)
    {
      set_status (self, _("Not saved: correct the fields marked in red."), TRUE);
      gtk_widget_grab_focus (first_row);
      return;
    }

  /* A file changed by hand while Setup was open: saving would lose
   * those changes, unless Save is pressed again. */
  on_disk = file_checksum (self);
  if (g_strcmp0 (on_disk, self->file_sum) != 0 && g_strcmp0 (on_disk, self->overwrite_sum) != 0)
    {
      g_free (self->overwrite_sum);
      self->overwrite_sum = g_steal_pointer (&on_disk);
      set_status (self, _("Not saved: the configuration file was changed after Setup read it, by hand or by "
                          "another program. Press Save again to replace those changes by what Setup shows, or "
                          "restart Onboarder to see them."), TRUE);
      return;
    }

  fields_into_config (self, self->config);

  if (!onb_config_save (self->config, self->path, &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  g_free (self->file_sum);
  self->file_sum = file_checksum (self);
  g_clear_pointer (&self->overwrite_sum, g_free);

  set_status (self, _("Saved."), FALSE);
  g_signal_emit (self, signals[SAVED], 0);
}

void
onb_setup_page_show_import_report (OnbSetupPage          *self,
                                   const OnbImportReport *report,
                                   const GError          *error)
{
  g_autofree char *summary = NULL;

  g_return_if_fail (ONB_IS_SETUP_PAGE (self));

  onb_ui_clear_rows (self->import_group, self->import_rows);
  gtk_widget_set_visible (GTK_WIDGET (self->import_group), TRUE);

  if (error == NULL && report != NULL)
    {
      summary = g_strdup_printf (_("%u devices in the file: %u added, %u already known."),
                                 report->n_rows, report->n_added, report->n_unchanged + report->n_replaced);
      onb_ui_add_result_row (self->import_group, self->import_rows, TRUE, _("Imported"), summary);
      set_status (self, _("Device list imported."), FALSE);
    }
  else
    {
      onb_ui_add_result_row (self->import_group, self->import_rows, FALSE, _("Nothing was imported"),
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
          onb_ui_add_result_row (self->import_group, self->import_rows, FALSE, title, problem->message);
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
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *current = NULL;
  g_autofree char *status = NULL;
  OnbSetupField *field;

  plans = onb_tts_client_list_frequency_plans_finish (ONB_TTS_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  field = find_field (self, "tts", "frequency_plan");
  if (plans == NULL)
    {
      onb_setup_field_set_status (field, error->message);
      return;
    }

  current = onb_setup_field_get_value (field);
  g_ptr_array_add (names, (gpointer) _(NO_PLAN));
  g_ptr_array_add (ids, NULL);
  for (guint i = 0; i < plans->len; i++)
    {
      g_ptr_array_add (names, ((OnbTtsFrequencyPlan *) g_ptr_array_index (plans, i))->id);
      g_ptr_array_add (ids, ((OnbTtsFrequencyPlan *) g_ptr_array_index (plans, i))->id);
    }
  onb_setup_field_set_choices (field, (const char * const *) names->pdata, (const char * const *) ids->pdata,
                               ids->len);
  onb_setup_field_set_value (field, current);
  status = g_strdup_printf (ngettext ("%u plan listed by the server.", "%u plans listed by the server.", plans->len),
                            plans->len);
  onb_setup_field_set_status (field, status);
}

static void
list_plans (OnbSetupPage *self,
            OnbConfig    *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbTtsClient) tts = onb_tts_client_new (self->http, config, &error);

  if (tts == NULL)
    {
      onb_setup_field_set_status (find_field (self, "tts", "frequency_plan"), error->message);
      return;
    }

  onb_tts_client_list_frequency_plans_async (tts, self->cancellable, on_plans_listed, g_object_ref (self));
}

/* The metafield name a field gives: what is typed, or Blynk's name when
 * it is empty. NULL for other fields. (transfer full) */
static char *
metafield_name (OnbSetupField *field)
{
  g_autofree char *value = NULL;

  if (!g_str_has_prefix (onb_setup_field_get_spec (field)->key, "metafield_"))
    return NULL;
  value = onb_setup_field_get_value (field);
  return value != NULL && value[0] != '\0' ? g_steal_pointer (&value)
                                           : g_strdup (onb_setup_field_get_spec (field)->default_value);
}

/* Whether the template, as the last Test Connection read it, lacks the
 * metafield @field names. */
static gboolean
metafield_missing (OnbSetupPage  *self,
                   OnbSetupField *field)
{
  const char * const *metafields = onb_check_results_get_metafields (self->check_results);
  g_autofree char *name = metafield_name (field);

  return name != NULL && metafields != NULL && !g_strv_contains (metafields, name);
}

/* Each metafield field says whether the template has it, and the group
 * lists what the template has (when it could be read). */
static void
mark_metafields (OnbSetupPage *self)
{
  const char * const *metafields = onb_check_results_get_metafields (self->check_results);
  g_autoptr(GString) has = g_string_new (NULL);
  g_autofree char *description = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    {
      OnbSetupField *field = self->fields[i];
      g_autofree char *name = metafield_name (field);
      g_autofree char *message = NULL;

      if (name == NULL || !onb_setup_field_get_valid (field))
        continue;
      if (metafield_missing (self, field))
        message = g_strdup_printf (_("The template has no metafield “%s”."), name);
      onb_setup_field_set_message (field, message);
    }

  if (metafields == NULL)
    return;
  for (guint i = 0; metafields[i] != NULL; i++)
    g_string_append_printf (has, "%s“%s”", has->len > 0 ? ", " : "", metafields[i]);
  description = g_strdup_printf (_("The template’s metafields, as the last connection test read them: %s."),
                                 has->len > 0 ? has->str : _("none"));
  adw_preferences_group_set_description (self->metafields_group, description);
}

/* The row of the field a failed connection-test item asks to change. */
static GtkWidget *
field_to_fix (const OnbCheckItem *item,
              gpointer            user_data)
{
  OnbSetupPage *self = user_data;
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
      if (metafield_missing (self, self->fields[i]))
        return onb_setup_field_get_row (self->fields[i]);
  /* A plan of the list, when there is one. */
  if (g_str_equal (item->id, ONB_CHECK_TTS_FREQUENCY_PLAN))
    {
      OnbSetupField *plans = find_field (self, "tts", "frequency_plans");
      g_autofree char *listed = onb_setup_field_get_setting (plans);

      if (listed != NULL)
        return onb_setup_field_get_row (plans);
    }
  for (guint i = 0; i < G_N_ELEMENTS (fixes); i++)
    if (g_str_equal (item->id, fixes[i].item))
      return onb_setup_field_get_row (find_field (self, fixes[i].group, fixes[i].key));

  /* A settings item: the first field of that cloud that is wrong or empty. */
  if (g_str_equal (item->id, ONB_CHECK_TTS_CONFIG))
    settings_group = "tts";
  else if (g_str_equal (item->id, ONB_CHECK_BLYNK_CONFIG))
    settings_group = "blynk";
  for (guint i = 0; settings_group != NULL && i < G_N_ELEMENTS (self->fields); i++)
    {
      g_autofree char *value = NULL;

      if (!g_str_equal (field_specs[i].group, settings_group))
        continue;
      value = onb_setup_field_get_value (self->fields[i]);
      if (!onb_setup_field_validate (self->fields[i]) || value == NULL || value[0] == '\0')
        return onb_setup_field_get_row (self->fields[i]);
    }
  return NULL;
}

static void
on_check_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(OnbSetupPage) self = user_data;

  if (!onb_check_results_run_finish (ONB_CHECK_RESULTS (object), result, NULL))
    return;  /* only cancellation fails */

  mark_metafields (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), TRUE);
  onb_check_results_show (self->check_results, field_to_fix, self);
  if (onb_check_results_get_all_ok (self->check_results))
    set_status (self, _("Everything works."), FALSE);
  else
    set_status (self, _("Something needs fixing: see the connection test below."), TRUE);
}

static void
on_check_clicked (OnbSetupPage *self)
{
  g_autoptr(OnbConfig) config = config_from_fields (self);

  g_return_if_fail (self->http != NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), FALSE);
  onb_check_results_run_async (self->check_results, self->http, config, self->cancellable,
                               on_check_done, g_object_ref (self));
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

  /* A kiosk's PIN keeps people out of Setup: one anyone would guess is
   * refused, as it is at start. */
  onb_setup_field_set_check (find_field (self, "kiosk", "pin"), kiosk ? onb_pin_check_strength : NULL);
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
    g_clear_object (&self->fields[i]);
  if (self->cameras != NULL)
    g_signal_handlers_disconnect_by_data (self->cameras, self);
  g_clear_object (&self->cameras);
  g_clear_pointer (&self->camera_id, g_free);
  g_clear_object (&self->config);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->file_sum, g_free);
  g_clear_pointer (&self->overwrite_sum, g_free);
  g_clear_object (&self->http);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->import_rows, g_ptr_array_unref);

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

  g_type_ensure (ONB_TYPE_CHECK_RESULTS);
  g_type_ensure (ONB_TYPE_MODEL_SECTIONS);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, root);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, page);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, blynk_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, metafields_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, tts_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, labels_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, kiosk_group);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, check_results);
  gtk_widget_class_bind_template_child (widget_class, OnbSetupPage, model_sections);
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
  self->import_rows = g_ptr_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (self->fields); i++)
    {
      self->fields[i] = onb_setup_field_new (&field_specs[i], NULL);
      onb_setup_field_add_to (self->fields[i], group_for (self, &field_specs[i]));
    }
  {
    const char *no_plan = _(NO_PLAN);
    const char *no_id = NULL;

    onb_setup_field_set_choices (find_field (self, "tts", "frequency_plan"), &no_plan, &no_id, 1);
  }
  onb_setup_field_set_status (find_field (self, "tts", "frequency_plan"),
                              _("Test the connection to list the plans your server knows."));

  self->cameras = g_object_ref (onb_camera_monitor_get_default ());
  g_signal_connect_swapped (self->cameras, "items-changed", G_CALLBACK (update_cameras), self);
  update_cameras (self);
}
