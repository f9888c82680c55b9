"""Checks on the user's path: latency series, captive portal, proxy variables.

The latency verdict compares the static page with the order API on purpose: a slow *link* slows
both alike (network.slow), a loaded *shop* slows only the API (platform.overloaded, judged in the
platform checks). Requests that never get an answer are a different failure (request-timeout) and
are reported with their error kind, not folded into "slow".
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from kmdiag.checks._netcommon import dominant, err_zh
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check
from kmdiag.words import endpoint_zh


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return round(s[lo] + (s[hi] - s[lo]) * (k - lo), 1)


MIN_ANSWERS = 3  # fewer answers than this cannot make a link "slow" (one bad moment is not a link)
MIN_SLOW_SHARE = 0.3  # ... nor can fewer than this share of the answers being over budget


def min_slow(answered: int) -> int:
    """How many samples must be over budget before a series counts as slow or shaky."""
    return max(MIN_ANSWERS, math.ceil(MIN_SLOW_SHARE * answered))


def series_stats(series: dict[str, Any], budget: Any = None) -> dict[str, Any]:
    """Robust statistics of one series: median, p90/p95, a jitter that one outlier cannot inflate
    (the median of successive differences), loss, and how many samples were over the budgets.

    The time is time-to-first-byte when known (it leaves out connection set-up, which the first
    request of a series pays alone).
    """
    samples = series.get("samples", [])
    answered = [s for s in samples if s.get("status") is not None]
    times = [float(s.get("ttfb_ms") if s.get("ttfb_ms") is not None else s.get("ms") or 0) for s in answered]
    diffs = [abs(a - b) for a, b in zip(times, times[1:], strict=False)]
    jitter = round(statistics.median(diffs), 1) if diffs else 0.0
    failures = [s for s in samples if s.get("status") is None]
    p50 = percentile(times, 50)
    out = {"attempted": len(samples), "answered": len(answered), "samples": len(answered), "p50_ms": p50,
           "p90_ms": percentile(times, 90), "p95_ms": percentile(times, 95), "max_ms": round(max(times), 1) if times else None,
           "jitter_ms": jitter, "failures": len(failures),
           "loss_pct": round(100 * len(failures) / len(samples), 1) if samples else None,
           "error_kind": dominant([s.get("error_kind") for s in failures]), "statuses": [s.get("status") for s in answered],
           "min_slow": min_slow(len(answered)), "stopped": series.get("stopped")}
    if budget is not None:
        out["slow_samples"] = sum(1 for t in times if t > budget.ttfb_ms)
        out["off_median"] = sum(1 for t in times if p50 is not None and abs(t - p50) > budget.jitter_ms)
    return out


def _judge(s: dict[str, Any], b: Any) -> tuple[bool, bool, bool]:
    """(slow, shaky, lossy) for one series, each needing a minimum count of bad samples."""
    enough = s["answered"] >= MIN_ANSWERS
    slow = enough and (s["p50_ms"] or 0) > b.ttfb_ms and s.get("slow_samples", 0) >= s["min_slow"]
    shaky = enough and s["jitter_ms"] > b.jitter_ms and s.get("off_median", 0) >= s["min_slow"]
    lossy = (s["loss_pct"] or 0) > b.loss_pct and s["failures"] >= 2 and s["error_kind"] != "timeout"
    return slow, shaky, lossy


def _describe(stats: dict[str, dict[str, Any]], lang: str) -> str:
    if lang == "zh":
        return "；".join(f"{endpoint_zh(n)}：p50 {s['p50_ms']} ms，p95 {s['p95_ms']} ms，抖动 {s['jitter_ms']} ms，"
                        f"丢包 {s['loss_pct']}%（{s['attempted']} 个样本，{s.get('slow_samples', 0)} 个超出预算）"
                        for n, s in stats.items())
    return "; ".join(f"{n}: p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, jitter {s['jitter_ms']} ms, loss {s['loss_pct']}% "
                     f"({s['attempted']} samples, {s.get('slow_samples', 0)} over budget)" for n, s in stats.items())


@check("network.latency", layer="network", needs=("network.latency",),
       title=T(zh="网络延迟、抖动与丢包在预算内", en="Latency, jitter and loss are within budget"))
def latency_check(c: CheckContext) -> CheckResult:
    b = c.profile.network.budgets
    stats = {name: series_stats(s, b) for name, s in c.data("network.latency").get("series", {}).items()}
    ev: dict[str, Any] = {"series": stats, "budget": {"ttfb_ms": b.ttfb_ms, "jitter_ms": b.jitter_ms, "loss_pct": b.loss_pct},
                          "samples": sum(s["attempted"] for s in stats.values()),
                          "rule": {"min_answers": MIN_ANSWERS, "min_slow_share": MIN_SLOW_SHARE}}
    if not stats:
        return CheckResult(Status.SKIP, T(zh="没有测量", en="nothing was measured"), ev)
    if all(s["error_kind"] == "unsupported" for s in stats.values()):
        return CheckResult(Status.SKIP, T(zh="无法经该代理测试（缺少 SOCKS 支持）", en="could not test through this proxy (no SOCKS support)"), ev)
    if all(s["answered"] == 0 for s in stats.values()):
        kind = dominant([s["error_kind"] for s in stats.values()])
        ev["kind"] = "timeout" if kind == "timeout" else "no-answer"
        ev["error_kind"] = kind
        return CheckResult(Status.FAIL, T(zh=f"所有请求都没有回应：{err_zh(kind)}", en=f"no request was answered: {kind}"), ev)
    live = {n: s for n, s in stats.items() if s["answered"]}
    verdicts = {n: _judge(s, b) for n, s in stats.items()}
    slow = [n for n in live if verdicts[n][0]]
    shaky = [n for n in live if verdicts[n][1]]
    lossy = [n for n in stats if verdicts[n][2]]
    desc = T(zh=_describe(stats, "zh"), en=_describe(stats, "en"))
    if len(slow) == len(stats) or (lossy and len(lossy) == len(stats)) or (shaky and len(shaky) == len(stats)):
        ev["kind"] = "slow"
        ev.update(slow=slow, jittery=shaky, lossy=lossy)
        return CheckResult(Status.FAIL, T(zh=f"网络又慢又不稳，静态页和下单接口都超出预算（{b.ttfb_ms} ms）：{desc.zh}",
                                          en=f"the link is slow or unstable on every endpoint, static and API alike (budget {b.ttfb_ms} ms): {desc.en}"), ev)
    if slow or shaky or lossy or len(live) < len(stats):
        ev.update(kind="partial", slow=slow, jittery=shaky, lossy=lossy)
        return CheckResult(Status.WARN, T(zh=f"只有部分接口慢或失败（更像平台而非网络的问题）：{desc.zh}",
                                          en=f"only some endpoints are slow or failing (more the platform than the link): {desc.en}"), ev)
    few = [n for n, s in live.items() if s["answered"] < MIN_ANSWERS]
    if few:
        ev["kind"] = "few-samples"
        return CheckResult(Status.WARN, T(zh=f"样本太少，无法可靠判断延迟：{desc.zh}",
                                          en=f"too few samples to judge the latency reliably: {desc.en}"), ev)
    return CheckResult(Status.PASS, T(zh=f"延迟正常：{desc.zh}", en=f"latency is fine: {desc.en}"), ev)


@check("network.captive-portal", layer="network", needs=("network.captive-portal",),
       title=T(zh="没有公共 Wi-Fi 认证页拦截", en="No public Wi-Fi login portal is intercepting"))
def captive_check(c: CheckContext) -> CheckResult:
    d = c.data("network.captive-portal")
    ev = {k: d.get(k) for k in ("url", "status", "expect_status", "location", "body_matches", "login_page",
                                "body_sample", "error_kind", "error", "address")}
    if d.get("status") is None:
        return CheckResult(Status.WARN, T(zh=f"无法访问认证检测地址（{err_zh(d.get('error_kind'))}），无法判断",
                                          en=f"the portal-check URL could not be fetched ({d.get('error_kind')}); cannot tell"), ev)
    ok = d["status"] == d.get("expect_status") and d.get("body_matches", True)
    if ok:
        return CheckResult(Status.PASS, T(zh=f"检测地址如期回应 {d['status']}", en=f"the check URL answered {d['status']} as expected"), ev)
    where = d.get("location") or ""
    return CheckResult(Status.FAIL, T(
        zh=f"检测地址本应回应 {d.get('expect_status')}，却得到 {d['status']} {where}：像是 Wi-Fi 认证页在拦截",
        en=f"the check URL should answer {d.get('expect_status')} but answered {d['status']} {where}: a Wi-Fi login portal is intercepting"), ev)


@check("network.proxy", layer="network", needs=("network.proxy",),
       title=T(zh="代理设置正确可用", en="Proxy settings are sane and the proxy works"))
def proxy_check(c: CheckContext) -> CheckResult:
    d = c.data("network.proxy")
    ev: dict[str, Any] = {"variables": d.get("variables"), "applies": d.get("applies"), "proxy": d.get("proxy"),
                          "check": d.get("check")}
    if not d.get("applies"):
        if d.get("variables"):
            return CheckResult(Status.PASS, T(zh="设置了代理变量，但访问商城不走代理（NO_PROXY 或协议不符）",
                                              en="proxy variables are set but the shop is reached directly (NO_PROXY or another scheme)"), ev)
        return CheckResult(Status.PASS, T(zh="未设置代理", en="no proxy is configured"), ev)
    p = d.get("proxy") or {}
    var, url = p.get("variable"), p.get("url") or "?"
    if p.get("error"):
        ev["kind"] = "invalid"
        return CheckResult(Status.FAIL, T(zh=f"{var} 的值无法使用：{p['error']}", en=f"{var} cannot be used: {p['error']}"), ev)
    chk = d.get("check") or {}
    if not chk.get("connect_ok"):
        ev["kind"] = "unreachable"
        return CheckResult(Status.FAIL, T(zh=f"{var}={url} 连不上（{err_zh(chk.get('error_kind'))}）：所有网页请求都会失败",
                                          en=f"{var}={url} cannot be reached ({chk.get('error_kind')}): every web request through it fails"), ev)
    if d.get("socks_support") is False:
        return CheckResult(Status.WARN, T(zh=f"{var} 是 SOCKS 代理，本工具缺少 socksio，无法经它测试",
                                          en=f"{var} is a SOCKS proxy and socksio is not installed; requests through it could not be tested"), ev)
    status = chk.get("tunnel_status")
    if p.get("scheme") in ("http", "https") and status != 200:
        ev["kind"] = "auth" if status == 407 else "refusing"
        return CheckResult(Status.FAIL, T(zh=f"代理 {url} 拒绝建立到商城的隧道（{status or chk.get('error_kind')}）",
                                          en=f"the proxy {url} refuses a tunnel to the shop ({status or chk.get('error_kind')})"), ev)
    return CheckResult(Status.PASS, T(zh=f"代理 {url} 可用", en=f"the proxy {url} works"), ev)
