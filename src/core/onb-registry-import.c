/* onb-registry-import.c: reading a manufacturer's device list (docs/design.md, The device list)
 *
 * An import checks the whole file first and only then writes, in one
 * transaction: a half-imported list would make some boxes "unknown" for
 * no visible reason. Everything here but the questions in OnbImportStore
 * is the same whatever store holds the list.
 */

#define G_LOG_DOMAIN "onb-registry"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "onb-code.h"
#include "onb-csv.h"
#include "onb-error.h"
#include "onb-registry-private.h"

/* Reports */

void
onb_import_report_free (OnbImportReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->problems);
  g_free (report);
}

static void
import_problem_free (OnbImportProblem *problem)
{
  g_free (problem->column);
  g_free (problem->reason);
  g_free (problem->message);
  g_free (problem);
}

OnbImportReport *
onb_import_report_new (void)
{
  OnbImportReport *report = g_new0 (OnbImportReport, 1);

  report->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) import_problem_free);
  return report;
}

OnbImportReport *
onb_import_report_copy (const OnbImportReport *report)
{
  OnbImportReport *copy = onb_import_report_new ();

  copy->n_rows = report->n_rows;
  copy->n_added = report->n_added;
  copy->n_unchanged = report->n_unchanged;
  copy->n_replaced = report->n_replaced;
  copy->batch_id = report->batch_id;
  for (guint i = 0; i < report->problems->len; i++)
    {
      const OnbImportProblem *problem = report->problems->pdata[i];
      OnbImportProblem *dup = g_new0 (OnbImportProblem, 1);

      dup->row = problem->row;
      dup->column = g_strdup (problem->column);
      dup->reason = g_strdup (problem->reason);
      dup->message = g_strdup (problem->message);
      g_ptr_array_add (copy->problems, dup);
    }
  return copy;
}

G_DEFINE_BOXED_TYPE (OnbImportReport, onb_import_report, onb_import_report_copy, onb_import_report_free)

void
onb_import_report_add_problem (OnbImportReport *report,
                               guint            row,
                               const char      *column,
                               const char      *reason,
                               const char      *format,
                               ...)
{
  OnbImportProblem *problem = g_new0 (OnbImportProblem, 1);
  va_list args;

  va_start (args, format);
  problem->row = row;
  problem->column = g_strdup (column);
  problem->reason = g_strdup (reason);
  problem->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (report->problems, problem);
}

#define add_problem onb_import_report_add_problem

gboolean
onb_import_report_check (OnbImportReport  *report,
                         GError          **error)
{
  if (report->problems->len == 0)
    return TRUE;
  g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_INVALID_FILE,
               g_dngettext (GETTEXT_PACKAGE, "The file has %u problem; nothing was imported.",
                            "The file has %u problems; nothing was imported.", report->problems->len),
               report->problems->len);
  return FALSE;
}

/* Columns */

typedef enum
{
  COLUMN_DEV_EUI,
  COLUMN_JOIN_EUI,
  COLUMN_APP_KEY,
  COLUMN_NWK_KEY,
  COLUMN_STATIC_TOKEN,
  COLUMN_DEVICE_NAME,
  COLUMN_PROFILE_ID,
  N_KNOWN_COLUMNS,
  COLUMN_METAFIELD = N_KNOWN_COLUMNS,
} Column;

/* Header names, compared in lower case without spaces, '_' or '-'. */
static const struct
{
  Column column;
  const char *name;
} aliases[] = {
  { COLUMN_DEV_EUI, "deviceeui" },
  { COLUMN_DEV_EUI, "deveui" },
  { COLUMN_JOIN_EUI, "joineui" },
  { COLUMN_JOIN_EUI, "appeui" },
  { COLUMN_APP_KEY, "applicationkey" },
  { COLUMN_APP_KEY, "appkey" },
  { COLUMN_NWK_KEY, "networkkey" },
  { COLUMN_NWK_KEY, "nwkkey" },
  { COLUMN_STATIC_TOKEN, "statictoken" },
  { COLUMN_DEVICE_NAME, "devicename" },
  { COLUMN_PROFILE_ID, "profileid" },
};

