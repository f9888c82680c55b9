"""Checks on DNS: does the user's resolver answer, and does it answer the truth?

Consistency follows OONI's web_connectivity rules, in order: an IP literal is consistent; both
resolvers failing with NXDOMAIN is consistent (the name really is gone); one shared address is
consistent; an address on which a TLS handshake for the shop's name verified is consistent
(it proves that address serves the shop: CDNs, geo-DNS); otherwise the answers are inconsistent.
Bogon answers (private, loopback...) are flagged only when the trusted answer has none: a demo or
an intranet shop whose real address *is* loopback or private must not be called hijacked.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kmdiag.checks._netcommon import direct_only
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check


def _addrs(ans: dict[str, Any] | None) -> list[str]:
    if not ans:
        return []
    return list((ans.get("A") or {}).get("answers", [])) + list((ans.get("AAAA") or {}).get("answers", []))


def failure_of(ans: dict[str, Any] | None) -> str | None:
    """Why a resolver gave no address: an rcode (NXDOMAIN, SERVFAIL...), an error kind, or None."""
    if not ans:
        return "no-answer"
    if _addrs(ans):
        return None
    for qtype in ("A", "AAAA"):
        q = ans.get(qtype) or {}
        if q.get("rcode") not in (None, "NOERROR"):
            return str(q["rcode"])
    for qtype in ("A", "AAAA"):
        q = ans.get(qtype) or {}
        if q.get("error_kind"):
            return str(q["error_kind"])
    return "no-address"


def is_bogon(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return bool(ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified
                or ip.is_multicast)


def _tls_verified(tls: dict[str, Any], host: str, source: str) -> list[str]:
    return [t["address"] for t in tls.get("targets", [])
            if t.get("host") == host and t.get("source") == source and t.get("verified")]


def judge_host(h: dict[str, Any], tls: dict[str, Any]) -> dict[str, Any]:
    """One host's consistency verdict with its reasons (pure; used by the check and the tests)."""
    host = h.get("host", "")
    out: dict[str, Any] = {"host": host, "primary": h.get("primary", False)}
    if h.get("literal"):
        return {**out, "verdict": "consistent", "reason": "ip-literal"}
    sys_addrs = _addrs(h.get("system"))
    sys_fail = failure_of(h.get("system"))
    ctl = h.get("trusted") or []
    ctl_addrs = sorted({a for t in ctl for a in _addrs(t)})
    ctl_fails = [failure_of(t) for t in ctl]
    out.update(system=sys_addrs, trusted=ctl_addrs, system_failure=sys_fail)
    if sys_fail and not ctl_addrs:
        if sys_fail == "NXDOMAIN" and ctl_fails and all(f == "NXDOMAIN" for f in ctl_fails):
            return {**out, "verdict": "consistent", "reason": "both-nxdomain"}
        return {**out, "verdict": "unknown", "reason": "both-failed"}
    if sys_fail:
        return {**out, "verdict": "system-failure", "reason": sys_fail}
    if not ctl_addrs:
        if ctl_fails and all(f == "NXDOMAIN" for f in ctl_fails):
            return {**out, "verdict": "inconsistent", "reason": "control-nxdomain"}
        return {**out, "verdict": "unknown", "reason": "no-control"}
    shared = sorted(set(sys_addrs) & set(ctl_addrs))
    if shared:
        return {**out, "verdict": "consistent", "reason": "shared-address", "shared": shared}
    validated = _tls_verified(tls, host, "system")
    if validated:
        return {**out, "verdict": "consistent", "reason": "tls-validated", "tls_validated": validated}
    bogons = [a for a in sys_addrs if is_bogon(a)]
    control_bogon = any(is_bogon(a) for a in ctl_addrs)
    out["tls_system_failed"] = any(t.get("host") == host and t.get("source") == "system" and not t.get("verified")
                                   for t in tls.get("targets", []))
    out["tls_trusted_ok"] = bool(_tls_verified(tls, host, "trusted"))
    if bogons and not control_bogon:
        return {**out, "verdict": "inconsistent", "reason": "bogon", "bogons": bogons}
    return {**out, "verdict": "inconsistent", "reason": "no-shared-address"}


@check("network.dns-resolve", layer="network", needs=("network.dns",),
       title=T(zh="用户的 DNS 能解析商城域名", en="The user's resolver resolves the shop's names"))
def dns_resolve(c: CheckContext) -> CheckResult:
    return direct_only(c, _dns_resolve(c))


