/* onb-model-table.c: the device models of a station's configuration */

#define G_LOG_DOMAIN "onb-model"

#include "config.h"

#include "onb-code.h"
#include "onb-model-private.h"
#include "onb-model-table.h"

struct _OnbModelTable
{
  GObject parent_instance;

  OnbConfig *config;
  GPtrArray *models;            /* (element-type OnbModel) */
  GHashTable *by_profile_id;    /* Profile ID → OnbModel, unlisted ones added on lookup */
  OnbModel *implied;
  char **profile_ids;
  char **plans;
  gboolean allow_unlisted_claims;
  gboolean blynk_creates;
};

G_DEFINE_FINAL_TYPE (OnbModelTable, onb_model_table, G_TYPE_OBJECT)

static void
onb_model_table_finalize (GObject *object)
{
  OnbModelTable *self = (OnbModelTable *) object;

  g_clear_object (&self->config);
  g_clear_pointer (&self->models, g_ptr_array_unref);
  g_clear_pointer (&self->by_profile_id, g_hash_table_unref);
  g_clear_object (&self->implied);
  g_strfreev (self->profile_ids);
  g_strfreev (self->plans);

  G_OBJECT_CLASS (onb_model_table_parent_class)->finalize (object);
}

static void
onb_model_table_class_init (OnbModelTableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_model_table_finalize;
}

static void
onb_model_table_init (OnbModelTable *self)
{
  self->models = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_profile_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

static void
add_model (OnbModelTable *self,
           const char    *group,
           const char    *profile_id)
{
  OnbModel *model = _onb_model_new (self->config, group, profile_id, (const char * const *) self->plans);

  g_ptr_array_add (self->models, g_object_ref (model));
  g_hash_table_insert (self->by_profile_id, g_strdup (profile_id), model);
}

OnbModelTable *
onb_model_table_new (OnbConfig *config)
{
  OnbModelTable *self;
  g_auto(GStrv) groups = NULL;
  g_auto(GStrv) listed = NULL;
  g_autoptr(GStrvBuilder) accepted = g_strv_builder_new ();
  g_autofree char *created_by = NULL;

  g_return_val_if_fail (ONB_IS_CONFIG (config), NULL);

  self = g_object_new (ONB_TYPE_MODEL_TABLE, NULL);
  self->config = g_object_ref (config);
  self->plans = onb_config_get_frequency_plans (config);
  self->allow_unlisted_claims = onb_config_get_boolean (config, "labels", "allow_unlisted_claims", FALSE);
  created_by = onb_config_get_string (config, "tts", "created_by");
  self->blynk_creates = g_strcmp0 (created_by, "blynk") == 0;

  groups = onb_config_get_model_groups (config);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *profile_id = onb_config_model_group_get_profile_id (groups[i]);

      /* A second section of the same ID is refused at load. */
      if (g_hash_table_contains (self->by_profile_id, profile_id))
        continue;
      add_model (self, groups[i], profile_id);
      g_strv_builder_add (accepted, profile_id);
    }

  listed = onb_config_get_profile_ids (config);
  for (guint i = 0; listed[i] != NULL; i++)
    if (!g_hash_table_contains (self->by_profile_id, listed[i]))
      {
        add_model (self, NULL, listed[i]);
        g_strv_builder_add (accepted, listed[i]);
      }

  self->profile_ids = g_strv_builder_end (accepted);
  self->implied = _onb_model_new (config, NULL, NULL, (const char * const *) self->plans);

  return self;
}

GPtrArray *
onb_model_table_get_models (OnbModelTable *self)
{
  g_return_val_if_fail (ONB_IS_MODEL_TABLE (self), NULL);

  return self->models;
}

OnbModel *
onb_model_table_lookup (OnbModelTable  *self,
                        const char     *profile_id,
                        GError        **error)
{
  g_autofree char *id = NULL;
  OnbModel *model;

  g_return_val_if_fail (ONB_IS_MODEL_TABLE (self), NULL);

  if (profile_id == NULL)
    return self->implied;
  if (!(id = onb_profile_id_normalize (profile_id, error)) ||
      !onb_profile_id_check (id, (const char * const *) self->profile_ids, error))
    return NULL;

  if ((model = g_hash_table_lookup (self->by_profile_id, id)) == NULL)
    {
      /* No Profile ID configured: any is taken like a listed one. */
      model = _onb_model_new (self->config, NULL, id, (const char * const *) self->plans);
      g_hash_table_insert (self->by_profile_id, g_steal_pointer (&id), model);
    }
  return model;
}

static gboolean
is_profile_id (const char *key)
{
  g_autofree char *id = onb_profile_id_normalize (key, NULL);

  return id != NULL;
}

/* A key that names a configured model: its Profile ID, or (an earlier
 * version's journal) its section's name. */
static OnbModel *
find_configured (OnbModelTable *self,
                 const char    *key)
{
  g_autofree char *id = onb_profile_id_normalize (key, NULL);

  for (guint i = 0; i < self->models->len; i++)
    {
      OnbModel *model = self->models->pdata[i];

      if (id != NULL ? g_strcmp0 (onb_model_get_profile_id (model), id) == 0
                     : g_strcmp0 (onb_model_get_job_name (model), key) == 0)
        return model;
    }
  return NULL;
}

OnbModel *
onb_model_table_find_key (OnbModelTable *self,
                          const char    *key)
{
  OnbModel *model;

  g_return_val_if_fail (ONB_IS_MODEL_TABLE (self), NULL);

  if (key == NULL || g_strcmp0 (key, onb_model_get_name (self->implied)) == 0)
    return self->implied;
  if ((model = find_configured (self, key)) != NULL)
    return model;
  /* A Profile ID accepted because the station takes any. */
  if (is_profile_id (key))
    return onb_model_table_lookup (self, key, NULL);
  return NULL;
}

const char *
onb_model_table_get_job_name (OnbModelTable *self,
                              const char    *key)
{
  OnbModel *model;

  g_return_val_if_fail (ONB_IS_MODEL_TABLE (self), NULL);

  if (key == NULL)
    return NULL;
  if ((model = find_configured (self, key)) != NULL)
    return onb_model_get_job_name (model);
  /* A Profile ID without a section, or the implied model's old name,
   * shows none; an old name of a section since renamed shows as kept. */
  if (is_profile_id (key) || g_strcmp0 (key, onb_model_get_name (self->implied)) == 0)
    return NULL;
  return key;
}

const char * const *
onb_model_table_get_profile_ids (OnbModelTable *self)
{
  g_return_val_if_fail (ONB_IS_MODEL_TABLE (self), NULL);

  return (const char * const *) self->profile_ids;
}

const char * const *
onb_model_table_get_frequency_plans (OnbModelTable *self)
{
  g_return_val_if_fail (ONB_IS_MODEL_TABLE (self), NULL);

  return (const char * const *) self->plans;
}

gboolean
onb_model_table_get_allow_unlisted_claims (OnbModelTable *self)
{
  g_return_val_if_fail (ONB_IS_MODEL_TABLE (self), FALSE);

  return self->allow_unlisted_claims;
}

gboolean
onb_model_table_get_blynk_creates (OnbModelTable *self)
{
  g_return_val_if_fail (ONB_IS_MODEL_TABLE (self), FALSE);

  return self->blynk_creates;
}
