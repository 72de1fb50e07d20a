/* onb-model-table.h: the device models of a station's configuration
 *
 * The models of the [model XXXXXXXX] sections (file order), then one per
 * Profile ID of [labels] profile_ids without a section, and the implied
 * model of labels without a Profile ID. The accepted Profile IDs are those
 * of both; none at all accepts any label (as before models existed), each
 * Profile ID then taken like a listed one.
 */
#pragma once

#include "onb-config.h"
#include "onb-model.h"

G_BEGIN_DECLS

#define ONB_TYPE_MODEL_TABLE (onb_model_table_get_type ())
G_DECLARE_FINAL_TYPE (OnbModelTable, onb_model_table, ONB, MODEL_TABLE, GObject)

/* @config should have passed onb_config_check_values(). */
OnbModelTable      *onb_model_table_new                       (OnbConfig      *config);
/* (element-type OnbModel) (transfer none): sections, then listed IDs. */
GPtrArray          *onb_model_table_get_models                (OnbModelTable  *self);
/* The model of a label's Profile ID (NULL: the implied model), or
 * ONB_CODE_ERROR_PROFILE_MISMATCH in words when the station does not
 * accept it. (transfer none) */
OnbModel           *onb_model_table_lookup                    (OnbModelTable  *self,
                                                               const char     *profile_id,
                                                               GError        **error);
/* A job keeps its model's key (onb_model_get_profile_id(): NULL for the
 * implied model) in the journal's model_name column, where a journal of
 * an earlier version kept the model's name (a section's name, the Profile
 * ID, or "Any device"). The model of such a key, else NULL (a name no
 * model has now: the caller falls back to the list row's Profile ID).
 * May add a model as onb_model_table_lookup() does. (transfer none) */
OnbModel           *onb_model_table_find_key                  (OnbModelTable  *self,
                                                               const char     *key);
/* What a job of the model @key shows (onb_model_get_job_name()), also for
 * an earlier version's key; reads only the configured models, so it may be
 * called from any thread. */
const char         *onb_model_table_get_job_name              (OnbModelTable  *self,
                                                               const char     *key);
/* Upper case; empty when any is accepted. */
const char * const *onb_model_table_get_profile_ids           (OnbModelTable  *self);
/* [tts] frequency_plans, or frequency_plan as a list of one. */
const char * const *onb_model_table_get_frequency_plans       (OnbModelTable  *self);
/* [labels] allow_unlisted_claims: a claimable box in no device list is
 * onboarded too. */
gboolean            onb_model_table_get_allow_unlisted_claims (OnbModelTable  *self);
/* [tts] created_by = blynk: Blynk's integration makes new boxes' TTS
 * devices (onb_model_named_only()). */
gboolean            onb_model_table_get_blynk_creates         (OnbModelTable  *self);

G_END_DECLS
