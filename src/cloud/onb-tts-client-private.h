/* onb-tts-client-private.h: the decoders of The Things Stack's answers,
 * for the fuzz targets and the tests */
#pragma once

#include "onb-http-response.h"
#include "onb-tts-client.h"

G_BEGIN_DECLS

/* A non-2xx answer as a worded error; any body shape is fine. */
GError      *onb_tts_client_decode_error    (OnbTtsClient     *self,
                                             OnbTtsComponent   component,
                                             const char       *device_id,
                                             OnbHttpResponse  *response);
/* A 2xx answer's JSON object (transfer full), or a bad-response error. */
json_object *onb_tts_client_decode_answer   (OnbHttpResponse  *response,
                                             GError          **error);
/* (element-type OnbTtsFrequencyPlan) (transfer full) */
GPtrArray   *onb_tts_decode_frequency_plans (json_object      *json,
                                             GError          **error);

G_END_DECLS
