/* onb-error.h: stable reason codes for every GError the product raises
 *
 * Each error domain of Onboarder is backed by a GEnum whose nicks are the
 * stable, machine-readable reasons printed by `--json` (for example
 * "bad-checksum"). Domains register themselves the first time their quark
 * is asked for, so onb_error_get_reason() works for any of them.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

void         onb_error_register_domain (GQuark        domain,
                                        GType         enum_type);
const char  *onb_error_get_reason      (const GError *error);

/* ONB_DEFINE_ERROR_DOMAIN (onb_foo_error, onb_foo_error_get_type) defines
 * onb_foo_error_quark() and registers the domain with its enum. */
#define ONB_DEFINE_ERROR_DOMAIN(name, enum_get_type)                         \
GQuark                                                                        \
name##_quark (void)                                                           \
{                                                                             \
  static gsize quark = 0;                                                     \
                                                                              \
  if (g_once_init_enter (&quark))                                             \
    {                                                                         \
      GQuark domain = g_quark_from_static_string (#name "-quark");     \
      onb_error_register_domain (domain, enum_get_type ());                   \
      g_once_init_leave (&quark, domain);                                     \
    }                                                                         \
                                                                              \
  return (GQuark) quark;                                                      \
}

G_END_DECLS
