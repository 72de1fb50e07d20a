/* onb-code.c: what a device label says (docs/design.md, Labels)
 *
 * The parser never trusts its input: payloads come straight from a camera
 * or a keyboard wedge and are bytes, not text. Length is checked before any
 * other work so a megabyte of garbage costs nothing.
 */

#define G_LOG_DOMAIN "onb-code"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-code.h"
#include "onb-core-enums.h"
#include "onb-error.h"

ONB_DEFINE_ERROR_DOMAIN (onb_code_error, onb_code_error_get_type)

struct _OnbCode
{
  gatomicrefcount ref_count;
  OnbCodeKind kind;
  gboolean checksum_verified;
  char *payload;
  char *join_eui;
  char *dev_eui;
  char *profile_id;
  char *vendor_id;
  char *vendor_profile_id;
  char *owner_token;
  char *serial_number;
  char *proprietary;
  char *checksum;
  char *static_token;
  char *org_id;
};

G_DEFINE_BOXED_TYPE (OnbCode, onb_code, onb_code_ref, onb_code_unref)

#define EUI_DIGITS        16
#define PROFILE_ID_DIGITS 8
#define CHECKSUM_DIGITS   4
#define TOKEN_CHARS       32

static const char tr005_prefix[] = "LW:D0:";
static const char draft3_prefix[] = "URN:DEV:LW:";
static const char draft2_prefix[] = "URN:LW:DP:";
static const char token_prefix[] = "sqr_";

static OnbCode *
onb_code_new (OnbCodeKind  kind,
              const char  *payload)
{
  OnbCode *self = g_new0 (OnbCode, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  self->payload = g_strdup (payload);

  return self;
}

OnbCode *
onb_code_ref (OnbCode *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
onb_code_unref (OnbCode *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->payload);
  g_free (self->join_eui);
  g_free (self->dev_eui);
  g_free (self->profile_id);
  g_free (self->vendor_id);
  g_free (self->vendor_profile_id);
  g_free (self->owner_token);
  g_free (self->serial_number);
  g_free (self->proprietary);
  g_free (self->checksum);
  g_free (self->static_token);
  g_free (self->org_id);
  g_free (self);
}

guint16
onb_crc16_modbus (const guint8 *data,
                  gsize         length)
{
  guint16 crc = 0xFFFF;

  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (guint bit = 0; bit < 8; bit++)
        crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
    }

  return crc;
}

gboolean
onb_hex_is_valid (const char *text,
                  gsize       digits)
{
  if (text == NULL || strlen (text) != digits)
    return FALSE;

  for (gsize i = 0; i < digits; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;

  return TRUE;
}

static gboolean
is_all_zero (const char *hex)
{
  return strspn (hex, "0") == strlen (hex);
}

const char *
onb_code_kind_to_string (OnbCodeKind kind)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (ONB_TYPE_CODE_KIND);
  GEnumValue *value = g_enum_get_value (klass, kind);

  return value != NULL ? value->value_nick : "unknown";
}

/* Trims surrounding whitespace; fails on bytes a label never carries. */
static char *
clean_payload (const char  *data,
               gssize       length,
               GError     **error)
{
  gsize len = length < 0 ? strlen (data) : (gsize) length;
  gsize start = 0;
  gsize end = len;

  while (start < end && g_ascii_isspace (data[start]))
    start++;
  while (end > start && g_ascii_isspace (data[end - 1]))
    end--;

  if (start == end)
    {
      g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_EMPTY,
                           _("The code is empty. Hold the label under the camera again."));
      return NULL;
    }

  if (end - start > ONB_CODE_MAX_LENGTH)
    {
      g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_TOO_LONG,
                           _("This code is far too long to be a device label. "
                             "Scan the QR code on the device's box label."));
      return NULL;
    }

  if (memchr (data + start, '\0', end - start) != NULL ||
      !g_utf8_validate_len (data + start, end - start, NULL))
    {
      g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_NOT_TEXT,
                           _("The code contains unreadable characters: it was misread or is not a "
                             "device label. Scan it again."));
      return NULL;
    }

  for (gsize i = start; i < end; i++)
    {
      if (g_ascii_iscntrl (data[i]))
        {
          g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_NOT_TEXT,
                               _("The code contains unreadable characters: it was misread or is not a "
                                 "device label. Scan it again."));
          return NULL;
        }
    }

  return g_strndup (data + start, end - start);
}

