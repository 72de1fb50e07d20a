/* test-pin-guard.c: the kiosk PIN's rules and its record of wrong guesses */

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "onb-error.h"
#include "onb-pin-guard.h"

static void
test_strength (void)
{
  static const struct { const char *pin; const char *reason; } cases[] = {
    { "482916", NULL },
    { "90817263", NULL },
    { "730194825561", NULL },
    { NULL, "pin-missing" },
    { "", "pin-missing" },
    { "4321", "pin-too-short" },
    { "48291", "pin-too-short" },
    { "4829167301945", "pin-too-short" },
    { "48a916", "pin-too-short" },
    { "000000", "pin-too-easy" },
    { "111111", "pin-too-easy" },
    { "123456", "pin-too-easy" },
    { "654321", "pin-too-easy" },
    { "890123", "pin-too-easy" },
    { "3210987", "pin-too-easy" },
    { "121212", "pin-too-easy" },
    { "123123", "pin-too-easy" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = onb_pin_check_strength (cases[i].pin, &error);

      if (cases[i].reason == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }
      g_assert_nonnull (error);
      g_assert_false (ok);
      g_assert_cmpstr (onb_error_get_reason (error), ==, cases[i].reason);
      /* The words say how to choose a good one. */
      g_assert_nonnull (strstr (error->message, "6 to 12 digits"));
    }
}

static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("onb-pin-guard-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_dir (const char *dir)
{
  g_autofree char *record = g_build_filename (dir, "pin-attempts", NULL);

  g_unlink (record);
  g_rmdir (dir);
}

static void
fail (OnbPinGuard *guard,
      guint        times)
{
  for (guint i = 0; i < times; i++)
    onb_pin_guard_record_failure (guard);
}

static void
test_waits (void)
{
  g_autofree char *dir = make_dir ();
  g_autoptr(OnbPinGuard) guard = onb_pin_guard_new (dir);
  g_autoptr(OnbPinGuard) again = NULL;
  GStatBuf st;

  g_assert_false (onb_pin_guard_get_memory_only (guard));
  fail (guard, 4);
  g_assert_cmpuint (onb_pin_guard_get_wait (guard), ==, 0);
  fail (guard, 1);
  g_assert_cmpuint (onb_pin_guard_get_wait (guard), >, 25);
  g_assert_cmpuint (onb_pin_guard_get_wait (guard), <=, 30);
  g_assert_cmpuint (onb_pin_guard_get_failures (guard)->len, ==, 5);

  /* Written 0600, and a restart keeps both the wait and the failures. */
  g_assert_cmpint (g_stat (onb_pin_guard_get_path (guard), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  again = onb_pin_guard_new (dir);
  g_assert_cmpuint (onb_pin_guard_get_wait (again), >, 25);
  g_assert_cmpuint (onb_pin_guard_get_failures (again)->len, ==, 5);

  /* The next five double it. */
  fail (again, 5);
  g_assert_cmpuint (onb_pin_guard_get_wait (again), >, 55);
  g_assert_cmpuint (onb_pin_guard_get_wait (again), <=, 60);

  /* The right PIN starts over; the failures stay on record. */
  onb_pin_guard_record_success (again);
  g_assert_cmpuint (onb_pin_guard_get_wait (again), ==, 0);
  g_assert_cmpuint (onb_pin_guard_get_failures (again)->len, ==, 10);
  fail (again, 5);
  g_assert_cmpuint (onb_pin_guard_get_wait (again), <=, 30);

  remove_dir (dir);
}

/* A damaged record counts as a round of wrong PINs, never as none. */
static void
test_damaged (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *record = g_build_filename (dir, "pin-attempts", NULL);
  g_autoptr(OnbPinGuard) guard = NULL;

  g_assert_true (g_file_set_contents (record, "[pin]\nwaits=many\n", -1, NULL));
  g_test_expect_message ("onb-pin-guard", G_LOG_LEVEL_WARNING, "*no valid number for “wrong_in_a_row”*");
  guard = onb_pin_guard_new (dir);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (onb_pin_guard_get_wait (guard), >, 25);

  remove_dir (dir);
}

/* A folder nothing can be written to (even by root): the wait is kept in
 * memory and says so. */
static void
test_memory_only (void)
{
  g_autoptr(OnbPinGuard) guard = onb_pin_guard_new ("/proc");

  /* Root may pass the look before writing, but not the write. */
  if (getuid () != 0)
    g_assert_true (onb_pin_guard_get_memory_only (guard));
  g_test_expect_message ("onb-pin-guard", G_LOG_LEVEL_WARNING, "*lasts only until Onboarder restarts*");
  fail (guard, 5);
  g_test_assert_expected_messages ();
  g_assert_true (onb_pin_guard_get_memory_only (guard));
  g_assert_cmpuint (onb_pin_guard_get_wait (guard), >, 25);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pin-guard/strength", test_strength);
  g_test_add_func ("/pin-guard/waits", test_waits);
  g_test_add_func ("/pin-guard/damaged", test_damaged);
  g_test_add_func ("/pin-guard/memory-only", test_memory_only);

  return g_test_run ();
}
