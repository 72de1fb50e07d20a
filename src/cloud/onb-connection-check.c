/* onb-connection-check.c: "does everything this kiosk needs work?" */

#define G_LOG_DOMAIN "onb-check"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-blynk-client.h"
#include "onb-cloud-error.h"
#include "onb-connection-check.h"
#include "onb-error.h"
#include "onb-model.h"
#include "onb-tts-client.h"

G_DEFINE_BOXED_TYPE (OnbCheckItem, onb_check_item, onb_check_item_copy, onb_check_item_free)

OnbCheckItem *
onb_check_item_copy (const OnbCheckItem *item)
{
  OnbCheckItem *copy = g_new0 (OnbCheckItem, 1);

  copy->id = g_strdup (item->id);
  copy->title = g_strdup (item->title);
  copy->ok = item->ok;
  copy->message = g_strdup (item->message);
  copy->reason = g_strdup (item->reason);
  copy->names = g_strdupv (item->names);

  return copy;
}

void
onb_check_item_free (OnbCheckItem *item)
{
  if (item == NULL)
    return;

  g_free (item->id);
  g_free (item->title);
  g_free (item->message);
  g_free (item->reason);
  g_strfreev (item->names);
  g_free (item);
}

gboolean
onb_connection_check_all_ok (GPtrArray *items)
{
  g_return_val_if_fail (items != NULL, FALSE);

  for (guint i = 0; i < items->len; i++)
    if (!((OnbCheckItem *) g_ptr_array_index (items, i))->ok)
      return FALSE;

  return TRUE;
}

enum {
  ITEM_TTS_CONFIG,
  ITEM_TTS_API_KEY,
  ITEM_TTS_RIGHTS,
  ITEM_TTS_APPLICATION,
  ITEM_TTS_FREQUENCY_PLAN,
  ITEM_TTS_MAC_PHY,
  ITEM_BLYNK_CONFIG,
  ITEM_BLYNK_CREDENTIALS,
  ITEM_BLYNK_TEMPLATE,
  ITEM_BLYNK_METAFIELDS,
  N_ITEMS
};

static const struct { const char *id; const char *title; } item_info[N_ITEMS] = {
  { ONB_CHECK_TTS_CONFIG, N_("The Things Stack settings") },
  { ONB_CHECK_TTS_API_KEY, N_("The Things Stack API key") },
  { ONB_CHECK_TTS_RIGHTS, N_("Rights of the API key") },
  { ONB_CHECK_TTS_APPLICATION, N_("The Things Stack application") },
  { ONB_CHECK_TTS_FREQUENCY_PLAN, N_("Frequency plan") },
  { ONB_CHECK_TTS_MAC_PHY, N_("LoRaWAN and PHY versions") },
  { ONB_CHECK_BLYNK_CONFIG, N_("Blynk settings") },
  { ONB_CHECK_BLYNK_CREDENTIALS, N_("Blynk OAuth2 client") },
  { ONB_CHECK_BLYNK_TEMPLATE, N_("Blynk template") },
  { ONB_CHECK_BLYNK_METAFIELDS, N_("Template metafields") },
};

typedef struct
{
  GPtrArray      *items;
  guint           pending;
  OnbConfig      *config;
  OnbTtsClient   *tts;
  OnbBlynkClient *blynk;
} Check;

static void
check_free (gpointer data)
{
  Check *check = data;

  g_ptr_array_unref (check->items);
  g_clear_object (&check->config);
  g_clear_object (&check->tts);
  g_clear_object (&check->blynk);
  g_free (check);
}

static void
set_item (Check      *check,
          guint       index,
          gboolean    ok,
          const char *reason,
          const char *message)
{
  OnbCheckItem *item = g_ptr_array_index (check->items, index);

  item->ok = ok;
  g_free (item->message);
  item->message = g_strdup (message);
  g_free (item->reason);
  item->reason = ok ? NULL : g_strdup (reason);
}

static void
set_item_error (Check        *check,
                guint         index,
                const GError *error)
{
  set_item (check, index, FALSE, onb_error_get_reason (error), error->message);
}

/* Items that could not run because @cause failed. */
static void
skip_items (Check *check,
            guint  first,
            guint  last,
            guint  cause)
{
  g_autofree char *message =
    g_strdup_printf (_("Not checked: fix “%s” first."), _(item_info[cause].title));

  for (guint i = first; i <= last; i++)
    set_item (check, i, FALSE, "not-checked", message);
}

/* Counts one sub-check down; the last one completes the task. Consumes
 * the reference on @task. */
static void
step_done (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  if (--check->pending == 0)
    {
      if (!g_task_return_error_if_cancelled (task))
        g_task_return_pointer (task, g_ptr_array_ref (check->items), (GDestroyNotify) g_ptr_array_unref);
    }
  g_object_unref (task);
}

