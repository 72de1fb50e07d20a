/* onb-conveyor.h: a synthetic conveyor of labels for the demo and benchmarks */
#pragma once

#include <glib-object.h>

#include "onb-scanner.h"

G_BEGIN_DECLS

#define ONB_TYPE_CONVEYOR (onb_conveyor_get_type ())
G_DECLARE_FINAL_TYPE (OnbConveyor, onb_conveyor, ONB, CONVEYOR, GObject)

/* One label every @interval_ms, in order, round and round. */
OnbConveyor *onb_conveyor_new                  (const char * const *labels,
                                                guint               interval_ms);
/* The GStreamer description the scanner runs (raw video at its end). */
const char  *onb_conveyor_get_description      (OnbConveyor        *self);
/* Drives the labels of @scanner's running pipeline; %NULL stops. */
void         onb_conveyor_drive                (OnbConveyor        *self,
                                                OnbScanner         *scanner);
/* While held, the belt stops: the label or empty belt under the camera stays. */
void         onb_conveyor_set_held             (OnbConveyor        *self,
                                                gboolean            held);
/* Labels put in front of the camera so far. */
guint        onb_conveyor_get_n_shown          (OnbConveyor        *self);

G_END_DECLS
