"""Checks: the notify URL — is it the shop's real route, and does it answer the provider now.

A provider calls blind: one method, no redirects, a few seconds. ``notify-url`` judges the address
(scheme, host, path, redirects, method, and paths callbacks really hit); ``notify-endpoint`` judges
whether the configured route is up right now. Pure: the requests were made by the probe.
"""

from __future__ import annotations

from typing import Any

from kmdiag.checks._payment import callbacks
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check

CMD = ("payment",)
NOT_TRIED_ZH = "未向回调处理程序发送请求（店铺会把它记成一次失败的回调）；加 --probe-notify 才会发送一次未签名的探测"
NOT_TRIED_EN = ("the notify handler itself was not called (the shop would log it as a failed callback); "
                "--probe-notify sends one unsigned probe")
# The proxy's upstream is dead. A 504 is the proxy giving up on a handler that is too slow (slow
# processing, judged by payment.callbacks-handled); a 503 is "busy, retry later" (retry-pending).
_DEAD_UPSTREAM = (502,)


def _targets(c: CheckContext) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    ts = c.data("payment.notify-url").get("targets") or []
    conf = next((t for t in ts if t.get("configured")), None)
    return conf, [t for t in ts if not t.get("configured")]


def _private(t: dict[str, Any]) -> bool:
    """Every address of the host is private/loopback/link-local (the demo's shop is too: then both are)."""
    import ipaddress

    addrs = (t.get("dns") or {}).get("addresses") or []
    try:
        return bool(addrs) and all(not ipaddress.ip_address(a).is_global for a in addrs)
    except ValueError:
        return False


def _brief(t: dict[str, Any]) -> dict[str, Any]:
    return {k: t.get(k) for k in ("url", "status", "location", "allow", "error", "elapsed_ms", "reply")} | {
        "dns": (t.get("dns") or {}).get("addresses") or (t.get("dns") or {}).get("error")}


@check("payment.notify-url", layer="payment", commands=CMD, needs=("payment.notify-url", "payment.callbacks"),
       title=T(zh="回调地址指向店铺真实的回调路由", en="The notify URL points at the shop's real callback route"))
