/* fuzz-code.c: libFuzzer target for the label-code parser
 *
 * Built as a real fuzzer with `-Dfuzzing=true` and clang; the normal test
 * run links the same entry point into replay-corpus.c and feeds it the
 * seed corpus, so every seed stays covered on every build.
 */

#include "config.h"

#include <string.h>

#include "fuzz-code.h"
#include "onb-code.h"
#include "onb-error.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char * const accepted[] = { "000AF8BE", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbCode) code = onb_code_parse ((const char *) data, size, &error);

  /* Exactly one of code and error, and a reason for every rejection. */
  g_assert ((code == NULL) != (error == NULL));
  if (error != NULL)
    {
      g_assert (strcmp (onb_error_get_reason (error), "internal-error") != 0);
      return 0;
    }

  g_assert (onb_code_get_kind (code) == onb_code_classify ((const char *) data, size));
  g_assert (g_utf8_validate (onb_code_get_payload (code), -1, NULL));
  if (!onb_code_check_profile (code, accepted, &error))
    g_assert (error != NULL);

  return 0;
}
