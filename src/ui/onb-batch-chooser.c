/* onb-batch-chooser.c: a drop-down of the batches, "Newest list" first
 *
 * The first entry follows every new import; the others pin one batch.
 */

#define G_LOG_DOMAIN "onb-batch-chooser"

#include "config.h"

#include <glib/gi18n.h>

#include "onb-batch-chooser.h"
#include "onb-ui-util.h"

struct _OnbBatchChooser
{
  GtkWidget      parent_instance;

  GtkDropDown   *drop_down;
  GtkStringList *names;
  GArray        *ids;      /* gint64 per entry; 0 = the newest */
  OnbBatchModel *model;
  gboolean       updating;
};

G_DEFINE_FINAL_TYPE (OnbBatchChooser, onb_batch_chooser, GTK_TYPE_WIDGET)

static char *
batch_title (const OnbBatch *batch)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (batch->imported_at);
  g_autofree char *when = time != NULL ? g_date_time_format (time, "%d.%m. %H:%M") : g_strdup ("");

  /* Translators: a batch in the chooser: file name, import time */
  return g_strdup_printf (_("%s, %s"), batch->file_name != NULL ? batch->file_name : _("Earlier list"), when);
}

static void
on_model_changed (OnbBatchChooser *self)
{
  GPtrArray *batches = onb_batch_model_get_batches (self->model);
  gint64 current = onb_batch_model_get_batch_id (self->model);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  guint selected = 0;
  gint64 newest = 0;

  self->updating = TRUE;
  g_array_set_size (self->ids, 0);
  g_strv_builder_add (builder, _("Newest list"));
  g_array_append_val (self->ids, newest);
  for (guint i = 0; batches != NULL && i < batches->len; i++)
    {
      const OnbBatch *batch = batches->pdata[i];
      g_autofree char *title = batch_title (batch);

      g_strv_builder_add (builder, title);
      g_array_append_val (self->ids, batch->id);
      if (batch->id == current)
        selected = self->ids->len - 1;
    }
  names = g_strv_builder_end (builder);
  gtk_string_list_splice (self->names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->names)),
                          (const char * const *) names);
  gtk_drop_down_set_selected (self->drop_down, selected);
  self->updating = FALSE;
}

static void
on_selected (OnbBatchChooser *self)
{
  guint selected = gtk_drop_down_get_selected (self->drop_down);

  if (self->updating || self->model == NULL || selected >= self->ids->len)
    return;
  onb_batch_model_set_batch_id (self->model, g_array_index (self->ids, gint64, selected));
}

void
onb_batch_chooser_set_model (OnbBatchChooser *self,
                             OnbBatchModel   *model)
{
  g_return_if_fail (ONB_IS_BATCH_CHOOSER (self));

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  if (model != NULL)
    {
      g_signal_connect_swapped (model, "changed", G_CALLBACK (on_model_changed), self);
      on_model_changed (self);
    }
}

static void
onb_batch_chooser_dispose (GObject *object)
{
  OnbBatchChooser *self = ONB_BATCH_CHOOSER (object);

  onb_batch_chooser_set_model (self, NULL);
  g_clear_pointer ((GtkWidget **) &self->drop_down, gtk_widget_unparent);
  G_OBJECT_CLASS (onb_batch_chooser_parent_class)->dispose (object);
}

static void
onb_batch_chooser_finalize (GObject *object)
{
  OnbBatchChooser *self = ONB_BATCH_CHOOSER (object);

  g_array_unref (self->ids);
  G_OBJECT_CLASS (onb_batch_chooser_parent_class)->finalize (object);
}

static void
onb_batch_chooser_class_init (OnbBatchChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = onb_batch_chooser_dispose;
  object_class->finalize = onb_batch_chooser_finalize;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
}

static void
onb_batch_chooser_init (OnbBatchChooser *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->names = gtk_string_list_new (NULL);
  self->drop_down = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (self->names), NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->drop_down), "touch");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->drop_down), _("The device list whose progress is shown"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->drop_down), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Device list"), -1);
  onb_ui_name_inner_buttons (GTK_WIDGET (self->drop_down), _("Device list"));
  gtk_widget_set_parent (GTK_WIDGET (self->drop_down), GTK_WIDGET (self));
  g_signal_connect_swapped (self->drop_down, "notify::selected", G_CALLBACK (on_selected), self);
}
