/* cloud-test.h: helpers shared by the cloud layer's tests */
#pragma once

#include <gio/gio.h>

#include "onb-config.h"
#include "onb-cloud-error.h"
#include "onb-http-client.h"
#include "onb-tts-client.h"
#include "onb-test-assert.h"
#include "onb-test-sim.h"

/* Longer than any request of a test may take, so a hang fails loudly. */
#define CLOUD_TEST_TIMEOUT_S 30

/* How late a timer may fire or a quick step may end on a loaded machine
 * (a sanitizer build, two tests to a core). An upper bound adds it to the
 * time it expects: still far below the client's 30 s default, so it tells
 * "ended by its own timeout, or at once" from "waited for the default". */
#define CLOUD_TEST_LATE_US (5 * G_USEC_PER_SEC)

/* How long each of the requests that must be in flight together takes at
 * the simulator: far longer than a loaded machine may put between their
 * starts (300 ms once was not), far shorter than a serial client needs. */
#define CLOUD_TEST_OVERLAP_MS "1500"

static inline void
cloud_test_store_result (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static inline gboolean
cloud_test_timed_out (gpointer user_data)
{
  g_error ("a request did not complete within %d s", CLOUD_TEST_TIMEOUT_S);
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *result is set, which the callback
 * cloud_test_store_result() does. */
static inline GAsyncResult *
cloud_test_wait (GAsyncResult **result)
{
  guint timeout = g_timeout_add_seconds (CLOUD_TEST_TIMEOUT_S, cloud_test_timed_out, NULL);

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);

  return *result;
}

/* An OnbConfig pointing at @sim, with @group/@key overrides given as
 * NULL-terminated triples (group, key, value). */
static inline OnbConfig *
cloud_test_config (OnbTestSim *sim,
                   ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = onb_test_sim_write_config (sim, NULL, &error);
  OnbConfig *config;
  va_list args;
  const char *group;

  g_assert_no_error (error);
  config = onb_config_load (path, &error);
  g_assert_no_error (error);

  va_start (args, sim);
  while ((group = va_arg (args, const char *)) != NULL)
    {
      const char *key = va_arg (args, const char *);
      const char *value = va_arg (args, const char *);

      onb_config_set_string (config, group, key, value);
    }
  va_end (args);

  return config;
}

static inline OnbTestSim *
cloud_test_sim_start (const char *extra_config)
{
  g_autoptr(GError) error = NULL;
  OnbTestSim *sim = onb_test_sim_start (extra_config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sim);

  return sim;
}

/* The request log entries of endpoint @name, in order. (transfer full) */
static inline GPtrArray *
cloud_test_log_entries (OnbTestSim *sim,
                        const char *name)
{
  g_autoptr(GError) error = NULL;
  json_object *log = onb_test_sim_get_request_log (sim, &error);
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_put);

  g_assert_no_error (error);
  for (size_t i = 0; i < json_object_array_length (log); i++)
    {
      json_object *entry = json_object_array_get_idx (log, i);
      json_object *endpoint = NULL;

      if (json_object_object_get_ex (entry, "endpoint", &endpoint) &&
          g_strcmp0 (json_object_get_string (endpoint), name) == 0)
        g_ptr_array_add (entries, json_object_get (entry));
    }
  json_object_put (log);

  return entries;
}

static inline double
cloud_test_entry_ms (json_object *entry,
                     const char  *field)
{
  json_object *value = NULL;

  g_assert_true (json_object_object_get_ex (entry, field, &value));

  return json_object_get_double (value);
}

/* A whole TTS device the way the job engine makes it: IS (an
 * "already-exists" of this very device adopted), then JS, NS and AS side
 * by side; the first error once all are answered. */
static inline gboolean
cloud_test_tts_create_device (OnbTtsClient  *tts,
                              OnbTtsDevice  *device,
                              GError       **error)
{
  g_autoptr(GAsyncResult) created = NULL;
  GAsyncResult *set[ONB_TTS_COMPONENT_AS + 1] = { NULL, };
  GError *first = NULL;

  onb_tts_client_create_is_async (tts, device, NULL, cloud_test_store_result, &created);
  if (!onb_tts_client_create_is_finish (tts, cloud_test_wait (&created), NULL, &first) &&
      !g_error_matches (first, ONB_CLOUD_ERROR, ONB_CLOUD_ERROR_ALREADY_EXISTS))
    {
      g_propagate_error (error, first);
      return FALSE;
    }
  g_clear_error (&first);

  for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
    onb_tts_client_set_async (tts, c, device, NULL, cloud_test_store_result, &set[c]);
  for (OnbTtsComponent c = ONB_TTS_COMPONENT_JS; c <= ONB_TTS_COMPONENT_AS; c++)
    {
      GError *set_error = NULL;

      if (!onb_tts_client_set_finish (tts, cloud_test_wait (&set[c]), NULL, &set_error) && first == NULL)
        first = set_error;
      else
        g_clear_error (&set_error);
      g_object_unref (set[c]);
    }
  if (first != NULL)
    {
      g_propagate_error (error, first);
      return FALSE;
    }
  return TRUE;
}
