/* onb-result-card.c: the big green / amber / red answer for one box
 *
 * Colour is never the only signal: each state has its own icon and
 * headline, and the steps below carry an icon and a word each.
 */

#define G_LOG_DOMAIN "onb-result-card"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-code.h"
#include "onb-engine.h"
#include "onb-error.h"
#include "onb-registry.h"
#include "onb-result-card.h"
#include "onb-ui-enums.h"

struct _OnbResultCard
{
  GtkWidget       parent_instance;

  GtkBox         *box;
  GtkImage       *icon;
  GtkSpinner     *spinner;
  GtkLabel       *headline;
  GtkLabel       *device_name;
  GtkLabel       *model;
  GtkLabel       *dev_eui;
  GtkLabel       *why;
  GtkLabel       *todo;
  GtkBox         *steps;

  GtkWidget      *step_boxes[ONB_RESULT_N_STEPS];
  GtkImage       *step_icons[ONB_RESULT_N_STEPS];
  GtkLabel       *step_labels[ONB_RESULT_N_STEPS];
  const char     *step_titles[ONB_RESULT_N_STEPS];
  OnbStepState    step_states[ONB_RESULT_N_STEPS];
  OnbResultState  state;
  gboolean        blynk_creates;
  gboolean        working_alone;
  char           *summary;
  OnbJob         *job;
};

G_DEFINE_FINAL_TYPE (OnbResultCard, onb_result_card, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const state_classes[] = {
  [ONB_RESULT_STATE_IDLE] = "idle",
  [ONB_RESULT_STATE_WORKING] = "working",
  [ONB_RESULT_STATE_SUCCESS] = "success",
  [ONB_RESULT_STATE_QUEUED] = "queued",
  [ONB_RESULT_STATE_FAILED] = "failed",
};

static const char * const state_icons[] = {
  [ONB_RESULT_STATE_IDLE] = "scanner-symbolic",
  [ONB_RESULT_STATE_WORKING] = "content-loading-symbolic",
  [ONB_RESULT_STATE_SUCCESS] = "emblem-ok-symbolic",
  [ONB_RESULT_STATE_QUEUED] = "emblem-synchronizing-symbolic",
  [ONB_RESULT_STATE_FAILED] = "dialog-error-symbolic",
};

static const char * const step_state_icons[] = {
  [ONB_STEP_STATE_PENDING] = "content-loading-symbolic",
  [ONB_STEP_STATE_RUNNING] = "process-working-symbolic",
  [ONB_STEP_STATE_DONE] = "emblem-ok-symbolic",
  [ONB_STEP_STATE_RETRYING] = "emblem-synchronizing-symbolic",
  [ONB_STEP_STATE_FAILED] = "dialog-error-symbolic",
  [ONB_STEP_STATE_SKIPPED] = "action-unavailable-symbolic",
  [ONB_STEP_STATE_ROLLED_BACK] = "edit-undo-symbolic",
};

static const char *
step_title (OnbResultStep step)
{
  switch (step)
    {
    case ONB_RESULT_STEP_BLYNK:    return _("Blynk");
    /* Translators: The Things Stack Identity Server */
    case ONB_RESULT_STEP_TTS_IS:   return _("TTS IS");
    /* Translators: Join Server */
    case ONB_RESULT_STEP_TTS_JS:   return _("JS");
    /* Translators: Network Server */
    case ONB_RESULT_STEP_TTS_NS:   return _("NS");
    /* Translators: Application Server */
    case ONB_RESULT_STEP_TTS_AS:   return _("AS");
    /* Translators: the device Blynk's integration makes in The Things Stack */
    case ONB_RESULT_STEP_TTS_BY_BLYNK: return _("TTS (by Blynk)");
    case ONB_RESULT_STEP_VERIFIED: return _("Verified");
    case ONB_RESULT_N_STEPS:
    default:
      g_return_val_if_reached (NULL);
    }
}

static const char *
step_state_words (OnbStepState state)
{
  switch (state)
    {
    case ONB_STEP_STATE_PENDING: return _("waiting");
    case ONB_STEP_STATE_RUNNING: return _("in progress");
    case ONB_STEP_STATE_DONE:    return _("done");
    case ONB_STEP_STATE_RETRYING: return _("will retry");
    case ONB_STEP_STATE_FAILED:  return _("failed");
    case ONB_STEP_STATE_SKIPPED: return _("skipped");
    case ONB_STEP_STATE_ROLLED_BACK: return _("undone");
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The lines that are there, as sentences. (transfer full) */
static char *
join_lines (const char *model,
            const char *dev_eui,
            const char *why,
            const char *what_to_do)
{
  g_autofree char *model_words = model != NULL && model[0] != '\0' ? g_strdup_printf (_("Model: %s"), model) : NULL;
  const char * const lines[] = { model_words, dev_eui, why, what_to_do };
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      gsize len = lines[i] != NULL ? strlen (lines[i]) : 0;

      if (len > 0)
        g_string_append_printf (text, "%s%s%s", text->len > 0 ? " " : "", lines[i],
                                lines[i][len - 1] == '.' ? "" : ".");
    }

  return g_string_free (text, FALSE);
}

static void
set_line (GtkLabel   *label,
          const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && text[0] != '\0');
}

/* @summary is the outcome in one sentence, as a screen reader says it
 * ("Done: Soil sensor 03, created in Blynk and The Things Stack"); the
 * other lines follow as its description. */
static void
onb_result_card_show_internal (OnbResultCard  *self,
                               OnbResultState  state,
                               const char     *summary,
                               const char     *headline,
                               const char     *device_name,
                               const char     *model,
                               const char     *dev_eui,
                               const char     *why,
                               const char     *what_to_do)
{
  g_autofree char *description = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (self->box), state_classes[self->state]);
  gtk_widget_add_css_class (GTK_WIDGET (self->box), state_classes[state]);

  gtk_image_set_from_icon_name (self->icon, state_icons[state]);
  gtk_widget_set_visible (GTK_WIDGET (self->icon), state != ONB_RESULT_STATE_WORKING);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), state == ONB_RESULT_STATE_WORKING);
  gtk_spinner_set_spinning (self->spinner, state == ONB_RESULT_STATE_WORKING);

  set_line (self->headline, headline);
  set_line (self->device_name, device_name);
  set_line (self->model, model);
  set_line (self->dev_eui, dev_eui);
  set_line (self->why, why);
  set_line (self->todo, what_to_do);

  description = join_lines (model, dev_eui, why, what_to_do);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, summary,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  g_free (self->summary);
  self->summary = g_strdup (summary);

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