/* ---- The Things Stack ------------------------------------------------- */

static void
auth_info_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(json_object) info = NULL;
  g_autoptr(GError) error = NULL;

  info = onb_tts_client_get_auth_info_finish (check->tts, result, &error);
  if (info == NULL)
    {
      set_item_error (check, ITEM_TTS_API_KEY, error);
      skip_items (check, ITEM_TTS_RIGHTS, ITEM_TTS_RIGHTS, ITEM_TTS_API_KEY);
    }
  else
    {
      gboolean blynk_creates = onb_tts_client_get_blynk_creates (check->tts);
      /* Where Blynk makes the devices, Onboarder only reads them: writes
       * serve replacing hardware alone (docs/design.md, Who creates the
       * TTS device). */
      g_auto(GStrv) missing = onb_tts_client_missing_rights (check->tts, info, !blynk_creates);
      g_auto(GStrv) missing_writes = onb_tts_client_missing_rights (check->tts, info, TRUE);

      set_item (check, ITEM_TTS_API_KEY, TRUE, NULL, _("The Things Stack accepts the key."));
      if (missing[0] == NULL && !blynk_creates)
        set_item (check, ITEM_TTS_RIGHTS, TRUE, NULL, _("The key may create devices and write and read their keys."));
      else if (missing[0] == NULL && missing_writes[0] == NULL)
        set_item (check, ITEM_TTS_RIGHTS, TRUE, NULL,
                  _("The key may read devices and their keys, which is all new boxes need while Blynk creates the devices; it may also create devices for replacing hardware."));
      else if (missing[0] == NULL)
        set_item (check, ITEM_TTS_RIGHTS, TRUE, NULL,
                  _("The key may read devices and their keys, which is all new boxes need while Blynk creates the devices. Replacing hardware needs a key that may also create devices and edit their keys; without one, replacing is refused and old devices are not deleted."));
      else
        {
          g_autoptr(GString) list = g_string_new (NULL);
          g_autofree char *message = NULL;

          for (guint i = 0; missing[i] != NULL; i++)
            g_string_append_printf (list, "%s‘%s’", i > 0 ? ", " : "", onb_tts_right_get_label (missing[i]));
          message =
            g_strdup_printf (_("The key lacks %s for the application “%s”. Add these rights to the key in The Things Stack console (application → API keys), or use a key made in this application."),
                             list->str, onb_tts_client_get_application_id (check->tts));

          set_item (check, ITEM_TTS_RIGHTS, FALSE, "missing-rights", message);
        }
    }

  step_done (task);
}

static void
application_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(json_object) application = NULL;
  g_autoptr(GError) error = NULL;

  application = onb_tts_client_get_application_finish (check->tts, result, &error);
  if (application == NULL)
    set_item_error (check, ITEM_TTS_APPLICATION, error);
  else
    {
      g_autofree char *message =
        g_strdup_printf (_("The application “%s” exists."), onb_tts_client_get_application_id (check->tts));

      set_item (check, ITEM_TTS_APPLICATION, TRUE, NULL, message);
    }

  step_done (task);
}

/* TRUE when new boxes get only what their model names, so that the
 * station needs no frequency plan nor versions for them (a replace
 * still does). */
static gboolean
named_only (Check *check)
{
  return onb_model_named_only (onb_tts_client_get_blynk_creates (check->tts), FALSE);
}

static void
plans_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GPtrArray) plans = NULL;
  g_autoptr(GError) error = NULL;
  /* Every plan of the station's list ([tts] frequency_plans, else the
   * lone frequency_plan) must be one the server offers. */
  g_auto(GStrv) wanted = onb_config_get_frequency_plans (check->config);
  g_autoptr(GString) known = g_string_new (NULL);
  g_autoptr(GString) found = g_string_new (NULL);

  plans = onb_tts_client_list_frequency_plans_finish (check->tts, result, &error);
  if (plans == NULL)
    {
      set_item_error (check, ITEM_TTS_FREQUENCY_PLAN, error);
      step_done (task);
      return;
    }

  for (guint i = 0; i < plans->len; i++)
    g_string_append_printf (known, "%s%s", known->len > 0 ? ", " : "",
                            ((OnbTtsFrequencyPlan *) g_ptr_array_index (plans, i))->id);
  for (guint w = 0; wanted[w] != NULL; w++)
    {
      OnbTtsFrequencyPlan *match = NULL;

      for (guint i = 0; i < plans->len && match == NULL; i++)
        if (g_strcmp0 (((OnbTtsFrequencyPlan *) g_ptr_array_index (plans, i))->id, wanted[w]) == 0)
          match = g_ptr_array_index (plans, i);
      if (match == NULL)
        {
          g_autofree char *message =
            g_strdup_printf (_("The server does not know the frequency plan “%s”. Choose one it offers: %s."),
                             wanted[w], known->str);

          set_item (check, ITEM_TTS_FREQUENCY_PLAN, FALSE, "frequency-plan", message);
          step_done (task);
          return;
        }
      g_string_append_printf (found, "%s%s (%s)", found->len > 0 ? ", " : "", match->id, match->name);
    }

  if (wanted[0] == NULL && named_only (check))
    set_item (check, ITEM_TTS_FREQUENCY_PLAN, TRUE, NULL,
              _("The station names no frequency plan: Blynk's integration sets the plan of each device it makes. "
                "Note: a replace makes its new device itself and needs a plan; for replacing hardware, set [tts] "
                "frequency_plans, or frequency_plan in each [model] section."));
  else if (wanted[0] == NULL)
    set_item (check, ITEM_TTS_FREQUENCY_PLAN, FALSE, "frequency-plan",
              _("The station has no frequency plan: set [tts] frequency_plans to the plans it onboards."));
  else
    {
      g_autofree char *message = g_strdup_printf (_("The server knows %s."), found->str);

      set_item (check, ITEM_TTS_FREQUENCY_PLAN, TRUE, NULL, message);
    }
  step_done (task);
}

