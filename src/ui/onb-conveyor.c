/* onb-conveyor.c: a synthetic conveyor of labels for the demo and benchmarks
 *
 * A real GStreamer pipeline, so the scanner, zbar and the preview do real
 * work: a cardboard-brown belt (videotestsrc) split in two, one branch with
 * a label drawn on it (qroverlay), and an input-selector choosing between
 * "label under the camera" and "empty belt". The empty belt between labels
 * lets the same label come round again (the scanner ignores a payload until
 * it has been out of sight for its hold-off).
 */

#define G_LOG_DOMAIN "onb-conveyor"

#include "config.h"

#include <string.h>

#include "onb-conveyor.h"

#define LABEL_ELEMENT    "onb-conveyor-label"
#define SELECTOR_ELEMENT "onb-conveyor-selector"

struct _OnbConveyor
{
  GObject     parent_instance;

  GStrv       labels;
  char       *description;
  OnbScanner *scanner;
  guint       interval_ms;
  guint       timer;
  guint       next;
  guint       n_shown;
  gboolean    showing;
};

G_DEFINE_FINAL_TYPE (OnbConveyor, onb_conveyor, G_TYPE_OBJECT)

static gboolean
set_selector (OnbConveyor *self,
              GstElement  *pipeline,
              gboolean     show_label)
{
  g_autoptr(GstElement) selector = gst_bin_get_by_name (GST_BIN (pipeline), SELECTOR_ELEMENT);
  g_autoptr(GstPad) pad = NULL;

  if (selector == NULL)
    return FALSE;

  pad = gst_element_get_static_pad (selector, show_label ? "sink_0" : "sink_1");
  if (pad == NULL)
    return FALSE;
  g_object_set (selector, "active-pad", pad, NULL);
  return TRUE;
}

static void schedule (OnbConveyor *self);

static gboolean
tick (gpointer user_data)
{
  OnbConveyor *self = user_data;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) label = NULL;

  self->timer = 0;

  /* The scanner may be restarting; try again on the next tick. */
  if (self->scanner != NULL && (pipeline = onb_scanner_get_pipeline (self->scanner)) != NULL)
    {
      gst_object_ref (pipeline);
      if (self->showing)
        {
          set_selector (self, pipeline, FALSE);
          self->showing = FALSE;
        }
      else if ((label = gst_bin_get_by_name (GST_BIN (pipeline), LABEL_ELEMENT)) != NULL)
        {
          g_object_set (label, "data", self->labels[self->next], NULL);
          if (set_selector (self, pipeline, TRUE))
            {
              self->showing = TRUE;
              self->n_shown++;
              self->next = (self->next + 1) % g_strv_length (self->labels);
            }
        }
    }

  schedule (self);
  return G_SOURCE_REMOVE;
}

/* Two thirds of the interval under the camera, one third empty belt. */
static void
schedule (OnbConveyor *self)
{
  guint delay = self->showing ? self->interval_ms * 2 / 3 : self->interval_ms / 3;

  if (self->scanner != NULL)
    self->timer = g_timeout_add (MAX (delay, 1), tick, self);
}

void
onb_conveyor_drive (OnbConveyor *self,
                    OnbScanner  *scanner)
{
  g_return_if_fail (ONB_IS_CONVEYOR (self));

  g_clear_handle_id (&self->timer, g_source_remove);
  g_set_object (&self->scanner, scanner);
  self->showing = FALSE;
  schedule (self);
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

guint
onb_conveyor_get_n_labels (OnbConveyor *self)
{
  g_return_val_if_fail (ONB_IS_CONVEYOR (self), 0);

  return g_strv_length (self->labels);
}

static void
onb_conveyor_dispose (GObject *object)
{
  OnbConveyor *self = ONB_CONVEYOR (object);

  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_object (&self->scanner);

  G_OBJECT_CLASS (onb_conveyor_parent_class)->dispose (object);
}

static void
onb_conveyor_finalize (GObject *object)
{
  OnbConveyor *self = ONB_CONVEYOR (object);

  g_strfreev (self->labels);
  g_free (self->description);

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
  /* Labels are case-sensitive (static tokens): qroverlay must not upper-case
   * them. The belt starts with the first label under the camera. */
  g_return_val_if_fail (strpbrk (labels[0], "\"\\") == NULL, NULL);
  self->description = g_strdup_printf (
    "videotestsrc is-live=true pattern=solid-color foreground-color=0xff9c7a4f "
    "! video/x-raw,width=640,height=480,framerate=15/1 ! tee name=onb-conveyor-belt "
    "onb-conveyor-belt. ! queue max-size-buffers=2 leaky=downstream "
    "! qroverlay name=" LABEL_ELEMENT " case-sensitive=true pixel-size=4 x=50 y=50 data=\"%s\" "
    "! " SELECTOR_ELEMENT ".sink_0 "
    "onb-conveyor-belt. ! queue max-size-buffers=2 leaky=downstream ! " SELECTOR_ELEMENT ".sink_1 "
    "input-selector name=" SELECTOR_ELEMENT " ! videoconvert", labels[0]);

  return self;
}
