/* onb-application.h: the kiosk application: configuration, engine, scanner */
#pragma once

#include <adwaita.h>

#include "onb-config.h"
#include "onb-conveyor.h"
#include "onb-engine.h"
#include "onb-http-client.h"
#include "onb-scanner.h"
#include "onb-sound-player.h"

G_BEGIN_DECLS

#define ONB_TYPE_APPLICATION (onb_application_get_type ())
G_DECLARE_FINAL_TYPE (OnbApplication, onb_application, ONB, APPLICATION, AdwApplication)

OnbApplication *onb_application_new               (void);
gboolean        onb_application_get_kiosk         (OnbApplication  *self);
gboolean        onb_application_get_demo          (OnbApplication  *self);
/* FALSE on a first start: no configuration file was found. */
gboolean        onb_application_get_configured    (OnbApplication  *self);
/* The demo in this window: the built-in simulator, the sample list and
 * the conveyor, in place of the configuration. */
void            onb_application_start_demo        (OnbApplication  *self);
OnbConfig      *onb_application_get_config        (OnbApplication  *self);
/* Where Setup saves: --config, else where it was loaded from (nullable). */
const char     *onb_application_get_config_path   (OnbApplication  *self);
OnbHttpClient  *onb_application_get_http_client   (OnbApplication  *self);
GSettings      *onb_application_get_settings      (OnbApplication  *self);
OnbSoundPlayer *onb_application_get_sound_player  (OnbApplication  *self);
/* NULL until configured; then onb_application_get_engine_error() says why. */
OnbEngine      *onb_application_get_engine        (OnbApplication  *self);
void            onb_application_get_engine_error  (OnbApplication  *self,
                                                   GError         **error);
OnbScanner     *onb_application_get_scanner       (OnbApplication  *self);
/* The demo's belt, NULL outside the demo. */
OnbConveyor    *onb_application_get_conveyor      (OnbApplication  *self);
/* After Setup saved: rebuilds the engine from the configuration. */
void            onb_application_reload            (OnbApplication  *self);
/* A payload from any source becomes a job, or a rejection. (transfer full) */
OnbJob         *onb_application_submit            (OnbApplication  *self,
                                                   const char      *payload,
                                                   gsize            length,
                                                   const char      *source,
                                                   GError         **error);
/* Camera @id, or %NULL for the demo's conveyor. */
void            onb_application_use_camera        (OnbApplication  *self,
                                                   const char      *id);
/* Imports a device list on a worker thread. The report is returned even
 * when the import fails (transfer full, nullable). */
void            onb_application_import_devices_async  (OnbApplication       *self,
                                                       const char           *path,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean        onb_application_import_devices_finish (OnbApplication       *self,
                                                       GAsyncResult         *result,
                                                       OnbImportReport     **report,
                                                       GError              **error);

/* Signals: engine-changed () after a (re)load; ready () once, when the
 * scanner runs and the engine has started (in the demo, after the sample
 * list is imported). */

G_END_DECLS
