/* onb-cli-models.c: `onboarder-cli models`, what each device model gets here */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-error.h"
#include "onb-model-check.h"

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static json_object *
answer_to_json (const OnbModelTemplate *answer)
{
  json_object *object = json_object_new_object ();

  onb_cli_json_add_string (object, "brand_id", answer->brand_id);
  onb_cli_json_add_string (object, "model_id", answer->model_id);
  onb_cli_json_add_string (object, "band_id", answer->band_id);
  onb_cli_json_add_string (object, "lorawan_version", answer->lorawan_version);
  onb_cli_json_add_string (object, "phy_version", answer->phy_version);
  json_object_object_add (object, "supports_class_b", json_object_new_boolean (answer->supports_class_b));
  json_object_object_add (object, "supports_class_c", json_object_new_boolean (answer->supports_class_c));
  return object;
}

static void
print_json (const OnbModelCheck *check)
{
  g_autoptr(json_object) object = json_object_new_object ();
  const OnbModelSettings *settings = check->settings;

  onb_cli_json_add_string (object, "profile_id", onb_model_get_profile_id (check->model));
  onb_cli_json_add_string (object, "name", onb_model_get_name (check->model));
  json_object_object_add (object, "section", json_object_new_boolean (onb_model_has_section (check->model)));
  onb_cli_json_add_string (object, "blynk_template", onb_model_get_blynk_template (check->model));
  json_object_object_add (object, "repository_asked", json_object_new_boolean (check->asked));
  json_object_object_add (object, "repository", check->answer != NULL ? answer_to_json (check->answer) : NULL);
  if (check->answer_error != NULL)
    {
      onb_cli_json_add_string (object, "repository_reason", onb_error_get_reason (check->answer_error));
      onb_cli_json_add_string (object, "repository_message", check->answer_error->message);
    }
  json_object_object_add (object, "ok", json_object_new_boolean (settings != NULL));
  /* Where Blynk's integration makes the devices: only what the model
   * names (null, or no class key, for what it leaves to the integration). */
  json_object_object_add (object, "named_only", json_object_new_boolean (check->named_only));
  if (settings != NULL)
    {
      onb_cli_json_add_string (object, "frequency_plan", settings->frequency_plan);
      onb_cli_json_add_string (object, "band_id", settings->band_id);
      onb_cli_json_add_string (object, "lorawan_version", settings->lorawan_version);
      onb_cli_json_add_string (object, "phy_version", settings->phy_version);
      if (settings->class_b_named)
        json_object_object_add (object, "class_b", json_object_new_boolean (settings->class_b));
      if (settings->class_c_named)
        json_object_object_add (object, "class_c", json_object_new_boolean (settings->class_c));
    }
  else
    {
      onb_cli_json_add_string (object, "reason", onb_error_get_reason (check->error));
      onb_cli_json_add_string (object, "message", check->error->message);
    }
  if (check->named_only)
    json_object_object_add (object, "replace_ok", json_object_new_boolean (check->replace_error == NULL));
  if (check->replace_error != NULL)
    {
      onb_cli_json_add_string (object, "replace_reason", onb_error_get_reason (check->replace_error));
      onb_cli_json_add_string (object, "replace_message", check->replace_error->message);
    }
  onb_cli_print_json (object);
}

static void
print_text (const OnbModelCheck *check)
{
  const char *profile_id = onb_model_get_profile_id (check->model);
  const char *template = onb_model_get_blynk_template (check->model);

  g_print ("%s  %s  (%s %s)\n", profile_id != NULL ? profile_id : "--------", onb_model_get_name (check->model),
           _("Blynk template"), template != NULL ? template : "-");

  if (check->answer != NULL)
    {
      const OnbModelTemplate *answer = check->answer;
      g_autofree char *supports = onb_model_check_classes_words (answer->supports_class_b, answer->supports_class_c);

      /* TRANSLATORS: what the Device Repository says: band, MAC, PHY, classes */
      g_print ("  %s: %s, %s, %s, %s\n", _("Device Repository"),
               answer->band_id != NULL ? onb_band_get_title (answer->band_id) : _("no band"),
               answer->lorawan_version != NULL ? answer->lorawan_version : "-",
               answer->phy_version != NULL ? answer->phy_version : "-", supports);
    }
  else if (check->answer_error != NULL)
    g_print ("  %s: %s\n", _("Device Repository"), check->answer_error->message);
  else if (!check->asked)
    g_print ("  %s: %s\n", _("Device Repository"), _("not asked: the settings name everything"));

  if (check->named_only)
    {
      g_autofree char *named = onb_model_check_named_words (check->settings);

      /* TRANSLATORS: what a new box gets where Blynk's integration makes its TTS device */
      g_print ("  %-6s %s (%s)\n", _("ok"), named,
               _("only what its settings name; Blynk's integration sets the rest"));
      if (check->replace_error != NULL)
        g_print ("  %-6s %s %s\n", _("note"),
                 _("A replace makes its new TTS device itself, with full settings, and would be refused:"),
                 check->replace_error->message);
    }
  else if (check->settings != NULL)
    {
      const OnbModelSettings *settings = check->settings;
      g_autofree char *gets = onb_model_check_classes_words (settings->class_b, settings->class_c);

      /* TRANSLATORS: what a device of the model gets: plan, MAC, PHY, classes */
      g_print ("  %-6s %s, %s, %s, %s\n", _("ok"), settings->frequency_plan, settings->lorawan_version,
               settings->phy_version, gets);
    }
  else
    g_print ("  %-6s %s\n", _("REFUSED"), check->error->message);
}

int
onb_cli_models (int    argc,
                char **argv)
{
  g_autofree char *config_path = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("One JSON object per model and line: profile_id, name, repository, ok, frequency_plan, versions, classes, reason, message"),
      NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbModelTable) table = NULL;
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbHttpClient) http = NULL;
  g_autoptr(OnbTtsClient) tts = NULL;
  g_autoptr(OnbTtsRepository) repository = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) checks = NULL;
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context,
                                _("Lists the device models of this station, what The Things Stack's Device Repository "
                                  "answered for each, and the frequency plan, versions and classes its devices get, or "
                                  "why its boxes are refused here. Where Blynk's integration makes the devices ([tts] "
                                  "created_by = blynk), a new box gets only what its model names, and a note says when a "
                                  "replace would be refused.\nExits with 0 only when every model's new boxes can be "
                                  "onboarded."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;

  config = onb_cli_load_config (config_path, TRUE, &error);
  if (config == NULL)
    return onb_cli_fail (json, error);

  table = onb_model_table_new (config);
  /* Where the answers are kept; without it they are only asked. */
  if (!(registry = onb_registry_open_for_config (config, FALSE, &error)))
    {
      g_debug ("The Device Repository's answers are not kept: %s", error->message);
      g_clear_error (&error);
    }
  http = onb_http_client_new (config);
  if (!(tts = onb_tts_client_new (http, config, &error)) ||
      !(repository = onb_tts_repository_new (tts, config, registry, &error)))
    return onb_cli_fail (json, error);

  onb_model_check_async (table, repository, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  checks = onb_model_check_finish (result, &error);
  if (checks == NULL)
    return onb_cli_fail (json, error);

  for (guint i = 0; i < checks->len; i++)
    (json ? print_json : print_text) (g_ptr_array_index (checks, i));

  return onb_model_check_all_ok (checks) ? ONB_CLI_EXIT_OK : ONB_CLI_EXIT_FAILED;
}
