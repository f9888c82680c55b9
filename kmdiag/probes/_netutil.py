"""Small helpers shared by the network and platform probes: hosts, ports, budgets, error kinds.

Kept free of I/O so that the probes stay short and the same vocabulary of error kinds
("refused", "timeout", "tls", ...) reaches every check: the checks judge by kind, never by
parsing exception text.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kmdiag import netbase

if TYPE_CHECKING:
    from kmdiag.probes._context import ProbeContext
    from kmdiag.profile.schema import Profile

MAX_BODY = 1_000_000  # bytes read from any answer; the rest is discarded
MAX_REDIRECTS = 5


# The one definition of each lives in kmdiag.netbase (shared with the account probes and payment).
is_ip = netbase.is_ip
split_hostport = netbase.split_hostport
exc_text = netbase.exc_text


def url_port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def url_host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def hosts_for(profile: Profile) -> list[dict[str, Any]]:
    """The hosts to check, with the port each is used on; the shop's own host is ``primary``.

    Default (``network.hosts`` empty): base_url's host and the notify URL's host, as the
    profile schema documents.
    """
    base_host, base_port = url_host(profile.base_url), url_port(profile.base_url)
    base_scheme = urlsplit(profile.base_url).scheme
    ports = {base_host: (base_port, base_scheme)}
    notify = profile.payment.notify_url
    if notify and url_host(notify):
        ports.setdefault(url_host(notify), (url_port(notify), urlsplit(notify).scheme))
    names = [h.lower() for h in profile.network.hosts] or list(ports)
    if base_host not in names:
        names.insert(0, base_host)
    seen: list[dict[str, Any]] = []
    for name in names:
        if any(h["host"] == name for h in seen):
            continue
        port, scheme = ports.get(name, (base_port, base_scheme))
        seen.append({"host": name, "port": port, "scheme": scheme, "primary": name == base_host})
    return seen


def request_timeout(ctx: ProbeContext, profile: Profile) -> float:
    """How long one HTTP request may take: generous against the budget (a slow answer is data,
    a cut one is not), but never more than a share of what is left of the run, so that even a
    black-holed target leaves time for the checks."""
    wanted = min(8.0, max(3.0, 4 * profile.network.budgets.ttfb_ms / 1000))
    share = max(0.3, (ctx.remaining() - 0.4) * 0.75)
    return ctx.timeout(min(wanted, share))


def series_timeout(ctx: ProbeContext, profile: Profile, until: float) -> float:
    """Like :func:`request_timeout`, but also inside ``until`` (a probe's own end, kept below its
    registered timeout so that a long series returns what it has instead of being cut off)."""
    import time

    return min(request_timeout(ctx, profile), until - time.monotonic())


def short_timeout(ctx: ProbeContext, wanted: float) -> float:
    """A timeout for a quick step (DNS, TCP, TLS), again bounded by a share of the budget."""
    share = max(0.2, (ctx.remaining() - 0.4) * 0.6)
    return ctx.timeout(min(wanted, share))


def exc_kind(exc: BaseException, *, stage: str = "", via_proxy: bool = False) -> str:
    """Map a transport exception to the error vocabulary the checks use.

    ``stage`` is how far the request got: "connect" (no TCP connection yet), "tls" (connected,
    handshake not done) or "request" (connected, waiting for the answer). It decides between a
    connection that never opened (unreachable) and one that opened but never answered (timeout).
    Through a proxy, a failure before the tunnel is up is the proxy's.
    """
    name = type(exc).__name__
    text = str(exc).lower()
    if name == "ProxyError" or (via_proxy and stage == "connect"):
        return "proxy"
    if isinstance(exc, TimeoutError) or "timeout" in name.lower() or "timed out" in text:
        return "connect-timeout" if stage == "connect" else "timeout"
    if isinstance(exc, ssl.SSLError) or "certificate" in text or "ssl" in text:
        return "tls"
    if isinstance(exc, ConnectionRefusedError) or "refused" in text or "errno 111" in text:
        return "refused"
    if isinstance(exc, ConnectionResetError) or "reset" in text or "disconnected" in text:
        return "reset"
    if "unreachable" in text or "no route" in text:
        return "unreachable"
    if name in ("RemoteProtocolError", "ReadError", "WriteError", "IncompleteReadError", "EOFError"):
        return "reset"
    if stage == "connect" or name in ("ConnectError", "OSError", "gaierror"):
        return "connect"
    return "other"


def order_api_url(profile: Profile) -> str | None:
    """The order API's URL from ``order.order_request`` ("POST /api/orders"); None for a wildcard pattern.

    Probes only ever send OPTIONS to it: the API's router answers (a 2xx/405 proves it is alive,
    a 429/503 that it sheds load) and no order can be created by it.
    """
    spec = (profile.order.order_request or "").strip()
    if not spec:
        return None
    path = spec.split(None, 1)[-1]
    if "*" in path:
        # A pattern is matched against the page's real request (kmdiag.browser.match); turned into a
        # path it names a route that does not exist (``/create0``) and hides an overloaded API.
        return None
    return profile.url(path)
