/* onb-window.c: the kiosk's one window
 *
 * Holds the pages, routes every payload (camera, hand scanner, typed) to
 * the same place, guards Setup and closing with the PIN, and recognises a
 * keyboard-wedge hand scanner: a burst of keys, faster than anyone types,
 * ending in Enter while no text field has focus.
 */

#define G_LOG_DOMAIN "onb-window"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "onb-camera-monitor.h"
#include "onb-history-page.h"
#include "onb-manual-page.h"
#include "onb-pin-dialog.h"
#include "onb-journal.h"
#include "onb-missing-page.h"
#include "onb-replace-page.h"
#include "onb-setup-page.h"
#include "onb-shift-panel.h"
#include "onb-store-watch.h"
#include "onb-window.h"
#include "onb-ui-util.h"

/* Hand scanners send a key every few milliseconds; people need 80 ms or
 * more. A label is never shorter than a DevEUI. */
#define WEDGE_MAX_GAP_US  (40 * G_TIME_SPAN_MILLISECOND)
#define WEDGE_MIN_LENGTH  16

struct _OnbWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toasts;
  AdwHeaderBar         *header_bar;
  AdwViewSwitcher      *switcher;
  GtkWidget            *leave_button;
  GtkStack             *outer;
  AdwStatusPage        *weak_pin_page;
  AdwViewStack         *stack;
  OnbScanPage          *scan_page;
  OnbHistoryPage       *history_page;
  OnbManualPage        *manual_page;
  OnbReplacePage       *replace_page;
  OnbSetupPage         *setup_page;
  OnbMissingPage       *missing_page;

  OnbEngine            *engine;
  OnbPinGuard          *pin_guard;
  OnbBatchModel        *batch_model;
  OnbStoreWatch        *store_watch;    /* the other stations of a shared store */
  OnbConfig            *watched_config;  /* the configuration it watches for */
  OnbCameraMonitor     *cameras;
  GtkStringList        *camera_names;
  GPtrArray            *camera_ids;   /* NULL entry: the demo conveyor */
  gboolean              updating_cameras;
  /* "Blynk creates devices too", said once per shift: per device list
   * the shift panel shows (its batch; 0 before any import). */
  gboolean              blynk_notice_shown;
  gint64                blynk_notice_batch;
  guint                 n_blynk_notices;

  GString              *wedge;
  gint64                wedge_last;
  char                 *previous_page;
  gboolean              setup_unlocked;
  gboolean              close_allowed;
  gboolean              setting_up;   /* "Set Up" chosen on the first page */
};

G_DEFINE_FINAL_TYPE (OnbWindow, onb_window, ADW_TYPE_APPLICATION_WINDOW)

