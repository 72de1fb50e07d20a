/* onb-tts-repository.c: The Things Stack's Device Repository (docs/tts-api.md) */

#define G_LOG_DOMAIN "onb-tts"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-cloud-error.h"
#include "onb-code.h"
#include "onb-tts-answer-decode-private.h"
#include "onb-tts-client-private.h"
#include "onb-tts-repository.h"

struct _OnbTtsRepository
{
  GObject parent_instance;

  OnbTtsClient *client;
  OnbRegistry *registry;
  char *url;
  GHashTable *kept;        /* Profile ID → the answer's JSON text */
  GHashTable *unknown;     /* Profile IDs the repository does not know */
  GError *absent;          /* the server has no Device Repository */
};

G_DEFINE_FINAL_TYPE (OnbTtsRepository, onb_tts_repository, G_TYPE_OBJECT)

static void
onb_tts_repository_finalize (GObject *object)
{
  OnbTtsRepository *self = (OnbTtsRepository *) object;

  g_clear_object (&self->client);
  g_clear_object (&self->registry);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->kept, g_hash_table_unref);
  g_clear_pointer (&self->unknown, g_hash_table_unref);
  g_clear_error (&self->absent);

  G_OBJECT_CLASS (onb_tts_repository_parent_class)->finalize (object);
}

static void
onb_tts_repository_class_init (OnbTtsRepositoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_tts_repository_finalize;
}

