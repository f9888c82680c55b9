"""Loopback servers that misbehave the way real networks do, for the demo's network faults.

They run on one private asyncio loop in a daemon thread (the demo's HTTP servers are threaded;
kmdiag's own loop runs in the main thread): a TCP proxy that adds latency and jitter (there is
no ``tc netem`` here), a TLS listener that shakes hands and then never answers, and a
TLS-terminating proxy that re-signs with its own CA. Everything binds to 127.0.0.0/8 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import threading
import time
from collections.abc import Coroutine
from typing import Any


class NetLoop:
    """A background event loop owning a few servers; ``close()`` stops them all."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.servers: list[asyncio.AbstractServer] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="kmdiag-netfaults")
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(5)

    def listen(self, handler: Any, host: str, port: int, tls: ssl.SSLContext | None = None) -> None:
        if not host.startswith("127."):
            raise ValueError("demo fault servers listen on loopback only")

        async def wrapped(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            if task is not None:
                self.tasks.add(task)
            try:
                await handler(r, w)
            except (OSError, asyncio.IncompleteReadError, ssl.SSLError, asyncio.CancelledError):
                pass  # a client gone, or the demo stopping: either way this connection is over
            finally:
                if task is not None:
                    self.tasks.discard(task)
                with contextlib.suppress(Exception):
                    w.close()

        async def start() -> asyncio.AbstractServer:
            return await asyncio.start_server(wrapped, host, port, ssl=tls, reuse_address=True)

        self.servers.append(self.run(start()))

    def close(self) -> None:
        async def stop() -> None:
            for s in self.servers:
                s.close()
            me = asyncio.current_task()
            pending = [t for t in asyncio.all_tasks() if t is not me]
            for t in pending:
                t.cancel()
            if pending:  # let every connection task unwind, so none is destroyed while pending
                await asyncio.wait(pending, timeout=1)

        with contextlib.suppress(Exception):
            self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(2)
        if not self.thread.is_alive():
            self.loop.close()


async def _pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter, delay: float = 0.0, jitter: float = 0.0) -> None:
    """Copy r → w; each chunk is released ``delay`` (+ up to ``jitter``) seconds after it arrived,
    never before the previous one (order is kept, as on a real link)."""
    queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue()

    async def writer() -> None:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                with contextlib.suppress(OSError):
                    if w.can_write_eof():
                        w.write_eof()
                return
            w.write(data)
            await w.drain()

    task = asyncio.create_task(writer())
    last = 0.0
    try:
        while True:
            data = await r.read(65536)
            due = max(last, time.monotonic() + delay + random.uniform(0, jitter))
            last = due
            await queue.put((due, data or None))
            if not data:
                break
        await task
    finally:
        task.cancel()


async def _bridge(a: tuple[asyncio.StreamReader, asyncio.StreamWriter], b: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                  delay: float = 0.0, jitter: float = 0.0) -> None:
    """Copy both ways until either side closes, then close both."""
    t1 = asyncio.create_task(_pipe(a[0], b[1], delay, jitter))
    t2 = asyncio.create_task(_pipe(b[0], a[1], delay, jitter))
    try:
        await asyncio.wait({t1, t2}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (t1, t2):
            t.cancel()
        for w in (a[1], b[1]):
            with contextlib.suppress(Exception):
                w.close()


def delay_proxy(upstream: tuple[str, int], delay: float, jitter: float) -> Any:
    """Handler: forward to ``upstream`` (TLS passes through untouched) with latency each way."""

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        ur, uw = await asyncio.open_connection(*upstream)
        await _bridge((r, w), (ur, uw), delay, jitter)

    return handle


def black_hole() -> Any:
    """Handler: accept (and, on a TLS listener, finish the handshake), read, never answer."""

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        while await r.read(65536):
            pass

    return handle


def intercept_proxy(upstream: tuple[str, int], server_hostname: str, upstream_tls: ssl.SSLContext) -> Any:
    """Handler for a TLS listener with a re-signed certificate: open a real TLS connection to the
    shop and copy bytes both ways, as a 'secure gateway' on public Wi-Fi does."""

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        ur, uw = await asyncio.open_connection(*upstream, ssl=upstream_tls, server_hostname=server_hostname)
        await _bridge((r, w), (ur, uw))

    return handle
