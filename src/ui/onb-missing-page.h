/* onb-missing-page.h: "Still to scan": the current batch's devices that are
 * not done, searchable, exported as CSV for the people on the floor */
#pragma once

#include <gtk/gtk.h>

#include "onb-batch-model.h"

G_BEGIN_DECLS

#define ONB_TYPE_MISSING_PAGE (onb_missing_page_get_type ())
G_DECLARE_FINAL_TYPE (OnbMissingPage, onb_missing_page, ONB, MISSING_PAGE, GtkWidget)

/* At most this many rows are shown; the search narrows the rest down. */
#define ONB_MISSING_PAGE_MAX_ROWS 200

void     onb_missing_page_set_model  (OnbMissingPage *self,
                                      OnbBatchModel  *model);
/* Writes the list (all of it, not only the rows the search shows) as CSV. */
gboolean onb_missing_page_export     (OnbMissingPage *self,
                                      const char     *path,
                                      GError        **error);
/* For the tests: the rows shown now. */
guint    onb_missing_page_get_n_rows (OnbMissingPage *self);

G_END_DECLS