def notify_url(c: CheckContext) -> CheckResult:
    conf, others = _targets(c)
    if conf is None:
        return CheckResult(Status.SKIP, T(zh="没有回调地址可查", en="no notify URL to check"), {})
    method = c.data("payment.notify-url").get("method")
    ev: dict[str, Any] = {"configured": _brief(conf), "method": method}
    problems: list[tuple[str, T]] = []
    if conf.get("scheme") not in ("http", "https"):
        problems.append(("scheme", T(zh=f"协议 {conf.get('scheme')} 不是 http/https", en=f"scheme {conf.get('scheme')} is not http/https")))
    if not (conf.get("dns") or {}).get("addresses"):
        problems.append(("dns", T(zh=f"主机 {conf.get('host')} 无法解析（{(conf.get('dns') or {}).get('error')}）",
                                  en=f"host {conf.get('host')} does not resolve ({(conf.get('dns') or {}).get('error')})")))
    private = _private(conf) and not _private({"dns": c.data("payment.notify-url").get("base_dns")})
    if private:
        problems.append(("private-address", T(
            zh=f"回调主机 {conf.get('host')} 指向内网/本机地址 {', '.join(conf['dns']['addresses'])}，渠道从公网无法访问（APP_URL 配成了内网 IP？）",
            en=f"the notify host {conf.get('host')} points at a private address {', '.join(conf['dns']['addresses'])} the provider cannot reach from the internet (APP_URL set to a LAN IP?)")))
    st = conf.get("status")
    if st == 404:
        problems.append(("404", T(zh="配置的回调地址返回 404：路由不存在（伪静态/路径写错）", en="the configured notify URL answers 404: no such route (rewrite rules / wrong path)")))
    elif st == 405:
        problems.append(("method", T(zh=f"回调路由不接受 {method}（Allow: {conf.get('allow')}），渠道用 {method} 通知",
                                     en=f"the notify route does not accept {method} (Allow: {conf.get('allow')}); the provider notifies with {method}")))
    elif st in (301, 302, 303, 307, 308):
        problems.append(("redirect", T(zh=f"回调地址重定向到 {conf.get('location')}，渠道不跟随重定向",
                                       en=f"the notify URL redirects to {conf.get('location')}; providers do not follow redirects")))
    if st is None and not c.data("payment.notify-url").get("handler_probed"):
        mine = [cb for cb in callbacks(c) if cb.get("path") == conf.get("path")]
        if mine and all(cb.get("status") in (404, 405) for cb in mine):
            problems.append(("history-" + str(mine[-1].get("status")), T(
                zh=f"渠道对配置的回调地址的 {len(mine)} 次回调都得到 HTTP {mine[-1].get('status')}：路由不存在或不接受渠道的请求方法",
                en=f"all {len(mine)} provider callback(s) to the configured notify URL got HTTP {mine[-1].get('status')}: "
                   "no such route, or it refuses the provider's method")))
    seen_paths = {cb.get("path") for cb in callbacks(c)}
    for t in others:
        hits = [cb for cb in callbacks(c) if cb.get("path") == t.get("path")]
        if t.get("status") in (404, 405) or any(cb.get("status") in (404, 405) for cb in hits):
            # The route's own answer when it was probed, else what the callbacks got (never "HTTP None").
            status = t.get("status") or next((cb.get("status") for cb in hits if cb.get("status")), "?")
            problems.append(("registered-path", T(
                zh=f"渠道的回调打到了 {t.get('path')}（{len(hits)} 次，HTTP {status}），而店铺的回调路由是 {conf.get('path')}",
                en=f"the provider's callbacks hit {t.get('path')} ({len(hits)} time(s), HTTP {status}), but the shop's route is {conf.get('path')}")))
            ev.setdefault("wrong_paths", []).append(_brief(t) | {"callbacks": len(hits)})
    ev["paths_seen"] = sorted(p for p in seen_paths if p)
    probed = bool(c.data("payment.notify-url").get("handler_probed"))
    ev["handler_probed"] = probed
    if problems:
        ev["problems"] = [k for k, _ in problems]
        return CheckResult(Status.FAIL, T(zh="；".join(t.zh for _, t in problems), en="; ".join(t.en for _, t in problems)), ev)
    if not probed:
        ev["not_tried"] = NOT_TRIED_EN
        return CheckResult(Status.PASS, T(zh=f"回调地址 {conf.get('url')} 可解析，回调记录中没有 404/405/重定向；{NOT_TRIED_ZH}",
                                          en=f"notify URL {conf.get('url')} resolves and no recorded callback got 404/405/a redirect; "
                                             f"{NOT_TRIED_EN}"), ev)
    return CheckResult(Status.PASS, T(zh=f"回调地址 {conf.get('url')} 路由正确", en=f"notify URL {conf.get('url')} is the shop's route"), ev)


@check("payment.notify-endpoint", layer="payment", commands=CMD, needs=("payment.notify-url", "payment.callbacks"),
       title=T(zh="回调接口所在的服务器现在可达", en="The server behind the notify URL is reachable now"))
