/* onb-demo.h: `onboarder --demo`: the bundled simulator and sample boxes */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ONB_TYPE_DEMO (onb_demo_get_type ())
G_DECLARE_FINAL_TYPE (OnbDemo, onb_demo, ONB, DEMO, GObject)

OnbDemo     *onb_demo_new              (void);
/* Starts the simulator and writes a configuration pointing at it, in a
 * fresh temporary folder (a real configuration is never touched). */
void         onb_demo_start_async      (OnbDemo              *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean     onb_demo_start_finish     (OnbDemo              *self,
                                        GAsyncResult         *result,
                                        GError              **error);
const char  *onb_demo_get_config_path  (OnbDemo              *self);
/* The bundled samples (data/samples): the device list to import and the
 * labels the conveyor shows, in demo order. (transfer full) */
char        *onb_demo_get_devices_path (void);
GStrv        onb_demo_get_labels       (GError              **error);
/* Stops the simulator and removes the temporary folder. */
void         onb_demo_stop             (OnbDemo              *self);

G_END_DECLS
