"""A small loopback shop whose deploys can change under a browser profile, for --my-browser tests.

Each scenario is real behaviour a shopper's browser keeps from an earlier visit: a script cached
with a long max-age that the shop has since replaced, a service worker that serves an old shell,
a cookie the page cannot parse. ``release`` switches what the server serves (a new deploy).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from kmdiag.demo.http import LoopbackHTTPServer
from tests.loopserve import running

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>商品</title>
<link rel="stylesheet" href="/static/site.css">{head}</head><body>
<h1>游戏点卡 100 元</h1><input id="contact" name="contact" placeholder="手机号">
<button id="buy" type="button">立即购买</button><div id="msg"></div>
<script>window.SHOP = {config};</script>
<script src="{app}"></script>{tail}</body></html>"""

# The current script: reads the shop's config, remembers the cart in a cookie, sends the order.
APP_V2 = """(function () {
  var cart = (document.cookie.match(/(?:^|; )km_cart=([^;]*)/) || [])[1];
  if (cart) { JSON.parse(decodeURIComponent(cart)); }
  var busy = false;
  document.getElementById("buy").addEventListener("click", function () {
    if (busy) { return; }
    busy = true;
    fetch(window.SHOP.config.order, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({contact: document.getElementById("contact").value})})
      .then(function (r) { document.getElementById("msg").textContent = r.ok ? "下单成功" : "下单失败"; })
      .catch(function () { document.getElementById("msg").textContent = "网络异常"; })
      .finally(function () { busy = false; });
  });
})();
"""
# The old script (release 1): read a config shape the shop has since renamed.
APP_V1 = """(function () {
  var url = window.SHOP.cfg.orderUrl;
  document.getElementById("buy").addEventListener("click", function () {
    fetch(url, {method: "POST", body: "{}"});
  });
})();
"""
# The inline config the scripts read: renamed in release 2.
CONFIG_V1 = '{"cfg": {"orderUrl": "/api/order"}, "release": 1}'
CONFIG_V2 = '{"config": {"order": "/api/order"}, "release": 2}'
SW_REGISTER = '<script>navigator.serviceWorker && navigator.serviceWorker.register("/sw.js");</script>'
# A cache-first service worker: once installed it answers the product page from its own cache forever.
SW = """const SHELL = "shell-v1";
self.addEventListener("install", e => { e.waitUntil(caches.open(SHELL).then(c => c.addAll(["/item"]))); self.skipWaiting(); });
self.addEventListener("activate", e => { e.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", e => {
  if (e.request.method !== "GET" || new URL(e.request.url).pathname !== "/item") return;
  e.respondWith(caches.match(e.request).then(r => r || fetch(e.request)));
});
"""
# A worker that answers every request itself (fetch(e.request), POSTs too): its own fetches are not
# the page's requests, so a guard that only sees the page's network would miss an order sent this way.
SW_ALL = SW.replace('if (e.request.method !== "GET" || new URL(e.request.url).pathname !== "/item") return;',
                    'if (e.request.method !== "GET" || new URL(e.request.url).pathname !== "/item") {'
                    ' e.respondWith(fetch(e.request)); return; }')
CSS = "body{font-family:sans-serif} #buy{padding:8px 16px;background:#c00;color:#fff}"


class Shop:
    """``release`` 1 or 2; ``sw`` registers the service worker (release 1 only references app.1.js)."""

    def __init__(self, *, sw: bool = False, hashed: bool = False, sw_all: bool = False) -> None:
        self.release = 1
        self.sw = sw or sw_all
        self.sw_all = sw_all
        self.hashed = hashed  # release-named script files (app.1.js / app.2.js) instead of one /static/app.js
        self.orders = 0
        self.posts: list[dict[str, object]] = []
        self.hits: dict[str, int] = {}
        shop = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: object) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                shop.hits[path] = shop.hits.get(path, 0) + 1
                r = shop.release
                if path == "/item":
                    app = f"/static/app.{r}.js" if shop.hashed else "/static/app.js"
                    config = CONFIG_V1 if r == 1 else CONFIG_V2
                    body = PAGE.format(head="", config=config, app=app, tail=SW_REGISTER if shop.sw else "")
                    self._send(200, body.encode(), "text/html; charset=utf-8", {"Cache-Control": "no-cache"})
                elif path == "/static/app.js" or (shop.hashed and path == f"/static/app.{r}.js"):
                    js = (APP_V1 if r == 1 and not shop.hashed else APP_V2).encode()
                    self._send(200, js, "application/javascript", {
                        "Cache-Control": "no-cache" if shop.hashed else "public, max-age=31536000",
                        "ETag": '"' + hashlib.sha256(js).hexdigest()[:16] + '"',
                        "Last-Modified": "Mon, 02 Nov 2026 08:00:00 GMT" if r == 1 else "Tue, 01 Dec 2026 08:00:00 GMT"})
                elif path == "/static/site.css":
                    self._send(200, CSS.encode(), "text/css", {"Cache-Control": "public, max-age=600"})
                elif path == "/sw.js" and shop.sw:
                    self._send(200, (SW_ALL if shop.sw_all else SW).encode(), "application/javascript",
                               {"Cache-Control": "no-cache"})
                else:
                    self._send(404, b"not found", "text/plain", {})

            def do_POST(self) -> None:  # noqa: N802
                shop.orders += 1
                shop.posts.append({"path": self.path, "headers": dict(self.headers)})
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send(200, json.dumps({"code": 0}).encode(), "application/json", {})

            def _send(self, status: int, data: bytes, ctype: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = LoopbackHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = self.origin + "/item"


@contextmanager
def serve(**kw: bool) -> Iterator[Shop]:
    s = Shop(**kw)
    with running(s.httpd):
        yield s
