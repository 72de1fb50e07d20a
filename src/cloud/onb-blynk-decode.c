/* onb-blynk-decode.c: Blynk answers → checked values */

#define G_LOG_DOMAIN "onb-blynk"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "onb-blynk-decode-private.h"
#include "onb-cloud-error.h"

/* Enough of a server's own message to be useful in a sentence. */
#define MAX_SERVER_MESSAGE 300

static char *readable (const char *text);

GError *
onb_blynk_bad_response (const char *what,
                        const char *problem_format,
                        ...)
{
  g_autofree char *raw = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, problem_format);
  raw = g_strdup_vprintf (problem_format, args);
  va_end (args);
  /* The problem may quote the server. */
  problem = readable (raw);

  message = g_strdup_printf (_("Blynk answered %s with something Onboarder cannot use: %s. Check the Blynk server address in the settings; if it is right, Blynk changed its answer."),
                             what, problem);
  return onb_cloud_error_new_full (ONB_CLOUD_ERROR_BAD_RESPONSE, 0, NULL, NULL, NULL, -1, message);
}

static const char *
type_name (json_type type)
{
  switch (type)
    {
    case json_type_null: return _("nothing");
    case json_type_boolean: return _("a true/false value");
    case json_type_double: return _("a fractional number");
    case json_type_int: return _("a whole number");
    case json_type_object: return _("an object");
    case json_type_array: return _("a list");
    case json_type_string: return _("a text");
    default: return "?";
    }
}

gboolean
onb_blynk_json_member (json_object  *object,
                       const char   *name,
                       json_type     type,
                       gboolean      required,
                       json_object **out,
                       const char   *what,
                       GError      **error)
{
  json_object *value = NULL;

  if (!json_object_is_type (object, json_type_object))
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("%s instead of an object"),
                                                        type_name (json_object_get_type (object))));
      return FALSE;
    }

  if (!json_object_object_get_ex (object, name, &value) || value == NULL)
    {
      if (required)
        g_propagate_error (error, onb_blynk_bad_response (what, _("“%s” is missing"), name));
      return FALSE;
    }

  if (!json_object_is_type (value, type))
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("“%s” is %s instead of %s"), name,
                                                        type_name (json_object_get_type (value)), type_name (type)));
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
onb_blynk_json_int (json_object  *object,
                    const char   *name,
                    gboolean      required,
                    gint64        min,
                    gint64        max,
                    gint64       *out,
                    const char   *what,
                    GError      **error)
{
  json_object *value = NULL;
  gint64 number;

  if (!onb_blynk_json_member (object, name, json_type_int, required, &value, what, error))
    return FALSE;

  number = json_object_get_int64 (value);
  if (number < min || number > max)
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("“%s” is %lld, outside %lld to %lld"),
                                                        name, (long long) number, (long long) min, (long long) max));
      return FALSE;
    }

  *out = number;
  return TRUE;
}

gboolean
onb_blynk_json_string (json_object  *object,
                       const char   *name,
                       gboolean      required,
                       const char  **out,
                       const char   *what,
                       GError      **error)
{
  json_object *value = NULL;

  if (!onb_blynk_json_member (object, name, json_type_string, required, &value, what, error))
    return FALSE;

  if (json_object_get_string_len (value) > ONB_BLYNK_MAX_STRING)
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("“%s” is longer than %d bytes"), name, ONB_BLYNK_MAX_STRING));
      return FALSE;
    }

  if (!g_utf8_validate_len (json_object_get_string (value), json_object_get_string_len (value), NULL))
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("“%s” is not valid UTF-8 text"), name));
      return FALSE;
    }

  *out = json_object_get_string (value);
  return TRUE;
}

gboolean
onb_blynk_decode_page (json_object  *json,
                       guint         max_items,
                       json_object **out_content,
                       gint64       *out_total,
                       const char   *what,
                       GError      **error)
{
  json_object *content = NULL;

  if (json_object_is_type (json, json_type_array))
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("a bare list instead of a page (“content” and “totalElements”)")));
      return FALSE;
    }

  if (!onb_blynk_json_member (json, "content", json_type_array, TRUE, &content, what, error) ||
      !onb_blynk_json_int (json, "totalElements", TRUE, 0, ONB_BLYNK_MAX_TOTAL, out_total, what, error))
    return FALSE;

  if (json_object_array_length (content) > max_items)
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("a page of %zu entries where at most %u were asked for"),
                                                        json_object_array_length (content), max_items));
      return FALSE;
    }

  *out_content = content;
  return TRUE;
}

gboolean
onb_blynk_decode_template (json_object  *json,
                           gint64       *out_id,
                           GStrv        *out_codes,
                           GError      **error)
{
  const char *what = _("the template list");
  g_autoptr(GStrvBuilder) codes = g_strv_builder_new ();
  json_object *ids = NULL;
  gint64 id = 0;

  if (!onb_blynk_json_int (json, "id", TRUE, 1, G_MAXINT64, &id, what, error) ||
      !onb_blynk_json_member (json, "templateIds", json_type_array, TRUE, &ids, what, error))
    return FALSE;

  if (json_object_array_length (ids) > ONB_BLYNK_MAX_TEMPLATE_IDS)
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("a template with more than %d template IDs"), ONB_BLYNK_MAX_TEMPLATE_IDS));
      return FALSE;
    }

  for (size_t i = 0; i < json_object_array_length (ids); i++)
    {
      json_object *code = json_object_array_get_idx (ids, i);

      if (!json_object_is_type (code, json_type_string) || json_object_get_string_len (code) > ONB_BLYNK_MAX_STRING)
        {
          g_propagate_error (error, onb_blynk_bad_response (what, _("a template ID in “templateIds” is %s instead of a text"),
                                                            type_name (json_object_get_type (code))));
          return FALSE;
        }
      g_strv_builder_add (codes, json_object_get_string (code));
    }

  *out_id = id;
  *out_codes = g_strv_builder_end (codes);
  return TRUE;
}

