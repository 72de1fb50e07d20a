/* onb-config-keys-private.h: the loader's view of the key table
 * (onb-config-keys.c) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "model 000AF8BE" → TRUE, with the Profile ID (upper case) in
 * @profile_id when not NULL; any other group → FALSE. */
gboolean _onb_config_parse_model_group (const char  *group,
                                        char       **profile_id);
/* Whether Onboarder knows @key of @group (any [model …] section as
 * "model"). */
gboolean _onb_config_key_is_known      (const char  *group,
                                        const char  *key);
/* The @i-th known key, FALSE past the last: its section ("model" for
 * every [model …]) and its name. */
gboolean _onb_config_key_at            (guint        i,
                                        const char **group,
                                        const char **key);

G_END_DECLS
