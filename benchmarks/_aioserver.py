"""A minimal asyncio HTTP/1.1 keep-alive server for a :class:`kmdiag.demo.http.App` (benchmarks only).

Why: the demo's stdlib ``ThreadingHTTPServer`` runs one thread per connection; with 64 keep-alive
connections its threads queue on the GIL and the benchmark would measure that, not the sweep. This
server answers the very same ``App`` (same routes, same gateway state and handlers) over real TCP,
one event loop, with an optional per-request ``latency`` that stands for a real provider's round
trip (loopback answers in ~0.1 ms; an epay ``api.php`` across the internet takes tens of ms).
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

from kmdiag.demo.http import App, Request, Reset

_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def _handle(app: App, head: bytes, body: bytes, client: str) -> tuple[bytes, bool]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = (lines[0].split(" ") + ["", ""])[:3]
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k:
            headers[k.strip().lower()] = v.strip()
    parts = urlsplit(target)
    req = Request(method=method, path=parts.path,
                  query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                  headers=headers, body=body, client=client, raw_target=target)
    resp = app.dispatch(req)
    data = resp.body.encode("utf-8") if isinstance(resp.body, str) else resp.body
    out = [f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Status')}", f"Content-Type: {resp.content_type}",
           f"Content-Length: {len(data)}"] + [f"{k}: {v}" for k, v in resp.headers.items()]
    close = headers.get("connection", "").lower() == "close"
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + data, close


async def serve(app: App, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> asyncio.Server:
    """Start serving ``app``; returns the server (``server.sockets[0].getsockname()[1]`` is the port)."""
    if not host.startswith("127."):
        raise ValueError("loopback only")

    async def conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = writer.get_extra_info("peername")[0]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:].strip() or 0)
                body = await reader.readexactly(length) if length else b""
                if latency:
                    await asyncio.sleep(latency)
                try:
                    data, close = _handle(app, head[:-4], body, client)
                except Reset:
                    break
                writer.write(data)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(conn, host, port, backlog=1024)
