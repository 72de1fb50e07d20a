/* onb-pg-device-store.h: the device list in a PostgreSQL database several stations share
 *
 * [store] url. Onboarder creates and migrates its own tables, versioned
 * (onb-pg.h); an import is one transaction, and an import while another
 * one is under way (at any station) is refused with words.
 */
#pragma once

#include "onb-device-store.h"

G_BEGIN_DECLS

/* The pg_advisory_xact_lock key an import holds for its transaction. */
#define ONB_PG_DEVICE_STORE_IMPORT_LOCK    1330528770

#define ONB_TYPE_PG_DEVICE_STORE (onb_pg_device_store_get_type ())
G_DECLARE_FINAL_TYPE (OnbPgDeviceStore, onb_pg_device_store, ONB, PG_DEVICE_STORE, GObject)

/* Connects to @uri (a libpq connection URI) as onb_pg_connect() does,
 * bringing the schema up to date when its role may. (transfer full) */
OnbDeviceStore *onb_pg_device_store_open (const char  *uri,
                                          GError     **error);
/* The list of a station that starts while the database is out of reach
 * (onb_pg_out_of_reach()): not connected; its calls fail until a new
 * connection (the schema checked) is made at one of them. (transfer
 * full) */
OnbDeviceStore *onb_pg_device_store_open_alone (const char *uri);

/* Every device of the list with its keys, for a station's own copy
 * (GPtrArray of OnbImportRow). (transfer full) */
GPtrArray      *onb_pg_device_store_list_devices (OnbPgDeviceStore  *self,
                                                  GError           **error);

G_END_DECLS
