#!/usr/bin/env python3
"""Draws Egress's icons as RGBA PNGs with the standard library only.

Tray icons (44x44, the @2x size of a 22 pt macOS menu-bar icon) tell the
four states apart by shape, not only by colour, because macOS shows them
as template images (alpha only, tinted by the system):

  tray-advanced.png     disc with an up-right arrow cut out   (green)
  tray-legacy.png       diamond with a hole                    (blue)
  tray-degraded.png     triangle with an exclamation mark      (amber)
  tray-unavailable.png  ring with a slash                      (grey)

App icons (bundle, window icon): 32x32, 128x128, 128x128@2x, icon (512).

Run from anywhere: python3 src-tauri/icons/make_icons.py
"""

import math
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SS = 4  # supersamples per axis


def png(path, size, pixels):
    raw = b"".join(b"\x00" + bytes(pixels[y * size * 4:(y + 1) * size * 4]) for y in range(size))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9))
    data += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def in_poly(px, py, pts):
    inside = False
    j = len(pts) - 1
    for i in range(len(pts)):
        xi, yi = pts[i]
        xj, yj = pts[j]
        if (yi > py) != (yj > py) and px < (xj - xi) * (py - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def render(size, shape, rgb, unit=44.0):
    """shape(x, y) -> (alpha 0..1, white 0..1) in a unit x unit canvas."""
    out = bytearray(size * size * 4)
    scale = unit / size
    for y in range(size):
        for x in range(size):
            a = w = 0.0
            for sy in range(SS):
                for sx in range(SS):
                    ux = (x + (sx + 0.5) / SS) * scale
                    uy = (y + (sy + 0.5) / SS) * scale
                    sa, sw = shape(ux, uy)
                    a += sa
                    w += sw * sa
            a /= SS * SS
            w = w / (a * SS * SS) if a > 0 else 0.0
            i = (y * size + x) * 4
            out[i:i + 3] = bytes(int(round(c + (255 - c) * w)) for c in rgb)
            out[i + 3] = int(round(255 * a))
    return out


def advanced(x, y):
    disc = math.hypot(x - 22, y - 22) <= 17
    shaft = seg_dist(x, y, 14.5, 29.5, 27, 17) <= 2.2
    head = in_poly(x, y, [(30, 14), (19, 14), (30, 25)])
    return (1.0 if disc and not (shaft or head) else 0.0), 0.0


def legacy(x, y):
    diamond = abs(x - 22) + abs(y - 22) <= 19
    hole = math.hypot(x - 22, y - 22) <= 6
    return (1.0 if diamond and not hole else 0.0), 0.0


def degraded(x, y):
    tri = in_poly(x, y, [(22, 4), (41, 39), (3, 39)])
    bar = seg_dist(x, y, 22, 16, 22, 27) <= 2.2
    dot = math.hypot(x - 22, y - 33) <= 2.4
    return (1.0 if tri and not (bar or dot) else 0.0), 0.0


def unavailable(x, y):
    r = math.hypot(x - 22, y - 22)
    ring = 13 <= r <= 17
    slash = seg_dist(x, y, 11, 33, 33, 11) <= 2.2
    return (1.0 if ring or slash else 0.0), 0.0


def app(x, y):
    # 512-unit canvas: a sky-blue disc with a white up-right arrow.
    disc = math.hypot(x - 256, y - 256) <= 236
    shaft = seg_dist(x, y, 150, 362, 330, 182) <= 34
    head = in_poly(x, y, [(372, 140), (212, 140), (372, 300)])
    return (1.0 if disc else 0.0), (1.0 if shaft or head else 0.0)


def main():
    tray = {
        "tray-advanced.png": (advanced, (22, 163, 74)),
        "tray-legacy.png": (legacy, (37, 99, 235)),
        "tray-degraded.png": (degraded, (217, 119, 6)),
        "tray-unavailable.png": (unavailable, (107, 114, 128)),
    }
    for name, (shape, rgb) in tray.items():
        png(os.path.join(HERE, name), 44, render(44, shape, rgb))
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        png(os.path.join(HERE, name), size, render(size, app, (14, 165, 233), unit=512.0))


if __name__ == "__main__":
    main()
