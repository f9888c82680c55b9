"""Probes ``network.proxy`` and ``network.captive-portal``: the user's surroundings.

A proxy variable left behind by a VPN or a "accelerator" app silently routes every browser
request through a dead port; a public Wi-Fi portal answers every request with its login page.
Both are measured against what is expected: the proxy by connecting to it (and, for an HTTP
proxy, asking it for a tunnel to the shop), the portal by fetching a URL whose exact answer is
known.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kmdiag.i18n import T
from kmdiag.probes import ProbeContext, Skip, _netproxy
from kmdiag.probes._nethttp import fetch, make_pool, ssl_context, user_route
from kmdiag.probes._netutil import exc_kind, exc_text, short_timeout, url_host, url_port
from kmdiag.registry import probe


async def _tunnel(proxy: dict[str, Any], host: str, port: int, timeout: float) -> dict[str, Any]:
    """Connect to an HTTP proxy and ask for a CONNECT tunnel to host:port; read only the status."""
    out: dict[str, Any] = {"connect_ok": False, "tunnel_status": None, "ms": None, "error": None, "error_kind": None}
    started = time.monotonic()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(proxy["host"], proxy["port"]), timeout)
        out["connect_ok"] = True
        if proxy["scheme"] in ("http", "https"):
            writer.write(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            await writer.drain()
            left = max(0.05, timeout - (time.monotonic() - started))
            line = await asyncio.wait_for(reader.readline(), left)
            parts = line.decode("latin-1").split()
            out["tunnel_status"] = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            if out["tunnel_status"] is None:
                out.update(error="the proxy did not answer the CONNECT request", error_kind="reset" if not line else "protocol")
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        stage = "request" if out["connect_ok"] else "connect"
        out.update(error=exc_text(exc) if str(exc) else f"no answer within {timeout:.1f}s", error_kind=exc_kind(exc, stage=stage))
    finally:
        if writer is not None:
            writer.close()
    out["ms"] = round((time.monotonic() - started) * 1000, 1)
    return out


@probe("network.proxy", layer="network", timeout=5.0)
async def proxy_probe(ctx: ProbeContext) -> dict[str, Any]:
    """Proxy variables: parsed, applied to the shop (or bypassed by NO_PROXY), and reachable."""
    environ = ctx.options.get("environ") or {}
    url = ctx.profile.base_url
    variables = _netproxy.summary(environ)
    proxy = _netproxy.proxy_for(url, environ)
    out: dict[str, Any] = {"variables": variables, "applies": proxy is not None, "proxy": None, "check": None}
    if proxy is None:
        return out
    out["proxy"] = {k: proxy.get(k) for k in ("url", "scheme", "host", "port", "variable", "has_credentials", "error")}
    if proxy.get("error"):
        return out
    if proxy["scheme"].startswith("socks"):
        try:
            import socksio  # noqa: F401
        except ImportError:
            out["socks_support"] = False
    out["check"] = await _tunnel(proxy, url_host(url), url_port(url), short_timeout(ctx, 3.0))
    return out


@probe("network.captive-portal", layer="network", timeout=6.0)
async def captive_probe(ctx: ProbeContext) -> dict[str, Any]:
    """Fetch the profile's portal-check URL (resolved like any other name) without following redirects."""
    cp = ctx.profile.network.captive_portal
    if cp is None:
        raise Skip(T(zh="配置没有给出公共 Wi-Fi 认证检测地址", en="the profile names no captive-portal check URL"))
    route = await user_route(ctx, cp.url)
    out: dict[str, Any] = {"url": cp.url, "expect_status": cp.expect_status, "expect_body": cp.expect_body,
                           "address": route["address"], "via_proxy": (route["proxy"] or {}).get("url")}
    if route["error"]:
        return {**out, "status": None, "error": route["error"], "error_kind": route["error_kind"]}
    tls, _err = ssl_context(ctx.profile.network.ca_bundle)
    pool = make_pool(tls, route["pins"], route["proxy"])
    async with pool:
        r = await fetch(pool, "GET", cp.url, timeout=short_timeout(ctx, 4.0), via_proxy=route["proxy"] is not None,
                        max_body=65536, keep_body=512)
    body = r.pop("body", "")
    if cp.expect_body is not None and r["status"] is not None:
        r["body_matches"] = body.strip() == cp.expect_body.strip()
    r["body_sample"] = body[:200] if r["status"] != cp.expect_status else ""
    r["login_page"] = any(w in body.lower() for w in ("login", "登录", "认证", "portal", "password", "wifi", "wi-fi"))
    return {**out, **r}
