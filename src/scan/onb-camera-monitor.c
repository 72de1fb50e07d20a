/* onb-camera-monitor.c: the cameras plugged in right now */

#define G_LOG_DOMAIN "onb-scan"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-camera-monitor.h"
#include "onb-scan-error.h"

struct _OnbCameraMonitor
{
  GObject parent_instance;
  GstDeviceMonitor *monitor;
  GSource *bus_source;
  GPtrArray *cameras; /* OnbCamera */
  gboolean started;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OnbCameraMonitor, onb_camera_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return ONB_TYPE_CAMERA;
}

static guint
get_n_items (GListModel *model)
{
  return ONB_CAMERA_MONITOR (model)->cameras->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  OnbCameraMonitor *self = ONB_CAMERA_MONITOR (model);

  if (position >= self->cameras->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->cameras, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* The same camera is listed by every provider that can open it (V4L2,
 * libcamera, PipeWire). Providers are tried in the order their plugins
 * rank them, so the first one listed wins and later twins are dropped. */
static gboolean
is_duplicate (OnbCameraMonitor *self,
              OnbCamera        *camera)
{
  for (guint i = 0; i < self->cameras->len; i++)
    {
      OnbCamera *other = g_ptr_array_index (self->cameras, i);

      if (g_str_equal (onb_camera_get_id (other), onb_camera_get_id (camera)) ||
          g_str_equal (onb_camera_get_display_name (other), onb_camera_get_display_name (camera)))
        return TRUE;
    }
  return FALSE;
}

static void
add_device (OnbCameraMonitor *self,
            GstDevice        *device)
{
  g_autoptr(OnbCamera) camera = onb_camera_new (device);

  if (camera == NULL || is_duplicate (self, camera))
    return;

  g_debug ("Camera added: %s (%s)", onb_camera_get_display_name (camera), onb_camera_get_id (camera));
  g_ptr_array_add (self->cameras, g_steal_pointer (&camera));
  g_list_model_items_changed (G_LIST_MODEL (self), self->cameras->len - 1, 0, 1);
}

static void
remove_device (OnbCameraMonitor *self,
               GstDevice        *device)
{
  for (guint i = 0; i < self->cameras->len; i++)
    {
      OnbCamera *camera = g_ptr_array_index (self->cameras, i);

      if (onb_camera_get_device (camera) == device)
        {
          g_debug ("Camera removed: %s", onb_camera_get_display_name (camera));
          g_ptr_array_remove_index (self->cameras, i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
          return;
        }
    }
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  OnbCameraMonitor *self = user_data;
  g_autoptr(GstDevice) device = NULL;

  switch ((int) GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_DEVICE_ADDED:
      gst_message_parse_device_added (message, &device);
      add_device (self, device);
      break;

    case GST_MESSAGE_DEVICE_REMOVED:
      gst_message_parse_device_removed (message, &device);
      remove_device (self, device);
      break;

    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

static void
onb_camera_monitor_dispose (GObject *object)
{
  OnbCameraMonitor *self = ONB_CAMERA_MONITOR (object);

  onb_camera_monitor_stop (self);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (onb_camera_monitor_parent_class)->dispose (object);
}

static void
onb_camera_monitor_finalize (GObject *object)
{
  OnbCameraMonitor *self = ONB_CAMERA_MONITOR (object);

  g_clear_pointer (&self->cameras, g_ptr_array_unref);

  G_OBJECT_CLASS (onb_camera_monitor_parent_class)->finalize (object);
}

static void
onb_camera_monitor_class_init (OnbCameraMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = onb_camera_monitor_dispose;
  object_class->finalize = onb_camera_monitor_finalize;
}

static void
onb_camera_monitor_init (OnbCameraMonitor *self)
{
  self->cameras = g_ptr_array_new_with_free_func (g_object_unref);
}

OnbCameraMonitor *
onb_camera_monitor_new (void)
{
  return g_object_new (ONB_TYPE_CAMERA_MONITOR, NULL);
}

/**
 * onb_camera_monitor_get_default:
 *
 * Returns: (transfer none): the monitor shared by the process, started.
 *   Call from the main thread.
 */
OnbCameraMonitor *
onb_camera_monitor_get_default (void)
{
  static OnbCameraMonitor *instance;

  if (instance == NULL)
    {
      g_autoptr(GError) error = NULL;

      instance = onb_camera_monitor_new ();
      if (!onb_camera_monitor_start (instance, &error))
        g_warning ("Cameras cannot be listed: %s", error->message);
    }

  return instance;
}

/**
 * onb_camera_monitor_start:
 *
 * Lists the cameras present now and follows hot-plug from then on, in the
 * thread-default main context.
 */
gboolean
onb_camera_monitor_start (OnbCameraMonitor  *self,
                          GError           **error)
{
  g_autoptr(GstBus) bus = NULL;
  GList *devices;

  g_return_val_if_fail (ONB_IS_CAMERA_MONITOR (self), FALSE);

  if (self->started)
    return TRUE;

  if (self->monitor == NULL)
    {
      g_autoptr(GstCaps) caps = gst_caps_new_empty_simple ("video/x-raw");

      gst_caps_append (caps, gst_caps_new_empty_simple ("image/jpeg"));
      self->monitor = gst_device_monitor_new ();
      gst_device_monitor_add_filter (self->monitor, "Video/Source", caps);
    }

  if (!gst_device_monitor_start (self->monitor))
    {
      g_set_error_literal (error, ONB_SCAN_ERROR, ONB_SCAN_ERROR_NO_CAMERA,
                           _("Cameras cannot be listed on this system."));
      return FALSE;
    }
  self->started = TRUE;

  bus = gst_device_monitor_get_bus (self->monitor);
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, (GSourceFunc) (GCallback) on_bus_message, self, NULL);
  g_source_attach (self->bus_source, g_main_context_get_thread_default ());

  devices = gst_device_monitor_get_devices (self->monitor);
  for (GList *l = devices; l != NULL; l = l->next)
    add_device (self, l->data);
  g_list_free_full (devices, gst_object_unref);

  return TRUE;
}

void
onb_camera_monitor_stop (OnbCameraMonitor *self)
{
  guint n;

  g_return_if_fail (ONB_IS_CAMERA_MONITOR (self));

  if (!self->started)
    return;

  g_source_destroy (self->bus_source);
  g_clear_pointer (&self->bus_source, g_source_unref);
  gst_device_monitor_stop (self->monitor);
  self->started = FALSE;

  n = self->cameras->len;
  g_ptr_array_set_size (self->cameras, 0);
  if (n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

/**
 * onb_camera_monitor_choose:
 * @id: (nullable): the remembered camera ([kiosk] camera)
 *
 * Returns: (transfer full) (nullable): the remembered camera when present,
 *   else the first one, else %NULL.
 */
OnbCamera *
onb_camera_monitor_choose (OnbCameraMonitor *self,
                           const char       *id)
{
  g_return_val_if_fail (ONB_IS_CAMERA_MONITOR (self), NULL);

  if (self->cameras->len == 0)
    return NULL;

  for (guint i = 0; id != NULL && i < self->cameras->len; i++)
    {
      OnbCamera *camera = g_ptr_array_index (self->cameras, i);

      if (g_str_equal (onb_camera_get_id (camera), id))
        return g_object_ref (camera);
    }

  return g_object_ref (g_ptr_array_index (self->cameras, 0));
}
