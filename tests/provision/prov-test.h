/* prov-test.h: shared helpers of the job engine tests */
#pragma once

#include <gio/gio.h>
#include <json.h>

#include "onb-engine.h"
#include "onb-http-request.h" /* json_object autoptr */
#include "onb-test-assert.h"
#include "onb-test-sim.h"

G_BEGIN_DECLS

typedef struct
{
  OnbTestSim *sim;
  char *dir;       /* temporary station directory */
  char *config;    /* its configuration file */
  char *csv;       /* the device list written there */
} ProvStation;

/* A station: configuration pointing at @sim, data_dir inside @dir, the
 * given device list (CSV text) imported. @extra: "group.key=value" lines
 * ("group.key" alone: the key is removed). */
ProvStation  *prov_station_new          (OnbTestSim          *sim,
                                         const char          *csv,
                                         const char * const  *extra);
void          prov_station_free         (ProvStation         *station);
OnbConfig    *prov_station_load_config  (ProvStation         *station);
OnbEngine    *prov_station_engine       (ProvStation         *station);
/* Every job of the station's journal. (element-type OnbJob) */
GPtrArray    *prov_station_jobs         (ProvStation         *station);
/* `onboarder-cli @args` ($ONB_CLI) with stdin from @stdin_path and stdout
 * to @stdout_path (each may be NULL), stderr silenced. */
GSubprocess  *prov_cli_spawn            (const char          *stdin_path,
                                         const char          *stdout_path,
                                         const char * const  *args);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProvStation, prov_station_free)

/* The sample list of data/samples (read from G_TEST_SRCDIR). */
char         *prov_sample_csv           (void);
/* @n devices 0018B200XXXXXXXX (XXXXXXXX from @first on) with fresh keys;
 * with @tokens every second one also has its static token
 * (prov_static_token() of its number). */
char         *prov_generated_csv        (guint                n,
                                         guint                first,
                                         gboolean             tokens);
/* The static token of device number @index, and the simulator configuration
 * (JSON, for onb_test_sim_start()) holding those of @first .. @first + @n - 1. */
char         *prov_static_token         (guint                index);
char         *prov_static_tokens_config (guint                first,
                                         guint                n);
char         *prov_tr005                (const char          *dev_eui);

/* The one wait of these tests: spins the default main context until
 * @condition holds (FALSE after @timeout_s). */
typedef gboolean (*ProvCondition) (gconstpointer data);
gboolean      prov_wait_until           (ProvCondition        condition,
                                         gconstpointer        data,
                                         guint                timeout_s);
/* Conditions: a gboolean became TRUE, a pointer became non-NULL. */
gboolean      prov_flag_set             (gconstpointer        flag);
gboolean      prov_pointer_set          (gconstpointer        pointer);
/* A GAsyncReadyCallback that keeps a reference to the result in the
 * GAsyncResult* at @user_data, so the test calls the _finish() itself: one
 * callback serves every async call. prov_wait_result() waits (asserting
 * it comes within 30 s) and returns it. */
void          prov_store_result         (GObject             *object,
                                         GAsyncResult        *result,
                                         gpointer             user_data);
GAsyncResult *prov_wait_result          (GAsyncResult       **result);
/* Until every job of @jobs is finished and the engine is idle. */
gboolean      prov_wait_jobs            (OnbEngine           *engine,
                                         OnbJob             **jobs,
                                         guint                n_jobs,
                                         guint                timeout_s);

/* Simulator state: how many Blynk devices carry @name, how many TTS
 * records of @device_id exist in component "is"/"js"/"ns"/"as" for @app. */
guint         prov_sim_blynk_count      (json_object         *state,
                                         const char          *name);
json_object  *prov_sim_blynk_device     (json_object         *state,
                                         const char          *name);
const char   *prov_sim_blynk_metafield  (json_object         *device,
                                         const char          *name);
json_object  *prov_sim_tts_record       (json_object         *state,
                                         const char          *component,
                                         const char          *app,
                                         const char          *device_id);
guint         prov_sim_blynk_total      (json_object         *state);
guint         prov_sim_tts_total        (json_object         *state,
                                         const char          *component);
const char   *prov_json_path            (json_object         *object,
                                         const char          *path);

G_END_DECLS
