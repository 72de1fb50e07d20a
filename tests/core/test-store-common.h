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

/* Rows without an AppKey (no such column, or an empty cell) are stored
 * and read back without one, through @writer then @reader; a malformed
 * key is still refused. */
void onb_test_store_check_keyless (OnbRegistry *writer,
                                   OnbRegistry *reader);
/* Boxes in no list added at a scan through @writer: one batch, made once,
 * its rows without keys, read back through @reader. */
void onb_test_store_check_unlisted (OnbRegistry *writer,
                                    OnbRegistry *reader);

G_END_DECLS