void
onb_result_card_set_step (OnbResultCard *self,
                          OnbResultStep  step,
                          OnbStepState   state)
{
  GtkWidget *box;
  g_autofree char *description = NULL;

  g_return_if_fail (ONB_IS_RESULT_CARD (self));
  g_return_if_fail (step < ONB_RESULT_N_STEPS);
  g_return_if_fail (state <= ONB_STEP_STATE_ROLLED_BACK);

  box = self->step_boxes[step];
  gtk_widget_remove_css_class (box, "done");
  gtk_widget_remove_css_class (box, "failed");
  if (state == ONB_STEP_STATE_DONE)
    gtk_widget_add_css_class (box, "done");
  else if (state == ONB_STEP_STATE_FAILED || state == ONB_STEP_STATE_ROLLED_BACK)
    gtk_widget_add_css_class (box, "failed");

  gtk_image_set_from_icon_name (self->step_icons[step], step_state_icons[state]);
  self->step_states[step] = state;

  /* Translators: a step and its state, e.g. "Blynk: done" */
  description = g_strdup_printf (_("%s: %s"), self->step_titles[step], step_state_words (state));
  gtk_accessible_update_property (GTK_ACCESSIBLE (box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                  -1);
  gtk_widget_set_tooltip_text (box, description);
}

const char *
onb_result_card_get_summary (OnbResultCard *self)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), NULL);

  return self->summary;
}

