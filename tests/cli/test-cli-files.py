#!/usr/bin/env python3
"""Files the CLI writes for a user (export --csv, missing --csv): only a
regular file is replaced, keeping its owner and mode; a link, pipe, device
or folder is refused with exit 2; "-" is standard output."""

import os
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import CLI, JOIN_EUI, device_list, eui, simtest, write_station_config  # noqa: E402


class FilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = simtest.Sim()
        cls.tmp = tempfile.TemporaryDirectory(prefix="onb-files-")
        cls.data = os.path.join(cls.tmp.name, "data")
        cls.config = os.path.join(cls.tmp.name, "onboarder.conf")
        write_station_config(cls.config, cls.sim, cls.data)
        devices = os.path.join(cls.tmp.name, "devices.csv")
        with open(devices, "w") as f:
            f.write(device_list(range(1, 4)))
        cls.cli(cls, "import", devices)
        cls.cli(cls, "provision", "--timeout", "60", "LW:D0:%s:%s:000AF8BE" % (JOIN_EUI, eui(1)))

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls.tmp.cleanup()

    def cli(self, *args, ok=True):
        r = subprocess.run([CLI, "-c", self.config, *args], capture_output=True, text=True, timeout=120)
        if ok and r.returncode != 0:
            raise AssertionError("%s: exit %d\n%s%s" % (args, r.returncode, r.stdout, r.stderr))
        return r

    def writers(self, path):
        return (("export", "--csv", path), ("missing", "--csv", path))

    def test_refused_targets(self):
        secret = os.path.join(self.tmp.name, "secret")
        with open(secret, "w") as f:
            f.write("keep me\n")
        link = os.path.join(self.tmp.name, "link.csv")
        os.symlink(secret, link)
        fifo = os.path.join(self.tmp.name, "fifo.csv")
        os.mkfifo(fifo)
        folder = os.path.join(self.tmp.name, "folder.csv")
        os.mkdir(folder)
        targets = [(link, stat.S_ISLNK), (fifo, stat.S_ISFIFO), (folder, stat.S_ISDIR)]
        device = os.path.join(self.tmp.name, "full")
        try:
            os.mknod(device, 0o600 | stat.S_IFCHR, os.makedev(1, 7))
            targets.append((device, stat.S_ISCHR))
        except PermissionError:
            # Unprivileged: /dev/null, which this process could not replace anyway.
            targets.append(("/dev/null", stat.S_ISCHR))

        for path, is_kind in targets:
            for argv in self.writers(path):
                with self.subTest(argv=argv):
                    r = self.cli(*argv, ok=False)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn("not a regular file", r.stderr)
                    self.assertTrue(is_kind(os.lstat(path).st_mode))
        with open(secret) as f:
            self.assertEqual(f.read(), "keep me\n")
        self.assertEqual(sorted(n for n in os.listdir(self.tmp.name) if n.startswith(".")), [])

    def test_replaced_keeps_owner_and_mode(self):
        path = os.path.join(self.tmp.name, "kept.csv")
        for argv in self.writers(path):
            with self.subTest(argv=argv):
                with open(path, "w") as f:
                    f.write("old\n")
                os.chmod(path, 0o600)
                owner = 65534 if os.geteuid() == 0 else os.geteuid()
                if os.geteuid() == 0:
                    os.chown(path, owner, owner)
                self.cli(*argv)
                st = os.lstat(path)
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
                self.assertEqual(st.st_uid, owner)
                with open(path) as f:
                    self.assertIn(eui(2) if argv[0] == "missing" else eui(1), f.read())

    def test_standard_output(self):
        r = self.cli("export", "--csv", "-")
        self.assertTrue(r.stdout.startswith("id,"), r.stdout)
        self.assertIn(eui(1), r.stdout)
        r = self.cli("missing", "--csv", "-")
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith("dev_eui,"), r.stdout)
        self.assertEqual([line.split(",")[0] for line in lines[1:]], [eui(2), eui(3)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
