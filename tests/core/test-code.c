/* test-code.c: the label-code parser, table-driven */

#include "config.h"

#include <string.h>

#include "onb-code.h"
#include "onb-error.h"

typedef struct
{
  const char *payload;
  OnbCodeKind kind;       /* what onb_code_classify() says */
  const char *reason;     /* NULL when accepted */
  const char *join_eui;
  const char *dev_eui;
  const char *profile_id;
  const char *serial;
  gboolean checksum_verified;
} Vector;

#define SPEC "LW:D0:1122334455667788:AABBCCDDEEFF0011:AABB1122:OAABBCCDDEEFF:SYYWWNNNNNN:PFOOBAR"
#define TOKEN "sqr_GFshG0g3fh85hW0xUxPPCRsxu176w33v"

static const Vector vectors[] = {
  /* The TR005 spec's own example, checksum included. */
  { SPEC ":CAF2C", ONB_CODE_KIND_TR005, NULL, "1122334455667788", "AABBCCDDEEFF0011", "AABB1122", "YYWWNNNNNN", TRUE },
  { SPEC ":Caf2c", ONB_CODE_KIND_TR005, NULL, "1122334455667788", "AABBCCDDEEFF0011", "AABB1122", "YYWWNNNNNN", TRUE },
  /* Tags are upper case: ":c…" is an unknown extension and is ignored. */
  { SPEC ":caf2d", ONB_CODE_KIND_TR005, NULL, "1122334455667788", "AABBCCDDEEFF0011", "AABB1122", "YYWWNNNNNN", FALSE },
  { SPEC ":CAF2D", ONB_CODE_KIND_TR005, "bad-checksum" },
  { SPEC ":CAF2", ONB_CODE_KIND_TR005, "bad-checksum" },
  { SPEC ":CZZZZ", ONB_CODE_KIND_TR005, "bad-checksum" },
  /* The checksum covers the text as printed: changing any character breaks it. */
  { "LW:D0:1122334455667788:AABBCCDDEEFF0012:AABB1122:OAABBCCDDEEFF:SYYWWNNNNNN:PFOOBAR:CAF2C",
    ONB_CODE_KIND_TR005, "bad-checksum" },
  /* No checksum: accepted, not verified. */
  { SPEC, ONB_CODE_KIND_TR005, NULL, "1122334455667788", "AABBCCDDEEFF0011", "AABB1122", "YYWWNNNNNN", FALSE },
  { "LW:D0:1122334455667788:AABBCCDDEEFF0011:AABB1122", ONB_CODE_KIND_TR005, NULL,
    "1122334455667788", "AABBCCDDEEFF0011", "AABB1122", NULL, FALSE },
  /* Hex in any case is normalised to upper case. */
  { "LW:D0:70b3d57ed0000010:0018b20000000101:000af8be", ONB_CODE_KIND_TR005, NULL,
    "70B3D57ED0000010", "0018B20000000101", "000AF8BE", NULL, FALSE },
  /* Surrounding whitespace and CR/LF from scanners. */
  { "  LW:D0:1122334455667788:AABBCCDDEEFF0011:AABB1122\r\n", ONB_CODE_KIND_TR005, NULL,
    "1122334455667788", "AABBCCDDEEFF0011", "AABB1122", NULL, FALSE },
  /* Empty and unknown extensions are ignored. */
  { "LW:D0:1122334455667788:AABBCCDDEEFF0011:AABB1122:O::X123:S42:", ONB_CODE_KIND_TR005, NULL,
    "1122334455667788", "AABBCCDDEEFF0011", "AABB1122", "42", FALSE },
  /* An all-zero JoinEUI is legal, an all-zero DevEUI is not. */
  { "LW:D0:0000000000000000:AABBCCDDEEFF0011:AABB1122", ONB_CODE_KIND_TR005, NULL,
    "0000000000000000", "AABBCCDDEEFF0011", "AABB1122", NULL, FALSE },
  { "LW:D0:1122334455667788:0000000000000000:AABB1122", ONB_CODE_KIND_TR005, "bad-dev-eui" },
  /* Each field malformed in turn. */
  { "LW:D0:11223344556677:AABBCCDDEEFF0011:AABB1122", ONB_CODE_KIND_TR005, "bad-join-eui" },
  { "LW:D0:112233445566778G:AABBCCDDEEFF0011:AABB1122", ONB_CODE_KIND_TR005, "bad-join-eui" },
  { "LW:D0:", ONB_CODE_KIND_TR005, "bad-join-eui" },
  { "LW:D0:1122334455667788:AABBCCDDEEFF001:AABB1122", ONB_CODE_KIND_TR005, "bad-dev-eui" },
  { "LW:D0:1122334455667788", ONB_CODE_KIND_TR005, "bad-dev-eui" },
  { "LW:D0:1122334455667788:AABBCCDDEEFF0011:AABB112", ONB_CODE_KIND_TR005, "bad-profile-id" },
  { "LW:D0:1122334455667788:AABBCCDDEEFF0011:AABB11223", ONB_CODE_KIND_TR005, "bad-profile-id" },
  { "LW:D0:1122334455667788:AABBCCDDEEFF0011", ONB_CODE_KIND_TR005, "bad-profile-id" },
  /* LW and D0 are case-sensitive. */
  { "lw:d0:1122334455667788:AABBCCDDEEFF0011:AABB1122", ONB_CODE_KIND_UNKNOWN, "not-a-device-label" },
  { "LW:D1:1122334455667788:AABBCCDDEEFF0011:AABB1122", ONB_CODE_KIND_UNKNOWN, "not-a-device-label" },
  /* Older drafts still printed on labels. */
  { "URN:DEV:LW:70B3D57ED0000010_0018B20000000103_000AF8BE_S2611A0003", ONB_CODE_KIND_TR005_DRAFT3, NULL,
    "70B3D57ED0000010", "0018B20000000103", "000AF8BE", "2611A0003", FALSE },
  { "urn:dev:lw:70b3d57ed0000010_0018b20000000103_000af8be", ONB_CODE_KIND_TR005_DRAFT3, NULL,
    "70B3D57ED0000010", "0018B20000000103", "000AF8BE", NULL, FALSE },
  { "URN:DEV:LW:70B3D57ED0000010_0018B2000000010_000AF8BE", ONB_CODE_KIND_TR005_DRAFT3, "bad-dev-eui" },
  { "URN:LW:DP:70B3D57ED0000010:0018B20000000104:000AF8BE:%S2611A0004", ONB_CODE_KIND_TR005_DRAFT2, NULL,
    "70B3D57ED0000010", "0018B20000000104", "000AF8BE", "2611A0004", FALSE },
  { "URN:LW:DP:70B3D57ED0000010:0018B20000000104:000AF8B", ONB_CODE_KIND_TR005_DRAFT2, "bad-profile-id" },
  /* Bare DevEUI labels. */
  { "0018B20000000105", ONB_CODE_KIND_DEV_EUI, NULL, NULL, "0018B20000000105", NULL, NULL, FALSE },
  { "0018b20000000105\n", ONB_CODE_KIND_DEV_EUI, NULL, NULL, "0018B20000000105", NULL, NULL, FALSE },
  { "0000000000000000", ONB_CODE_KIND_DEV_EUI, "bad-dev-eui" },
  { "0018B2000000010", ONB_CODE_KIND_UNKNOWN, "not-a-device-label" },
  { "0018B200000001055", ONB_CODE_KIND_UNKNOWN, "not-a-device-label" },
  /* Blynk static tokens, with and without the organization. */
  { TOKEN, ONB_CODE_KIND_BLYNK_STATIC_TOKEN, NULL },
  { TOKEN "+4711", ONB_CODE_KIND_BLYNK_STATIC_TOKEN, NULL },
  { TOKEN "+", ONB_CODE_KIND_BLYNK_STATIC_TOKEN, "malformed-token" },
  { TOKEN "+47a1", ONB_CODE_KIND_BLYNK_STATIC_TOKEN, "malformed-token" },
  { TOKEN "x", ONB_CODE_KIND_BLYNK_STATIC_TOKEN, "malformed-token" },
  { "sqr_GFshG0g3fh85hW0xUxPPCRsxu176w33", ONB_CODE_KIND_BLYNK_STATIC_TOKEN, "malformed-token" },
  { "sqr_GFshG0g3fh85hW0xUxPP!Rsxu176w33v", ONB_CODE_KIND_BLYNK_STATIC_TOKEN, "malformed-token" },
  { "sqr_", ONB_CODE_KIND_BLYNK_STATIC_TOKEN, "malformed-token" },
  /* Legacy Blynk 0.x auth tokens and clone codes are not labels. */
  { "GFshG0g3fh85hW0xUxPPCRsxu176w33v", ONB_CODE_KIND_UNKNOWN, "legacy-blynk-code" },
  /* URLs and other things people point the camera at. */
  { "https://example.com/product/42", ONB_CODE_KIND_UNKNOWN, "not-a-device-label" },
  { "WIFI:S:warehouse;T:WPA;P:secret;;", ONB_CODE_KIND_UNKNOWN, "not-a-device-label" },
  { "hello", ONB_CODE_KIND_UNKNOWN, "not-a-device-label" },
  { "", ONB_CODE_KIND_UNKNOWN, "empty" },
  { " \r\n\t ", ONB_CODE_KIND_UNKNOWN, "empty" },
  { "LW:D0:\x01\x02", ONB_CODE_KIND_UNKNOWN, "not-text" },
  { "\xff\xfe\xfd", ONB_CODE_KIND_UNKNOWN, "not-text" },
};

