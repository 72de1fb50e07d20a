/* onb-pin-guard.c: the kiosk PIN's rules and its record of wrong guesses
 *
 * The wait is kept in wall-clock time so that it survives a restart; a
 * clock set back cannot stretch it beyond its own length, and a clock set
 * forward only ends it early (the next wrong PINs start a longer one).
 */

#define G_LOG_DOMAIN "onb-pin-guard"

#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "onb-core-enums.h"
#include "onb-error.h"
#include "onb-pin-guard.h"

#define RECORD_NAME  "pin-attempts"
#define GROUP        "pin"
#define MAX_FAILURES 100

ONB_DEFINE_ERROR_DOMAIN (onb_pin_error, onb_pin_error_get_type)

struct _OnbPinGuard
{
  GObject    parent_instance;

  char      *path;
  GPtrArray *failures;      /* GDateTime, oldest first */
  guint      wrong_in_a_row;
  guint      waits;         /* waits since the last right PIN */
  gint64     wait_until;    /* seconds since the epoch, 0: none */
  gboolean   memory_only;
  gboolean   warned;        /* about memory_only, once */
};

G_DEFINE_FINAL_TYPE (OnbPinGuard, onb_pin_guard, G_TYPE_OBJECT)

/* PIN strength ------------------------------------------------------------- */

static const char *
how_to_choose (void)
{
  return _("Choose 6 to 12 digits that are not one digit repeated (000000), "
           "not a run (123456, 654321) and not a short group repeated (121212).");
}

/* Every digit one more (or one less) than the one before, 9 wrapping to 0. */
static gboolean
is_run (const char *pin,
        int         step)
{
  for (gsize i = 1; pin[i] != '\0'; i++)
    if ((pin[i - 1] - '0' + 10 + step) % 10 != pin[i] - '0')
      return FALSE;
  return TRUE;
}

/* The first @period digits, again and again (111111 has period 1). */
static gboolean
is_repeated (const char *pin,
             gsize       length,
             gsize       period)
{
  if (length < 2 * period)
    return FALSE;
  for (gsize i = period; i < length; i++)
    if (pin[i] != pin[i % period])
      return FALSE;
  return TRUE;
}

gboolean
onb_pin_check_strength (const char  *pin,
                        GError     **error)
{
  gsize length;

  if (pin == NULL || pin[0] == '\0')
    {
      g_set_error (error, ONB_PIN_ERROR, ONB_PIN_ERROR_MISSING,
                   _("This kiosk has no PIN, so anyone could open Setup. %s"), how_to_choose ());
      return FALSE;
    }

  length = strlen (pin);
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isdigit (pin[i]))
      {
        g_set_error (error, ONB_PIN_ERROR, ONB_PIN_ERROR_TOO_SHORT,
                     _("The PIN may hold only digits. %s"), how_to_choose ());
        return FALSE;
      }
  if (length < ONB_PIN_MIN_DIGITS || length > 12)
    {
      g_set_error (error, ONB_PIN_ERROR, ONB_PIN_ERROR_TOO_SHORT,
                   _("The PIN has %u digits: a kiosk's needs 6 to 12. %s"), (guint) length, how_to_choose ());
      return FALSE;
    }
  if (is_run (pin, 1) || is_run (pin, -1) ||
      is_repeated (pin, length, 1) || is_repeated (pin, length, 2) || is_repeated (pin, length, 3))
    {
      g_set_error (error, ONB_PIN_ERROR, ONB_PIN_ERROR_TOO_EASY,
                   _("The PIN is among the first anyone would try. %s"), how_to_choose ());
      return FALSE;
    }

  return TRUE;
}

/* The record ---------------------------------------------------------------- */

static guint
wait_length (guint waits)
{
  if (waits == 0)
    return 0;
  /* 30 s, 60 s, 120 s, … (no shift past the longest wait) */
  return waits > 7 ? ONB_PIN_LONGEST_WAIT_S
                   : MIN ((guint) ONB_PIN_FIRST_WAIT_S << (waits - 1), (guint) ONB_PIN_LONGEST_WAIT_S);
}

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
read_number (OnbPinGuard  *self,
             GKeyFile     *keyfile,
             const char   *key,
             gint64        max,
             gint64       *value,
             GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  *value = g_key_file_get_int64 (keyfile, GROUP, key, &local_error);
  if (local_error != NULL || *value < 0 || *value > max)
    {
      g_set_error (error, ONB_PIN_ERROR, ONB_PIN_ERROR_BAD_RECORD,
                   _("The record of wrong PINs %s holds no valid number for “%s”."), self->path, key);
      return FALSE;
    }
  return TRUE;
}

/* Reads the record; FALSE with words when it holds something else. */
static gboolean
load (OnbPinGuard  *self,
      GError      **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) times = NULL;
  gint64 value;

  if (!g_key_file_load_from_file (keyfile, self->path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, ONB_PIN_ERROR, ONB_PIN_ERROR_BAD_RECORD,
                   _("The record of wrong PINs %s cannot be read: %s"), self->path, local_error->message);
      return FALSE;
    }

  /* An empty record: no wrong PIN yet. */
  if (!g_key_file_has_group (keyfile, GROUP))
    return TRUE;
  if (!read_number (self, keyfile, "wrong_in_a_row", ONB_PIN_ATTEMPTS_PER_WAIT - 1, &value, error))
    return FALSE;
  self->wrong_in_a_row = value;
  if (!read_number (self, keyfile, "waits", G_MAXINT, &value, error))
    return FALSE;
  self->waits = value;
  if (!read_number (self, keyfile, "wait_until", G_MAXINT64, &value, error))
    return FALSE;
  self->wait_until = value;

  times = g_key_file_get_string_list (keyfile, GROUP, "failures", NULL, NULL);
  for (guint i = 0; times != NULL && times[i] != NULL; i++)
    {
      GDateTime *when = g_date_time_new_from_iso8601 (times[i], NULL);

      if (when == NULL)
        {
          g_set_error (error, ONB_PIN_ERROR, ONB_PIN_ERROR_BAD_RECORD,
                       _("The record of wrong PINs %s holds “%s” where a time belongs."), self->path, times[i]);
          return FALSE;
        }
      g_ptr_array_add (self->failures, when);
    }
  while (self->failures->len > MAX_FAILURES)
    g_ptr_array_remove_index (self->failures, 0);

  return TRUE;
}

