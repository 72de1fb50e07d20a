/* onb-registry.h: the manufacturer's device list (docs/design.md, The device list)
 *
 * A TR005 code carries no AppKey and a static token carries no EUI, so each
 * scanned code is resolved to one row of this registry, imported from the
 * manufacturer's CSV into SQLite. Imports are all-or-nothing.
 *
 * Lookups are indexed point reads (microseconds) and are fine on the main
 * thread; imports belong on a worker thread in the kiosk.
 */
#pragma once

#include <glib-object.h>

#include "onb-batch.h"
#include "onb-code.h"
#include "onb-config.h"
#include "onb-file.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_REGISTRY_ERROR_UNKNOWN_DEVICE,    /*< nick=unknown-device >*/
  ONB_REGISTRY_ERROR_JOIN_EUI_MISMATCH, /*< nick=join-eui-mismatch >*/
  ONB_REGISTRY_ERROR_INVALID_FILE,      /*< nick=import-invalid >*/   /* see the report */
  ONB_REGISTRY_ERROR_CONFLICT,          /*< nick=import-conflict >*/  /* rows differ from stored ones */
  ONB_REGISTRY_ERROR_DATABASE,          /*< nick=registry-database >*/
  ONB_REGISTRY_ERROR_MISSING_NWK_KEY,   /*< nick=missing-network-key >*/ /* LoRaWAN 1.1 row without one */
  ONB_REGISTRY_ERROR_NOT_A_FILE,        /*< nick=not-a-file >*/      /* a folder, device, FIFO or socket */
  ONB_REGISTRY_ERROR_FILE_TOO_LARGE,    /*< nick=file-too-large >*/  /* over ONB_REGISTRY_MAX_FILE_SIZE */
  ONB_REGISTRY_ERROR_FILE_UNREADABLE,   /*< nick=file-unreadable >*/
  ONB_REGISTRY_ERROR_NO_BATCH,          /*< nick=no-batch >*/        /* nothing imported yet */
  ONB_REGISTRY_ERROR_UNKNOWN_BATCH,     /*< nick=unknown-batch >*/
  ONB_REGISTRY_ERROR_DISK_FULL,         /*< nick=disk-full >*/
  ONB_REGISTRY_ERROR_DATA_READ_ONLY,    /*< nick=data-read-only >*/
  ONB_REGISTRY_ERROR_IMPORT_BUSY,       /*< nick=import-busy >*/     /* another import holds the shared list */
  ONB_REGISTRY_ERROR_SCHEMA_TOO_NEW,    /*< nick=schema-too-new >*/  /* set up by a newer Onboarder */
  ONB_REGISTRY_ERROR_SCHEMA_TOO_OLD,    /*< nick=schema-too-old >*/  /* older, and this role may not migrate */
  ONB_REGISTRY_ERROR_NO_APP_KEY,        /*< nick=no-app-key >*/      /* a row without AppKey, and no claim */
} OnbRegistryError;

/* The largest device list a file import reads (64 MB: about 300,000 rows). */
#define ONB_REGISTRY_MAX_FILE_SIZE (64u * 1024u * 1024u)
/* The longest Device Name or metafield value: Blynk's limit for names. */
#define ONB_REGISTRY_MAX_TEXT_CHARS 255u

#define ONB_REGISTRY_ERROR (onb_registry_error_quark ())
GQuark onb_registry_error_quark (void);

typedef enum
{
  ONB_REGISTRY_IMPORT_NONE    = 0,
  ONB_REGISTRY_IMPORT_REPLACE = 1 << 0, /* a stored row with other values is overwritten */
} OnbRegistryImportFlags;

/* One device of the list. Immutable, ref-counted. The AppKey and NwkKey are
 * secrets. */
#define ONB_TYPE_REGISTRY_ENTRY (onb_registry_entry_get_type ())
typedef struct _OnbRegistryEntry OnbRegistryEntry;

GType              onb_registry_entry_get_type         (void) G_GNUC_CONST;
OnbRegistryEntry  *onb_registry_entry_ref              (OnbRegistryEntry *self);
void               onb_registry_entry_unref            (OnbRegistryEntry *self);
const char        *onb_registry_entry_get_dev_eui      (OnbRegistryEntry *self);
const char        *onb_registry_entry_get_join_eui     (OnbRegistryEntry *self);
/* NULL when the list has no such column or the cell is empty: such a box
 * can only be claimed by the owner token on its label. */