static gboolean
is_token_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

static gboolean
is_legacy_blynk_token (const char *text)
{
  gsize len = strlen (text);

  /* Blynk 0.x auth tokens and clone codes: 32 token characters, no prefix. */
  if (len != TOKEN_CHARS)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!is_token_char (text[i]))
      return FALSE;
  return TRUE;
}

OnbCodeKind
onb_code_classify (const char *data,
                   gssize      length)
{
  g_autofree char *text = clean_payload (data, length, NULL);

  if (text == NULL)
    return ONB_CODE_KIND_UNKNOWN;
  if (g_str_has_prefix (text, tr005_prefix))
    return ONB_CODE_KIND_TR005;
  if (g_ascii_strncasecmp (text, draft3_prefix, strlen (draft3_prefix)) == 0)
    return ONB_CODE_KIND_TR005_DRAFT3;
  if (g_ascii_strncasecmp (text, draft2_prefix, strlen (draft2_prefix)) == 0)
    return ONB_CODE_KIND_TR005_DRAFT2;
  if (g_str_has_prefix (text, token_prefix))
    return ONB_CODE_KIND_BLYNK_STATIC_TOKEN;
  if (onb_hex_is_valid (text, EUI_DIGITS))
    return ONB_CODE_KIND_DEV_EUI;

  return ONB_CODE_KIND_UNKNOWN;
}

static gboolean
take_eui (const char   *field,
          gboolean      is_dev_eui,
          char        **out,
          GError      **error)
{
  if (!onb_hex_is_valid (field, EUI_DIGITS) || (is_dev_eui && is_all_zero (field)))
    {
      if (is_dev_eui)
        g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_BAD_DEV_EUI,
                             _("The label's DevEUI is not valid (it must be 16 hexadecimal digits, "
                               "not all zero). The label is damaged or misprinted: type the code "
                               "by hand or set the box aside."));
      else
        g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_BAD_JOIN_EUI,
                             _("The label's JoinEUI is not valid (it must be 16 hexadecimal "
                               "digits). The label is damaged or misprinted: type the code by "
                               "hand or set the box aside."));
      return FALSE;
    }

  *out = g_ascii_strup (field, -1);
  return TRUE;
}

char *
onb_profile_id_normalize (const char  *text,
                          GError     **error)
{
  if (!onb_hex_is_valid (text, PROFILE_ID_DIGITS))
    {
      g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_BAD_PROFILE_ID,
                           _("The label's Profile ID is not valid (it must be 8 hexadecimal "
                             "digits). The label is damaged or misprinted: set the box aside."));
      return NULL;
    }

  return g_ascii_strup (text, -1);
}

static gboolean
take_profile_id (OnbCode     *self,
                 const char  *field,
                 GError     **error)
{
  if (!(self->profile_id = onb_profile_id_normalize (field, error)))
    return FALSE;

  self->vendor_id = g_strndup (self->profile_id, 4);
  self->vendor_profile_id = g_strdup (self->profile_id + 4);
  return TRUE;
}

/* Extensions shared by TR005 and its drafts: one tag letter, then the value. */
static void
take_extension (OnbCode    *self,
                const char *field)
{
  char **slot = NULL;

  if (field[0] == '\0' || field[1] == '\0')
    return;

  switch (field[0])
    {
    case 'O': slot = &self->owner_token; break;
    case 'S': slot = &self->serial_number; break;
    case 'P': slot = &self->proprietary; break;
    case 'C': slot = &self->checksum; break;
    default: return;
    }

  g_free (*slot);
  *slot = g_strdup (field + 1);
}

static gboolean
verify_checksum (OnbCode     *self,
                 const char  *text,
                 GError     **error)
{
  g_autofree char *field = NULL;
  g_autoptr(GString) covered = NULL;
  const char *at;

  if (self->checksum == NULL)
    return TRUE;

  /* The CRC covers the whole text with the ":C<checksum>" field taken out;
   * labels print it last, so the last occurrence is the field itself. */
  field = g_strconcat (":C", self->checksum, NULL);
  if (!onb_hex_is_valid (self->checksum, CHECKSUM_DIGITS) ||
      (at = g_strrstr (text, field)) == NULL)
    goto mismatch;

  covered = g_string_new (text);
  g_string_erase (covered, at - text, strlen (field));
  if (onb_crc16_modbus ((const guint8 *) covered->str, covered->len) !=
      g_ascii_strtoull (self->checksum, NULL, 16))
    goto mismatch;

  g_free (self->checksum);
  self->checksum = g_ascii_strup (field + 2, -1);
  self->checksum_verified = TRUE;
  return TRUE;

mismatch:
  g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_BAD_CHECKSUM,
                       _("The label failed its checksum: it was misread or misprinted. "
                         "Scan it again; if it fails again, set the box aside."));
  return FALSE;
}

