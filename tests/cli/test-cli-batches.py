#!/usr/bin/env python3
"""onboarder-cli batches and missing, end to end against the simulator:
import two batches, provision part of the first (one box fails), then the
counts, the "still to scan" list and its CSV export."""

import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import APP_KEY, CLI, JOIN_EUI, device_list, eui, simtest, write_station_config  # noqa: E402


class BatchesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = simtest.Sim()
        cls.tmp = tempfile.TemporaryDirectory(prefix="onb-batches-")
        cls.config = os.path.join(cls.tmp.name, "onboarder.conf")
        write_station_config(cls.config, cls.sim, os.path.join(cls.tmp.name, "data"))

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls.tmp.cleanup()

    def cli(self, *args, ok=True):
        r = subprocess.run([CLI, *args, "--config", self.config], capture_output=True, text=True, timeout=120)
        if ok:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def json_lines(self, *args):
        return [json.loads(line) for line in self.cli(*args, "--json").stdout.splitlines()]

    def test_shift(self):
        first = os.path.join(self.tmp.name, "pallet-1.csv")
        second = os.path.join(self.tmp.name, "pallet-2.csv")
        with open(first, "w") as f:
            f.write(device_list(range(1, 6)))
        with open(second, "w") as f:
            f.write(device_list(range(5, 8)))

        # Nothing imported yet: a worded error with its reason.
        r = self.cli("missing", "--json", ok=False)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout)["reason"], "no-batch")

        first_import = json.loads(self.cli("import", "--json", first).stdout)
        self.assertEqual(first_import["batch"], 1)
        self.cli("import", second)

        # Box 3's DevEUI is already taken in another application: it fails.
        status = self.sim.is_create(dev_eui=eui(3), key=simtest.KEY_OTHER_APP, app="other-app")[0]
        self.assertEqual(status, 200)
        codes = ["LW:D0:%s:%s:000AF8BE" % (JOIN_EUI, eui(n)) for n in (1, 2, 3)]
        r = self.cli("provision", "--json", "--timeout", "60", *codes, ok=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)

        batches = self.json_lines("batches")
        self.assertEqual([b["id"] for b in batches], [2, 1])
        newest, older = batches
        self.assertEqual(newest["file"], "pallet-2.csv")
        self.assertEqual((newest["rows"], newest["devices"], newest["done"], newest["to_do"], newest["failed"]),
                         (3, 3, 0, 3, 0))
        # Box 5 was imported again later: it belongs to the second batch.
        self.assertEqual((older["rows"], older["devices"], older["done"], older["to_do"], older["failed"]),
                         (5, 4, 2, 1, 1))

        export = os.path.join(self.tmp.name, "still-to-scan.csv")
        missing = self.json_lines("missing", "--batch", "1", "--csv", export)
        self.assertEqual([m["dev_eui"] for m in missing], [eui(3), eui(4)])
        failed, to_do = missing
        self.assertEqual((failed["state"], failed["device_name"], failed["serial"]),
                         ("failed", "Pallet box 3", "SN-0003"))
        self.assertTrue(failed["reason"])
        self.assertTrue(failed["message"])
        self.assertEqual((to_do["state"], to_do["reason"]), ("to-do", None))

        with open(export, newline="") as f:
            text = f.read()
        self.assertNotIn(APP_KEY, text.upper())
        rows = list(csv.DictReader(text.splitlines()))
        self.assertEqual([(r["dev_eui"], r["serial"], r["state"]) for r in rows],
                         [(eui(3), "SN-0003", "failed"), (eui(4), "SN-0004", "to-do")])
        self.assertEqual(rows[0]["reason"], failed["reason"])

        # The newest batch by default.
        self.assertEqual([m["dev_eui"] for m in self.json_lines("missing")], [eui(5), eui(6), eui(7)])

        r = self.cli("missing", "--batch", "99", "--json", ok=False)
        self.assertEqual(json.loads(r.stdout)["reason"], "unknown-batch")

        text = self.cli("batches").stdout.splitlines()
        self.assertEqual(len(text), 2)
        self.assertIn("pallet-1.csv", text[1])


if __name__ == "__main__":
    unittest.main()
