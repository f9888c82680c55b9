"""HTTP clients for the payment layer that resolve names the way the profile says.

Why not plain httpx: a diagnosis must see the shop through *the user's* resolver (the profile's
``network.system_resolver``; in the demo a loopback DNS stub), and the demo gateway must reach
``shop.kmdiag.test`` without any system DNS. Both only change where the TCP connection goes: the
URL, the Host header, TLS SNI and certificate checks keep the real name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpcore
import httpx

from kmdiag import bodycap
from kmdiag.dnsclient import resolve  # the one DNS client (also the notify probe's)
from kmdiag.netbase import is_ip, ssl_context
from kmdiag.useragent import USER_AGENT

if TYPE_CHECKING:
    from kmdiag.profile.schema import Profile

AsyncResolve = Callable[[str], Awaitable[str]]


class _AsyncMappedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, resolve: AsyncResolve) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._resolve = resolve

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None) -> Any:
        address = host if is_ip(host) else await self._resolve(host)
        return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                             socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _SyncMappedBackend(httpcore.NetworkBackend):
    def __init__(self, hosts: Mapping[str, str]) -> None:
        self._inner = httpcore.SyncBackend()
        self._hosts = hosts

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> Any:
        return self._inner.connect_tcp(self._hosts.get(host, host), port, timeout=timeout,
                                       local_address=local_address, socket_options=socket_options)


class ResolveError(httpx.ConnectError):
    """The name did not resolve through the configured resolver (NXDOMAIN, no answer, timeout)."""


# Caps count *decoded* bytes, across nested encodings, decoded a slice at a time (kmdiag.bodycap).
BodyTooLarge = bodycap.BodyTooLarge


def async_client(profile: Profile, *, timeout: float = 5.0, max_connections: int = 100,
                 resolver: str | None = "profile", max_body: int | None = None) -> httpx.AsyncClient:
    """An AsyncClient for the shop, its admin API and the provider: never follows redirects, no env proxies.

    ``resolver="profile"`` uses ``profile.network.system_resolver`` (the user's resolver as the profile
    names it), ``None`` the OS resolver. ``max_body`` caps every answer (bytes) and makes each exchange
    end within ``timeout`` even when the body trickles in (:class:`kmdiag.bodycap.CappedTransport`).
    """
    server = profile.network.system_resolver if resolver == "profile" else resolver
    cache: dict[str, str] = {}

    async def _resolve(host: str) -> str:
        if not server:
            return host
        if host not in cache:
            r = await resolve(host, server, min(2.0, timeout))  # a silent resolver must not outlast the request
            if not r["addresses"]:
                raise ResolveError(f"{host} does not resolve via {server}: {r['error']}")
            cache[host] = r["addresses"][0]
        return cache[host]

    ctx = ssl_context(profile.network.ca_bundle)
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    transport = httpx.AsyncHTTPTransport(verify=ctx, limits=limits)
    transport._pool = httpcore.AsyncConnectionPool(  # same pool httpx builds, with our name mapping
        ssl_context=ctx, max_connections=max_connections, max_keepalive_connections=max_connections,
        keepalive_expiry=5.0, network_backend=_AsyncMappedBackend(_resolve),
    )
    bounded: httpx.AsyncBaseTransport = bodycap.CappedTransport(transport, max_body) if max_body else transport
    return httpx.AsyncClient(transport=bounded, timeout=timeout, follow_redirects=False, trust_env=False,
                             headers={"User-Agent": USER_AGENT})


def sync_client(hosts: Mapping[str, str], *, timeout: float = 5.0, verify: bool = False,
                ca_bundle: str | None = None) -> httpx.Client:
    """A sync client whose names come from ``hosts`` (the demo gateway's view of the internet).

    ``verify=False`` by default because 彩虹易支付 sends notifies with SSL verification off.
    """
    ctx = ssl_context(ca_bundle, verify)
    transport = httpx.HTTPTransport(verify=ctx)
    transport._pool = httpcore.ConnectionPool(ssl_context=ctx, max_connections=20, network_backend=_SyncMappedBackend(hosts))
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
