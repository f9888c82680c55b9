"""A loopback server for the theme-shaped pages in ``pages/``: ``/p/<name>`` serves ``<name>.html``,
``/assets/`` the stand-in libraries, and the order endpoints answer as a shop would.

Every POST to an order endpoint is counted, so tests can assert that a diagnosis without
``--submit`` created nothing. ``/user/api/index/pay`` answers after a short delay, as acg-faka's
``item.js`` call does, so the pay buttons are built well after ``load``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from kmdiag.demo.http import LoopbackHTTPServer
from tests.loopserve import running

PAGES_DIR = Path(__file__).parent / "pages"
MOBILE_IN_PAGE = "19912345678"  # kmdiag.browser.fill.MOBILE: must never appear unmasked in a report
ORDER_PATHS = ("/create-order", "/order/submit", "/api/order/create", "/user/api/order/trade")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "application/javascript", ".css": "text/css"}


class ThemeServer:
    def __init__(self) -> None:
        self.orders: list[str] = []
        srv = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                if path.startswith("/p/"):
                    f = PAGES_DIR / (path[3:] + ".html")
                elif path.startswith("/assets/"):
                    f = PAGES_DIR / "assets" / path[len("/assets/"):]
                else:
                    f = None
                if f is None or not f.is_file() or ".." in path:
                    self._send(404, b"not found", "text/plain")
                    return
                self._send(200, f.read_bytes(), _TYPES.get(f.suffix, "application/octet-stream"))

            def do_POST(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if path == "/user/api/index/pay":
                    time.sleep(0.4)
                    body = {"code": 200, "data": [{"id": 1, "name": "支付宝"}, {"id": 2, "name": "微信支付"}]}
                    self._send(200, json.dumps(body, ensure_ascii=False).encode(), "application/json")
                    return
                if path in ORDER_PATHS:
                    srv.orders.append(path)
                if path == "/create-order":
                    self.send_response(302)
                    self.send_header("Location", "/bill/KMDIAGTEST0001")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._send(200, json.dumps({"code": 200, "msg": "下单成功"}, ensure_ascii=False).encode(), "application/json")

            def _send(self, status: int, data: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    # Chromium may drop a connection mid-answer (a page navigating away, a closed
                    # tab): normal browser behaviour, not a server error whose traceback would land
                    # in the in-process CLI run's stderr (seen under load as a flaky "Traceback").
                    self.close_connection = True

        self.httpd = LoopbackHTTPServer(("127.0.0.1", 0), H)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@contextmanager
def serve() -> Iterator[ThemeServer]:
    s = ThemeServer()
    with running(s.httpd):
        yield s


# page -> (profile or None, expected first cause id or None, expected exit code). The truth, decided
# from what each page really does; tests and benchmarks/themes_accuracy.py both read it. A page that
# works in kmdiag's clean browser is client.browser-state (the shopper's own browser differs), exit 1.
EXPECTED: list[tuple[str, str | None, str | None, int]] = [
    ("unicorn", None, "client.browser-state", 1),
    ("unicorn", "dujiaoka", "client.browser-state", 1),
    ("unicorn-notice", None, "frontend.button-obscured", 1),
    ("unicorn-notice", "dujiaoka", "frontend.button-obscured", 1),
    ("alert-phone", None, "frontend.validation-too-strict", 1),
    ("layer-msg", None, "frontend.validation-too-strict", 1),
    ("native-pattern", None, "frontend.validation-too-strict", 1),
    ("vant-qq", None, "frontend.validation-too-strict", 1),
    ("element-ok", None, "client.browser-state", 1),
    ("cdn-fallback-overlay", None, "frontend.button-obscured", 1),
    ("cdn-dead", None, "frontend.third-party-script", 1),
    ("broken-bundle", None, "frontend.script-error", 1),
    ("layui-notice", None, "frontend.button-obscured", 1),
    ("acg-pay", None, "client.browser-state", 1),
    ("acg-pay", "acg-faka", "client.browser-state", 1),
    ("required-unknown", None, None, 3),
    ("confirm-buy", None, None, 0),
    ("swal-ok", None, "client.browser-state", 1),
]
