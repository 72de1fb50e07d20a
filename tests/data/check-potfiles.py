#!/usr/bin/env python3
"""Fails when po/POTFILES.in is out of step with the sources.

Every C source or header and every GtkBuilder .ui file under src/ that has a
translatable string (_(), N_(), C_(), NC_(), ngettext, translatable="yes")
must be listed; every listed file must exist; the list must be sorted and
free of duplicates. The data files whose strings reach the .pot (desktop
entry, metainfo, GSettings schema) must be listed as well.

usage: check-potfiles.py [--write] SOURCE_ROOT
  --write  rewrite po/POTFILES.in from the sources instead of checking it
"""

import pathlib
import re
import sys

MARKERS = {
    ".c": re.compile(r"(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dngettext|g_dpgettext2?|ngettext)\s*\("),
    ".h": re.compile(r"(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dngettext|g_dpgettext2?|ngettext)\s*\("),
    ".ui": re.compile(r'translatable\s*=\s*"(?:yes|true|1)"'),
}
DATA_PATTERNS = ("*.desktop.in*", "*.metainfo.xml.in*", "*.gschema.xml")
# C comments can quote markers; they do not make a file translatable.
C_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def needs_translation(path):
    marker = MARKERS.get(path.suffix)
    if marker is None:
        return False
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix in (".c", ".h"):
        text = C_COMMENT.sub("", text)
    return marker.search(text) is not None


HEADER = "# Files with translatable strings; kept complete by tests/data/check-potfiles.py\n"


def wanted_files(root):
    wanted = set()
    for path in sorted((root / "src").rglob("*")):
        if path.is_file() and needs_translation(path):
            wanted.add(path.relative_to(root).as_posix())
    for pattern in DATA_PATTERNS:
        for path in (root / "data").glob(pattern):
            wanted.add(path.relative_to(root).as_posix())
    return wanted


def main():
    args = sys.argv[1:]
    write = "--write" in args
    root = pathlib.Path([a for a in args if a != "--write"][0]).resolve()
    potfiles = root / "po" / "POTFILES.in"
    if write:
        potfiles.write_text(HEADER + "".join(f + "\n" for f in sorted(wanted_files(root))), encoding="utf-8")
    listed = []
    for line in potfiles.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            listed.append(line)

    problems = []
    if listed != sorted(listed):
        problems.append("po/POTFILES.in is not sorted; expected order:\n  " + "\n  ".join(sorted(listed)))
    duplicates = sorted({f for f in listed if listed.count(f) > 1})
    for f in duplicates:
        problems.append(f"listed twice: {f}")
    for f in listed:
        if not (root / f).is_file():
            problems.append(f"listed but missing (remove it from po/POTFILES.in): {f}")

    for f in sorted(wanted_files(root) - set(listed)):
        problems.append(f"has translatable strings but is not in po/POTFILES.in: {f}")

    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"po/POTFILES.in: {len(listed)} files, complete and sorted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
