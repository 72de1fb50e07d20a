/* onb-check-results.h: Test Connection's answers on the Setup page
 *
 * The connection test item by item (a failed item with a "Fix: <field>"
 * button when a field can mend it), and below it what each device model
 * gets here; and which metafields the Blynk template has, for the Setup
 * page to mark its metafield fields (the test's metafields item carries
 * them: Blynk is asked once).
 */
#pragma once

#include <adwaita.h>

#include "onb-config.h"
#include "onb-connection-check.h"
#include "onb-http-client.h"

G_BEGIN_DECLS

#define ONB_TYPE_CHECK_RESULTS (onb_check_results_get_type ())
G_DECLARE_FINAL_TYPE (OnbCheckResults, onb_check_results, ONB, CHECK_RESULTS, AdwPreferencesGroup)

/* The row of the field a failed @item asks to change, or NULL. */
typedef GtkWidget *(*OnbCheckFixFunc) (const OnbCheckItem *item,
                                       gpointer            user_data);

/* Says "Testing…" and tests @config; fails only when cancelled. */
void        onb_check_results_run_async      (OnbCheckResults     *self,
                                              OnbHttpClient       *http,
                                              OnbConfig           *config,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean    onb_check_results_run_finish     (OnbCheckResults     *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* The template's metafield names as the last test read them, sorted;
 * NULL when they could not be read. (transfer none) (nullable) */
const char * const *onb_check_results_get_metafields (OnbCheckResults *self);
/* Lists the last test's answers. */
void        onb_check_results_show           (OnbCheckResults     *self,
                                              OnbCheckFixFunc      fix,
                                              gpointer             user_data);
/* Every item and every model of the last test works. */
gboolean    onb_check_results_get_all_ok     (OnbCheckResults     *self);

G_END_DECLS
