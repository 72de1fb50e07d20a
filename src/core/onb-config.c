/* onb-config.c: the shared configuration key file (docs/design.md, Configuration) */

#define G_LOG_DOMAIN "onb-config"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "onb-code.h"
#include "onb-config.h"
#include "onb-config-keys-private.h"
#include "onb-core-enums.h"
#include "onb-error.h"
#include "onb-file.h"

ONB_DEFINE_ERROR_DOMAIN (onb_config_error, onb_config_error_get_type)

struct _OnbConfig
{
  GObject parent_instance;
  GKeyFile *keyfile;
  char *path;
};

G_DEFINE_FINAL_TYPE (OnbConfig, onb_config, G_TYPE_OBJECT)

static void
onb_config_finalize (GObject *object)
{
  OnbConfig *self = (OnbConfig *) object;

  g_clear_pointer (&self->keyfile, g_key_file_unref);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (onb_config_parent_class)->finalize (object);
}

static void
onb_config_class_init (OnbConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onb_config_finalize;
}

static void
onb_config_init (OnbConfig *self)
{
  self->keyfile = g_key_file_new ();
}

OnbConfig *
onb_config_new (void)
{
  return g_object_new (ONB_TYPE_CONFIG, NULL);
}

/**
 * onb_config_default_path:
 *
 * The per-user file when it exists, else the system-wide kiosk default,
 * else the per-user path (where a new configuration gets saved).
 * `ONBOARDER_CONFIG` overrides both, for headless stations and tests.
 */
char *
onb_config_default_path (void)
{
  const char *env = g_getenv ("ONBOARDER_CONFIG");
  g_autofree char *user = NULL;

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);

  user = g_build_filename (g_get_user_config_dir (), "onboarder", "onboarder.conf", NULL);
  if (!g_file_test (user, G_FILE_TEST_EXISTS) &&
      g_file_test ("/etc/onboarder/onboarder.conf", G_FILE_TEST_EXISTS))
    return g_strdup ("/etc/onboarder/onboarder.conf");

  return g_steal_pointer (&user);
}

/* Far above any real configuration; a larger "configuration" is some
 * other file. */
#define MAX_FILE_SIZE (1024 * 1024)

