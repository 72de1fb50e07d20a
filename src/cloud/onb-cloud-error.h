/* onb-cloud-error.h: why a request to Blynk or The Things Stack failed
 *
 * One error domain for the whole cloud layer. The nicks are the stable
 * `--json` reasons. Every error also carries, as GLib "extended error" data
 * that survives g_error_copy() and g_propagate_error(), the HTTP status, the
 * server's own error name/namespace/message and the Retry-After delay, so
 * the job engine can decide between retrying and failing without parsing
 * messages.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  /* Transient: the request may succeed later, unchanged. */
  ONB_CLOUD_ERROR_NETWORK_DOWN,       /*< nick=network-down >*/       /* no route, DNS failure */
  ONB_CLOUD_ERROR_CONNECTION_REFUSED, /*< nick=connection-refused >*/
  ONB_CLOUD_ERROR_CONNECTION_RESET,   /*< nick=connection-reset >*/   /* dropped mid-request */
  ONB_CLOUD_ERROR_TIMEOUT,            /*< nick=timeout >*/            /* connect/total timeout, 408 */
  ONB_CLOUD_ERROR_TLS,                /*< nick=tls-failed >*/         /* handshake or certificate */
  ONB_CLOUD_ERROR_SERVER_ERROR,       /*< nick=server-error >*/       /* 5xx */
  ONB_CLOUD_ERROR_RATE_LIMITED,       /*< nick=rate-limited >*/       /* 429 */

  /* Permanent: retrying the same request cannot help. */
  ONB_CLOUD_ERROR_UNAUTHORIZED,       /*< nick=unauthorized >*/       /* 401: key/secret wrong */
  ONB_CLOUD_ERROR_FORBIDDEN,          /*< nick=forbidden >*/          /* 403: missing rights */
  ONB_CLOUD_ERROR_NOT_FOUND,          /*< nick=not-found >*/          /* 404 */
  ONB_CLOUD_ERROR_ALREADY_EXISTS,     /*< nick=already-exists >*/     /* 409, same device, same app */
  ONB_CLOUD_ERROR_EUIS_TAKEN,         /*< nick=euis-taken >*/         /* 409, EUIs used elsewhere */
  ONB_CLOUD_ERROR_ID_TAKEN,           /*< nick=id-taken >*/           /* 409, ID used by other EUIs */
  ONB_CLOUD_ERROR_CONFLICT,           /*< nick=conflict >*/           /* any other 409 */
  ONB_CLOUD_ERROR_FIELD_MASK,         /*< nick=field-mask >*/         /* 400 field_mask_paths */
  ONB_CLOUD_ERROR_BAND_VERSION,       /*< nick=band-version >*/       /* 400 no_band_version */
  ONB_CLOUD_ERROR_FREQUENCY_PLAN,     /*< nick=frequency-plan >*/     /* unknown frequency plan */
  ONB_CLOUD_ERROR_INVALID_REQUEST,    /*< nick=invalid-request >*/    /* other 400/422 */
  ONB_CLOUD_ERROR_HTTP,               /*< nick=http-error >*/         /* any other 4xx or 3xx */
  ONB_CLOUD_ERROR_TOO_MANY_REDIRECTS, /*< nick=too-many-redirects >*/
  ONB_CLOUD_ERROR_BAD_RESPONSE,       /*< nick=bad-response >*/       /* 2xx we cannot understand */
  ONB_CLOUD_ERROR_INSECURE_URL,       /*< nick=insecure-url >*/       /* http:// to a remote host */
  ONB_CLOUD_ERROR_INVALID_URL,        /*< nick=invalid-url >*/
  ONB_CLOUD_ERROR_NOT_CONFIGURED,     /*< nick=not-configured >*/     /* a required setting is empty */
} OnbCloudError;

#define ONB_CLOUD_ERROR (onb_cloud_error_quark ())
GQuark       onb_cloud_error_quark                (void);

/* Creates an error of ONB_CLOUD_ERROR with its extended data filled in.
 * @http_status is 0 for transport failures, @retry_after_seconds -1 when
 * the server named no delay. The server strings may be NULL. */
GError      *onb_cloud_error_new_full             (OnbCloudError  code,
                                                   guint          http_status,
                                                   const char    *server_namespace,
                                                   const char    *server_name,
                                                   const char    *server_message,
                                                   gint64         retry_after_seconds,
                                                   const char    *message);

/* TRUE for network trouble, timeouts, 5xx, 408 and 429: keep the job queued
 * and retry later. FALSE for anything else, including errors of other
 * domains (cancellation is not transient). */
gboolean     onb_cloud_error_is_transient         (const GError  *error);

/* Seconds the server asked us to wait (Retry-After or TTS's
 * X-Rate-Limit-Retry), or -1 when it said nothing. */
gint64       onb_cloud_error_get_retry_after      (const GError  *error);

/* 0 for transport errors and errors of other domains. */
guint        onb_cloud_error_get_http_status      (const GError  *error);

/* The server's own error identity, e.g. namespace "pkg/identityserver/store"
 * and name "end_device_euis_taken" for TTS; NULL when unknown. Never
 * shown to workers as-is: the GError message is the worker's sentence. */
const char  *onb_cloud_error_get_server_namespace (const GError  *error);
const char  *onb_cloud_error_get_server_name      (const GError  *error);
const char  *onb_cloud_error_get_server_message   (const GError  *error);

G_END_DECLS
