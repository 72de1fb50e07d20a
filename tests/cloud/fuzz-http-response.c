/* fuzz-http-response.c: libFuzzer target for what the HTTP client makes
 * of an answer: header lines, Retry-After, the JSON body, the error class
 *
 * Input: header lines, a blank line, the body; the first byte also picks
 * the status. The normal test run replays tests/cloud/corpus/http-response.
 */

#include "config.h"

#include <string.h>

#include "fuzz-code.h"
#include "onb-cloud-error.h"
#include "onb-http-response-private.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;
  const char *end = text + size;
  const char *body = g_strstr_len (text, size, "\r\n\r\n");
  const char *line = text;
  GHashTable *headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  guint status = size > 0 ? 100 + data[0] % 500 : 200;

  body = body != NULL ? body + 4 : end;
  while (line < body)
    {
      const char *eol = memchr (line, '\n', body - line);
      const char *next = eol != NULL ? eol + 1 : body;

      onb_http_headers_add_line (headers, line, next - line);
      line = next;
    }

  response = onb_http_response_new (status, 1, headers, g_bytes_new (body, end - body), 0);

  g_assert (onb_http_response_get_retry_after (response) >= -1);
  g_assert (g_bytes_get_size (onb_http_response_get_body (response)) == (gsize) (end - body));
  if (onb_http_response_get_json (response) != NULL)
    g_assert (json_object_to_json_string (onb_http_response_get_json (response)) != NULL);

  error = onb_http_response_to_error (response, NULL, NULL, NULL, "message");
  g_assert ((error == NULL) == onb_http_response_is_success (response));
  if (error != NULL)
    g_assert (error->domain == ONB_CLOUD_ERROR);

  return 0;
}