static gboolean
read_file (const char  *path,
           char       **contents,
           gsize       *length,
           GError     **error)
{
  g_autofree char *data = NULL;
  struct stat st;
  gssize n;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  int saved_errno = errno;

  if (fd < 0 && saved_errno == ENOENT)
    {
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_NOT_FOUND,
                   _("No configuration at %s. Open Setup on the kiosk, or pass --config FILE."), path);
      return FALSE;
    }
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_UNREADABLE,
                   _("The configuration %s cannot be read: %s"), path, g_strerror (fd < 0 ? saved_errno : errno));
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > MAX_FILE_SIZE)
    {
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_UNREADABLE,
                   _("The configuration %s is not a configuration file: it is not a regular file of at most 1 MB."),
                   path);
      close (fd);
      return FALSE;
    }

  data = g_malloc (st.st_size + 1);
  *length = 0;
  while ((n = read (fd, data + *length, st.st_size - *length)) > 0 || (n < 0 && errno == EINTR))
    *length += MAX (n, 0);
  saved_errno = errno;
  close (fd);
  if (n < 0)
    {
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_UNREADABLE,
                   _("The configuration %s cannot be read: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  data[*length] = '\0';
  *contents = g_steal_pointer (&data);
  return TRUE;
}

static gboolean
is_known_group (const char *group)
{
  const char *known_group;
  const char *key;

  if (_onb_config_parse_model_group (group, NULL))
    return TRUE;
  for (guint i = 0; _onb_config_key_at (i, &known_group, &key); i++)
    if (g_str_equal (known_group, group))
      return TRUE;
  return FALSE;
}

/* Names a key or section in a message only when Onboarder knows it:
 * whatever else a file holds might be a line of some other file. */
static char *
shown_key (const char *group,
           const char *key)
{
  if (group != NULL && key != NULL && _onb_config_key_is_known (group, key))
    return g_strdup_printf ("[%s] %s", group, key);
  if (group != NULL && key != NULL && is_known_group (group))
    return g_strdup_printf (_("an unknown key of [%s]"), group);
  if (key != NULL)
    return g_strdup (_("a key"));
  if (group != NULL && is_known_group (group))
    return g_strdup_printf ("[%s]", group);
  return g_strdup (_("a section"));
}

typedef struct
{
  const char *path;
  guint line;
} Scan;

G_GNUC_PRINTF (4, 5)
static gboolean
scan_error (Scan         *scan,
            GError      **error,
            int           code,
            const char   *format,
            ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  /* TRANSLATORS: file, line number, what is wrong there */
  g_set_error (error, ONB_CONFIG_ERROR, code, _("The configuration %s, line %u: %s"), scan->path, scan->line, what);
  return FALSE;
}

/**
 * scan_key_file:
 *
 * Reads the file's lines before GKeyFile does, because GKeyFile quietly
 * cuts a value at a NUL, drops a value that is not UTF-8, keeps the last
 * of two equal keys or sections, and quotes a bad line in its errors.
 * Messages name the file, the line and what is wrong, never the line.
 */
static gboolean
scan_key_file (const char  *path,
               const char  *data,
               gsize        length,
               GError     **error)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) keys_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;
  Scan scan = { path, 0 };
  const char *end = data + length;

  for (const char *line = data; line < end; )
    {
      const char *eol = memchr (line, '\n', end - line);
      gsize len = (eol != NULL ? eol : end) - line;
      g_autofree char *text = NULL;
      const char *equals;

      scan.line++;
      if (memchr (line, '\0', len) != NULL)
        return scan_error (&scan, error, ONB_CONFIG_ERROR_INVALID_VALUE,
                           _("it holds a NUL byte, which no setting may contain. Type the line again."));
      text = g_strstrip (g_strndup (line, len));
      line = eol != NULL ? eol + 1 : end;

      if (text[0] == '\0' || text[0] == '#')
        {
          if (!g_utf8_validate (text, -1, NULL))
            return scan_error (&scan, error, ONB_CONFIG_ERROR_INVALID_VALUE,
                               _("a comment holds text that is not UTF-8. Save the file as UTF-8."));
          continue;
        }

      if (text[0] == '[')
        {
          gsize text_len = strlen (text);

          if (text[text_len - 1] != ']' || text_len < 3)
            return scan_error (&scan, error, ONB_CONFIG_ERROR_UNREADABLE,
                               _("a section must be written as [name], such as [blynk]."));
          text[text_len - 1] = '\0';
          g_free (group);
          group = g_strdup (text + 1);
          if (!g_utf8_validate (group, -1, NULL))
            return scan_error (&scan, error, ONB_CONFIG_ERROR_INVALID_VALUE,
                               _("the name of a section is not UTF-8 text."));
          if (!g_hash_table_add (groups, g_strdup (group)))
            {
              g_autofree char *shown = shown_key (group, NULL);

              return scan_error (&scan, error, ONB_CONFIG_ERROR_INVALID_VALUE,
                                 _("%s appears a second time. Keep one of them, with every key once."), shown);
            }
          continue;
        }

      if ((equals = strchr (text, '=')) == NULL)
        return scan_error (&scan, error, ONB_CONFIG_ERROR_UNREADABLE,
                           _("the line is neither a [section], a key=value nor a # comment."));
      {
        g_autofree char *key = g_strstrip (g_strndup (text, equals - text));
        g_autofree char *group_key = NULL;
        g_autofree char *shown = NULL;

        if (!g_utf8_validate (key, -1, NULL))
          return scan_error (&scan, error, ONB_CONFIG_ERROR_INVALID_VALUE,
                             _("the name of a key is not UTF-8 text."));
        shown = shown_key (group, key);
        if (group == NULL)
          return scan_error (&scan, error, ONB_CONFIG_ERROR_UNREADABLE,
                             _("%s comes before any [section]."), shown);
        if (!g_utf8_validate (equals + 1, -1, NULL))
          return scan_error (&scan, error, ONB_CONFIG_ERROR_INVALID_VALUE,
                             _("%s holds text that is not UTF-8. Type it again."), shown);
        group_key = g_strdup_printf ("%s\n%s", group, key);
        if (!g_hash_table_add (keys_seen, g_steal_pointer (&group_key)))
          return scan_error (&scan, error, ONB_CONFIG_ERROR_INVALID_VALUE,
                             _("%s is given a second time. Keep only one of them."), shown);
      }
    }

  return TRUE;
}

