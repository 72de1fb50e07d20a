/* onb-result-card.h: the big green / amber / red answer for one box */
#pragma once

#include <gtk/gtk.h>

#include "onb-job.h"

G_BEGIN_DECLS

typedef enum
{
  ONB_RESULT_STATE_IDLE,    /*< nick=idle >*/
  ONB_RESULT_STATE_WORKING, /*< nick=working >*/
  ONB_RESULT_STATE_SUCCESS, /*< nick=success >*/
  ONB_RESULT_STATE_QUEUED,  /*< nick=queued >*/
  ONB_RESULT_STATE_FAILED,  /*< nick=failed >*/
} OnbResultState;

/* The steps shown under the answer, in the order they appear. */
typedef enum
{
  ONB_RESULT_STEP_BLYNK,    /*< nick=blynk >*/
  ONB_RESULT_STEP_TTS_IS,   /*< nick=tts-is >*/
  ONB_RESULT_STEP_TTS_JS,   /*< nick=tts-js >*/
  ONB_RESULT_STEP_TTS_NS,   /*< nick=tts-ns >*/
  ONB_RESULT_STEP_TTS_AS,   /*< nick=tts-as >*/
  ONB_RESULT_STEP_TTS_BY_BLYNK, /*< nick=tts-by-blynk >*/ /* instead of the four above where Blynk makes the TTS device */
  ONB_RESULT_STEP_VERIFIED, /*< nick=verified >*/
  ONB_RESULT_N_STEPS,       /*< skip >*/
} OnbResultStep;

#define ONB_TYPE_RESULT_CARD (onb_result_card_get_type ())
G_DECLARE_FINAL_TYPE (OnbResultCard, onb_result_card, ONB, RESULT_CARD, GtkWidget)

OnbResultState  onb_result_card_get_state  (OnbResultCard  *self);
/* The outcome in one sentence, the card's accessible name. */
const char     *onb_result_card_get_summary (OnbResultCard *self);
void            onb_result_card_set_step   (OnbResultCard  *self,
                                            OnbResultStep   step,
                                            OnbStepState    state);
OnbStepState    onb_result_card_get_step   (OnbResultCard  *self,
                                            OnbResultStep   step);
/* The step's name on the card: "JS" reads "Claimed" for a device claimed
 * by its owner token. */
const char     *onb_result_card_get_step_title (OnbResultCard *self,
                                            OnbResultStep   step);
/* Whether @step is on the card: the TTS steps of the job's mode only. */
gboolean        onb_result_card_get_step_shown (OnbResultCard *self,
                                            OnbResultStep   step);
/* Follows @job (state, reason, steps) until another job or answer is
 * shown; %NULL stops following. */
void            onb_result_card_set_job    (OnbResultCard  *self,
                                            OnbJob         *job);
/* The station cannot reach the store it shares with others: what a job
 * does is saved here and shared later, and a done card says so. */
void            onb_result_card_set_working_alone (OnbResultCard *self,
                                            gboolean        working_alone);
/* A scan that was refused before any job: why, and what to do. */
void            onb_result_card_show_rejection (OnbResultCard *self,
                                            const GError   *error);
const char     *onb_result_card_get_headline (OnbResultCard *self);
const char     *onb_result_card_get_device_name (OnbResultCard *self);
/* The device model's name, "" when the job names none. */
const char     *onb_result_card_get_model  (OnbResultCard  *self);
const char     *onb_result_card_get_dev_eui (OnbResultCard *self);
const char     *onb_result_card_get_why    (OnbResultCard  *self);
const char     *onb_result_card_get_todo   (OnbResultCard  *self);

G_END_DECLS
