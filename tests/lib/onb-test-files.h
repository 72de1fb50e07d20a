/* onb-test-files.h: folders a test makes and removes */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes @path and everything below it; a missing @path is fine. */
void onb_test_remove_tree (const char *path);

G_END_DECLS
