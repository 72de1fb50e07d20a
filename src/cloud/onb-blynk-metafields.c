/* onb-blynk-metafields.c: templates and metafields (docs/blynk-api.md,
 * "Integration metafields")
 *
 * A template's number is found in the organisation's template list; its
 * metafield list maps names to the ids the writes take. Both are cached
 * for the client's life; the metafield lists also in a file across
 * processes, when the engine names one.
 */

#define G_LOG_DOMAIN "onb-blynk"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-blynk-client-private.h"
#include "onb-blynk-decode-private.h"
#include "onb-cloud-error.h"

/* Templates in the file of metafield lists: more is not a file we wrote. */
#define MAX_CACHED_TEMPLATES 100

static gint64 *
int64_dup (gint64 value)
{
  return g_memdup2 (&value, sizeof value);
}

static OnbBlynkWalkStep
template_item (OnbBlynkClient  *self,
               json_object     *item,
               gpointer         data,
               GError         **error)
{
  g_auto(GStrv) codes = NULL;
  gint64 id = 0;

  if (!onb_blynk_decode_template (item, &id, &codes, error))
    return ONB_BLYNK_WALK_FAILED;

  /* Every template is read and cached: one listing serves every later
   * lookup (an organisation has few). */
  for (guint i = 0; codes[i] != NULL; i++)
    g_hash_table_insert (self->templates, g_strdup (codes[i]), int64_dup (id));

  return ONB_BLYNK_WALK_NEXT;
}

static void cache_save (OnbBlynkClient *self);

static void
resolve_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  const char *code = g_task_get_task_data (task);
  g_autofree char *message = NULL;
  gint64 *number;
  GError *error = NULL;

  if (!onb_blynk_walk_finish (self, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if ((number = g_hash_table_lookup (self->templates, code)) != NULL)
    {
      cache_save (self);
      g_task_return_int (task, *number);
      return;
    }

  message = g_strdup_printf (_("The Blynk template %s does not exist in this organisation: check [blynk] template_id in Setup."), code);
  g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_NOT_FOUND, 0, NULL, NULL, NULL, -1, message));
}

void
onb_blynk_client_resolve_template_async (OnbBlynkClient      *self,
                                         const char          *template_id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  static const char * const segments[] = { "api", "v1", "organization", "templates", NULL };
  GTask *task;
  gint64 *number;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (template_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_resolve_template_async);
  g_task_set_task_data (task, g_strdup (template_id), g_free);

  if ((number = g_hash_table_lookup (self->templates, template_id)) != NULL)
    {
      g_task_return_int (task, *number);
      g_object_unref (task);
      return;
    }

  onb_blynk_walk_async (self, segments, NULL, _("the template list"), template_item, NULL, cancellable, resolve_cb, task);
}

gint64
onb_blynk_client_resolve_template_finish (OnbBlynkClient  *self,
                                          GAsyncResult    *result,
                                          GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  return g_task_propagate_int (G_TASK (result), error);
}

/* ---- the metafield lists kept across processes -------------------------------- */

/* The file holds {"<template number>": [{"id", "name"}, ...]}: each list in
 * the shape Blynk answers, so its decoder checks it; and under
 * "templates" {"TMPL…": number}, so that a new process knows its
 * templates' numbers without the template list. */
#define CACHE_TEMPLATES_KEY "templates"

static void
cache_load_templates (OnbBlynkClient *self,
                      json_object    *templates)
{
  if (!json_object_is_type (templates, json_type_object) ||
      json_object_object_length (templates) > MAX_CACHED_TEMPLATES)
    {
      g_debug ("Blynk template numbers in %s ignored: not an object of at most %d templates", self->metafield_cache,
               MAX_CACHED_TEMPLATES);
      return;
    }
  for (struct json_object_iterator it = json_object_iter_begin (templates), end = json_object_iter_end (templates);
       !json_object_iter_equal (&it, &end); json_object_iter_next (&it))
    {
      json_object *number = json_object_iter_peek_value (&it);

      if (!json_object_is_type (number, json_type_int) || json_object_get_int64 (number) <= 0)
        {
          g_debug ("Blynk template number of “%s” in %s ignored: not a positive integer",
                   json_object_iter_peek_name (&it), self->metafield_cache);
          continue;
        }
      g_hash_table_insert (self->templates, g_strdup (json_object_iter_peek_name (&it)),
                           int64_dup (json_object_get_int64 (number)));
    }
}

