/* onb-cli-private.h: commands and shared helpers of onboarder-cli */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>

#include "onb-config.h"

G_BEGIN_DECLS

/* Exit codes shared by every command. */
typedef enum
{
  ONB_CLI_EXIT_OK = 0,       /* everything accepted / done */
  ONB_CLI_EXIT_REJECTED = 1, /* at least one item rejected or failed */
  ONB_CLI_EXIT_USAGE = 2,    /* bad command line */
} OnbCliExit;

typedef gboolean (*OnbCliLineFunc) (const char *line,
                                    gsize       length,
                                    gpointer    user_data);

int         onb_cli_parse_options   (GOptionContext   *context,
                                     int              *argc,
                                     char           ***argv);
OnbConfig  *onb_cli_load_config     (const char       *path,
                                     gboolean          required,
                                     GError          **error);
void        onb_cli_print_json      (json_object      *object);
void        onb_cli_print_error     (gboolean          json,
                                     const GError     *error);
void        onb_cli_json_add_string (json_object      *object,
                                     const char       *key,
                                     const char       *value);
gboolean    onb_cli_read_lines      (GInputStream     *stream,
                                     OnbCliLineFunc    func,
                                     gpointer          user_data,
                                     GError          **error);

int         onb_cli_check           (int               argc,
                                     char            **argv);
int         onb_cli_parse           (int               argc,
                                     char            **argv);
int         onb_cli_scan            (int               argc,
                                     char            **argv);

G_END_DECLS
