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

    def run_models(self, extra, *args):
        path = os.path.join(self.tmp.name, "onboarder.conf")
        with open(path, "w") as f:
            f.write(station_config(self.sim).replace("[labels]\n", extra + "[labels]\n", 1))
            f.write(MODELS)
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

    def test_text(self):
        r = self.run_models("")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("000AF8BF  Door sensor", r.stdout)
        self.assertIn("Soil sensor is a US915 device; this station is set up for EU868.", r.stdout)
        self.assertNotIn(simtest.KEY, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