/* TR005 and both drafts: JoinEUI, DevEUI, ProfileID, then tagged extensions. */
static OnbCode *
parse_tr005 (OnbCodeKind   kind,
             const char   *text,
             const char   *body,
             const char   *separator,
             GError      **error)
{
  g_autoptr(OnbCode) self = onb_code_new (kind, text);
  g_auto(GStrv) fields = g_strsplit (body, separator, -1);
  guint n_fields = g_strv_length (fields);

  if (!take_eui (n_fields > 0 ? fields[0] : NULL, FALSE, &self->join_eui, error) ||
      !take_eui (n_fields > 1 ? fields[1] : NULL, TRUE, &self->dev_eui, error) ||
      !take_profile_id (self, n_fields > 2 ? fields[2] : "", error))
    return NULL;

  for (guint i = 3; i < n_fields; i++)
    {
      const char *ext = fields[i];

      /* Draft 2 prefixes each extension with '%'. */
      if (kind == ONB_CODE_KIND_TR005_DRAFT2 && ext[0] == '%')
        ext++;
      take_extension (self, ext);
    }

  /* Only the final TR005 defines the checksum; the drafts' is kept as read. */
  if (kind == ONB_CODE_KIND_TR005 && !verify_checksum (self, text, error))
    return NULL;

  return g_steal_pointer (&self);
}

static OnbCode *
parse_static_token (const char  *text,
                    GError     **error)
{
  g_autoptr(OnbCode) self = onb_code_new (ONB_CODE_KIND_BLYNK_STATIC_TOKEN, text);
  const char *token = text + strlen (token_prefix);
  const char *plus = strchr (token, '+');
  gsize token_len = plus != NULL ? (gsize) (plus - token) : strlen (token);
  gboolean ok = token_len == TOKEN_CHARS;

  for (gsize i = 0; ok && i < token_len; i++)
    ok = is_token_char (token[i]);

  if (ok && plus != NULL)
    {
      const char *org = plus + 1;

      ok = org[0] != '\0' && strspn (org, "0123456789") == strlen (org) && strlen (org) <= 19;
      if (ok)
        self->org_id = g_strdup (org);
    }

  if (!ok)
    {
      g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_MALFORMED_TOKEN,
                           _("This Blynk token code is damaged or incomplete. Scan it again; if "
                             "it fails again, type the token by hand or set the box aside."));
      return NULL;
    }

  self->static_token = g_strndup (text, strlen (token_prefix) + token_len);
  return g_steal_pointer (&self);
}

static void
set_not_a_label (const char  *text,
                 GError     **error)
{
  if (is_legacy_blynk_token (text))
    g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_LEGACY_BLYNK_CODE,
                         _("This is an old Blynk app code, not a device label. Scan the QR code "
                           "on the device's box label (it starts with LW:D0: or sqr_)."));
  else if (strstr (text, "://") != NULL)
    g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_NOT_A_DEVICE_LABEL,
                         _("This is a web link, not a device label. Scan the QR code on the "
                           "device's box label (it starts with LW:D0: or sqr_)."));
  else
    g_set_error_literal (error, ONB_CODE_ERROR, ONB_CODE_ERROR_NOT_A_DEVICE_LABEL,
                         _("This is not a device label. Scan the QR code on the device's box "
                           "label (it starts with LW:D0: or sqr_)."));
}

/**
 * onb_code_parse:
 * @data: the payload bytes as decoded
 * @length: length of @data, or -1 if it is NUL-terminated
 * @error: where to put the rejection
 *
 * Classifies and validates a label payload. The Profile ID is not checked
 * here; see onb_code_check_profile().
 *
 * Returns: (transfer full) (nullable): the code, or %NULL with @error set in
 *   %ONB_CODE_ERROR.
 */
