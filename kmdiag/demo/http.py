"""A tiny threaded HTTP(S) server with a route table, for the demo shop and gateway.

Standard library only, so the demo starts in milliseconds in-process. Handlers get a
:class:`Request` and return a :class:`Response`; a handler may also sleep (to model a hang) or
raise :class:`Reset` to drop the connection without an answer.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    client: str = ""
    raw_target: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def cookie(self, name: str) -> str | None:
        for part in self.headers.get("cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == name:
                return v
        return None


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain; charset=utf-8"

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, json.dumps(obj, ensure_ascii=False), dict(headers or {}), "application/json; charset=utf-8")

    @classmethod
    def html(cls, text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, text, dict(headers or {}), "text/html; charset=utf-8")


class Reset(Exception):
    """Raised by a handler: close the connection without answering (a crashed upstream)."""


Handler = Callable[[Request], Response]


class App:
    """Routes: (METHOD, pattern) → handler. Patterns use ``{name}`` for one path segment."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.before: list[Callable[[Request], Response | None]] = []
        self.log: list[dict[str, Any]] = []  # every request seen, for tests and the demo's own logs

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        rx = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

        def deco(fn: Handler) -> Handler:
            self.routes.append((method.upper(), rx, fn))
            return fn

        return deco

    def dispatch(self, req: Request) -> Response:
        for hook in self.before:
            r = hook(req)
            if r is not None:
                return r
        allowed: list[str] = []
        for method, rx, fn in self.routes:
            m = rx.match(req.path)
            if not m:
                continue
            if method not in (req.method, "ANY"):
                allowed.append(method)
                continue
            req.params = m.groupdict()
            return fn(req)
        if allowed:
            return Response(405, f"method {req.method} not allowed; use {', '.join(allowed)}", {"Allow": ", ".join(allowed)})
        return Response(404, "not found")


def _handler_class(app: App) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "kmdiag-demo/1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the client's
        # delayed ACK (≈40 ms on Linux) on every keep-alive request. Real servers set TCP_NODELAY too.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 10_000_000)) if length else b""
            req = Request(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                client=self.client_address[0],
                raw_target=self.path,
            )
            app.log.append({"method": req.method, "path": req.path, "query": req.query, "headers": req.headers})
            try:
                resp = app.dispatch(req)
            except Reset:
                try:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                except OSError:
                    pass
                self.close_connection = True
                return
            data = resp.body.encode("utf-8") if isinstance(resp.body, str) else resp.body
            try:
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _handle

    return H


class LoopbackHTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` without the reverse lookup in ``server_bind``.

    ``HTTPServer.server_bind`` calls ``socket.getfqdn(host)``: for 127.0.0.x that is a PTR query which,
    when the address is not in /etc/hosts, goes to the system resolver — a packet off loopback, and
    seconds lost when that resolver is black-holed. The name is only used in error pages.
    """

    daemon_threads = True

    def server_bind(self) -> None:
        import socketserver

        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Server(LoopbackHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr: tuple[str, int], handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None) -> None:
        self.tls = tls
        super().__init__(addr, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        if self.tls is not None:
            sock.settimeout(5)
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
                request.settimeout(None)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:  # keep the demo quiet
        return


class Server:
    """A running server; ``close()`` stops it. ``port`` is the bound port."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        if not host.startswith("127."):
            raise ValueError("the demo only listens on loopback")
        self.httpd = _Server((host, port), _handler_class(app), tls)
        self.host = host
        self.port = self.httpd.server_address[1]
        self.app = app
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
