/* onb-test-sim.h: start the Blynk/TTS simulator around a test
 *
 * onb_test_sim_start() spawns `python3 $ONB_SIMULATOR --port 0 ...` on
 * loopback, waits until it listens and stops it (SIGTERM) in
 * onb_test_sim_stop(). The admin helpers talk to the simulator's admin port,
 * which stays up while the simulated network is down. See
 * simulator/README.md for the state, fault and settings JSON formats.
 */
#pragma once

#include <gio/gio.h>
#include <json.h>

G_BEGIN_DECLS

/* The built-in default configuration's credentials (simulator/default-config.json). */
#define ONB_TEST_SIM_TTS_APP_ID             "warehouse-sensors"
#define ONB_TEST_SIM_TTS_OTHER_APP_ID       "other-app"
/* All device rights, keys included. */
#define ONB_TEST_SIM_TTS_API_KEY            "NNSXS.SIMFULLRIGHTSKEY00000000.SIMULATORSECRETFULLRIGHTS0000000000000000000000000001"
/* Devices read/write, but not RIGHT_APPLICATION_DEVICES_WRITE_KEYS / _READ_KEYS. */
#define ONB_TEST_SIM_TTS_API_KEY_NO_KEYS    "NNSXS.SIMNOKEYSRIGHTSKEY000000.SIMULATORSECRETNOKEYSRIGHTS00000000000000000000000002"
#define ONB_TEST_SIM_TTS_API_KEY_READ_ONLY  "NNSXS.SIMREADONLYKEY0000000000.SIMULATORSECRETREADONLY00000000000000000000000000003"
/* All device rights, but for ONB_TEST_SIM_TTS_OTHER_APP_ID. */
#define ONB_TEST_SIM_TTS_API_KEY_OTHER_APP  "NNSXS.SIMOTHERAPPKEY0000000000.SIMULATORSECRETOTHERAPP00000000000000000000000000004"
#define ONB_TEST_SIM_TTS_FREQUENCY_PLAN     "EU_863_870_TTN"
#define ONB_TEST_SIM_TTS_LORAWAN_VERSION    "MAC_V1_0_3"
#define ONB_TEST_SIM_TTS_PHY_VERSION        "PHY_V1_0_3_REV_A"

#define ONB_TEST_SIM_BLYNK_CLIENT_ID        "oa2-client-id_SimulatorKiosk"
#define ONB_TEST_SIM_BLYNK_CLIENT_SECRET    "SimulatorClientSecret0000000001"
#define ONB_TEST_SIM_BLYNK_ORG_ID           4711
#define ONB_TEST_SIM_BLYNK_OWNER_ID         12345
#define ONB_TEST_SIM_BLYNK_TEMPLATE_ID      "TMPL4pXgRt1Kz"
#define ONB_TEST_SIM_BLYNK_TEMPLATE_NUMBER  101
#define ONB_TEST_SIM_PROFILE_ID             "000AF8BE"

typedef struct _OnbTestSim OnbTestSim;

/* extra_config_json: NULL or a JSON object deep-merged over the default
 * configuration, e.g. "{\"blynk\":{\"token_lifetime_s\":1}}" or
 * "{\"faults\":{\"seed\":7,\"endpoints\":{\"tts.js\":{\"p_503\":0.5}}}}". */
OnbTestSim  *onb_test_sim_start                (const char   *extra_config_json,
                                                GError      **error);
/* Like onb_test_sim_start(), with extra command-line flags (NULL-terminated). */
OnbTestSim  *onb_test_sim_start_with_args      (const char   *extra_config_json,
                                                const char * const *extra_args,
                                                GError      **error);
/* SIGTERM, wait for the exit, remove the temporary files, free. NULL is fine. */
void         onb_test_sim_stop                 (OnbTestSim   *sim);

/* http://127.0.0.1:PORT: every TTS component and Blynk share it. */
const char  *onb_test_sim_get_url              (OnbTestSim   *sim);
guint16      onb_test_sim_get_port             (OnbTestSim   *sim);
/* A "wrong region" host: answers 308 with Location on the main URL. */
const char  *onb_test_sim_get_redirect_url     (OnbTestSim   *sim);
const char  *onb_test_sim_get_admin_url        (OnbTestSim   *sim);

/* Any admin call: returns the body (JSON text); status gets the HTTP status.
 * body_json may be NULL. */
char        *onb_test_sim_admin                (OnbTestSim   *sim,
                                                const char   *method,
                                                const char   *path,
                                                const char   *body_json,
                                                guint        *status,
                                                GError      **error);
/* Forget every record, token, count and log entry; faults, settings and
 * the network switch go back to what they were at start. */
gboolean     onb_test_sim_reset                (OnbTestSim   *sim,
                                                GError      **error);
