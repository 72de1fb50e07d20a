/* onb-model-private.h: how OnbModelTable makes its models */
#pragma once

#include "onb-config.h"
#include "onb-model.h"

G_BEGIN_DECLS

/* @group: the model's [model XXXXXXXX] section, or NULL for a listed
 * Profile ID (@profile_id) or the implied model (both NULL). @plans: the
 * station's frequency plans, in order. */
OnbModel *_onb_model_new (OnbConfig          *config,
                          const char         *group,
                          const char         *profile_id,
                          const char * const *plans);

G_END_DECLS