static Column
column_for_header (const char *header)
{
  g_autoptr(GString) folded = g_string_new (NULL);

  for (const char *c = header; *c; c++)
    if (*c != ' ' && *c != '_' && *c != '-' && *c != '\t')
      g_string_append_c (folded, g_ascii_tolower (*c));

  for (guint i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (g_str_equal (folded->str, aliases[i].name))
      return aliases[i].column;
  return COLUMN_METAFIELD;
}

static const char *
column_title (Column column)
{
  static const char *titles[] = { "Device EUI", "Join EUI", "Application Key", "Network Key",
                                  "Static Token",
                                  "Device Name", "Profile ID" };
  return titles[column];
}

/* Cells: each checker takes the trimmed @value and returns the normalised
 * one, or NULL after adding a problem. Empty optional cells come back as
 * "". */

typedef char *(*CheckCell) (OnbImportReport *report,
                            guint            row,
                            const char      *header,
                            char            *value);

static char *
check_dev_eui (OnbImportReport *report,
               guint            row,
               const char      *header,
               char            *value)
{
  g_autofree char *owned = value;

  if (!onb_hex_is_valid (value, 16) || strspn (value, "0") == 16)
    {
      add_problem (report, row, header, "bad-dev-eui",
                   _("Row %u: the Device EUI “%s” is not 16 hexadecimal digits (and must not be all zero)."),
                   row, value);
      return NULL;
    }
  return g_ascii_strup (value, -1);
}

static char *
check_join_eui (OnbImportReport *report,
                guint            row,
                const char      *header,
                char            *value)
{
  g_autofree char *owned = value;

  if (!onb_hex_is_valid (value, 16))
    {
      add_problem (report, row, header, "bad-join-eui",
                   _("Row %u: the Join EUI “%s” is not 16 hexadecimal digits."), row, value);
      return NULL;
    }
  return g_ascii_strup (value, -1);
}

/* The two root keys share one rule: optional, 32 hexadecimal digits, and
 * secret, so the value is never repeated. An empty AppKey is a box that can
 * only be claimed by the owner token on its label; the NwkKey exists only in
 * LoRaWAN 1.1. */
static char *
check_root_key (OnbImportReport *report,
                guint            row,
                const char      *header,
                char            *value,
                Column           column,
                const char      *reason)
{
  g_autofree char *owned = value;

  if (*value != '\0' && !onb_hex_is_valid (value, 32))
    {
      add_problem (report, row, header, reason,
                   /* TRANSLATORS: %s is the key's name as the consoles write it,
                    * "Application Key" or "Network Key" */
                   _("Row %u: the %s is not 32 hexadecimal digits."), row, column_title (column));
      return NULL;
    }
  return g_ascii_strup (value, -1);
}

static char *
check_app_key (OnbImportReport *report,
               guint            row,
               const char      *header,
               char            *value)
{
  return check_root_key (report, row, header, value, COLUMN_APP_KEY, "bad-app-key");
}

static char *
check_nwk_key (OnbImportReport *report,
               guint            row,
               const char      *header,
               char            *value)
{
  return check_root_key (report, row, header, value, COLUMN_NWK_KEY, "bad-nwk-key");
}

static char *
check_static_token (OnbImportReport *report,
                    guint            row,
                    const char      *header,
                    char            *value)
{
  g_autofree char *owned = value;
  g_autoptr(OnbCode) code = NULL;

  if (*value == '\0')
    return g_steal_pointer (&owned);
  code = onb_code_parse (value, -1, NULL);
  if (code == NULL || onb_code_get_kind (code) != ONB_CODE_KIND_BLYNK_STATIC_TOKEN)
    {
      add_problem (report, row, header, "malformed-token",
                   _("Row %u: the Static Token is not a Blynk static token (sqr_ and 32 characters)."), row);
      return NULL;
    }
  return g_strdup (onb_code_get_static_token (code));
}

static char *
check_profile_id (OnbImportReport *report,
                  guint            row,
                  const char      *header,
                  char            *value)
{
  g_autofree char *owned = value;
  char *id;

  if (*value == '\0')
    return g_steal_pointer (&owned);
  id = onb_profile_id_normalize (value, NULL);
  if (id == NULL)
    add_problem (report, row, header, "bad-profile-id",
                 _("Row %u: the Profile ID “%s” is not 8 hexadecimal digits (such as 000AF8BE)."), row, value);
  return id;
}

/* Names and metafield values go to Blynk as they are: found at import, a
 * value Blynk would refuse (a name over 255 characters) or that breaks
 * its one-line text (a line break from a spreadsheet cell) is named by its
 * row, not discovered box by box at provisioning. The value itself may be
 * huge or unprintable and is not repeated. */
static char *
check_text (OnbImportReport *report,
            guint            row,
            const char      *header,
            char            *value,
            const char      *too_long_reason)
{
  g_autofree char *owned = value;
  glong n_chars = 0;

  for (const char *c = value; *c != '\0'; c = g_utf8_next_char (c), n_chars++)
    if (g_unichar_iscntrl (g_utf8_get_char (c)))
      {
        add_problem (report, row, header, "control-character",
                     _("Row %u: the “%s” value holds a line break or another control character. "
                       "Put it on one line."), row, header);
        return NULL;
      }
  if (n_chars > ONB_REGISTRY_MAX_TEXT_CHARS)
    {
      add_problem (report, row, header, too_long_reason,
                   _("Row %u: the “%s” value has %ld characters; at most %u are allowed."),
                   row, header, n_chars, ONB_REGISTRY_MAX_TEXT_CHARS);
      return NULL;
    }
  return g_steal_pointer (&owned);
}

static char *
check_device_name (OnbImportReport *report,
                   guint            row,
                   const char      *header,
                   char            *value)
{
  return check_text (report, row, header, value, "name-too-long");
}

static char *
check_metafield (OnbImportReport *report,
                 guint            row,
                 const char      *header,
                 char            *value)
{
  return check_text (report, row, header, value, "value-too-long");
}

static const CheckCell checkers[] = {
  [COLUMN_DEV_EUI] = check_dev_eui,
  [COLUMN_JOIN_EUI] = check_join_eui,
  [COLUMN_APP_KEY] = check_app_key,
  [COLUMN_NWK_KEY] = check_nwk_key,
  [COLUMN_STATIC_TOKEN] = check_static_token,
  [COLUMN_DEVICE_NAME] = check_device_name,
  [COLUMN_PROFILE_ID] = check_profile_id,
  [COLUMN_METAFIELD] = check_metafield,
};

/* Rows */

void
onb_import_row_free (OnbImportRow *row)
{
  g_clear_pointer (&row->entry, onb_registry_entry_unref);
  g_free (row->metafields_text);
  g_free (row);
}

/* Which column each field of @header is; problems with the header itself
 * go into @report. (transfer full) */
static Column *
read_header (const OnbCsvRow *header,
             OnbImportReport *report)
{
  g_autofree Column *columns = g_new0 (Column, header->n_fields);
  int known[N_KNOWN_COLUMNS];

  for (guint i = 0; i < N_KNOWN_COLUMNS; i++)
    known[i] = -1;

  for (guint i = 0; i < header->n_fields; i++)
    {
      const char *name = g_strstrip (header->fields[i]);

      columns[i] = column_for_header (name);
      if (*name == '\0')
        add_problem (report, 1, NULL, "empty-header",
                     _("Row 1: column %u has no name. Every column needs a header."), i + 1);
      else if (columns[i] != COLUMN_METAFIELD && known[columns[i]] >= 0)
        add_problem (report, 1, name, "duplicate-column",
                     _("Row 1: there are two “%s” columns."), column_title (columns[i]));
      else if (columns[i] != COLUMN_METAFIELD)
        known[columns[i]] = i;
      for (guint j = 0; columns[i] == COLUMN_METAFIELD && j < i; j++)
        if (columns[j] == COLUMN_METAFIELD && g_str_equal (header->fields[j], name))
          add_problem (report, 1, name, "duplicate-column", _("Row 1: there are two “%s” columns."), name);
    }
  /* Without an Application Key column every box is one to claim. */
  for (Column c = COLUMN_DEV_EUI; c <= COLUMN_JOIN_EUI; c++)
    if (known[c] < 0)
      add_problem (report, 1, column_title (c), "missing-column",
                   _("Row 1: the column “%s” is missing. The first line must name the columns, "
                     "such as: Device EUI,Join EUI,Application Key."), column_title (c));
  return g_steal_pointer (&columns);
}

/* g_autofree on an array would free only its first element. */
static void
values_clear (char **values)
{
  for (guint i = 0; i < N_KNOWN_COLUMNS; i++)
    g_clear_pointer (&values[i], g_free);
}

/* One data row as an entry, or NULL after adding its problems. */
static OnbImportRow *
read_row (const OnbCsvRow *header,
          const Column    *columns,
          const OnbCsvRow *line,
          OnbImportReport *report)
{
  char *values[N_KNOWN_COLUMNS] = { NULL };
  g_autoptr(GHashTable) metafields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint problems_before = report->problems->len;
  OnbImportRow *row;

  if (line->n_fields != header->n_fields)
    {
      add_problem (report, line->row, NULL, "wrong-field-count",
                   _("Row %u has %u values but the header names %u columns."),
                   line->row, line->n_fields, header->n_fields);
      return NULL;
    }

  for (guint i = 0; i < line->n_fields; i++)
    {
      char *value = checkers[columns[i]] (report, line->row, header->fields[i],
                                          g_strstrip (g_strdup (line->fields[i])));

      if (value == NULL)
        continue;
      if (columns[i] == COLUMN_METAFIELD && *value != '\0')
        g_hash_table_insert (metafields, g_strdup (header->fields[i]), value);
      else if (columns[i] == COLUMN_METAFIELD)
        g_free (value);
      else
        values[columns[i]] = value;
    }
  if (report->problems->len > problems_before)
    {
      values_clear (values);
      return NULL;
    }

  row = g_new0 (OnbImportRow, 1);
  row->row = line->row;
  row->entry = onb_registry_entry_new (values[COLUMN_DEV_EUI], values[COLUMN_JOIN_EUI], values[COLUMN_APP_KEY],
                                       values[COLUMN_NWK_KEY], values[COLUMN_STATIC_TOKEN],
                                       values[COLUMN_DEVICE_NAME], values[COLUMN_PROFILE_ID], metafields);
  row->metafields_text = onb_registry_metafields_serialize (metafields);
  values_clear (values);
  return row;
}

/* The keys seen so far in the file, each with its row's number. */
typedef struct
{
  GHashTable *dev_euis;
  GHashTable *tokens;
  GHashTable *names;
} Seen;

static guint
seen_row (GHashTable *seen,
          const char *key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (seen, key));
}

