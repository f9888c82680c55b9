"""A hostile loopback server: every way a shop or provider can misbehave at the byte level.

A raw socket server (not ``kmdiag.demo.http``) because several answers are not HTTP at all, or
stop, stall or reset mid-way, which a well-behaved HTTP library on the server side would not let
us do. One thread per connection; every stall waits on ``stop`` so ``close()`` ends them all.
The route is the request path's first segment; anything after it (a query, ``/api.php``) is
ignored, so one profile can point every endpoint at the same misbehaviour.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Callable

BIG_TOTAL = 200 * 1024 * 1024  # bytes the "huge body" route offers
_CHUNK = b"x" * 65536


def _head(status: str = "200 OK", ctype: str = "text/html; charset=utf-8", length: int | None = None,
          extra: str = "") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {ctype}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _full(body: bytes, ctype: str = "application/json; charset=utf-8", status: str = "200 OK") -> bytes:
    return _head(status, ctype, len(body)) + body


PAGE_SPIN = b"<!doctype html><html><body><button id='buy-now'>Buy now</button><script>while(true){}</script></body></html>"
PAGE_SPIN_LATE = (b"<!doctype html><html><body><button id='buy-now'>Buy now</button>"
                  b"<script>addEventListener('load', function(){setTimeout(function(){while(true){}}, 0)})</script>"
                  b"</body></html>")
PAGE_ALERTS = b"<!doctype html><html><body><button id='buy-now'>Buy now</button><script>while(true){alert('hi')}</script></body></html>"
PAGE_ALERTS_CLICK = (b"<!doctype html><html><body><button id='buy-now' onclick=\"while(true){alert('no')}\">Buy now</button>"
                     b"</body></html>")


def _bomb(name: str, encoding: str) -> bytes:
    """A committed compression bomb (tests/hardening/bombs: ~5 kB on the wire, 3 GiB decoded)."""
    from pathlib import Path

    body = (Path(__file__).resolve().parent / "bombs" / name).read_bytes()
    return _head(ctype="application/json", length=len(body), extra=f"Content-Encoding: {encoding}") + body


def _dom10k() -> bytes:
    items = "".join(f"<div class='item'><span>item {i}</span><a href='#'>link {i}</a></div>" for i in range(10_000))
    return f"<!doctype html><html><body><button id='buy-now'>Buy now</button>{items}</body></html>".encode()


class Hostile:
    """``Hostile().start()``; ``url(route)``; ``close()``."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[str] = []
        self.routes: dict[str, Callable[[socket.socket, str], None]] = {
            "big": self._big, "loop": self._loop, "drip": self._drip, "hang-headers": self._hang_headers,
            "hang": self._hang, "badjson": self._const(_full(b'{"code": 0, "data": {"status": "paid"')),
            "list": self._const(_full(b"[1, 2, 3]")), "number": self._const(_full(b"42")),
            "nested": self._const(_full(b"[" * 100_000 + b"]" * 100_000)),
            "nestedobj": self._const(_full(b'{"a":' * 50_000 + b"1" + b"}" * 50_000)),
            "latin1": self._const(_full("{\"msg\": \"\xe9\xe8 caf\xe9 \xff\xfe\"}".encode("latin-1"))),
            "garbage": self._const(b"\x00\xff\xfeSSH-2.0-NOT-HTTP \x1b[31m garbage\r\n\r\n\x00" * 8),
            "reset": self._reset, "spin": self._const(_full(PAGE_SPIN, "text/html; charset=utf-8")),
            "spin-late": self._const(_full(PAGE_SPIN_LATE, "text/html; charset=utf-8")),
            "alerts": self._const(_full(PAGE_ALERTS, "text/html; charset=utf-8")),
            "alerts-click": self._const(_full(PAGE_ALERTS_CLICK, "text/html; charset=utf-8")),
            "dom10k": self._const(_full(_dom10k(), "text/html; charset=utf-8")),
            "ok": self._const(_full(b'{"code": 0}')),
            "gzbomb": self._const(_bomb("gzip-gzip.bin", "gzip, gzip")),
            "nested900": self._const(_full(b'{"code": 0, "data": ' + b"[" * 900 + b"]" * 900 + b"}")),
            "obj900": self._const(_full(b'{"a":' * 900 + b'"\\ud800"' + b"}" * 900)),
            "surrogate": self._const(_full(b'{"code": 0, "msg": "\\udc80\\ud800x", "data": {"status": "\\ud800"}}')),
            "brbomb": self._const(_bomb("br.bin", "br")),
            "deflbomb": self._const(_bomb("deflate-deflate.bin", "deflate, deflate")),
        }
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> Hostile:
        self.thread.start()
        return self

    def url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.port}/{route}"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()

    # -- plumbing ---------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                part = conn.recv(4096)
                if not part:
                    return
                data += part
            first = data.split(b"\r\n", 1)[0].decode("latin-1")
            target = first.split(" ")[1] if first.count(" ") >= 2 else "/"
            route = target.lstrip("/").split("?", 1)[0].split("/", 1)[0]
            self.hits.append(route)
            conn.settimeout(None)
            self.routes.get(route, self._const(_full(b"not found", "text/plain", "404 Not Found")))(conn, target)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    @staticmethod
    def _const(payload: bytes) -> Callable[[socket.socket, str], None]:
        def send(conn: socket.socket, _target: str) -> None:
            conn.sendall(payload)
        return send

    # -- misbehaviours ----------------------------------------------------------------------
    def _big(self, conn: socket.socket, _target: str) -> None:
        conn.sendall(_head(ctype="application/json", length=BIG_TOTAL) + b'{"pad": "')
        sent = 0
        while sent < BIG_TOTAL and not self.stop.is_set():
            conn.sendall(_CHUNK)
            sent += len(_CHUNK)

    def _loop(self, conn: socket.socket, target: str) -> None:
        path = target.split("?", 1)[0]
        n = int(target.rsplit("n=", 1)[1]) if "n=" in target else 0
        conn.sendall(_head("302 Found", length=0, extra=f"Location: {path}?n={n + 1}"))

    def _drip(self, conn: socket.socket, _target: str) -> None:
        conn.sendall(_head(ctype="application/json", length=10_000) + b'{"a":"')
        while not self.stop.wait(1.0):
            conn.sendall(b"x")

    def _hang_headers(self, conn: socket.socket, _target: str) -> None:
        conn.sendall(_head(ctype="application/json", length=100))
        self.stop.wait()

    def _hang(self, conn: socket.socket, _target: str) -> None:
        self.stop.wait()

    def _reset(self, conn: socket.socket, _target: str) -> None:
        conn.sendall(_head(ctype="application/json", length=100_000) + b'{"data": "' + b"y" * 2000)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


