/* onb-tts-repository.h: The Things Stack's Device Repository (docs/tts-api.md)
 *
 * What a device model is, by the Profile ID on its label:
 * `GET /api/v3/dr/vendors/{vendor_id}/profiles/{vendor_profile_id}/template`
 * (both decimal: 000AF8BE is vendor 10, profile 63678), asked at [tts]
 * device_repository, else identity_server, with the application's API
 * key (any valid key may ask). Each Profile ID is asked once: the answer
 * is kept (in the registry, when one is given, for every later run and
 * every station of a shared device list) and given again.
 */
#pragma once

#include <gio/gio.h>

#include "onb-config.h"
#include "onb-model.h"
#include "onb-registry.h"
#include "onb-tts-client.h"

G_BEGIN_DECLS

#define ONB_TYPE_TTS_REPOSITORY (onb_tts_repository_get_type ())
G_DECLARE_FINAL_TYPE (OnbTtsRepository, onb_tts_repository, ONB, TTS_REPOSITORY, GObject)

/* @registry: (nullable): where answers are kept across runs and stations.
 * Fails like onb_tts_client_new() for a bad address. */
OnbTtsRepository *onb_tts_repository_new                 (OnbTtsClient         *client,
                                                          OnbConfig            *config,
                                                          OnbRegistry          *registry,
                                                          GError              **error);
const char       *onb_tts_repository_get_url             (OnbTtsRepository     *self);
/* The model of @profile_id (8 hex digits). ONB_CLOUD_ERROR_NOT_FOUND, in
 * words, when the repository does not know it (give NULL to
 * onb_model_resolve() then); other errors as the TTS client's (transient
 * ones: ask again later). (transfer full) */
void              onb_tts_repository_get_template_async  (OnbTtsRepository     *self,
                                                          const char           *profile_id,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
OnbModelTemplate *onb_tts_repository_get_template_finish (OnbTtsRepository     *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);
/* What is known of @profile_id without a request: TRUE with @answer set
 * to the kept answer, or left NULL when the repository said it does not
 * know the Profile ID (this process asked); FALSE when it must be asked. */
gboolean          onb_tts_repository_lookup_kept         (OnbTtsRepository     *self,
                                                          const char           *profile_id,
                                                          OnbModelTemplate    **answer);

G_END_DECLS