static void
check_mac_phy (Check *check)
{
  g_autofree char *mac = onb_config_get_string (check->config, "tts", "lorawan_version");
  g_autofree char *phy = onb_config_get_string (check->config, "tts", "phy_version");

  if (mac == NULL && phy == NULL && named_only (check))
    set_item (check, ITEM_TTS_MAC_PHY, TRUE, NULL,
              _("The station sets no LoRaWAN versions: Blynk's integration sets those of each device it makes, "
                "and a new box is held only to what its model's section names. Note: a replace makes its new "
                "device itself and needs versions, from the model's section or the Device Repository; "
                "`onboarder-cli models` says which models it would refuse."));
  else if (mac == NULL && phy == NULL)
    set_item (check, ITEM_TTS_MAC_PHY, TRUE, NULL,
              _("The station sets no LoRaWAN versions: each model's come from its section or the Device Repository."));
  else if (onb_tts_mac_phy_compatible (mac, phy))
    {
      g_autofree char *message = g_strdup_printf (_("%s with %s is a valid pair."), mac, phy);

      set_item (check, ITEM_TTS_MAC_PHY, TRUE, NULL, message);
    }
  else
    {
      g_autofree char *message =
        g_strdup_printf (_("The PHY version %s does not belong to LoRaWAN %s. Set the versions printed in the device's data sheet, for example MAC_V1_0_3 with PHY_V1_0_3_REV_A, or MAC_V1_0_4 with RP002_V1_0_3."),
                         phy != NULL ? phy : "—", mac != NULL ? mac : "—");

      set_item (check, ITEM_TTS_MAC_PHY, FALSE, "band-version", message);
    }
}

static void
start_tts (GTask         *task,
           OnbHttpClient *http)
{
  Check *check = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;

  check->tts = onb_tts_client_new (http, check->config, &error);
  if (check->tts == NULL)
    {
      set_item_error (check, ITEM_TTS_CONFIG, error);
      skip_items (check, ITEM_TTS_API_KEY, ITEM_TTS_MAC_PHY, ITEM_TTS_CONFIG);
      return;
    }

  set_item (check, ITEM_TTS_CONFIG, TRUE, NULL, _("Every setting is filled in."));
  check_mac_phy (check);

  check->pending += 3;
  onb_tts_client_get_auth_info_async (check->tts, cancellable, auth_info_cb, g_object_ref (task));
  onb_tts_client_get_application_async (check->tts, cancellable, application_cb, g_object_ref (task));
  onb_tts_client_list_frequency_plans_async (check->tts, cancellable, plans_cb, g_object_ref (task));
}

/* ---- Blynk ------------------------------------------------------------ */

