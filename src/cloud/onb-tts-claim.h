/* onb-tts-claim.h: The Things Stack's Device Claiming Server (docs/tts-api.md)
 *
 * A TR005 label's owner token claims a device whose keys stay on an
 * external Join Server, instead of writing them to the cluster's Join
 * Server: asked at [tts] claiming_server, else identity_server, with the
 * application's API key.
 *   info:    `POST /api/v3/edcs/claim/info` (asked once per JoinEUI);
 *   claim:   `POST /api/v3/edcs/claim`, before the IS record is created;
 *   status:  `GET /api/v3/edcs/claim/{app}/devices/{id}` (needs the IS
 *            record: a resumed run without one claims again, which the
 *            Join Server accepts from the same cluster);
 *   unclaim: `DELETE` on that path, before the IS record is deleted.
 * The owner token is a secret: it is never logged nor put into a message.
 */
#pragma once

#include <gio/gio.h>

#include "onb-config.h"
#include "onb-tts-client.h"

G_BEGIN_DECLS

/* The nicks are the stable reasons printed by --json. Other failures are
 * ONB_CLOUD_ERROR, as the TTS client's (transient ones: try again later). */
typedef enum
{
  ONB_TTS_CLAIM_ERROR_NOT_SUPPORTED,     /*< nick=claim-not-supported >*/     /* the JoinEUI's Join Server does not claim */
  ONB_TTS_CLAIM_ERROR_DENIED,            /*< nick=claim-denied >*/            /* wrong owner token, or claimed by another network */
  ONB_TTS_CLAIM_ERROR_UNKNOWN_DEVICE,    /*< nick=claim-unknown-device >*/    /* the Join Server does not know the DevEUI */
  ONB_TTS_CLAIM_ERROR_OTHER_APPLICATION, /*< nick=claim-other-application >*/ /* claimed into another application */
  ONB_TTS_CLAIM_ERROR_NO_DEVICE,         /*< nick=claim-no-device >*/         /* status/unclaim: no IS record to read the EUIs from */
  ONB_TTS_CLAIM_ERROR_BLYNK_CREATES,     /*< nick=claim-blynk-creates >*/     /* [tts] created_by = blynk: Blynk needs the AppKey */
} OnbTtsClaimError;

#define ONB_TTS_CLAIM_ERROR (onb_tts_claim_error_quark ())
GQuark onb_tts_claim_error_quark (void);

#define ONB_TYPE_TTS_CLAIM (onb_tts_claim_get_type ())
G_DECLARE_FINAL_TYPE (OnbTtsClaim, onb_tts_claim, ONB, TTS_CLAIM, GObject)

/* Fails like onb_tts_client_new() for a bad address. */
OnbTtsClaim  *onb_tts_claim_new               (OnbTtsClient         *client,
                                               OnbConfig            *config,
                                               GError              **error);
const char   *onb_tts_claim_get_url           (OnbTtsClaim          *self);
/* FALSE with ONB_TTS_CLAIM_ERROR_BLYNK_CREATES, in words, when this
 * station cannot claim at all ([tts] created_by = blynk). */
gboolean      onb_tts_claim_check_possible    (OnbTtsClaim          *self,
                                               GError              **error);

/* Whether the Join Server of @join_eui supports claiming; each JoinEUI is
 * asked once per object. */
void          onb_tts_claim_get_info_async    (OnbTtsClaim          *self,
                                               const char           *join_eui,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean      onb_tts_claim_get_info_finish   (OnbTtsClaim          *self,
                                               GAsyncResult         *result,
                                               gboolean             *supports_claiming,
                                               GError              **error);
/* The answer kept for @join_eui: FALSE when it was not asked yet. */
gboolean      onb_tts_claim_lookup_info       (OnbTtsClaim          *self,
                                               const char           *join_eui,
                                               gboolean             *supports_claiming);

/* Claims the device into this application as @device_id. Claiming a
 * device this cluster already claimed succeeds again (then the IS create
 * adopts it, or fails with ONB_CLOUD_ERROR_EUIS_TAKEN naming the
 * application that holds it). */
void          onb_tts_claim_claim_async       (OnbTtsClaim          *self,
                                               const char           *dev_eui,
                                               const char           *join_eui,
                                               const char           *owner_token,
                                               const char           *device_id,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean      onb_tts_claim_claim_finish      (OnbTtsClaim          *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* Whether this application's device @device_id (its IS record names the
 * EUIs) is claimed: FALSE without an error when it is not. */
void          onb_tts_claim_get_status_async  (OnbTtsClaim          *self,
                                               const char           *device_id,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean      onb_tts_claim_get_status_finish (OnbTtsClaim          *self,
                                               GAsyncResult         *result,
                                               gboolean             *claimed,
                                               GError              **error);

/* Unclaims @device_id; not claimed counts as done. */
void          onb_tts_claim_unclaim_async     (OnbTtsClaim          *self,
                                               const char           *device_id,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean      onb_tts_claim_unclaim_finish    (OnbTtsClaim          *self,
                                               GAsyncResult         *result,
                                               GError              **error);

G_END_DECLS
