#!/usr/bin/env python3
"""Writes the kiosk's three result sounds as small mono WAV files.

Run once after changing a tone; the WAV files are committed so builds need
nothing but this tree. Each sound differs in pitch, rhythm and direction so
that a worker can tell them apart without looking (and with colour-blind
eyes): success rises, queued repeats one middle tone, failure falls low.
"""

import math
import os
import struct
import sys
import wave

RATE = 22050


def tone(freq, seconds, volume=0.5, shape="sine"):
    n = int(RATE * seconds)
    fade = int(RATE * 0.01)  # 10 ms ramps: no click at either end
    out = []
    for i in range(n):
        t = i / RATE
        x = math.sin(2 * math.pi * freq * t)
        if shape == "square":
            # Softened square: a buzz that still sounds like a warning on a tiny speaker.
            x = math.tanh(4 * x)
        env = min(1.0, i / fade, (n - i) / fade)
        out.append(volume * env * x)
    return out


def silence(seconds):
    return [0.0] * int(RATE * seconds)


SOUNDS = {
    "success": tone(880, 0.12) + tone(1318.5, 0.22),
    "queued": tone(660, 0.12) + silence(0.08) + tone(660, 0.12),
    "failure": tone(330, 0.18, shape="square") + silence(0.05) + tone(196, 0.35, shape="square"),
}


def write(path, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(s * 32767)) for s in samples))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, samples in SOUNDS.items():
        write(os.path.join(outdir, name + ".wav"), samples)


if __name__ == "__main__":
    main()
