"""A tiny PNG reader for the browser test: the distinct colours of a screenshot, with zlib only.

Reads 8-bit RGB or RGBA, non-interlaced PNGs (what Chromium writes), undoing the five row filters of the
PNG specification (https://www.w3.org/TR/png-3/#9Filters). Slow per pixel, so callers read a few rows.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type: RGB, RGBA


def png_rows(path: Path) -> tuple[int, int, Iterator[bytes]]:
    """Return the width, the height and an iterator over the image's unfiltered rows (bytes per pixel 3/4)."""
    data = path.read_bytes()
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a PNG file")
    at, header, compressed = len(SIGNATURE), b"", bytearray()
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        at += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read here")
    raw = zlib.decompress(bytes(compressed))
    return width, height, _unfilter(raw, width * CHANNELS[colour], CHANNELS[colour], height)


def _unfilter(raw: bytes, stride: int, bpp: int, height: int) -> Iterator[bytes]:
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        yield bytes(line)
        previous = line


def distinct_colours(path: Path, *, every: int = 1) -> set[bytes]:
    """Return the distinct pixel values of every `every`-th row of the PNG at `path`."""
    width, _, rows = png_rows(path)
    colours: set[bytes] = set()
    for y, row in enumerate(rows):
        if y % every == 0:
            bpp = len(row) // width
            colours.update(row[x : x + bpp] for x in range(0, len(row), bpp))
    return colours
