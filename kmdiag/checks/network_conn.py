"""Checks on the connection to the shop: TCP, TLS and one timed HTTP request per address.

Only the user's path ("system" addresses) is judged; addresses that only the trusted resolver
gave are evidence for the DNS checks. A TCP failure is judged here, a TLS failure on a working
connection separately, and an HTTP request that connected but got no answer separately again,
so that the causes can tell "unreachable" from "intercepted" from "answers never come back".
"""

from __future__ import annotations

from typing import Any

from kmdiag.checks._netcommon import CERT_ZH, direct_only, dominant, err_zh
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check
from kmdiag.words import message_zh

_PHASE_ZH = {"dns_ms": "DNS", "connect_ms": "连接", "tls_ms": "TLS", "ttfb_ms": "首字节", "transfer_ms": "传输"}


@check("network.tcp-connect", layer="network", needs=("network.tcp",),
       title=T(zh="能与商城建立 TCP 连接", en="TCP connections to the shop open"))
def tcp_connect(c: CheckContext) -> CheckResult:
    return direct_only(c, _tcp_connect(c))


def _tcp_connect(c: CheckContext) -> CheckResult:
    budget = c.profile.network.budgets.connect_ms
    targets = [t for t in c.data("network.tcp").get("targets", []) if t.get("source") == "system"]
    if not targets:
        return CheckResult(Status.SKIP, T(zh="没有可连接的地址（DNS 未给出地址）", en="no address to connect to (DNS gave none)"), {})
    by_host: dict[str, list[dict[str, Any]]] = {}
    for t in targets:
        by_host.setdefault(t["host"], []).append(t)
    dead = [h for h, ts in by_host.items() if not any(t["ok"] for t in ts)]
    failed = [t for t in targets if not t["ok"]]
    trusted_ok = [t["address"] for t in c.data("network.tcp").get("targets", []) if t.get("source") == "trusted" and t["ok"]]
    ev: dict[str, Any] = {"targets": [{k: t.get(k) for k in ("host", "address", "port", "family", "ok", "ms", "error_kind", "error")}
                                      for t in targets], "unreachable_hosts": dead, "trusted_reachable": trusted_ok}
    if dead:
        kind = dominant([t["error_kind"] for t in failed])
        ev["error_kind"] = kind
        where = ", ".join(f"{t['address']}:{t['port']}" for t in failed[:4])
        return CheckResult(Status.FAIL, T(zh=f"所有地址都连不上（{err_zh(kind)}）：{where}",
                                          en=f"no address accepts a connection ({kind}): {where}"), ev)
    if failed:
        where = ", ".join(f"{t['address']} ({t['error_kind']})" for t in failed[:4])
        return CheckResult(Status.WARN, T(zh=f"部分地址连不上（浏览器可能先试到它们而变慢）：{where}",
                                          en=f"some addresses do not connect (a browser may try them first and stall): {where}"), ev)
    slow = [t for t in targets if (t.get("ms") or 0) > budget]
    if slow:
        return CheckResult(Status.WARN, T(zh=f"TCP 连接偏慢（预算 {budget} ms）：" + ", ".join(f"{t['address']} {t['ms']:.0f} ms" for t in slow),
                                          en=f"TCP connects are slow (budget {budget} ms): " + ", ".join(f"{t['address']} {t['ms']:.0f} ms" for t in slow)), ev)
    return CheckResult(Status.PASS, T(zh=f"{len(targets)} 个地址均可连接", en=f"all {len(targets)} address(es) accept connections"), ev)


def cert_problem(t: dict[str, Any], expected: list[str]) -> str | None:
    """What is wrong with one handshake's certificate, or None (pure, shared with the tests)."""
    cert = t.get("cert") or {}
    if t.get("error_kind") == "tls-verify":
        if cert.get("expired"):
            return "expired"
        if cert and not cert.get("hostname_match", True):
            return "hostname"
        return "untrusted"
    if t.get("verified") and expected and cert.get("issuer_cn") not in expected:
        return "issuer"
    return None


@check("network.tls", layer="network", needs=("network.tls",), after=("network.tcp-connect",),
       title=T(zh="TLS 证书可信且属于商城", en="The TLS certificate is trusted and is the shop's"))
def tls_check(c: CheckContext) -> CheckResult:
    return direct_only(c, _tls_check(c))


