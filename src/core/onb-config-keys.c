/* onb-config-keys.c: every key of the configuration Onboarder knows, and
 * what its value may be (docs/design.md, Configuration): the table the
 * loader checks a file against and Setup checks each field against */

#define G_LOG_DOMAIN "onb-config"

#include "config.h"

#include <libpq-fe.h>
#include <string.h>
#include <glib/gi18n.h>

#include "onb-code.h"
#include "onb-config.h"
#include "onb-config-keys-private.h"
#include "onb-error.h"

typedef enum
{
  VALUE_TEXT,     /* printable, no line breaks */
  VALUE_TOKEN,    /* printable ASCII without spaces: goes into HTTP headers */
  VALUE_NAME,     /* letters, digits and _: TTS enum names, plan IDs */
  VALUE_URL,
  VALUE_BOOLEAN,
  VALUE_NUMBER,
  VALUE_TEMPLATE_ID,
  VALUE_TTS_ID,
  VALUE_PROFILE_IDS,
  VALUE_NAMES,    /* a list of VALUE_NAME, separated by commas or spaces */
  VALUE_PIN,
  VALUE_CHOICE,   /* one of the spec's choices */
  VALUE_STORE_URL, /* a libpq connection URI */
  VALUE_STATION,  /* letters, digits, ., - and _, as host names */
} ValueKind;

typedef struct
{
  const char *group;
  const char *key;
  ValueKind kind;
  gboolean secret;
  gboolean required;
  gint64 max;     /* VALUE_NUMBER: largest value (smallest is min); else longest length */
  gint64 min;
  const char *choices;  /* VALUE_CHOICE: the allowed values, separated by | */
} KeySpec;

/* Every key Onboarder knows; the names are part of the interface. The
 * lengths are far above any real value and far below what would make a
 * request servers refuse or a message unreadable. */
static const KeySpec keys[] = {
  { "blynk", "server",             VALUE_URL,         FALSE, TRUE,  2048 },
  { "blynk", "client_id",          VALUE_TOKEN,       FALSE, TRUE,  256 },
  { "blynk", "client_secret",      VALUE_TOKEN,       TRUE,  TRUE,  1024 },
  { "blynk", "template_id",        VALUE_TEMPLATE_ID, FALSE, TRUE,  64 },
  { "blynk", "owner_id",           VALUE_NUMBER,      FALSE, TRUE,  G_MAXINT32, 1 },
  { "blynk", "metafield_dev_eui",  VALUE_TEXT,        FALSE, FALSE, 128 },
  { "blynk", "metafield_join_eui", VALUE_TEXT,        FALSE, FALSE, 128 },
  { "blynk", "metafield_app_key",  VALUE_TEXT,        FALSE, FALSE, 128 },
  { "blynk", "metafield_ttn_device", VALUE_TEXT,      FALSE, FALSE, 128 },
  { "tts",   "identity_server",    VALUE_URL,         FALSE, TRUE,  2048 },
  { "tts",   "join_server",        VALUE_URL,         FALSE, TRUE,  2048 },
  { "tts",   "network_server",     VALUE_URL,         FALSE, TRUE,  2048 },
  { "tts",   "application_server", VALUE_URL,         FALSE, TRUE,  2048 },
  { "tts",   "application_id",     VALUE_TTS_ID,      FALSE, TRUE,  36 },
  { "tts",   "api_key",            VALUE_TOKEN,       TRUE,  TRUE,  1024 },
  { "tts",   "frequency_plan",     VALUE_NAME,        FALSE, FALSE, 64 },
  { "tts",   "frequency_plans",    VALUE_NAMES,       FALSE, FALSE, 1024 },
  { "tts",   "lorawan_version",    VALUE_NAME,        FALSE, FALSE, 64 },
  { "tts",   "phy_version",        VALUE_NAME,        FALSE, FALSE, 64 },
  { "tts",   "class_b",            VALUE_BOOLEAN,     FALSE, FALSE },
  { "tts",   "class_c",            VALUE_BOOLEAN,     FALSE, FALSE },
  { "tts",   "created_by",         VALUE_CHOICE,      FALSE, FALSE, 0, 0, "onboarder|blynk" },
  { "tts",   "blynk_wait_s",       VALUE_NUMBER,      FALSE, FALSE, 3600, 1 },
  { "tts",   "device_repository",  VALUE_URL,         FALSE, FALSE, 2048 },
  { "tts",   "claiming_server",    VALUE_URL,         FALSE, FALSE, 2048 },
  { "labels", "profile_ids",       VALUE_PROFILE_IDS, FALSE, FALSE, 1024 },
  { "labels", "allow_unlisted_claims", VALUE_BOOLEAN, FALSE, FALSE },
  /* Every [model XXXXXXXX] section (ONB_CONFIG_MODEL_GROUP). */
  { "model", "name",               VALUE_TEXT,        FALSE, FALSE, 64 },
  { "model", "blynk_template",     VALUE_TEMPLATE_ID, FALSE, FALSE, 64 },
  { "model", "metafield_dev_eui",  VALUE_TEXT,        FALSE, FALSE, 128 },
  { "model", "metafield_join_eui", VALUE_TEXT,        FALSE, FALSE, 128 },
  { "model", "metafield_app_key",  VALUE_TEXT,        FALSE, FALSE, 128 },
  { "model", "metafield_ttn_device", VALUE_TEXT,      FALSE, FALSE, 128 },
  { "model", "lorawan_version",    VALUE_NAME,        FALSE, FALSE, 64 },
  { "model", "phy_version",        VALUE_NAME,        FALSE, FALSE, 64 },
  { "model", "frequency_plan",     VALUE_NAME,        FALSE, FALSE, 64 },
  { "model", "class_b",            VALUE_BOOLEAN,     FALSE, FALSE },
  { "model", "class_c",            VALUE_BOOLEAN,     FALSE, FALSE },
  { "kiosk", "pin",                VALUE_PIN,         TRUE,  FALSE, 12, 4 },
  { "kiosk", "data_dir",           VALUE_TEXT,        FALSE, FALSE, 4096 },
  { "kiosk", "max_jobs",           VALUE_NUMBER,      FALSE, FALSE, 64, 1 },
  { "kiosk", "sounds",             VALUE_BOOLEAN,     FALSE, FALSE },
  { "kiosk", "camera",             VALUE_TEXT,        FALSE, FALSE, 1024 },
  { "cloud", "allow_insecure_http", VALUE_BOOLEAN,    FALSE, FALSE },
  { "cloud", "connect_timeout_ms",  VALUE_NUMBER,     FALSE, FALSE, 600000, 100 },
  { "cloud", "timeout_ms",          VALUE_NUMBER,     FALSE, FALSE, 3600000, 100 },
  /* The URI may hold the database password. */
  { "store", "url",                VALUE_STORE_URL,   TRUE,  FALSE, 4096 },
  { "store", "station",            VALUE_STATION,     FALSE, FALSE, 63 },
  { "store", "lease_s",            VALUE_NUMBER,      FALSE, FALSE, 3600, 5 },
};