static void
cache_load (OnbBlynkClient *self)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  json_object *json;
  gsize length;

  if (!g_file_get_contents (self->metafield_cache, &text, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("Blynk metafield lists not read from %s: %s", self->metafield_cache, error->message);
      return;
    }
  json = json_tokener_parse (text);
  if (!json_object_is_type (json, json_type_object) ||
      json_object_object_length (json) > MAX_CACHED_TEMPLATES)
    {
      g_debug ("Blynk metafield lists in %s ignored: not an object of at most %d templates", self->metafield_cache,
               MAX_CACHED_TEMPLATES);
      json_object_put (json);
      return;
    }
  for (struct json_object_iterator it = json_object_iter_begin (json), end = json_object_iter_end (json);
       !json_object_iter_equal (&it, &end); json_object_iter_next (&it))
    {
      const char *key = json_object_iter_peek_name (&it);
      json_object *list = json_object_iter_peek_value (&it);
      g_autoptr(GHashTable) map = NULL;
      gint64 number;

      if (strcmp (key, CACHE_TEMPLATES_KEY) == 0)
        {
          cache_load_templates (self, list);
          continue;
        }
      g_clear_error (&error);
      if (!g_ascii_string_to_signed (key, 10, 1, G_MAXINT64, &number, NULL) ||
          !(map = onb_blynk_decode_template_metafields (list, &error)))
        {
          g_debug ("Blynk metafield list of template “%s” in %s ignored: %s", key, self->metafield_cache,
                   error != NULL ? error->message : "not a template number");
          continue;
        }
      g_hash_table_insert (self->metafields, int64_dup (number), g_steal_pointer (&map));
      g_hash_table_add (self->cached, int64_dup (number));
    }
  json_object_put (json);
}

/* Writes every list known, replacing the file in one step. */
static void
cache_save (OnbBlynkClient *self)
{
  g_autoptr(GError) error = NULL;
  json_object *json;
  GHashTableIter templates, templates_iter;
  gpointer number, map, code;

  if (self->metafield_cache == NULL)
    return;
  json = json_object_new_object ();
  g_hash_table_iter_init (&templates, self->metafields);
  while (g_hash_table_iter_next (&templates, &number, &map))
    {
      json_object *list = json_object_new_array ();
      g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT, *(gint64 *) number);
      GHashTableIter fields;
      gpointer name, id;

      g_hash_table_iter_init (&fields, map);
      while (g_hash_table_iter_next (&fields, &name, &id))
        {
          json_object *field = json_object_new_object ();

          json_object_object_add (field, "id", json_object_new_int64 (*(gint64 *) id));
          json_object_object_add (field, "name", json_object_new_string (name));
          json_object_array_add (list, field);
        }
      json_object_object_add (json, key, list);
    }
  if (g_hash_table_size (self->templates) <= MAX_CACHED_TEMPLATES)
    {
      json_object *numbers = json_object_new_object ();

      g_hash_table_iter_init (&templates_iter, self->templates);
      while (g_hash_table_iter_next (&templates_iter, &code, &number))
        json_object_object_add (numbers, code, json_object_new_int64 (*(gint64 *) number));
      json_object_object_add (json, CACHE_TEMPLATES_KEY, numbers);
    }
  if (!g_file_set_contents (self->metafield_cache, json_object_to_json_string_ext (json, JSON_C_TO_STRING_PLAIN), -1,
                            &error))
    g_debug ("Blynk metafield lists not kept in %s: %s", self->metafield_cache, error->message);
  json_object_put (json);
}

void
onb_blynk_client_set_metafield_cache (OnbBlynkClient *self,
                                      const char     *path)
{
  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (path != NULL);

  g_free (self->metafield_cache);
  self->metafield_cache = g_strdup (path);
  cache_load (self);
}

/* A list from the file that a write contradicts: fetched again. */
static void
cache_forget (OnbBlynkClient *self,
              gint64          template_number)
{
  g_hash_table_remove (self->metafields, &template_number);
  g_hash_table_remove (self->cached, &template_number);
}

/* ---- metafield lists ---------------------------------------------------------------- */

