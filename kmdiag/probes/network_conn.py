"""Probes ``network.tcp`` and ``network.tls``: every resolved address, connected and shaken hands with.

Addresses come from the user's resolver ("system") and, when they differ, from the trusted
resolvers ("trusted"): the TLS result on the trusted address is the control that lets the DNS
check tell a hijack (name served elsewhere by someone else) from interception (same address,
wrong certificate).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from kmdiag.i18n import T
from kmdiag.probes import ProbeContext, Skip
from kmdiag.probes._netdns import addresses
from kmdiag.probes._nethttp import ssl_context
from kmdiag.probes._nettls import tcp_connect, tls_handshake
from kmdiag.probes._netutil import short_timeout
from kmdiag.registry import probe

_MAX_PER_HOST = 6


def targets(ctx: ProbeContext) -> list[dict[str, Any]]:
    """(host, port, address, source) for every address the resolvers gave, system ones first."""
    out: list[dict[str, Any]] = []
    for h in ctx.data("network.dns").get("hosts", []):
        if h.get("literal"):
            out.append({"host": h["host"], "port": h["port"], "address": h["host"].strip("[]"),
                        "source": "system", "primary": h["primary"], "scheme": h.get("scheme", "https")})
            continue
        system = addresses(h.get("system") or {})[:_MAX_PER_HOST]
        control: list[str] = []
        for t in h.get("trusted", []):
            control += [a for a in addresses(t) if a not in system and a not in control]
        for src, addrs in (("system", system), ("trusted", control[:_MAX_PER_HOST])):
            out += [{"host": h["host"], "port": h["port"], "address": a, "source": src, "primary": h["primary"],
                     "scheme": h.get("scheme", "https")} for a in addrs]
    return out


@probe("network.tcp", layer="network", needs=("network.dns",), timeout=6.0)
async def tcp_probe(ctx: ProbeContext) -> dict[str, Any]:
    """TCP connect to every resolved address (IPv4 and IPv6), with timings."""
    tg = targets(ctx)
    if not tg and not ctx.data("network.dns"):
        raise Skip(T(zh="DNS 没有给出可连接的地址", en="no DNS results to connect to"))
    timeout = short_timeout(ctx, 3.0)
    results = await asyncio.gather(*(tcp_connect(t["address"], t["port"], timeout) for t in tg))
    return {"timeout_s": round(timeout, 2), "targets": [{**t, **r} for t, r in zip(tg, results, strict=True)]}


@probe("network.tls", layer="network", needs=("network.dns",), timeout=8.0)
async def tls_probe(ctx: ProbeContext) -> dict[str, Any]:
    """TLS handshake per address with SNI = host: chain trust, expiry, name, issuer, error text."""
    if urlsplit(ctx.profile.base_url).scheme != "https":
        raise Skip(T(zh="商城使用明文 HTTP，没有 TLS", en="the shop is served over plain HTTP"))
    tls, ca_error = ssl_context(ctx.profile.network.ca_bundle)
    tg = [t for t in targets(ctx) if t["scheme"] == "https"]
    timeout = short_timeout(ctx, 4.0)
    results = await asyncio.gather(*(tls_handshake(t["address"], t["port"], t["host"], tls, timeout) for t in tg))
    return {
        "timeout_s": round(timeout, 2),
        "ca_bundle": ctx.profile.network.ca_bundle,
        "ca_bundle_error": ca_error,
        "expected_issuers": list(ctx.profile.network.expected_tls_issuers),
        "targets": [{**t, **r} for t, r in zip(tg, results, strict=True)],
    }
