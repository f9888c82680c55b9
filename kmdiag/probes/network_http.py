"""Probes ``network.http`` and ``network.latency``: the user's path to the shop, timed by phase.

``network.http`` fetches the static page once per address the user's resolver gives (fresh
connection each, so every phase is measured: connect, TLS, time to first byte, transfer), or
once through the user's proxy when one applies. ``network.latency`` is a short series on one
kept-alive connection for the static page and, side by side, for the order API (OPTIONS only):
a slow link slows both alike, a loaded shop only the API.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kmdiag.probes import ProbeContext
from kmdiag.probes._netdns import addresses
from kmdiag.probes._nethttp import fetch, make_pool, ssl_context, user_route
from kmdiag.probes._netproxy import proxy_for
from kmdiag.probes._netutil import order_api_url, request_timeout, series_timeout, url_host
from kmdiag.registry import probe

_MAX_ADDRESSES = 4
_LATENCY_S = 12.0  # the series' own end: what it measured by then is reported, never cut off
_SOFT_S = 5.0  # past this, a series with MIN_SAMPLES answers stops (a slow link needs no more to be judged)
MIN_SAMPLES = 5


def _system_dns(ctx: ProbeContext, host: str) -> dict[str, Any]:
    for h in ctx.data("network.dns").get("hosts", []):
        if h.get("host") == host:
            return h.get("system") or {}
    return {}


@probe("network.http", layer="network", needs=("network.dns",), timeout=10.0)
async def http_probe(ctx: ProbeContext) -> dict[str, Any]:
    """GET the static page pinned to each of the user's addresses (or via their proxy), by phase."""
    url = ctx.profile.url(ctx.profile.network.static_path)
    host = url_host(url)
    tls, _err = ssl_context(ctx.profile.network.ca_bundle)
    environ = ctx.options.get("environ") or {}
    proxy = proxy_for(url, environ)
    timeout = request_timeout(ctx, ctx.profile)
    sysdns = _system_dns(ctx, host)
    dns_ms = (sysdns.get("A") or {}).get("ms")
    out: dict[str, Any] = {"url": url, "timeout_s": round(timeout, 2), "via_proxy": None, "requests": []}
    if proxy is not None:
        out["via_proxy"] = proxy.get("url") or "(unparsable)"
        route = await user_route(ctx, url)
        if route["error"]:
            out["requests"].append({"url": url, "status": None, "error": route["error"], "error_kind": route["error_kind"]})
            return out
        pool = make_pool(tls, {}, proxy)
        async with pool:
            r = await fetch(pool, "GET", url, timeout=timeout, via_proxy=True)
        out["requests"].append({**r, "address": None, "dns_ms": None})
        return out
    route = await user_route(ctx, url)
    addrs = addresses(sysdns)[:_MAX_ADDRESSES] or ([route["address"]] if route["address"] else [])
    if not addrs:
        out["requests"].append({"url": url, "status": None, "error": route["error"], "error_kind": "dns"})
        return out

    async def one(addr: str) -> dict[str, Any]:
        pool = make_pool(tls, {host: addr}, None)
        async with pool:
            r = await fetch(pool, "GET", url, timeout=timeout)
        return {**r, "address": addr, "dns_ms": dns_ms}

    out["requests"] = list(await asyncio.gather(*(one(a) for a in addrs)))
    return out


async def _series(ctx: ProbeContext, method: str, url: str, n: int, route: dict[str, Any], until: float) -> dict[str, Any]:
    """``n`` requests in a row on one kept-alive connection; stops at the first timeout (a
    browser would be stuck there too, and the budget is better spent elsewhere)."""
    tls, _err = ssl_context(ctx.profile.network.ca_bundle)
    samples: list[dict[str, Any]] = []
    out: dict[str, Any] = {"url": url, "method": method, "planned": n, "samples": samples, "stopped": None}
    if route["error"]:
        samples.append({"status": None, "error": route["error"], "error_kind": route["error_kind"]})
        out["stopped"] = route["error_kind"]
        return out
    via_proxy = route["proxy"] is not None
    pool = make_pool(tls, route["pins"], route["proxy"])
    started = time.monotonic()
    async with pool:
        for _ in range(n):
            timeout = series_timeout(ctx, ctx.profile, until)
            if timeout < 0.3:
                out["stopped"] = "budget"
                break
            answered = sum(1 for x in samples if x.get("status") is not None)
            if answered >= MIN_SAMPLES and time.monotonic() - started > _SOFT_S:
                out["stopped"] = "enough"  # a slow link: enough samples to judge, the run has other work
                break
            r = await fetch(pool, method, url, timeout=timeout, via_proxy=via_proxy)
            samples.append({k: r.get(k) for k in ("status", "ms", "ttfb_ms", "connect_ms", "tls_ms", "error",
                                                  "error_kind", "retry_after", "reused")})
            if r["error_kind"] in ("timeout", "connect-timeout", "proxy", "dns"):
                out["stopped"] = r["error_kind"]
                break
    return out


@probe("network.latency", layer="network", needs=("network.dns", "network.tcp"), timeout=_LATENCY_S + 2)
async def latency_probe(ctx: ProbeContext) -> dict[str, Any]:
    """Latency series (p50/p95, jitter, failures) for the static page and the order API."""
    n = ctx.profile.network.latency_samples
    until = time.monotonic() + _LATENCY_S
    static_url = ctx.profile.url(ctx.profile.network.static_path)
    api_url = order_api_url(ctx.profile)
    route = await user_route(ctx, static_url)
    jobs = {"static": _series(ctx, "GET", static_url, n, route, until)}
    if api_url:
        api_route = route if url_host(api_url) == url_host(static_url) else await user_route(ctx, api_url)
        jobs["api"] = _series(ctx, "OPTIONS", api_url, n, api_route, until)
    done = await asyncio.gather(*jobs.values())
    return {"via_proxy": (route["proxy"] or {}).get("url"), "address": route["address"],
            "series": dict(zip(jobs.keys(), done, strict=True))}
