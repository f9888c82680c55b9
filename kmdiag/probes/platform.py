"""Probe ``platform.http``: does the shop itself answer, and how does it answer under load?

Fetched the way the user's browser would reach them (their resolver's address or their proxy):
the product page, the static baseline page, the health endpoint, extra profile pages, and the
order API (OPTIONS only: a router answers it, no order is ever created; never on platforms whose
router ignores the method, ``platform.order_api_probe: none``). The static page and
the order API are sampled a few times so that the checks can compare their latencies; 429, 503,
Retry-After, 5xx and resets are recorded per request.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from kmdiag.apireply import configured, judge
from kmdiag.probes import ProbeContext
from kmdiag.probes._nethttp import fetch, fetch_follow, make_pool, ssl_context, user_route
from kmdiag.probes._netutil import order_api_url, series_timeout
from kmdiag.registry import probe

_SAMPLES = 3
_OWN_S = 12.0  # the probe's own end, below its registered timeout: report what was seen, never be cut
_API_BODY = 4096  # bytes of a page's answer kept to read a JSON refusal (acg-faka: 200 {"code":0,"msg":"商品不存在"})
_KEEP = ("status", "ms", "ttfb_ms", "error", "error_kind", "retry_after", "redirects", "location", "stage", "bytes")


def endpoints(ctx: ProbeContext) -> list[dict[str, Any]]:
    p = ctx.profile
    out: list[dict[str, Any]] = []

    def add(role: str, path: str | None, method: str = "GET", samples: int = 1) -> None:
        if not path:
            return
        url = p.url(path)
        for e in out:
            if e["url"] == url and e["method"] == method:
                e["roles"].append(role)
                e["samples"] = max(e["samples"], samples)
                return
        out.append({"roles": [role], "url": url, "method": method, "samples": samples})

    add("static", p.network.static_path, samples=_SAMPLES)
    add("page", p.order.product_url)
    add("health", p.platform.health_path)
    for extra in p.platform.pages:
        add("extra", extra)
    api = order_api_url(p) if p.platform.order_api_probe == "options" else None
    if api:
        out.append({"roles": ["order-api"], "url": api, "method": "OPTIONS", "samples": _SAMPLES})
    return out


@probe("platform.http", layer="platform", needs=("network.dns", "network.tcp"), timeout=_OWN_S + 2)
async def platform_probe(ctx: ProbeContext) -> dict[str, Any]:
    """Status, latency, Retry-After, 5xx and resets of the shop's pages, health and order API."""
    eps = endpoints(ctx)
    route = await user_route(ctx, ctx.profile.base_url)
    tls, _err = ssl_context(ctx.profile.network.ca_bundle)
    via_proxy = route["proxy"] is not None
    until = time.monotonic() + _OWN_S

    async def one(ep: dict[str, Any]) -> dict[str, Any]:
        results: list[dict[str, Any]] = []
        if route["error"]:
            results.append({"status": None, "error": route["error"], "error_kind": route["error_kind"]})
            return {**ep, "results": results}
        pool = make_pool(tls, route["pins"], route["proxy"])
        async with pool:
            for _ in range(ep["samples"]):
                timeout = series_timeout(ctx, ctx.profile, until)
                if timeout < 0.3:
                    break
                if ep["method"] == "GET":
                    r = await fetch_follow(pool, "GET", ep["url"], timeout=timeout, via_proxy=via_proxy,
                                           keep_body=_API_BODY if api_on else 0)
                else:
                    r = await fetch(pool, ep["method"], ep["url"], timeout=timeout, via_proxy=via_proxy)
                results.append({k: r.get(k) for k in _KEEP} | _refusal(ctx, r))
                if r["error_kind"] in ("timeout", "connect-timeout", "proxy"):
                    break  # a stuck endpoint stays stuck; keep the budget for the others
        return {**ep, "results": results}

    api_on = configured(ctx.profile.api)
    done = await asyncio.gather(*(one(e) for e in eps))
    spec = (ctx.profile.order.order_request or "").strip()
    skipped = (f"order_request '{spec}' is a pattern: only the page's real request (browser layer) is matched against it"
               if "*" in spec else None)
    return {"address": route["address"], "via_proxy": (route["proxy"] or {}).get("url"),
            "route_error": route["error"], "endpoints": list(done), "order_api_skipped": skipped}


def _refusal(ctx: ProbeContext, r: dict[str, Any]) -> dict[str, Any]:
    """A page or health answer that is JSON and a refusal under the profile's ``api`` convention."""
    body = str(r.get("body") or "").lstrip()
    if not body.startswith("{"):
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    verdict = judge(ctx.profile.api, r.get("status"), data)
    if not verdict or not verdict["refused"]:
        return {}
    return {"refused": True, "api_code": verdict["code"], "message": verdict["message"]}
