/* onb-tts-client-private.h: what the TTS client's files share
 *
 *   onb-tts-client.c       the object, one call, provisioning's operations
 *   onb-tts-end-device.c   the bodies sent for a device and the comparison
 *                          of a read-back with them
 *   onb-tts-decode.c       answers → checked values and worded errors (also
 *                          for the fuzz targets and the tests)
 *   onb-tts-check.c        what `check` and the setup page ask
 */
#pragma once

#include "onb-http-response.h"
#include "onb-tts-client.h"

G_BEGIN_DECLS

struct _OnbTtsClient
{
  GObject        parent_instance;

  OnbHttpClient *http;
  char          *server_url[4];     /* by OnbTtsComponent, no trailing "/" */
  char          *server_address[4]; /* host[:port], as device records want */
  char          *application_id;
  char          *api_key;
  char          *frequency_plan;
  char          *lorawan_version;
  char          *phy_version;
  gboolean       class_b;
  gboolean       class_c;
  gboolean       blynk_creates;     /* [tts] created_by = blynk */
  guint          blynk_wait_s;
};

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

/* A GET of @url (transfer full) with the API key: the answer's JSON object
 * or a decoded error. (transfer full) */
void         onb_tts_client_read_async      (OnbTtsClient        *self,
                                             char                *url,
                                             gpointer             source_tag,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
json_object *onb_tts_client_read_finish     (OnbTtsClient        *self,
                                             GAsyncResult        *result,
                                             GError             **error);
/* Any request with the API key, to any address of the cluster (the Device
 * Repository, the Device Claiming Server); finished, like a read, with
 * onb_tts_client_read_finish(). Errors are worded as the Identity
 * Server's: callers reword the ones they know by the server's name. */
void         onb_tts_client_send_async      (OnbTtsClient        *self,
                                             OnbHttpRequest      *request,
                                             gpointer             source_tag,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);

/* A PHY version's number, its aliases alike (PHY_V1_0_3_REV_A and
 * RP001_V1_0_3_REV_A); -1 when unknown. */
int          onb_tts_phy_number             (const char          *phy);

/* Server answers may have any shape: each returns NULL for a value of
 * another type or a path that is missing. */
json_object *onb_tts_json_array_item        (json_object         *array,
                                             size_t               index);
const char  *onb_tts_json_string            (json_object         *value);
/* Walks "a.b.c" through nested objects. */
json_object *onb_tts_json_path              (json_object         *object,
                                             const char          *path);
const char  *onb_tts_json_path_string       (json_object         *object,
                                             const char          *path);
/* Server text for a worker's sentence: valid UTF-8, cut at a bound.
 * (transfer full) */
char        *onb_tts_server_text            (const char          *text);

G_END_DECLS
