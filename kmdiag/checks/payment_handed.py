"""Check: the notify URL the shop really handed the provider is the shop's own callback route.

Pure: compares the ``payment.handed-notify-url`` measurement with the shop's origin (``base_url``)
and the profile's ``notify_url`` (scheme, host, port — default ports made explicit — and path). A
URL on the right host but another port is the HTTP_HOST trap: the web server passed the Host header
without its port, and the shop built the URL from it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check

PORTS = {"http": 80, "https": 443}


def _parts(url: str) -> dict[str, Any]:
    u = urlsplit(url)
    try:
        port = u.port or PORTS.get(u.scheme)
    except ValueError:
        port = None
    return {"scheme": u.scheme, "host": (u.hostname or "").lower(), "port": port, "path": u.path}


@check("payment.notify-url-handed", layer="payment", commands=("payment",), needs=("payment.handed-notify-url",),
       title=T(zh="店铺交给渠道的回调地址就是店铺自己的回调路由", en="The notify URL the shop handed the provider is the shop's own route"))
def handed(c: CheckContext) -> CheckResult:
    m = c.data("payment.handed-notify-url")
    got = m.get("notify_url")
    if not got:
        return CheckResult(Status.SKIP, T(zh=f"没有读到交给渠道的回调地址：{m.get('error')}",
                                          en=f"the notify URL handed to the provider could not be read: {m.get('error')}"), {"error": m.get("error")})
    oid = str(m.get("order_id") or "")
    pay = c.profile.payment
    want_url = c.profile.url(pay.notify_url.replace("{order_id}", oid)) if pay.notify_url else None
    g, origin = _parts(got), _parts(c.profile.base_url)
    w = _parts(want_url) if want_url else None
    ev = {"handed": got, "source": m.get("source"), "page": m.get("page"), "origin": c.profile.base_url, "expected": want_url}
    if w is not None and (g["scheme"], g["host"], g["port"], g["path"]) == (w["scheme"], w["host"], w["port"], w["path"]):
        return CheckResult(Status.PASS, T(zh=f"交给渠道的回调地址 {got} 正确", en=f"the notify URL handed to the provider, {got}, is right"), ev)
    ref = w or origin
    if g["host"] == ref["host"] and g["scheme"] == ref["scheme"] and g["port"] != ref["port"]:
        ev["problem"] = "port"
        return CheckResult(Status.FAIL, T(
            zh=f"店铺交给渠道的回调地址 {got} 用的是 {g['port']} 端口，店铺在 {ref['port']} 端口：回调打不到店铺。"
               f"店铺按 Host 请求头生成回调地址，而 Web 服务器传给 PHP 的 Host 没有端口（如 nginx 的 $host 而不是 $http_host）",
            en=f"the shop handed the provider {got}, on port {g['port']}, but the shop listens on port {ref['port']}: callbacks cannot reach it. "
               f"The shop builds the URL from the Host header, and its web server passes Host without the port (e.g. nginx $host instead of $http_host)"), ev)
    diffs = [k for k in ("scheme", "host", "port", "path") if g[k] != ref[k]]
    ev["problem"] = ",".join(diffs)
    return CheckResult(Status.FAIL, T(
        zh=f"店铺交给渠道的回调地址 {got} 与店铺的回调路由 {want_url or c.profile.base_url} 不同（{'、'.join(diffs)}）",
        en=f"the shop handed the provider {got}, which differs from its callback route {want_url or c.profile.base_url} ({', '.join(diffs)})"), ev)
