#!/usr/bin/env python3
"""onboarder-cli models against the simulator's Device Repository: each
model with what the repository answered and what its devices get, or why
its boxes are refused, asked once per model."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import CLI, simtest, station_config  # noqa: E402

MODELS = """[model 000AF8BF]
name=Door sensor
blynk_template=TMPLx5DoorC2k
[model 000A1234]
name=Soil sensor
[model 000AFFFF]
name=Old tracker
[model 000A0001]
name=Mystery
"""


class ModelsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = simtest.Sim()
        cls.tmp = tempfile.TemporaryDirectory(prefix="onb-models-")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls.tmp.cleanup()

    def setUp(self):
        self.sim.reset()

    def run_models(self, extra, *args, blynk=False, more=""):
        path = os.path.join(self.tmp.name, "onboarder.conf")
        text = station_config(self.sim)
        if blynk:
            # Blynk's integration makes the devices; the station names no
            # frequency plan nor versions anywhere.
            text = "".join(line for line in text.splitlines(keepends=True)
                           if not line.startswith(("frequency_plan=", "lorawan_version=", "phy_version=")))
            extra = "created_by=blynk\n" + extra
        with open(path, "w") as f:
            f.write(text.replace("[labels]\n", extra + "[labels]\n", 1))
            f.write(MODELS + more)
            # A device list of its own per test: the answers it keeps count.
            f.write("[kiosk]\ndata_dir=%s\n" % os.path.join(self.tmp.name, self._testMethodName))
        os.chmod(path, 0o600)
        return subprocess.run([CLI, "models", "--config", path, *args], capture_output=True, text=True, timeout=60)

    def test_json(self):
        r = self.run_models("", "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        models = {m["profile_id"]: m for m in map(json.loads, r.stdout.splitlines())}
        self.assertEqual(list(models), ["000AF8BF", "000A1234", "000AFFFF", "000A0001", "000AF8BE"])

        door = models["000AF8BF"]
        self.assertTrue(door["ok"])
        self.assertEqual(door["blynk_template"], "TMPLx5DoorC2k")
        self.assertEqual(door["repository"]["band_id"], "EU_863_870")
        self.assertEqual((door["frequency_plan"], door["lorawan_version"], door["phy_version"], door["class_c"]),
                         ("EU_863_870_TTN", "MAC_V1_0_4", "RP002_V1_0_1", True))

        soil = models["000A1234"]
        self.assertFalse(soil["ok"])
        self.assertEqual(soil["reason"], "model-wrong-band")
        self.assertEqual(soil["message"], "Soil sensor is a US915 device; this station is set up for EU868. "
                                          "Set the box aside.")
        self.assertEqual(models["000AFFFF"]["reason"], "model-no-band")
        self.assertEqual(models["000A0001"]["reason"], "model-unknown")
        self.assertEqual(models["000A0001"]["repository_reason"], "not-found")
        self.assertTrue(models["000AF8BE"]["ok"])
        self.assertFalse(models["000AF8BE"]["section"])
        self.assertEqual(self.sim.state()["counts"]["tts.dr.template"], 5)

        # Kept in the registry: the next run asks only for the unknown one.
        r = self.run_models("", "--json")
        again = {m["profile_id"]: m for m in map(json.loads, r.stdout.splitlines())}
        self.assertEqual(again["000AF8BF"], door)
        self.assertEqual(self.sim.state()["counts"]["tts.dr.template"], 6)

    def test_plans_by_band(self):
        # A US plan too: the soil sensor gets it; the old tracker names its own.
        r = self.run_models("frequency_plans=EU_863_870_TTN, US_902_928_FSB_2\n", "--json")
        models = {m["profile_id"]: m for m in map(json.loads, r.stdout.splitlines())}
        self.assertEqual(models["000A1234"]["frequency_plan"], "US_902_928_FSB_2")
        self.assertEqual(models["000A1234"]["lorawan_version"], "MAC_V1_0_2")
        self.assertEqual(models["000AF8BF"]["frequency_plan"], "EU_863_870_TTN")

    def test_blynk_models_only(self):
        # New boxes get only what their section names: every model can be
        # onboarded, also those the repository does not know; what a
        # replace would need is a note.
        r = self.run_models("", "--json", blynk=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        models = {m["profile_id"]: m for m in map(json.loads, r.stdout.splitlines())}
        self.assertEqual(list(models), ["000AF8BF", "000A1234", "000AFFFF", "000A0001", "000AF8BE"])
        for model in models.values():
            self.assertTrue(model["ok"], model)
            self.assertTrue(model["named_only"], model)
            self.assertNotIn("reason", model)
            self.assertEqual((model["frequency_plan"], model["lorawan_version"], model["phy_version"]),
                             (None, None, None))
        mystery = models["000A0001"]
        self.assertEqual(mystery["repository_reason"], "not-found")
        self.assertFalse(mystery["replace_ok"])
        self.assertEqual(mystery["replace_reason"], "model-unknown")
        self.assertNotIn("class_c", mystery)

        r = self.run_models("", blynk=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("no LoRaWAN settings of its own (only what its settings name; Blynk's integration sets the rest)",
                      r.stdout)
        self.assertIn("A replace makes its new TTS device itself, with full settings, and would be refused: "
                      "Mystery (Profile ID 000A0001) is not in The Things Stack's Device Repository", r.stdout)
        self.assertNotIn("REFUSED", r.stdout)

    def test_blynk_named(self):
        # What a section names is what a new box is held to.
        r = self.run_models("", "--json", blynk=True,
                            more="[model 000A0002]\nname=Valve\nlorawan_version=MAC_V1_0_3\n"
                                 "phy_version=PHY_V1_0_3_REV_A\nclass_c=true\n")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        valve = {m["profile_id"]: m for m in map(json.loads, r.stdout.splitlines())}["000A0002"]
        self.assertEqual((valve["lorawan_version"], valve["phy_version"], valve["class_c"]),
                         ("MAC_V1_0_3", "PHY_V1_0_3_REV_A", True))
        self.assertNotIn("class_b", valve)

    def test_text(self):
        r = self.run_models("")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("000AF8BF  Door sensor", r.stdout)
        self.assertIn("Soil sensor is a US915 device; this station is set up for EU868.", r.stdout)
        self.assertNotIn(simtest.KEY, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
