#!/usr/bin/env python3
"""onboarder-cli parse: exit codes, JSON fields, and hostile input."""

import json
import os
import subprocess
import sys
import unittest

CLI = os.environ["ONBOARDER_CLI"]
SAMPLES = os.path.join(os.environ["G_TEST_SRCDIR"], "..", "data", "samples", "labels.txt")
SPEC = ("LW:D0:1122334455667788:AABBCCDDEEFF0011:AABB1122:"
        "OAABBCCDDEEFF:SYYWWNNNNNN:PFOOBAR:CAF2C")
FIELDS = {"kind", "accepted", "reason", "message", "payload", "join_eui", "dev_eui",
          "profile_id", "vendor_id", "vendor_profile_id", "owner_token", "serial_number",
          "proprietary", "checksum", "checksum_verified", "static_token", "org_id"}


def run(*args, stdin=b"", env=None):
    full_env = dict(os.environ, ONBOARDER_CONFIG="/nonexistent/onboarder.conf")
    full_env.update(env or {})
    return subprocess.run([CLI, "parse", *args], input=stdin, capture_output=True,
                          timeout=30, env=full_env)


def json_lines(result):
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


class ParseTest(unittest.TestCase):
    def test_spec_example(self):
        r = run("--json", SPEC)
        self.assertEqual(r.returncode, 0, r.stderr)
        [obj] = json_lines(r)
        self.assertEqual(set(obj), FIELDS)
        self.assertEqual(obj["kind"], "tr005")
        self.assertTrue(obj["accepted"])
        self.assertIsNone(obj["reason"])
        self.assertEqual(obj["join_eui"], "1122334455667788")
        self.assertEqual(obj["dev_eui"], "AABBCCDDEEFF0011")
        self.assertEqual(obj["vendor_id"], "AABB")
        self.assertEqual(obj["vendor_profile_id"], "1122")
        self.assertEqual(obj["owner_token"], "AABBCCDDEEFF")
        self.assertEqual(obj["serial_number"], "YYWWNNNNNN")
        self.assertEqual(obj["proprietary"], "FOOBAR")
        self.assertEqual(obj["checksum"], "AF2C")
        self.assertTrue(obj["checksum_verified"])

    def test_every_kind_from_samples(self):
        with open(SAMPLES, "rb") as f:
            r = run("--json", "--stdin", "--profile-ids", "000AF8BE", stdin=f.read())
        self.assertEqual(r.returncode, 1)
        objs = json_lines(r)
        kinds = [o["kind"] for o in objs]
        for kind in ("tr005", "tr005-draft3", "tr005-draft2", "dev-eui", "blynk-static-token",
                     "unknown"):
            self.assertIn(kind, kinds)
        reasons = {o["reason"] for o in objs if not o["accepted"]}
        self.assertEqual(reasons, {"profile-mismatch", "bad-checksum", "not-a-device-label"})
        token = [o for o in objs if o["org_id"]][0]
        self.assertEqual(token["org_id"], "4711")
        self.assertTrue(token["static_token"].startswith("sqr_"))

    def test_profile_ids_option(self):
        code = "LW:D0:70B3D57ED0000010:0018B20000000106:000A0001"
        self.assertEqual(run(code).returncode, 0)  # no list configured: no check
        r = run("--json", "--profile-ids", "000af8be,000A0002", code)
        self.assertEqual(r.returncode, 1)
        [obj] = json_lines(r)
        self.assertEqual(obj["reason"], "profile-mismatch")
        self.assertIn("000A:0001", obj["message"])
        self.assertEqual(obj["dev_eui"], "0018B20000000106")
        self.assertEqual(run("--profile-ids", "000A0001", code).returncode, 0)

    def test_configured_profile_ids(self):
        conf = os.path.join(os.environ.get("TMPDIR", "/tmp"), "onb-test-parse-%d.conf" % os.getpid())
        with open(conf, "w") as f:
            f.write("[labels]\nprofile_ids=000AF8BE\n")
        try:
            r = run("--config", conf, "LW:D0:70B3D57ED0000010:0018B20000000106:000A0001")
            self.assertEqual(r.returncode, 1)
            self.assertIn(b"another product", r.stdout)
        finally:
            os.unlink(conf)

    def test_usage_errors(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("--stdin", "x").returncode, 2)
        self.assertEqual(run("--bogus", "x").returncode, 2)
        self.assertEqual(run("--profile-ids", "12", "x").returncode, 2)
        r = subprocess.run([CLI, "nonsense"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 2)

    def test_hostile_bytes(self):
        lines = [b"LW:D0:11\x00223344", b"\xff\xfe\xfd", b"A" * (1024 * 1024), b"", b"\x1b[2J",
                 SPEC.encode() + b"\r"]
        r = run("--json", "--stdin", stdin=b"\n".join(lines) + b"\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        objs = json_lines(r)
        self.assertEqual([o["reason"] for o in objs],
                         ["not-text", "not-text", "too-long", "empty", "not-text", None])
        # Payloads are echoed escaped, never raw control bytes.
        self.assertNotIn(b"\x1b", r.stdout)
        self.assertLess(len(r.stdout), 8192)

    def test_human_output(self):
        r = run(SPEC, "hello")
        self.assertEqual(r.returncode, 1)
        out = r.stdout.decode()
        self.assertIn("ACCEPTED", out)
        self.assertIn("REJECTED", out)
        self.assertIn("not a device label", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
