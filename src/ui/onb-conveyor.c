/* onb-conveyor.c: a synthetic conveyor of labels for the demo and benchmarks
 *
 * A real GStreamer pipeline, so the scanner, zbar and the preview do real
 * work: an appsrc plays a cardboard-brown belt at 15 frames a second, with
 * a printed label (a QR code from libqrencode, drawn with cairo) under the
 * camera for two thirds of each interval and the empty belt for the rest.
 * The empty belt lets the same label come round again (the scanner ignores
 * a payload until it has been out of sight for its hold-off).
 *
 * Like a worker waiting for the answer, the belt stops while a box is being
 * created (onb_conveyor_set_held()): on a slow machine, each box's answer is
 * shown before the next box replaces it.
 *
 * Each label is drawn once, when it comes up. (GStreamer 1.22's qroverlay
 * would draw it on every frame and leaks about 80 KiB each time, which a
 * shift-long demo cannot afford.)
 */

#define G_LOG_DOMAIN "onb-conveyor"

#include "config.h"

#include <string.h>
#include <cairo.h>
#include <qrencode.h>
#include <gst/app/gstappsrc.h>

#include "onb-conveyor.h"

#define SOURCE_ELEMENT "onb-conveyor-belt"
#define FRAME_WIDTH    640
#define FRAME_HEIGHT   480
#define FRAME_RATE     15
#define MODULE_PX      4
#define QUIET_MODULES  4

struct _OnbConveyor
{
  GObject     parent_instance;

  GStrv       labels;
  char       *description;
  OnbScanner *scanner;
  GBytes     *belt;      /* the empty belt */
  GBytes     *frame;     /* what the camera sees now */
  guint       interval_ms;
  guint       label_timer;
  guint       frame_timer;
  guint       next;
  guint       n_shown;
  gboolean    showing;
  gboolean    held;
  gboolean    stalled;   /* a label's time is up, but the belt is held */
};

G_DEFINE_FINAL_TYPE (OnbConveyor, onb_conveyor, G_TYPE_OBJECT)

static GBytes *
surface_to_bytes (cairo_surface_t *surface)
{
  cairo_surface_flush (surface);
  return g_bytes_new (cairo_image_surface_get_data (surface),
                      (gsize) cairo_image_surface_get_stride (surface) * FRAME_HEIGHT);
}

static cairo_surface_t *
draw_belt (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, FRAME_WIDTH, FRAME_HEIGHT);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 0.61, 0.48, 0.31);
  cairo_paint (cr);
  /* Belt edges, so the picture reads as a conveyor. */
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  cairo_rectangle (cr, 0, 0, FRAME_WIDTH, 40);
  cairo_rectangle (cr, 0, FRAME_HEIGHT - 40, FRAME_WIDTH, 40);
  cairo_fill (cr);
  cairo_destroy (cr);

  return surface;
}