ROUTES = ("big", "loop", "drip", "hang-headers", "hang", "badjson", "list", "number", "nested", "nestedobj",
          "latin1", "garbage", "reset", "gzbomb", "brbomb", "deflbomb",
          "nested900", "obj900", "surrogate")
PAGES = ("spin", "spin-late", "alerts", "alerts-click", "dom10k")


def profile_yaml(base: str, route: str, *, trusted: str, name: str = "hostile") -> str:
    """A profile whose every endpoint (page, health, account, order, callbacks, provider) is ``route``."""
    doc = {
        "name": name, "base_url": base + "/",
        "network": {"system_resolver": trusted, "trusted_resolvers": [trusted], "static_path": f"/{route}",
                    "latency_samples": 2},
        "platform": {"health_path": f"/{route}"},
        "order": {"product_url": f"/{route}", "button": "#buy-now", "order_request": f"POST /{route}",
                  "feedback_ms": 1000},
        "account": {"token_env": "KMDIAG_HOSTILE_TOKEN", "endpoint": f"/{route}",
                    "fields": {"logged_in": "code == `0`"}},
        "payment": {
            "order_endpoint": f"/{route}/{{order_id}}", "notify_url": f"{base}/{route}",
            "callback_log": {"endpoint": f"/{route}/notifies"},
            "provider": {"kind": "epay", "gateway": f"{base}/{route}", "merchant_id": "1001",
                         "key_env": "KMDIAG_HOSTILE_KEY"},
        },
    }
    return json.dumps(doc)  # JSON is YAML
