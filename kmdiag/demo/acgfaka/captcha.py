"""The trade captcha image (``/user/captcha/image?action=trade``): four digits in a small noisy PNG.

Why a real image: a person clicking through ``kmdiag demo --platform acg-faka`` must be able to read
it, and an automated click must not (kmdiag recognises the captcha and never tries to pass it).
Standard library only: a 3×5 digit font drawn into a grey-scale PNG written with zlib.
"""

from __future__ import annotations

import random
import struct
import zlib

_FONT = {  # 3 columns × 5 rows per digit
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001010010010",
    "8": "111101111101111", "9": "111101111001111",
}
SCALE = 5
W, H = 4 * 4 * SCALE + 2 * SCALE, 7 * SCALE


def new_code(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(4))


def png(code: str, rng: random.Random) -> bytes:
    """The code drawn dark on a light, speckled background."""
    px = [[rng.randrange(200, 256) for _ in range(W)] for _ in range(H)]
    for i, ch in enumerate(code):
        x0, y0 = SCALE + i * 4 * SCALE + rng.randrange(0, 3), SCALE + rng.randrange(-2, 3)
        for n, bit in enumerate(_FONT[ch]):
            if bit != "1":
                continue
            cx, cy = x0 + (n % 3) * SCALE, y0 + (n // 3) * SCALE
            for y in range(max(0, cy), min(H, cy + SCALE)):
                for x in range(max(0, cx), min(W, cx + SCALE)):
                    px[y][x] = rng.randrange(20, 90)
    raw = b"".join(b"\x00" + bytes(row) for row in px)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
