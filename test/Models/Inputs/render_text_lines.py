#!/usr/bin/env python3
"""Renders text-line images as inputs of a text-direction classifier.

  render_text_lines.py OUTDIR COUNT [--seed N] [--height 48] [--width 192]

Writes OUTDIR/NNNN.npy (1x3xHxW float32, PaddleOCR's preprocessing: the line
resized to height H keeping its aspect ratio, at most W wide, scaled to
[-1, 1], zero padded on the right) and OUTDIR/labels.txt (0 or 180 per file,
in order: every other line is rotated by 180 degrees). Lines are random
words, digits and punctuation in Debian's DejaVu fonts (fonts-dejavu-core),
several sizes and weights, dark on light with some noise and blur.
"""

import argparse
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf",
         "DejaVuSansMono.ttf", "DejaVuSansCondensed.ttf", "DejaVuSerif-Bold.ttf"]
WORDS = ("the of and to in is was for on that with as by at from this are be "
         "invoice total amount date number name address street city phone "
         "order account payment balance due price quantity item description "
         "receipt station platform exit entrance north south open closed "
         "Tessera compiler kernel model layer tensor").split()


def line_text(rng):
    parts = []
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if kind < 0.65:
            word = rng.choice(WORDS)
            parts.append(word.capitalize() if rng.random() < 0.3 else word)
        elif kind < 0.9:
            parts.append(str(rng.randint(0, 99999)))
        else:
            parts.append(rng.choice(["-", ":", "/", "$12.50", "No.", "#", "(A)"]))
    return " ".join(parts)


def render(rng, height, width):
    fonts = [f for f in FONTS if os.path.exists(os.path.join(FONT_DIR, f))]
    if not fonts:
        raise SystemExit("render_text_lines.py: no DejaVu fonts in " + FONT_DIR +
                         " (install fonts-dejavu-core)")
    font = ImageFont.truetype(os.path.join(FONT_DIR, rng.choice(fonts)),
                              rng.randint(20, 40))
    text = line_text(rng)
    left, top, right, bottom = font.getbbox(text)
    pad = rng.randint(2, 10)
    background = rng.randint(180, 255)
    ink = rng.randint(0, 80)
    image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad),
                      background)
    ImageDraw.Draw(image).text((pad - left, pad - top), text, font=font, fill=ink)
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    return image


def preprocess(image, height, width):
    w = max(1, min(width, int(round(image.width * height / image.height))))
    image = image.convert("RGB").resize((w, height), Image.BILINEAR)
    x = np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 255.0
    x = (x - 0.5) / 0.5
    out = np.zeros((1, 3, height, width), dtype=np.float32)
    out[0, :, :, :w] = x
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--height", type=int, default=48)
    parser.add_argument("--width", type=int, default=192)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    noise = np.random.default_rng(args.seed)
    os.makedirs(args.outdir, exist_ok=True)
    labels = []
    for i in range(args.count):
        image = render(rng, args.height, args.width)
        label = 180 if i % 2 else 0
        if label:
            image = image.rotate(180)
        x = preprocess(image, args.height, args.width)
        x += noise.normal(0, 0.02, x.shape).astype(np.float32)
        np.save(os.path.join(args.outdir, "%04d.npy" % i), x.astype(np.float32))
        labels.append(str(label))
    with open(os.path.join(args.outdir, "labels.txt"), "w") as f:
        f.write("\n".join(labels) + "\n")


if __name__ == "__main__":
    main()
