"""Probe: the notify URL — the one the profile configures and any other path callbacks really hit.

Why it never calls the handler by default: kmdiag must not change the shop it diagnoses, and a
request to the notify handler does — acg-faka writes every unverified request there into
``runtime.log`` as 签名验证失败 (reference §7.1), without order number or caller, so it later reads
exactly like a gateway's failed callback; on acg-faka any method reaches the handler, so HEAD or
OPTIONS are no way out. By default the probe only measures what touches no handler: the name
(through the user's resolver), a TCP connect and TLS handshake to the notify host's port, and a GET
of that origin's root ``/``. The callback history (probe ``payment.callbacks``) says what the
provider's own requests got. ``--probe-notify`` adds what the provider does: one unsigned request
with the provider's method, recording status, reply, redirect target and time (the app should
*reject* it; a 404, 405, 3xx or 5xx means the provider's callbacks die too).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from kmdiag.i18n import T
from kmdiag.ids import fill
from kmdiag.probes import ProbeContext, Skip
from kmdiag.probes._payment import client, net_error, now
from kmdiag.registry import probe

PROBE_ORDER = "KMDIAG-PROBE-0"


@probe("payment.notify-url", layer="payment", commands=("payment",), needs=("payment.callbacks",), timeout=8.0)
async def notify_url(ctx: ProbeContext) -> dict[str, Any]:
    """Probe the configured notify URL and every other notify path seen in the callback history."""
    from kmdiag.payment.net import resolve
    from kmdiag.payment.providers.base import plugin

    pay = ctx.profile.payment
    if not pay.notify_url:
        raise Skip(T(zh="配置没有给出回调地址（payment.notify_url）", en="the profile names no payment.notify_url"))
    method = pay.provider.notify_method or plugin(pay.provider.kind).NOTIFY_METHOD  # the provider's own way
    oid = str(ctx.opt("order_id") or PROBE_ORDER)
    configured = ctx.profile.url(fill(pay.notify_url, order_id=oid))  # acg-faka: …/callback.{order_id}
    targets = [configured]
    base = urlsplit(configured)
    for cb in ctx.data("payment.callbacks").get("callbacks", []):
        path = cb.get("path")
        if path and path != base.path:
            seen = f"{base.scheme}://{base.netloc}{path}"
            if seen not in targets:
                targets.append(seen)
    probe_handler = bool(ctx.opt("probe_notify"))
    out: dict[str, Any] = {"configured": configured, "method": method, "observed_at": now(),
                           "base_url": ctx.profile.base_url, "targets": [], "handler_probed": probe_handler}
    if not probe_handler:
        out["not_tried"] = "handler"  # no request to the handler path: it would add a line to the shop's log
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
            if t["dns"]["addresses"] and t["configured"]:
                t["connect"] = await connect(parts.scheme, parts.hostname or "", t["dns"]["addresses"][0],
                                             parts.port or (443 if parts.scheme == "https" else 80),
                                             ctx.profile.network.ca_bundle, ctx.timeout(min(3.0, pay.provider.notify_timeout_s)))
                if t["connect"]["ok"]:
                    t["root"] = await _root(c, f"{parts.scheme}://{parts.netloc}/", ctx)
            if t["dns"]["addresses"] and probe_handler:
                t.update(await _send(c, url, method, pay.provider.notify_timeout_s, ctx))
            out["targets"].append(t)
    return out


async def connect(scheme: str, host: str, address: str, port: int, ca_bundle: str | None, timeout: float) -> dict[str, Any]:
    """TCP connect (and TLS handshake for https) to the notify server, then close: no HTTP at all."""
    import asyncio

    from kmdiag.netbase import ssl_context

    started = time.monotonic()
    tls = ssl_context(ca_bundle) if scheme == "https" else None
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(address, port, ssl=tls,
                                                                   server_hostname=host if tls else None), timeout)
    except TimeoutError:
        return {"ok": False, "error": f"no connection within {timeout:.1f}s", "stage": "connect",
                "ms": int((time.monotonic() - started) * 1000)}
    except OSError as exc:
        import ssl

        stage = "tls" if isinstance(exc, ssl.SSLError) else "connect"
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200], "stage": stage,
                "ms": int((time.monotonic() - started) * 1000)}
    ms = int((time.monotonic() - started) * 1000)
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 0.5)
    except Exception:
        pass
    return {"ok": True, "error": None, "tls": tls is not None, "ms": ms, "address": address, "port": port}


async def _root(c: Any, url: str, ctx: ProbeContext) -> dict[str, Any]:
    """GET of the notify origin's root page: the server answers, and no handler is reached."""
    started = time.monotonic()
    try:
        r = await c.get(url, timeout=ctx.timeout(3.0))
    except Exception as exc:
        return {"url": url, "status": None, "error": net_error(exc), "ms": int((time.monotonic() - started) * 1000)}
    return {"url": url, "status": r.status_code, "error": None, "ms": int((time.monotonic() - started) * 1000)}


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
