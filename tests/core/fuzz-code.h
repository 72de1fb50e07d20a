#pragma once

#include <glib.h>

int   LLVMFuzzerTestOneInput (const guint8 *data,
                              size_t        size);

/* A private folder for a target's files, removed with them at exit
 * (fuzz-dir.c). */
char *fuzz_make_dir          (void);
