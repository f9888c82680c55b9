"""A loopback HTTP server that records every request line and answers like a tiny shop + epay gateway.

Used to prove where kmdiag's requests go: the hostile-id tests assert that no request leaves the
order's own path. ``server_bind`` is overridden because ``http.server``'s does a reverse lookup
(``socket.getfqdn``), which would send a DNS packet off loopback.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from kmdiag.demo.http import LoopbackHTTPServer

_Server = LoopbackHTTPServer  # no getfqdn in server_bind: that would be a reverse lookup


class Capture:
    """``Capture().start()``; ``.base``; ``.requests`` = [(method, raw target)]; ``close()``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.answers: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        cap = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def _any(self) -> None:
                cap.requests.append((self.command, self.path))
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                path = self.path.split("?", 1)[0]
                status, body, hdrs = cap.answer(path)
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **hdrs}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _any  # noqa: N815

        self.server = _Server(("127.0.0.1", 0), H)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        for prefix, ans in self.answers.items():
            if path.startswith(prefix):
                return ans
        if path.endswith("/api.php"):  # epay act=order: paid
            return 200, json.dumps({"code": 1, "status": "1", "trade_no": "T1", "money": "1.00", "type": "alipay",
                                    "name": "card", "endtime": "2026-11-25 10:00:00"}).encode(), {}
        if path.startswith("/api/orders/"):
            return 200, b'{"code": 0, "data": {"status": 0, "amount": "1.00"}}', {}
        if path.startswith("/notify"):
            return 200, b"success", {"Content-Type": "text/plain"}
        return 404, b"{}", {}

    def start(self) -> Capture:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def profile_yaml(base: str, name: str = "capture") -> str:
    """A shop whose order, callbacks, notify and epay gateway are all the capture server."""
    return json.dumps({
        "name": name, "base_url": base + "/",
        "payment": {
            "order_endpoint": "/api/orders/{order_id}", "order_fields": {"status": "data.status", "amount": "data.amount"},
            "status_map": {"0": "unpaid", "1": "completed"},
            "notify_url": base + "/notify/{order_id}",
            "repair_endpoint": "/api/orders/{order_id}/repair",
            "admin": {"token_env": "KMDIAG_CAPTURE_ADMIN"},
            "callback_log": {"endpoint": "/api/orders/{order_id}/notifies"},
            "provider": {"kind": "epay", "gateway": base, "merchant_id": "1001", "md5_key_env": "KMDIAG_CAPTURE_KEY"},
        },
    })