/* A DevEUI, a Static Token and a Blynk name belong to one row each. */
static void
check_unique_in_file (Seen               *seen,
                      const OnbImportRow *row,
                      OnbImportReport    *report)
{
  OnbRegistryEntry *e = row->entry;
  const char *token = onb_registry_entry_get_static_token (e);
  const char *blynk_name = onb_registry_entry_get_blynk_name (e);

  if (g_hash_table_contains (seen->dev_euis, onb_registry_entry_get_dev_eui (e)))
    add_problem (report, row->row, "Device EUI", "duplicate-dev-eui",
                 _("Row %u: the Device EUI %s is also on row %u."), row->row, onb_registry_entry_get_dev_eui (e),
                 seen_row (seen->dev_euis, onb_registry_entry_get_dev_eui (e)));
  else
    g_hash_table_insert (seen->dev_euis, g_strdup (onb_registry_entry_get_dev_eui (e)), GUINT_TO_POINTER (row->row));

  if (token != NULL && g_hash_table_contains (seen->tokens, token))
    add_problem (report, row->row, "Static Token", "duplicate-token",
                 _("Row %u: the same Static Token is also on row %u."), row->row, seen_row (seen->tokens, token));
  else if (token != NULL)
    g_hash_table_insert (seen->tokens, g_strdup (token), GUINT_TO_POINTER (row->row));

  /* The Blynk device is found again by its name: names must be unique
   * (a name made from the DevEUI is when the DevEUI is). */
  if (onb_registry_entry_get_device_name (e) != NULL && g_hash_table_contains (seen->names, blynk_name))
    add_problem (report, row->row, "Device Name", "duplicate-name",
                 _("Row %u: the Device Name “%s” is also on row %u. Each device needs its own name."),
                 row->row, blynk_name, seen_row (seen->names, blynk_name));
  else
    g_hash_table_insert (seen->names, g_strdup (blynk_name), GUINT_TO_POINTER (row->row));
}

