/* onb-cli-check.c: `onboarder-cli check`, does this station's setup work? */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "onb-cli-private.h"
#include "onb-connection-check.h"
#include "onb-error.h"
#include "onb-journal.h"
#include "onb-pin-guard.h"
#include "onb-store.h"

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
print_item (const OnbCheckItem *item,
            gboolean            json)
{
  if (json)
    {
      g_autoptr(json_object) object = json_object_new_object ();

      onb_cli_json_add_string (object, "id", item->id);
      onb_cli_json_add_string (object, "title", item->title);
      json_object_object_add (object, "ok", json_object_new_boolean (item->ok));
      onb_cli_json_add_string (object, "reason", item->reason);
      onb_cli_json_add_string (object, "message", item->message);
      onb_cli_print_json (object);
    }
  else
    {
      /* TRANSLATORS: a check list line: "ok"/"FAILED", title, what to do */
      g_print ("%-6s %s: %s\n", item->ok ? _("ok") : _("FAILED"), item->title, item->message);
    }
}

/* A warning's line for --json: it does not fail the check. */
static json_object *
new_warning_object (const char *id,
                    const char *title)
{
  json_object *object = json_object_new_object ();

  onb_cli_json_add_string (object, "id", id);
  onb_cli_json_add_string (object, "title", title);
  json_object_object_add (object, "ok", json_object_new_boolean (TRUE));
  json_object_object_add (object, "warning", json_object_new_boolean (TRUE));
  return object;
}

/* A warning does not fail the check: the station works, but is not safe,
 * or not set up as its clouds behave. */
static void
print_warning (gboolean    json,
               const char *id,
               const char *title,
               const char *reason,
               const char *message)
{
  if (json)
    {
      g_autoptr(json_object) object = new_warning_object (id, title);

      onb_cli_json_add_string (object, "reason", reason);
      onb_cli_json_add_string (object, "message", message);
      onb_cli_print_json (object);
    }
  else
    /* TRANSLATORS: a check list line like "ok"/"FAILED", for a warning */
    g_print ("%-6s %s: %s\n", _("WARN"), title, message);
}

/* The last time Blynk's integration had made a TTS device this station
 * meant to make ([tts] created_by = onboarder): the site's Blynk creates
 * devices too (docs/design.md, Who creates the TTS device). With a shared
 * store, the last time at any station. */
static void
print_last_conflict (OnbConfig *config,
                     gboolean   json)
{
  g_autofree char *created_by = onb_config_get_string (config, "tts", "created_by");
  g_autofree char *data_dir = onb_config_get_data_dir (config);
  g_autofree char *path = onb_journal_default_path (data_dir);
  g_autofree char *url = onb_store_get_url (config);
  g_autoptr(OnbJournal) journal = NULL;
  g_autoptr(OnbJournalConflict) last = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *at = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  /* A station's own journal is not made by asking. */
  if (g_strcmp0 (created_by, "blynk") == 0 || (url == NULL && !g_file_test (path, G_FILE_TEST_EXISTS)))
    return;
  if (!(journal = onb_journal_open_for_config (config, TRUE, &error)) ||
      !(last = onb_journal_get_last_conflict (journal, &n, &error)))
    {
      if (error != NULL)
        g_debug ("No conflict read from the journal: %s", error->message);
      return;
    }
  when = g_date_time_new_from_unix_local (last->at_us / G_USEC_PER_SEC);
  at = g_date_time_format (when, "%Y-%m-%d %H:%M");
  message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Blynk appears to create devices in The Things Stack too: on %s, the device of box %s was already there as “%s”, made by Blynk (%u time in all). Onboarder adopted it. If Blynk’s Automated Device Onboarding is on for this template (PRO plan), set [tts] created_by = blynk.",
                                          "Blynk appears to create devices in The Things Stack too: on %s, the device of box %s was already there as “%s”, made by Blynk (%u times in all). Onboarder adopted it. If Blynk’s Automated Device Onboarding is on for this template (PRO plan), set [tts] created_by = blynk.",
                                          n),
                             at, last->dev_eui, last->device_id, n);
  print_warning (json, "blynk-creates-too", _("Who creates the devices in The Things Stack"), "blynk-creates-too",
                 message);
}

/* The kiosk's record of wrong PINs: how many, the last one, and whether a
 * wait survives a restart; a warning, never a failure, and only when
 * there is something to say. */
static void
print_pin_attempts (gboolean   json,
                    OnbConfig *config)
{
  g_autofree char *data_dir = onb_config_get_data_dir (config);
  g_autoptr(OnbPinGuard) guard = onb_pin_guard_new (data_dir);
  GPtrArray *failures = onb_pin_guard_get_failures (guard);
  gboolean memory_only = onb_pin_guard_get_memory_only (guard);
  g_autofree char *last = NULL;
  g_autofree char *counted = NULL;
  g_autofree char *message = NULL;

  if (failures->len == 0 && !memory_only)
    return;
  if (failures->len > 0)
    {
      last = g_date_time_format_iso8601 (g_ptr_array_index (failures, failures->len - 1));
      counted = g_strdup_printf (ngettext ("%u wrong PIN on record, the last at %s.",
                                           "%u wrong PINs on record, the last at %s.",
                                           failures->len), failures->len, last);
    }
  message = g_strdup_printf ("%s%s",
                             counted != NULL ? counted : _("No wrong PIN on record."),
                             memory_only
                             ? _(" The data folder cannot be written: a wait after wrong PINs is kept in "
                                 "memory only and ends when the kiosk restarts.")
                             : "");
  if (json)
    {
      g_autoptr(json_object) object = new_warning_object ("pin-attempts", _("Kiosk PIN"));

      json_object_object_add (object, "failed_attempts", json_object_new_int ((int) failures->len));
      onb_cli_json_add_string (object, "last_failed_attempt", last);
      json_object_object_add (object, "memory_only", json_object_new_boolean (memory_only));
      onb_cli_json_add_string (object, "message", message);
      onb_cli_print_json (object);
    }
  else
    g_print ("%-6s %s: %s\n", _("WARN"), _("Kiosk PIN"), message);
}

int
onb_cli_check (int    argc,
               char **argv)
{
  g_autofree char *config_path = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per line: id, title, ok, reason, message"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(OnbConfig) config = NULL;
  g_autoptr(OnbHttpClient) http = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context,
                                _("Checks, item by item, that The Things Stack and Blynk accept this station's settings.\n"
                                  "Exits with 0 only when every item passes."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;

  config = onb_cli_load_config (config_path, TRUE, &error);
  if (config == NULL)
    return onb_cli_fail (json, error);

  if (!onb_config_check_permissions (config, &error))
    {
      print_warning (json, "config-permissions", _("Configuration file"), onb_error_get_reason (error),
                     error->message);
      g_clear_error (&error);
    }

  print_pin_attempts (json, config);

  http = onb_http_client_new (config);
  onb_connection_check_async (http, config, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  items = onb_connection_check_finish (result, &error);
  if (items == NULL)
    return onb_cli_fail (json, error);

  for (guint i = 0; i < items->len; i++)
    print_item (g_ptr_array_index (items, i), json);
  print_last_conflict (config, json);

  return onb_connection_check_all_ok (items) ? ONB_CLI_EXIT_OK : ONB_CLI_EXIT_FAILED;
}