OnbCode *
onb_code_parse (const char  *data,
                gssize       length,
                GError     **error)
{
  g_autofree char *text = NULL;
  OnbCode *self;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (!(text = clean_payload (data != NULL ? data : "", length, error)))
    return NULL;

  switch (onb_code_classify (text, -1))
    {
    case ONB_CODE_KIND_TR005:
      return parse_tr005 (ONB_CODE_KIND_TR005, text, text + strlen (tr005_prefix), ":", error);

    case ONB_CODE_KIND_TR005_DRAFT3:
      return parse_tr005 (ONB_CODE_KIND_TR005_DRAFT3, text, text + strlen (draft3_prefix), "_", error);

    case ONB_CODE_KIND_TR005_DRAFT2:
      return parse_tr005 (ONB_CODE_KIND_TR005_DRAFT2, text, text + strlen (draft2_prefix), ":", error);

    case ONB_CODE_KIND_BLYNK_STATIC_TOKEN:
      return parse_static_token (text, error);

    case ONB_CODE_KIND_DEV_EUI:
      self = onb_code_new (ONB_CODE_KIND_DEV_EUI, text);
      if (!take_eui (text, TRUE, &self->dev_eui, error))
        g_clear_pointer (&self, onb_code_unref);
      return self;

    case ONB_CODE_KIND_UNKNOWN:
    default:
      set_not_a_label (text, error);
      return NULL;
    }
}

/**
 * onb_profile_id_check:
 * @profile_id: an 8-digit Profile ID
 * @accepted: (nullable): the Profile IDs this station accepts; %NULL or
 *   empty means no check
 * @error: where to put the rejection
 *
 * Returns: %TRUE if @profile_id is accepted.
 */
gboolean
onb_profile_id_check (const char          *profile_id,
                      const char * const  *accepted,
                      GError             **error)
{
  g_autoptr(GString) expected = NULL;

  if (accepted == NULL || accepted[0] == NULL || profile_id == NULL)
    return TRUE;

  for (guint i = 0; accepted[i] != NULL; i++)
    if (g_ascii_strcasecmp (accepted[i], profile_id) == 0)
      return TRUE;

  expected = g_string_new (NULL);
  for (guint i = 0; accepted[i] != NULL; i++)
    g_string_append_printf (expected, "%s%.4s:%s", i > 0 ? ", " : "", accepted[i],
                            strlen (accepted[i]) > 4 ? accepted[i] + 4 : "");

  g_set_error (error, ONB_CODE_ERROR, ONB_CODE_ERROR_PROFILE_MISMATCH,
               /* Translators: profiles are shown as VENDOR:MODEL, e.g. 000A:F8BE */
               _("This label belongs to another product (profile %.4s:%s, this station expects %s). "
                 "Set the box aside for the right station."),
               profile_id, strlen (profile_id) > 4 ? profile_id + 4 : "", expected->str);
  return FALSE;
}

/**
 * onb_code_check_profile:
 * @self: a code
 * @accepted: (nullable): the accepted Profile IDs
 * @error: where to put the rejection
 *
 * Codes without a Profile ID (bare DevEUI, static token) pass here; their
 * registry row is checked instead.
 */
gboolean
onb_code_check_profile (const OnbCode       *self,
                        const char * const  *accepted,
                        GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return onb_profile_id_check (self->profile_id, accepted, error);
}

OnbCodeKind onb_code_get_kind (const OnbCode *self) { return self->kind; }
const char *onb_code_get_payload (const OnbCode *self) { return self->payload; }
const char *onb_code_get_join_eui (const OnbCode *self) { return self->join_eui; }
const char *onb_code_get_dev_eui (const OnbCode *self) { return self->dev_eui; }
const char *onb_code_get_profile_id (const OnbCode *self) { return self->profile_id; }
const char *onb_code_get_vendor_id (const OnbCode *self) { return self->vendor_id; }
const char *onb_code_get_vendor_profile_id (const OnbCode *self) { return self->vendor_profile_id; }
const char *onb_code_get_owner_token (const OnbCode *self) { return self->owner_token; }
const char *onb_code_get_serial_number (const OnbCode *self) { return self->serial_number; }
const char *onb_code_get_proprietary (const OnbCode *self) { return self->proprietary; }
const char *onb_code_get_checksum (const OnbCode *self) { return self->checksum; }
gboolean onb_code_get_checksum_verified (const OnbCode *self) { return self->checksum_verified; }
const char *onb_code_get_static_token (const OnbCode *self) { return self->static_token; }
const char *onb_code_get_org_id (const OnbCode *self) { return self->org_id; }