/**
 * onb_config_load:
 * @path: (nullable): the file, or %NULL for onb_config_default_path()
 *
 * Returns: (transfer full): the configuration, or %NULL with @error set.
 *   No message ever quotes the file: it may be any file the user can read.
 */
OnbConfig *
onb_config_load (const char  *path,
                 GError     **error)
{
  g_autoptr(OnbConfig) self = onb_config_new ();
  g_autofree char *data = NULL;
  gsize length = 0;

  self->path = path != NULL ? g_strdup (path) : onb_config_default_path ();

  if (!read_file (self->path, &data, &length, error) ||
      !scan_key_file (self->path, data, length, error))
    return NULL;

  if (!g_key_file_load_from_data (self->keyfile, data, length, G_KEY_FILE_KEEP_COMMENTS, NULL))
    {
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_UNREADABLE,
                   _("The configuration %s is not a configuration file of [sections] and key=value lines."),
                   self->path);
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
onb_config_get_path (OnbConfig *self)
{
  g_return_val_if_fail (ONB_IS_CONFIG (self), NULL);

  return self->path;
}

/**
 * onb_config_save:
 * @path: (nullable): where to write, or %NULL for the file it was loaded from
 *
 * Writes atomically with mode 0600: the file holds secrets.
 */
gboolean
onb_config_save (OnbConfig   *self,
                 const char  *path,
                 GError     **error)
{
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (ONB_IS_CONFIG (self), FALSE);

  if (path != NULL)
    {
      g_free (self->path);
      self->path = g_strdup (path);
    }
  else if (self->path == NULL)
    self->path = onb_config_default_path ();

  data = g_key_file_to_data (self->keyfile, &length, NULL);
  dir = g_path_get_dirname (self->path);

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !onb_file_write (self->path, data, length, ONB_FILE_WRITE_PRIVATE, &local_error))
    {
      g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_WRITE_FAILED,
                   _("The configuration could not be saved to %s: %s"), self->path,
                   local_error != NULL ? local_error->message : g_strerror (errno));
      return FALSE;
    }

  return TRUE;
}

/**
 * onb_config_get_string:
 *
 * Returns: (transfer full) (nullable): the trimmed value, or %NULL when the
 *   key is absent or empty.
 */
char *
onb_config_get_string (OnbConfig  *self,
                       const char *group,
                       const char *key)
{
  g_autofree char *value = NULL;

  g_return_val_if_fail (ONB_IS_CONFIG (self), NULL);

  value = g_key_file_get_string (self->keyfile, group, key, NULL);
  if (value == NULL || g_strstrip (value)[0] == '\0')
    return NULL;

  return g_steal_pointer (&value);
}

void
onb_config_set_string (OnbConfig  *self,
                       const char *group,
                       const char *key,
                       const char *value)
{
  g_return_if_fail (ONB_IS_CONFIG (self));

  if (value == NULL)
    g_key_file_remove_key (self->keyfile, group, key, NULL);
  else
    g_key_file_set_string (self->keyfile, group, key, value);
}

gboolean
onb_config_get_boolean (OnbConfig  *self,
                        const char *group,
                        const char *key,
                        gboolean    default_value)
{
  g_autoptr(GError) error = NULL;
  gboolean value;

  g_return_val_if_fail (ONB_IS_CONFIG (self), default_value);

  value = g_key_file_get_boolean (self->keyfile, group, key, &error);
  return error != NULL ? default_value : value;
}

void
onb_config_set_boolean (OnbConfig  *self,
                        const char *group,
                        const char *key,
                        gboolean    value)
{
  g_return_if_fail (ONB_IS_CONFIG (self));

  g_key_file_set_boolean (self->keyfile, group, key, value);
}

gint64
onb_config_get_int (OnbConfig  *self,
                    const char *group,
                    const char *key,
                    gint64      default_value)
{
  g_autoptr(GError) error = NULL;
  gint64 value;

  g_return_val_if_fail (ONB_IS_CONFIG (self), default_value);

  value = g_key_file_get_int64 (self->keyfile, group, key, &error);
  return error != NULL ? default_value : value;
}