static void
test_vectors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      const Vector *v = &vectors[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(OnbCode) code = onb_code_parse (v->payload, -1, &error);

      g_test_message ("vector %u: %s", i, v->payload);
      g_assert_cmpint (onb_code_classify (v->payload, -1), ==, v->kind);

      if (v->reason != NULL)
        {
          g_assert_null (code);
          g_assert_error (error, ONB_CODE_ERROR, error->code);
          g_assert_cmpstr (onb_error_get_reason (error), ==, v->reason);
          g_assert_cmpuint (strlen (error->message), >, 20);
          continue;
        }

      g_assert_no_error (error);
      g_assert_nonnull (code);
      g_assert_cmpint (onb_code_get_kind (code), ==, v->kind);
      g_assert_cmpstr (onb_code_get_join_eui (code), ==, v->join_eui);
      g_assert_cmpstr (onb_code_get_dev_eui (code), ==, v->dev_eui);
      g_assert_cmpstr (onb_code_get_profile_id (code), ==, v->profile_id);
      g_assert_cmpstr (onb_code_get_serial_number (code), ==, v->serial);
      g_assert_cmpint (onb_code_get_checksum_verified (code), ==, v->checksum_verified);
    }
}

static void
test_spec_example_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbCode) code = onb_code_parse (SPEC ":CAF2C", -1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (onb_code_get_vendor_id (code), ==, "AABB");
  g_assert_cmpstr (onb_code_get_vendor_profile_id (code), ==, "1122");
  g_assert_cmpstr (onb_code_get_owner_token (code), ==, "AABBCCDDEEFF");
  g_assert_cmpstr (onb_code_get_proprietary (code), ==, "FOOBAR");
  g_assert_cmpstr (onb_code_get_checksum (code), ==, "AF2C");
  g_assert_cmpstr (onb_code_get_payload (code), ==, SPEC ":CAF2C");
}