def notify_endpoint(c: CheckContext) -> CheckResult:
    conf, _ = _targets(c)
    if conf is None or not (conf.get("dns") or {}).get("addresses"):
        return CheckResult(Status.SKIP, T(zh="回调地址无法解析，无从探测", en="the notify URL does not resolve; nothing to probe"), {})
    if c.data("payment.notify-url").get("handler_probed"):
        return _judge_probe(c, conf)
    ev: dict[str, Any] = {"connect": conf.get("connect"), "root": conf.get("root"), "handler_probed": False,
                          "not_tried": NOT_TRIED_EN, "url": conf.get("url")}
    cn = conf.get("connect") or {}
    if cn and not cn.get("ok"):
        what = "TLS" if cn.get("stage") == "tls" else "TCP"
        return CheckResult(Status.FAIL, T(zh=f"回调服务器 {conf.get('host')} 无法建立 {what} 连接：{cn.get('error')}",
                                          en=f"no {what} connection to the notify server {conf.get('host')}: {cn.get('error')}"),
                           ev | {"down": "connect"})
    root = conf.get("root") or {}
    if (root.get("status") or 0) >= 500:
        return CheckResult(Status.FAIL, T(zh=f"回调服务器的首页 / 返回 HTTP {root['status']}（服务端故障）；{NOT_TRIED_ZH}",
                                          en=f"the notify server's root page / answers HTTP {root['status']} (server failure); {NOT_TRIED_EN}"),
                           ev | {"down": str(root["status"])})
    # What the provider's own callbacks to this route got: the shop's record, not a request of ours.
    mine = [cb for cb in callbacks(c) if cb.get("path") == conf.get("path") and cb.get("status") is not None]
    if mine and all(cb["status"] in _DEAD_UPSTREAM for cb in mine):
        st = mine[-1]["status"]
        ev |= {"down": str(st), "from": "callback-history", "callbacks": [_cb_brief(x) for x in mine[-5:]]}
        return CheckResult(Status.FAIL, T(
            zh=f"渠道的 {len(mine)} 次回调都得到 HTTP {st}（反向代理后面的应用没有应答）；{NOT_TRIED_ZH}",
            en=f"all {len(mine)} provider callback(s) got HTTP {st} (the application behind the proxy is not answering); "
               f"{NOT_TRIED_EN}"), ev)
    how = "TLS" if cn.get("tls") else "TCP"
    root_txt = f"，首页应答 HTTP {root.get('status')}" if root.get("status") else ""
    root_en = f", its root page answers HTTP {root.get('status')}" if root.get("status") else ""
    return CheckResult(Status.PASS, T(zh=f"回调服务器可以建立 {how} 连接{root_txt}；{NOT_TRIED_ZH}",
                                      en=f"the notify server accepts {how} connections{root_en}; {NOT_TRIED_EN}"), ev)


def _cb_brief(cb: dict[str, Any]) -> dict[str, Any]:
    return {k: cb.get(k) for k in ("time", "method", "path", "status")}


def _judge_probe(c: CheckContext, conf: dict[str, Any]) -> CheckResult:
    """``--probe-notify``: the unsigned request the user asked for, judged as a provider would see it."""
    ev = _brief(conf) | {"handler_probed": True}
    err, st = conf.get("error"), conf.get("status")
    if err:
        return CheckResult(Status.FAIL, T(zh=f"回调接口无法连接：{err}", en=f"the notify endpoint cannot be reached: {err}"), ev | {"down": "connect"})
    if st is not None and st >= 500:
        return CheckResult(Status.FAIL, T(zh=f"回调接口返回 HTTP {st}（服务端故障）", en=f"the notify endpoint answers HTTP {st} (server failure)"), ev | {"down": str(st)})
    slow = conf.get("elapsed_ms") or 0
    if slow > c.profile.payment.provider.notify_timeout_s * 1000:
        return CheckResult(Status.FAIL, T(zh=f"回调接口 {slow} 毫秒才应答，超过渠道超时", en=f"the notify endpoint took {slow} ms, over the provider's timeout"), ev | {"down": "slow"})
    body = str(conf.get("reply") or "")
    if st == 200 and "success" in body.lower():
        return CheckResult(Status.WARN, T(zh="未签名的探测请求竟被回复 success：店铺可能不验签", en="an unsigned probe was answered 'success': the shop may not verify signatures"), ev)
    if st in (200, 400, 401, 403, 422):
        return CheckResult(Status.PASS, T(zh=f"回调接口在线（未签名探测得到 HTTP {st}，被应用拒绝）",
                                          en=f"the notify endpoint is up (the unsigned probe got HTTP {st}, rejected by the app)"), ev)
    return CheckResult(Status.PASS, T(zh=f"回调接口所在的服务器在线（HTTP {st}；路由问题见回调地址检查）",
                                      en=f"the server behind the notify URL is up (HTTP {st}; route problems: see the notify URL check)"), ev)