def _tls_check(c: CheckContext) -> CheckResult:
    d = c.data("network.tls")
    expected = list(d.get("expected_issuers") or [])
    system = [t for t in d.get("targets", []) if t.get("source") == "system"]
    trusted = [t for t in d.get("targets", []) if t.get("source") == "trusted"]
    rows = [{k: t.get(k) for k in ("host", "address", "verified", "error_kind", "verify_error", "handshake_ms")}
            | {"issuer_cn": (t.get("cert") or {}).get("issuer_cn"), "days_left": (t.get("cert") or {}).get("days_left"),
               "hostname_match": (t.get("cert") or {}).get("hostname_match"), "problem": cert_problem(t, expected)}
            for t in system]
    ev: dict[str, Any] = {"targets": rows, "expected_issuers": expected, "ca_bundle_error": d.get("ca_bundle_error"),
                          "trusted_ok": any(t.get("verified") for t in trusted) if trusted else None}
    if not rows:
        return CheckResult(Status.SKIP, T(zh="没有可握手的地址", en="no address to shake hands with"), ev)
    bad = [r for r in rows if r["problem"]]
    if bad:
        r = bad[0]
        ev.update(problem=r["problem"], issuer_cn=r["issuer_cn"], verify_error=r["verify_error"], kind="certificate")
        return CheckResult(Status.FAIL, T(
            zh=f"{r['host']} 在 {r['address']} 上的证书有问题（{CERT_ZH.get(r['problem'], r['problem'])}）：签发者「{r['issuer_cn']}」，{message_zh(r['verify_error']) if r['verify_error'] else '不在预期签发者之列'}",
            en=f"the certificate for {r['host']} at {r['address']} is wrong ({r['problem']}): issuer {r['issuer_cn']}, "
               f"{r['verify_error'] or 'not an expected issuer'}"), ev)
    verified = [r for r in rows if r["verified"]]
    stuck = [r for r in rows if not r["verified"] and r["error_kind"] in ("timeout", "reset", "tls", "other")]
    if stuck and not verified:
        ev["kind"] = "no-answer" if stuck[0]["error_kind"] == "timeout" else "handshake"
        return CheckResult(Status.FAIL, T(zh=f"TLS 握手没有完成（{err_zh(stuck[0]['error_kind'])}）",
                                          en=f"the TLS handshake did not complete ({stuck[0]['error_kind']})"), ev)
    budget = c.profile.network.budgets.tls_ms
    slow = [r for r in rows if (r.get("handshake_ms") or 0) > budget]
    if slow:
        ev["slow_handshake"] = True
        return CheckResult(Status.WARN, T(zh=f"证书有效，但 TLS 握手很慢：{slow[0]['handshake_ms']:.0f} ms（预算 {budget} ms）",
                                          en=f"certificate valid, but the TLS handshake is slow: {slow[0]['handshake_ms']:.0f} ms (budget {budget} ms)"), ev)
    soon = [r for r in rows if r["days_left"] is not None and r["days_left"] < 14]
    if soon:
        return CheckResult(Status.WARN, T(zh=f"证书将在 {soon[0]['days_left']:.0f} 天内过期", en=f"the certificate expires in {soon[0]['days_left']:.0f} days"), ev)
    issuer = rows[0]["issuer_cn"]
    return CheckResult(Status.PASS, T(zh=f"证书有效，签发者「{issuer}」", en=f"certificate valid, issued by {issuer}"), ev)


@check("network.http", layer="network", needs=("network.http",),
       title=T(zh="HTTP 请求得到回应（分阶段计时）", en="HTTP requests get an answer (timed by phase)"))
def http_check(c: CheckContext) -> CheckResult:
    d = c.data("network.http")
    b = c.profile.network.budgets
    reqs = d.get("requests", [])
    ev: dict[str, Any] = {"url": d.get("url"), "via_proxy": d.get("via_proxy"), "timeout_s": d.get("timeout_s"),
                          "requests": [{k: r.get(k) for k in ("address", "status", "dns_ms", "connect_ms", "tls_ms", "ttfb_ms",
                                                               "transfer_ms", "ms", "error_kind", "error", "stage")} for r in reqs]}
    answered = [r for r in reqs if r.get("status") is not None]
    if not reqs:
        return CheckResult(Status.SKIP, T(zh="没有发出请求", en="no request was made"), ev)
    if all(r.get("error_kind") == "unsupported" for r in reqs):
        return CheckResult(Status.SKIP, T(zh=f"无法测试：{reqs[0].get('error')}", en=f"could not test: {reqs[0].get('error')}"), ev)
    if not answered:
        kind = dominant([r.get("error_kind") for r in reqs])
        ev["error_kind"] = kind
        return CheckResult(Status.FAIL, T(zh=f"请求没有得到任何回应：{err_zh(kind)}", en=f"no request got an answer: {kind}"), ev)
    over = []
    for r in answered:
        for phase, limit in (("dns_ms", b.dns_ms), ("connect_ms", b.connect_ms), ("tls_ms", b.tls_ms), ("ttfb_ms", b.ttfb_ms)):
            if (r.get(phase) or 0) > limit:
                over.append(f"{phase[:-3]} {r[phase]:.0f}>{limit} ms")
    r0 = answered[0]
    shown = [p for p in ("dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "transfer_ms") if r0.get(p) is not None]
    phases = " ".join(f"{p[:-3]} {r0[p]:.0f}" for p in shown)
    phases_zh = "，".join(f"{_PHASE_ZH[p]} {r0[p]:.0f}" for p in shown)
    if over:
        ev["over_budget"] = over
        over_zh = [f"{_PHASE_ZH[p]} {r[p]:.0f} ms（预算 {limit} ms）" for r in answered
                   for p, limit in (("dns_ms", b.dns_ms), ("connect_ms", b.connect_ms), ("tls_ms", b.tls_ms),
                                    ("ttfb_ms", b.ttfb_ms)) if (r.get(p) or 0) > limit]
        return CheckResult(Status.WARN, T(zh="部分阶段超出预算：" + "，".join(over_zh), en="phases over budget: " + ", ".join(over)), ev)
    return CheckResult(Status.PASS, T(zh=f"HTTP {r0['status']}，各阶段耗时（ms）：{phases_zh}", en=f"HTTP {r0['status']}, phases (ms): {phases}"), ev)