/**
 * onb_config_get_profile_ids:
 *
 * Returns: (transfer full): the accepted Profile IDs, upper case; empty
 *   when none is configured (no check). Invalid entries are skipped here
 *   and reported by onb_config_check_values().
 */
char **
onb_config_get_profile_ids (OnbConfig *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *value = onb_config_get_string (self, "labels", "profile_ids");
  g_auto(GStrv) items = NULL;

  if (value != NULL)
    {
      items = g_strsplit_set (value, ",; ", -1);
      for (guint i = 0; items[i] != NULL; i++)
        {
          g_autofree char *id = onb_profile_id_normalize (g_strstrip (items[i]), NULL);

          if (id != NULL)
            g_strv_builder_add (builder, id);
        }
    }

  return g_strv_builder_end (builder);
}

/**
 * onb_config_get_data_dir:
 *
 * Returns: (transfer full): where the registry and the journal live.
 */
char *
onb_config_get_data_dir (OnbConfig *self)
{
  char *dir = onb_config_get_string (self, "kiosk", "data_dir");

  return dir != NULL ? dir : g_build_filename (g_get_user_data_dir (), "onboarder", NULL);
}

/**
 * onb_config_check_values:
 *
 * Checks every key the file holds (an absent key is fine here: commands
 * that need it say so), with the message of the first problem, naming the
 * file. Every command runs this at load; Setup shows the same messages.
 */
static gboolean
check_value (OnbConfig   *self,
             const char  *group,
             const char  *key,
             GError     **error)
{
  g_autofree char *value = onb_config_get_string (self, group, key);
  g_autoptr(GError) local_error = NULL;

  if (value == NULL || onb_config_validate_value (group, key, value, &local_error))
    return TRUE;

  g_set_error (error, local_error->domain, local_error->code,
               _("The configuration %s: %s"), self->path != NULL ? self->path : "", local_error->message);
  return FALSE;
}

static gboolean
check_model_keys (OnbConfig   *self,
                  const char  *group,
                  const char  *profile_id,
                  GError     **error)
{
  g_auto(GStrv) names = g_key_file_get_keys (self->keyfile, group, NULL, NULL);
  g_autoptr(GString) known = g_string_new (NULL);
  const char *known_group;
  const char *key;

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    if (!_onb_config_key_is_known (group, names[i]))
      {
        for (guint k = 0; _onb_config_key_at (k, &known_group, &key); k++)
          if (g_str_equal (known_group, ONB_CONFIG_MODEL_GROUP))
            g_string_append_printf (known, "%s%s", known->len > 0 ? ", " : "", key);
        g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                     _("The configuration %s: [model %s] holds a key Onboarder does not know. A model section "
                       "takes only %s."), self->path != NULL ? self->path : "", profile_id, known->str);
        return FALSE;
      }
  return TRUE;
}

/* Each [model …] section is named by a Profile ID, once. The name is
 * never quoted: the file may be any file. */
static gboolean
check_model_groups (OnbConfig  *self,
                    GError    **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (self->keyfile, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *path = self->path != NULL ? self->path : "";
  const char *group;
  const char *key;

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *profile_id = NULL;

      if (!g_str_has_prefix (groups[i], ONB_CONFIG_MODEL_GROUP) ||
          (groups[i][strlen (ONB_CONFIG_MODEL_GROUP)] != ' ' && groups[i][strlen (ONB_CONFIG_MODEL_GROUP)] != '\0'))
        continue;
      if (!_onb_config_parse_model_group (groups[i], &profile_id))
        {
          g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                       _("The configuration %s: a [model] section must be named by the Profile ID on the "
                         "labels (8 hexadecimal digits), as in [model 000AF8BE]."), path);
          return FALSE;
        }
      if (!g_hash_table_add (seen, g_strdup (profile_id)))
        {
          g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_INVALID_VALUE,
                       _("The configuration %s: the Profile ID %s has two [model] sections. Keep one of them."),
                       path, profile_id);
          return FALSE;
        }
      for (guint k = 0; _onb_config_key_at (k, &group, &key); k++)
        if (g_str_equal (group, ONB_CONFIG_MODEL_GROUP) && !check_value (self, groups[i], key, error))
          return FALSE;
      /* A misspelt key would quietly give a model the station's template
       * or versions. */
      if (!check_model_keys (self, groups[i], profile_id, error))
        return FALSE;
    }

  return TRUE;
}

