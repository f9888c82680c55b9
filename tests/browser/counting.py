"""A loopback HTTP server that counts (and keeps) every request it receives, for the read-only tests.

Server-side counting is the proof: whatever the browser or a probe claims, a write that reached the
shop is in ``hits``. Pages are plain strings (``{other}`` is replaced by the second origin); a page
may be a callable ``(handler) -> (status, body, content_type)`` for delayed or dynamic answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from kmdiag.demo.http import LoopbackHTTPServer


@dataclass
class Hit:
    method: str
    path: str
    user_agent: str
    body: bytes = b""


@dataclass
class Counter:
    pages: dict[str, Any]
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""
    other: str = ""

    def writes(self) -> list[Hit]:
        return [h for h in self.hits if h.method not in ("GET", "HEAD")]

    def paths(self, method: str | None = None) -> list[str]:
        return [h.path for h in self.hits if method is None or h.method == method]


def _handler(c: Counter) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: object) -> None:
            return

        def _any(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            body_in = self.rfile.read(n) if n else b""
            path = self.path.split("?")[0]
            with c.lock:
                c.hits.append(Hit(self.command, path, self.headers.get("User-Agent", ""), body_in[:100]))
            page = c.pages.get(path)
            if callable(page):
                status, body, ctype = page(self)
            elif page is not None:
                status, body, ctype = 200, page.replace("{other}", c.other), (
                    "application/javascript" if path.endswith(".js") else "text/html; charset=utf-8")
            elif self.command == "GET":
                status, body, ctype = 404, "not found", "text/plain"
            else:
                status, body, ctype = 200, '{"code":200,"msg":"ok"}', "application/json"
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Headers", "*")
            self.end_headers()
            if self.command != "HEAD":
                try:
                    self.wfile.write(data)
                except OSError:  # the browser gave up on it (a stopped or closed page): fine
                    pass

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _any  # noqa: N815

    return H


@contextmanager
def counting(pages: dict[str, Any], other_pages: dict[str, Any] | None = None) -> Iterator[tuple[Counter, Counter]]:
    """Two counting servers (two origins): the shop, and another host (an order API elsewhere)."""
    shop, other = Counter(pages), Counter(other_pages or {})
    servers = []
    for c in (shop, other):
        httpd = LoopbackHTTPServer(("127.0.0.1", 0), _handler(c))  # no reverse lookup of its own name
        httpd.daemon_threads = True
        c.base = f"http://127.0.0.1:{httpd.server_address[1]}"
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    shop.other = other.base
    other.other = shop.base
    try:
        yield shop, other
    finally:
        for httpd in servers:
            httpd.shutdown()
            httpd.server_close()


@contextmanager
def cpu_load(workers: int = 2, seconds: float = 60.0) -> Iterator[None]:
    """Busy processes (bounded in time, ended by their own pid) so the browser runs on a loaded machine."""
    import subprocess
    import sys

    code = f"import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(workers)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait(timeout=5)


Page = Callable[[BaseHTTPRequestHandler], tuple[int, str, str]]