static OnbApplication *
get_app (OnbWindow *self)
{
  return ONB_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

void
onb_window_toast (OnbWindow  *self,
                  const char *message)
{
  g_return_if_fail (ONB_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (message));
  /* The toast's close button comes without a name. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->toasts));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (child != adw_toast_overlay_get_child (self->toasts))
      onb_ui_name_inner_buttons (child, _("Dismiss"));
}

OnbScanPage *
onb_window_get_scan_page (OnbWindow *self)
{
  g_return_val_if_fail (ONB_IS_WINDOW (self), NULL);

  return self->scan_page;
}

const char *
onb_window_get_visible_page (OnbWindow *self)
{
  g_return_val_if_fail (ONB_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->stack);
}

guint
onb_window_get_n_blynk_notices (OnbWindow *self)
{
  g_return_val_if_fail (ONB_IS_WINDOW (self), 0);

  return self->n_blynk_notices;
}

gboolean
onb_window_get_setup_unlocked (OnbWindow *self)
{
  g_return_val_if_fail (ONB_IS_WINDOW (self), FALSE);

  return self->setup_unlocked;
}

void
onb_window_handle_payload (OnbWindow  *self,
                           const char *payload,
                           gsize       length,
                           const char *source)
{
  OnbResultCard *card;
  g_autoptr(OnbJob) job = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ONB_IS_WINDOW (self));

  /* The Replace page takes the next labels while it is shown. */
  if (g_strcmp0 (onb_window_get_visible_page (self), "replace") == 0 &&
      onb_replace_page_take_payload (self->replace_page, payload, length))
    return;

  if (g_strcmp0 (onb_window_get_visible_page (self), "setup") != 0)
    adw_view_stack_set_visible_child_name (self->stack, "scan");

  card = onb_scan_page_get_result_card (self->scan_page);
  job = onb_application_submit (get_app (self), payload, length, source, &error);
  if (job == NULL)
    onb_result_card_show_rejection (card, error);
  else
    onb_result_card_set_job (card, job);
}

/* Keyboard wedge ----------------------------------------------------------- */

static gboolean
focus_is_text (OnbWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  return focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus));
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                OnbWindow             *self)
{
  gint64 now = g_get_monotonic_time ();
  gunichar ch;

  if (focus_is_text (self) || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK)) != 0)
    {
      g_string_truncate (self->wedge, 0);
      return GDK_EVENT_PROPAGATE;
    }

  if (self->wedge->len > 0 && now - self->wedge_last > WEDGE_MAX_GAP_US)
    g_string_truncate (self->wedge, 0);

  if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter)
    {
      g_autofree char *payload = NULL;

      if (self->wedge->len < WEDGE_MIN_LENGTH)
        {
          g_string_truncate (self->wedge, 0);
          return GDK_EVENT_PROPAGATE;
        }

      payload = g_strndup (self->wedge->str, self->wedge->len);
      g_string_truncate (self->wedge, 0);
      onb_window_handle_payload (self, payload, strlen (payload), "keyboard");
      return GDK_EVENT_STOP;
    }

  ch = gdk_keyval_to_unicode (keyval);
  if (ch == 0 || g_unichar_iscntrl (ch))
    return GDK_EVENT_PROPAGATE;
  /* A lone space still presses the focused button. */
  if (ch == ' ' && self->wedge->len == 0)
    return GDK_EVENT_PROPAGATE;

  g_string_append_unichar (self->wedge, ch);
  self->wedge_last = now;
  return GDK_EVENT_STOP;
}

/* PIN ---------------------------------------------------------------------- */

static char *
get_pin (OnbWindow *self)
{
  return onb_config_get_string (onb_application_get_config (get_app (self)), "kiosk", "pin");
}

typedef void (*UnlockedFunc) (OnbWindow *self);

static void
ask_pin (OnbWindow    *self,
         const char   *reason,
         UnlockedFunc  unlocked)
{
  g_autofree char *pin = get_pin (self);
  OnbPinDialog *dialog;

  if (pin == NULL)
    {
      unlocked (self);
      return;
    }

  dialog = onb_pin_dialog_new (GTK_WINDOW (self), pin, self->pin_guard, reason);
  g_signal_connect_object (dialog, "unlocked", G_CALLBACK (unlocked), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
open_setup (OnbWindow *self)
{
  self->setup_unlocked = TRUE;
  adw_view_stack_set_visible_child_name (self->stack, "setup");
}

void
onb_window_show_page (OnbWindow  *self,
                      const char *name)
{
  g_return_if_fail (ONB_IS_WINDOW (self));

  adw_view_stack_set_visible_child_name (self->stack, name);
}

static void
on_visible_page_changed (OnbWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (name, "setup") == 0 && !self->setup_unlocked)
    {
      g_autofree char *pin = get_pin (self);

      if (pin != NULL)
        {
          /* Stay where we were until the PIN is right. */
          adw_view_stack_set_visible_child_name (self->stack,
                                                 self->previous_page != NULL ? self->previous_page : "scan");
          ask_pin (self, _("Setup is locked. Enter the PIN to change this station's settings."), open_setup);
          return;
        }
    }

  /* Leaving Setup locks it again. */
  if (g_strcmp0 (name, "setup") != 0)
    self->setup_unlocked = FALSE;

  g_free (self->previous_page);
  self->previous_page = g_strdup (name);
}

static void
lock_setup (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  OnbWindow *self = ONB_WINDOW (widget);

  self->setup_unlocked = FALSE;
  adw_view_stack_set_visible_child_name (self->stack, "scan");
}

static void
allow_close (OnbWindow *self)
{
  self->close_allowed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

/* The supervisor's way out of the kiosk: a normal window that closes
 * without asking again. */
static void
leave_full_screen (OnbWindow *self)
{
  self->close_allowed = TRUE;
  gtk_widget_set_visible (self->leave_button, FALSE);
  adw_header_bar_set_show_end_title_buttons (self->header_bar, TRUE);
  adw_header_bar_set_show_start_title_buttons (self->header_bar, TRUE);
  gtk_window_unfullscreen (GTK_WINDOW (self));
}

static void
leave_full_screen_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  ask_pin (ONB_WINDOW (widget), _("Enter the PIN to leave full screen."), leave_full_screen);
}

static gboolean
onb_window_close_request (GtkWindow *window)
{
  OnbWindow *self = ONB_WINDOW (window);
  OnbApplication *app = get_app (self);
  GSettings *settings = onb_application_get_settings (app);

  /* In kiosk mode only someone with the PIN (or in Setup) may leave. */
  if (onb_application_get_kiosk (app) && !self->close_allowed && !self->setup_unlocked)
    {
      ask_pin (self, _("Enter the PIN to close Onboarder."), allow_close);
      return TRUE;
    }

  if (!onb_application_get_kiosk (app))
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window))
        {
          g_settings_set_int (settings, "window-width", MAX (width, 360));
          g_settings_set_int (settings, "window-height", MAX (height, 294));
        }
    }

  return GTK_WINDOW_CLASS (onb_window_parent_class)->close_request (window);
}

