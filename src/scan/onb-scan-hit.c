/* onb-scan-hit.c: one label code read by the scanner */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <string.h>

#include "onb-scan-hit.h"

struct _OnbScanHit
{
  gatomicrefcount ref_count;
  GBytes *payload;
  OnbCode *code;
  GError *rejection;
  OnbScanPoint corners[4];
  guint n_corners;
  int frame_width;
  int frame_height;
  guint64 frame_time;
};

G_DEFINE_BOXED_TYPE (OnbScanHit, onb_scan_hit, onb_scan_hit_ref, onb_scan_hit_unref)

/**
 * onb_scan_hit_new:
 * @payload: the decoded bytes
 * @profile_ids: (nullable): accepted Profile IDs, or %NULL to skip that check
 * @frame_time: the frame's stream time in nanoseconds
 *
 * Parses @payload with the label parser; a code that does not parse or
 * belongs to another product is kept with the reason it was rejected.
 */
OnbScanHit *
onb_scan_hit_new (GBytes             *payload,
                  const OnbScanPoint *corners,
                  guint               n_corners,
                  int                 frame_width,
                  int                 frame_height,
                  guint64             frame_time,
                  const char * const *profile_ids)
{
  OnbScanHit *self;
  gsize length;
  const char *data;

  g_return_val_if_fail (payload != NULL, NULL);
  g_return_val_if_fail (n_corners == 0 || corners != NULL, NULL);

  self = g_new0 (OnbScanHit, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->payload = g_bytes_ref (payload);
  self->n_corners = MIN (n_corners, G_N_ELEMENTS (self->corners));
  if (self->n_corners > 0)
    memcpy (self->corners, corners, self->n_corners * sizeof *corners);
  self->frame_width = frame_width;
  self->frame_height = frame_height;
  self->frame_time = frame_time;

  data = g_bytes_get_data (payload, &length);
  self->code = onb_code_parse (data != NULL ? data : "", length, &self->rejection);
  if (self->code != NULL && profile_ids != NULL)
    onb_code_check_profile (self->code, profile_ids, &self->rejection);

  return self;
}

OnbScanHit *
onb_scan_hit_ref (OnbScanHit *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
onb_scan_hit_unref (OnbScanHit *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_bytes_unref (self->payload);
      g_clear_pointer (&self->code, onb_code_unref);
      g_clear_error (&self->rejection);
      g_free (self);
    }
}

GBytes *
onb_scan_hit_get_payload (const OnbScanHit *self)
{
  return self->payload;
}

/* Returns: (nullable) (transfer none): the parsed code, also for a code of
 * another product (its fields say which product it is). */
OnbCode *
onb_scan_hit_get_code (const OnbScanHit *self)
{
  return self->code;
}

/* Returns: (nullable): why the code is not acted on. */
const GError *
onb_scan_hit_get_rejection (const OnbScanHit *self)
{
  return self->rejection;
}

gboolean
onb_scan_hit_is_accepted (const OnbScanHit *self)
{
  return self->code != NULL && self->rejection == NULL;
}

const OnbScanPoint *
onb_scan_hit_get_corners (const OnbScanHit *self,
                          guint            *n_corners)
{
  if (n_corners != NULL)
    *n_corners = self->n_corners;
  return self->corners;
}

void
onb_scan_hit_get_frame_size (const OnbScanHit *self,
                             int              *width,
                             int              *height)
{
  if (width != NULL)
    *width = self->frame_width;
  if (height != NULL)
    *height = self->frame_height;
}

guint64
onb_scan_hit_get_frame_time (const OnbScanHit *self)
{
  return self->frame_time;
}
