/* portal-test.h: a PipeWire camera and the portal's dialog, for the tests
 * that run under portal-session (test-portal-camera, test-portal-scan-page)
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef gboolean (*PortalTestCondition) (gconstpointer data);

/* g_test_init and gst_init; FALSE (skip) outside portal-session. */
gboolean     portal_test_init                  (int                 *argc,
                                                char              ***argv);

void         portal_test_wait                  (PortalTestCondition  condition,
                                                gconstpointer        data,
                                                const char          *what);
/* A webcam as PipeWire lists one, showing @payload as a QR code. */
GSubprocess *portal_test_camera_start          (const char          *payload);
void         portal_test_camera_stop           (GSubprocess         *camera);
/* Until PipeWire lists the camera and the portal says one is present. */
void         portal_test_wait_for_camera       (void);
/* Clicks "Grant Access" or "Deny Access" in the portal's dialog. */
void         portal_test_answer_dialog         (gboolean             grant);
/* The permission store's entry for programs outside any sandbox. */
char        *portal_test_stored_permission     (void);
void         portal_test_set_stored_permission (const char          *value);

G_END_DECLS