/* Kiosk cursor: hidden while fingers are used, back with a mouse. -------- */

static gboolean
on_any_event (GtkEventControllerLegacy *controller,
              GdkEvent                 *event,
              OnbWindow                *self)
{
  GdkEventType type = gdk_event_get_event_type (event);
  GdkDevice *device = gdk_event_get_device (event);

  if (type == GDK_TOUCH_BEGIN)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "none");
  else if (type == GDK_MOTION_NOTIFY && device != NULL &&
           gdk_device_get_source (device) == GDK_SOURCE_MOUSE)
    gtk_widget_set_cursor (GTK_WIDGET (self), NULL);

  return GDK_EVENT_PROPAGATE;
}

/* Wide screens get bigger type (style.css, window.large). */
#define LARGE_WIDTH 1400
#define WIDE_SWITCHER_WIDTH 1100

static gboolean
update_size_class (gpointer user_data)
{
  GtkWidget *widget = user_data;

  gboolean large = gtk_widget_get_width (widget) >= LARGE_WIDTH;

  /* Icons over words while six tabs would not fit side by side. */
  adw_view_switcher_set_policy (ONB_WINDOW (widget)->switcher,
                                gtk_widget_get_width (widget) >= WIDE_SWITCHER_WIDTH
                                ? ADW_VIEW_SWITCHER_POLICY_WIDE : ADW_VIEW_SWITCHER_POLICY_NARROW);
  if (large)
    gtk_widget_add_css_class (widget, "large");
  else
    gtk_widget_remove_css_class (widget, "large");
  onb_scan_page_set_large (ONB_WINDOW (widget)->scan_page, large);

  return G_SOURCE_REMOVE;
}

static void
onb_window_size_allocate (GtkWidget *widget,
                          int        width,
                          int        height,
                          int        baseline)
{
  GTK_WIDGET_CLASS (onb_window_parent_class)->size_allocate (widget, width, height, baseline);

  /* Only when crossing a line, so the relayout happens once. */
  if ((width >= LARGE_WIDTH) != gtk_widget_has_css_class (widget, "large") ||
      (width >= WIDE_SWITCHER_WIDTH) != (adw_view_switcher_get_policy (ONB_WINDOW (widget)->switcher) ==
                                         ADW_VIEW_SWITCHER_POLICY_WIDE))
    g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, update_size_class, g_object_ref (widget), g_object_unref);
}

/* Pages -------------------------------------------------------------------- */

/* The first page without a configuration, the PIN's page in a kiosk whose
 * PIN anyone could guess, else the station's pages. */
static void
update_outer_page (OnbWindow *self)
{
  OnbApplication *app = get_app (self);
  g_autofree char *pin = get_pin (self);
  g_autoptr(GError) error = NULL;
  const char *page = "main";

  if (!onb_application_get_configured (app) && !onb_application_get_demo (app) && !self->setting_up)
    page = "welcome";
  /* The demo's simulated station has nothing to keep people out of. */
  else if (onb_application_get_kiosk (app) && onb_application_get_configured (app) &&
           !onb_application_get_demo (app) && !onb_pin_check_strength (pin, &error))
    {
      g_autofree char *words = g_strdup_printf (_("%s Set it as [kiosk] pin in %s (over SSH, as the "
                                                  "user the kiosk runs as), then restart Onboarder."),
                                                error->message, onb_application_get_config_path (app));

      adw_status_page_set_description (self->weak_pin_page, words);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->weak_pin_page),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, words,
                                      -1);
      g_warning ("%s", words);
      page = "weak-pin";
    }

  gtk_stack_set_visible_child_name (self->outer, page);
  /* The page tabs only where they lead somewhere. */
  gtk_widget_set_visible (GTK_WIDGET (self->switcher), g_str_equal (page, "main"));
}