OnbStepState
onb_result_card_get_step (OnbResultCard *self,
                          OnbResultStep  step)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), ONB_STEP_STATE_PENDING);
  g_return_val_if_fail (step < ONB_RESULT_N_STEPS, ONB_STEP_STATE_PENDING);

  return self->step_states[step];
}

const char *
onb_result_card_get_step_title (OnbResultCard *self,
                                OnbResultStep  step)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), NULL);
  g_return_val_if_fail (step < ONB_RESULT_N_STEPS, NULL);

  return self->step_titles[step];
}

gboolean
onb_result_card_get_step_shown (OnbResultCard *self,
                                OnbResultStep  step)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), FALSE);
  g_return_val_if_fail (step < ONB_RESULT_N_STEPS, FALSE);

  return gtk_widget_get_visible (self->step_boxes[step]);
}

OnbResultState
onb_result_card_get_state (OnbResultCard *self)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), ONB_RESULT_STATE_IDLE);

  return self->state;
}

const char *
onb_result_card_get_headline (OnbResultCard *self)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), NULL);

  return gtk_label_get_text (self->headline);
}

const char *
onb_result_card_get_device_name (OnbResultCard *self)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), NULL);

  return gtk_label_get_text (self->device_name);
}

const char *
onb_result_card_get_model (OnbResultCard *self)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), NULL);

  return gtk_label_get_text (self->model);
}

const char *
onb_result_card_get_dev_eui (OnbResultCard *self)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), NULL);

  return gtk_label_get_text (self->dev_eui);
}

const char *
onb_result_card_get_why (OnbResultCard *self)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), NULL);

  return gtk_label_get_text (self->why);
}

const char *
onb_result_card_get_todo (OnbResultCard *self)
{
  g_return_val_if_fail (ONB_IS_RESULT_CARD (self), NULL);

  return gtk_label_get_text (self->todo);
}

/* The card's "Blynk" is two journal steps: the device, then its metafields. */
static OnbStepState
blynk_state (OnbJob *job)
{
  OnbStepState device = onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_DEVICE);
  OnbStepState metafields = onb_job_get_step_state (job, ONB_JOB_STEP_BLYNK_METAFIELDS);

  if (device != ONB_STEP_STATE_DONE)
    return device;
  if (metafields == ONB_STEP_STATE_PENDING)
    return ONB_STEP_STATE_RUNNING;
  if (metafields == ONB_STEP_STATE_SKIPPED)
    return ONB_STEP_STATE_DONE;
  return metafields;
}

/* The card says what is wrong in one sentence and what to do in another.
 * Messages from the lower layers often carry their own advice ("Scan it
 * again; if it fails again…") for the CLI: the card keeps their first
 * sentence, so the advice is not said twice in two wordings. (transfer full) */
static char *
first_sentence (const char *message)
{
  if (message == NULL)
    return NULL;
  for (const char *c = message; *c != '\0'; c = g_utf8_next_char (c))
    {
      /* A sentence may end inside brackets ("(… these EUIs.) Onboarder …"),
       * and the next one may start with one ("… on? (Blynk …"). */
      const char *end = strchr (".!?", *c) != NULL ? (c[1] == ')' ? c + 2 : c + 1) : NULL;
      const char *next = end != NULL && end[0] == ' ' ? (end[1] == '(' ? end + 2 : end + 1) : NULL;

      if (next != NULL && g_unichar_isupper (g_utf8_get_char (next)))
        return g_strndup (message, end - message);
    }
  return g_strdup (message);
}

static void
set_step_title (OnbResultCard *self,
                OnbResultStep  step,
                const char    *title)
{
  if (g_strcmp0 (self->step_titles[step], title) == 0)
    return;
  self->step_titles[step] = title;
  gtk_label_set_text (self->step_labels[step], title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->step_icons[step]),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  /* The step's name and state, said again with its new name. */
  onb_result_card_set_step (self, step, self->step_states[step]);
}

