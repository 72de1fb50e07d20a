#!/usr/bin/env python3
"""What every onboarder-cli command shares: -c/--config before or after the
command, --help listing every option, and the exit codes (2 only for a wrong
command line or configuration)."""

import os
import subprocess
import tempfile
import unittest

CLI = os.environ["ONBOARDER_CLI"]

# Each command with the arguments that get it as far as loading the configuration.
COMMANDS = {
    "parse": ["0018B20000000101"],
    "import": ["devices.csv"],
    "provision": ["0018B20000000101"],
    "replace": ["0018B20000000101", "0018B20000000102"],
    "batches": [],
    "missing": [],
    "jobs": [],
    "retry": [],
    "export": ["--csv", "-"],
    "check": [],
    "scan": ["label.png"],
}
ENGINE_COMMANDS = ("provision", "replace", "retry")


def run(*args, env=None):
    full_env = dict(os.environ, ONBOARDER_CONFIG="/nonexistent/onboarder.conf")
    full_env.update(env or {})
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60, env=full_env)


class OptionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="onb-options-")
        cls.bad = os.path.join(cls.tmp.name, "bad.conf")
        with open(cls.bad, "w") as f:
            f.write("[kiosk]\nmax_jobs=many\ndata_dir=%s\n" % os.path.join(cls.tmp.name, "data"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_help_lists_every_option(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                r = run(command, "--help")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("-c, --config=FILE", r.stdout)
                self.assertNotIn("--help-engine", r.stdout)
                if command in ENGINE_COMMANDS:
                    self.assertIn("--timeout=SECONDS", r.stdout)
                    self.assertIn("--max-jobs=N", r.stdout)

    def test_bad_configuration_is_2_everywhere(self):
        forms = (lambda c, a: ["-c", self.bad, c, *a],
                 lambda c, a: ["--config=" + self.bad, c, *a],
                 lambda c, a: [c, *a, "--config", self.bad],
                 lambda c, a: [c, "-c", self.bad, *a])
        for command, args in COMMANDS.items():
            for form in forms:
                argv = form(command, args)
                with self.subTest(argv=argv):
                    r = run(*argv)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn("[kiosk] max_jobs must be a whole number", r.stdout + r.stderr)

    def test_configuration_never_echoed(self):
        # A link to a file like /etc/shadow, through --config and ONBOARDER_CONFIG.
        secret = "root:$6$Secr3tHash$AbCdEf:19000:0:99999:7:::"
        shadow = os.path.join(self.tmp.name, "shadow")
        with open(shadow, "w") as f:
            f.write(secret + "\ndaemon:*:19000:0:99999:7:::\n")
        link = os.path.join(self.tmp.name, "link.conf")
        os.symlink(shadow, link)
        for command, args in COMMANDS.items():
            for argv, env in (([command, "--config", link, *args], None),
                              ([command, *args] + (["--json"] if command != "export" else []),
                               {"ONBOARDER_CONFIG": link})):
                with self.subTest(argv=argv, env=env):
                    r = run(*argv, env=env)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn("line 1", r.stdout + r.stderr)
                    self.assertNotIn("Secr3t", r.stdout + r.stderr)
                    self.assertNotIn("root:", r.stdout + r.stderr)

    def test_missing_configuration_is_2(self):
        r = run("check", env={"ONBOARDER_CONFIG": os.path.join(self.tmp.name, "none.conf")})
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("none.conf", r.stderr)

    def test_config_option_needs_a_command(self):
        for argv in (["-c"], ["-c", self.bad], ["--config", self.bad, "--json"]):
            with self.subTest(argv=argv):
                r = run(*argv)
                self.assertEqual(r.returncode, 2)
                self.assertIn("must be followed by a command", r.stderr)

    def test_wrong_command_lines(self):
        for argv in (["provision", "--timeout", "-1", "0018B20000000101"],
                     ["provision", "--timeout", "soon", "0018B20000000101"],
                     ["scan", "--timeout", "-0.5", "label.png"],
                     ["retry", "--timeout", "1e12"],
                     ["provision", "--wait", "--no-wait", "0018B20000000101"],
                     ["provision", "--max-jobs"],
                     ["batches", "extra"],
                     ["retry", "seven"],
                     ["nonsense"]):
            with self.subTest(argv=argv):
                r = run(*argv)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertNotEqual(r.stderr, "")

    def test_decimal_timeout_is_accepted(self):
        # Gets past the command line: the missing configuration is what stops it.
        for command, args in (("provision", ["0018B20000000101"]), ("scan", ["--provision", "label.png"])):
            with self.subTest(command=command):
                r = run(command, "--timeout", "2.5", *args)
                self.assertEqual(r.returncode, 2)
                self.assertIn("/nonexistent/onboarder.conf", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
