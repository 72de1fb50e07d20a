/* onb-model.c: one device model a station onboards (docs/design.md, Device models) */

#define G_LOG_DOMAIN "onb-model"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-core-enums.h"
#include "onb-error.h"
#include "onb-model-private.h"

ONB_DEFINE_ERROR_DOMAIN (onb_model_error, onb_model_error_get_type)

struct _OnbModel
{
  GObject parent_instance;

  char *profile_id;
  char *name;
  gboolean has_section;
  char *blynk_template;
  char *metafields[4];           /* by OnbModelMetafield */
  /* What the section names; for a model without a section, [tts]'s values
   * (the station's defaults, used after the repository's answer). */
  char *lorawan_version;
  char *phy_version;
  char *frequency_plan;
  int class_b;                   /* -1: not named */
  int class_c;
  char *station_plan;            /* without a section: [tts] frequency_plan */
  char **plans;                  /* the station's, in order */
};

G_DEFINE_FINAL_TYPE (OnbModel, onb_model, G_TYPE_OBJECT)

/* ---- bands -------------------------------------------------------------- */

/* The band of each frequency plan, after the plan IDs of The Things Stack's
 * frequency plans (the lorawan-frequency-plans repository, frequency-plans.yml:
 * every plan names its band-id). A plan ID is its band's ID, or that ID
 * followed by "_" and a variant (EU_863_870_TTN, US_902_928_FSB_2), except
 * for the AS923 plans named by their frequencies (AS_920_923, AS_923_925,
 * AS_923_925_TTN_AU, AS_920_923_LBT). Longer prefixes come first. */
static const struct
{
  const char *prefix;
  const char *band_id;
  const char *title;
} bands[] = {
  { "EU_863_870", "EU_863_870", "EU868" },
  { "EU_433",     "EU_433",     "EU433" },
  { "US_902_928", "US_902_928", "US915" },
  { "AU_915_928", "AU_915_928", "AU915" },
  { "CN_470_510", "CN_470_510", "CN470" },
  { "CN_779_787", "CN_779_787", "CN779" },
  { "AS_923_2",   "AS_923_2",   "AS923-2" },
  { "AS_923_3",   "AS_923_3",   "AS923-3" },
  { "AS_923_4",   "AS_923_4",   "AS923-4" },
  { "AS_920_923", "AS_923",     "AS923" },
  { "AS_923",     "AS_923",     "AS923" },
  { "KR_920_923", "KR_920_923", "KR920" },
  { "IN_865_867", "IN_865_867", "IN865" },
  { "RU_864_870", "RU_864_870", "RU864" },
  { "ISM_2400",   "ISM_2400",   "ISM2400" },
};

const char *
onb_frequency_plan_get_band (const char *plan_id)
{
  g_return_val_if_fail (plan_id != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bands); i++)
    {
      gsize len = strlen (bands[i].prefix);

      if (strncmp (plan_id, bands[i].prefix, len) == 0 && (plan_id[len] == '\0' || plan_id[len] == '_'))
        return bands[i].band_id;
    }
  return NULL;
}

const char *
onb_band_get_title (const char *band_id)
{
  g_return_val_if_fail (band_id != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bands); i++)
    if (g_str_equal (bands[i].band_id, band_id))
      return bands[i].title;
  return band_id;
}

