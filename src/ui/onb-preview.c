/* onb-preview.c: the live camera picture with the detected code outlined
 *
 * Draws the paintable letter-boxed into the widget and, for a moment after
 * a detection, the code's outline on top: the worker sees which label was
 * read.
 */

#define G_LOG_DOMAIN "onb-preview"

#include "config.h"

#include <string.h>

#include "onb-preview.h"

#define OUTLINE_MAX_POINTS 8
#define OUTLINE_SHOW_MS    1500

struct _OnbPreview
{
  GtkWidget         parent_instance;

  GdkPaintable     *paintable;
  graphene_point_t  outline[OUTLINE_MAX_POINTS];
  guint             n_outline;
  guint             outline_timeout;
  gboolean          drew_frame;
};

G_DEFINE_FINAL_TYPE (OnbPreview, onb_preview, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PAINTABLE,
  N_PROPS
};

enum {
  FIRST_FRAME,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
on_contents_changed (GdkPaintable *paintable,
                     OnbPreview   *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_size_changed (GdkPaintable *paintable,
                 OnbPreview   *self)
{
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Where the picture lands inside the widget, keeping its aspect ratio. */
static void
compute_frame (OnbPreview *self,
               double     *x,
               double     *y,
               double     *width,
               double     *height,
               double     *scale)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));
  double pw = gdk_paintable_get_intrinsic_width (self->paintable);
  double ph = gdk_paintable_get_intrinsic_height (self->paintable);

  if (pw <= 0 || ph <= 0)
    {
      pw = w;
      ph = h;
    }

  *scale = MIN (w / pw, h / ph);
  *width = pw * *scale;
  *height = ph * *scale;
  *x = (w - *width) / 2;
  *y = (h - *height) / 2;
}

static void
onb_preview_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  OnbPreview *self = ONB_PREVIEW (widget);
  double x, y, width, height, scale;
  cairo_t *cr;

  if (self->paintable == NULL || gdk_paintable_get_intrinsic_width (self->paintable) <= 0)
    return;

  compute_frame (self, &x, &y, &width, &height, &scale);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gdk_paintable_snapshot (self->paintable, snapshot, width, height);
  gtk_snapshot_restore (snapshot);

  if (!self->drew_frame)
    {
      self->drew_frame = TRUE;
      g_signal_emit (self, signals[FIRST_FRAME], 0);
    }

  if (self->n_outline < 2)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x, y, width, height));
  cairo_move_to (cr, x + self->outline[0].x * scale, y + self->outline[0].y * scale);
  for (guint i = 1; i < self->n_outline; i++)
    cairo_line_to (cr, x + self->outline[i].x * scale, y + self->outline[i].y * scale);
  cairo_close_path (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  /* Dark under bright: visible on white labels and black boxes alike. */
  cairo_set_line_width (cr, 10);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_stroke_preserve (cr);
  cairo_set_line_width (cr, 5);
  cairo_set_source_rgb (cr, 0.2, 0.82, 0.48);
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static void
onb_preview_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  /* Small minimum: the preview gives way to the result card on 800×480. */
  *minimum = 120;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 480;
}

static gboolean
hide_outline (gpointer user_data)
{
  OnbPreview *self = user_data;

  self->outline_timeout = 0;
  self->n_outline = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

void
onb_preview_show_outline (OnbPreview             *self,
                          const graphene_point_t *points,
                          guint                   n_points)
{
  g_return_if_fail (ONB_IS_PREVIEW (self));

  self->n_outline = MIN (n_points, OUTLINE_MAX_POINTS);
  memcpy (self->outline, points, self->n_outline * sizeof *points);
  g_clear_handle_id (&self->outline_timeout, g_source_remove);
  self->outline_timeout = g_timeout_add (OUTLINE_SHOW_MS, hide_outline, self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GdkPaintable *
onb_preview_get_paintable (OnbPreview *self)
{
  g_return_val_if_fail (ONB_IS_PREVIEW (self), NULL);

  return self->paintable;
}

void
onb_preview_set_paintable (OnbPreview   *self,
                           GdkPaintable *paintable)
{
  g_return_if_fail (ONB_IS_PREVIEW (self));

  if (self->paintable == paintable)
    return;

  if (self->paintable != NULL)
    g_signal_handlers_disconnect_by_data (self->paintable, self);
  g_set_object (&self->paintable, paintable);
  if (paintable != NULL)
    {
      g_signal_connect (paintable, "invalidate-contents", G_CALLBACK (on_contents_changed), self);
      g_signal_connect (paintable, "invalidate-size", G_CALLBACK (on_size_changed), self);
    }

  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAINTABLE]);
}

static void
onb_preview_dispose (GObject *object)
{
  OnbPreview *self = ONB_PREVIEW (object);

  g_clear_handle_id (&self->outline_timeout, g_source_remove);
  onb_preview_set_paintable (self, NULL);

  G_OBJECT_CLASS (onb_preview_parent_class)->dispose (object);
}

static void
onb_preview_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  OnbPreview *self = ONB_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      g_value_set_object (value, self->paintable);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_preview_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  OnbPreview *self = ONB_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      onb_preview_set_paintable (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_preview_class_init (OnbPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_preview_dispose;
  object_class->get_property = onb_preview_get_property;
  object_class->set_property = onb_preview_set_property;
  widget_class->snapshot = onb_preview_snapshot;
  widget_class->measure = onb_preview_measure;

  properties[PROP_PAINTABLE] =
    g_param_spec_object ("paintable", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FIRST_FRAME] = g_signal_new ("first-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "onbpreview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
onb_preview_init (OnbPreview *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "preview");
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