gboolean
_onb_config_parse_model_group (const char  *group,
                               char       **profile_id)
{
  g_autofree char *id = NULL;

  if (!g_str_has_prefix (group, ONB_CONFIG_MODEL_GROUP " "))
    return FALSE;
  if (!(id = onb_profile_id_normalize (group + strlen (ONB_CONFIG_MODEL_GROUP " "), NULL)))
    return FALSE;
  if (profile_id != NULL)
    *profile_id = g_steal_pointer (&id);
  return TRUE;
}

static const KeySpec *
find_key (const char *group,
          const char *key)
{
  if (_onb_config_parse_model_group (group, NULL))
    group = ONB_CONFIG_MODEL_GROUP;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].group, group) && g_str_equal (keys[i].key, key))
      return &keys[i];
  return NULL;
}

gboolean
_onb_config_key_is_known (const char *group,
                          const char *key)
{
  return find_key (group, key) != NULL;
}

gboolean
_onb_config_key_at (guint        i,
                    const char **group,
                    const char **key)
{
  if (i >= G_N_ELEMENTS (keys))
    return FALSE;
  *group = keys[i].group;
  *key = keys[i].key;
  return TRUE;
}

gboolean
onb_config_key_is_secret (const char *group,
                          const char *key)
{
  const KeySpec *spec = find_key (group, key);

  /* Unknown keys might hold anything: treat them as secret when asked. */
  return spec == NULL || spec->secret;
}

