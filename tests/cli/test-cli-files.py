#!/usr/bin/env python3
"""Files the CLI writes for a user (export --csv, missing --csv): only a
regular file is replaced, keeping its owner and mode; a link, pipe, device
or folder is refused with exit 2; "-" is standard output. And reading
(batches, missing, jobs, export) works on a read-only data folder and on a
full disk: a copy of the station's data on a read-only or full tmpfs when
root may mount, in a folder of mode 0555 when not root."""

import contextlib
import os
import shutil
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

    @contextlib.contextmanager
    def data_copy(self, kind):
        """A configuration whose data folder is a copy of the station's,
        made read-only ("read-only") or full ("full")."""
        folder = os.path.join(self.tmp.name, kind)
        os.mkdir(folder)
        mounted = False
        if os.geteuid() == 0:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", folder],
                               capture_output=True, text=True)
            mounted = r.returncode == 0
            if not mounted:
                os.rmdir(folder)
                self.skipTest("root, but mounting a tmpfs failed (%s): root ignores modes, so a read-only or "
                              "full folder cannot be made here" % r.stderr.strip())
        elif kind == "full":
            os.rmdir(folder)
            self.skipTest("a full disk needs a small tmpfs, which only root may mount")
        try:
            for name in os.listdir(self.data):
                shutil.copy(os.path.join(self.data, name), folder)
            if kind == "full":
                # Full but for 128 kB: the databases open, nothing fits.
                fd = os.open(os.path.join(folder, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
                try:
                    while os.write(fd, b"\0" * 4096) > 0:
                        pass
                except OSError:
                    os.ftruncate(fd, max(0, os.fstat(fd).st_size - 128 * 1024))
                finally:
                    os.close(fd)
            elif mounted:
                subprocess.run(["mount", "-o", "remount,ro", folder], check=True)
            else:
                os.chmod(folder, 0o555)
            config = os.path.join(self.tmp.name, kind + ".conf")
            write_station_config(config, self.sim, folder)
            yield config
        finally:
            if mounted:
                subprocess.run(["umount", folder], check=True)
            else:
                os.chmod(folder, 0o700)
                shutil.rmtree(folder)
            os.rmdir(folder) if os.path.isdir(folder) else None

    def assert_reading_works(self, config):
        def cli(*args):
            r = subprocess.run([CLI, *args, "-c", config], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, "%s: %s%s" % (args, r.stdout, r.stderr))
            return r.stdout

        self.assertIn("done 1, to do 2, failed 0", cli("batches"))
        self.assertEqual([line.split()[0] for line in cli("missing").splitlines()], [eui(2), eui(3)])
        self.assertIn(eui(1), cli("jobs", "--state", "done"))
        self.assertIn(eui(1), cli("export", "--csv", "-"))
        exported = os.path.join(self.tmp.name, "exported.csv")
        cli("export", "--csv", exported)
        with open(exported) as f:
            self.assertIn(eui(1), f.read())

    def assert_provision_refused(self, config, reason):
        """provision sends nothing, exits 1 and says why once."""
        def counts():
            state = self.sim.state()["counts"]
            return state.get("tts.is.create", 0), state.get("blynk.device_create", 0)

        before = counts()
        r = subprocess.run([CLI, "provision", "--json", "-c", config, "--timeout", "30"] +
                           ["LW:D0:%s:%s:000AF8BE" % (JOIN_EUI, eui(n)) for n in (2, 3)],
                           capture_output=True, text=True, timeout=60)

        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn('"reason":"%s"' % reason, r.stdout.replace(" ", ""))
        self.assertIn("nothing was sent", r.stdout)
        # One message, whether the engine could not start or refused the
        # first code (then the rest is not sent either).
        self.assertEqual(len(r.stdout.splitlines()), 1, r.stdout + r.stderr)
        if '"state":"rejected"' in r.stdout.replace(" ", ""):
            self.assertEqual(r.stderr.strip(), "The codes after it were not sent either.")
        self.assertEqual(counts(), before)

    def test_read_only_data_folder(self):
        with self.data_copy("read-only") as config:
            self.assert_reading_works(config)
            self.assert_provision_refused(config, "data-read-only")

    def test_full_disk(self):
        with self.data_copy("full") as config:
            self.assert_reading_works(config)
            self.assert_provision_refused(config, "disk-full")

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
