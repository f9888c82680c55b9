"""Demo: network and platform faults, as real misbehaviour on loopback.

Each fault changes what the demo's resolvers answer or what really listens at an address:
a resolver that says NXDOMAIN, an "ad server" with another CA's certificate at the address the
user's resolver gives, an address where nothing listens, a latency-adding TCP proxy, a listener
that never answers, a Wi-Fi portal that redirects, a re-signing TLS gateway, a proxy variable
pointing at a closed port, a shop that answers 502 or resets, a shop shedding load. Nothing here
tells kmdiag the answer; the faults are only what a real network or shop would do.
"""

from __future__ import annotations

import socket
import ssl
import time
from typing import TYPE_CHECKING

from kmdiag.demo import certs
from kmdiag.demo.dns_stub import Answer
from kmdiag.demo.faults import register
from kmdiag.demo.http import App, Request, Reset, Response
from kmdiag.demo.netservers import NetLoop, black_hole, delay_proxy, intercept_proxy
from kmdiag.i18n import T

if TYPE_CHECKING:
    from kmdiag.demo.runtime import DemoShop

_F = (
    ("dns-failure", "network", "network.dns-failure",
     T(zh="用户的 DNS 对商城域名回答 NXDOMAIN，可信 DNS 正常", en="the user's resolver answers NXDOMAIN for the shop; the trusted one works")),
    ("dns-hijack", "network", "network.dns-hijack",
     T(zh="用户的 DNS 把商城解析到 127.0.0.2 上的广告服务器（另一个 CA 签发的证书）",
       en="the user's resolver sends the shop to an ad server on 127.0.0.2 (certificate from another CA)")),
    ("unreachable", "network", "network.unreachable",
     T(zh="商城域名解析到一个该端口无人监听的地址", en="the shop's name resolves to an address where nothing listens on its port")),
    ("slow", "network", "network.slow",
     T(zh="用户到商城的路径经过一个增加约 1 秒往返延迟和抖动的代理", en="the user's path goes through a proxy adding ~1 s round trip plus jitter")),
    ("request-timeout", "network", "network.request-timeout",
     T(zh="用户到达的地址完成 TCP/TLS 握手后再也不回应", en="the address the user reaches completes TCP/TLS and then never answers")),
    ("captive-portal", "network", "network.captive-portal",
     T(zh="Wi-Fi 认证门户把检测请求 302 到登录页，并把商城域名也解析到门户",
       en="a Wi-Fi portal answers the check URL with a 302 to its login page and resolves the shop to itself too")),
    ("tls-intercepted", "network", "network.tls-intercepted",
     T(zh="路径上的网关用自己的 CA 重新签发商城证书", en="a gateway on the path re-signs the shop's certificate with its own CA")),
    ("proxy-misconfigured", "network", "network.proxy-misconfigured",
     T(zh="HTTPS_PROXY 指向一个已关闭的本地端口", en="HTTPS_PROXY points at a closed loopback port")),
    ("down", "platform", "platform.down",
     T(zh="商城所有请求返回 502 或直接重置连接", en="every shop request gets a 502 or a connection reset")),
    ("overloaded", "platform", "platform.overloaded",
     T(zh="下单接口和店铺状态接口返回 503/429 + Retry-After，下单接口很慢",
       en="the order API and shop status answer 503/429 with Retry-After; the order API is slow")),
)
for _name, _layer, _expect, _desc in _F:
    register(_name, "order", _layer, _desc, expect=_expect)

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
SLOW_DELAY_S, SLOW_JITTER_S = 0.5, 0.2  # one way, per chunk: ~1.0-1.4 s round trip
OVERLOAD_DELAY_S = 0.9


def _free_address(port: int, candidates: tuple[str, ...]) -> str:
    """The first loopback address where nothing listens on ``port`` (for 'unreachable')."""
    for addr in candidates:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex((addr, port)) != 0:
                return addr
    return candidates[-1]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _portal(demo: DemoShop) -> None:
    """A connectivity-check server, like a phone's generate_204 endpoint; with the fault, a portal."""
    app = App()
    login = f"http://{demo.vars['portal_host']}:{{port}}/login"

    @app.route("GET", "/generate_204")
    def check(req: Request) -> Response:
        if demo.has("captive-portal"):
            return Response(302, "", {"Location": login.format(port=server.port), "Cache-Control": "no-store"})
        return Response(204, "")

    @app.route("GET", "/login")
    def page(req: Request) -> Response:
        return Response.html("<title>Wi-Fi 认证 / Wi-Fi login</title><h1>欢迎使用免费 Wi-Fi，请登录 / Please log in</h1>"
                             "<form><input name=phone placeholder=手机号><button>获取验证码</button></form>")

    server = demo.serve(app)
    demo.vars["portal_port"] = server.port
    if demo.has("captive-portal"):
        # Until the shopper logs in, the portal's resolver sends every name to the portal, whose
        # HTTPS answer (a self-signed certificate, then a redirect) is not the shop's.
        trap = App()
        trap.before.append(lambda req: Response(302, "", {"Location": login.format(port=server.port)}))
        key_ctx = _self_signed(demo, "portal")
        demo.serve(trap, "127.0.0.7", demo.shop.port, tls=key_ctx)
        demo.user_dns[demo.vars["shop_host"]] = Answer(a=["127.0.0.7"])


