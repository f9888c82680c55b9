"""Byte caps on *decoded* answers, across nested content encodings, decoded a slice at a time.

Why not httpx's own decoders: they inflate each network chunk in one call with no output limit, and
a cap that counts bytes off the wire counts compressed bytes. A 5 kB ``Content-Encoding: gzip, gzip``
answer inflates to gigabytes in a single blocking call. Here every layer (gzip, deflate, br) is an
incremental decoder asked for at most :data:`STEP` bytes at a time (zlib's ``max_length``, brotli's
``output_buffer_limit``), the layers are pulled as a chain, and the total decoded size is counted
against the cap, so a bomb stops at the cap after a few milliseconds and a few hundred kilobytes.
Each step is bounded work, so decoding on the event loop never blocks it.

:class:`CappedTransport` wraps any httpx async transport: the response it returns is already
decoded (``Content-Encoding`` removed, the original kept in ``X-Kmdiag-Content-Encoding``), capped,
and ends within the request's read timeout even when the body trickles in.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

STEP = 64 * 1024  # bytes of output per decode call: bounded work between two awaits
MAX_LAYERS = 4  # "gzip, gzip, gzip, gzip, gzip…" past this is not an answer, it is an attack


def _brotli() -> Any:
    """The brotli module, imported on the first br answer. A dependency at >= 1.2, whose Decompressor
    takes an output limit: that is what lets a br answer be inflated with a cap."""
    import brotli

    return brotli


def _httpx_default() -> str:
    try:
        from httpx._decoders import SUPPORTED_DECODERS

        return ", ".join(k for k in SUPPORTED_DECODERS if k != "identity")
    except ImportError:  # pragma: no cover
        return "gzip, deflate"


_HTTPX_DEFAULT = _httpx_default()


def accept_encoding() -> str:
    """What kmdiag's clients announce: only encodings decoded here with a cap."""
    return "gzip, deflate, br"


class BodyTooLarge(httpx.ReadError):
    """The answer (decoded) was bigger than the client's cap; reading stopped there."""


