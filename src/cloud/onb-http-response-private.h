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

/* Adds one raw header line ("Name: value\r\n", any bytes) to @headers
 * (lower-case name → trimmed value); a status line clears them. */
void             onb_http_headers_add_line (GHashTable *headers,
                                            const char *line,
                                            gsize       length);

/* Seconds to wait from a Retry-After value (delta-seconds or HTTP date,
 * relative to @now_unix), or -1 when unparsable. */
gint64           onb_http_parse_retry_after (const char *value,
                                             gint64      now_unix);

G_END_DECLS
