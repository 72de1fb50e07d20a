/* onb-csv.c: RFC 4180 comma-separated values
 *
 * Spreadsheets write CSV in many small dialects; this reader accepts what
 * they produce (BOM, CRLF, quoted line breaks) and refuses what would make
 * a field ambiguous (a quote inside an unquoted field, text after a
 * closing quote), so a key is never silently cut.
 */

#define G_LOG_DOMAIN "onb-csv"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-core-enums.h"
#include "onb-csv.h"
#include "onb-error.h"

typedef struct
{
  guint row;
} OnbCsvErrorPrivate;

static void
onb_csv_error_ext_private_init (OnbCsvErrorPrivate *priv)
{
}

static void
onb_csv_error_ext_private_copy (const OnbCsvErrorPrivate *src,
                                OnbCsvErrorPrivate       *dest)
{
  dest->row = src->row;
}

static void
onb_csv_error_ext_private_clear (OnbCsvErrorPrivate *priv)
{
}

/* An extended error so the row travels with the error (the import's
 * --json report names it); registered with onb-error as in
 * onb-cloud-error.c. */
GQuark onb_csv_error_ext_quark (void);
/* GLib's macro casts a byte pointer to the private struct, which it
 * allocated aligned; clang's -Wcast-align cannot know that. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-align"
G_DEFINE_EXTENDED_ERROR (OnbCsvError, onb_csv_error_ext)
#pragma GCC diagnostic pop

GQuark
onb_csv_error_quark (void)
{
  static gsize registered = 0;
  GQuark domain = onb_csv_error_ext_quark ();

  if (g_once_init_enter (&registered))
    {
      onb_error_register_domain (domain, onb_csv_error_get_type ());
      g_once_init_leave (&registered, 1);
    }

  return domain;
}

guint
onb_csv_error_get_row (const GError *error)
{
  if (error == NULL || error->domain != ONB_CSV_ERROR)
    return 0;

  return onb_csv_error_ext_get_private (error)->row;
}

static void set_row_error (GError **error, OnbCsvError code, guint row, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
set_row_error (GError      **error,
               OnbCsvError   code,
               guint         row,
               const char   *format,
               ...)
{
  g_autofree char *message = NULL;
  GError *new_error;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  new_error = g_error_new_literal (ONB_CSV_ERROR, code, message);
  onb_csv_error_ext_get_private (new_error)->row = row;
  g_propagate_error (error, new_error);
}

void
onb_csv_row_free (OnbCsvRow *row)
{
  if (row == NULL)
    return;
  g_strfreev (row->fields);
  g_free (row);
}

static gboolean
row_is_blank (GPtrArray *fields)
{
  return fields->len == 1 && *(const char *) g_ptr_array_index (fields, 0) == '\0';
}

static void
finish_row (GPtrArray *rows,
            GPtrArray *fields,
            guint     *row_number)
{
  OnbCsvRow *row;

  /* A blank line is no record (trailing newlines, spacer lines). */
  if (row_is_blank (fields))
    {
      g_ptr_array_set_size (fields, 0);
      return;
    }

  row = g_new0 (OnbCsvRow, 1);
  row->row = ++(*row_number);
  row->n_fields = fields->len;
  g_ptr_array_add (fields, NULL);
  row->fields = (char **) g_ptr_array_steal (fields, NULL);
  g_ptr_array_add (rows, row);
}

GPtrArray *
onb_csv_parse (const char  *data,
               gsize        length,
               GError     **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_csv_row_free);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = data;
  const char *end = data + length;
  guint row_number = 0;

  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  if (!g_utf8_validate_len (p, end - p, NULL) || memchr (p, '\0', end - p) != NULL)
    {
      g_set_error (error, ONB_CSV_ERROR, ONB_CSV_ERROR_NOT_UTF8,
                   _("The file is not a text file in UTF-8. Save it from the spreadsheet as “CSV UTF-8”."));
      return NULL;
    }

  while (p < end)
    {
      if (*p == '"' && field->len == 0)
        {
          /* Quoted field: runs to the lone closing quote. */
          p++;
          for (;;)
            {
              if (p >= end)
                {
                  set_row_error (error, ONB_CSV_ERROR_UNTERMINATED_QUOTE, row_number + 1,
                                 _("Row %u: a quoted value never ends (a closing \" is missing)."),
                                 row_number + 1);
                  return NULL;
                }
              if (*p == '"')
                {
                  if (p + 1 < end && p[1] == '"')
                    {
                      g_string_append_c (field, '"');
                      p += 2;
                      continue;
                    }
                  p++;
                  break;
                }
              g_string_append_c (field, *p++);
            }
          if (p < end && *p != ',' && *p != '\r' && *p != '\n')
            {
              set_row_error (error, ONB_CSV_ERROR_STRAY_QUOTE, row_number + 1,
                             _("Row %u: there is text after a closing quote."), row_number + 1);
              return NULL;
            }
          continue;
        }

      switch (*p)
        {
        case ',':
          g_ptr_array_add (fields, g_strdup (field->str));
          g_string_truncate (field, 0);
          p++;
          break;

        case '\r':
        case '\n':
          g_ptr_array_add (fields, g_strdup (field->str));
          g_string_truncate (field, 0);
          finish_row (rows, fields, &row_number);
          p += (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
          break;

        case '"':
          set_row_error (error, ONB_CSV_ERROR_STRAY_QUOTE, row_number + 1,
                         _("Row %u: a quote (\") inside a value that does not start with one."),
                         row_number + 1);
          return NULL;

        default:
          g_string_append_c (field, *p++);
          break;
        }
    }

  if (field->len > 0 || fields->len > 0)
    {
      g_ptr_array_add (fields, g_strdup (field->str));
      finish_row (rows, fields, &row_number);
    }

  if (rows->len == 0)
    {
      g_set_error (error, ONB_CSV_ERROR, ONB_CSV_ERROR_EMPTY, _("The file is empty."));
      return NULL;
    }

  return g_steal_pointer (&rows);
}

/* A spreadsheet runs a cell that starts like a formula (=, +, -, @) or
 * hides such a start behind a tab or CR: such cells get a leading ' so
 * they stay text (OWASP's CSV injection advice). */
static gboolean
looks_like_formula (const char *value)
{
  return value[0] != '\0' && strchr ("=+-@\t\r", value[0]) != NULL;
}

void
onb_csv_append_row (GString     *out,
                    const char **fields,
                    guint        n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    {
      const char *value = fields[i] != NULL ? fields[i] : "";
      gboolean formula = looks_like_formula (value);

      if (i > 0)
        g_string_append_c (out, ',');
      if (formula || strpbrk (value, ",\"\r\n") != NULL)
        {
          g_string_append_c (out, '"');
          if (formula)
            g_string_append_c (out, '\'');
          for (const char *c = value; *c; c++)
            {
              if (*c == '"')
                g_string_append_c (out, '"');
              g_string_append_c (out, *c);
            }
          g_string_append_c (out, '"');
        }
      else
        g_string_append (out, value);
    }
  g_string_append (out, "\r\n");
}
