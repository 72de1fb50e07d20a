/* onb-test-assert.h: an assertion that shows the error before the result */
#pragma once

#include <glib.h>

/* Asserts that @expr, a call that sets @error when it fails, succeeded.
 * @error is asserted first, so a failure shows its message rather than
 * just "'expr' should be TRUE". */
#define onb_test_assert_ok(expr, error)                                                    \
  G_STMT_START {                                                                           \
    gboolean onb_test_ok_ = (expr);                                                        \
    g_assert_no_error (error);                                                             \
    if (!onb_test_ok_)                                                                     \
      g_assertion_message_expr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, "'" #expr "' should be TRUE"); \
  } G_STMT_END
