/* onb-http-response-private.h: how the HTTP client builds a response */
#pragma once

#include "onb-http-response.h"

G_BEGIN_DECLS

/* Takes ownership of @headers (lower-case name → value) and @body. */
OnbHttpResponse *onb_http_response_new (guint       status,
                                        guint       http_version,
                                        GHashTable *headers,
                                        GBytes     *body,
                                        gint64      elapsed_us);

/* Seconds to wait from a Retry-After value (delta-seconds or HTTP date,
 * relative to @now_unix), or -1 when unparsable. */
gint64           onb_http_parse_retry_after (const char *value,
                                             gint64      now_unix);

G_END_DECLS