static void
metafields_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  gint64 *template_number = g_task_get_task_data (task);
  g_autoptr(OnbHttpResponse) response = NULL;
  g_autoptr(GHashTable) map = NULL;
  json_object *json = NULL;
  GError *error = NULL;

  response = onb_blynk_call_finish (self, result, &error);
  if (response == NULL ||
      (json = onb_blynk_response_json (response, _("the template’s metafield list"), &error)) == NULL ||
      (map = onb_blynk_decode_template_metafields (json, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_hash_table_insert (self->metafields, int64_dup (*template_number), g_hash_table_ref (map));
  g_hash_table_remove (self->cached, template_number);
  cache_save (self);
  g_task_return_pointer (task, g_steal_pointer (&map), (GDestroyNotify) g_hash_table_unref);
}

void
onb_blynk_client_get_metafields_async (OnbBlynkClient      *self,
                                       gint64               template_number,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  GHashTable *cached;
  OnbBlynkCall *call;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_get_metafields_async);
  g_task_set_task_data (task, int64_dup (template_number), g_free);

  if ((cached = g_hash_table_lookup (self->metafields, &template_number)) != NULL)
    {
      g_task_return_pointer (task, g_hash_table_ref (cached), (GDestroyNotify) g_hash_table_unref);
      g_object_unref (task);
      return;
    }

  call = onb_blynk_call_new ("GET", "api", "v1", "organization", "template", "metafields", NULL);
  onb_blynk_call_add_query_int (call, "templateId", template_number);
  onb_blynk_call_async (self, call, cancellable, onb_blynk_client_get_metafields_async, metafields_cb, task);
}

GHashTable *
onb_blynk_client_get_metafields_finish (OnbBlynkClient  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  gint64      device_id;
  gint64      template_number;
  GHashTable *values;     /* name → value */
  guint       pending;
  GError     *error;
  gboolean    from_cache; /* the list used came from the file */
  gboolean    refreshed;  /* that list was fetched again once */
} SetMetafields;

static void set_metafields_map_cb (GObject *object, GAsyncResult *result, gpointer user_data);

/* A list from the file may be out of date (the template changed since):
 * once per call, it is fetched again and the writes sent again. */
static gboolean
refresh_stale_list (OnbBlynkClient *self,
                    GTask          *task)
{
  SetMetafields *state = g_task_get_task_data (task);

  if (!state->from_cache || state->refreshed)
    return FALSE;
  state->refreshed = TRUE;
  g_clear_error (&state->error);
  cache_forget (self, state->template_number);
  onb_blynk_client_get_metafields_async (self, state->template_number, g_task_get_cancellable (task),
                                         set_metafields_map_cb, g_object_ref (task));
  return TRUE;
}

static void
set_metafields_free (gpointer data)
{
  SetMetafields *state = data;

  g_hash_table_unref (state->values);
  g_clear_error (&state->error);
  g_free (state);
}

static void
metafield_written_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SetMetafields *state = g_task_get_task_data (task);
  g_autoptr(OnbHttpResponse) response = NULL;
  GError *error = NULL;

  /* 204 without a body (documented): nothing in it to check, so the
   * caller verifies by reading the device back. */
  response = onb_blynk_call_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (error != NULL && state->error == NULL)
    state->error = error;
  else
    g_clear_error (&error);

  if (--state->pending > 0)
    return;

  if (state->error != NULL && refresh_stale_list (ONB_BLYNK_CLIENT (object), task))
    return;
  if (state->error != NULL)
    g_task_return_error (task, g_steal_pointer (&state->error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
set_metafields_map_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  SetMetafields *state = g_task_get_task_data (task);
  g_autoptr(GHashTable) map = NULL;
  GHashTableIter iter;
  gpointer name, value;
  GError *error = NULL;

  map = onb_blynk_client_get_metafields_finish (self, result, &error);
  if (map == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  state->from_cache = g_hash_table_contains (self->cached, &state->template_number);

  /* Check every name before writing anything. */
  g_hash_table_iter_init (&iter, state->values);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!g_hash_table_contains (map, name))
      {
        g_autofree char *message = NULL;

        if (refresh_stale_list (self, task))
          return;
        message = g_strdup_printf (_("The Blynk template has no metafield “%s”. Add it to the template in Blynk.Console, or rename the column in the device list."), (const char *) name);
        g_task_return_error (task, onb_cloud_error_new_full (ONB_CLOUD_ERROR_INVALID_REQUEST, 0, NULL, NULL, NULL, -1, message));
        return;
      }

  state->pending = g_hash_table_size (state->values);
  if (state->pending == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Independent writes: all at once. */
  g_hash_table_iter_init (&iter, state->values);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      OnbBlynkCall *call = onb_blynk_call_new ("POST", "api", "v1", "organization", "device", "metafield", NULL);

      call->body = json_object_new_object ();
      json_object_object_add (call->body, "deviceId", json_object_new_int64 (state->device_id));
      json_object_object_add (call->body, "metaFieldId", json_object_new_int64 (*(gint64 *) g_hash_table_lookup (map, name)));
      json_object_object_add (call->body, "newValue", json_object_new_string (value));
      onb_blynk_call_async (self, call, g_task_get_cancellable (task), onb_blynk_client_set_metafields_async,
                            metafield_written_cb, g_object_ref (task));
    }
}

static void
set_metafields_device_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OnbBlynkClient *self = ONB_BLYNK_CLIENT (object);
  SetMetafields *state = g_task_get_task_data (task);
  g_autoptr(OnbBlynkDevice) device = NULL;
  GError *error = NULL;

  device = onb_blynk_client_get_device_finish (self, result, &error);
  if (device == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  state->template_number = onb_blynk_device_get_template_number (device);
  onb_blynk_client_get_metafields_async (self, state->template_number, g_task_get_cancellable (task),
                                         set_metafields_map_cb, g_object_ref (task));
}

void
onb_blynk_client_set_metafields_async (OnbBlynkClient      *self,
                                       gint64               device_id,
                                       gint64               template_number,
                                       GHashTable          *values,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  SetMetafields *state;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));
  g_return_if_fail (values != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_set_metafields_async);
  state = g_new0 (SetMetafields, 1);
  state->device_id = device_id;
  state->template_number = template_number;
  state->values = g_hash_table_ref (values);
  g_task_set_task_data (task, state, set_metafields_free);

  if (template_number != ONB_BLYNK_TEMPLATE_NUMBER_UNKNOWN)
    onb_blynk_client_get_metafields_async (self, template_number, cancellable, set_metafields_map_cb, task);
  else
    onb_blynk_client_get_device_async (self, device_id, cancellable, set_metafields_device_cb, task);
}