static void
onb_tts_repository_init (OnbTtsRepository *self)
{
  self->kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->unknown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

OnbTtsRepository *
onb_tts_repository_new (OnbTtsClient  *client,
                        OnbConfig     *config,
                        OnbRegistry   *registry,
                        GError       **error)
{
  g_autoptr(OnbTtsRepository) self = NULL;

  g_return_val_if_fail (ONB_IS_TTS_CLIENT (client), NULL);
  g_return_val_if_fail (ONB_IS_CONFIG (config), NULL);
  g_return_val_if_fail (registry == NULL || ONB_IS_REGISTRY (registry), NULL);

  self = g_object_new (ONB_TYPE_TTS_REPOSITORY, NULL);
  self->client = g_object_ref (client);
  self->registry = registry != NULL ? g_object_ref (registry) : NULL;
  if (!(self->url = onb_tts_cluster_url (client, config, "device_repository", error)))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
onb_tts_repository_get_url (OnbTtsRepository *self)
{
  g_return_val_if_fail (ONB_IS_TTS_REPOSITORY (self), NULL);

  return self->url;
}

/* ---- where answers are kept -------------------------------------------- */

/* The kept answer's JSON text, or NULL: this run's, else the registry's
 * (shared by the stations of one device list). A registry that cannot be
 * read or written only means asking again. */
static char *
kept_answer (OnbTtsRepository *self,
             const char       *profile_id)
{
  g_autoptr(GError) error = NULL;
  char *answer = g_strdup (g_hash_table_lookup (self->kept, profile_id));

  if (answer == NULL && self->registry != NULL &&
      (answer = onb_registry_get_model_template (self->registry, profile_id, NULL, &error)) == NULL &&
      error != NULL)
    g_debug ("The Device Repository's answer for %s is not read from the registry: %s", profile_id, error->message);
  return answer;
}

static void
keep_answer (OnbTtsRepository *self,
             const char       *profile_id,
             const char       *answer)
{
  g_autoptr(GError) error = NULL;

  g_hash_table_insert (self->kept, g_strdup (profile_id), g_strdup (answer));
  if (self->registry != NULL &&
      !onb_registry_put_model_template (self->registry, profile_id, answer, g_get_real_time () / G_USEC_PER_SEC,
                                        &error))
    g_debug ("The Device Repository's answer for %s is not kept in the registry: %s", profile_id, error->message);
}

gboolean
onb_tts_repository_lookup_kept (OnbTtsRepository  *self,
                                const char        *profile_id,
                                OnbModelTemplate **answer)
{
  g_autofree char *id = NULL;
  g_autofree char *kept = NULL;

  g_return_val_if_fail (ONB_IS_TTS_REPOSITORY (self), FALSE);
  g_return_val_if_fail (profile_id != NULL, FALSE);
  g_return_val_if_fail (answer != NULL && *answer == NULL, FALSE);

  id = g_ascii_strup (profile_id, -1);
  if (g_hash_table_contains (self->unknown, id))
    return TRUE;
  if ((kept = kept_answer (self, id)) != NULL)
    {
      g_autoptr(json_object) json = json_tokener_parse (kept);

      /* What cannot be read any more is asked again. */
      *answer = onb_tts_decode_model_template (json, id, NULL);
    }
  return *answer != NULL;
}

/* ---- the question ------------------------------------------------------ */

static GError *
not_known (const char *profile_id,
           GError     *cause)
{
  g_autofree char *message =
    g_strdup_printf (_("The Things Stack's Device Repository does not know the Profile ID %s."), profile_id);

  if (cause != NULL)
    return onb_tts_error_reword (cause, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND, message);
  return g_error_new_literal (ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_NOT_FOUND, message);
}

static void
get_template_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbTtsRepository *self = g_task_get_source_object (task);
  const char *profile_id = g_task_get_task_data (task);
  g_autoptr(json_object) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OnbModelTemplate) template = NULL;

  answer = onb_tts_client_read_finish (ONB_TTS_CLIENT (object), result, &error);
  if (answer == NULL)
    {
      const char *name = onb_cloud_error_get_server_name (error);

      if (g_strcmp0 (name, "end_device_profile_not_found") == 0 ||
          g_strcmp0 (name, "missing_profile_identifiers") == 0)
        {
          g_hash_table_add (self->unknown, g_strdup (profile_id));
          g_task_return_error (task, not_known (profile_id, error));
        }
      else if (onb_cloud_error_get_http_status (error) == 404)
        {
          g_autofree char *message =
            g_strdup_printf (_("The Things Stack at %s has no Device Repository to ask about the Profile ID %s "
                               "(it came with The Things Stack 3.32). Name the model's versions and frequency plan "
                               "in its [model] section, or set [tts] device_repository."),
                             self->url, profile_id);

          /* Not asked again: it will not appear while this runs. */
          g_clear_error (&self->absent);
          self->absent = onb_tts_error_reword (error, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_HTTP, message);
          g_task_return_error (task, g_error_copy (self->absent));
        }
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Kept only once it decodes: a bad answer is asked again next time. */
  template = onb_tts_decode_model_template (answer, profile_id, &error);
  if (template == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  keep_answer (self, profile_id, json_object_to_json_string_ext (answer, JSON_C_TO_STRING_PLAIN));
  g_task_return_pointer (task, g_steal_pointer (&template), (GDestroyNotify) onb_model_template_free);
}

void
onb_tts_repository_get_template_async (OnbTtsRepository    *self,
                                       const char          *profile_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(OnbModelTemplate) template = NULL;
  g_autofree char *id = NULL;
  g_autofree char *vendor = NULL;
  g_autofree char *profile = NULL;
  guint64 number;

  g_return_if_fail (ONB_IS_TTS_REPOSITORY (self));
  g_return_if_fail (profile_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_tts_repository_get_template_async);

  if (!onb_hex_is_valid (profile_id, 8))
    {
      g_task_return_new_error (task, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_INVALID_REQUEST,
                               _("A Profile ID is 8 hexadecimal digits, such as 000AF8BE."));
      return;
    }
  id = g_ascii_strup (profile_id, -1);
  g_task_set_task_data (task, g_strdup (id), g_free);

  /* A kept answer serves even where the repository is gone since. */
  if (onb_tts_repository_lookup_kept (self, id, &template))
    {
      if (template == NULL)
        g_task_return_error (task, not_known (id, NULL));
      else
        g_task_return_pointer (task, g_steal_pointer (&template), (GDestroyNotify) onb_model_template_free);
      return;
    }
  if (self->absent != NULL)
    {
      g_task_return_error (task, g_error_copy (self->absent));
      return;
    }

  /* TR005: VendorID is the first 4 hex digits, VendorProfileID the last
   * 4; the route takes both as decimal numbers. Zero is no ID at all. */
  number = g_ascii_strtoull (id, NULL, 16);
  if ((number >> 16) == 0 || (number & 0xffff) == 0)
    {
      g_task_return_error (task, not_known (id, NULL));
      return;
    }
  vendor = g_strdup_printf ("%u", (guint) (number >> 16));
  profile = g_strdup_printf ("%u", (guint) (number & 0xffff));
  onb_tts_client_read_async (self->client,
                             onb_http_build_url (self->url, "api", "v3", "dr", "vendors", vendor,
                                                 "profiles", profile, "template", NULL),
                             onb_tts_repository_get_template_async, cancellable, get_template_cb,
                             g_steal_pointer (&task));
}

OnbModelTemplate *
onb_tts_repository_get_template_finish (OnbTtsRepository  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
