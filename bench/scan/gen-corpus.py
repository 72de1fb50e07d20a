#!/usr/bin/python3
"""Generates the scanner benchmark corpus (qrencode + ImageMagick).

Usage: gen-corpus.py LABELS.TXT OUTDIR [--per-category N]

Writes OUTDIR/<category>/<n>.png (or .jpg) as a camera would see it, the
same frame as 8-bit grey OUTDIR/<category>/<n>.pgm for the in-process
decoders, and OUTDIR/manifest.tsv: category, pgm, original, expected
payloads (tab separated). Deterministic (fixed seed). Categories cover
small modules (1.5-3 px), blur, rotation, perspective, low contrast,
noise, JPEG, light-on-dark labels, cluttered 1280x720 and 1920x1080
scenes, two labels in a frame and empty scenes.
"""

import os
import random
import subprocess
import sys
import tempfile

SEED = 20261126


def run(*argv):
    subprocess.run(argv, check=True)


def label_png(tmp, payload, module, name):
    """A label sticker: the QR code with its quiet zone, a line of text under it."""
    qr = os.path.join(tmp, name + "-qr.png")
    out = os.path.join(tmp, name + ".png")
    # Drawn at an integer module size, then resized for fractional ones.
    base = 3 if module < 3 else int(module)
    run("qrencode", "-s", str(base), "-m", "4", "-o", qr, payload)
    scale = 100.0 * module / base
    run("convert", qr, "-filter", "Triangle", "-resize", "%.2f%%" % scale,
        "-background", "white", "-gravity", "south", "-splice", "0x%d" % max(12, int(6 * module)),
        "-fill", "black", "-pointsize", str(max(8, int(4 * module))),
        "-annotate", "+0+2", payload[:24], "-bordercolor", "white", "-border", "6", out)
    return out


