/* fuzz-blynk.c: libFuzzer target for every decoder of a Blynk answer
 *
 * The first byte picks the decoder (device, page of devices, template
 * list, template metafields, static-token list, token answer, error body);
 * the rest is the server's body. Every input must give a value or a
 * bad-response error, never an abort. Built as a real fuzzer with
 * `-Dfuzzing=true` and clang; the normal test run replays the seed corpus
 * (tests/cloud/corpus/blynk) through the same entry point.
 */

#include "config.h"

#include <string.h>

#include "fuzz-code.h"
#include "onb-blynk-decode-private.h"
#include "onb-blynk-device.h"
#include "onb-blynk-static-token.h"
#include "onb-cloud-error.h"

typedef enum
{
  TARGET_DEVICE,
  TARGET_DEVICE_PAGE,
  TARGET_TEMPLATE_PAGE,
  TARGET_TEMPLATE_METAFIELDS,
  TARGET_STATIC_TOKEN_PAGE,
  TARGET_TOKEN_ANSWER,
  TARGET_ERROR_BODY,
  N_TARGETS
} Target;

static void
assert_bad_response (GError *error)
{
  g_assert (error != NULL);
  g_assert (error->domain == ONB_CLOUD_ERROR && error->code == ONB_CLOUD_ERROR_BAD_RESPONSE);
  g_assert (g_utf8_validate (error->message, -1, NULL));
  g_assert (strchr (error->message, '\n') == NULL);
}

static void
check_device (json_object *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkDevice) device = onb_blynk_device_new_from_json (json, &error);

  if (device == NULL)
    {
      assert_bad_response (error);
      return;
    }

  g_assert (onb_blynk_device_get_id (device) > 0);
  g_assert (onb_blynk_device_get_template_number (device) > 0);
  g_assert (g_utf8_validate (onb_blynk_device_get_name (device), -1, NULL));
  g_assert (onb_blynk_device_get_owner_id (device) >= 0);
  (void) onb_blynk_device_get_metafield (device, "Device EUI");
}

static void
check_static_token (json_object *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbBlynkStaticToken) entry = onb_blynk_static_token_new_from_json (json, &error);

  if (entry == NULL)
    {
      assert_bad_response (error);
      return;
    }

  g_assert (g_utf8_validate (onb_blynk_static_token_get_token (entry), -1, NULL));
  g_assert (onb_blynk_static_token_is_claimed (entry) == (onb_blynk_static_token_get_device_id (entry) > 0));
}

static void
check_template (json_object *json)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) codes = NULL;
  gint64 id = 0;

  if (!onb_blynk_decode_template (json, &id, &codes, &error))
    {
      assert_bad_response (error);
      g_assert (codes == NULL);
      return;
    }

  g_assert (id > 0);
  g_assert (g_strv_length (codes) <= ONB_BLYNK_MAX_TEMPLATE_IDS);
}

static void
check_page (json_object *json,
            void       (*check_item) (json_object *))
{
  g_autoptr(GError) error = NULL;
  json_object *content = NULL;
  gint64 total = -1;

  if (!onb_blynk_decode_page (json, ONB_BLYNK_PAGE_SIZE, &content, &total, "the list", &error))
    {
      assert_bad_response (error);
      return;
    }

  g_assert (total >= 0 && total <= ONB_BLYNK_MAX_TOTAL);
  g_assert (json_object_array_length (content) <= ONB_BLYNK_PAGE_SIZE);
  for (size_t i = 0; i < json_object_array_length (content); i++)
    check_item (json_object_array_get_idx (content, i));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  json_tokener *tokener;
  json_object *json;
  Target target;

  if (size == 0 || size > 1024 * 1024)
    return 0;

  target = data[0] % N_TARGETS;
  tokener = json_tokener_new ();
  /* NULL (not JSON) is what the client hands over for such a body. */
  json = json_tokener_parse_ex (tokener, (const char *) data + 1, (int) (size - 1));
  if (json_tokener_get_error (tokener) != json_tokener_success)
    g_clear_pointer (&json, json_object_put);
  json_tokener_free (tokener);

  switch (target)
    {
    case TARGET_DEVICE:
      check_device (json);
      break;
    case TARGET_DEVICE_PAGE:
      check_page (json, check_device);
      break;
    case TARGET_TEMPLATE_PAGE:
      check_page (json, check_template);
      break;
    case TARGET_TEMPLATE_METAFIELDS:
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GHashTable) map = onb_blynk_decode_template_metafields (json, &error);

        if (map == NULL)
          assert_bad_response (error);
      }
      break;
    case TARGET_STATIC_TOKEN_PAGE:
      check_page (json, check_static_token);
      break;
    case TARGET_TOKEN_ANSWER:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *token = NULL;
        gint64 expires_in = 0;

        if (onb_blynk_decode_token_answer (json, &token, &expires_in, &error))
          g_assert (token[0] != '\0' && expires_in > 0);
        else
          assert_bad_response (error);
      }
      break;
    case TARGET_ERROR_BODY:
      {
        g_autofree char *message = NULL;
        g_autofree char *oauth_error = NULL;

        onb_blynk_decode_error_body (json, &message, &oauth_error);
        g_assert (message == NULL || (g_utf8_validate (message, -1, NULL) && strchr (message, '\n') == NULL));
        g_assert (oauth_error == NULL || g_utf8_validate (oauth_error, -1, NULL));
      }
      break;
    case N_TARGETS:
    default:
      g_assert_not_reached ();
    }

  g_clear_pointer (&json, json_object_put);
  return 0;
}