/* Where Blynk's integration makes the TTS device, one step stands for it
 * instead of the four TTS records. A job not started yet says neither
 * (both kinds of step are pending): the card keeps the last job's
 * layout, which is the station's setting. */
static void
show_tts_steps (OnbResultCard *self,
                gboolean       blynk_creates)
{
  self->blynk_creates = blynk_creates;
  for (guint s = ONB_RESULT_STEP_TTS_IS; s <= ONB_RESULT_STEP_TTS_AS; s++)
    gtk_widget_set_visible (self->step_boxes[s], !blynk_creates);
  gtk_widget_set_visible (self->step_boxes[ONB_RESULT_STEP_TTS_BY_BLYNK], blynk_creates);
}

static void
update_tts_steps (OnbResultCard *self,
                  OnbJob        *job)
{
  OnbStepState by_blynk = onb_job_get_step_state (job, ONB_JOB_STEP_TTS_BY_BLYNK);
  /* A device claimed by its owner token keeps its keys on its own Join
   * Server: the claim stands where the Join Server step does. */
  OnbJobStep join = onb_job_get_join_step (job);

  if (by_blynk == ONB_STEP_STATE_SKIPPED)
    show_tts_steps (self, FALSE);
  else if (onb_job_get_step_state (job, ONB_JOB_STEP_TTS_IS) == ONB_STEP_STATE_SKIPPED)
    show_tts_steps (self, TRUE);

  onb_result_card_set_step (self, ONB_RESULT_STEP_TTS_IS, onb_job_get_step_state (job, ONB_JOB_STEP_TTS_IS));
  set_step_title (self, ONB_RESULT_STEP_TTS_JS,
                  join == ONB_JOB_STEP_TTS_CLAIM ? onb_job_step_get_title (join) : step_title (ONB_RESULT_STEP_TTS_JS));
  onb_result_card_set_step (self, ONB_RESULT_STEP_TTS_JS, onb_job_get_step_state (job, join));
  onb_result_card_set_step (self, ONB_RESULT_STEP_TTS_NS, onb_job_get_step_state (job, ONB_JOB_STEP_TTS_NS));
  onb_result_card_set_step (self, ONB_RESULT_STEP_TTS_AS, onb_job_get_step_state (job, ONB_JOB_STEP_TTS_AS));
  onb_result_card_set_step (self, ONB_RESULT_STEP_TTS_BY_BLYNK, by_blynk);
}