def background(tmp, width, height, index):
    """A cluttered scene: colour noise, boxes, stripes and text, like a packing bench."""
    out = os.path.join(tmp, "bg-%dx%d-%d.png" % (width, height, index))
    if os.path.exists(out):
        return out
    rng = random.Random(SEED + index * 7919 + width)
    draw = []
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(20, width // 4), rng.randrange(20, height // 4)
        grey = rng.randrange(0, 256)
        draw += ["-fill", "rgb(%d,%d,%d)" % (grey, (grey * 7) % 256, (grey * 13) % 256),
                 "-draw", "rectangle %d,%d %d,%d" % (x, y, x + w, y + h)]
    for _ in range(6):
        # Stripes: 1-D barcode-like clutter that the 1-D decoders of plain zbar chew on.
        x, y = rng.randrange(width - 200), rng.randrange(height - 80)
        for i in range(30):
            if rng.random() < 0.5:
                draw += ["-fill", "black", "-draw", "rectangle %d,%d %d,%d" % (x + 4 * i, y, x + 4 * i + rng.randrange(1, 4), y + 60)]
    for _ in range(15):
        x, y = rng.randrange(width - 100), rng.randrange(20, height)
        draw += ["-fill", "black", "-pointsize", str(rng.randrange(10, 40)),
                 "-annotate", "+%d+%d" % (x, y), rng.choice(["FRAGILE", "THIS SIDE UP", "LoRaWAN", "Made in EU",
                                                              "SN 2611A", "Batch 42", "CE", "0018B2"])]
    run("convert", "-size", "%dx%d" % (width, height), "plasma:fractal", "-blur", "0x1", *draw, out)
    return out


def compose(scene, labels, out, post=()):
    args = ["convert", scene]
    for path, x, y in labels:
        args += [path, "-geometry", "+%d+%d" % (x, y), "-composite"]
    run(*args, *post, out)


def size_of(path):
    w, h = subprocess.run(["identify", "-format", "%w %h", path], check=True,
                          capture_output=True, text=True).stdout.split()
    return int(w), int(h)


def main():
    labels_path, outdir = sys.argv[1], sys.argv[2]
    per = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--per-category" else 10
    payloads = [l.strip() for l in open(labels_path) if l.strip()]
    rng = random.Random(SEED)
    os.makedirs(outdir, exist_ok=True)
    manifest = []

    # category: (scene size, module px range, label transform, scene post-processing, labels, format)
    categories = {
        "module-1.5": ((1280, 720), (1.5, 1.5), [], [], 1, "png"),
        "module-2": ((1280, 720), (2, 2), [], [], 1, "png"),
        "module-3": ((1280, 720), (3, 3), [], [], 1, "png"),
        "blur": ((1280, 720), (3, 5), [], ["-blur", "0x{blur}"], 1, "png"),
        "rotation": ((1280, 720), (3, 5), ["-background", "white", "-rotate", "{angle}"], [], 1, "png"),
        "perspective": ((1280, 720), (3, 5), ["-virtual-pixel", "white", "-distort", "Perspective", "{persp}"], [], 1, "png"),
        "low-contrast": ((1280, 720), (3, 5), ["+level", "38%,62%"], [], 1, "png"),
        "noise": ((1280, 720), (3, 5), [], ["-attenuate", "{noise}", "+noise", "Gaussian"], 1, "png"),
        "jpeg": ((1280, 720), (2.5, 4), [], ["-quality", "{quality}"], 1, "jpg"),
        "inverted": ((1280, 720), (2, 5), ["-negate"], [], 1, "png"),
        "scene-720p": ((1280, 720), (2.5, 6), [], [], 1, "png"),
        "scene-1080p": ((1920, 1080), (3, 8), [], [], 1, "png"),
        "two-codes": ((1280, 720), (3, 5), [], [], 2, "png"),
        "empty-720p": ((1280, 720), (0, 0), [], [], 0, "png"),
        "empty-1080p": ((1920, 1080), (0, 0), [], [], 0, "png"),
    }

    with tempfile.TemporaryDirectory() as tmp:
        for category, (size, modules, transform, post, n_labels, fmt) in categories.items():
            os.makedirs(os.path.join(outdir, category), exist_ok=True)
            for n in range(per):
                params = {
                    "blur": "%.1f" % rng.uniform(0.8, 1.6),
                    "angle": "%d" % rng.choice([-40, -25, -12, 12, 25, 40, 90, 180]),
                    "noise": "%.2f" % rng.uniform(1.0, 2.0),
                    "quality": "%d" % rng.choice([20, 30, 45]),
                }
                scene = background(tmp, size[0], size[1], n % 4)
                placed, expected = [], []
                for k in range(n_labels):
                    payload = payloads[(n * 2 + k) % len(payloads)]
                    module = round(rng.uniform(*modules) * 2) / 2
                    name = "%s-%d-%d" % (category, n, k)
                    path = label_png(tmp, payload, module, name)
                    if transform:
                        w, h = size_of(path)
                        d = int(w * 0.18)
                        # Top-left corner pulled in, bottom-right pulled up: a box seen at an angle.
                        params["persp"] = "0,0 %d,%d  %d,0 %d,0  0,%d 0,%d  %d,%d %d,%d" % (
                            d, d // 2, w, w, h, h, w, h, w - d, h - d // 2)
                        t = os.path.join(tmp, name + "-t.png")
                        run("convert", path, *[a.format(**params) for a in transform], t)
                        path = t
                    w, h = size_of(path)
                    # Two labels: one per half of the frame, so they never overlap.
                    span = size[0] // n_labels
                    x = k * span + rng.randrange(0, max(1, span - w))
                    y = rng.randrange(0, max(1, size[1] - h))
                    placed.append((path, x, y))
                    expected.append(payload)
                original = os.path.join(outdir, category, "%02d.%s" % (n, fmt))
                pgm = os.path.join(outdir, category, "%02d.pgm" % n)
                compose(scene, placed, original, [a.format(**params) for a in post])
                # What the scanner gets: the decoded frame's luma.
                run("convert", original, "-colorspace", "gray", "-depth", "8", pgm)
                manifest.append("\t".join([category, pgm, original] + expected))
            print("%-12s %d frames" % (category, per), flush=True)

    with open(os.path.join(outdir, "manifest.tsv"), "w") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
