"""Regenerate the compression bombs (run once; the outputs are committed, a few kB each).

Each decodes to 3 GiB of zeros: ``gzip-gzip.bin`` (Content-Encoding: gzip, gzip), ``br.bin`` (br),
``deflate-deflate.bin`` (deflate, deflate; zlib-wrapped inside, raw deflate outside).
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
GIB3 = 3 * 1024


def _zlib(wbits: int, mb: int, chunk: bytes | None = None) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    z = chunk or b"\0" * (1 << 20)
    return b"".join([c.compress(z) for _ in range(mb)] + [c.flush()])


def _wrap(wbits: int, data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return c.compress(data) + c.flush()


def main() -> None:
    (HERE / "gzip-gzip.bin").write_bytes(_wrap(31, _zlib(31, GIB3)))
    (HERE / "deflate-deflate.bin").write_bytes(_wrap(-15, _zlib(15, GIB3)))
    import brotli

    c = brotli.Compressor(quality=5)
    z = b"\0" * (1 << 20)
    (HERE / "br.bin").write_bytes(b"".join([c.process(z) for _ in range(GIB3)] + [c.finish()]))


if __name__ == "__main__":
    main()
