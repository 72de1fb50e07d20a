/* onb-batch.c: batches and the devices still to scan */

#define G_LOG_DOMAIN "onb-batch"

#include "config.h"

#include <string.h>

#include "onb-batch.h"
#include "onb-csv.h"
#include "onb-file.h"

struct _OnbDeviceStates
{
  GStringChunk *strings;
  GHashTable   *index;  /* DevEUI in @strings → position in @states + 1 */
  GArray       *states; /* of OnbDeviceState */
};

OnbDeviceStates *
onb_device_states_new (void)
{
  OnbDeviceStates *states = g_new0 (OnbDeviceStates, 1);

  states->strings = g_string_chunk_new (64 * 1024);
  states->index = g_hash_table_new (g_str_hash, g_str_equal);
  states->states = g_array_new (FALSE, FALSE, sizeof (OnbDeviceState));
  return states;
}

void
onb_device_states_free (OnbDeviceStates *states)
{
  if (states == NULL)
    return;
  g_hash_table_unref (states->index);
  g_array_unref (states->states);
  g_string_chunk_free (states->strings);
  g_free (states);
}

static const char *
chunk_insert (OnbDeviceStates *states,
              const char      *text)
{
  /* Reasons and messages repeat: stored once each. */
  return text != NULL ? g_string_chunk_insert_const (states->strings, text) : NULL;
}

void
onb_device_states_add (OnbDeviceStates   *states,
                       const char        *dev_eui,
                       OnbDeviceProgress  progress,
                       const char        *reason,
                       const char        *message)
{
  OnbDeviceState state = { progress, chunk_insert (states, reason), chunk_insert (states, message) };
  guint position = GPOINTER_TO_UINT (g_hash_table_lookup (states->index, dev_eui));

  if (position > 0)
    {
      g_array_index (states->states, OnbDeviceState, position - 1) = state;
      return;
    }
  g_array_append_val (states->states, state);
  g_hash_table_insert (states->index, g_string_chunk_insert (states->strings, dev_eui),
                       GUINT_TO_POINTER (states->states->len));
}

const OnbDeviceState *
onb_device_states_lookup (OnbDeviceStates *states,
                          const char      *dev_eui)
{
  guint position = GPOINTER_TO_UINT (g_hash_table_lookup (states->index, dev_eui));

  return position > 0 ? &g_array_index (states->states, OnbDeviceState, position - 1) : NULL;
}

OnbBatch *
onb_batch_copy (const OnbBatch *batch)
{
  OnbBatch *copy = g_memdup2 (batch, sizeof *batch);

  copy->file_name = g_strdup (batch->file_name);
  return copy;
}

void
onb_batch_free (OnbBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->file_name);
  g_free (batch);
}

G_DEFINE_BOXED_TYPE (OnbBatch, onb_batch, onb_batch_copy, onb_batch_free)

OnbBatchDevice *
onb_batch_device_copy (const OnbBatchDevice *device)
{
  OnbBatchDevice *copy = g_memdup2 (device, sizeof *device);

  copy->dev_eui = g_strdup (device->dev_eui);
  copy->device_name = g_strdup (device->device_name);
  copy->serial = g_strdup (device->serial);
  copy->reason = g_strdup (device->reason);
  copy->message = g_strdup (device->message);
  return copy;
}

void
onb_batch_device_free (OnbBatchDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->dev_eui);
  g_free (device->device_name);
  g_free (device->serial);
  g_free (device->reason);
  g_free (device->message);
  g_free (device);
}

G_DEFINE_BOXED_TYPE (OnbBatchDevice, onb_batch_device, onb_batch_device_copy, onb_batch_device_free)

const char **
onb_batch_devices_get_dev_euis (GPtrArray *devices)
{
  const char **dev_euis = g_new (const char *, devices->len + 1);

  for (guint i = 0; i < devices->len; i++)
    dev_euis[i] = ((OnbBatchDevice *) devices->pdata[i])->dev_eui;
  dev_euis[devices->len] = NULL;
  return dev_euis;
}

void
onb_batch_apply_states (OnbBatch        *batch,
                        GPtrArray       *devices,
                        OnbDeviceStates *states)
{
  guint kept = 0;

  batch->n_done = batch->n_failed = 0;
  for (guint i = 0; i < devices->len; i++)
    {
      OnbBatchDevice *device = devices->pdata[i];
      const OnbDeviceState *state = onb_device_states_lookup (states, device->dev_eui);

      device->progress = state != NULL ? state->progress : ONB_DEVICE_PROGRESS_TO_DO;
      g_free (device->reason);
      g_free (device->message);
      device->reason = state != NULL ? g_strdup (state->reason) : NULL;
      device->message = state != NULL ? g_strdup (state->message) : NULL;
      if (device->progress == ONB_DEVICE_PROGRESS_DONE)
        {
          batch->n_done++;
          onb_batch_device_free (device);
          continue;
        }
      batch->n_failed += device->progress == ONB_DEVICE_PROGRESS_FAILED;
      devices->pdata[kept++] = device;
    }
  /* The done ones are freed above: shrink without the free func. */
  g_ptr_array_set_free_func (devices, NULL);
  g_ptr_array_set_size (devices, kept);
  g_ptr_array_set_free_func (devices, (GDestroyNotify) onb_batch_device_free);
  batch->n_to_do = batch->n_devices - batch->n_done - batch->n_failed;
}

static gboolean
contains_folded (const char *text,
                 const char *folded_query)
{
  g_autofree char *folded = NULL;

  if (text == NULL)
    return FALSE;
  folded = g_utf8_casefold (text, -1);
  return strstr (folded, folded_query) != NULL;
}

gboolean
onb_batch_device_matches (const OnbBatchDevice *device,
                            const char             *query)
{
  g_autofree char *folded = NULL;

  if (query == NULL || *query == '\0')
    return TRUE;
  folded = g_utf8_casefold (query, -1);
  return contains_folded (device->dev_eui, folded) || contains_folded (device->device_name, folded) ||
         contains_folded (device->serial, folded) || contains_folded (device->reason, folded) ||
         contains_folded (device->message, folded);
}

const char *
onb_device_progress_to_string (OnbDeviceProgress progress)
{
  static const char *nicks[] = { "to-do", "done", "failed" };

  g_return_val_if_fail (progress <= ONB_DEVICE_PROGRESS_FAILED, "");
  return nicks[progress];
}

void
onb_missing_devices_to_csv (GPtrArray *devices,
                            GString   *out)
{
  static const char *header[] = { "dev_eui", "device_name", "serial", "state", "reason", "message" };

  onb_csv_append_row (out, header, G_N_ELEMENTS (header));
  for (guint i = 0; i < devices->len; i++)
    {
      const OnbBatchDevice *device = devices->pdata[i];
      const char *fields[] = { device->dev_eui, device->device_name, device->serial,
                               onb_device_progress_to_string (device->progress), device->reason, device->message };

      onb_csv_append_row (out, fields, G_N_ELEMENTS (fields));
    }
}

gboolean
onb_missing_devices_write_csv (GPtrArray   *devices,
                               const char  *path,
                               GError     **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  onb_missing_devices_to_csv (devices, out);
  return onb_file_write (path, out->str, out->len, ONB_FILE_WRITE_NONE, error);
}
