/* onb-model-sections.h: the [model XXXXXXXX] sections in Setup
 *
 * One expandable row per device model, named by the Profile ID its labels
 * print, with the keys a model section takes; models are added by their
 * Profile ID and removed with a button. Saved with the page's Save.
 */
#pragma once

#include <adwaita.h>

#include "onb-config.h"

G_BEGIN_DECLS

#define ONB_TYPE_MODEL_SECTIONS (onb_model_sections_get_type ())
G_DECLARE_FINAL_TYPE (OnbModelSections, onb_model_sections, ONB, MODEL_SECTIONS, AdwPreferencesGroup)

/* Shows the model sections of @config. */
void       onb_model_sections_set_config  (OnbModelSections *self,
                                           OnbConfig        *config);
/* Checks every field; the row of the first one that does not pass, or
 * NULL. */
GtkWidget *onb_model_sections_validate    (OnbModelSections *self);
/* Replaces @config's model sections by those shown. */
void       onb_model_sections_into_config (OnbModelSections *self,
                                           OnbConfig        *config);

G_END_DECLS
