#!/usr/bin/env python3
"""Every screenshot the metainfo and the README show exists in
data/screenshots/ as a PNG of the size the metainfo states.

usage: check-screenshots.py METAINFO SOURCE_ROOT
"""

import pathlib
import re
import struct
import sys
import xml.etree.ElementTree as ET

PREFIX = "https://raw.githubusercontent.com/onboarder/onboarder/main/"


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    metainfo, root = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    problems = []
    images = ET.parse(metainfo).getroot().findall("./screenshots/screenshot/image")
    if not images:
        problems.append("the metainfo has no screenshots")
    for image in images:
        url = (image.text or "").strip()
        if not url.startswith(PREFIX + "data/screenshots/"):
            problems.append(f"screenshot not from this repository's data/screenshots/: {url}")
            continue
        path = root / url[len(PREFIX):]
        if not path.is_file():
            problems.append(f"missing: {path.relative_to(root)}")
            continue
        size = png_size(path)
        stated = (int(image.get("width", 0)), int(image.get("height", 0)))
        if size != stated:
            problems.append(f"{path.name} is {size}, the metainfo says {stated}")
    readme = (root / "README.md").read_text(encoding="utf-8")
    for shot in re.findall(r"\]\((data/screenshots/[^)]+)\)", readme):
        if not (root / shot).is_file():
            problems.append(f"README.md shows a missing screenshot: {shot}")

    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"{len(images)} screenshots present with the stated sizes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
