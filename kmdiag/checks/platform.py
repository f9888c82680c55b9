"""Checks on the shop itself: does it answer, and is it shedding load?

Every answer is sorted into one of four kinds: ``ok`` (it answered, any status below 500 but
429), ``shed`` (429, or 503 with Retry-After, or 503 from the order API while pages work: the
shop protecting itself), ``broken`` (any other 5xx, or the connection reset after it opened) and
``transport`` (we never got to talk to the shop: DNS, refused, TLS, proxy, timeout). Transport
failures belong to the network checks; this layer judges only what the shop said.
"""

from __future__ import annotations

from typing import Any

from kmdiag.checks.network_path import percentile
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check
from kmdiag.words import endpoint_zh, error_kind_zh, message_zh


def kind_of(r: dict[str, Any], role: str = "") -> str:
    st = r.get("status")
    if st is None:
        return "broken" if r.get("error_kind") == "reset" else "transport"
    if st == 429 or (st == 503 and (r.get("retry_after") or role == "order-api")):
        return "shed"
    if st >= 500:
        return "broken"
    return "ok"


def classify(endpoints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for ep in endpoints:
        role = ep["roles"][0]
        kinds = [kind_of(r, role) for r in ep.get("results", [])]
        rows.append({"roles": ep["roles"], "url": ep["url"], "method": ep["method"], "kinds": kinds,
                     "statuses": [r.get("status") for r in ep.get("results", [])],
                     "answers": [r.get("status") or r.get("error_kind") or "?" for r in ep.get("results", [])],
                     "errors": [r.get("error_kind") for r in ep.get("results", []) if r.get("error_kind")],
                     "retry_after": next((r["retry_after"] for r in ep.get("results", []) if r.get("retry_after")), None),
                     "times": [float(t) for t in (r.get("ttfb_ms") if r.get("ttfb_ms") is not None else r.get("ms")
                                                  for r in ep.get("results", []) if r.get("status") is not None)
                               if t is not None]})
    return rows


def _pages(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["method"] == "GET"]


@check("platform.reachable", layer="platform", needs=("platform.http",),
       title=T(zh="商城页面、健康检查与下单接口有回应", en="The shop's pages, health endpoint and order API answer"))
def reachable(c: CheckContext) -> CheckResult:
    d = c.data("platform.http")
    rows = classify(d.get("endpoints", []))
    ev: dict[str, Any] = {"endpoints": [{k: r[k] for k in ("roles", "url", "method", "statuses", "errors", "answers")} for r in rows],
                          "via_proxy": d.get("via_proxy"), "address": d.get("address")}
    every = [k for r in rows for k in r["kinds"]]
    if not every or all(k == "transport" for k in every):
        errs = sorted({e for r in rows for e in r["errors"]})
        ev["transport_errors"] = errs
        return CheckResult(Status.SKIP, T(zh=f"没能与商城通信（{'、'.join(error_kind_zh(e) for e in errs) or message_zh(d.get('route_error'))}），见网络层检查",
                                          en=f"could not talk to the shop ({', '.join(errs) or d.get('route_error')}); see the network checks"), ev)
    pages = _pages(rows)
    broken_pages = [r for r in pages if r["kinds"] and all(k == "broken" for k in r["kinds"] if k != "transport")
                    and any(k == "broken" for k in r["kinds"])]
    broken_any = [r for r in rows if "broken" in r["kinds"]]
    if pages and len(broken_pages) == len(pages):
        ev["kind"] = "down"
        ev["broken"] = [r["url"] for r in broken_pages]
        what = "; ".join(f"{r['roles'][0]} {r['statuses'][0] or (r['errors'][0] if r['errors'] else '?')}"
                         for r in broken_pages)
        what_zh = "；".join(f"{endpoint_zh(r['roles'][0])} "
                           f"{r['statuses'][0] or (error_kind_zh(r['errors'][0]) if r['errors'] else '?')}" for r in broken_pages)
        return CheckResult(Status.FAIL, T(zh=f"商城页面与健康检查都返回 5xx 或断开连接：{what_zh}",
                                          en=f"the shop's pages and health endpoint answer 5xx or drop the connection: {what}"), ev)
    if broken_any:
        ev["kind"] = "partial"
        what = "; ".join(f"{r['roles'][0]} {r['statuses']}" for r in broken_any)
        what_zh = "；".join(f"{endpoint_zh(r['roles'][0])} {'、'.join(str(x) for x in r['statuses'])}" for r in broken_any)
        return CheckResult(Status.WARN, T(zh=f"部分接口出错：{what_zh}", en=f"some endpoints fail: {what}"), ev)
    missing = [r for r in pages if 404 in r["statuses"]]
    if missing:
        return CheckResult(Status.WARN, T(zh="页面返回 404（配置文件里的路径可能不对）：" + ", ".join(r["url"] for r in missing),
                                          en="pages answer 404 (the profile's paths may be wrong): " + ", ".join(r["url"] for r in missing)), ev)
    summary = ", ".join(f"{r['roles'][0]} {r['statuses'][0]}" for r in rows if r["statuses"])
    summary_zh = "，".join(f"{endpoint_zh(r['roles'][0])} {r['statuses'][0]}" for r in rows if r["statuses"])
    return CheckResult(Status.PASS, T(zh=f"都有回应：{summary_zh}", en=f"all answer: {summary}"), ev)


@check("platform.load", layer="platform", needs=("platform.http",),
       title=T(zh="商城没有因负载过高而限流", en="The shop is not shedding load"))
def load(c: CheckContext) -> CheckResult:
    rows = classify(c.data("platform.http").get("endpoints", []))
    static = next((r for r in rows if "static" in r["roles"]), None)
    api = next((r for r in rows if "order-api" in r["roles"]), None)
    s50 = percentile(static["times"], 50) if static else None
    a50 = percentile(api["times"], 50) if api else None
    ev: dict[str, Any] = {"static_p50_ms": s50, "api_p50_ms": a50,
                          "endpoints": [{k: r[k] for k in ("roles", "statuses", "retry_after")} for r in rows]}
    if all(k == "transport" for r in rows for k in r["kinds"]):
        return CheckResult(Status.SKIP, T(zh="没能与商城通信，无法判断负载", en="could not talk to the shop; load cannot be judged"), ev)
    shed = [r for r in rows if "shed" in r["kinds"]]
    api_slow = s50 is not None and a50 is not None and a50 >= max(3 * s50, s50 + 500)
    ev.update(shedding=[r["url"] for r in shed], api_slow=api_slow)
    if shed or api_slow:
        ev["kind"] = "shedding" if shed else "api-slow"
        ra = next((r["retry_after"] for r in shed if r["retry_after"]), None)
        ev["retry_after"] = ra
        parts_zh, parts_en = [], []
        if shed:
            codes = ", ".join(f"{r['roles'][0]} {sorted({s for s in r['statuses'] if s})}" for r in shed)
            codes_zh = "，".join(f"{endpoint_zh(r['roles'][0])} {'、'.join(str(s) for s in sorted({s for s in r['statuses'] if s}))}"
                                for r in shed)
            parts_zh.append(f"返回限流状态码（{codes_zh}）" + (f"，Retry-After {ra} 秒" if ra else ""))
            parts_en.append(f"answers load-shedding codes {codes}" + (f", Retry-After {ra}" if ra else ""))
        if api_slow:
            parts_zh.append(f"下单接口 p50 {a50} ms，远高于静态页的 {s50} ms")
            parts_en.append(f"order API p50 {a50} ms, far above the static page's {s50} ms")
        return CheckResult(Status.FAIL, T(zh="商城在限流：" + "；".join(parts_zh), en="the shop is shedding load: " + "; ".join(parts_en)), ev)
    return CheckResult(Status.PASS, T(zh=f"没有限流迹象（静态页 p50 {s50} ms，下单接口 p50 {a50} ms）",
                                      en=f"no sign of load shedding (static p50 {s50} ms, order API p50 {a50} ms)"), ev)
