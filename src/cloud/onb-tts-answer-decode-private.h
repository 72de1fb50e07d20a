/* onb-tts-answer-decode-private.h: the Device Repository's and the Device
 * Claiming Server's answers → checked values and worded errors
 *
 * Shared by onb-tts-repository.c, onb-tts-claim.c, their tests and the
 * fuzz target. Every field is type- and size-checked; an absent field is
 * its zero value, as TTS's JSON leaves zero values out (docs/tts-api.md).
 * Errors are ONB_CLOUD_ERROR_BAD_RESPONSE and name the field.
 */
#pragma once

#include <json-c/json.h>

#include "onb-config.h"
#include "onb-model.h"
#include "onb-tts-client.h"

G_BEGIN_DECLS

/* `EndDeviceTemplate` for @profile_id (only for the words).
 * (transfer full) */
OnbModelTemplate *onb_tts_decode_model_template (json_object  *answer,
                                                 const char   *profile_id,
                                                 GError      **error);
/* `GetInfoByJoinEUIResponse`: whether the Join Server of @join_eui
 * supports claiming. */
gboolean          onb_tts_decode_claim_info     (json_object  *answer,
                                                 const char   *join_eui,
                                                 gboolean     *supports_claiming,
                                                 GError      **error);
/* The `EndDeviceIdentifiers` a claim answers: TRUE when they are the
 * device asked for (NULL arguments but @application_id: any), FALSE with
 * an error naming what differs (another application: its ID,
 * ONB_TTS_CLAIM_ERROR_OTHER_APPLICATION). */
gboolean          onb_tts_decode_claimed_ids    (json_object  *ids,
                                                 const char   *application_id,
                                                 const char   *device_id,
                                                 const char   *dev_eui,
                                                 const char   *join_eui,
                                                 GError      **error);
/* `GetClaimStatusResponse`: the claim is this application's @device_id. */
gboolean          onb_tts_decode_claim_status   (json_object  *answer,
                                                 const char   *application_id,
                                                 const char   *device_id,
                                                 GError      **error);
/* [tts] @key (device_repository, claiming_server), else identity_server,
 * without a trailing "/", checked as the client checks its addresses.
 * (transfer full) */
char             *onb_tts_cluster_url           (OnbTtsClient *client,
                                                 OnbConfig    *config,
                                                 const char   *key,
                                                 GError      **error);
/* @error's server details (status, name, Retry-After) with another class
 * and sentence; in another domain than ONB_CLOUD_ERROR the sentence only.
 * (transfer full) */
GError           *onb_tts_error_reword          (const GError *error,
                                                 GQuark        domain,
                                                 int           code,
                                                 const char   *message);

G_END_DECLS