/* GET /_admin/state, parsed; free with json_object_put(). */
json_object *onb_test_sim_get_state            (OnbTestSim   *sim,
                                                GError      **error);
/* The same, for a test that cannot go on without it: aborts on an error. */
json_object *onb_test_sim_expect_state         (OnbTestSim   *sim);
/* The request log: an array of {seq, listener, method, path, endpoint,
 * start_ms, end_ms, status, fault, delay_ms}; free with json_object_put(). */
json_object *onb_test_sim_get_request_log      (OnbTestSim   *sim,
                                                GError      **error);
/* Requests seen for an endpoint name such as "tts.js.set" (-1 on error). */
int          onb_test_sim_get_count            (OnbTestSim   *sim,
                                                const char   *endpoint);
/* Replaces the fault specification (see README), e.g.
 * "{\"seed\":1,\"script\":{\"tts.is.create\":[\"503\",\"ok\"]}}". */
gboolean     onb_test_sim_set_faults           (OnbTestSim   *sim,
                                                const char   *faults_json,
                                                GError      **error);
/* Down: the API and redirect ports refuse connections, open ones are reset. */
gboolean     onb_test_sim_set_network_down     (OnbTestSim   *sim,
                                                gboolean      down,
                                                GError      **error);
/* {"blynk": {"token_lifetime_s": N, "rate_limit_per_minute": N}} */
gboolean     onb_test_sim_set_settings         (OnbTestSim   *sim,
                                                const char   *settings_json,
                                                GError      **error);
/* Every Blynk access token issued so far becomes expired. */
gboolean     onb_test_sim_expire_blynk_tokens  (OnbTestSim   *sim,
                                                GError      **error);

/* An Onboarder configuration (docs/design.md, Configuration) pointing every server at the
 * simulator with the default fixture credentials. */
GKeyFile    *onb_test_sim_new_key_file         (OnbTestSim   *sim);
/* Writes it (mode 0600) to path, or to the fixture's temporary directory
 * when path is NULL; returns the path written. */
char        *onb_test_sim_write_config         (OnbTestSim   *sim,
                                                const char   *path,
                                                GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnbTestSim, onb_test_sim_stop)

G_END_DECLS

/* More of the default configuration: the templates connected to the TTS
 * integration (simulator/README.md, "Blynk's The Things Stack integration")
 * and the Device Repository's profiles, as labels print their Profile IDs. */
#define ONB_TEST_SIM_BLYNK_TEMPLATE_APPKEY          "TMPLq7RnAmEd2"
#define ONB_TEST_SIM_BLYNK_TEMPLATE_APPKEY_NUMBER   103
#define ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C         "TMPLx5DoorC2k"
#define ONB_TEST_SIM_BLYNK_TEMPLATE_CLASS_C_NUMBER  104
/* EU868, MAC_V1_0_3 / RP001_V1_0_3_REV_A, class A: ONB_TEST_SIM_PROFILE_ID. */
/* EU868, MAC_V1_0_4 / RP002_V1_0_1, class C. */
#define ONB_TEST_SIM_PROFILE_ID_CLASS_C             "000AF8BF"
/* US915 (band US_902_928), MAC_V1_0_2 / RP001_V1_0_2_REV_B. */
#define ONB_TEST_SIM_PROFILE_ID_US915               "000A1234"
/* Known, but the answer names no band. */
#define ONB_TEST_SIM_PROFILE_ID_NO_BAND             "000AFFFF"
/* Unknown to the repository: 404 end_device_profile_not_found. */
#define ONB_TEST_SIM_PROFILE_ID_UNKNOWN             "000A0001"

/* The Device Claiming Server's external Join Server (simulator/README.md,
 * "Device Claiming Server"): devices DEV_EUI_FIRST upwards (32 of them)
 * with JoinEUI CLAIM_JOIN_EUI and owner token "OT" + DevEUI. */
#define ONB_TEST_SIM_CLAIM_JOIN_EUI                 "EC656E0000000101"
#define ONB_TEST_SIM_CLAIM_DEV_EUI_FIRST            "0018B2000000C101"
#define ONB_TEST_SIM_CLAIM_DEVICE_COUNT             32
#define ONB_TEST_SIM_CLAIM_OWNER_TOKEN_PREFIX       "OT"
#define ONB_TEST_SIM_CLAIM_HOME_NET_ID              "000013"
/* Claimed by another network: every claim is device_access_denied. */
#define ONB_TEST_SIM_CLAIM_DEV_EUI_ELSEWHERE        "0018B2000000C1FF"
#define ONB_TEST_SIM_CLAIM_OWNER_TOKEN_ELSEWHERE    "OTCLAIMEDELSEWHERE"