static void
try_simulator (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OnbWindow *self = ONB_WINDOW (widget);

  onb_application_start_demo (get_app (self));
  update_outer_page (self);
}

static void
set_up (GtkWidget  *widget,
        const char *action_name,
        GVariant   *parameter)
{
  OnbWindow *self = ONB_WINDOW (widget);

  self->setting_up = TRUE;
  update_outer_page (self);
  adw_view_stack_set_visible_child_name (self->stack, "setup");
}

static void
on_manual_submit (OnbWindow  *self,
                  const char *payload)
{
  onb_window_handle_payload (self, payload, strlen (payload), "typed");
}

static void
on_setup_saved (OnbWindow *self)
{
  onb_application_reload (get_app (self));
  onb_window_toast (self, _("Settings saved."));
}

static void
toast_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  onb_window_toast (ONB_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  onb_window_show_page (ONB_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
replace_device (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OnbWindow *self = ONB_WINDOW (widget);

  onb_replace_page_set_old (self->replace_page, g_variant_get_string (parameter, NULL));
  adw_view_stack_set_visible_child_name (self->stack, "replace");
}

static void
update_counters (OnbWindow *self)
{
  if (self->engine == NULL)
    onb_scan_page_set_counters (self->scan_page, 0, 0, 0);
  else
    onb_scan_page_set_counters (self->scan_page,
                                onb_engine_get_n_done (self->engine),
                                onb_engine_get_n_unfinished (self->engine),
                                onb_engine_get_n_failed (self->engine));
}

/* Each answer has its own sound; the card changes once per answer. */
static void
on_result_state (OnbResultCard *card,
                 GParamSpec    *pspec,
                 OnbWindow     *self)
{
  OnbSoundPlayer *sounds = onb_application_get_sound_player (get_app (self));

  switch (onb_result_card_get_state (card))
    {
    case ONB_RESULT_STATE_SUCCESS:
      onb_sound_player_play (sounds, ONB_SOUND_SUCCESS);
      break;
    case ONB_RESULT_STATE_QUEUED:
      onb_sound_player_play (sounds, ONB_SOUND_QUEUED);
      break;
    case ONB_RESULT_STATE_FAILED:
      onb_sound_player_play (sounds, ONB_SOUND_FAILURE);
      break;
    case ONB_RESULT_STATE_IDLE:
    case ONB_RESULT_STATE_WORKING:
    default:
      break;
    }
}

/* Cameras ------------------------------------------------------------------ */

static void
update_camera_choice (OnbWindow *self)
{
  OnbApplication *app = get_app (self);
  GListModel *cameras = G_LIST_MODEL (self->cameras);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  guint n = g_list_model_get_n_items (cameras);

  self->updating_cameras = TRUE;
  g_ptr_array_set_size (self->camera_ids, 0);
  if (onb_application_get_demo (app))
    {
      g_strv_builder_add (names, _("Demo conveyor"));
      g_ptr_array_add (self->camera_ids, NULL);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OnbCamera) camera = g_list_model_get_item (cameras, i);

      g_strv_builder_add (names, onb_camera_get_display_name (camera));
      g_ptr_array_add (self->camera_ids, g_strdup (onb_camera_get_id (camera)));
    }
  strv = g_strv_builder_end (names);
  gtk_string_list_splice (self->camera_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->camera_names)),
                          (const char * const *) strv);
  gtk_widget_set_visible (GTK_WIDGET (onb_scan_page_get_camera_choice (self->scan_page)),
                          self->camera_ids->len > 1);
  self->updating_cameras = FALSE;
}

static void
on_camera_chosen (GtkDropDown *choice,
                  GParamSpec  *pspec,
                  OnbWindow   *self)
{
  guint pos = gtk_drop_down_get_selected (choice);

  if (self->updating_cameras || pos >= self->camera_ids->len ||
      onb_application_get_scanner (get_app (self)) == NULL)
    return;

  onb_application_use_camera (get_app (self), g_ptr_array_index (self->camera_ids, pos));
}