static gboolean
is_tts_id (const char *value)
{
  gsize len = strlen (value);

  /* TTS's ID rule: ^[a-z0-9](?:[-]?[a-z0-9]){2,}$, at most 36 characters. */
  if (len < 3 || len > 36 || value[0] == '-' || value[len - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char c = value[i];

      if (!(g_ascii_islower (c) || g_ascii_isdigit (c) || (c == '-' && value[i + 1] != '-')))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_url (const char *value)
{
  g_autoptr(GUri) uri = NULL;

  if (strpbrk (value, " \t") != NULL)
    return FALSE;

  uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);

  return uri != NULL &&
         (g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 ||
          g_strcmp0 (g_uri_get_scheme (uri), "http") == 0) &&
         g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0';
}

static gboolean
has_control_characters (const char *value)
{
  for (const char *c = value; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      return TRUE;

  return FALSE;
}

static gboolean
is_token (const char *value)
{
  for (const char *c = value; *c; c++)
    if ((guchar) *c <= 0x20 || (guchar) *c >= 0x7f)
      return FALSE;

  return TRUE;
}

static gboolean
is_name (const char *value)
{
  for (const char *c = value; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '_')
      return FALSE;

  return TRUE;
}

/* What libpq reads as a connection URI; its own message may quote the
 * password, so it is not shown. */
static gboolean
is_store_url (const char *value)
{
  PQconninfoOption *options;

  if (!g_str_has_prefix (value, "postgresql://") && !g_str_has_prefix (value, "postgres://"))
    return FALSE;
  options = PQconninfoParse (value, NULL);
  PQconninfoFree (options);
  return options != NULL;
}

static gboolean
is_station (const char *value)
{
  return strspn (value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == strlen (value);
}

static gboolean
is_template_id (const char *value)
{
  return g_str_has_prefix (value, "TMPL") && value[4] != '\0' && is_name (value);
}

/**
 * onb_config_validate_value:
 *
 * Checks one value: as typed in Setup, so the message can stand beside the
 * field, and every key of a file at load (onb_config_check_values()). The
 * message names the key, never a value (it may be a secret).
 */
gboolean
onb_config_validate_value (const char  *group,
                           const char  *key,
                           const char  *value,
                           GError     **error)
{
  const KeySpec *spec = find_key (group, key);
  gboolean empty = value == NULL || value[0] == '\0';
  g_autofree char *shown = g_strdup_printf ("[%s] %s", group, key);

  if (spec == NULL)
    return TRUE;

  if (empty)
    {
      if (!spec->required)
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_MISSING_KEY,
                   _("%s is required."), shown);
      return FALSE;
    }

  if (!g_utf8_validate (value, -1, NULL) || has_control_characters (value))
    {
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s holds a line break, a control character or text that is not UTF-8. Enter it again."), shown);
      return FALSE;
    }

  if (spec->kind != VALUE_NUMBER && spec->max > 0 && g_utf8_strlen (value, -1) > spec->max)
    {
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s is too long: at most %u characters."), shown, (guint) spec->max);
      return FALSE;
    }

  switch (spec->kind)
    {
    case VALUE_URL:
      if (is_url (value))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s must be a web address such as https://eu1.cloud.thethings.network."), shown);
      return FALSE;

    case VALUE_BOOLEAN:
      /* What GKeyFile reads as a boolean; anything else would silently
       * become the default. */
      if (g_str_equal (value, "true") || g_str_equal (value, "false") ||
          g_str_equal (value, "1") || g_str_equal (value, "0"))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s must be true or false."), shown);
      return FALSE;

    case VALUE_NUMBER:
      if (g_ascii_string_to_signed (value, 10, spec->min, spec->max, NULL, NULL))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s must be a whole number from %lld to %lld."),
                   shown, (long long) spec->min, (long long) spec->max);
      return FALSE;

    case VALUE_TEMPLATE_ID:
      if (is_template_id (value))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s must be the Blynk template ID, which starts with TMPL."), shown);
      return FALSE;

    case VALUE_TTS_ID:
      if (is_tts_id (value))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s must be 3 to 36 lower-case letters, digits and single dashes, "
                     "as in warehouse-sensors."), shown);
      return FALSE;

    case VALUE_PROFILE_IDS:
      {
        g_auto(GStrv) items = g_strsplit_set (value, ",; ", -1);

        for (guint i = 0; items[i] != NULL; i++)
          {
            g_autofree char *id = NULL;

            if (g_strstrip (items[i])[0] == '\0')
              continue;
            if (!(id = onb_profile_id_normalize (items[i], NULL)))
              {
                g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                             _("%s: “%s” is not a Profile ID (8 hexadecimal digits, "
                               "such as 000AF8BE)."), shown, items[i]);
                return FALSE;
              }
          }
        return TRUE;
      }

    case VALUE_NAMES:
      {
        g_auto(GStrv) items = g_strsplit_set (value, ",; ", -1);

        for (guint i = 0; items[i] != NULL; i++)
          if (!is_name (items[i]))
            {
              g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                           _("%s may hold only names of letters, digits and _, separated by commas, "
                             "as in EU_863_870_TTN, US_902_928_FSB_2."), shown);
              return FALSE;
            }
        return TRUE;
      }

    case VALUE_PIN:
      if ((gint64) strlen (value) >= spec->min && (gint64) strlen (value) <= spec->max &&
          strspn (value, "0123456789") == strlen (value))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("The PIN must be %u to %u digits."), (guint) spec->min, (guint) spec->max);
      return FALSE;

    case VALUE_TOKEN:
      if (is_token (value))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s may hold only letters, digits and punctuation, no spaces. Copy it again from the console."), shown);
      return FALSE;

    case VALUE_NAME:
      if (is_name (value))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s may hold only letters, digits and _, as in EU_863_870_TTN or MAC_V1_0_3."), shown);
      return FALSE;

    case VALUE_CHOICE:
      {
        g_auto(GStrv) choices = g_strsplit (spec->choices, "|", -1);
        g_autofree char *listed = NULL;

        if (g_strv_contains ((const char * const *) choices, value))
          return TRUE;
        listed = g_strjoinv (_(" or "), choices);
        g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                     _("%s must be %s."), shown, listed);
        return FALSE;
      }

    case VALUE_STORE_URL:
      if (is_store_url (value))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s must be a PostgreSQL connection address such as "
                     "postgresql://station@db.example.com/onboarder?sslmode=verify-full."), shown);
      return FALSE;

    case VALUE_STATION:
      if (is_station (value))
        return TRUE;
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                   _("%s may hold only letters, digits, dots, dashes and _, as in dock-2."), shown);
      return FALSE;

    case VALUE_TEXT:
    default:
      return TRUE;
    }
}
