/* onb-video-paintable.c: the live preview as a GdkPaintable
 *
 * As GTK's own GStreamer sink does: the texture is made on the streaming
 * thread (wrapping the mapped frame, no copy) and handed to the main thread,
 * which only swaps pointers. At most one hand-over is pending, so a busy
 * main loop drops preview frames instead of queueing them.
 */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <gst/video/video.h>

#include "onb-video-paintable.h"

struct _OnbVideoPaintable
{
  GObject parent_instance;
  GMainContext *context;
  GdkTexture *texture;
  GMutex lock;
  GdkTexture *pending;   /* under lock */
  gboolean swap_queued;  /* under lock */
};

static void paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OnbVideoPaintable, onb_video_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE, paintable_iface_init))

static void
onb_video_paintable_snapshot (GdkPaintable *paintable,
                              GdkSnapshot  *snapshot,
                              double        width,
                              double        height)
{
  OnbVideoPaintable *self = ONB_VIDEO_PAINTABLE (paintable);

  if (self->texture != NULL)
    gtk_snapshot_append_texture (GTK_SNAPSHOT (snapshot), self->texture,
                                 &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static GdkPaintable *
onb_video_paintable_get_current_image (GdkPaintable *paintable)
{
  OnbVideoPaintable *self = ONB_VIDEO_PAINTABLE (paintable);

  if (self->texture != NULL)
    return GDK_PAINTABLE (g_object_ref (self->texture));
  return gdk_paintable_new_empty (0, 0);
}

static int
onb_video_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  OnbVideoPaintable *self = ONB_VIDEO_PAINTABLE (paintable);

  return self->texture != NULL ? gdk_texture_get_width (self->texture) : 0;
}

static int
onb_video_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  OnbVideoPaintable *self = ONB_VIDEO_PAINTABLE (paintable);

  return self->texture != NULL ? gdk_texture_get_height (self->texture) : 0;
}

static double
onb_video_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  OnbVideoPaintable *self = ONB_VIDEO_PAINTABLE (paintable);

  if (self->texture == NULL)
    return 0.0;
  return (double) gdk_texture_get_width (self->texture) / gdk_texture_get_height (self->texture);
}

static void
paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = onb_video_paintable_snapshot;
  iface->get_current_image = onb_video_paintable_get_current_image;
  iface->get_intrinsic_width = onb_video_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = onb_video_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = onb_video_paintable_get_intrinsic_aspect_ratio;
}

static void
onb_video_paintable_finalize (GObject *object)
{
  OnbVideoPaintable *self = ONB_VIDEO_PAINTABLE (object);

  g_clear_object (&self->texture);
  g_clear_object (&self->pending);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (onb_video_paintable_parent_class)->finalize (object);
}

static void
onb_video_paintable_class_init (OnbVideoPaintableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_video_paintable_finalize;
}

static void
onb_video_paintable_init (OnbVideoPaintable *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
}

OnbVideoPaintable *
onb_video_paintable_new (void)
{
  return g_object_new (ONB_TYPE_VIDEO_PAINTABLE, NULL);
}

static gboolean
swap_texture (gpointer data)
{
  OnbVideoPaintable *self = data;
  g_autoptr(GdkTexture) old = NULL;
  gboolean resized;

  g_mutex_lock (&self->lock);
  old = g_steal_pointer (&self->texture);
  self->texture = g_steal_pointer (&self->pending);
  self->swap_queued = FALSE;
  g_mutex_unlock (&self->lock);

  if (self->texture == NULL)
    {
      self->texture = g_steal_pointer (&old);
      return G_SOURCE_REMOVE;
    }

  resized = old == NULL ||
            gdk_texture_get_width (old) != gdk_texture_get_width (self->texture) ||
            gdk_texture_get_height (old) != gdk_texture_get_height (self->texture);
  if (resized)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));

  return G_SOURCE_REMOVE;
}

static void
unmap_frame (gpointer data)
{
  GstVideoFrame *frame = data;

  gst_video_frame_unmap (frame);
  g_free (frame);
}

static gboolean
memory_format (GstVideoFormat   format,
               GdkMemoryFormat *out)
{
  switch ((int) format)
    {
    case GST_VIDEO_FORMAT_RGB:
      *out = GDK_MEMORY_R8G8B8;
      return TRUE;
    case GST_VIDEO_FORMAT_BGR:
      *out = GDK_MEMORY_B8G8R8;
      return TRUE;
    case GST_VIDEO_FORMAT_RGBA:
      *out = GDK_MEMORY_R8G8B8A8;
      return TRUE;
    case GST_VIDEO_FORMAT_BGRA:
      *out = GDK_MEMORY_B8G8R8A8;
      return TRUE;
    default:
      return FALSE;
    }
}