/* The batch follows the engine: its registry, and the journal next to it. */
static void
update_batch_model (OnbWindow *self)
{
  OnbApplication *app = get_app (self);
  OnbShiftPanel *panel = onb_scan_page_get_shift_panel (self->scan_page);

  g_clear_object (&self->batch_model);
  if (self->engine != NULL)
    {
      self->batch_model = onb_batch_model_new (onb_engine_get_registry (self->engine),
                                               onb_application_get_config (app));
      onb_batch_model_reload (self->batch_model, TRUE);
    }
  onb_shift_panel_set_model (panel, self->batch_model);
  onb_shift_panel_set_jobs (panel, self->engine != NULL ? onb_engine_get_jobs (self->engine) : NULL);
  onb_missing_page_set_model (self->missing_page, self->batch_model);
}

static void
on_job_changed (OnbWindow *self)
{
  onb_shift_panel_update_jobs (onb_scan_page_get_shift_panel (self->scan_page));
  if (self->batch_model != NULL)
    onb_batch_model_reload (self->batch_model, FALSE);
}

/* Another station imported a list: the batches are read again too. */
static void
on_list_changed (OnbWindow *self)
{
  if (self->batch_model != NULL)
    onb_batch_model_reload (self->batch_model, TRUE);
}

/* Blynk's integration made a TTS device this station meant to make: said
 * once per shift, in a supervisor's words; `check` names the last one. A
 * kiosk runs for days, so a shift is the device list its shift panel
 * follows: a new list (or another one chosen) says it again. */
static void
on_integration_conflict (OnbWindow  *self,
                         OnbJob     *job,
                         const char *device_id)
{
  const OnbBatch *batch = self->batch_model != NULL ? onb_batch_model_get_batch (self->batch_model) : NULL;
  /* While the list loads (after a reload), the shift goes on. */
  gint64 batch_id = batch != NULL ? batch->id : self->blynk_notice_batch;

  if (self->blynk_notice_shown && self->blynk_notice_batch == batch_id)
    return;
  self->blynk_notice_shown = TRUE;
  self->blynk_notice_batch = batch_id;
  self->n_blynk_notices++;
  onb_window_toast (self, _("Blynk appears to create devices in The Things Stack too. Nothing was lost: Onboarder "
                            "used Blynk’s device. If Blynk creates this site’s devices, turn on “Blynk creates the "
                            "devices” in Setup."));
}

/* How many stations share the store, or that this one works alone: on
 * the shift panel, and on a done card ("saved here, will be shared"). */
static void
update_fleet (OnbWindow *self)
{
  guint n_stations = onb_store_watch_get_n_stations (self->store_watch);
  gboolean alone = onb_store_watch_get_working_alone (self->store_watch);

  onb_shift_panel_set_fleet (onb_scan_page_get_shift_panel (self->scan_page), n_stations, alone);
  onb_result_card_set_working_alone (onb_scan_page_get_result_card (self->scan_page), alone);
}

/* One watch per configuration (a reload that keeps it keeps the watch).
 * Another station's commit makes the views read again what they show. */
static void
watch_store (OnbWindow *self,
             OnbConfig *config)
{
  if (config == self->watched_config)
    return;
  if (self->store_watch != NULL)
    g_signal_handlers_disconnect_by_data (self->store_watch, self);
  g_clear_object (&self->store_watch);
  g_set_object (&self->watched_config, config);
  self->store_watch = onb_store_watch_new (config);
  g_signal_connect_swapped (self->store_watch, "changed", G_CALLBACK (on_job_changed), self);
  g_signal_connect_swapped (self->store_watch, "list-changed", G_CALLBACK (on_list_changed), self);
  g_signal_connect_swapped (self->store_watch, "notify::n-stations", G_CALLBACK (update_fleet), self);
  g_signal_connect_swapped (self->store_watch, "notify::working-alone", G_CALLBACK (update_fleet), self);
  update_fleet (self);
}

