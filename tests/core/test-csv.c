/* test-csv.c: CSV writing that spreadsheets cannot run, and parse errors
 * that name their row */

#include "config.h"

#include <glib/gstdio.h>

#include "onb-csv.h"
#include "onb-error.h"
#include "onb-registry.h"

/* Cells a spreadsheet would run come out as text, and read back the same
 * with a leading '. */
static void
test_formula_cells (void)
{
  static const struct { const char *cell; const char *written; } cases[] = {
    { "=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"" },
    { "+1+1", "\"'+1+1\"" },
    { "-2+3", "\"'-2+3\"" },
    { "@SUM(A1)", "\"'@SUM(A1)\"" },
    { "\t=1", "\"'\t=1\"" },
    { "\r=1", "\"'\r=1\"" },
    { "Sensor =1", "Sensor =1" },
    { "a,b", "\"a,b\"" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *fields[] = { cases[i].cell, "x" };
      g_autoptr(GString) out = g_string_new (NULL);
      g_autofree char *expected = g_strconcat (cases[i].written, ",x\r\n", NULL);
      g_autoptr(GPtrArray) rows = NULL;
      g_autoptr(GError) error = NULL;
      OnbCsvRow *row;

      onb_csv_append_row (out, fields, G_N_ELEMENTS (fields));
      g_assert_cmpstr (out->str, ==, expected);

      rows = onb_csv_parse (out->str, out->len, &error);
      g_assert_no_error (error);
      row = g_ptr_array_index (rows, 0);
      if (strcmp (cases[i].written, cases[i].cell) != 0 && cases[i].written[1] == '\'')
        {
          g_assert_cmpint (row->fields[0][0], ==, '\'');
          g_assert_cmpstr (row->fields[0] + 1, ==, cases[i].cell);
        }
      else
        g_assert_cmpstr (row->fields[0], ==, cases[i].cell);
    }
}

/* The row in the error (and so in import --json) is the row of the message. */
static void
test_error_row (void)
{
  const char *unterminated = "dev_eui,join_eui,app_key,name\r\n\"0018B20000000101,x\r\n";
  const char *stray = "a,b\r\nc,d\r\ne\"f,g\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  rows = onb_csv_parse (unterminated, strlen (unterminated), &error);
  g_assert_error (error, ONB_CSV_ERROR, ONB_CSV_ERROR_UNTERMINATED_QUOTE);
  g_assert_nonnull (strstr (error->message, "Row 2"));
  g_assert_cmpuint (onb_csv_error_get_row (error), ==, 2);
  g_assert_cmpstr (onb_error_get_reason (error), ==, "csv-unterminated-quote");
  g_clear_error (&error);

  rows = onb_csv_parse (stray, strlen (stray), &error);
  g_assert_error (error, ONB_CSV_ERROR, ONB_CSV_ERROR_STRAY_QUOTE);
  g_assert_cmpuint (onb_csv_error_get_row (error), ==, 3);
  g_clear_error (&error);

  g_assert_cmpuint (onb_csv_error_get_row (NULL), ==, 0);
}

/* The import report (what `import --json` prints) carries that row. */
static void
test_import_report_row (void)
{
  const char *data = "dev_eui,join_eui,app_key,name\r\n\"0018B20000000101,x\r\n";
  g_autofree char *dir = g_dir_make_tmp ("onb-test-csv-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "registry.sqlite", NULL);
  g_autoptr(OnbRegistry) registry = NULL;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  OnbImportProblem *problem;

  registry = onb_registry_open (path, &error);
  g_assert_no_error (error);
  g_assert_false (onb_registry_import_data (registry, data, strlen (data), 0, &report, &error));
  g_assert_error (error, ONB_CSV_ERROR, ONB_CSV_ERROR_UNTERMINATED_QUOTE);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->problems->len, ==, 1);
  problem = g_ptr_array_index (report->problems, 0);
  g_assert_cmpuint (problem->row, ==, 2);

  g_clear_object (&registry);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/csv/formula-cells", test_formula_cells);
  g_test_add_func ("/csv/error-row", test_error_row);
  g_test_add_func ("/csv/import-report-row", test_import_report_row);

  return g_test_run ();
}
