#!/usr/bin/env python3
"""Checks the Flatpak manifest without building it (no network here).

Valid JSON; the application ID and command; the GNOME runtime and SDK; the
sandbox holes Onboarder needs and none it must not have (the camera comes
through the Camera portal and PipeWire, never --device=all); every remote
source pinned with a SHA-256; every local path present; the project built
with meson and -Dui=true. With FLATPAK_BUILDER, the checks run on the
manifest as flatpak-builder itself reads it (--show-manifest, which also
pulls in module files), so a manifest it cannot parse fails here even
though no runtime can be downloaded to build it.

usage: check-flatpak.py MANIFEST APP_ID COMMAND [FLATPAK_BUILDER]
"""

import json
import pathlib
import re
import subprocess
import sys
import tempfile

REQUIRED_ARGS = {
    "--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11",
    "--device=dri", "--socket=pulseaudio",
}
# --device=all opens every camera node past the portal; the PipeWire
# socket does the same through PipeWire.
FORBIDDEN_ARGS = re.compile(r"^--(device=all|filesystem=(host|home|xdg-run/pipewire-0)|socket=x11$"
                            r"|talk-name=org\.freedesktop\.Flatpak)")
LOCAL_KEYS = ("path", "paths")


def local_paths(source):
    for key in LOCAL_KEYS:
        value = source.get(key)
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from value


def main():
    manifest_path = pathlib.Path(sys.argv[1]).resolve()
    app_id, command = sys.argv[2:4]
    base = manifest_path.parent
    problems = []

    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as e:
        print(f"{manifest_path.name}: not valid JSON: {e}")
        return 1

    if len(sys.argv) > 4:
        # It leaves a .flatpak-builder cache where it runs: not in the tree.
        with tempfile.TemporaryDirectory() as scratch:
            shown = subprocess.run([sys.argv[4], "--show-manifest", str(manifest_path)],
                                   capture_output=True, text=True, timeout=60, cwd=scratch)
        if shown.returncode != 0:
            print(f"flatpak-builder --show-manifest {manifest_path.name} failed:\n{shown.stderr}")
            return 1
        try:
            manifest = json.loads(shown.stdout)
        except ValueError as e:
            print(f"flatpak-builder --show-manifest printed no JSON: {e}")
            return 1
        print(f"flatpak-builder --show-manifest parses {manifest_path.name}")

    if manifest.get("id", manifest.get("app-id")) != app_id:
        problems.append(f"application ID must be {app_id}")
    if manifest_path.name != app_id + ".json":
        problems.append(f"the file must be named {app_id}.json")
    if manifest.get("command") != command:
        problems.append(f"command must be {command}")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        problems.append("runtime/sdk must be org.gnome.Platform/org.gnome.Sdk")
    if not re.fullmatch(r"4[6-9]|[5-9][0-9]", str(manifest.get("runtime-version", ""))):
        problems.append("runtime-version must be GNOME 46 or later")

    finish_args = manifest.get("finish-args", [])
    for arg in sorted(REQUIRED_ARGS - set(finish_args)):
        problems.append(f"finish-args lacks {arg}")
    for arg in finish_args:
        if FORBIDDEN_ARGS.match(arg):
            problems.append(f"finish-args must not hold {arg} (the camera goes through the portal)")

    modules = {}
    pending = list(manifest.get("modules", []))
    while pending:
        module = pending.pop(0)
        if isinstance(module, str):  # a module kept in its own file
            included = base / module
            if not included.is_file():
                problems.append(f"module file missing: {module}")
                continue
            module = json.loads(included.read_text(encoding="utf-8"))
        modules[module.get("name")] = module
        pending.extend(module.get("modules", []))
        for source in module.get("sources", []):
            if isinstance(source, str):
                if not (base / source).is_file():
                    problems.append(f"{module.get('name')}: source file missing: {source}")
                continue
            for path in local_paths(source):
                if not (base / path).exists():
                    problems.append(f"{module.get('name')}: local path missing: {path}")
            if source.get("type") not in ("dir", "git", "archive", "file", "patch", "script", "shell"):
                problems.append(f"{module.get('name')}: source type {source.get('type')} is not checked here")
            if "url" in source and source.get("type") in ("archive", "file", "patch"):
                if not re.fullmatch(r"[0-9a-f]{64}", source.get("sha256", "")):
                    problems.append(f"{module.get('name')}: {source['url']} is not pinned with a sha256")
                if not source["url"].startswith("https://"):
                    problems.append(f"{module.get('name')}: {source['url']} must use https")
            if source.get("type") == "git" and not source.get("commit"):
                problems.append(f"{module.get('name')}: git source without a pinned commit")

    # libportal: the Camera portal, the sandbox's only way to the camera.
    for needed in ("zbar", "json-c", "libportal", "onboarder"):
        if needed not in modules:
            problems.append(f"no module builds {needed}")
    project = modules.get("onboarder", {})
    if project.get("buildsystem") != "meson" or "-Dui=true" not in project.get("config-opts", []):
        problems.append("the onboarder module must build with meson and -Dui=true")
    if list(modules)[-1:] != ["onboarder"]:
        problems.append("the onboarder module must come last, after its dependencies")

    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"{manifest_path.name}: {len(modules)} modules, finish-args {' '.join(finish_args)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
