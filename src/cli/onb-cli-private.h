/* onb-cli-private.h: commands and shared helpers of onboarder-cli */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>

#include "onb-config.h"
#include "onb-engine.h"
#include "onb-registry.h"

G_BEGIN_DECLS

/* Exit codes, the same in every command (README, onboarder-cli(1)). */
typedef enum
{
  ONB_CLI_EXIT_OK = 0,     /* everything done, accepted or passed */
  ONB_CLI_EXIT_FAILED = 1, /* the work failed: a code, row, job or check was refused or failed, a
                            * cloud failed, the disk is full, the data folder is read-only */
  ONB_CLI_EXIT_USAGE = 2,  /* a wrong command line or configuration */
} OnbCliExit;

typedef gboolean (*OnbCliLineFunc) (const char *line,
                                    gsize       length,
                                    gpointer    user_data);

void        onb_cli_add_config_option (GOptionContext *context,
                                       char          **config_path);
gboolean    onb_cli_parse_options   (GOptionContext   *context,
                                     int              *argc,
                                     char           ***argv);
gboolean    onb_cli_check_codes_or_stdin (int            argc,
                                          gboolean       use_stdin);
OnbConfig  *onb_cli_load_config     (const char       *path,
                                     gboolean          required,
                                     GError          **error);
void        onb_cli_print_json      (json_object      *object);
void        onb_cli_print_error     (gboolean          json,
                                     const GError     *error);
int         onb_cli_fail            (gboolean          json,
                                     const GError     *error);
gboolean    onb_cli_is_station_fault (const GError    *error);
/* Seconds since 1970 as ISO 8601 UTC (@utc, for --json), else local
 * "YYYY-MM-DD HH:MM". (transfer full) */
char       *onb_cli_format_time     (gint64            unix_time,
                                     gboolean          utc);
void        onb_cli_json_add_string (json_object      *object,
                                     const char       *key,
                                     const char       *value);
gboolean    onb_cli_read_lines      (GInputStream     *stream,
                                     OnbCliLineFunc    func,
                                     gpointer          user_data,
                                     GError          **error);

/* The registry, a batch and the journal's device states (batches, missing). */
gboolean    onb_cli_open_batches    (OnbConfig        *config,
                                     const char       *station,
                                     gint64            batch_id,
                                     OnbRegistry     **registry,
                                     OnbBatch        **batch,
                                     GPtrArray       **devices,
                                     OnbDeviceStates **states,
                                     GError          **error);

int         onb_cli_check           (int               argc,
                                     char            **argv);
int         onb_cli_parse           (int               argc,
                                     char            **argv);

/* Options of every command that runs the job engine. */
typedef struct
{
  char  *config_path;
  int    max_jobs;
  double timeout_s;  /* 0: none */
  int    retry_min_ms;
  int    retry_max_ms;
} OnbCliEngineOptions;

void         onb_cli_add_engine_options     (GOptionContext      *context,
                                             OnbCliEngineOptions *options);
gboolean     onb_cli_check_timeout          (double               timeout_s);
void         onb_cli_engine_options_clear   (OnbCliEngineOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OnbCliEngineOptions, onb_cli_engine_options_clear)
OnbEngine   *onb_cli_engine_start           (OnbConfig                 *config,
                                             const OnbCliEngineOptions *options,
                                             GError                   **error);
/* FALSE when @timeout_s (0: none) ran out first. */
gboolean     onb_cli_engine_wait            (OnbEngine           *engine,
                                             GPtrArray           *jobs,
                                             double               timeout_s);
void         onb_cli_engine_wait_journaled  (OnbEngine           *engine,
                                             GPtrArray           *jobs);
json_object *onb_cli_job_to_json            (OnbJob              *job);
void         onb_cli_print_job              (OnbJob              *job,
                                             gboolean             json);
int          onb_cli_jobs_exit_status       (GPtrArray           *jobs);

int          onb_cli_import                 (int                  argc,
                                             char               **argv);
int          onb_cli_provision              (int                  argc,
                                             char               **argv);
int          onb_cli_replace                (int                  argc,
                                             char               **argv);
int          onb_cli_jobs                   (int                  argc,
                                             char               **argv);
int          onb_cli_retry                  (int                  argc,
                                             char               **argv);
int          onb_cli_export                 (int                  argc,
                                             char               **argv);
int         onb_cli_scan            (int               argc,
                                     char            **argv);
int         onb_cli_batches         (int               argc,
                                     char            **argv);
int         onb_cli_missing         (int               argc,
                                     char            **argv);
int         onb_cli_stations        (int               argc,
                                     char            **argv);
int         onb_cli_store           (int               argc,
                                     char            **argv);
int         onb_cli_models          (int               argc,
                                     char            **argv);

G_END_DECLS
