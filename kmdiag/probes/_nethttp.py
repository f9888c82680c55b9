"""HTTP requests pinned to one address, with httpstat-style phase timings.

httpcore (under httpx) is used directly: its ``network_backend`` hook lets the connection go to
the address under test while the URL keeps the real host name, so the Host header and the TLS
SNI/hostname check stay right without rewriting URLs; its ``trace`` extension gives the phase
boundaries (connect_tcp, start_tls, send_request_headers, receive_response_headers,
receive_response_body). When the user's environment names a proxy, requests go through it as a
browser's would, and then the proxy, not us, resolves the shop's name.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any

import httpcore

from kmdiag import netbase
from kmdiag.probes._netutil import MAX_BODY, MAX_REDIRECTS, exc_kind, exc_text, url_host
from kmdiag.useragent import USER_AGENT


def ssl_context(ca_bundle: str | None) -> tuple[ssl.SSLContext, str | None]:
    """The OS trust store plus the profile's extra CA file (:mod:`kmdiag.netbase`), and why the file did not load."""
    ctx, exc = netbase.ssl_context_or_error(ca_bundle)
    return ctx, (f"could not load ca_bundle {ca_bundle}: {exc_text(exc)}" if exc is not None else None)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects names in ``pins`` to the pinned address; anything else (a proxy) as given."""

    def __init__(self, pins: dict[str, str]) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.pins = {k.lower(): v for k, v in pins.items()}

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        return await self.inner.connect_tcp(self.pins.get(host.lower(), host), port, timeout=timeout,
                                            local_address=local_address, socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:  # pragma: no cover
        return await self.inner.connect_unix_socket(path, timeout=timeout, socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def _socks_support() -> bool:
    try:
        import socksio  # noqa: F401
    except ImportError:
        return False
    return True


def make_pool(tls: ssl.SSLContext, pins: dict[str, str], proxy: dict[str, Any] | None) -> httpcore.AsyncConnectionPool:
    px = None
    if proxy and proxy.get("url") and not proxy.get("error"):
        px = httpcore.Proxy(proxy["url"])
    return httpcore.AsyncConnectionPool(ssl_context=tls, proxy=px, network_backend=PinnedBackend(pins),
                                        max_connections=4, retries=0)


class _Trace:
    """Collects the first time each httpcore trace event happens."""

    def __init__(self) -> None:
        self.t: dict[str, float] = {}

    async def __call__(self, name: str, info: dict[str, Any]) -> None:
        key = name.split(".", 1)[1] if "." in name else name  # "connection.connect_tcp.started" → connect_tcp.started
        self.t.setdefault(key, time.monotonic())
        if key.endswith(".complete") or key == "send_request_headers.started":
            self.t[key] = time.monotonic()  # the last of a repeated step: a proxy's CONNECT comes first

    def span(self, a: str, b: str) -> float | None:
        if a in self.t and b in self.t:
            return round((self.t[b] - self.t[a]) * 1000, 1)
        return None

    def stage(self) -> str:
        if "connect_tcp.complete" not in self.t:
            return "connect"
        if "start_tls.started" in self.t and "start_tls.complete" not in self.t:
            return "tls"
        return "request"


async def fetch(pool: httpcore.AsyncConnectionPool, method: str, url: str, *, timeout: float,
                headers: dict[str, str] | None = None, via_proxy: bool = False,
                max_body: int = MAX_BODY, keep_body: int = 0) -> dict[str, Any]:
    """One request. Never raises for a target's failure: status or error kind are data.

    The whole request (connect, TLS, answer and capped body) must finish within ``timeout``.
    """
    tr = _Trace()
    hdrs = {"User-Agent": USER_AGENT, "Accept": "*/*", **(headers or {})}
    out: dict[str, Any] = {"method": method, "url": url, "status": None, "error": None, "error_kind": None}
    started = time.monotonic()
    body = b""
    truncated = False

    async def go() -> None:
        nonlocal body, truncated
        ext = {"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}, "trace": tr}
        async with pool.stream(method, url, headers=list(hdrs.items()), extensions=ext) as resp:
            out["status"] = resp.status
            out["headers"] = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in resp.headers}
            tr.t.setdefault("headers.received", time.monotonic())
            if method != "HEAD":
                async for chunk in resp.aiter_stream():
                    if len(body) < max_body:
                        body += chunk[: max_body - len(body)]
                    else:
                        truncated = True
                        break

    try:
        await asyncio.wait_for(go(), timeout=timeout)
    except TimeoutError as exc:
        out.update(error=f"no complete answer within {timeout:.1f}s", error_kind=exc_kind(exc, stage=tr.stage(), via_proxy=via_proxy))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        out.update(error=exc_text(exc), error_kind=exc_kind(exc, stage=tr.stage(), via_proxy=via_proxy))
    done = time.monotonic()
    out["stage"] = tr.stage() if out["error"] else "done"
    out["ms"] = round((done - started) * 1000, 1)
    out["connect_ms"] = tr.span("connect_tcp.started", "connect_tcp.complete")
    out["tls_ms"] = tr.span("start_tls.started", "start_tls.complete")
    out["ttfb_ms"] = tr.span("send_request_headers.started", "receive_response_headers.complete")
    out["transfer_ms"] = tr.span("receive_response_headers.complete", "receive_response_body.complete") \
        if out["status"] is not None and not out["error"] else None
    out["reused"] = "connect_tcp.started" not in tr.t and out["status"] is not None
    out["bytes"] = len(body)
    out["truncated"] = truncated
    if keep_body:
        out["body"] = body[:keep_body].decode("utf-8", "replace")
    if out["status"] is not None:
        h = out.get("headers", {})
        out["retry_after"] = h.get("retry-after")
        out["location"] = h.get("location")
        out["content_type"] = h.get("content-type")
        out.pop("headers", None)
    return out


async def fetch_follow(pool: httpcore.AsyncConnectionPool, method: str, url: str, *, timeout: float,
                       via_proxy: bool = False, headers: dict[str, str] | None = None,
                       keep_body: int = 0) -> dict[str, Any]:
    """Like :func:`fetch`, following same-host redirects (at most MAX_REDIRECTS), as a page load does."""
    from urllib.parse import urljoin

    hops: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        r = await fetch(pool, method, current, timeout=left, via_proxy=via_proxy, headers=headers, keep_body=keep_body)
        hops.append(r)
        loc = r.get("location")
        if r["status"] not in (301, 302, 303, 307, 308) or not loc:
            break
        nxt = urljoin(current, loc)
        if url_host(nxt) != url_host(url):
            r["redirect_off_site"] = nxt
            break
        current = nxt
    final = dict(hops[-1]) if hops else {"url": url, "status": None, "error": "no time left", "error_kind": "timeout"}
    final["redirects"] = len(hops) - 1
    final["ms"] = round(sum(h["ms"] for h in hops), 1) if hops else None
    return final


async def user_route(ctx: Any, url: str) -> dict[str, Any]:
    """How the user's browser would reach ``url``: through their proxy, or directly to the first
    address their resolver gives (one the TCP probe could connect to, when it ran).

    Returns ``{"pins", "proxy", "address", "error", "error_kind"}``; ``error`` set means the
    request cannot even be attempted (the name does not resolve for this user).
    """
    from kmdiag.probes import _netproxy
    from kmdiag.probes._netdns import addresses, resolve_user
    from kmdiag.probes._netutil import is_ip, short_timeout

    host = url_host(url)
    environ = ctx.options.get("environ") or {}
    proxy = _netproxy.proxy_for(url, environ)
    route: dict[str, Any] = {"pins": {}, "proxy": proxy, "address": None, "error": None, "error_kind": None}
    if proxy is not None:
        if proxy.get("error"):
            route.update(error=proxy["error"], error_kind="proxy")
        elif str(proxy.get("scheme")).startswith("socks") and not _socks_support():
            route.update(error="the proxy is a SOCKS proxy and socksio is not installed", error_kind="unsupported")
        return route
    if is_ip(host):
        route["address"] = host
        return route
    addrs: list[str] = []
    for h in ctx.data("network.dns").get("hosts", []):
        if h.get("host") == host:
            addrs = addresses(h.get("system") or {})
            break
    else:
        addrs, _ans = await resolve_user(ctx.profile.network.system_resolver, host, short_timeout(ctx, 2.0))
    good = [t["address"] for t in ctx.data("network.tcp").get("targets", [])
            if t.get("host") == host and t.get("ok") and t.get("source") == "system"]
    pick = next((a for a in addrs if a in good), addrs[0] if addrs else None)
    if pick is None:
        route.update(error=f"{host} does not resolve with the user's resolver", error_kind="dns")
        return route
    route["address"] = pick
    route["pins"] = {host: pick}
    return route
