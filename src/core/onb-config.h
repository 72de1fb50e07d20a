/* onb-config.h: the shared configuration key file (docs/design.md, Configuration)
 *
 * One GKeyFile read by the kiosk and the CLI. Group and key names are part
 * of the interface. Saved atomically with mode 0600 because it holds
 * secrets.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  ONB_CONFIG_ERROR_NOT_FOUND,     /*< nick=config-not-found >*/
  ONB_CONFIG_ERROR_UNREADABLE,    /*< nick=config-unreadable >*/
  ONB_CONFIG_ERROR_MISSING_KEY,   /*< nick=config-missing-key >*/
  ONB_CONFIG_ERROR_INVALID_VALUE, /*< nick=config-invalid-value >*/
  ONB_CONFIG_ERROR_WRITE_FAILED,  /*< nick=config-write-failed >*/
  ONB_CONFIG_ERROR_READABLE_BY_OTHERS, /*< nick=config-readable-by-others >*/
} OnbConfigError;

#define ONB_CONFIG_ERROR (onb_config_error_quark ())
GQuark onb_config_error_quark (void);

#define ONB_TYPE_CONFIG (onb_config_get_type ())
G_DECLARE_FINAL_TYPE (OnbConfig, onb_config, ONB, CONFIG, GObject)

/* Keys whose values must never be shown or logged. */
gboolean     onb_config_key_is_secret      (const char   *group,
                                            const char   *key);

OnbConfig   *onb_config_new                (void);
OnbConfig   *onb_config_load               (const char   *path,
                                            GError      **error);
char        *onb_config_default_path       (void);
const char  *onb_config_get_path           (OnbConfig    *self);
gboolean     onb_config_save               (OnbConfig    *self,
                                            const char   *path,
                                            GError      **error);
char        *onb_config_get_string         (OnbConfig    *self,
                                            const char   *group,
                                            const char   *key);
void         onb_config_set_string         (OnbConfig    *self,
                                            const char   *group,
                                            const char   *key,
                                            const char   *value);
gboolean     onb_config_get_boolean        (OnbConfig    *self,
                                            const char   *group,
                                            const char   *key,
                                            gboolean      default_value);
void         onb_config_set_boolean        (OnbConfig    *self,
                                            const char   *group,
                                            const char   *key,
                                            gboolean      value);
gint64       onb_config_get_int            (OnbConfig    *self,
                                            const char   *group,
                                            const char   *key,
                                            gint64        default_value);
char       **onb_config_get_profile_ids    (OnbConfig    *self);
char        *onb_config_get_data_dir       (OnbConfig    *self);
/* [model XXXXXXXX]: one section per device model, named by the Profile
 * ID its labels print (src/core/onb-model.h). */
#define ONB_CONFIG_MODEL_GROUP "model"
char       **onb_config_get_model_groups   (OnbConfig    *self);
void         onb_config_remove_group       (OnbConfig    *self,
                                            const char   *group);
char        *onb_config_model_group_get_profile_id (const char *group);
char       **onb_config_get_frequency_plans (OnbConfig   *self);
gboolean     onb_config_validate_value     (const char   *group,
                                            const char   *key,
                                            const char   *value,
                                            GError      **error);
gboolean     onb_config_check_values       (OnbConfig    *self,
                                            GError      **error);
gboolean     onb_config_check_permissions  (OnbConfig    *self,
                                            GError      **error);

G_END_DECLS
