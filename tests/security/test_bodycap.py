"""Decoded-size caps: nested gzip/deflate/br decoded a slice at a time, stopped at the cap."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
import zlib
from pathlib import Path

import brotli
import httpx
import pytest

from kmdiag.bodycap import BodyTooLarge, CappedDecoder, CappedTransport

BOMBS = Path(__file__).resolve().parents[1] / "hardening" / "bombs"
CAP = 1_000_000


def _decode(encodings: list[str], data: bytes, cap: int = CAP, piece: int = 1024, truncate: bool = False) -> bytes:
    d = CappedDecoder(encodings, cap, truncate=truncate)
    out = bytearray()
    for i in range(0, len(data), piece):
        for part in d.feed(data[i:i + piece]):
            out += part
    return bytes(out)


PLAIN = b'{"code": 0, "data": {"status": "paid", "pad": "' + b"abc" * 20_000 + b'"}}'


@pytest.mark.parametrize("encodings,encode", [
    ([], lambda b: b),
    (["gzip"], gzip.compress),
    (["deflate"], zlib.compress),
    (["deflate"], lambda b: zlib.compress(b, wbits=-15)),  # raw deflate, as some servers send it
    (["br"], brotli.compress),
    (["gzip", "gzip"], lambda b: gzip.compress(gzip.compress(b))),  # list order = undo order
    (["br", "gzip"], lambda b: brotli.compress(gzip.compress(b))),
    (["gzip"], lambda b: gzip.compress(b[:1000]) + gzip.compress(b[1000:])),  # two gzip members
])
@pytest.mark.parametrize("piece", [1, 7, 65536])
def test_round_trip_in_any_chunking(encodings: list[str], encode, piece: int) -> None:
    data = encode(PLAIN)
    if piece == 1 and len(data) > 20_000:
        piece = 3
    assert _decode(encodings, data, piece=piece) == PLAIN


@pytest.mark.parametrize("name,encodings", [("gzip-gzip.bin", ["gzip", "gzip"]), ("br.bin", ["br"]),
                                            ("deflate-deflate.bin", ["deflate", "deflate"])])
def test_bombs_stop_at_the_cap_fast_and_small(name: str, encodings: list[str]) -> None:
    data = (BOMBS / name).read_bytes()
    assert len(data) < 20_000
    tracemalloc.start()
    started = time.process_time()
    with pytest.raises(BodyTooLarge) as e:
        _decode(encodings, data, piece=16384)
    cpu = time.process_time() - started
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "larger than 1000000 bytes once decoded" in str(e.value)
    assert peak < 8 * CAP, peak  # a few slices and the decoders' windows, never the bomb
    assert cpu < 5.0  # generous: the whole point is milliseconds, not the 60 s of a full inflate


def test_truncate_mode_keeps_one_byte_past_the_cap() -> None:
    out = _decode(["gzip", "gzip"], (BOMBS / "gzip-gzip.bin").read_bytes(), truncate=True)
    assert len(out) == CAP + 1


@pytest.mark.parametrize("encodings,data", [(["gzip"], b"not gzip at all"), (["br"], b"\xff\xff\xff garbage"),
                                            (["deflate"], b"\x00\x01garbage")])
def test_garbage_is_a_decoding_error(encodings: list[str], data: bytes) -> None:
    with pytest.raises(httpx.DecodingError):
        _decode(encodings, data)


def test_too_many_layers_refused() -> None:
    with pytest.raises(httpx.DecodingError):
        CappedDecoder(["gzip"] * 5, CAP)


class _Serve(httpx.AsyncBaseTransport):
    """Answers with raw bytes as a server would (MockTransport would read and inflate them itself)."""

    def __init__(self, body: bytes, encoding: str) -> None:
        self.body, self.encoding = body, encoding

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.accept = request.headers.get("accept-encoding")
        return httpx.Response(200, headers={"Content-Encoding": self.encoding}, stream=httpx.ByteStream(self.body))


def _serve(body: bytes, encoding: str) -> _Serve:
    return _Serve(body, encoding)


def test_transport_hands_httpx_a_decoded_capped_body() -> None:
    async def go(body: bytes, enc: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=CappedTransport(_serve(body, enc), CAP)) as c:
            return await c.get("http://127.0.0.1/x")

    r = asyncio.run(go(gzip.compress(gzip.compress(PLAIN)), "gzip, gzip"))
    assert r.content == PLAIN and r.json()["code"] == 0
    assert "content-encoding" not in r.headers and r.headers["x-kmdiag-content-encoding"] == "gzip, gzip"
    with pytest.raises(BodyTooLarge):
        asyncio.run(go((BOMBS / "gzip-gzip.bin").read_bytes(), "gzip, gzip"))