void
onb_video_paintable_push_sample (OnbVideoPaintable *self,
                                 GstSample         *sample)
{
  GstVideoFrame *frame;
  GstVideoInfo info;
  GdkMemoryFormat format;
  g_autoptr(GBytes) bytes = NULL;
  GdkTexture *texture;
  gboolean queue;

  g_return_if_fail (ONB_IS_VIDEO_PAINTABLE (self));

  if (gst_sample_get_buffer (sample) == NULL ||
      !gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      !memory_format (GST_VIDEO_INFO_FORMAT (&info), &format))
    return;

  frame = g_new0 (GstVideoFrame, 1);
  if (!gst_video_frame_map (frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    {
      g_free (frame);
      return;
    }

  /* The bytes keep the frame mapped (and its buffer alive) as long as the
   * texture needs them. */
  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (frame, 0),
                                      (gsize) GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0) * GST_VIDEO_FRAME_HEIGHT (frame),
                                      unmap_frame, frame);
  texture = gdk_memory_texture_new (GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame),
                                    format, bytes, GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0));

  g_mutex_lock (&self->lock);
  g_clear_object (&self->pending);
  self->pending = texture;
  queue = !self->swap_queued;
  self->swap_queued = TRUE;
  g_mutex_unlock (&self->lock);

  /* An idle source, never g_main_context_invoke(): the swap must happen on
   * the main thread even when this thread could acquire its context. */
  if (queue)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, swap_texture, g_object_ref (self), g_object_unref);
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

static void
push_sample_func (GstSample *sample,
                  gpointer   user_data)
{
  onb_video_paintable_push_sample (user_data, sample);
}

void
onb_video_paintable_attach (OnbVideoPaintable *self,
                            OnbScanner        *scanner)
{
  g_return_if_fail (ONB_IS_VIDEO_PAINTABLE (self));
  g_return_if_fail (ONB_IS_SCANNER (scanner));

  onb_scanner_set_preview_func (scanner, push_sample_func, g_object_ref (self), g_object_unref);
}

/* ---- Run the scanner only while it can be seen ---- */

typedef struct
{
  OnbScanner *scanner;   /* weak */
  GtkWidget *widget;     /* weak: the data lives on it */
  GdkSurface *surface;
  gulong surface_handler;
} Visibility;

static void
visibility_update (Visibility *visibility)
{
  gboolean visible = gtk_widget_get_mapped (visibility->widget);

  if (visibility->scanner == NULL)
    return;

  if (visibility->surface != NULL && GDK_IS_TOPLEVEL (visibility->surface))
    visible &= !(gdk_toplevel_get_state (GDK_TOPLEVEL (visibility->surface)) & GDK_TOPLEVEL_STATE_MINIMIZED);

  if (visible)
    onb_scanner_start (visibility->scanner);
  else
    onb_scanner_stop (visibility->scanner);
}

static void
visibility_set_surface (Visibility *visibility,
                        GdkSurface *surface)
{
  if (visibility->surface != NULL)
    g_clear_signal_handler (&visibility->surface_handler, visibility->surface);
  g_set_object (&visibility->surface, surface);
  if (surface != NULL)
    visibility->surface_handler = g_signal_connect_swapped (surface, "notify::state",
                                                            G_CALLBACK (visibility_update), visibility);
}

static void
visibility_on_map (GtkWidget  *widget,
                   Visibility *visibility)
{
  GtkNative *native = gtk_widget_get_native (widget);

  visibility_set_surface (visibility, native != NULL ? gtk_native_get_surface (native) : NULL);
  visibility_update (visibility);
}

static void
visibility_on_unmap (GtkWidget  *widget,
                     Visibility *visibility)
{
  visibility_set_surface (visibility, NULL);
  visibility_update (visibility);
}

static void
visibility_free (gpointer data)
{
  Visibility *visibility = data;

  visibility_set_surface (visibility, NULL);
  g_clear_weak_pointer (&visibility->scanner);
  g_free (visibility);
}

void
onb_video_paintable_run_while_visible (OnbScanner *scanner,
                                       GtkWidget  *widget)
{
  Visibility *visibility;

  g_return_if_fail (ONB_IS_SCANNER (scanner));
  g_return_if_fail (GTK_IS_WIDGET (widget));

  visibility = g_new0 (Visibility, 1);
  visibility->widget = widget;
  g_set_weak_pointer (&visibility->scanner, scanner);
  g_object_set_data_full (G_OBJECT (widget), "onb-scan-visibility", visibility, visibility_free);
  g_signal_connect (widget, "map", G_CALLBACK (visibility_on_map), visibility);
  g_signal_connect (widget, "unmap", G_CALLBACK (visibility_on_unmap), visibility);

  if (gtk_widget_get_mapped (widget))
    visibility_on_map (widget, visibility);
}
