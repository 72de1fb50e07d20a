/* onb-sound-player.h: the result sounds, played through GStreamer */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  ONB_SOUND_SUCCESS,
  ONB_SOUND_QUEUED,
  ONB_SOUND_FAILURE,
} OnbSound;

#define ONB_TYPE_SOUND_PLAYER (onb_sound_player_get_type ())
G_DECLARE_FINAL_TYPE (OnbSoundPlayer, onb_sound_player, ONB, SOUND_PLAYER, GObject)

OnbSoundPlayer *onb_sound_player_new         (void);
void            onb_sound_player_set_enabled (OnbSoundPlayer *self,
                                              gboolean        enabled);
void            onb_sound_player_play        (OnbSoundPlayer *self,
                                              OnbSound        sound);
/* How many sounds were started (for tests: there is no speaker in CI). */
guint           onb_sound_player_get_n_played (OnbSoundPlayer *self);

G_END_DECLS