class _Zlib:
    """gzip (``wbits=31``, members chained) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.wbits = 16 + zlib.MAX_WBITS if kind == "gzip" else zlib.MAX_WBITS
        self.d = zlib.decompressobj(self.wbits)
        self.buf = b""
        self.started = False  # deflate: before the first output, raw deflate may still be tried
        self.seen = b""
        self.full = False  # the last call filled its output: zlib may hold more without new input

    def push(self, data: bytes) -> None:
        self.buf += data
        if self.kind == "deflate" and not self.started:
            self.seen += data

    def pull(self, n: int) -> bytes:
        while self.buf or self.full:
            self.full = False
            if self.d.eof:  # a new gzip member (gzip allows several), or trailing junk, ignored
                if self.kind != "gzip" or not (self.buf.startswith(b"\x1f\x8b") or self.buf == b"\x1f"):
                    self.buf = b""
                    return b""
                if len(self.buf) < 2:
                    return b""  # wait for the rest of the magic number
                self.d = zlib.decompressobj(self.wbits)
            try:
                out = self.d.decompress(self.buf, n)
            except zlib.error as exc:
                if self.kind == "deflate" and not self.started and self.wbits > 0:
                    self.wbits, self.d, self.buf = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS), self.seen
                    continue
                raise httpx.DecodingError(f"the answer is not valid {self.kind}: {exc}") from None
            self.buf = self.d.unused_data if self.d.eof else self.d.unconsumed_tail
            self.full = len(out) == n and not self.d.eof
            if out:
                self.started, self.seen = True, b""
                return out
        return b""


class _Brotli:
    def __init__(self, mod: Any) -> None:
        self.mod, self.d, self.buf = mod, mod.Decompressor(), b""

    def push(self, data: bytes) -> None:
        self.buf += data

    def pull(self, n: int) -> bytes:
        try:
            if not self.d.can_accept_more_data():
                return self.d.process(b"", output_buffer_limit=n)
            if not self.buf:
                return b""
            data, self.buf = self.buf, b""
            return self.d.process(data, output_buffer_limit=n)
        except self.mod.error as exc:
            raise httpx.DecodingError(f"the answer is not valid br: {exc}") from None


def encodings_of(headers: httpx.Headers) -> list[str]:
    """The ``Content-Encoding`` values kmdiag decodes, in the order to undo them (last applied first)."""
    values = [v.strip().lower() for v in headers.get_list("content-encoding", split_commas=True)]
    return [v for v in values if v in ("gzip", "x-gzip", "deflate", "br")][::-1]


class CappedDecoder:
    """``feed(raw)`` / ``finish()`` yield decoded slices; :class:`BodyTooLarge` once ``cap`` is passed.

    ``truncate=True`` ends quietly instead, one byte past the cap, so a reader that keeps what it
    got can still tell a cut answer from one exactly at the cap.
    """

    def __init__(self, encodings: list[str], cap: int, request: httpx.Request | None = None,
                 truncate: bool = False) -> None:
        if len(encodings) > MAX_LAYERS:
            raise httpx.DecodingError(f"the answer is encoded {len(encodings)} times over; kmdiag decodes at "
                                      f"most {MAX_LAYERS} layers", request=request)
        layers: list[Any] = []
        for e in encodings:
            if e == "br":
                layers.append(_Brotli(_brotli()))
            else:
                layers.append(_Zlib("gzip" if e in ("gzip", "x-gzip") else "deflate"))
        self.layers, self.cap, self.request, self.truncate = layers, cap, request, truncate
        self.raw = 0
        self.decoded = 0
        self.done = False

    def feed(self, raw: bytes) -> Iterator[bytes]:
        if self.done:
            return
        self.raw += len(raw)
        if not self.layers:
            yield from self._count(raw)
            return
        self.layers[0].push(raw)
        while not self.done and (out := self._pull(len(self.layers) - 1)):
            yield from self._count(out)

    def _pull(self, i: int) -> bytes:
        layer = self.layers[i]
        while True:
            out = layer.pull(STEP)
            if out or i == 0:
                return out
            up = self._pull(i - 1)
            if not up:
                return b""
            layer.push(up)

    def _count(self, out: bytes) -> Iterator[bytes]:
        room = self.cap - self.decoded
        self.decoded += len(out)
        if len(out) <= room:
            yield out
            return
        self.done = True
        if self.truncate:
            yield out[: room + 1]
            return
        raise BodyTooLarge(f"the answer is larger than {self.cap} bytes once decoded ({self.raw} bytes on the "
                           "wire); kmdiag stopped reading it", request=self.request)


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: Any, decoder: CappedDecoder, request: httpx.Request, deadline: float) -> None:
        self._inner, self._decoder, self._request, self._deadline = inner, decoder, request, deadline

    async def __aiter__(self) -> AsyncIterator[bytes]:
        it = self._inner.__aiter__()
        while not self._decoder.done:
            left = self._deadline - time.monotonic()
            try:
                if left <= 0:
                    raise TimeoutError
                chunk = await asyncio.wait_for(it.__anext__(), left)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise httpx.ReadTimeout("the answer did not finish in time (it arrived too slowly)",
                                        request=self._request) from None
            for out in self._decoder.feed(chunk):
                yield out
                await asyncio.sleep(0)  # a long run of decoded slices still lets other probes run

    async def aclose(self) -> None:
        await self._inner.aclose()


class CappedTransport(httpx.AsyncBaseTransport):
    """Every answer decoded here under ``cap`` bytes and within the request's read timeout."""

    def __init__(self, inner: httpx.AsyncBaseTransport, cap: int, truncate: bool = False) -> None:
        self._inner, self._cap, self._truncate = inner, cap, truncate

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        total = (request.extensions.get("timeout") or {}).get("read") or 5.0
        if request.headers.get("accept-encoding") in (None, _HTTPX_DEFAULT):
            request.headers["Accept-Encoding"] = accept_encoding()
        resp = await self._inner.handle_async_request(request)
        encodings = encodings_of(resp.headers)
        decoder = CappedDecoder(encodings, self._cap, request, self._truncate)
        headers = resp.headers.copy()
        if encodings:  # the body below is already decoded: httpx must not decode it again
            headers["X-Kmdiag-Content-Encoding"] = headers.get("content-encoding", "")
            del headers["content-encoding"]
            headers.pop("content-length", None)
        return httpx.Response(resp.status_code, headers=headers, extensions=resp.extensions, request=request,
                              stream=_CappedStream(resp.stream, decoder, request, started + total))

    async def aclose(self) -> None:
        await self._inner.aclose()