const char        *onb_registry_entry_get_app_key      (OnbRegistryEntry *self);
/* The LoRaWAN 1.1 NwkKey ("Network Key" column); NULL when the list has no
 * such column or the cell is empty. */
const char        *onb_registry_entry_get_nwk_key      (OnbRegistryEntry *self);
/* Whether the row has the keys @lorawan_version (a [tts] lorawan_version
 * such as "MAC_V1_1") needs for a box that is not claimed: an AppKey, else
 * NO_APP_KEY; for 1.1 also a NwkKey, else MISSING_NWK_KEY. */
gboolean           onb_registry_entry_check_keys       (OnbRegistryEntry *self,
                                                        const char       *lorawan_version,
                                                        GError          **error);
/* NULL when the list has no such column or the cell is empty. */
const char        *onb_registry_entry_get_static_token (OnbRegistryEntry *self);
const char        *onb_registry_entry_get_device_name  (OnbRegistryEntry *self);
const char        *onb_registry_entry_get_profile_id   (OnbRegistryEntry *self);
/* The deterministic Blynk device name: Device Name, else "eui-<dev eui>". */
const char        *onb_registry_entry_get_blynk_name   (OnbRegistryEntry *self);
/* Extra columns, metafield name → value (empty cells left out).
 * (transfer none) */
GHashTable        *onb_registry_entry_get_metafields   (OnbRegistryEntry *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbRegistryEntry, onb_registry_entry_unref)

typedef struct
{
  guint  row;     /* as onb_csv_parse() counts; 0 for the file as a whole */
  char  *column;  /* header name, NULL when the whole row is concerned */
  char  *reason;  /* stable: bad-dev-eui, bad-join-eui, bad-app-key, bad-nwk-key,
                   * bad-profile-id,
                   * malformed-token, duplicate-dev-eui, duplicate-token,
                   * duplicate-name, conflict, missing-column, wrong-field-count,
                   * control-character, name-too-long, value-too-long, ... */
  char  *message; /* translated, for a warehouse worker */
} OnbImportProblem;

#define ONB_TYPE_IMPORT_REPORT (onb_import_report_get_type ())
typedef struct
{
  guint      n_rows;      /* data rows in the file */
  guint      n_added;
  guint      n_unchanged; /* already stored with the same values */
  guint      n_replaced;  /* stored with other values, overwritten (--replace) */
  gint64     batch_id;    /* the batch this import made; 0 when nothing was stored */
  GPtrArray *problems;    /* of OnbImportProblem; nothing is stored when not empty */
} OnbImportReport;

GType             onb_import_report_get_type (void) G_GNUC_CONST;
OnbImportReport  *onb_import_report_copy     (const OnbImportReport *report);
void              onb_import_report_free     (OnbImportReport       *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbImportReport, onb_import_report_free)

#define ONB_TYPE_REGISTRY (onb_registry_get_type ())
G_DECLARE_FINAL_TYPE (OnbRegistry, onb_registry, ONB, REGISTRY, GObject)

/* Opens (creating it when missing) the registry database at @path. The
 * file holds the AppKeys and static tokens: it is made (or tightened to)
 * mode 0600, whatever the umask. */
OnbRegistry       *onb_registry_open            (const char             *path,
                                                 GError                **error);
/* For reading only (batches, missing): works on a read-only data folder
 * and a full disk; writes nothing, so imports fail. */
OnbRegistry       *onb_registry_open_read_only  (const char             *path,
                                                 GError                **error);
/* The device list @config names: the shared one of [store] url, else
 * registry.sqlite in the data folder, opened with onb_registry_open() or,
 * when @read_only, onb_registry_open_read_only(). A shared list is the
 * same either way. */
OnbRegistry       *onb_registry_open_for_config (OnbConfig              *config,
                                                 gboolean                read_only,
                                                 GError                **error);
/* "<data_dir>/registry.sqlite" (transfer full) */
char              *onb_registry_default_path    (const char             *data_dir);
/* With a shared list: "<data_dir>/shared-list.sqlite", the station's copy
 * of it for the time the database cannot be reached. (transfer full) */
char              *onb_registry_copy_path       (const char             *data_dir);
guint              onb_registry_get_n_entries   (OnbRegistry            *self);

