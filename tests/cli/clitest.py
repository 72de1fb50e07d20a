"""What the Python CLI tests share: a station's configuration pointing at
the simulator, and a device list."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ["G_TEST_SRCDIR"], "simulator"))
import simtest  # noqa: E402

CLI = os.environ["ONBOARDER_CLI"]
JOIN_EUI = "70B3D57ED0000010"
APP_KEY = "2B7E151628AED2A6ABF7158809CF4F3C"


def eui(n):
    return "0018B2000014%04X" % n


def device_list(numbers):
    rows = ["Device EUI,Join EUI,Application Key,Device Name,Serial Number"]
    rows += ["%s,%s,%s,Pallet box %d,SN-%04d" % (eui(n), JOIN_EUI, APP_KEY, n, n) for n in numbers]
    return "\n".join(rows) + "\n"


def station_config(sim):
    """The text of a configuration for @sim, without [kiosk] data_dir."""
    url = "http://127.0.0.1:%d" % sim.port
    text = ("[blynk]\nserver=%s\nclient_id=%s\nclient_secret=%s\ntemplate_id=%s\nowner_id=%d\n"
            % (url, simtest.CLIENT_ID, simtest.CLIENT_SECRET, simtest.TEMPLATE, simtest.OWNER))
    text += "[tts]\n"
    for server in ("identity_server", "join_server", "network_server", "application_server"):
        text += "%s=%s\n" % (server, url)
    text += ("application_id=%s\napi_key=%s\nfrequency_plan=EU_863_870_TTN\n"
             "lorawan_version=MAC_V1_0_3\nphy_version=PHY_V1_0_3_REV_A\n" % (simtest.APP, simtest.KEY))
    return text + "[labels]\nprofile_ids=000AF8BE\n"


def write_station_config(path, sim, data_dir):
    with open(path, "w") as f:
        f.write(station_config(sim))
        f.write("[kiosk]\npin=1234\ndata_dir=%s\n" % data_dir)
    os.chmod(path, 0o600)