static void
on_engine_changed (OnbWindow *self)
{
  OnbApplication *app = get_app (self);
  OnbEngine *engine = onb_application_get_engine (app);

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);
  if (engine != NULL)
    {
      g_signal_connect_swapped (engine, "notify::n-done", G_CALLBACK (update_counters), self);
      g_signal_connect_swapped (engine, "notify::n-unfinished", G_CALLBACK (update_counters), self);
      g_signal_connect_swapped (engine, "notify::n-failed", G_CALLBACK (update_counters), self);
      g_signal_connect_swapped (engine, "job-changed", G_CALLBACK (on_job_changed), self);
      g_signal_connect_swapped (engine, "integration-conflict", G_CALLBACK (on_integration_conflict), self);
      /* A job shows done just before its last commit lands: read the
       * journal again once everything is committed. */
      g_signal_connect_swapped (engine, "idle", G_CALLBACK (on_job_changed), self);
    }
  update_counters (self);
  update_batch_model (self);
  update_camera_choice (self);
  watch_store (self, onb_application_get_config (app));

  /* The record of wrong PINs lives in the data folder, which a reload
   * may have moved. */
  {
    g_autofree char *data_dir = onb_config_get_data_dir (onb_application_get_config (app));

    g_clear_object (&self->pin_guard);
    self->pin_guard = onb_pin_guard_new (data_dir);
    onb_history_page_set_pin_guard (self->history_page, self->pin_guard);
  }
  update_outer_page (self);

  onb_history_page_set_engine (self->history_page, engine);
  onb_replace_page_set_engine (self->replace_page, engine);
  onb_setup_page_set_config (self->setup_page, onb_application_get_config (app),
                             onb_application_get_config_path (app));
  onb_setup_page_set_http_client (self->setup_page, onb_application_get_http_client (app));

  /* Without a working configuration, Setup is where to start. */
  if (engine == NULL)
    {
      g_autoptr(GError) error = NULL;

      onb_application_get_engine_error (app, &error);
      if (error != NULL)
        onb_result_card_show_rejection (onb_scan_page_get_result_card (self->scan_page), error);
    }
}

static void
on_import_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OnbWindow) self = user_data;
  g_autoptr(OnbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;

  onb_application_import_devices_finish (ONB_APPLICATION (object), result, &report, &error);
  onb_setup_page_show_import_report (self->setup_page, report, error);
  /* A new batch: the chooser lists it, and "Newest list" now means it. */
  if (self->batch_model != NULL)
    onb_batch_model_reload (self->batch_model, TRUE);
}

void
onb_window_import_devices (OnbWindow  *self,
                           const char *path)
{
  g_return_if_fail (ONB_IS_WINDOW (self));

  onb_application_import_devices_async (get_app (self), path, on_import_done, g_object_ref (self));
}

static void
on_import_file_chosen (GtkNativeDialog *dialog,
                       int              response,
                       OnbWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      onb_window_import_devices (self, path);
    }

  g_object_unref (dialog);
}

