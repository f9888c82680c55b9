"""Differently built product pages, served from a loopback server, for the button-finder tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from kmdiag.demo.http import LoopbackHTTPServer
from tests.loopserve import running

HEAD = '<!doctype html><html><head><meta charset="utf-8"><title>t</title>' \
       '<style>.btn{display:inline-block;padding:8px 16px;background:#c00;color:#fff}</style></head><body>'
NAV = '<nav><a href="/help">购买须知</a> <a href="/faq">Help</a> <a href="/">首页</a></nav>'

PAGES: dict[str, str] = {
    "/button-zh": NAV + '<h1>商品</h1><input id="c" name="contact"><button id="b">立即购买</button>',
    "/a-as-button": NAV + '<input name="contact"><a class="btn btn-primary" href="javascript:;" id="b">立即下单</a>',
    "/input-submit": NAV + '<form onsubmit="return false"><input name="contact"><input type="submit" id="b" value="提交订单"></form>',
    "/div-role-button": NAV + '<input name="contact"><div role="button" tabindex="0" id="b" class="buy">Buy now</div>',
    "/button-en": '<nav><a href="/terms">Terms</a></nav><input name="email"><button id="b">Place order</button>',
    "/form-submit-unlabelled": '<form onsubmit="return false"><input name="contact"><button id="b">Go</button></form>',
    "/acg-faka": NAV + '<div class="item"><input name="contact"><input name="captcha" placeholder="验证码">'
                 '<img class="captcha-img" src="/user/captcha/image?action=trade" width="80" height="30">'
                 '<div class="cash-pay"><div class="pay-list"><a class="pay" data-id="1" id="b"><span>支付宝</span></a>'
                 '<a class="pay" data-id="2"><span>微信支付</span></a></div></div></div>',
    "/sold-out": NAV + '<div class="goods-info"><h1>点卡</h1><span class="badge" style="color:#c00">已售罄</span>'
                 '<input name="contact"></div>',
    "/sold-out-elsewhere": NAV + '<input name="contact"><button id="b">立即购买</button>'
                           '<div style="margin-top:900px">猜你喜欢：<span>月卡（已售罄）</span></div>',
    "/hcaptcha": '<form onsubmit="return false"><input name="contact">'
                 '<div class="h-captcha" style="width:300px;height:80px"></div><button>立即购买</button></form>',
    "/recaptcha-frame": '<input name="contact"><iframe src="about:blank" title="reCAPTCHA captcha" width="300" height="80">'
                        '</iframe><button>立即购买</button>',
    "/no-button": NAV + '<h1>商品</h1><p>库存充足 · 自动发货</p><input name="contact">',
    "/plain-shop": '<input id="contact" name="contact"><button id="b" type="button">立即购买</button><div id="msg"></div>'
                   '<script>document.getElementById("b").addEventListener("click", function () {'
                   ' fetch("/api/orders", {method: "POST", body: "x"}).then(function () {'
                   ' document.getElementById("msg").textContent = "ok"; }).catch(function () {'
                   ' document.getElementById("msg").textContent = "网络异常"; }); });</script>',
}


class PageServer:
    def __init__(self) -> None:
        self.posts = 0
        srv = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802
                body = PAGES.get(self.path.split("?")[0])
                if body is None:
                    self._send(404, b"not found", "text/plain")
                    return
                self._send(200, (HEAD + body + "</body></html>").encode(), "text/html; charset=utf-8")

            def do_POST(self) -> None:  # noqa: N802
                srv.posts += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send(201, json.dumps({"code": 0}).encode(), "application/json")

            def _send(self, status: int, data: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = LoopbackHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"


@contextmanager
def serve() -> Iterator[PageServer]:
    s = PageServer()
    with running(s.httpd):
        yield s