static void
test_crc (void)
{
  g_assert_cmphex (onb_crc16_modbus ((const guint8 *) "123456789", 9), ==, 0x4B37);
  g_assert_cmphex (onb_crc16_modbus ((const guint8 *) SPEC, strlen (SPEC)), ==, 0xAF2C);
  g_assert_cmphex (onb_crc16_modbus (NULL, 0), ==, 0xFFFF);
}

static void
test_static_token_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbCode) plain = onb_code_parse (TOKEN, -1, &error);
  g_autoptr(OnbCode) with_org = onb_code_parse (TOKEN "+4711\n", -1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (onb_code_get_static_token (plain), ==, TOKEN);
  g_assert_null (onb_code_get_org_id (plain));
  g_assert_cmpstr (onb_code_get_static_token (with_org), ==, TOKEN);
  g_assert_cmpstr (onb_code_get_org_id (with_org), ==, "4711");
  g_assert_null (onb_code_get_dev_eui (with_org));
}

static void
test_profile_check (void)
{
  gboolean succeeded;
  const char *accepted[] = { "000AF8BE", "000A0002", NULL };
  const char *none[] = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbCode) ok = onb_code_parse ("LW:D0:70B3D57ED0000010:0018B20000000101:000af8be", -1, NULL);
  g_autoptr(OnbCode) other = onb_code_parse ("LW:D0:70B3D57ED0000010:0018B20000000106:000A0001", -1, NULL);
  g_autoptr(OnbCode) token = onb_code_parse (TOKEN, -1, NULL);

  succeeded = onb_code_check_profile (ok, accepted, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  succeeded = onb_code_check_profile (other, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  succeeded = onb_code_check_profile (other, none, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  succeeded = onb_code_check_profile (token, accepted, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);

  g_assert_false (onb_code_check_profile (other, accepted, &error));
  g_assert_error (error, ONB_CODE_ERROR, ONB_CODE_ERROR_PROFILE_MISMATCH);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "profile-mismatch");
  g_assert_nonnull (strstr (error->message, "000A:0001"));
  g_assert_nonnull (strstr (error->message, "000A:F8BE"));
}

static void
test_binary_and_huge (void)
{
  static const char with_nul[] = "LW:D0:1122334455667788\0:AABBCCDDEEFF0011:AABB1122";
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_malloc (1024 * 1024 + 1);
  OnbCode *code;

  code = onb_code_parse (with_nul, sizeof with_nul - 1, &error);
  g_assert_null (code);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "not-text");
  g_clear_error (&error);

  memset (huge, 'A', 1024 * 1024);
  huge[1024 * 1024] = '\0';
  memcpy (huge, "LW:D0:", 6);
  code = onb_code_parse (huge, -1, &error);
  g_assert_null (code);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "too-long");
  g_clear_error (&error);

  /* Every prefix of a valid code is handled without crashing. */
  for (gsize len = 0; len <= strlen (SPEC ":CAF2C"); len++)
    {
      code = onb_code_parse (SPEC ":CAF2C", len, &error);
      g_clear_pointer (&code, onb_code_unref);
      g_clear_error (&error);
    }
}

static void
test_ref_counting (void)
{
  OnbCode *code = onb_code_parse ("0018B20000000105", -1, NULL);
  GValue value = G_VALUE_INIT;

  g_value_init (&value, ONB_TYPE_CODE);
  g_value_set_boxed (&value, code);
  onb_code_unref (code);
  g_assert_cmpstr (onb_code_get_dev_eui (g_value_get_boxed (&value)), ==, "0018B20000000105");
  g_value_unset (&value);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/code/vectors", test_vectors);
  g_test_add_func ("/code/spec-example", test_spec_example_fields);
  g_test_add_func ("/code/crc16-modbus", test_crc);
  g_test_add_func ("/code/static-token", test_static_token_fields);
  g_test_add_func ("/code/profile-check", test_profile_check);
  g_test_add_func ("/code/binary-and-huge", test_binary_and_huge);
  g_test_add_func ("/code/ref-counting", test_ref_counting);

  return g_test_run ();
}