/* Validates every row, then stores all of them in one transaction, or
 * nothing. @report (always set when non-NULL, even on failure) lists every
 * problem by row. Fails with INVALID_FILE (problems in the file itself),
 * CONFLICT (rows that differ from stored ones, without REPLACE), a
 * ONB_CSV_ERROR, or DATABASE. Every import that stores rows is a new
 * batch, and its devices belong to it (also those imported before with the
 * same values: importing the same file again changes nothing else).
 * The import writes through a connection of its own: look-ups meanwhile
 * (from any thread) see the list before it or after it, never part of it. */
gboolean           onb_registry_import_data     (OnbRegistry            *self,
                                                 const char             *data,
                                                 gsize                   length,
                                                 OnbRegistryImportFlags  flags,
                                                 OnbImportReport       **report,
                                                 GError                **error);
/* Only regular files up to ONB_REGISTRY_MAX_FILE_SIZE: NOT_A_FILE (a
 * folder, a device such as /dev/zero, a FIFO: never blocks),
 * FILE_TOO_LARGE, FILE_UNREADABLE. */
gboolean           onb_registry_import_file     (OnbRegistry            *self,
                                                 const char             *path,
                                                 OnbRegistryImportFlags  flags,
                                                 OnbImportReport       **report,
                                                 GError                **error);

/* By DevEUI (16 hex digits, any case); UNKNOWN_DEVICE when absent. */
OnbRegistryEntry  *onb_registry_lookup          (OnbRegistry            *self,
                                                 const char             *dev_eui,
                                                 GError                **error);
/* By static token ("sqr_…", with or without "+orgId"). */
OnbRegistryEntry  *onb_registry_lookup_token    (OnbRegistry            *self,
                                                 const char             *token,
                                                 GError                **error);
/* The one row a scanned code names: TR005 and dev-eui codes by DevEUI (a
 * TR005 JoinEUI must agree: JOIN_EUI_MISMATCH), static tokens by token. */
OnbRegistryEntry  *onb_registry_resolve         (OnbRegistry            *self,
                                                 const OnbCode          *code,
                                                 GError                **error);

/* The batch a claimed box in no device list is added to
 * ([labels] allow_unlisted_claims). */
#define ONB_REGISTRY_CLAIMED_BATCH "Claimed at this station"

/* The row a box of TR005 label @code (one with an owner token) gets in
 * no device list: its EUIs and Profile ID, no keys. Not stored.
 * (transfer full) */
OnbRegistryEntry  *onb_registry_entry_new_unlisted (const OnbCode       *code);
/* Adds the box of TR005 label @code (one with an owner token) to the list
 * without keys, in batch ONB_REGISTRY_CLAIMED_BATCH (made once, then
 * reused), and returns its row. A box stored meanwhile keeps its row.
 * (transfer full) */
OnbRegistryEntry  *onb_registry_add_unlisted    (OnbRegistry            *self,
                                                 const OnbCode          *code,
                                                 GError                **error);

/* Every batch, newest first, with its counts: @states (from the journal;
 * NULL: nothing scanned yet) tells done and failed devices. One query. (transfer full) GPtrArray of OnbBatch */
GPtrArray         *onb_registry_list_batches    (OnbRegistry            *self,
                                                 OnbDeviceStates        *states,
                                                 GError                **error);
/* Batch @batch_id (0: the newest) and, in @devices, all its devices in the
 * file's order (progress TO_DO until onb_batch_apply_states()). One
 * query. NO_BATCH, UNKNOWN_BATCH. (transfer full) */
OnbBatch          *onb_registry_get_batch       (OnbRegistry            *self,
                                                 gint64                  batch_id,
                                                 GPtrArray             **devices,
                                                 GError                **error);

/* The Device Repository's answer for a model, kept so that it is asked
 * once per Profile ID (8 hex digits, any case; anything else is a
 * programming error): its JSON text, and in @fetched_at (may be NULL)
 * when it was fetched, in seconds since 1970. NULL without an error when
 * none is kept. Shared by all stations when the list is. (transfer full) */
char              *onb_registry_get_model_template (OnbRegistry         *self,
                                                    const char          *profile_id,
                                                    gint64              *fetched_at,
                                                    GError             **error);
/* Keeps @answer (the repository's JSON text, as fetched) for @profile_id,
 * replacing what was kept. */
gboolean           onb_registry_put_model_template (OnbRegistry         *self,
                                                    const char          *profile_id,
                                                    const char          *answer,
                                                    gint64               fetched_at,
                                                    GError             **error);

G_END_DECLS