static void
save (OnbPinGuard *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *contents = NULL;
  g_auto(GStrv) times = NULL;
  gsize length;

  g_key_file_set_int64 (keyfile, GROUP, "wrong_in_a_row", self->wrong_in_a_row);
  g_key_file_set_int64 (keyfile, GROUP, "waits", self->waits);
  g_key_file_set_int64 (keyfile, GROUP, "wait_until", self->wait_until);
  for (guint i = 0; i < self->failures->len; i++)
    {
      g_autofree char *when = g_date_time_format_iso8601 (g_ptr_array_index (self->failures, i));

      g_strv_builder_add (builder, when);
    }
  times = g_strv_builder_end (builder);
  g_key_file_set_string_list (keyfile, GROUP, "failures", (const char * const *) times, g_strv_length (times));
  contents = g_key_file_to_data (keyfile, &length, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s", g_strerror (errno));
  else
    g_file_set_contents_full (self->path, contents, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);

  if (error != NULL && !self->warned)
    g_warning (_("Wrong PINs cannot be recorded in %s (%s): a wait after wrong PINs lasts only until "
                 "Onboarder restarts."), self->path, error->message);
  self->warned |= error != NULL;
  self->memory_only = error != NULL;
}

/* Whether the record can be written, without writing anything: `check`
 * and History only look. (A read-only mount says no even to root.) */
static gboolean
can_write (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_access (path, W_OK) == 0;
  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_access (dir, W_OK) == 0;
  return TRUE;  /* made with the data folder, on the first wrong PIN */
}

OnbPinGuard *
onb_pin_guard_new (const char *data_dir)
{
  OnbPinGuard *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (ONB_TYPE_PIN_GUARD, NULL);
  self->path = g_build_filename (data_dir, RECORD_NAME, NULL);
  self->memory_only = !can_write (self->path);
  if (!load (self, &error))
    {
      /* A damaged record never shortens a wait: it counts as a round of
       * wrong PINs. */
      g_warning ("%s", error->message);
      g_ptr_array_set_size (self->failures, 0);
      self->wrong_in_a_row = 0;
      self->waits = MAX (self->waits, 1);
      self->wait_until = now_s () + wait_length (self->waits);
    }

  return self;
}

guint
onb_pin_guard_get_wait (OnbPinGuard *self)
{
  gint64 left;

  g_return_val_if_fail (ONB_IS_PIN_GUARD (self), 0);

  left = self->wait_until - now_s ();
  if (left <= 0)
    return 0;
  return MIN ((guint64) left, (guint64) wait_length (self->waits));
}

void
onb_pin_guard_record_failure (OnbPinGuard *self)
{
  g_return_if_fail (ONB_IS_PIN_GUARD (self));

  g_ptr_array_add (self->failures, g_date_time_new_now_utc ());
  while (self->failures->len > MAX_FAILURES)
    g_ptr_array_remove_index (self->failures, 0);

  if (++self->wrong_in_a_row >= ONB_PIN_ATTEMPTS_PER_WAIT)
    {
      self->wrong_in_a_row = 0;
      self->waits = MIN (self->waits + 1, (guint) G_MAXINT);
      self->wait_until = now_s () + wait_length (self->waits);
    }
  save (self);
}

void
onb_pin_guard_record_success (OnbPinGuard *self)
{
  g_return_if_fail (ONB_IS_PIN_GUARD (self));

  if (self->wrong_in_a_row == 0 && self->waits == 0 && self->wait_until == 0)
    return;
  self->wrong_in_a_row = 0;
  self->waits = 0;
  self->wait_until = 0;
  save (self);
}

GPtrArray *
onb_pin_guard_get_failures (OnbPinGuard *self)
{
  g_return_val_if_fail (ONB_IS_PIN_GUARD (self), NULL);

  return self->failures;
}

gboolean
onb_pin_guard_get_memory_only (OnbPinGuard *self)
{
  g_return_val_if_fail (ONB_IS_PIN_GUARD (self), FALSE);

  return self->memory_only;
}

const char *
onb_pin_guard_get_path (OnbPinGuard *self)
{
  g_return_val_if_fail (ONB_IS_PIN_GUARD (self), NULL);

  return self->path;
}

static void
onb_pin_guard_finalize (GObject *object)
{
  OnbPinGuard *self = ONB_PIN_GUARD (object);

  g_free (self->path);
  g_ptr_array_unref (self->failures);

  G_OBJECT_CLASS (onb_pin_guard_parent_class)->finalize (object);
}

static void
onb_pin_guard_class_init (OnbPinGuardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_pin_guard_finalize;
}

static void
onb_pin_guard_init (OnbPinGuard *self)
{
  self->failures = g_ptr_array_new_with_free_func ((GDestroyNotify) g_date_time_unref);
}
