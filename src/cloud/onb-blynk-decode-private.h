/* onb-blynk-decode-private.h: Blynk answers → checked values
 *
 * Every decoder takes whatever JSON the server sent (any type, NULL for an
 * empty or non-JSON body), checks each type and size before use and fails
 * with ONB_CLOUD_ERROR_BAD_RESPONSE ("bad-response") in words that name
 * the answer and what is wrong with it. Shapes: docs/blynk-api.md, examples
 * in tests/fixtures/blynk/. No I/O: the fuzz target calls these directly.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/* Items per page we ask for: the documented maximum. */
#define ONB_BLYNK_PAGE_SIZE       100
/* Bounds against hostile answers. */
#define ONB_BLYNK_MAX_TOTAL       100000   /* totalElements */
#define ONB_BLYNK_MAX_STRING      4096     /* bytes in any string we keep */
#define ONB_BLYNK_MAX_METAFIELDS  1000     /* entries in a metafield list */
#define ONB_BLYNK_MAX_TEMPLATE_IDS 100     /* TMPL codes in one template entry */

/* The error every decoder returns. @what names the answer ("the device
 * list"), @problem what is wrong with it. */
GError      *onb_blynk_bad_response              (const char   *what,
                                                  const char   *problem_format,
                                                  ...) G_GNUC_PRINTF (2, 3);

/* A member of @object of @type. Absent or JSON null: FALSE without an
 * error when !@required. Present with another type: an error. */
gboolean     onb_blynk_json_member               (json_object  *object,
                                                  const char   *name,
                                                  json_type     type,
                                                  gboolean      required,
                                                  json_object **out,
                                                  const char   *what,
                                                  GError      **error);
/* An integer member within [@min, @max]; *@out untouched when absent. */
gboolean     onb_blynk_json_int                  (json_object  *object,
                                                  const char   *name,
                                                  gboolean      required,
                                                  gint64        min,
                                                  gint64        max,
                                                  gint64       *out,
                                                  const char   *what,
                                                  GError      **error);
/* A string member of at most ONB_BLYNK_MAX_STRING bytes. (transfer none) */
gboolean     onb_blynk_json_string               (json_object  *object,
                                                  const char   *name,
                                                  gboolean      required,
                                                  const char  **out,
                                                  const char   *what,
                                                  GError      **error);

/* `{"content": [...], "totalElements": N}`: @out_content (transfer none)
 * holds at most @max_items entries. */
gboolean     onb_blynk_decode_page               (json_object  *json,
                                                  guint         max_items,
                                                  json_object **out_content,
                                                  gint64       *out_total,
                                                  const char   *what,
                                                  GError      **error);

/* One entry of the template list: its numeric `id` and `templateIds`
 * (TMPL codes). (transfer full) */
gboolean     onb_blynk_decode_template           (json_object  *json,
                                                  gint64       *out_id,
                                                  GStrv        *out_codes,
                                                  GError      **error);

/* The template's metafield list (a bare array of {id, name, type, ...}) as
 * name → gint64* id. (transfer full) */
GHashTable  *onb_blynk_decode_template_metafields (json_object *json,
                                                  GError      **error);

/* The OAuth2 token answer. @out_token (transfer full) is a secret. */
gboolean     onb_blynk_decode_token_answer       (json_object  *json,
                                                  char        **out_token,
                                                  gint64       *out_expires_in,
                                                  GError      **error);

/* An error answer: Blynk's {"error": {"message"}} or OAuth2's {"error",
 * "error_description"}. Each out value is NULL when the body does not
 * carry it in the right type; a message is cut to a readable length.
 * Never fails. (transfer full) */
void         onb_blynk_decode_error_body         (json_object  *json,
                                                  char        **out_message,
                                                  char        **out_oauth_error);

/* TRUE when a redirect from @configured_host may go to @host: the same
 * host, or both names in the same registrable domain ("blynk.cloud" for
 * fra1.blynk.cloud and ny3.blynk.cloud; "example.co.uk" under a
 * two-letter country code). Address literals only match themselves. */
gboolean     onb_blynk_same_site                 (const char   *configured_host,
                                                  const char   *host);

G_END_DECLS
