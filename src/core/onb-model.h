/* onb-model.h: one device model a station onboards (docs/design.md, Device models)
 *
 * A label's Profile ID (TR005: VendorID + VendorProfileID) picks the model:
 * a [model XXXXXXXX] section, a Profile ID listed in [labels] profile_ids
 * without a section, or, for a label without a Profile ID, the station's
 * own [blynk]/[tts] settings (the implied model, as before models existed).
 *
 * A model's LoRaWAN settings come, value by value, from its section, else
 * from what The Things Stack's Device Repository answered for its Profile
 * ID (OnbModelTemplate), else, for a model without a section only, from
 * [tts]. Its frequency plan is the one its section names, else the first
 * of the station's [tts] frequency_plans whose band is the model's band.
 * onb_model_resolve() says in words why a model cannot be onboarded here.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The nicks are the stable reasons printed by --json. */
typedef enum
{
  ONB_MODEL_ERROR_UNKNOWN,       /*< nick=model-unknown >*/       /* no versions: not in the repository, none configured */
  ONB_MODEL_ERROR_NO_BAND,       /*< nick=model-no-band >*/       /* the repository names no band, the section no plan */
  ONB_MODEL_ERROR_WRONG_BAND,    /*< nick=model-wrong-band >*/    /* no station plan is in the model's band */
  ONB_MODEL_ERROR_VERSIONS,      /*< nick=model-versions >*/      /* MAC and PHY versions that do not go together */
} OnbModelError;

#define ONB_MODEL_ERROR (onb_model_error_quark ())
GQuark onb_model_error_quark (void);

typedef enum
{
  ONB_MODEL_METAFIELD_DEV_EUI,    /*< nick=dev-eui >*/
  ONB_MODEL_METAFIELD_JOIN_EUI,   /*< nick=join-eui >*/
  ONB_MODEL_METAFIELD_APP_KEY,    /*< nick=app-key >*/
  ONB_MODEL_METAFIELD_TTN_DEVICE, /*< nick=ttn-device >*/
} OnbModelMetafield;

/* What the Device Repository answers for a Profile ID (decoded and type
 * checked by the cloud layer, kept in the registry). Every string may be
 * NULL: the answer left it out. */
#define ONB_TYPE_MODEL_TEMPLATE (onb_model_template_get_type ())
typedef struct
{
  char     *brand_id;
  char     *model_id;
  char     *band_id;          /* e.g. "EU_863_870" */
  char     *lorawan_version;  /* e.g. "MAC_V1_0_3" */
  char     *phy_version;      /* e.g. "PHY_V1_0_3_REV_A" */
  gboolean  supports_join;
  gboolean  supports_class_b;
  gboolean  supports_class_c;
} OnbModelTemplate;

GType             onb_model_template_get_type (void) G_GNUC_CONST;
OnbModelTemplate *onb_model_template_new      (void);
OnbModelTemplate *onb_model_template_copy     (const OnbModelTemplate *self);
void              onb_model_template_free     (OnbModelTemplate       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbModelTemplate, onb_model_template_free)

/* What a device of a model gets: every string set, except band_id when
 * the band is unknown (the implied model's plan, whatever its band). From
 * onb_model_get_named(): only what the model names, the rest NULL or not
 * *_named. */
#define ONB_TYPE_MODEL_SETTINGS (onb_model_settings_get_type ())
typedef struct
{
  char     *frequency_plan;
  char     *band_id;
  char     *lorawan_version;
  char     *phy_version;
  gboolean  class_b;
  gboolean  class_c;
  gboolean  class_b_named;
  gboolean  class_c_named;
} OnbModelSettings;

GType             onb_model_settings_get_type (void) G_GNUC_CONST;
OnbModelSettings *onb_model_settings_copy     (const OnbModelSettings *self);
void              onb_model_settings_free     (OnbModelSettings       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbModelSettings, onb_model_settings_free)

#define ONB_TYPE_MODEL (onb_model_get_type ())
G_DECLARE_FINAL_TYPE (OnbModel, onb_model, ONB, MODEL, GObject)

/* Made by OnbModelTable from the configuration. */
/* Upper case; NULL for the implied model of labels without a Profile ID. */
const char        *onb_model_get_profile_id      (OnbModel               *self);
/* The section's name, else the Profile ID, else "Any device": for words
 * about the model. */
const char        *onb_model_get_name            (OnbModel               *self);
/* What a job of this model shows: the section's name; NULL for a model
 * without a section (a single-product station's jobs show none). */
const char        *onb_model_get_job_name        (OnbModel               *self);
gboolean           onb_model_has_section         (OnbModel               *self);
/* The section's blynk_template, else [blynk] template_id (may be NULL). */
const char        *onb_model_get_blynk_template  (OnbModel               *self);
/* The section's metafield_* key, else [blynk]'s; NULL: Blynk's default name. */
const char        *onb_model_get_metafield       (OnbModel               *self,
                                                  OnbModelMetafield       which);
/* What the section names (NULL / FALSE when it does not): verify checks
 * these only. */
const char        *onb_model_get_lorawan_version (OnbModel               *self);
const char        *onb_model_get_phy_version     (OnbModel               *self);
const char        *onb_model_get_frequency_plan  (OnbModel               *self);
gboolean           onb_model_get_class_b         (OnbModel               *self,
                                                  gboolean               *value);
gboolean           onb_model_get_class_c         (OnbModel               *self,
                                                  gboolean               *value);
/* TRUE when the Device Repository must be asked (once: keep its answer)
 * before onb_model_resolve(): the model has a Profile ID and its section
 * does not name both versions and a frequency plan. */
gboolean           onb_model_needs_repository    (OnbModel               *self);
/* The settings for a device of this model. @answer: the repository's
 * template, or NULL when it does not know the Profile ID (or was not
 * asked). Fails with ONB_MODEL_ERROR in words ("Soil sensor is a US915
 * device; this station is set up for EU868."). (transfer full) */
OnbModelSettings  *onb_model_resolve             (OnbModel               *self,
                                                  const OnbModelTemplate *answer,
                                                  GError                **error);

/* What a device Blynk's integration made is held to ([tts] created_by =
 * blynk: its TTS settings are the integration's): what the section
 * names; for a model without a section, [tts]'s values. (transfer full) */
OnbModelSettings  *onb_model_get_named           (OnbModel               *self);
/* TRUE when a box gets only what its model names (onb_model_get_named())
 * and needs no LoRaWAN versions nor frequency plan: Blynk's integration
 * makes its TTS device with its own settings (@blynk_creates: [tts]
 * created_by = blynk) and the box is new. A replace makes its new TTS
 * device itself in either mode, and needs the model's full settings
 * (onb_model_resolve()). The one rule the engine, `check` and `models`
 * follow. */
gboolean           onb_model_named_only          (gboolean                blynk_creates,
                                                  gboolean                replace);
/* Band of a TTS frequency plan ID (EU_863_870_TTN → EU_863_870); NULL
 * for a plan Onboarder does not know. */
const char        *onb_frequency_plan_get_band   (const char             *plan_id);
/* A band as people say it: EU_863_870 → "EU868"; the ID itself when
 * unknown. */
const char        *onb_band_get_title            (const char             *band_id);

G_END_DECLS
