/* onb-cli-parse.c: `onboarder-cli parse`, what a label says */

#define G_LOG_DOMAIN "onb-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>

#include "onb-cli-private.h"
#include "onb-code.h"
#include "onb-error.h"

typedef struct
{
  char **profile_ids;
  gboolean json;
  guint rejected;
} ParseState;

/* Payloads are bytes: show them escaped and shortened. */
static char *
printable_payload (const char *data,
                   gsize       length)
{
  GString *out = g_string_new (NULL);
  gboolean utf8 = g_utf8_validate_len (data, length, NULL);
  gsize shown = MIN (length, 80);

  /* Never cut a character in two. */
  while (utf8 && shown < length && shown > 0 && ((guchar) data[shown] & 0xC0) == 0x80)
    shown--;

  for (gsize i = 0; i < shown; i++)
    {
      guchar c = data[i];

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, c);
    }
  if (shown < length)
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
}

#define FIELD(getter) (code != NULL ? getter (code) : NULL)

/* Every field is always present, null when the code has none. */
static json_object *
code_to_json (const OnbCode *code)
{
  json_object *object = json_object_new_object ();

  onb_cli_json_add_string (object, "join_eui", FIELD (onb_code_get_join_eui));
  onb_cli_json_add_string (object, "dev_eui", FIELD (onb_code_get_dev_eui));
  onb_cli_json_add_string (object, "profile_id", FIELD (onb_code_get_profile_id));
  onb_cli_json_add_string (object, "vendor_id", FIELD (onb_code_get_vendor_id));
  onb_cli_json_add_string (object, "vendor_profile_id", FIELD (onb_code_get_vendor_profile_id));
  onb_cli_json_add_string (object, "owner_token", FIELD (onb_code_get_owner_token));
  onb_cli_json_add_string (object, "serial_number", FIELD (onb_code_get_serial_number));
  onb_cli_json_add_string (object, "proprietary", FIELD (onb_code_get_proprietary));
  onb_cli_json_add_string (object, "checksum", FIELD (onb_code_get_checksum));
  json_object_object_add (object, "checksum_verified",
                          json_object_new_boolean (code != NULL && onb_code_get_checksum_verified (code)));
  onb_cli_json_add_string (object, "static_token", FIELD (onb_code_get_static_token));
  onb_cli_json_add_string (object, "org_id", FIELD (onb_code_get_org_id));

  return object;
}

#undef FIELD

static void
print_human (const OnbCode *code,
             const char    *payload,
             const GError  *error)
{
  if (error != NULL)
    {
      printf (_("REJECTED  %s\n          %s\n"), code != NULL ? onb_code_get_payload (code) : payload,
              error->message);
      return;
    }

  printf (_("ACCEPTED  %s  %s"), onb_code_kind_to_string (onb_code_get_kind (code)), payload);
  if (onb_code_get_dev_eui (code) != NULL)
    printf (_("  DevEUI %s"), onb_code_get_dev_eui (code));
  if (onb_code_get_join_eui (code) != NULL)
    printf (_("  JoinEUI %s"), onb_code_get_join_eui (code));
  if (onb_code_get_profile_id (code) != NULL)
    printf (_("  profile %s:%s"), onb_code_get_vendor_id (code), onb_code_get_vendor_profile_id (code));
  if (onb_code_get_static_token (code) != NULL)
    printf (_("  Blynk token%s%s"), onb_code_get_org_id (code) ? _(" for organization ") : "",
            onb_code_get_org_id (code) ?: "");
  printf ("\n");
}

static gboolean
parse_one (const char *data,
           gsize       length,
           gpointer    user_data)
{
  ParseState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbCode) code = onb_code_parse (data, length, &error);
  g_autofree char *payload = printable_payload (data, length);

  /* A code of the wrong product keeps its fields: they say which product it is. */
  if (code != NULL)
    onb_code_check_profile (code, (const char * const *) state->profile_ids, &error);

  if (error != NULL)
    state->rejected++;

  if (state->json)
    {
      json_object *object = code_to_json (code);

      json_object_object_add (object, "payload",
                              json_object_new_string (code != NULL ? onb_code_get_payload (code) : payload));
      json_object_object_add (object, "kind",
                              json_object_new_string (onb_code_kind_to_string (onb_code_classify (data, length))));
      json_object_object_add (object, "accepted", json_object_new_boolean (error == NULL));
      onb_cli_json_add_string (object, "reason", error ? onb_error_get_reason (error) : NULL);
      onb_cli_json_add_string (object, "message", error ? error->message : NULL);
      onb_cli_print_json (object);
      json_object_put (object);
    }
  else
    print_human (code, payload, error);

  return TRUE;
}

int
onb_cli_parse (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *profile_ids = NULL;
  gboolean use_stdin = FALSE;
  ParseState state = { 0 };
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &state.json, N_("One JSON object per code"), NULL },
    { "profile-ids", 0, 0, G_OPTION_ARG_STRING, &profile_ids,
      N_("Accepted Profile IDs, comma separated (default: the configured ones)"), N_("ID[,ID…]") },
    { "stdin", 0, 0, G_OPTION_ARG_NONE, &use_stdin, N_("Read one payload per line from standard input"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("CODE… — classify and check label codes"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  onb_cli_add_config_option (context, &config_path);
  if (!onb_cli_parse_options (context, &argc, &argv))
    return ONB_CLI_EXIT_USAGE;

  if (!onb_cli_check_codes_or_stdin (argc, use_stdin))
    return ONB_CLI_EXIT_USAGE;

  if (profile_ids != NULL)
    {
      g_auto(GStrv) items = g_strsplit (profile_ids, ",", -1);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; items[i] != NULL; i++)
        {
          g_autofree char *id = onb_profile_id_normalize (g_strstrip (items[i]), &error);

          if (id == NULL)
            {
              g_printerr (_("--profile-ids: “%s” is not a Profile ID (8 hexadecimal digits, such as 000AF8BE).\n"),
                          items[i]);
              return ONB_CLI_EXIT_USAGE;
            }
          g_strv_builder_add (builder, id);
        }
      state.profile_ids = g_strv_builder_end (builder);
    }
  else
    {
      g_autoptr(OnbConfig) config = onb_cli_load_config (config_path, FALSE, &error);

      if (config == NULL)
        return onb_cli_fail (state.json, error);
      state.profile_ids = onb_config_get_profile_ids (config);
    }

  if (use_stdin)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);

      if (!onb_cli_read_lines (in, parse_one, &state, &error))
        {
          g_printerr (_("Could not read standard input: %s\n"), error->message);
          g_strfreev (state.profile_ids);
          return ONB_CLI_EXIT_FAILED;
        }
    }
  else
    {
      for (int i = 1; i < argc; i++)
        parse_one (argv[i], strlen (argv[i]), &state);
    }

  g_strfreev (state.profile_ids);
  return state.rejected > 0 ? ONB_CLI_EXIT_FAILED : ONB_CLI_EXIT_OK;
}
