/* onb-error.c: stable reason codes for every GError the product raises */

#define G_LOG_DOMAIN "onb-error"

#include "config.h"

#include <gio/gio.h>

#include "onb-error.h"

static GMutex domains_lock;
static GHashTable *domains; /* GQuark → GEnumClass* */

void
onb_error_register_domain (GQuark domain,
                           GType  enum_type)
{
  g_mutex_lock (&domains_lock);
  if (domains == NULL)
    domains = g_hash_table_new (NULL, NULL);
  /* Enum classes are never freed: they live as long as the type system. */
  g_hash_table_insert (domains, GUINT_TO_POINTER (domain), g_type_class_ref (enum_type));
  g_mutex_unlock (&domains_lock);
}

/**
 * onb_error_get_reason:
 * @error: a #GError
 *
 * Returns: (transfer none): the stable reason of @error, such as
 *   "bad-checksum"; the enum nick for GIO errors and "internal-error" for
 *   anything else, so callers always get a string.
 */
const char *
onb_error_get_reason (const GError *error)
{
  GEnumClass *klass = NULL;
  GEnumValue *value;

  g_return_val_if_fail (error != NULL, "internal-error");

  g_mutex_lock (&domains_lock);
  if (domains != NULL)
    klass = g_hash_table_lookup (domains, GUINT_TO_POINTER (error->domain));
  g_mutex_unlock (&domains_lock);

  if (klass == NULL && error->domain == G_IO_ERROR)
    {
      onb_error_register_domain (G_IO_ERROR, G_TYPE_IO_ERROR_ENUM);
      return onb_error_get_reason (error);
    }

  if (klass == NULL || (value = g_enum_get_value (klass, error->code)) == NULL)
    return "internal-error";

  return value->value_nick;
}
