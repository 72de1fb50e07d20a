#!/usr/bin/env python3
"""Installs the build into a temporary DESTDIR and checks the tree.

Every file a user or a distribution relies on must be in its standard
place; nothing may land outside the prefix; no static library, header or
test program may be installed; the installed systemd unit must start the
installed kiosk binary.

usage: check-install.py MESON BUILD_ROOT PREFIX BINDIR DATADIR MANDIR LOCALEDIR
                        UNITDIR SYSUSERSDIR LIBEXECDIR APP_ID UI LINGUAS
  (directories absolute, UI is "true" or "false", LINGUAS comma separated)
"""

import os
import pathlib
import subprocess
import sys
import tempfile


def main():
    (meson, build_root, prefix, bindir, datadir, mandir, localedir,
     unitdir, sysusersdir, libexecdir, app_id, ui, linguas) = sys.argv[1:14]
    ui = ui == "true"
    languages = [l for l in linguas.split(",") if l]

    expected = [
        f"{bindir}/onboarder-cli",
        f"{mandir}/man1/onboarder-cli.1",
    ]
    expected += [f"{localedir}/{lang}/LC_MESSAGES/onboarder.mo" for lang in languages]
    # The kiosk binary is checked once src/ui builds it.
    if ui and (pathlib.Path(build_root) / "src" / "ui" / "onboarder").exists():
        expected.append(f"{bindir}/onboarder")
    elif ui:
        print(f"note: {build_root}/src/ui/onboarder is not built, not expecting it installed")
    if ui:
        expected += [
            f"{mandir}/man1/onboarder.1",
            f"{datadir}/applications/{app_id}.desktop",
            f"{datadir}/metainfo/{app_id}.metainfo.xml",
            f"{datadir}/glib-2.0/schemas/io.github.onboarder.Onboarder.gschema.xml",
            f"{datadir}/icons/hicolor/scalable/apps/{app_id}.svg",
            f"{datadir}/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg",
            f"{unitdir}/onboarder-kiosk.service",
            f"{sysusersdir}/onboarder-kiosk.conf",
            f"{datadir}/onboarder/kiosk/onboarder-kiosk.pam",
            f"{datadir}/onboarder/kiosk/onboarder.conf.example",
            # What `onboarder --demo` needs once installed.
            f"{libexecdir}/onboarder/onboarder-simulator",
            f"{datadir}/onboarder/samples/devices.csv",
            f"{datadir}/onboarder/samples/labels.txt",
        ]

    with tempfile.TemporaryDirectory(prefix="onboarder-destdir-") as destdir:
        result = subprocess.run([meson, "install", "--no-rebuild", "--quiet", "-C", build_root,
                                 "--destdir", destdir],
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            print(result.stdout, result.stderr)
            print("FAIL: meson install failed")
            return 1

        root = pathlib.Path(destdir)
        installed = sorted("/" + p.relative_to(root).as_posix()
                           for p in root.rglob("*") if p.is_file() or p.is_symlink())
        print("\n".join(installed))
        problems = []
        for path in expected:
            if path not in installed:
                problems.append(f"not installed: {path}")
        for path in installed:
            if not path.startswith(prefix.rstrip("/") + "/"):
                problems.append(f"installed outside the prefix {prefix}: {path}")
            name = path.rsplit("/", 1)[-1]
            if name.endswith((".a", ".h", ".o")) or name.startswith(("test-", "fuzz-", "bench-")):
                problems.append(f"build or test file installed: {path}")
        for program in (f"{bindir}/onboarder-cli", f"{bindir}/onboarder" if ui else None):
            if program and program in installed and not os.access(root / program.lstrip("/"), os.X_OK):
                problems.append(f"not executable: {program}")

        if ui:
            unit = (root / unitdir.lstrip("/") / "onboarder-kiosk.service").read_text(encoding="utf-8")
            exec_start = [l for l in unit.splitlines() if l.startswith("ExecStart=")]
            if not exec_start or f"{bindir}/onboarder --kiosk" not in exec_start[0]:
                problems.append(f"the unit's ExecStart does not run {bindir}/onboarder --kiosk")

    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"{len(installed)} files installed, {len(expected)} expected ones present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
