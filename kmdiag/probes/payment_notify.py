"""Probe: the notify URL — the one the profile configures and any other path callbacks really hit.

Why: providers call the notify URL blind — no redirects followed, one method, a few seconds. So the
probe does what the provider does: resolve the host through the user's resolver, send one unsigned
request with the provider's method, and record status, reply, redirect target and time. The app
should *reject* it (it is unsigned); a 404, 405, 3xx or 5xx means the provider's callbacks die too.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from kmdiag.probes._base import Skip
from kmdiag.probes._context import ProbeContext
from kmdiag.probes._payment import client, net_error, now
from kmdiag.registry import probe

DEFAULT_METHOD = {"epay": "GET", "alipay": "POST", "wechatpay": "POST"}
PROBE_ORDER = "KMDIAG-PROBE-0"


@probe("payment.notify-url", layer="payment", commands=("payment",), needs=("payment.callbacks",), timeout=8.0)
async def notify_url(ctx: ProbeContext) -> dict[str, Any]:
    """Probe the configured notify URL and every other notify path seen in the callback history."""
    from kmdiag.payment.net import resolve

    pay = ctx.profile.payment
    if not pay.notify_url:
        raise Skip("the profile names no payment.notify_url")
    method = pay.provider.notify_method or DEFAULT_METHOD.get(pay.provider.kind, "POST")
    oid = str(ctx.opt("order_id") or PROBE_ORDER)
    configured = ctx.profile.url(pay.notify_url.replace("{order_id}", oid))  # acg-faka: …/callback.{order_id}
    targets = [configured]
    base = urlsplit(configured)
    for cb in ctx.data("payment.callbacks").get("callbacks", []):
        path = cb.get("path")
        if path and path != base.path:
            seen = f"{base.scheme}://{base.netloc}{path}"
            if seen not in targets:
                targets.append(seen)
    out: dict[str, Any] = {"configured": configured, "method": method, "observed_at": now(),
                           "base_url": ctx.profile.base_url, "targets": []}
    shop_host = urlsplit(ctx.profile.base_url).hostname or ""
    # Up to five lookups in a row (the shop, then each target): each gets a share, so a silent resolver
    # is reported as such instead of the probe running out of time.
    dns_s = ctx.timeout(min(2.0, max(0.1, (ctx.remaining() - 0.3) * 0.2)))
    out["base_dns"] = await resolve(shop_host, ctx.profile.network.system_resolver, dns_s)
    async with client(ctx, min(pay.provider.notify_timeout_s + 1, 8.0)) as c:
        for url in targets[:4]:
            parts = urlsplit(url)
            t: dict[str, Any] = {"url": url, "scheme": parts.scheme, "host": parts.hostname, "path": parts.path,
                                 "port": parts.port, "configured": url == configured}
            t["dns"] = await resolve(parts.hostname or "", ctx.profile.network.system_resolver, dns_s)
            if t["dns"]["addresses"]:
                t.update(await _send(c, url, method, pay.provider.notify_timeout_s, ctx))
            out["targets"].append(t)
    return out


async def _send(c: Any, url: str, method: str, timeout: float, ctx: ProbeContext) -> dict[str, Any]:
    from kmdiag.payment import journal

    params = {"out_trade_no": PROBE_ORDER, "kmdiag_probe": "1"}
    started = time.monotonic()
    wall = time.time()
    try:
        if method == "GET":
            r = await c.get(url, params=params, timeout=ctx.timeout(timeout))
        else:
            r = await c.post(url, data=params, timeout=ctx.timeout(timeout))
    except Exception as exc:
        return {"error": net_error(exc), "elapsed_ms": int((time.monotonic() - started) * 1000)}
    finally:  # the shop may log this request (acg-faka: 签名验证失败): it must never count as the gateway's
        journal.record(url, wall, time.time(), "probe-notify")
    return {"status": r.status_code, "reply": r.text[:200], "location": r.headers.get("location"),
            "allow": r.headers.get("allow"), "elapsed_ms": int((time.monotonic() - started) * 1000), "error": None}
