/* onb-cloud-error.c: why a request to Blynk or The Things Stack failed */

#define G_LOG_DOMAIN "onb-cloud"

#include "config.h"

#include "onb-cloud-enums.h"
#include "onb-cloud-error.h"
#include "onb-error.h"

typedef struct
{
  guint   http_status;
  gint64  retry_after;
  char   *server_namespace;
  char   *server_name;
  char   *server_message;
} OnbCloudErrorPrivate;

static void
onb_cloud_error_ext_private_init (OnbCloudErrorPrivate *priv)
{
  priv->retry_after = -1;
}

static void
onb_cloud_error_ext_private_copy (const OnbCloudErrorPrivate *src,
                                  OnbCloudErrorPrivate       *dest)
{
  dest->http_status = src->http_status;
  dest->retry_after = src->retry_after;
  dest->server_namespace = g_strdup (src->server_namespace);
  dest->server_name = g_strdup (src->server_name);
  dest->server_message = g_strdup (src->server_message);
}

static void
onb_cloud_error_ext_private_clear (OnbCloudErrorPrivate *priv)
{
  g_clear_pointer (&priv->server_namespace, g_free);
  g_clear_pointer (&priv->server_name, g_free);
  g_clear_pointer (&priv->server_message, g_free);
}

/* A GLib extended error, so the HTTP status and the server's error travel
 * with every copy of the GError. G_DEFINE_EXTENDED_ERROR writes its own
 * quark function, hence the "_ext" name and the public quark below that
 * also registers the domain with onb-error (instead of
 * ONB_DEFINE_ERROR_DOMAIN) so onb_error_get_reason() gives the nick. */
GQuark onb_cloud_error_ext_quark (void);
/* GLib's macro casts a byte pointer to the private struct, which it
 * allocated aligned; clang's -Wcast-align cannot know that. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-align"
G_DEFINE_EXTENDED_ERROR (OnbCloudError, onb_cloud_error_ext)
#pragma GCC diagnostic pop

GQuark
onb_cloud_error_quark (void)
{
  static gsize registered = 0;
  GQuark domain = onb_cloud_error_ext_quark ();

  if (g_once_init_enter (&registered))
    {
      onb_error_register_domain (domain, ONB_TYPE_CLOUD_ERROR);
      g_once_init_leave (&registered, 1);
    }

  return domain;
}

GError *
onb_cloud_error_new_full (OnbCloudError  code,
                          guint          http_status,
                          const char    *server_namespace,
                          const char    *server_name,
                          const char    *server_message,
                          gint64         retry_after_seconds,
                          const char    *message)
{
  GError *error = g_error_new_literal (ONB_CLOUD_ERROR, code, message);
  OnbCloudErrorPrivate *priv = onb_cloud_error_ext_get_private (error);

  priv->http_status = http_status;
  priv->retry_after = retry_after_seconds;
  priv->server_namespace = g_strdup (server_namespace);
  priv->server_name = g_strdup (server_name);
  priv->server_message = g_strdup (server_message);

  return error;
}

static const OnbCloudErrorPrivate *
get_private (const GError *error)
{
  if (error == NULL || error->domain != ONB_CLOUD_ERROR)
    return NULL;

  return onb_cloud_error_ext_get_private (error);
}

gboolean
onb_cloud_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != ONB_CLOUD_ERROR)
    return FALSE;

  switch ((OnbCloudError) error->code)
    {
    case ONB_CLOUD_ERROR_NETWORK_DOWN:
    case ONB_CLOUD_ERROR_CONNECTION_REFUSED:
    case ONB_CLOUD_ERROR_CONNECTION_RESET:
    case ONB_CLOUD_ERROR_TIMEOUT:
    /* A captive portal or a clock not yet set after boot breaks TLS for a
     * while; the device data is fine, so keep the job. */
    case ONB_CLOUD_ERROR_TLS:
    case ONB_CLOUD_ERROR_SERVER_ERROR:
    case ONB_CLOUD_ERROR_RATE_LIMITED:
      return TRUE;

    case ONB_CLOUD_ERROR_UNAUTHORIZED:
    case ONB_CLOUD_ERROR_FORBIDDEN:
    case ONB_CLOUD_ERROR_NOT_FOUND:
    case ONB_CLOUD_ERROR_ALREADY_EXISTS:
    case ONB_CLOUD_ERROR_EUIS_TAKEN:
    case ONB_CLOUD_ERROR_ID_TAKEN:
    case ONB_CLOUD_ERROR_CONFLICT:
    case ONB_CLOUD_ERROR_FIELD_MASK:
    case ONB_CLOUD_ERROR_BAND_VERSION:
    case ONB_CLOUD_ERROR_FREQUENCY_PLAN:
    case ONB_CLOUD_ERROR_INVALID_REQUEST:
    case ONB_CLOUD_ERROR_HTTP:
    case ONB_CLOUD_ERROR_TOO_MANY_REDIRECTS:
    case ONB_CLOUD_ERROR_BAD_RESPONSE:
    case ONB_CLOUD_ERROR_INSECURE_URL:
    case ONB_CLOUD_ERROR_INVALID_URL:
    case ONB_CLOUD_ERROR_NOT_CONFIGURED:
    default:
      return FALSE;
    }
}

gint64
onb_cloud_error_get_retry_after (const GError *error)
{
  const OnbCloudErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->retry_after : -1;
}

guint
onb_cloud_error_get_http_status (const GError *error)
{
  const OnbCloudErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->http_status : 0;
}

const char *
onb_cloud_error_get_server_namespace (const GError *error)
{
  const OnbCloudErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->server_namespace : NULL;
}

const char *
onb_cloud_error_get_server_name (const GError *error)
{
  const OnbCloudErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->server_name : NULL;
}

const char *
onb_cloud_error_get_server_message (const GError *error)
{
  const OnbCloudErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->server_message : NULL;
}