GPtrArray *
onb_import_parse (const char       *data,
                  gsize             length,
                  OnbImportReport  *report,
                  GError          **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_import_row_free);
  g_autoptr(GHashTable) dev_euis = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Seen seen = { dev_euis, tokens, names };
  g_autoptr(GPtrArray) csv = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree Column *columns = NULL;
  const OnbCsvRow *header;

  csv = onb_csv_parse (data, length, &local_error);
  if (csv == NULL)
    {
      add_problem (report, onb_csv_error_get_row (local_error), NULL, onb_error_get_reason (local_error), "%s",
                   local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  header = csv->pdata[0];
  columns = read_header (header, report);
  if (!onb_import_report_check (report, error))
    return NULL;

  report->n_rows = csv->len - 1;
  for (guint r = 1; r < csv->len; r++)
    {
      OnbImportRow *row = read_row (header, columns, csv->pdata[r], report);

      if (row == NULL)
        continue;
      check_unique_in_file (&seen, row, report);
      g_ptr_array_add (rows, row);
    }
  if (!onb_import_report_check (report, error))
    return NULL;
  return g_steal_pointer (&rows);
}

/* The stored list */

static gboolean
same_entry (OnbRegistryEntry *a,
            const char       *a_metafields,
            OnbRegistryEntry *b)
{
  g_autofree char *b_metafields = onb_registry_metafields_serialize (onb_registry_entry_get_metafields (b));

  return g_str_equal (onb_registry_entry_get_join_eui (a), onb_registry_entry_get_join_eui (b)) &&
         g_strcmp0 (onb_registry_entry_get_app_key (a), onb_registry_entry_get_app_key (b)) == 0 &&
         g_strcmp0 (onb_registry_entry_get_nwk_key (a), onb_registry_entry_get_nwk_key (b)) == 0 &&
         g_strcmp0 (onb_registry_entry_get_static_token (a), onb_registry_entry_get_static_token (b)) == 0 &&
         g_strcmp0 (onb_registry_entry_get_device_name (a), onb_registry_entry_get_device_name (b)) == 0 &&
         g_strcmp0 (onb_registry_entry_get_profile_id (a), onb_registry_entry_get_profile_id (b)) == 0 &&
         g_str_equal (a_metafields, b_metafields);
}

/* Tokens and names already stored for another device that the file does
 * not bring again. */
static void
check_other_owners (GPtrArray            *rows,
                    const OnbImportStore *funcs,
                    gpointer              store,
                    OnbImportReport      *report)
{
  g_autoptr(GHashTable) dev_euis = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < rows->len; i++)
    g_hash_table_add (dev_euis, (char *) onb_registry_entry_get_dev_eui (((OnbImportRow *) rows->pdata[i])->entry));

  for (guint i = 0; i < rows->len && report->problems->len == 0; i++)
    {
      OnbImportRow *row = rows->pdata[i];
      const char *dev_eui = onb_registry_entry_get_dev_eui (row->entry);
      const char *token = onb_registry_entry_get_static_token (row->entry);
      const char *name = onb_registry_entry_get_device_name (row->entry);
      g_autofree char *token_owner = NULL;
      g_autofree char *name_owner = NULL;

      if (token != NULL && (token_owner = funcs->other_owner (store, TRUE, token, dev_eui)) &&
          !g_hash_table_contains (dev_euis, token_owner))
        add_problem (report, row->row, "Static Token", "duplicate-token",
                     _("Row %u: this Static Token already belongs to device %s in the stored list."),
                     row->row, token_owner);
      if (name != NULL && (name_owner = funcs->other_owner (store, FALSE, name, dev_eui)) &&
          !g_hash_table_contains (dev_euis, name_owner))
        add_problem (report, row->row, "Device Name", "duplicate-name",
                     _("Row %u: the Device Name “%s” already belongs to device %s in the stored list."),
                     row->row, name, name_owner);
    }
}