/**
 * onb_config_check_values:
 *
 * Checks every key the file holds (an absent key is fine here: commands
 * that need it say so), with the message of the first problem, naming the
 * file. Every command runs this at load; Setup shows the same messages.
 */
gboolean
onb_config_check_values (OnbConfig  *self,
                         GError    **error)
{
  const char *group;
  const char *key;

  g_return_val_if_fail (ONB_IS_CONFIG (self), FALSE);

  for (guint i = 0; _onb_config_key_at (i, &group, &key); i++)
    if (!g_str_equal (group, ONB_CONFIG_MODEL_GROUP) && !check_value (self, group, key, error))
      return FALSE;

  return check_model_groups (self, error);
}

/**
 * onb_config_get_model_groups:
 *
 * Returns: (transfer full): the names of the [model XXXXXXXX] sections, in
 *   file order; sections not named by a Profile ID are left out (and
 *   reported by onb_config_check_values()).
 */
char **
onb_config_get_model_groups (OnbConfig *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (ONB_IS_CONFIG (self), NULL);

  groups = g_key_file_get_groups (self->keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (_onb_config_parse_model_group (groups[i], NULL))
      g_strv_builder_add (builder, groups[i]);

  return g_strv_builder_end (builder);
}

/* Setup removes a model section the site no longer wants. */
void
onb_config_remove_group (OnbConfig  *self,
                         const char *group)
{
  g_return_if_fail (ONB_IS_CONFIG (self));

  g_key_file_remove_group (self->keyfile, group, NULL);
}

/**
 * onb_config_model_group_get_profile_id:
 *
 * Returns: (transfer full) (nullable): the Profile ID (upper case) a
 *   [model XXXXXXXX] section is for, %NULL for any other section.
 */
char *
onb_config_model_group_get_profile_id (const char *group)
{
  char *profile_id = NULL;

  g_return_val_if_fail (group != NULL, NULL);

  _onb_config_parse_model_group (group, &profile_id);
  return profile_id;
}

/**
 * onb_config_get_frequency_plans:
 *
 * Returns: (transfer full): [tts] frequency_plans, in order; else
 *   [tts] frequency_plan as a list of one; else empty.
 */
char **
onb_config_get_frequency_plans (OnbConfig *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *value = NULL;
  g_auto(GStrv) items = NULL;

  g_return_val_if_fail (ONB_IS_CONFIG (self), NULL);

  value = onb_config_get_string (self, "tts", "frequency_plans");
  if (value == NULL)
    value = onb_config_get_string (self, "tts", "frequency_plan");
  items = g_strsplit_set (value != NULL ? value : "", ",; ", -1);
  for (guint i = 0; items[i] != NULL; i++)
    if (items[i][0] != '\0')
      g_strv_builder_add (builder, items[i]);

  return g_strv_builder_end (builder);
}

/**
 * onb_config_check_permissions:
 *
 * Returns: %FALSE, with a warning to show, when the file holds a secret and
 *   other users may read or change it.
 */
gboolean
onb_config_check_permissions (OnbConfig  *self,
                              GError    **error)
{
  gboolean has_secret = FALSE;
  const char *group;
  const char *key;
  GStatBuf st;

  g_return_val_if_fail (ONB_IS_CONFIG (self), FALSE);

  for (guint i = 0; !has_secret && _onb_config_key_at (i, &group, &key); i++)
    {
      g_autofree char *value = onb_config_key_is_secret (group, key) ? onb_config_get_string (self, group, key) : NULL;

      has_secret = value != NULL;
    }

  if (!has_secret || self->path == NULL || g_stat (self->path, &st) != 0 || (st.st_mode & 0077) == 0)
    return TRUE;

  g_set_error (error, ONB_CONFIG_ERROR, ONB_CONFIG_ERROR_READABLE_BY_OTHERS,
               _("The configuration %s holds secrets (API key, client secret, PIN) but other users of this computer may read it (mode %04o). Run: chmod 600 %s"),
               self->path, (guint) (st.st_mode & 07777), self->path);
  return FALSE;
}