GHashTable *
onb_blynk_decode_template_metafields (json_object  *json,
                                      GError      **error)
{
  const char *what = _("the template’s metafield list");
  g_autoptr(GHashTable) map = NULL;

  if (!json_object_is_type (json, json_type_array))
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("%s instead of a list"), type_name (json_object_get_type (json))));
      return NULL;
    }
  if (json_object_array_length (json) > ONB_BLYNK_MAX_METAFIELDS)
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("more than %d metafields"), ONB_BLYNK_MAX_METAFIELDS));
      return NULL;
    }

  map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (size_t i = 0; i < json_object_array_length (json); i++)
    {
      json_object *field = json_object_array_get_idx (json, i);
      const char *name = NULL;
      gint64 id = 0;

      if (!onb_blynk_json_int (field, "id", TRUE, 0, G_MAXINT64, &id, what, error) ||
          !onb_blynk_json_string (field, "name", TRUE, &name, what, error))
        return NULL;
      g_hash_table_insert (map, g_strdup (name), g_memdup2 (&id, sizeof id));
    }

  return g_steal_pointer (&map);
}

gboolean
onb_blynk_decode_token_answer (json_object  *json,
                               char        **out_token,
                               gint64       *out_expires_in,
                               GError      **error)
{
  const char *what = _("the login");
  const char *token = NULL;
  const char *type = NULL;
  gint64 expires_in = 300;  /* the documented lifetime, when not said */
  GError *local_error = NULL;

  /* token_type and expires_in may be absent, not of another type. */
  if (!onb_blynk_json_string (json, "access_token", TRUE, &token, what, error))
    return FALSE;
  if (!onb_blynk_json_string (json, "token_type", FALSE, &type, what, &local_error) && local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (!onb_blynk_json_int (json, "expires_in", FALSE, 1, 366 * 24 * 3600, &expires_in, what, &local_error) &&
      local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (token[0] == '\0' || strpbrk (token, "\r\n") != NULL)
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("an empty or malformed access token")));
      return FALSE;
    }
  if (type != NULL && g_ascii_strcasecmp (type, "Bearer") != 0)
    {
      g_propagate_error (error, onb_blynk_bad_response (what, _("a token of type “%s” instead of “Bearer”"), type));
      return FALSE;
    }

  *out_token = g_strdup (token);
  *out_expires_in = expires_in;
  return TRUE;
}

/* Server text fit for a sentence: valid UTF-8, one line, short. */
static char *
readable (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *cut = NULL;

  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  if (g_utf8_strlen (valid, -1) <= MAX_SERVER_MESSAGE)
    return g_steal_pointer (&valid);
  cut = g_utf8_substring (valid, 0, MAX_SERVER_MESSAGE);
  return g_strconcat (cut, "…", NULL);
}

void
onb_blynk_decode_error_body (json_object  *json,
                             char        **out_message,
                             char        **out_oauth_error)
{
  json_object *error_member = NULL;
  json_object *value = NULL;

  *out_message = NULL;
  *out_oauth_error = NULL;

  if (!json_object_is_type (json, json_type_object) ||
      !json_object_object_get_ex (json, "error", &error_member))
    return;

  if (json_object_is_type (error_member, json_type_object))
    {
      if (json_object_object_get_ex (error_member, "message", &value) && json_object_is_type (value, json_type_string))
        *out_message = readable (json_object_get_string (value));
    }
  else if (json_object_is_type (error_member, json_type_string))
    {
      *out_oauth_error = readable (json_object_get_string (error_member));
      if (json_object_object_get_ex (json, "error_description", &value) && json_object_is_type (value, json_type_string))
        *out_message = readable (json_object_get_string (value));
    }
}

/* The registrable domain ("blynk.cloud" for "fra1.blynk.cloud"), without a
 * public-suffix list: the last two labels, or three under a two-letter
 * country code with a generic second level ("example.co.uk"). */
static char *
registrable_domain (const char *host)
{
  static const char * const second_levels[] = { "co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", NULL };
  g_autofree char *lower = g_ascii_strdown (host, -1);
  g_auto(GStrv) labels = NULL;
  guint n, keep = 2;

  if (g_str_has_suffix (lower, "."))
    lower[strlen (lower) - 1] = '\0';
  labels = g_strsplit (lower, ".", -1);
  n = g_strv_length (labels);
  if (n >= 3 && strlen (labels[n - 1]) == 2 && g_strv_contains (second_levels, labels[n - 2]))
    keep = 3;
  if (n <= keep)
    return g_steal_pointer (&lower);

  return g_strjoinv (".", labels + (n - keep));
}

gboolean
onb_blynk_same_site (const char *configured_host,
           const char *host)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  if (g_ascii_strcasecmp (configured_host, host) == 0)
    return TRUE;
  /* An address literal is its own site. */
  if (g_hostname_is_ip_address (configured_host) || g_hostname_is_ip_address (host))
    return FALSE;

  a = registrable_domain (configured_host);
  b = registrable_domain (host);
  return strchr (a, '.') != NULL && g_ascii_strcasecmp (a, b) == 0;
}
