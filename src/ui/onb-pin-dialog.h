/* onb-pin-dialog.h: asks for the kiosk PIN before Setup or quitting */
#pragma once

#include <adwaita.h>

#include "onb-pin-guard.h"

G_BEGIN_DECLS

#define ONB_TYPE_PIN_DIALOG (onb_pin_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OnbPinDialog, onb_pin_dialog, ONB, PIN_DIALOG, AdwWindow)

/* Emits "unlocked" and closes when the PIN typed matches @pin. Wrong
 * PINs go on @guard's record, and while it asks to wait the keypad is
 * off and a countdown says for how long. */
OnbPinDialog *onb_pin_dialog_new        (GtkWindow    *parent,
                                         const char   *pin,
                                         OnbPinGuard  *guard,
                                         const char   *reason);
/* Types @digits as a person would on the keypad, then presses OK (tests). */
void          onb_pin_dialog_enter      (OnbPinDialog *self,
                                         const char   *digits);
const char   *onb_pin_dialog_get_message (OnbPinDialog *self);

G_END_DECLS
