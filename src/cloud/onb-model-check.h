/* onb-model-check.h: what each device model of a station gets, for
 * `onboarder-cli models`, `check` and the setup page
 *
 * For every model of an OnbModelTable: what the Device Repository
 * answered (asked once per model that needs it) and the settings a device
 * of it gets here (onb_model_resolve(), with MAC and PHY versions that go
 * together), or why such a box is refused. Where Blynk's integration makes
 * new boxes' TTS devices (onb_model_named_only()), a box gets only what
 * its model names and is never refused for its LoRaWAN settings; a
 * replace still needs them, and the check says why it would be refused.
 */
#pragma once

#include <gio/gio.h>

#include "onb-model-table.h"
#include "onb-tts-repository.h"

G_BEGIN_DECLS

typedef struct
{
  OnbModel         *model;
  gboolean          asked;             /* the model needs the repository */
  OnbModelTemplate *answer;            /* NULL: not asked, or no answer */
  GError           *answer_error;      /* why there is no answer (not-found: it does not know the model) */
  gboolean          named_only;        /* new boxes get only what the model names: @settings */
  OnbModelSettings *settings;          /* NULL: a box of this model is refused here... */
  GError           *error;             /* ...for this reason */
  GError           *replace_error;     /* @named_only: why a replace of a box of this model would be
                                        * refused (it makes its TTS device itself); NULL: it would not */
} OnbModelCheck;

void           onb_model_check_free   (OnbModelCheck        *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbModelCheck, onb_model_check_free)

/* One model: its settings, or why its boxes are refused (a transient
 * @error of ONB_CLOUD_ERROR: ask again later). @blynk_creates: [tts]
 * created_by = blynk. The call itself fails only when cancelled.
 * (transfer full) */
void           onb_model_check_one_async  (OnbModel             *model,
                                           gboolean              blynk_creates,
                                           OnbTtsRepository     *repository,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
OnbModelCheck *onb_model_check_one_finish (GAsyncResult         *result,
                                           GError              **error);

/* The models of @table in order (the implied model when the table has
 * none), in the table's mode (onb_model_table_get_blynk_creates()).
 * @repository: (nullable): NULL when it cannot be asked (each model that
 * needs it then says so). */
void           onb_model_check_async  (OnbModelTable        *table,
                                       OnbTtsRepository     *repository,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
/* (element-type OnbModelCheck) (transfer full) */
GPtrArray     *onb_model_check_finish (GAsyncResult         *result,
                                       GError              **error);
/* TRUE when every model's boxes can be onboarded. */
gboolean       onb_model_check_all_ok (GPtrArray            *checks);

/* Words for the CLI and the setup page, one source for both. "class
 * A+C". (transfer full) */
char          *onb_model_check_classes_words (gboolean                class_b,
                                              gboolean                class_c);
/* What @settings name, where Blynk's integration sets the rest:
 * "MAC_V1_0_3, PHY_V1_0_3_REV_A, class C". (transfer full) */
char          *onb_model_check_named_words   (const OnbModelSettings *settings);

G_END_DECLS
