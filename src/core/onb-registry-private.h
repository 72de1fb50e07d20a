/* onb-registry-private.h: what the device list's parts share inside core
 *
 * onb-registry.c stores the list; onb-registry-import.c reads a
 * manufacturer's file, checks every row and decides what an import
 * stores, the same way whatever store holds the list.
 */
#pragma once

#include "onb-device-store.h"
#include "onb-registry.h"

G_BEGIN_DECLS

/* Empty strings for the optional values become NULL. (transfer full) */
OnbRegistryEntry *onb_registry_entry_new          (const char  *dev_eui,
                                                   const char  *join_eui,
                                                   const char  *app_key,
                                                   const char  *nwk_key,
                                                   const char  *static_token,
                                                   const char  *device_name,
                                                   const char  *profile_id,
                                                   GHashTable  *metafields);
/* Metafields as stored: a printed GVariant a{ss}, sorted, so that two
 * imports of the same row compare equal as text. (transfer full) */
char             *onb_registry_metafields_serialize (GHashTable *metafields);
/* The other way; a malformed text gives no metafields. (transfer full) */
GHashTable       *onb_registry_metafields_parse     (const char *text);

/* A registry over @store (transfer full), for stores the public
 * constructors do not open yet. */
OnbRegistry      *onb_registry_new_for_store      (OnbDeviceStore *store);

/* One checked row of a device list. */
typedef struct
{
  guint             row;             /* as onb_csv_parse() counts */
  OnbRegistryEntry *entry;
  char             *metafields_text; /* onb_registry_metafields_serialize() */
} OnbImportRow;

void              onb_import_row_free             (OnbImportRow     *row);
OnbImportReport  *onb_import_report_new           (void);
void              onb_import_report_add_problem   (OnbImportReport  *report,
                                                   guint             row,
                                                   const char       *column,
                                                   const char       *reason,
                                                   const char       *format,
                                                   ...) G_GNUC_PRINTF (5, 6);
/* INVALID_FILE, counting @report's problems, when it has any. */
gboolean          onb_import_report_check         (OnbImportReport  *report,
                                                   GError          **error);

/* Reads a device list file without trusting the path: NOT_A_FILE,
 * FILE_TOO_LARGE, FILE_UNREADABLE. (transfer full) */
char             *onb_import_read_file            (const char       *path,
                                                   gsize            *length,
                                                   GError          **error);
/* Parses @data and checks its header, every cell and the rows against each
 * other (DevEUIs, tokens and names once each); sets @report's n_rows.
 * NULL with a ONB_CSV_ERROR or INVALID_FILE, every problem in @report.
 * (transfer full) GPtrArray of OnbImportRow */
GPtrArray        *onb_import_parse                (const char       *data,
                                                   gsize             length,
                                                   OnbImportReport  *report,
                                                   GError          **error);

/* What an import asks of the store that holds the list, inside the
 * import's transaction. */
typedef struct
{
  /* The stored device with @dev_eui, or NULL (and no error) when none. */
  OnbRegistryEntry *(*lookup)      (gpointer     store,
                                    const char  *dev_eui,
                                    GError     **error);
  /* The DevEUI of a stored device other than @dev_eui whose Static Token
   * (@token TRUE) or Device Name is @value, or NULL. */
  char             *(*other_owner) (gpointer     store,
                                    gboolean     token,
                                    const char  *value,
                                    const char  *dev_eui);
} OnbImportStore;

/* Checks @rows against the stored list: tokens and names of other
 * devices (INVALID_FILE), devices stored with other values (CONFLICT,
 * unless @flags REPLACE). On success, the rows to write, counted in
 * @report. (transfer container) GPtrArray of OnbImportRow */
GPtrArray        *onb_import_check_stored         (GPtrArray               *rows,
                                                   const OnbImportStore    *store_funcs,
                                                   gpointer                 store,
                                                   OnbRegistryImportFlags   flags,
                                                   OnbImportReport         *report,
                                                   GError                 **error);

G_END_DECLS
