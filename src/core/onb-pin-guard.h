/* onb-pin-guard.h: the kiosk PIN's rules and its record of wrong guesses
 *
 * A PIN is good in kiosk mode when it has 6 to 12 digits and is not an
 * obvious one (one digit repeated, a run up or down, a short block
 * repeated). Wrong PINs are recorded with their time in the station's
 * data folder (file "pin-attempts"); after 5 in a row the kiosk waits
 * 30 s, and every further 5 double the wait (at most an hour). The record
 * survives a restart; on a folder that cannot be written it is kept in
 * memory only, and says so.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ONB_PIN_ERROR (onb_pin_error_quark ())

typedef enum
{
  ONB_PIN_ERROR_MISSING,    /*< nick=pin-missing >*/
  ONB_PIN_ERROR_TOO_SHORT,  /*< nick=pin-too-short >*/
  ONB_PIN_ERROR_TOO_EASY,   /*< nick=pin-too-easy >*/
  ONB_PIN_ERROR_BAD_RECORD, /*< nick=pin-record-invalid >*/
} OnbPinError;

GQuark       onb_pin_error_quark             (void);

#define ONB_PIN_MIN_DIGITS        6
#define ONB_PIN_ATTEMPTS_PER_WAIT 5
#define ONB_PIN_FIRST_WAIT_S      30
#define ONB_PIN_LONGEST_WAIT_S    3600

/* Whether @pin may guard a kiosk; the error says how to choose a good one. */
gboolean     onb_pin_check_strength          (const char  *pin,
                                              GError     **error);

#define ONB_TYPE_PIN_GUARD (onb_pin_guard_get_type ())
G_DECLARE_FINAL_TYPE (OnbPinGuard, onb_pin_guard, ONB, PIN_GUARD, GObject)

/* Reads the record in @data_dir (a missing one is empty). A record that
 * cannot be read is reported once with g_warning() and counts as a full
 * round of wrong PINs, so damaging it never shortens a wait. */
OnbPinGuard *onb_pin_guard_new               (const char  *data_dir);
/* Seconds until the next PIN may be tried, 0 when it may be now. */
guint        onb_pin_guard_get_wait          (OnbPinGuard *self);
void         onb_pin_guard_record_failure    (OnbPinGuard *self);
/* A right PIN: the wrong ones in a row and the waits start over; the
 * record of past wrong PINs stays. */
void         onb_pin_guard_record_success    (OnbPinGuard *self);
/* The recorded wrong PINs, oldest first (at most the last 100). */
GPtrArray   *onb_pin_guard_get_failures      (OnbPinGuard *self);
/* TRUE when the record cannot be written: waits last until a restart. */
gboolean     onb_pin_guard_get_memory_only   (OnbPinGuard *self);
const char  *onb_pin_guard_get_path          (OnbPinGuard *self);

G_END_DECLS
