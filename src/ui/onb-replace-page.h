/* onb-replace-page.h: the hardware swap, step by step */
#pragma once

#include <gtk/gtk.h>

#include "onb-engine.h"

G_BEGIN_DECLS

#define ONB_TYPE_REPLACE_PAGE (onb_replace_page_get_type ())
G_DECLARE_FINAL_TYPE (OnbReplacePage, onb_replace_page, ONB, REPLACE_PAGE, GtkWidget)

void     onb_replace_page_set_engine   (OnbReplacePage *self,
                                        OnbEngine      *engine);
/* The old device, as its label or DevEUI (from History). */
void     onb_replace_page_set_old      (OnbReplacePage *self,
                                        const char     *old_data);
/* A scan while the page is shown: fills the old, then the new device.
 * Returns FALSE when both are already filled (the scan is not taken). */
gboolean onb_replace_page_take_payload (OnbReplacePage *self,
                                        const char     *payload,
                                        gsize           length);

G_END_DECLS