/* A white label with the code and, under it, its text as printed. */
static GBytes *
draw_label (const char *text)
{
  cairo_surface_t *surface = draw_belt ();
  cairo_t *cr = cairo_create (surface);
  QRcode *code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  GBytes *bytes;

  if (code != NULL)
    {
      int side = (code->width + 2 * QUIET_MODULES) * MODULE_PX;
      double x0 = (FRAME_WIDTH - side) / 2.0;
      double y0 = (FRAME_HEIGHT - side) / 2.0 - 10;
      cairo_text_extents_t extents;
      double label_width;

      cairo_select_font_face (cr, "monospace", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size (cr, 9);
      cairo_text_extents (cr, text, &extents);
      label_width = MAX (side, extents.x_advance) + 16;

      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_rectangle (cr, (FRAME_WIDTH - label_width) / 2, y0 - 8, label_width, side + 40);
      cairo_fill (cr);

      cairo_set_source_rgb (cr, 0, 0, 0);
      for (int y = 0; y < code->width; y++)
        for (int x = 0; x < code->width; x++)
          if (code->data[y * code->width + x] & 1)
            cairo_rectangle (cr,
                             x0 + (x + QUIET_MODULES) * MODULE_PX,
                             y0 + (y + QUIET_MODULES) * MODULE_PX,
                             MODULE_PX, MODULE_PX);
      cairo_fill (cr);

      cairo_move_to (cr, (FRAME_WIDTH - extents.x_advance) / 2, y0 + side + 18);
      cairo_show_text (cr, text);
      QRcode_free (code);
    }

  cairo_destroy (cr);
  bytes = surface_to_bytes (surface);
  cairo_surface_destroy (surface);
  return bytes;
}

static GstElement *
get_source (OnbConveyor *self)
{
  GstElement *pipeline;

  /* The scanner may be restarting: no pipeline for a moment. */
  if (self->scanner == NULL || (pipeline = onb_scanner_get_pipeline (self->scanner)) == NULL)
    return NULL;
  return gst_bin_get_by_name (GST_BIN (pipeline), SOURCE_ELEMENT);
}

static gboolean
push_frame (gpointer user_data)
{
  OnbConveyor *self = user_data;
  g_autoptr(GstElement) source = get_source (self);

  if (source != NULL)
    gst_app_src_push_buffer (GST_APP_SRC (source), gst_buffer_new_wrapped_bytes (self->frame));

  return G_SOURCE_CONTINUE;
}

static void schedule_label (OnbConveyor *self);

static gboolean
next_label (gpointer user_data)
{
  OnbConveyor *self = user_data;

  self->label_timer = 0;
  if (self->held)
    {
      self->stalled = TRUE;
      return G_SOURCE_REMOVE;
    }

  g_clear_pointer (&self->frame, g_bytes_unref);
  if (self->showing)
    {
      self->frame = g_bytes_ref (self->belt);
      self->showing = FALSE;
    }
  else
    {
      self->frame = draw_label (self->labels[self->next]);
      self->showing = TRUE;
      self->n_shown++;
      self->next = (self->next + 1) % g_strv_length (self->labels);
    }

  schedule_label (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_next (OnbConveyor *self,
               guint        delay_ms)
{
  if (self->scanner != NULL)
    self->label_timer = g_timeout_add (MAX (delay_ms, 1), next_label, self);
}

/* Two thirds of the interval under the camera, one third empty belt. */
static void
schedule_label (OnbConveyor *self)
{
  schedule_next (self, self->showing ? self->interval_ms * 2 / 3 : self->interval_ms / 3);
}

void
onb_conveyor_drive (OnbConveyor *self,
                    OnbScanner  *scanner)
{
  g_return_if_fail (ONB_IS_CONVEYOR (self));

  g_clear_handle_id (&self->label_timer, g_source_remove);
  g_clear_handle_id (&self->frame_timer, g_source_remove);
  g_set_object (&self->scanner, scanner);
  self->stalled = FALSE;
  g_clear_pointer (&self->frame, g_bytes_unref);
  self->frame = g_bytes_ref (self->belt);
  self->showing = FALSE;

  if (scanner != NULL)
    {
      self->frame_timer = g_timeout_add (1000 / FRAME_RATE, push_frame, self);
      schedule_label (self);
    }
}

/* Released, the belt stays put for two thirds of an interval more, so the
 * answer is seen before the next box comes. */
void
onb_conveyor_set_held (OnbConveyor *self,
                       gboolean     held)
{
  g_return_if_fail (ONB_IS_CONVEYOR (self));

  self->held = !!held;
  if (!self->held && self->stalled)
    {
      self->stalled = FALSE;
      schedule_next (self, self->interval_ms * 2 / 3);
    }
}

const char *
onb_conveyor_get_description (OnbConveyor *self)
{
  g_return_val_if_fail (ONB_IS_CONVEYOR (self), NULL);

  return self->description;
}

guint
onb_conveyor_get_n_shown (OnbConveyor *self)
{
  g_return_val_if_fail (ONB_IS_CONVEYOR (self), 0);

  return self->n_shown;
}

static void
onb_conveyor_dispose (GObject *object)
{
  OnbConveyor *self = ONB_CONVEYOR (object);

  g_clear_handle_id (&self->label_timer, g_source_remove);
  g_clear_handle_id (&self->frame_timer, g_source_remove);
  g_clear_object (&self->scanner);

  G_OBJECT_CLASS (onb_conveyor_parent_class)->dispose (object);
}

static void
onb_conveyor_finalize (GObject *object)
{
  OnbConveyor *self = ONB_CONVEYOR (object);

  g_strfreev (self->labels);
  g_free (self->description);
  g_clear_pointer (&self->belt, g_bytes_unref);
  g_clear_pointer (&self->frame, g_bytes_unref);

  G_OBJECT_CLASS (onb_conveyor_parent_class)->finalize (object);
}

static void
onb_conveyor_class_init (OnbConveyorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = onb_conveyor_dispose;
  object_class->finalize = onb_conveyor_finalize;
}

static void
onb_conveyor_init (OnbConveyor *self)
{
  cairo_surface_t *belt = draw_belt ();

  self->belt = surface_to_bytes (belt);
  cairo_surface_destroy (belt);
}

OnbConveyor *
onb_conveyor_new (const char * const *labels,
                  guint               interval_ms)
{
  OnbConveyor *self;

  g_return_val_if_fail (labels != NULL && labels[0] != NULL, NULL);
  g_return_val_if_fail (interval_ms > 0, NULL);

  self = g_object_new (ONB_TYPE_CONVEYOR, NULL);
  self->labels = g_strdupv ((char **) labels);
  self->interval_ms = interval_ms;
  /* cairo's RGB24 is BGRx in memory on little-endian machines, xRGB on
   * big-endian ones. do-timestamp: frames carry the time they were pushed. */
  self->description = g_strdup_printf (
    "appsrc name=" SOURCE_ELEMENT " is-live=true format=time do-timestamp=true "
    "max-buffers=4 leaky-type=downstream "
    "caps=video/x-raw,format=%s,width=%d,height=%d,framerate=%d/1 ! videoconvert",
    G_BYTE_ORDER == G_LITTLE_ENDIAN ? "BGRx" : "xRGB",
    FRAME_WIDTH, FRAME_HEIGHT, FRAME_RATE);

  return self;
}