static void
update_from_job (OnbResultCard *self)
{
  OnbJob *job = self->job;
  const char *name = onb_job_get_device_name (job);
  const char *model = onb_job_get_model_name (job);
  g_autofree char *eui = g_strdup_printf (_("DevEUI %s"), onb_job_get_dev_eui (job));
  gboolean replace = onb_job_get_kind (job) == ONB_JOB_KIND_REPLACE;
  g_autofree char *summary = NULL;

  onb_result_card_set_step (self, ONB_RESULT_STEP_BLYNK, blynk_state (job));
  update_tts_steps (self, job);
  onb_result_card_set_step (self, ONB_RESULT_STEP_VERIFIED, onb_job_get_step_state (job, ONB_JOB_STEP_VERIFY));

  switch (onb_job_get_state (job))
    {
    case ONB_JOB_STATE_QUEUED:
    case ONB_JOB_STATE_RUNNING:
      summary = g_strdup_printf (replace ? _("Replacing: %s") : _("Creating: %s"), name);
      onb_result_card_show_internal (self, ONB_RESULT_STATE_WORKING, summary,
                                     replace ? _("Replacing…") : _("Creating…"),
                                     name, model, eui,
                                     _("Creating the device in Blynk and The Things Stack."),
                                     NULL);
      break;

    case ONB_JOB_STATE_WAITING:
      if (g_strcmp0 (onb_job_get_reason (job), "blynk-not-onboarded") == 0)
        {
          /* The question to check, for the supervisor; the message's
           * other sentences stay for History. The job looks again by
           * itself, as the headline's icon says. */
          g_autofree char *why = first_sentence (onb_job_get_message (job));

          summary = g_strdup_printf (_("Waiting for Blynk: %s is not in The Things Stack yet"), name);
          onb_result_card_show_internal (self, ONB_RESULT_STATE_QUEUED, summary,
                                         _("Waiting for Blynk"), name, model, eui, why,
                                         _("Carry on scanning, and tell your supervisor."));
          break;
        }
      summary = g_strdup_printf (_("Queued: %s, retried automatically"), name);
      onb_result_card_show_internal (self, ONB_RESULT_STATE_QUEUED, summary,
                                     _("Queued"), name, model, eui,
                                     onb_job_get_message (job),
                                     _("Nothing to do: it is retried automatically. Carry on scanning."));
      break;

    case ONB_JOB_STATE_DONE:
      if (onb_job_get_already_done (job))
        {
          summary = g_strdup_printf (_("Already done: %s, onboarded before"), name);
          onb_result_card_show_internal (self, ONB_RESULT_STATE_SUCCESS, summary,
                                         _("Already done"), name, model, eui,
                                         _("This box was onboarded before. Nothing was created twice."),
                                         NULL);
          break;
        }
      summary = g_strdup_printf (replace ? _("Replaced: %s, now on the new hardware")
                                         : _("Done: %s, created in Blynk and The Things Stack"), name);
      /* The todo line is free on a done card. */
      onb_result_card_show_internal (self, ONB_RESULT_STATE_SUCCESS, summary,
                                       replace ? _("Replaced") : _("Done"), name, model, eui,
                                       replace
                                       ? _("The new device is in The Things Stack, and the Blynk device "
                                           "now points at it with its history. Verified.")
                                       : _("Created in Blynk and in The Things Stack, and verified."),
                                       self->working_alone
                                       ? _("Saved here, will be shared: the other stations hear of it when the database is back.")
                                       : NULL);
      break;

    case ONB_JOB_STATE_FAILED:
      {
        g_autofree char *why = first_sentence (onb_job_get_message (job));

        /* Translators: a device name, then why it failed */
        summary = g_strdup_printf (_("Failed: %s. %s"), name, why != NULL ? why : "");
        onb_result_card_show_internal (self, ONB_RESULT_STATE_FAILED, summary,
                                       _("Failed"), name, model, eui, why,
                                       onb_job_get_rollback_incomplete (job)
                                       ? _("Something it made could not be removed again: put the box aside and tell your supervisor; a retry from History finishes or removes it.")
                                       : _("Nothing was left half-made: put the box aside and tell your supervisor, or retry it from History."));
      }
      break;

    default:
      g_return_if_reached ();
    }
}

static void
on_job_changed (OnbResultCard *self)
{
  update_from_job (self);
}

void
onb_result_card_set_working_alone (OnbResultCard *self,
                                   gboolean       working_alone)
{
  g_return_if_fail (ONB_IS_RESULT_CARD (self));

  if (self->working_alone == !!working_alone)
    return;
  self->working_alone = !!working_alone;
  if (self->job != NULL)
    update_from_job (self);
}

static void
stop_following (OnbResultCard *self)
{
  if (self->job == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);
}

void
onb_result_card_set_job (OnbResultCard *self,
                         OnbJob        *job)
{
  g_return_if_fail (ONB_IS_RESULT_CARD (self));
  g_return_if_fail (job == NULL || ONB_IS_JOB (job));

  if (job == self->job)
    return;

  stop_following (self);
  if (job == NULL)
    return;

  self->job = g_object_ref (job);
  g_signal_connect_swapped (job, "notify", G_CALLBACK (on_job_changed), self);
  g_signal_connect_swapped (job, "step-changed", G_CALLBACK (on_job_changed), self);
  update_from_job (self);
}

