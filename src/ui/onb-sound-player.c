/* onb-sound-player.c: the result sounds, played through GStreamer
 *
 * Each sound is a small WAV file in the GResource, fed from memory to
 * `giostreamsrc ! wavparse ! audioconvert ! audioresample ! <sink>`. Starting
 * a pipeline never blocks the main loop. The output is looked up once,
 * before the first sound, with a GstDeviceMonitor: a station without one
 * (CI, a headless Pi) plays nothing, quietly. Handing such a station to
 * autoaudiosink would try ALSA's and OpenAL's default devices, and those
 * libraries write dozens of lines to the terminal ("ALSA lib …",
 * "AL lib: (EE) …") for every sound.
 */

#define G_LOG_DOMAIN "onb-sound"

#include "config.h"

#include <gio/gio.h>
#include <gst/gst.h>

#include "onb-sound-player.h"

struct _OnbSoundPlayer
{
  GObject     parent_instance;
  GstElement *pipeline;
  guint       bus_watch;
  guint       n_played;
  gboolean    enabled;
  gboolean    output_checked;
  GstDevice  *output;       /* NULL: none (or ONB_AUDIO_SINK names the sink) */
  gboolean    has_output;
};

G_DEFINE_FINAL_TYPE (OnbSoundPlayer, onb_sound_player, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENABLED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const sound_paths[] = {
  [ONB_SOUND_SUCCESS] = "/io/github/onboarder/Onboarder/sounds/success.wav",
  [ONB_SOUND_QUEUED]  = "/io/github/onboarder/Onboarder/sounds/queued.wav",
  [ONB_SOUND_FAILURE] = "/io/github/onboarder/Onboarder/sounds/failure.wav",
};

static void
stop_current (OnbSoundPlayer *self)
{
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline != NULL)
    {
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      g_clear_object (&self->pipeline);
    }
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  OnbSoundPlayer *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_debug ("Sound not played: %s", error->message);
    }
  else if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_EOS)
    return G_SOURCE_CONTINUE;

  self->bus_watch = 0;
  stop_current (self);
  return G_SOURCE_REMOVE;
}

/* The sink GStreamer would take: the default audio output, else the first
 * one. ONB_AUDIO_SINK names another sink (fakesink in tests and benchmarks)
 * and skips the search. */
static void
find_output (OnbSoundPlayer *self)
{
  g_autoptr(GstDeviceMonitor) monitor = NULL;
  GList *devices;

  self->output_checked = TRUE;
  if (g_getenv ("ONB_AUDIO_SINK") != NULL)
    {
      self->has_output = TRUE;
      return;
    }

  monitor = gst_device_monitor_new ();
  gst_device_monitor_add_filter (monitor, "Audio/Sink", NULL);
  devices = gst_device_monitor_get_devices (monitor);
  for (GList *l = devices; l != NULL; l = l->next)
    {
      GstDevice *device = l->data;
      g_autoptr(GstStructure) props = gst_device_get_properties (device);
      gboolean is_default = FALSE;

      if (props != NULL)
        gst_structure_get_boolean (props, "is-default", &is_default);
      if (self->output == NULL || is_default)
        g_set_object (&self->output, device);
    }
  g_list_free_full (devices, gst_object_unref);

  self->has_output = self->output != NULL;
  if (self->output != NULL)
    {
      g_autofree char *name = gst_device_get_display_name (self->output);

      g_debug ("Sounds play on %s", name);
    }
  else
    g_debug ("No audio output: the sounds are off");
}

static GstElement *
make_sink (OnbSoundPlayer *self)
{
  const char *name = g_getenv ("ONB_AUDIO_SINK");

  if (name != NULL)
    return gst_element_factory_make (name, NULL);
  return gst_device_create_element (self->output, NULL);
}

void
onb_sound_player_play (OnbSoundPlayer *self,
                       OnbSound        sound)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *src, *parse, *convert, *resample, *sink;

  g_return_if_fail (ONB_IS_SOUND_PLAYER (self));
  g_return_if_fail (sound <= ONB_SOUND_FAILURE);

  if (!self->enabled)
    return;

  if (!self->output_checked)
    find_output (self);
  if (!self->has_output)
    return;

  /* A new result interrupts the previous sound rather than queueing behind it. */
  stop_current (self);

  bytes = g_resources_lookup_data (sound_paths[sound], G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_return_if_fail (bytes != NULL);
  stream = g_memory_input_stream_new_from_bytes (bytes);

  self->pipeline = gst_object_ref_sink (gst_pipeline_new ("onb-sound"));
  src = gst_element_factory_make ("giostreamsrc", NULL);
  parse = gst_element_factory_make ("wavparse", NULL);
  convert = gst_element_factory_make ("audioconvert", NULL);
  resample = gst_element_factory_make ("audioresample", NULL);
  sink = make_sink (self);

  if (src == NULL || parse == NULL || convert == NULL || resample == NULL || sink == NULL)
    {
      g_debug ("Sound not played: a GStreamer element is missing");
      g_clear_object (&src);
      g_clear_object (&parse);
      g_clear_object (&convert);
      g_clear_object (&resample);
      g_clear_object (&sink);
      g_clear_object (&self->pipeline);
      return;
    }

  g_object_set (src, "stream", stream, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), src, parse, convert, resample, sink, NULL);
  gst_element_link_many (src, parse, convert, resample, sink, NULL);

  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  self->n_played++;

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_debug ("Sound not played: the audio output cannot be opened");
      stop_current (self);
    }
}

static void
onb_sound_player_dispose (GObject *object)
{
  stop_current (ONB_SOUND_PLAYER (object));
  g_clear_object (&ONB_SOUND_PLAYER (object)->output);

  G_OBJECT_CLASS (onb_sound_player_parent_class)->dispose (object);
}

static void
onb_sound_player_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  OnbSoundPlayer *self = ONB_SOUND_PLAYER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_sound_player_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  OnbSoundPlayer *self = ONB_SOUND_PLAYER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      onb_sound_player_set_enabled (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_sound_player_class_init (OnbSoundPlayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = onb_sound_player_dispose;
  object_class->get_property = onb_sound_player_get_property;
  object_class->set_property = onb_sound_player_set_property;

  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
onb_sound_player_init (OnbSoundPlayer *self)
{
  self->enabled = TRUE;
}

OnbSoundPlayer *
onb_sound_player_new (void)
{
  return g_object_new (ONB_TYPE_SOUND_PLAYER, NULL);
}

void
onb_sound_player_set_enabled (OnbSoundPlayer *self,
                              gboolean        enabled)
{
  g_return_if_fail (ONB_IS_SOUND_PLAYER (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;

  self->enabled = enabled;
  if (!enabled)
    stop_current (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

guint
onb_sound_player_get_n_played (OnbSoundPlayer *self)
{
  g_return_val_if_fail (ONB_IS_SOUND_PLAYER (self), 0);

  return self->n_played;
}
