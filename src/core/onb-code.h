/* onb-code.h: what a device label says (docs/design.md, Labels)
 *
 * A decoded QR payload is classified into one of the label kinds and, when
 * it is a code Onboarder can act on, returned as an immutable, ref-counted
 * OnbCode with every field normalised (upper-case hex, trimmed).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  ONB_CODE_KIND_UNKNOWN,            /*< nick=unknown >*/
  ONB_CODE_KIND_TR005,              /*< nick=tr005 >*/
  ONB_CODE_KIND_TR005_DRAFT3,       /*< nick=tr005-draft3 >*/
  ONB_CODE_KIND_TR005_DRAFT2,       /*< nick=tr005-draft2 >*/
  ONB_CODE_KIND_DEV_EUI,            /*< nick=dev-eui >*/
  ONB_CODE_KIND_BLYNK_STATIC_TOKEN, /*< nick=blynk-static-token >*/
} OnbCodeKind;

/* The nicks are the stable reasons printed by --json. */
typedef enum
{
  ONB_CODE_ERROR_EMPTY,              /*< nick=empty >*/
  ONB_CODE_ERROR_NOT_TEXT,           /*< nick=not-text >*/
  ONB_CODE_ERROR_TOO_LONG,           /*< nick=too-long >*/
  ONB_CODE_ERROR_NOT_A_DEVICE_LABEL, /*< nick=not-a-device-label >*/
  ONB_CODE_ERROR_LEGACY_BLYNK_CODE,  /*< nick=legacy-blynk-code >*/
  ONB_CODE_ERROR_BAD_JOIN_EUI,       /*< nick=bad-join-eui >*/
  ONB_CODE_ERROR_BAD_DEV_EUI,        /*< nick=bad-dev-eui >*/
  ONB_CODE_ERROR_BAD_PROFILE_ID,     /*< nick=bad-profile-id >*/
  ONB_CODE_ERROR_BAD_CHECKSUM,       /*< nick=bad-checksum >*/
  ONB_CODE_ERROR_PROFILE_MISMATCH,   /*< nick=profile-mismatch >*/
  ONB_CODE_ERROR_MALFORMED_TOKEN,    /*< nick=malformed-token >*/
} OnbCodeError;

#define ONB_CODE_ERROR (onb_code_error_quark ())
GQuark onb_code_error_quark (void);

/* Longest payload worth looking at; real labels are well under 200 bytes. */
#define ONB_CODE_MAX_LENGTH 512

#define ONB_TYPE_CODE (onb_code_get_type ())
typedef struct _OnbCode OnbCode;

GType        onb_code_get_type              (void) G_GNUC_CONST;
OnbCodeKind  onb_code_classify              (const char          *data,
                                             gssize               length);
OnbCode     *onb_code_parse                 (const char          *data,
                                             gssize               length,
                                             GError             **error);
OnbCode     *onb_code_ref                   (OnbCode             *self);
void         onb_code_unref                 (OnbCode             *self);
OnbCodeKind  onb_code_get_kind              (const OnbCode       *self);
const char  *onb_code_get_payload           (const OnbCode       *self);
const char  *onb_code_get_join_eui          (const OnbCode       *self);
const char  *onb_code_get_dev_eui           (const OnbCode       *self);
const char  *onb_code_get_profile_id        (const OnbCode       *self);
const char  *onb_code_get_vendor_id         (const OnbCode       *self);
const char  *onb_code_get_vendor_profile_id (const OnbCode       *self);
const char  *onb_code_get_owner_token       (const OnbCode       *self);
const char  *onb_code_get_serial_number     (const OnbCode       *self);
const char  *onb_code_get_proprietary       (const OnbCode       *self);
const char  *onb_code_get_checksum          (const OnbCode       *self);
gboolean     onb_code_get_checksum_verified (const OnbCode       *self);
const char  *onb_code_get_static_token      (const OnbCode       *self);
const char  *onb_code_get_org_id            (const OnbCode       *self);
gboolean     onb_code_check_profile         (const OnbCode       *self,
                                             const char * const  *accepted,
                                             GError             **error);

const char  *onb_code_kind_to_string        (OnbCodeKind          kind);
gboolean     onb_profile_id_check           (const char          *profile_id,
                                             const char * const  *accepted,
                                             GError             **error);
char        *onb_profile_id_normalize       (const char          *text,
                                             GError             **error);
gboolean     onb_hex_is_valid               (const char          *text,
                                             gsize                digits);
guint16      onb_crc16_modbus               (const guint8        *data,
                                             gsize                length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbCode, onb_code_unref)

G_END_DECLS