/* ---- boxed types ------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (OnbModelTemplate, onb_model_template, onb_model_template_copy, onb_model_template_free)
G_DEFINE_BOXED_TYPE (OnbModelSettings, onb_model_settings, onb_model_settings_copy, onb_model_settings_free)

OnbModelTemplate *
onb_model_template_new (void)
{
  return g_new0 (OnbModelTemplate, 1);
}

OnbModelTemplate *
onb_model_template_copy (const OnbModelTemplate *self)
{
  OnbModelTemplate *copy = g_new0 (OnbModelTemplate, 1);

  *copy = *self;
  copy->brand_id = g_strdup (self->brand_id);
  copy->model_id = g_strdup (self->model_id);
  copy->band_id = g_strdup (self->band_id);
  copy->lorawan_version = g_strdup (self->lorawan_version);
  copy->phy_version = g_strdup (self->phy_version);
  return copy;
}

void
onb_model_template_free (OnbModelTemplate *self)
{
  if (self == NULL)
    return;
  g_free (self->brand_id);
  g_free (self->model_id);
  g_free (self->band_id);
  g_free (self->lorawan_version);
  g_free (self->phy_version);
  g_free (self);
}

OnbModelSettings *
onb_model_settings_copy (const OnbModelSettings *self)
{
  OnbModelSettings *copy = g_new0 (OnbModelSettings, 1);

  *copy = *self;
  copy->frequency_plan = g_strdup (self->frequency_plan);
  copy->band_id = g_strdup (self->band_id);
  copy->lorawan_version = g_strdup (self->lorawan_version);
  copy->phy_version = g_strdup (self->phy_version);
  return copy;
}

void
onb_model_settings_free (OnbModelSettings *self)
{
  if (self == NULL)
    return;
  g_free (self->frequency_plan);
  g_free (self->band_id);
  g_free (self->lorawan_version);
  g_free (self->phy_version);
  g_free (self);
}

/* ---- the model ---------------------------------------------------------- */

static void
onb_model_finalize (GObject *object)
{
  OnbModel *self = (OnbModel *) object;

  g_free (self->profile_id);
  g_free (self->name);
  g_free (self->blynk_template);
  for (guint i = 0; i < G_N_ELEMENTS (self->metafields); i++)
    g_free (self->metafields[i]);
  g_free (self->lorawan_version);
  g_free (self->phy_version);
  g_free (self->frequency_plan);
  g_free (self->station_plan);
  g_strfreev (self->plans);

  G_OBJECT_CLASS (onb_model_parent_class)->finalize (object);
}

static void
onb_model_class_init (OnbModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_model_finalize;
}

static void
onb_model_init (OnbModel *self)
{
}

/* The section's value, else [blynk]'s or [tts]'s (@fallback_group NULL:
 * none). */
static char *
model_string (OnbConfig  *config,
              const char *group,
              const char *fallback_group,
              const char *key)
{
  char *value = group != NULL ? onb_config_get_string (config, group, key) : NULL;

  if (value == NULL && fallback_group != NULL)
    value = onb_config_get_string (config, fallback_group, key);
  return value;
}

static int
model_class (OnbConfig  *config,
             const char *group,
             const char *key)
{
  g_autofree char *value = onb_config_get_string (config, group, key);

  return value == NULL ? -1 : onb_config_get_boolean (config, group, key, FALSE);
}

OnbModel *
_onb_model_new (OnbConfig          *config,
                const char         *group,
                const char         *profile_id,
                const char * const *plans)
{
  static const char * const metafield_keys[] = {
    "metafield_dev_eui", "metafield_join_eui", "metafield_app_key", "metafield_ttn_device",
  };
  OnbModel *self = g_object_new (ONB_TYPE_MODEL, NULL);
  /* Without a section, the station's [tts] LoRaWAN settings. */
  const char *lorawan_group = group != NULL ? group : "tts";

  self->profile_id = g_strdup (profile_id);
  self->has_section = group != NULL;
  self->name = group != NULL ? onb_config_get_string (config, group, "name") : NULL;
  if (self->name == NULL)
    self->name = profile_id != NULL ? g_strdup (profile_id) : g_strdup (_("Any device"));
  self->blynk_template = group != NULL ? onb_config_get_string (config, group, "blynk_template") : NULL;
  if (self->blynk_template == NULL)
    self->blynk_template = onb_config_get_string (config, "blynk", "template_id");
  for (guint i = 0; i < G_N_ELEMENTS (metafield_keys); i++)
    self->metafields[i] = model_string (config, group, "blynk", metafield_keys[i]);
  self->lorawan_version = onb_config_get_string (config, lorawan_group, "lorawan_version");
  self->phy_version = onb_config_get_string (config, lorawan_group, "phy_version");
  self->frequency_plan = group != NULL ? onb_config_get_string (config, group, "frequency_plan") : NULL;
  self->station_plan = group == NULL ? onb_config_get_string (config, "tts", "frequency_plan") : NULL;
  self->class_b = model_class (config, lorawan_group, "class_b");
  self->class_c = model_class (config, lorawan_group, "class_c");
  self->plans = g_strdupv ((char **) plans);

  return self;
}