def _self_signed(demo: DemoShop, stem: str) -> ssl.SSLContext:
    """A certificate signed by nobody anyone trusts (a portal's own)."""
    _pair, key, cert = certs.make_ca(f"{stem}.local", demo.tmp, f"{stem}-self")
    return certs.make_leaf([f"{stem}.local"], key, cert, demo.tmp, f"{stem}-leaf").server_context()


def _point(demo: DemoShop, address: str, *, trusted_too: bool) -> None:
    demo.user_dns[demo.vars["shop_host"]] = Answer(a=[address])
    if trusted_too:
        demo.trusted_dns[demo.vars["shop_host"]] = Answer(a=[address])


def _other_ca(demo: DemoShop, cn: str, stem: str) -> ssl.SSLContext:
    _pair, key, cert = certs.make_ca(cn, demo.tmp, f"{stem}-ca")
    leaf = certs.make_leaf([demo.vars["shop_host"], demo.vars["pay_host"]], key, cert, demo.tmp, stem)
    return leaf.server_context()


def _platform_faults(demo: DemoShop) -> None:
    if demo.has("down"):
        def down(req: Request) -> Response | None:
            if req.path in ("/health", "/api/shop/status"):
                raise Reset()  # the upstream crashed mid-connection
            return Response.html("<h1>502 Bad Gateway</h1><hr>nginx", 502)

        demo.shop_app.before.append(down)
    if demo.has("overloaded"):
        def shed(req: Request) -> Response | None:
            if req.path == "/api/shop/status":
                return Response.json({"code": 503, "msg": "系统繁忙 / busy", "data": {"accepting_orders": False}}, 503,
                                     {"Retry-After": "30"})
            if req.path == "/api/orders":
                time.sleep(OVERLOAD_DELAY_S)  # the queue in front of a saturated backend
                return Response.json({"code": 429, "msg": "请求过多，请稍后再试 / too many requests"}, 429, {"Retry-After": "30"})
            return None

        demo.shop_app.before.append(shed)


def setup(demo: DemoShop) -> None:
    _portal(demo)
    port = demo.shop.port
    shop = ("127.0.0.1", port)
    if demo.has("proxy-misconfigured"):
        demo.environ.update({"HTTPS_PROXY": f"http://127.0.0.1:{_closed_port()}", "NO_PROXY": "", "no_proxy": ""})
    else:  # the demo is loopback-only: the user's real proxy must not be asked for it
        demo.environ.update({v: "" for v in _PROXY_VARS})
    if demo.has("dns-failure"):
        demo.user_dns[demo.vars["shop_host"]] = Answer(rcode="NXDOMAIN")
    if demo.has("dns-hijack"):
        ads = App()
        ads.before.append(lambda req: Response.html("<h1>恭喜中奖！点击领取 / You won!</h1>", 200))
        demo.serve(ads, "127.0.0.2", port, tls=_other_ca(demo, "Hot Ads Network CA", "ads"))
        _point(demo, "127.0.0.2", trusted_too=False)
    if demo.has("unreachable"):
        _point(demo, _free_address(port, ("127.0.0.5", "127.0.0.55", "127.0.5.5")), trusted_too=True)
    loop = None
    if demo.has("slow") or demo.has("request-timeout") or demo.has("tls-intercepted"):
        loop = NetLoop()
        demo.closers.append(loop.close)
    if loop is not None and demo.has("slow"):
        loop.listen(delay_proxy(shop, SLOW_DELAY_S, SLOW_JITTER_S), "127.0.0.4", port)
        _point(demo, "127.0.0.4", trusted_too=False)
    if loop is not None and demo.has("request-timeout"):
        loop.listen(black_hole(), "127.0.0.3", port, tls=demo.leaf.server_context())
        _point(demo, "127.0.0.3", trusted_too=False)
    if loop is not None and demo.has("tls-intercepted"):
        upstream = ssl.create_default_context(cafile=str(demo.ca.cert_path))
        loop.listen(intercept_proxy(shop, demo.vars["shop_host"], upstream), "127.0.0.6", port,
                    tls=_other_ca(demo, "Secure Wi-Fi Gateway CA", "intercept"))
        _point(demo, "127.0.0.6", trusted_too=True)
    _platform_faults(demo)