def _dns_resolve(c: CheckContext) -> CheckResult:
    d = c.data("network.dns")
    budget = c.profile.network.budgets.dns_ms
    rows, failed, slow = [], [], []
    for h in d.get("hosts", []):
        if h.get("literal"):
            continue
        sys_ans = h.get("system") or {}
        fail = failure_of(sys_ans)
        ctl_addrs = sorted({a for t in h.get("trusted") or [] for a in _addrs(t)})
        ms = (sys_ans.get("A") or {}).get("ms")
        row = {"host": h["host"], "primary": h.get("primary"), "resolver": sys_ans.get("resolver"),
               "addresses": _addrs(sys_ans), "failure": fail, "ms": ms,
               "trusted_answered": bool(ctl_addrs), "trusted_addresses": ctl_addrs}
        rows.append(row)
        if fail:
            failed.append(row)
        elif ms is not None and ms > budget:
            slow.append(row)
    ev: dict[str, Any] = {"hosts": rows, "resolver": d.get("system_resolver"), "source": d.get("system_resolver_source"),
                          "config_error": d.get("config_error")}
    if failed:
        names = ", ".join(f"{r['host']} ({r['failure']})" for r in failed)
        names_zh = "，".join(f"{r['host']}（{r['failure']}）" for r in failed)
        ev.update(failed=[r["host"] for r in failed], failures=sorted({r["failure"] for r in failed}),
                  trusted_answered=all(r["trusted_answered"] for r in failed),
                  site_gone=all(r["failure"] == "NXDOMAIN" and not r["trusted_answered"] for r in failed))
        if ev["site_gone"]:
            return CheckResult(Status.FAIL, T(zh=f"域名在任何解析器上都不存在：{names_zh}（可能域名已过期或写错）",
                                              en=f"the name does not exist on any resolver: {names} (expired or mistyped domain?)"), ev)
        return CheckResult(Status.FAIL, T(zh=f"用户的 DNS 解析失败：{names_zh}", en=f"the user's resolver failed: {names}"), ev)
    if not rows:
        return CheckResult(Status.PASS, T(zh="目标是 IP 地址，无需解析", en="the target is an IP address; nothing to resolve"), ev)
    if slow:
        names = ", ".join(f"{r['host']} {r['ms']:.0f} ms" for r in slow)
        return CheckResult(Status.WARN, T(zh=f"DNS 解析偏慢（预算 {budget} ms）：{names}",
                                          en=f"DNS answers are slow (budget {budget} ms): {names}"), ev)
    addrs = ", ".join(f"{r['host']} → {' '.join(r['addresses'][:3])}" for r in rows)
    return CheckResult(Status.PASS, T(zh=f"解析正常：{addrs}", en=f"resolved: {addrs}"), ev)


@check("network.dns-consistent", layer="network", needs=("network.dns",),
       title=T(zh="DNS 答案与可信解析器一致（未被劫持）", en="DNS answers agree with a trusted resolver (no hijack)"))
def dns_consistent(c: CheckContext) -> CheckResult:
    return direct_only(c, _dns_consistent(c))


def _dns_consistent(c: CheckContext) -> CheckResult:
    tls = c.data("network.tls")
    verdicts = [judge_host(h, tls) for h in c.data("network.dns").get("hosts", [])]
    ev: dict[str, Any] = {"hosts": verdicts}
    bad = [v for v in verdicts if v["verdict"] == "inconsistent"]
    if bad:
        v = bad[0]
        ev.update(hijacked=[b["host"] for b in bad], reason=v["reason"], system=v.get("system"), trusted=v.get("trusted"),
                  tls_system_failed=v.get("tls_system_failed"), tls_trusted_ok=v.get("tls_trusted_ok"))
        why = {"bogon": T(zh="用户的 DNS 给出了内网/保留地址", en="the user's resolver answered a private/reserved address"),
               "control-nxdomain": T(zh="可信解析器说该域名不存在，用户的 DNS 却给出了地址",
                                     en="the trusted resolver says the name does not exist, yet the user's resolver answered"),
               }.get(v["reason"], T(zh="两边没有任何相同地址，且该地址上的 TLS 证书无法证明它属于商城",
                                    en="no address in common, and TLS on the user's address does not prove it serves the shop"))
        return CheckResult(Status.FAIL, T(
            zh=f"{v['host']}：用户 DNS 答 {' '.join(v.get('system') or [])}，可信 DNS 答 {' '.join(v.get('trusted') or [])}；{why.zh}",
            en=f"{v['host']}: the user's resolver says {' '.join(v.get('system') or [])}, the trusted one "
               f"{' '.join(v.get('trusted') or [])}; {why.en}"), ev)
    judged = [v for v in verdicts if v["verdict"] == "consistent"]
    unknown = [v for v in verdicts if v["verdict"] == "unknown"]
    if unknown and not judged:
        if all(v["reason"] == "both-failed" for v in unknown):
            return CheckResult(Status.SKIP, T(zh="两边都没有解析出地址，无从比较", en="neither resolver gave an address; nothing to compare"), ev)
        return CheckResult(Status.WARN, T(zh="可信解析器没有回答，无法判断是否被劫持",
                                          en="the trusted resolvers did not answer; cannot tell whether DNS is hijacked"), ev)
    if not judged:
        return CheckResult(Status.SKIP, T(zh="用户的 DNS 没有给出地址，无从比较（见解析检查）",
                                          en="the user's resolver gave no address to compare (see the resolve check)"), ev)
    how = ", ".join(f"{v['host']} ({v['reason']})" for v in judged)
    how_zh = "，".join(f"{v['host']}（{_REASON_ZH.get(v['reason'], v['reason'])}）" for v in judged)
    return CheckResult(Status.PASS, T(zh=f"与可信解析器一致：{how_zh}", en=f"consistent with the trusted resolver: {how}"), ev)


_REASON_ZH = {"ip-literal": "直接使用 IP 地址", "both-nxdomain": "两边都答域名不存在", "shared-address": "有相同的地址",
              "tls-validated": "该地址上的证书证明它属于商城", "both-failed": "两边都解析失败"}