GPtrArray *
onb_import_check_stored (GPtrArray               *rows,
                         const OnbImportStore    *funcs,
                         gpointer                 store,
                         OnbRegistryImportFlags   flags,
                         OnbImportReport         *report,
                         GError                 **error)
{
  g_autoptr(GPtrArray) to_store = g_ptr_array_new ();
  guint n_conflicts = 0;

  check_other_owners (rows, funcs, store, report);
  if (!onb_import_report_check (report, error))
    return NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      OnbImportRow *row = rows->pdata[i];
      g_autoptr(GError) local_error = NULL;
      g_autoptr(OnbRegistryEntry) stored = funcs->lookup (store, onb_registry_entry_get_dev_eui (row->entry),
                                                          &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (stored == NULL)
        {
          report->n_added++;
          g_ptr_array_add (to_store, row);
        }
      else if (same_entry (row->entry, row->metafields_text, stored))
        {
          /* Written again all the same: it now belongs to this batch. */
          report->n_unchanged++;
          g_ptr_array_add (to_store, row);
        }
      else if (flags & ONB_REGISTRY_IMPORT_REPLACE)
        {
          report->n_replaced++;
          g_ptr_array_add (to_store, row);
        }
      else
        {
          n_conflicts++;
          add_problem (report, row->row, NULL, "conflict",
                       _("Row %u: device %s is already in the list with other values. "
                         "Import with “replace” to overwrite it."), row->row, onb_registry_entry_get_dev_eui (row->entry));
        }
    }

  if (n_conflicts > 0)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_CONFLICT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%u device is already in the list with other values; nothing was imported.",
                                "%u devices are already in the list with other values; nothing was imported.",
                                n_conflicts),
                   n_conflicts);
      report->n_added = report->n_unchanged = report->n_replaced = 0;
      return NULL;
    }
  return g_steal_pointer (&to_store);
}

