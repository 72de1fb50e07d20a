#!/usr/bin/env python3
"""Keeps the manual pages and the README in step with onboarder-cli.

The manual pages format without a groff warning; every command in the
table of src/cli/onb-cli.c is described in onboarder-cli(1) and in the
README's CLI reference; every key of the configuration loader's table
(src/core/onb-config-keys.c) has a row in the README's configuration reference.

usage: check-docs.py SOURCE_ROOT MANPAGE...
"""

import pathlib
import re
import subprocess
import sys


def main():
    root = pathlib.Path(sys.argv[1])
    manpages = [pathlib.Path(p) for p in sys.argv[2:]]
    problems = []

    for page in manpages:
        result = subprocess.run(["groff", "-t", "-man", "-Tutf8", "-ww", "-z", str(page)],
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or result.stderr.strip():
            problems.append(f"{page.name}: groff warnings:\n{result.stderr}")

    table = (root / "src" / "cli" / "onb-cli.c").read_text(encoding="utf-8")
    commands = re.findall(r'\{\s*"([a-z-]+)",\s*onb_cli_', table)
    if not commands:
        problems.append("no command table found in src/cli/onb-cli.c")
    cli_page = next((p for p in manpages if p.name == "onboarder-cli.1"), None)
    cli_man = cli_page.read_text(encoding="utf-8") if cli_page else ""
    readme_path = root / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else ""
    for command in commands:
        if not re.search(r"^\.B[IR]? \"?" + re.escape(command) + r"\b", cli_man, re.M):
            problems.append(f"onboarder-cli.1 does not describe the command {command}")
        if f"onboarder-cli {command}" not in readme:
            problems.append(f"README.md does not describe onboarder-cli {command}")

    config = (root / "src" / "core" / "onb-config-keys.c").read_text(encoding="utf-8")
    keys = re.findall(r'\{\s*"([a-z_]+)",\s*"([a-z_]+)",\s*VALUE_', config)
    if not keys:
        problems.append("no key table found in src/core/onb-config-keys.c")
    for group, key in keys:
        section = readme.split(f"### `[{group}]`", 1)[1].split("\n## ", 1)[0] if f"### `[{group}]`" in readme else ""
        if f"| `{key}` |" not in section:
            problems.append(f"README.md has no row for [{group}] {key} in its configuration reference")

    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"manual pages clean; commands documented: {', '.join(commands)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