static const char *
what_to_do (const GError *error)
{
  const char *reason = onb_error_get_reason (error);

  if (g_error_matches (error, ONB_CODE_ERROR, ONB_CODE_ERROR_PROFILE_MISMATCH))
    return _("Put this box aside: this station does not handle that product.");
  if (error->domain == ONB_CODE_ERROR)
    return _("Scan the label again, or type it on the Type Label page if it is damaged.");
  if (g_error_matches (error, ONB_REGISTRY_ERROR, ONB_REGISTRY_ERROR_UNKNOWN_DEVICE))
    return _("Import the manufacturer's list for this device in Setup, then scan again.");
  if (g_strcmp0 (reason, "not-configured") == 0)
    return _("Finish Setup first.");
  return _("Put the box aside and tell your supervisor.");
}

void
onb_result_card_show_rejection (OnbResultCard *self,
                                const GError  *error)
{
  g_autofree char *why = NULL;
  g_autofree char *summary = NULL;

  g_return_if_fail (ONB_IS_RESULT_CARD (self));
  g_return_if_fail (error != NULL);

  stop_following (self);
  set_step_title (self, ONB_RESULT_STEP_TTS_JS, step_title (ONB_RESULT_STEP_TTS_JS));
  /* Taken once Onboarder has started (onb_application_submit()): not a
   * refusal, nothing for the worker to do; the box is under way, as one
   * being created is (the demo's belt waits for it too). */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      for (guint i = 0; i < ONB_RESULT_N_STEPS; i++)
        onb_result_card_set_step (self, i, ONB_STEP_STATE_PENDING);
      summary = g_strdup_printf (_("One moment: %s"), error->message);
      onb_result_card_show_internal (self, ONB_RESULT_STATE_WORKING, summary,
                                     _("One moment"), NULL, NULL, NULL, error->message, NULL);
      return;
    }

  why = first_sentence (error->message);
  for (guint i = 0; i < ONB_RESULT_N_STEPS; i++)
    onb_result_card_set_step (self, i, ONB_STEP_STATE_SKIPPED);
  summary = g_strdup_printf (_("Rejected: %s"), why);
  onb_result_card_show_internal (self, ONB_RESULT_STATE_FAILED, summary,
                                 _("Rejected"), NULL, NULL, NULL, why, what_to_do (error));
}

static void
build_steps (OnbResultCard *self)
{
  for (guint i = 0; i < ONB_RESULT_N_STEPS; i++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      GtkWidget *image = gtk_image_new ();
      GtkWidget *label = gtk_label_new (NULL);

      gtk_widget_add_css_class (box, "step");
      gtk_image_set_pixel_size (GTK_IMAGE (image), 24);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_box_append (GTK_BOX (box), image);
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (self->steps, box);

      self->step_boxes[i] = box;
      self->step_icons[i] = GTK_IMAGE (image);
      self->step_labels[i] = GTK_LABEL (label);
      /* Also draws the step as pending, under its name. */
      set_step_title (self, i, step_title (i));
    }
  show_tts_steps (self, FALSE);
}

static void
onb_result_card_dispose (GObject *object)
{
  stop_following (ONB_RESULT_CARD (object));
  g_clear_pointer (&ONB_RESULT_CARD (object)->summary, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), ONB_TYPE_RESULT_CARD);

  G_OBJECT_CLASS (onb_result_card_parent_class)->dispose (object);
}

static void
onb_result_card_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OnbResultCard *self = ONB_RESULT_CARD (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
onb_result_card_class_init (OnbResultCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = onb_result_card_dispose;
  object_class->get_property = onb_result_card_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       ONB_TYPE_RESULT_STATE, ONB_RESULT_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-result-card.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, box);
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, icon);
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, spinner);
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, headline);
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, device_name);
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, model);
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, dev_eui);
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, why);
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, todo);
  gtk_widget_class_bind_template_child (widget_class, OnbResultCard, steps);
  gtk_widget_class_set_css_name (widget_class, "onbresultcard");
}

static void
onb_result_card_init (OnbResultCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  build_steps (self);
  onb_result_card_show_internal (self, ONB_RESULT_STATE_IDLE,
                                 _("Ready: hold a device label under the camera, or scan it with the hand scanner"),
                                 _("Ready"), NULL, NULL, NULL,
                                 _("Hold a device label under the camera, or scan it with the hand scanner."),
                                 NULL);
}

