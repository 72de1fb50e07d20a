/* onb-csv.h: RFC 4180 comma-separated values, read and written
 *
 * The manufacturer's device list and the journal export. Reading accepts a
 * UTF-8 byte-order mark, CRLF or LF line ends, quoted fields with doubled
 * quotes and line breaks inside quotes; blank lines are skipped.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  ONB_CSV_ERROR_NOT_UTF8,           /*< nick=csv-not-utf8 >*/
  ONB_CSV_ERROR_UNTERMINATED_QUOTE, /*< nick=csv-unterminated-quote >*/
  ONB_CSV_ERROR_STRAY_QUOTE,        /*< nick=csv-stray-quote >*/
  ONB_CSV_ERROR_EMPTY,              /*< nick=csv-empty >*/
} OnbCsvError;

#define ONB_CSV_ERROR (onb_csv_error_quark ())
GQuark onb_csv_error_quark (void);

typedef struct
{
  guint   row;      /* 1-based record number, the header being row 1 (as a spreadsheet shows it) */
  guint   n_fields;
  char  **fields;   /* NULL-terminated */
} OnbCsvRow;

void        onb_csv_row_free   (OnbCsvRow     *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbCsvRow, onb_csv_row_free)

/* Every record of @data, as a GPtrArray of OnbCsvRow (free func set).
 * Errors name the row. (transfer full) */
GPtrArray  *onb_csv_parse      (const char    *data,
                                gsize          length,
                                GError       **error);
/* The row (as in the message) of a parse error, 0 for other errors. */
guint       onb_csv_error_get_row (const GError *error);
/* Appends one record, fields quoted when they need it, ending in CRLF.
 * A field that a spreadsheet would run as a formula (starting with =, +,
 * -, @, tab or CR) is written with a leading ' so it stays text. */
void        onb_csv_append_row (GString       *out,
                                const char   **fields,
                                guint          n_fields);

G_END_DECLS