static void
metafields_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GHashTable) map = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autoptr(GString) has = g_string_new (NULL);
  g_autoptr(GList) names = NULL;

  map = onb_blynk_client_get_metafields_finish (check->blynk, result, &error);
  if (map == NULL)
    {
      set_item_error (check, ITEM_BLYNK_METAFIELDS, error);
      step_done (task);
      return;
    }

  for (OnbBlynkRole role = 0; role < ONB_BLYNK_N_ROLES; role++)
    {
      const char *name = onb_blynk_client_get_metafield_name (check->blynk, role);

      if (!g_hash_table_contains (map, name))
        g_string_append_printf (missing, "%s“%s”", missing->len > 0 ? ", " : "", name);
    }
  names = g_list_sort (g_hash_table_get_keys (map), (GCompareFunc) g_strcmp0);
  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (has, "%s“%s”", has->len > 0 ? ", " : "", (const char *) l->data);
  /* Setup marks its metafield fields with them, without asking again. */
  {
    OnbCheckItem *item = g_ptr_array_index (check->items, ITEM_BLYNK_METAFIELDS);
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

    for (GList *l = names; l != NULL; l = l->next)
      g_strv_builder_add (builder, l->data);
    item->names = g_strv_builder_end (builder);
  }

  if (missing->len == 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("The template has the four metafields Onboarder fills in. It has %s."), has->str);

      set_item (check, ITEM_BLYNK_METAFIELDS, TRUE, NULL, message);
    }
  else
    {
      g_autofree char *message =
        g_strdup_printf (_("The template lacks the metafields %s; it has %s. Add them (type Text) to the template in Blynk.Console, or, if the template calls them otherwise, name its fields in [blynk] metafield_dev_eui, metafield_join_eui, metafield_app_key and metafield_ttn_device."),
                         missing->str, has->len > 0 ? has->str : _("none"));

      set_item (check, ITEM_BLYNK_METAFIELDS, FALSE, "metafields-missing", message);
    }

  step_done (task);
}

static void
template_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gint64 number;

  number = onb_blynk_client_resolve_template_finish (check->blynk, result, &error);
  if (error != NULL)
    {
      set_item_error (check, ITEM_BLYNK_TEMPLATE, error);
      skip_items (check, ITEM_BLYNK_METAFIELDS, ITEM_BLYNK_METAFIELDS, ITEM_BLYNK_TEMPLATE);
    }
  else
    {
      g_autofree char *message =
        g_strdup_printf (_("The template %s exists."), onb_blynk_client_get_template_id (check->blynk));

      set_item (check, ITEM_BLYNK_TEMPLATE, TRUE, NULL, message);
      check->pending++;
      onb_blynk_client_get_metafields_async (check->blynk, number, g_task_get_cancellable (task),
                                             metafields_cb, g_object_ref (task));
    }

  step_done (task);
}

static void
authenticate_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!onb_blynk_client_authenticate_finish (check->blynk, result, &error))
    {
      set_item_error (check, ITEM_BLYNK_CREDENTIALS, error);
      skip_items (check, ITEM_BLYNK_TEMPLATE, ITEM_BLYNK_METAFIELDS, ITEM_BLYNK_CREDENTIALS);
    }
  else
    {
      g_autofree char *server = onb_http_url_for_display (onb_blynk_client_get_server (check->blynk));
      g_autofree char *message = g_strdup_printf (_("Blynk accepts the client (server %s)."), server);

      set_item (check, ITEM_BLYNK_CREDENTIALS, TRUE, NULL, message);
      check->pending++;
      onb_blynk_client_resolve_template_async (check->blynk, onb_blynk_client_get_template_id (check->blynk),
                                               g_task_get_cancellable (task), template_cb, g_object_ref (task));
    }

  step_done (task);
}

static void
start_blynk (GTask         *task,
             OnbHttpClient *http)
{
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  check->blynk = onb_blynk_client_new (http, check->config, &error);
  if (check->blynk == NULL)
    {
      set_item_error (check, ITEM_BLYNK_CONFIG, error);
      skip_items (check, ITEM_BLYNK_CREDENTIALS, ITEM_BLYNK_METAFIELDS, ITEM_BLYNK_CONFIG);
      return;
    }

  set_item (check, ITEM_BLYNK_CONFIG, TRUE, NULL, _("Every setting is filled in."));
  check->pending++;
  onb_blynk_client_authenticate_async (check->blynk, g_task_get_cancellable (task),
                                       authenticate_cb, g_object_ref (task));
}

void
onb_connection_check_async (OnbHttpClient       *http,
                            OnbConfig           *config,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  Check *check;

  g_return_if_fail (ONB_IS_HTTP_CLIENT (http));
  g_return_if_fail (ONB_IS_CONFIG (config));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, onb_connection_check_async);

  check = g_new0 (Check, 1);
  check->config = g_object_ref (config);
  check->items = g_ptr_array_new_with_free_func ((GDestroyNotify) onb_check_item_free);
  for (guint i = 0; i < N_ITEMS; i++)
    {
      OnbCheckItem *item = g_new0 (OnbCheckItem, 1);

      item->id = g_strdup (item_info[i].id);
      item->title = g_strdup (_(item_info[i].title));
      g_ptr_array_add (check->items, item);
    }
  g_task_set_task_data (task, check, check_free);

  /* The task's own reference is one more pending step, dropped last, so
   * sub-checks finishing early cannot complete it before all started. */
  check->pending = 1;
  start_tts (task, http);
  start_blynk (task, http);
  step_done (task);
}

GPtrArray *
onb_connection_check_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
