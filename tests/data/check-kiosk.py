#!/usr/bin/env python3
"""Checks the Raspberry Pi kiosk files against each other and the product.

The systemd unit runs `onboarder --kiosk` under cage with the system-wide
configuration, restarts it forever, runs as the user that sysusers.d
creates and opens its session through the PAM file shipped beside it. The
example configuration holds every key of the configuration reference and
is accepted by the real configuration loader (onboarder-cli parse
--config), whose Profile ID check it then drives. When systemd-analyze is at hand, systemd itself parses the
unit (with cage replaced by /bin/true, which may not be installed here).

usage: check-kiosk.py UNIT SYSUSERS PAM CONF_EXAMPLE ONBOARDER_CLI
"""

import configparser
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile



def config_keys(root):
    """{group: {key}} from the key table of the configuration loader."""
    table = (pathlib.Path(root) / "src" / "core" / "onb-config-keys.c").read_text(encoding="utf-8")
    keys = {}
    for group, key in re.findall(r'\{\s*"([a-z_]+)",\s*"([a-z_]+)",\s*VALUE_', table):
        keys.setdefault(group, set()).add(key)
    return keys

# The sample label of data/samples (profile 000AF8BE), and the TR005
# spec example (profile AABB1122).
GOOD_CODE = "LW:D0:70B3D57ED0000010:0018B20000000101:000AF8BE"
OTHER_MODEL = "LW:D0:1122334455667788:AABBCCDDEEFF0011:AABB1122:OAABBCCDDEEFF:SYYWWNNNNNN:PFOOBAR:CAF2C"


def systemd_keys(path):
    """[(section, key, value)] of a unit file; keys may repeat."""
    section, entries = None, []
    with open(path, encoding="utf-8") as unit:
        for line in unit:
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line.strip("[]")
            else:
                key, _, value = line.partition("=")
                entries.append((section, key.strip(), value.strip()))
    return entries


def main():
    root, unit_path, sysusers_path, pam_path, conf_path, cli = sys.argv[1:7]
    problems = []
    known_keys = config_keys(root)
    if not known_keys.get("blynk"):
        problems.append("no key table found in src/core/onb-config-keys.c")

    unit = systemd_keys(unit_path)
    service = {k: v for s, k, v in unit if s == "Service"}
    exec_start = service.get("ExecStart", "")
    argv = exec_start.split()
    if not argv or not argv[0].endswith("/cage"):
        problems.append("ExecStart must start cage")
    if "--kiosk" not in argv or not any(a.endswith("/onboarder") for a in argv):
        problems.append("ExecStart must run onboarder --kiosk")
    if "--config" not in argv or argv[argv.index("--config") + 1:][:1] != ["/etc/onboarder/onboarder.conf"]:
        problems.append("ExecStart must read /etc/onboarder/onboarder.conf")
    if service.get("Restart") != "always":
        problems.append("Restart must be always")
    if ("Unit", "StartLimitIntervalSec", "0") not in unit:
        problems.append("StartLimitIntervalSec=0 is needed so systemd never gives up restarting")
    if not service.get("TTYPath", "").startswith("/dev/tty"):
        problems.append("cage needs a virtual terminal (TTYPath)")
    pam_name = service.get("PAMName")
    if pam_name != os.path.basename(pam_path).removesuffix(".pam"):
        problems.append(f"PAMName={pam_name} does not match the shipped PAM file {os.path.basename(pam_path)}")
    if ("Install", "WantedBy", "graphical.target") not in unit:
        problems.append("the unit must be wanted by graphical.target (start on boot)")

    analyze = shutil.which("systemd-analyze")
    if analyze:
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, os.path.basename(unit_path))
            with open(unit_path, encoding="utf-8") as f, open(copy, "w", encoding="utf-8") as out:
                for line in f:
                    if line.startswith("Documentation="):  # would run man(1)
                        continue
                    out.write(re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", line))
            result = subprocess.run([analyze, "verify", copy], capture_output=True, text=True, timeout=60)
            if result.returncode != 0 or result.stderr.strip():
                problems.append(f"systemd-analyze verify:\n{result.stdout}{result.stderr}")

    user = service.get("User")
    sysusers = [l.split() for l in open(sysusers_path, encoding="utf-8") if l.strip() and not l.startswith("#")]
    if not any(f[0] == "u" and f[1] == user for f in sysusers):
        problems.append(f"sysusers.d does not create the unit's user {user}")
    groups = {f[2] for f in sysusers if f[0] == "m" and f[1] == user}
    for group in ("video", "render", "input"):
        if group not in groups:
            problems.append(f"{user} must be in group {group} (camera, GPU, touch screen)")
    if "pam_systemd.so" not in open(pam_path, encoding="utf-8").read():
        problems.append("the PAM stack must open a logind session (pam_systemd.so)")

    parser = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",))
    parser.optionxform = str
    # Commented-out keys and sections document optional settings; count
    # them as present.
    def optional(line):
        return line.startswith("#") and ("=" in line and " " not in line.split("=")[0] or
                                          line.startswith("#[") and line.endswith("]"))
    with open(conf_path, encoding="utf-8") as f:
        text = "\n".join(l[1:] if optional(l) else l for l in f.read().splitlines())
    parser.read_string(text)
    # A section per device model, "[model PROFILEID]", has the group's keys.
    have_keys = {}
    for section in parser.sections():
        have_keys.setdefault(section.split(" ")[0], set()).update(parser[section])
    for group in sorted(set(known_keys) | set(have_keys)):
        keys = known_keys.get(group, set())
        have = have_keys.get(group, set())
        for key in sorted(keys - have):
            problems.append(f"example configuration lacks [{group}] {key}")
        for key in sorted(have - keys):
            problems.append(f"example configuration has a key the loader does not know: [{group}] {key}")

    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "onboarder.conf")
        shutil.copyfile(conf_path, conf)
        os.chmod(conf, 0o600)
        env = dict(os.environ, XDG_CONFIG_HOME=tmp, LANGUAGE="C", LC_ALL="C.UTF-8")
        for code, status in ((GOOD_CODE, 0), (OTHER_MODEL, 1)):
            result = subprocess.run([cli, "parse", "--config", conf, code],
                                    env=env, capture_output=True, text=True, timeout=60)
            if result.returncode != status:
                problems.append(f"onboarder-cli parse --config <example> {code}: exit {result.returncode}, "
                                f"expected {status}\n{result.stdout}{result.stderr}")

    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print("kiosk unit, user, PAM stack and example configuration agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
