"""Helpers for the network/platform tests: run one check or the diagnosis on literal data."""

from __future__ import annotations

from typing import Any

from kmdiag import plugins, registry
from kmdiag.diagnosis import diagnose
from kmdiag.models import Finding, Measurement, Status
from kmdiag.profile.schema import Profile


def profile(**network: Any) -> Profile:
    return Profile(name="t", base_url="https://shop.test/", network=network or {},
                   order={"order_request": "POST /api/orders", "product_url": "/buy/1"})


def run_check(check_id: str, data: dict[str, dict[str, Any]], prof: Profile | None = None,
              findings: dict[str, Any] | None = None) -> tuple[Status, dict[str, Any], str]:
    """(status, evidence, english summary) of one check on literal probe data."""
    plugins.load_builtins()
    spec = registry.CHECKS[check_id]
    ms = {k: Measurement(k, data=v) for k, v in data.items()}
    ctx = registry.CheckContext(measurements=ms, profile=prof or profile(), options={}, findings=findings or {})
    r = spec.fn(ctx)
    return r.status, r.evidence, r.summary.en


def finding(check_id: str, st: str, **evidence: Any) -> Finding:
    plugins.load_builtins()
    spec = registry.CHECKS[check_id]
    return Finding(check_id, spec.layer, Status(st), spec.title, spec.title, evidence)


def top(findings: list[Finding]) -> list[str]:
    return [c.id for c in diagnose(findings, command="order")]


def dns_answer(a: list[str] | None = None, rcode: str = "NOERROR", error_kind: str | None = None,
               resolver: str = "127.0.0.1:53", ms: float = 3.0) -> dict[str, Any]:
    q = {"rcode": None if error_kind else rcode, "answers": list(a or []), "ms": ms, "error": error_kind,
         "error_kind": error_kind}
    return {"resolver": resolver, "A": q, "AAAA": {**q, "answers": []}}


def dns_host(system: dict[str, Any], *trusted: dict[str, Any], host: str = "shop.test") -> dict[str, Any]:
    return {"host": host, "port": 443, "scheme": "https", "primary": True, "literal": False,
            "system": system, "trusted": list(trusted)}


def tls_target(address: str, source: str = "system", verified: bool = True, host: str = "shop.test",
               issuer: str = "Good CA", **extra: Any) -> dict[str, Any]:
    t = {"host": host, "address": address, "source": source, "port": 443, "verified": verified, "ok": verified,
         "error_kind": None if verified else "tls-verify", "verify_error": None if verified else "unable to get local issuer certificate",
         "handshake_ms": 20.0, "cert": {"issuer_cn": issuer, "days_left": 60, "hostname_match": True, "expired": False}}
    t.update(extra)
    return t
