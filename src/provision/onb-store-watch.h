/* onb-store-watch.h: what the kiosk hears of the other stations (docs/design.md, Claims)
 *
 * With a shared store ([store] url), a commit that changes jobs notifies
 * the other stations (PostgreSQL LISTEN/NOTIFY). The watch turns that
 * hint into "changed", upon which a view reads again what it shows (Still
 * to Scan, the shift panel, the batch progress): the hint carries nothing
 * itself, and one sent while the watch was cut off is lost, so after
 * every (re)connection "changed" is emitted too. "list-changed" comes
 * first when an import changed the device list (and after every
 * (re)connection): the batches are read again. "n-stations" counts the
 * stations whose lease holds, this one included; "working-alone" is TRUE
 * while the database cannot be reached. Without a shared store nothing
 * is emitted: one station, never alone.
 */
#pragma once

#include <gio/gio.h>

#include "onb-config.h"

G_BEGIN_DECLS

#define ONB_TYPE_STORE_WATCH (onb_store_watch_get_type ())
G_DECLARE_FINAL_TYPE (OnbStoreWatch, onb_store_watch, ONB, STORE_WATCH, GObject)

/* Starts watching the store @config names, on the thread-default main
 * context. (transfer full) */
OnbStoreWatch *onb_store_watch_new              (OnbConfig     *config);
guint          onb_store_watch_get_n_stations   (OnbStoreWatch *self);
gboolean       onb_store_watch_get_working_alone (OnbStoreWatch *self);

G_END_DECLS
