/* test-store-common.h: checks every device store must pass, run by the
 * SQLite and the PostgreSQL store's tests alike */
#pragma once

#include "onb-registry.h"

G_BEGIN_DECLS

/* The Device Repository's answers kept by Profile ID: written through
 * @writer, read back through @reader (the same registry, or another
 * station's over the same store). */
void onb_test_store_check_model_templates (OnbRegistry *writer,
                                           OnbRegistry *reader);

G_END_DECLS
