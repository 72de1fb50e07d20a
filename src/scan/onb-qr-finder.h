/* onb-qr-finder.h: where QR codes may be in a frame, cheaply
 *
 * Looks along every few rows for the 1:1:3:1:1 dark-light runs of a QR
 * finder pattern (either polarity), confirms each down its column, and
 * groups three finders that can be the corners of one code.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double x, y;            /* centre, frame pixels */
  double module;          /* pixels per module */
  double softness;        /* 0 sharp .. 1 washed out: how blurred its edges are */
  gboolean inverted;      /* light finder on a dark label */
  guint hits;             /* rows that crossed it */
} OnbQrFinder;

typedef struct
{
  double x0, y0, x1, y1;  /* where to look, frame pixels */
  double module;          /* smallest module of its finders */
  gboolean inverted;
  /* With 3 finders: the corner one, then the one to its right, then the
   * one below it (as the code reads). */
  OnbQrFinder finders[3];
  guint n_finders;
} OnbQrCandidate;

/* Returns: (element-type OnbQrCandidate): at most @max_candidates, the
 * most likely first. @row_step: look along every row_step-th row. */
GArray *onb_qr_find_candidates (const guint8 *luma,
                                guint         width,
                                guint         height,
                                gsize         stride,
                                guint         row_step,
                                guint         max_candidates);

G_END_DECLS