/* Files */

/* Without trusting the path: a FIFO must not block
 * (O_NONBLOCK), a device such as /dev/zero must not be read without end,
 * and a list is never larger than ONB_REGISTRY_MAX_FILE_SIZE. */
char *
onb_import_read_file (const char  *path,
                      gsize       *length,
                      GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *data = NULL;
  struct stat st;
  gsize filled = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_FILE_UNREADABLE,
                   _("The device list “%s” cannot be opened: %s."), display, g_strerror (saved_errno));
      return NULL;
    }

  if (S_ISDIR (st.st_mode))
    g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NOT_A_FILE,
                 _("“%s” is a folder, not a device list. Choose the CSV file inside it."), display);
  else if (!S_ISREG (st.st_mode))
    g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_NOT_A_FILE,
                 _("“%s” is not a file but a device, pipe or socket. Save the device list as a CSV file "
                   "and import that file."), display);
  else if (st.st_size > ONB_REGISTRY_MAX_FILE_SIZE)
    g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_FILE_TOO_LARGE,
                 _("The device list “%s” is larger than %u MB. Split it into smaller files and import "
                   "them one by one."), display, ONB_REGISTRY_MAX_FILE_SIZE / (1024 * 1024));
  if (!S_ISREG (st.st_mode) || st.st_size > ONB_REGISTRY_MAX_FILE_SIZE)
    {
      close (fd);
      return NULL;
    }

  /* One byte more than allowed tells a file that grew past the limit. */
  data = g_malloc ((gsize) st.st_size + 2);
  while (filled <= (gsize) st.st_size)
    {
      gssize n = read (fd, data + filled, (gsize) st.st_size + 1 - filled);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_FILE_UNREADABLE,
                       _("The device list “%s” cannot be read: %s."), display, g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;
      filled += n;
    }
  close (fd);
  if (filled > (gsize) st.st_size)
    {
      g_set_error (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_FILE_UNREADABLE,
                   _("The device list “%s” changed while it was read. Import it again when it is "
                     "complete."), display);
      return NULL;
    }
  data[filled] = '\0';
  *length = filled;
  return g_steal_pointer (&data);
}
