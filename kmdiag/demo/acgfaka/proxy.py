"""The web server in front of PHP: a real loopback reverse proxy, as nginx stands before php-fpm.

Why it exists: the shop builds its notify URL from ``HTTP_HOST``, and what ``HTTP_HOST`` holds is
the web server's choice. Debian's ``fastcgi_params`` passes ``$host`` (no port) since nginx
1.22.1-9+deb12u6; older packages and ``$http_host`` keep the port (reference §7, §7.1). With
``keep_port=False`` this proxy forwards exactly that way, so a shop on a non-default port hands the
gateway a port-80 callback URL — the misconfiguration is real, nothing tells kmdiag about it.
"""

from __future__ import annotations

import http.client
from typing import TYPE_CHECKING

from kmdiag.demo.http import App, Request, Reset, Response

if TYPE_CHECKING:
    from collections.abc import Callable

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection", "content-length", "host"}


def proxy_app(backend_port: int, keep_port: Callable[[], bool]) -> App:
    """An App that forwards every request to ``127.0.0.1:backend_port`` (30 s upstream timeout)."""
    app = App()

    def forward(req: Request) -> Response:
        host = req.headers.get("host", "")
        if not keep_port():
            host = host.rsplit(":", 1)[0] if not host.endswith("]") else host  # fastcgi_param HTTP_HOST $host
        headers = {k: v for k, v in req.headers.items() if k not in HOP}
        headers["Host"] = host
        headers["X-Real-IP"] = req.client or "127.0.0.1"
        conn = http.client.HTTPConnection("127.0.0.1", backend_port, timeout=30)
        try:
            conn.request(req.method, req.raw_target or req.path, body=req.body or None, headers=headers)
            r = conn.getresponse()
            body = r.read()
        except OSError:
            raise Reset from None  # upstream gone: the client sees its connection closed
        finally:
            conn.close()
        out = {k: v for k, v in r.getheaders() if k.lower() not in HOP | {"content-type", "server", "date"}}
        return Response(r.status, body, out, r.getheader("content-type") or "text/html; charset=utf-8")

    app.before.append(forward)
    return app