gboolean
onb_blynk_client_set_metafields_finish (OnbBlynkClient  *self,
                                        GAsyncResult    *result,
                                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- ready before the first job ----------------------------------------------------- */

typedef struct
{
  guint   pending;
  GError *error;    /* the first failure */
} Prepare;

static void
prepare_free (gpointer data)
{
  Prepare *prepare = data;

  g_clear_error (&prepare->error);
  g_free (prepare);
}

static void
prepare_part_done (GTask  *task,
                   GError *error)
{
  Prepare *prepare = g_task_get_task_data (task);

  if (error != NULL && prepare->error == NULL)
    prepare->error = error;
  else
    g_clear_error (&error);
  if (--prepare->pending > 0)
    return;
  if (prepare->error != NULL)
    g_task_return_error (task, g_steal_pointer (&prepare->error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
prepare_token_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  onb_blynk_ensure_token_finish (ONB_BLYNK_CLIENT (object), result, &error);
  prepare_part_done (task, error);
}

static void
prepare_metafields_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GHashTable) map = NULL;
  GError *error = NULL;

  map = onb_blynk_client_get_metafields_finish (ONB_BLYNK_CLIENT (object), result, &error);
  prepare_part_done (task, error);
}

static void
prepare_template_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gint64 number;

  number = onb_blynk_client_resolve_template_finish (ONB_BLYNK_CLIENT (object), result, &error);
  if (error != NULL)
    prepare_part_done (task, error);
  else
    onb_blynk_client_get_metafields_async (ONB_BLYNK_CLIENT (object), number, g_task_get_cancellable (task),
                                           prepare_metafields_cb, g_object_ref (task));
}

void
onb_blynk_client_prepare_async (OnbBlynkClient      *self,
                                const char * const  *template_ids,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  Prepare *prepare;

  g_return_if_fail (ONB_IS_BLYNK_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_blynk_client_prepare_async);
  prepare = g_new0 (Prepare, 1);
  g_task_set_task_data (task, prepare, prepare_free);

  /* The token beside the template look-ups, which wait for it too. */
  prepare->pending = 1;
  onb_blynk_ensure_token_async (self, cancellable, prepare_token_cb, g_object_ref (task));
  for (guint i = 0; template_ids != NULL && template_ids[i] != NULL; i++)
    {
      gint64 *number = g_hash_table_lookup (self->templates, template_ids[i]);

      if (number != NULL && g_hash_table_contains (self->metafields, number))
        continue;
      prepare->pending++;
      onb_blynk_client_resolve_template_async (self, template_ids[i], cancellable, prepare_template_cb,
                                               g_object_ref (task));
    }
  g_object_unref (task);
}

gboolean
onb_blynk_client_prepare_finish (OnbBlynkClient  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
