/* onb-store.c: where a station keeps its device list and jobs */

#define G_LOG_DOMAIN "onb-store"

#include "config.h"

#include "onb-store.h"

char *
onb_store_get_url (OnbConfig *config)
{
  g_autofree char *url = onb_config_get_string (config, "store", "url");

  return url != NULL && *url != '\0' ? g_steal_pointer (&url) : NULL;
}

char *
onb_store_get_station (OnbConfig *config)
{
  g_autofree char *station = onb_config_get_string (config, "store", "station");

  return station != NULL && *station != '\0' ? g_steal_pointer (&station) : g_strdup (g_get_host_name ());
}

guint
onb_store_get_lease_s (OnbConfig *config)
{
  /* The key's check keeps it within 5 s … 1 h. */
  return (guint) onb_config_get_int (config, "store", "lease_s", ONB_STORE_DEFAULT_LEASE_S);
}