static void
import_devices (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OnbWindow *self = ONB_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GFile) home = g_file_new_for_path (g_get_home_dir ());

  if (onb_application_get_engine (get_app (self)) == NULL)
    {
      onb_window_toast (self, _("Save a complete configuration first."));
      return;
    }

  dialog = gtk_file_chooser_native_new (_("Import Device List"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Device lists (CSV)"));
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  /* A folder, not GTK's recent files, where a typed path is not taken. */
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), home, NULL);
  g_signal_connect (dialog, "response", G_CALLBACK (on_import_file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Needs the application, which GtkWindow only has after construction. */
static void
setup_for_application (OnbWindow *self)
{
  OnbApplication *app = get_app (self);

  g_signal_connect_object (app, "engine-changed", G_CALLBACK (on_engine_changed), self, G_CONNECT_SWAPPED);
  onb_history_page_set_settings (self->history_page, onb_application_get_settings (app));
  onb_setup_page_set_kiosk (self->setup_page, onb_application_get_kiosk (app));

  if (onb_application_get_kiosk (app))
    {
      GtkEventController *legacy = gtk_event_controller_legacy_new ();

      /* No window buttons: leaving goes through the PIN. */
      adw_header_bar_set_show_end_title_buttons (self->header_bar, FALSE);
      adw_header_bar_set_show_start_title_buttons (self->header_bar, FALSE);
      gtk_widget_set_visible (self->leave_button, TRUE);
      gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
      g_signal_connect (legacy, "event", G_CALLBACK (on_any_event), self);
      gtk_widget_add_controller (GTK_WIDGET (self), legacy);
      gtk_window_fullscreen (GTK_WINDOW (self));
    }
  else
    {
      GSettings *settings = onb_application_get_settings (app);

      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  on_engine_changed (self);
}

static void
onb_window_dispose (GObject *object)
{
  OnbWindow *self = ONB_WINDOW (object);

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->pin_guard);
  g_clear_object (&self->batch_model);
  if (self->store_watch != NULL)
    g_signal_handlers_disconnect_by_data (self->store_watch, self);
  g_clear_object (&self->store_watch);
  g_clear_object (&self->watched_config);
  if (self->cameras != NULL)
    g_signal_handlers_disconnect_by_data (self->cameras, self);
  g_clear_object (&self->cameras);
  g_clear_object (&self->camera_names);
  gtk_widget_dispose_template (GTK_WIDGET (object), ONB_TYPE_WINDOW);

  G_OBJECT_CLASS (onb_window_parent_class)->dispose (object);
}

static void
onb_window_finalize (GObject *object)
{
  OnbWindow *self = ONB_WINDOW (object);

  g_string_free (self->wedge, TRUE);
  g_ptr_array_unref (self->camera_ids);
  g_free (self->previous_page);

  G_OBJECT_CLASS (onb_window_parent_class)->finalize (object);
}

static void
onb_window_class_init (OnbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = onb_window_dispose;
  object_class->finalize = onb_window_finalize;
  window_class->close_request = onb_window_close_request;
  widget_class->size_allocate = onb_window_size_allocate;

  g_type_ensure (ONB_TYPE_SCAN_PAGE);
  g_type_ensure (ONB_TYPE_HISTORY_PAGE);
  g_type_ensure (ONB_TYPE_MANUAL_PAGE);
  g_type_ensure (ONB_TYPE_REPLACE_PAGE);
  g_type_ensure (ONB_TYPE_SETUP_PAGE);
  g_type_ensure (ONB_TYPE_MISSING_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/onboarder/Onboarder/onb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, switcher);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, leave_button);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, outer);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, weak_pin_page);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, scan_page);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, history_page);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, manual_page);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, replace_page);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, setup_page);
  gtk_widget_class_bind_template_child (widget_class, OnbWindow, missing_page);

  gtk_widget_class_install_action (widget_class, "win.lock-setup", NULL, lock_setup);
  gtk_widget_class_install_action (widget_class, "win.leave-full-screen", NULL, leave_full_screen_action);
  gtk_widget_class_install_action (widget_class, "win.try-simulator", NULL, try_simulator);
  gtk_widget_class_install_action (widget_class, "win.set-up", NULL, set_up);
  gtk_widget_class_install_action (widget_class, "win.import-devices", NULL, import_devices);
  gtk_widget_class_install_action (widget_class, "win.replace-device", "s", replace_device);
  gtk_widget_class_install_action (widget_class, "win.toast", "s", toast_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
}

static void
onb_window_init (OnbWindow *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->wedge = g_string_new (NULL);
  self->previous_page = g_strdup ("scan");

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_name (keys, "onb-wedge");
  /* Capture: the burst must not reach a focused button first. */
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  g_signal_connect_swapped (self->stack, "notify::visible-child-name",
                            G_CALLBACK (on_visible_page_changed), self);
  g_signal_connect_swapped (self->manual_page, "submit", G_CALLBACK (on_manual_submit), self);
  g_signal_connect_swapped (self->setup_page, "saved", G_CALLBACK (on_setup_saved), self);
  g_signal_connect (onb_scan_page_get_result_card (self->scan_page), "notify::state",
                    G_CALLBACK (on_result_state), self);

  self->camera_ids = g_ptr_array_new_with_free_func (g_free);
  self->camera_names = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (onb_scan_page_get_camera_choice (self->scan_page),
                           G_LIST_MODEL (self->camera_names));
  g_signal_connect (onb_scan_page_get_camera_choice (self->scan_page), "notify::selected",
                    G_CALLBACK (on_camera_chosen), self);
  /* Cameras come and go (hot-plug); the choice follows. */
  self->cameras = g_object_ref (onb_camera_monitor_get_default ());
  g_signal_connect_swapped (self->cameras, "items-changed", G_CALLBACK (update_camera_choice), self);
}

OnbWindow *
onb_window_new (OnbApplication *application)
{
  OnbWindow *self = g_object_new (ONB_TYPE_WINDOW, "application", application, NULL);

  setup_for_application (self);
  return self;
}
