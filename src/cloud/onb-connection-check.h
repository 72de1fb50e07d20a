/* onb-connection-check.h: "does everything this kiosk needs work?"
 *
 * Used by `onboarder-cli check` and the kiosk's setup page ("Test
 * connection"). Runs every check it can (the TTS and the Blynk items run
 * concurrently) and reports item by item; a failing item says what to
 * change, in words. Items that depend on a failed one are still listed,
 * marked not ok with "fix … first".
 */
#pragma once

#include <gio/gio.h>

#include "onb-config.h"
#include "onb-http-client.h"

G_BEGIN_DECLS

/* Stable item ids, in the order they are reported. */
#define ONB_CHECK_TTS_CONFIG         "tts-config"
#define ONB_CHECK_TTS_API_KEY        "tts-api-key"
#define ONB_CHECK_TTS_RIGHTS         "tts-rights"
#define ONB_CHECK_TTS_APPLICATION    "tts-application"
#define ONB_CHECK_TTS_FREQUENCY_PLAN "tts-frequency-plan"
#define ONB_CHECK_TTS_MAC_PHY        "tts-mac-phy"
#define ONB_CHECK_BLYNK_CONFIG       "blynk-config"
#define ONB_CHECK_BLYNK_CREDENTIALS  "blynk-credentials"
#define ONB_CHECK_BLYNK_TEMPLATE     "blynk-template"
#define ONB_CHECK_BLYNK_METAFIELDS   "blynk-metafields"

#define ONB_TYPE_CHECK_ITEM (onb_check_item_get_type ())
typedef struct
{
  char     *id;      /* one of ONB_CHECK_* */
  char     *title;   /* translated, e.g. "The Things Stack API key" */
  gboolean  ok;
  char     *message; /* translated: what was found, or what to change */
  char     *reason;  /* stable reason of the failure (onb_error_get_reason), NULL when ok */
  char    **names;   /* ONB_CHECK_BLYNK_METAFIELDS: the template's metafield names, sorted;
                      * NULL when they could not be read */
} OnbCheckItem;

GType          onb_check_item_get_type        (void) G_GNUC_CONST;
OnbCheckItem  *onb_check_item_copy            (const OnbCheckItem *item);
void           onb_check_item_free            (OnbCheckItem       *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbCheckItem, onb_check_item_free)

/* Never fails as a whole: every problem is an item. Returns a GPtrArray
 * of OnbCheckItem in ONB_CHECK_* order; only cancellation is an error.
 * (transfer container; free func set) */
void           onb_connection_check_async     (OnbHttpClient       *http,
                                               OnbConfig           *config,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GPtrArray     *onb_connection_check_finish    (GAsyncResult        *result,
                                               GError             **error);
/* TRUE when every item is ok. */
gboolean       onb_connection_check_all_ok    (GPtrArray           *items);

G_END_DECLS