const char *
onb_model_get_profile_id (OnbModel *self)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);

  return self->profile_id;
}

const char *
onb_model_get_name (OnbModel *self)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);

  return self->name;
}

const char *
onb_model_get_job_name (OnbModel *self)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);

  return self->has_section ? self->name : NULL;
}

gboolean
onb_model_has_section (OnbModel *self)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), FALSE);

  return self->has_section;
}

const char *
onb_model_get_blynk_template (OnbModel *self)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);

  return self->blynk_template;
}

const char *
onb_model_get_metafield (OnbModel          *self,
                         OnbModelMetafield  which)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);
  g_return_val_if_fail (which <= ONB_MODEL_METAFIELD_TTN_DEVICE, NULL);

  return self->metafields[which];
}

const char *
onb_model_get_lorawan_version (OnbModel *self)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);

  return self->has_section ? self->lorawan_version : NULL;
}

const char *
onb_model_get_phy_version (OnbModel *self)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);

  return self->has_section ? self->phy_version : NULL;
}

const char *
onb_model_get_frequency_plan (OnbModel *self)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);

  return self->frequency_plan;
}

static gboolean
named_class (OnbModel *self,
             int       class,
             gboolean *value)
{
  if (!self->has_section || class < 0)
    return FALSE;
  if (value != NULL)
    *value = class;
  return TRUE;
}

gboolean
onb_model_get_class_b (OnbModel *self,
                       gboolean *value)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), FALSE);

  return named_class (self, self->class_b, value);
}

gboolean
onb_model_get_class_c (OnbModel *self,
                       gboolean *value)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), FALSE);

  return named_class (self, self->class_c, value);
}

OnbModelSettings *
onb_model_get_named (OnbModel *self)
{
  OnbModelSettings *named;

  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);

  named = g_new0 (OnbModelSettings, 1);
  named->frequency_plan = g_strdup (self->has_section ? self->frequency_plan : self->station_plan);
  named->lorawan_version = g_strdup (self->lorawan_version);
  named->phy_version = g_strdup (self->phy_version);
  named->class_b_named = self->class_b >= 0;
  named->class_b = self->class_b > 0;
  named->class_c_named = self->class_c >= 0;
  named->class_c = self->class_c > 0;
  return named;
}

gboolean
onb_model_named_only (gboolean blynk_creates,
                      gboolean replace)
{
  return blynk_creates && !replace;
}

gboolean
onb_model_needs_repository (OnbModel *self)
{
  g_return_val_if_fail (ONB_IS_MODEL (self), FALSE);

  if (self->profile_id == NULL)
    return FALSE;
  /* Without a section the repository comes before [tts]'s defaults. */
  return !self->has_section ||
         self->lorawan_version == NULL || self->phy_version == NULL || self->frequency_plan == NULL;
}

/* "EU868" or "EU868 and US915": the bands of the station's plans. */
static char *
station_bands (OnbModel *self)
{
  g_autoptr(GPtrArray) titles = g_ptr_array_new ();

  for (guint i = 0; self->plans[i] != NULL; i++)
    {
      const char *band = onb_frequency_plan_get_band (self->plans[i]);
      const char *title = band != NULL ? onb_band_get_title (band) : self->plans[i];

      if (!g_ptr_array_find_with_equal_func (titles, title, g_str_equal, NULL))
        g_ptr_array_add (titles, (gpointer) title);
    }
  if (titles->len == 0)
    return g_strdup (_("no frequency plan"));
  g_ptr_array_add (titles, NULL);
  return g_strjoinv (_(" and "), (char **) titles->pdata);
}

/* The frequency plan for a device of @band_id, with the worded refusal. */
static char *
choose_plan (OnbModel    *self,
             const char  *band_id,
             GError     **error)
{
  g_autofree char *station = NULL;

  if (self->frequency_plan != NULL)
    {
      const char *plan_band = onb_frequency_plan_get_band (self->frequency_plan);

      if (plan_band == NULL || g_str_equal (plan_band, band_id))
        return g_strdup (self->frequency_plan);
      g_set_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_WRONG_BAND,
                   _("%s is a %s device, but its [model] section names the %s frequency plan %s. "
                     "Correct frequency_plan in the section."),
                   self->name, onb_band_get_title (band_id), onb_band_get_title (plan_band), self->frequency_plan);
      return NULL;
    }

  for (guint i = 0; self->plans[i] != NULL; i++)
    if (g_strcmp0 (onb_frequency_plan_get_band (self->plans[i]), band_id) == 0)
      return g_strdup (self->plans[i]);

  station = station_bands (self);
  g_set_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_WRONG_BAND,
               _("%s is a %s device; this station is set up for %s. Set the box aside."),
               self->name, onb_band_get_title (band_id), station);
  return NULL;
}

