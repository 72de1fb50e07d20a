/* onb-store.h: where a station keeps its device list and jobs (docs/design.md, The device list)
 *
 * What the configuration's [store] group says: without a url, each
 * station keeps its own SQLite files in its data folder; with one, the
 * stations of a site share one PostgreSQL database.
 */
#pragma once

#include "onb-config.h"

G_BEGIN_DECLS

/* The claim lease when [store] lease_s is not set, in seconds. */
#define ONB_STORE_DEFAULT_LEASE_S 30

/* [store] url, or NULL: this station keeps its own files. The URI may
 * hold a password: never show or log it. (transfer full) */
char   *onb_store_get_url     (OnbConfig *config);
/* [store] station, else this computer's host name. (transfer full) */
char   *onb_store_get_station (OnbConfig *config);
/* [store] lease_s, else ONB_STORE_DEFAULT_LEASE_S. */
guint   onb_store_get_lease_s (OnbConfig *config);

G_END_DECLS
