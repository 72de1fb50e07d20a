/* onb-batch.h: the batches of the device list and what is still to scan
 *
 * Every import is a batch (its file name, time and rows); a device belongs
 * to the batch that imported it last. The registry lists the batches and
 * their devices; what happened to each device comes from the job journal
 * as OnbDeviceState values, so that this layer needs no knowledge of jobs.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  ONB_DEVICE_PROGRESS_TO_DO,  /* never scanned, queued, running or waiting */
  ONB_DEVICE_PROGRESS_DONE,
  ONB_DEVICE_PROGRESS_FAILED,
} OnbDeviceProgress;

/* "to-do", "done", "failed": stable, for --json and CSV. */
const char     *onb_device_progress_to_string (OnbDeviceProgress progress);

/* What the journal knows of one DevEUI. The strings belong to the
 * OnbDeviceStates that holds it. */
typedef struct
{
  OnbDeviceProgress  progress;
  const char        *reason;  /* stable reason of the last failure, or NULL */
  const char        *message; /* its words, or NULL */
} OnbDeviceState;

/* DevEUI (upper case) → OnbDeviceState, for a whole journal at once: one
 * block of strings and one array, not three allocations a job, so that
 * 100,000 jobs load in milliseconds. */
typedef struct _OnbDeviceStates OnbDeviceStates;

OnbDeviceStates      *onb_device_states_new    (void);
void                  onb_device_states_free   (OnbDeviceStates   *states);
/* A DevEUI added again replaces its state. */
void                  onb_device_states_add    (OnbDeviceStates   *states,
                                                const char        *dev_eui,
                                                OnbDeviceProgress  progress,
                                                const char        *reason,
                                                const char        *message);
/* NULL when the journal has no job for @dev_eui. */
const OnbDeviceState *onb_device_states_lookup (OnbDeviceStates   *states,
                                                const char        *dev_eui);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbDeviceStates, onb_device_states_free)

#define ONB_TYPE_BATCH (onb_batch_get_type ())
typedef struct
{
  gint64  id;
  char   *file_name;   /* base name of the imported file; NULL for data given directly */
  gint64  imported_at; /* Unix time, seconds */
  guint   n_rows;      /* rows of the file */
  guint   n_devices;   /* devices that belong to it now (later batches take theirs) */
  guint   n_done;
  guint   n_failed;
  guint   n_to_do;     /* n_devices - n_done - n_failed */
} OnbBatch;

GType      onb_batch_get_type (void) G_GNUC_CONST;
OnbBatch  *onb_batch_copy     (const OnbBatch *batch);
void       onb_batch_free     (OnbBatch       *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbBatch, onb_batch_free)

#define ONB_TYPE_BATCH_DEVICE (onb_batch_device_get_type ())
/* A device of a batch. No secrets. */
typedef struct
{
  char              *dev_eui;
  char              *device_name; /* the Blynk name */
  char              *serial;      /* the list's serial number column, or NULL */
  OnbDeviceProgress  progress;
  char              *reason;      /* last failure, or NULL */
  char              *message;
} OnbBatchDevice;

GType             onb_batch_device_get_type (void) G_GNUC_CONST;
OnbBatchDevice *onb_batch_device_copy     (const OnbBatchDevice *device);
void              onb_batch_device_free     (OnbBatchDevice       *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbBatchDevice, onb_batch_device_free)

/* The DevEUIs of @devices, for the journal's query. (transfer container) */
const char      **onb_batch_devices_get_dev_euis (GPtrArray         *devices);
/* Sets each device's progress and last failure from @states, counts
 * @batch's done, failed and to do, and leaves in @devices only those not
 * done: the "Still to scan" list. Once, on the list
 * onb_registry_get_batch() gave. */
void              onb_batch_apply_states      (OnbBatch               *batch,
                                               GPtrArray              *devices,
                                               OnbDeviceStates        *states);

/* Whether @query (any case) is part of the name, DevEUI, serial or reason. */
gboolean          onb_batch_device_matches  (const OnbBatchDevice *device,
                                               const char             *query);
/* The "Still to scan" list as CSV (header and one row per device, through
 * onb_csv_append_row): dev_eui, device_name, serial, state, reason, message. */
void              onb_missing_devices_to_csv  (GPtrArray              *devices,
                                               GString                *out);
/* The same CSV written to @path (replaced whole), as the kiosk and the CLI
 * export it. */
gboolean          onb_missing_devices_write_csv (GPtrArray            *devices,
                                                 const char           *path,
                                                 GError              **error);

G_END_DECLS
