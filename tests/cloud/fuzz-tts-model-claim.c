/* fuzz-tts-model-claim.c: libFuzzer target for the decoders of the
 * Device Repository's and the Device Claiming Server's answers
 *
 * The first byte picks the decoder (template, claim info, claimed
 * identifiers, claim status), the rest is the JSON body. Built and
 * replayed like fuzz-tts-answer.c, from tests/cloud/corpus/tts-model-claim.
 */

#include "config.h"

#include <string.h>

#include "fuzz-code.h"
#include "onb-cloud-error.h"
#include "onb-error.h"
#include "onb-tts-answer-decode-private.h"
#include "onb-tts-claim.h"

static void
assert_worded (const GError *error)
{
  g_assert (error != NULL);
  g_assert (error->domain == ONB_CLOUD_ERROR || error->domain == ONB_TTS_CLAIM_ERROR);
  g_assert (strcmp (onb_error_get_reason (error), "internal-error") != 0);
  g_assert (g_utf8_validate (error->message, -1, NULL));
  /* A server's text is quoted, never a megabyte of it. */
  g_assert (strlen (error->message) < 2048);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  json_tokener *tokener;
  g_autoptr(json_object) json = NULL;
  g_autoptr(GError) error = NULL;
  gboolean decoded = FALSE;

  if (size == 0)
    return 0;

  tokener = json_tokener_new ();
  json = json_tokener_parse_ex (tokener, (const char *) data + 1, (int) (size - 1));
  json_tokener_free (tokener);

  switch (data[0] % 4)
    {
    case 0:
      {
        g_autoptr(OnbModelTemplate) template = onb_tts_decode_model_template (json, "000AF8BE", &error);

        decoded = template != NULL;
        /* Versions come in pairs that go together, or not at all. */
        if (template != NULL)
          g_assert ((template->lorawan_version == NULL) == (template->phy_version == NULL));
        if (template != NULL && template->band_id != NULL)
          g_assert (strlen (template->band_id) <= 64);
      }
      break;
    case 1:
      {
        gboolean supports = FALSE;

        decoded = onb_tts_decode_claim_info (json, "EC656E0000000101", &supports, &error);
      }
      break;
    case 2:
      decoded = onb_tts_decode_claimed_ids (json, "warehouse-sensors", "eui-0018b2000000c101",
                                            "0018B2000000C101", "EC656E0000000101", &error);
      break;
    default:
      decoded = onb_tts_decode_claim_status (json, "warehouse-sensors", "eui-0018b2000000c101", &error);
      break;
    }

  g_assert (decoded == (error == NULL));
  if (error != NULL)
    assert_worded (error);

  return 0;
}
