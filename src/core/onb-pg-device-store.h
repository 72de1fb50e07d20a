/* onb-pg-device-store.h: the device list in a PostgreSQL database several stations share
 *
 * Not yet a setting: the rest of the shared store (the journal, claims,
 * live progress) is still to come. Onboarder creates and migrates its own
 * tables, versioned; an import is one transaction, and an import while
 * another one is under way (at any station) is refused with words.
 */
#pragma once

#include "onb-device-store.h"

G_BEGIN_DECLS

/* The newest schema this build knows. */
#define ONB_PG_DEVICE_STORE_SCHEMA_VERSION 2
/* The pg_advisory_xact_lock key an import holds for its transaction. */
#define ONB_PG_DEVICE_STORE_IMPORT_LOCK    1330528770

#define ONB_TYPE_PG_DEVICE_STORE (onb_pg_device_store_get_type ())
G_DECLARE_FINAL_TYPE (OnbPgDeviceStore, onb_pg_device_store, ONB, PG_DEVICE_STORE, GObject)

/* Connects to @uri (a libpq connection URI) and brings the schema up to
 * date when its role owns the database schema (the owner role); a station
 * role only uses the tables: an older schema is refused (SCHEMA_TOO_OLD),
 * as is one newer than this build knows (SCHEMA_TOO_NEW). A station role
 * needs SELECT, INSERT and UPDATE on the onb_ tables and USAGE on their
 * sequences. (transfer full) */
OnbDeviceStore *onb_pg_device_store_open (const char  *uri,
                                          GError     **error);

G_END_DECLS