OnbModelSettings *
onb_model_resolve (OnbModel                *self,
                   const OnbModelTemplate  *answer,
                   GError                 **error)
{
  g_autoptr(OnbModelSettings) settings = g_new0 (OnbModelSettings, 1);
  const char *band_id;

  g_return_val_if_fail (ONB_IS_MODEL (self), NULL);

  /* A section's own values come first; without a section, the
   * repository's answer comes before the station's defaults. */
#define PICK(own, theirs) (self->has_section ? ((own) ?: (theirs)) : ((theirs) ?: (own)))
  settings->lorawan_version = g_strdup (PICK (self->lorawan_version, answer ? answer->lorawan_version : NULL));
  settings->phy_version = g_strdup (PICK (self->phy_version, answer ? answer->phy_version : NULL));
#undef PICK
  if (settings->lorawan_version == NULL || settings->phy_version == NULL)
    {
      if (self->has_section)
        g_set_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_UNKNOWN,
                     _("%s (Profile ID %s) is not in The Things Stack's Device Repository, and its [model] section "
                       "names no lorawan_version and phy_version. Add them to the section, or set the box aside."),
                     self->name, self->profile_id);
      else if (self->profile_id != NULL)
        g_set_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_UNKNOWN,
                     _("The Profile ID %s is not in The Things Stack's Device Repository, and this station has no "
                       "LoRaWAN versions for it. Add a [model %s] section with lorawan_version and phy_version, "
                       "or set the box aside."), self->profile_id, self->profile_id);
      else
        g_set_error_literal (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_UNKNOWN,
                             _("This label names no Profile ID and the station has no LoRaWAN versions: "
                               "set [tts] lorawan_version and phy_version."));
      return NULL;
    }

  if (answer != NULL && self->has_section)
    {
      settings->class_b = self->class_b >= 0 ? self->class_b : answer->supports_class_b;
      settings->class_c = self->class_c >= 0 ? self->class_c : answer->supports_class_c;
    }
  else if (answer != NULL)
    {
      settings->class_b = answer->supports_class_b;
      settings->class_c = answer->supports_class_c;
    }
  else
    {
      settings->class_b = self->class_b > 0;
      settings->class_c = self->class_c > 0;
    }

  settings->class_b_named = settings->class_c_named = TRUE;

  band_id = answer != NULL && answer->band_id != NULL ? answer->band_id : NULL;
  if (band_id == NULL && self->frequency_plan != NULL)
    band_id = onb_frequency_plan_get_band (self->frequency_plan);
  if (band_id != NULL)
    {
      if (!(settings->frequency_plan = choose_plan (self, band_id, error)))
        return NULL;
      settings->band_id = g_strdup (band_id);
    }
  else if (!self->has_section && self->plans[0] != NULL)
    {
      /* As before models: the station's plan, whatever the device's band. */
      settings->frequency_plan = g_strdup (self->plans[0]);
      settings->band_id = g_strdup (onb_frequency_plan_get_band (self->plans[0]));
    }
  else if (self->frequency_plan != NULL)
    settings->frequency_plan = g_strdup (self->frequency_plan);
  else if (self->profile_id != NULL)
    {
      g_set_error (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_NO_BAND,
                   _("The Device Repository names no radio band for %s: name its frequency_plan in its "
                     "[model %s] section."), self->name, self->profile_id);
      return NULL;
    }
  else
    {
      g_set_error_literal (error, ONB_MODEL_ERROR, ONB_MODEL_ERROR_NO_BAND,
                           _("This label names no Profile ID and the station has no frequency plan: set [tts] "
                             "frequency_plans."));
      return NULL;
    }

  return g_steal_pointer (&settings);
}
