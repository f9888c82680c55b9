"""The few network basics every layer shares: "is this an address?", "host:port" and "which certificates do we trust?".

Why one place: the network probes, the account probes and the payment clients must agree on both —
a shop whose staging CA is trusted by one probe and not by another would be diagnosed twice, two
different ways. Only the standard library here (``ssl`` is imported lazily), so any layer that may
do I/O can import it.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl


def is_ip(host: str) -> bool:
    """An IPv4 or IPv6 literal (``[::1]`` as in a URL too): no name to resolve."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def split_hostport(value: str, default_port: int) -> tuple[str, int]:
    """"ip", "ip:port", "[v6]:port" or a bare IPv6 address → (host, port)."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if value.count(":") > 1:  # a bare IPv6 address has several colons and no port
        return value, default_port
    host, sep, port = value.partition(":")
    return host, int(port) if sep and port else default_port


def exc_text(exc: BaseException) -> str:
    """``Type: message`` of an exception, cut to 300 characters (the vocabulary of error strings)."""
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


_CONTEXTS: dict[tuple[Any, ...], ssl.SSLContext] = {}


def ssl_context(ca_bundle: str | None, verify: bool = True) -> ssl.SSLContext:
    """The OS trust store plus the profile's extra CA file (a staging or demo CA).

    Raises ``OSError`` / ``ssl.SSLError`` when ``ca_bundle`` cannot be loaded. ``verify=False``
    (no hostname or chain check) is for the demo gateway, which sends notifies the way 彩虹易支付
    does: with SSL verification off.

    One context per (CA file as it is on disk, verify) for the whole process: loading the OS store
    costs about 45 ms of CPU each time (measured: 8 loads, 0.38 s, in one ``kmdiag order`` run, on
    the same thread as the browser probe's events). A context is only read once made; httpcore sets
    the same ALPN (http/1.1) on it for every connection, since nothing in kmdiag speaks HTTP/2.
    """
    import os

    key: tuple[Any, ...] = (ca_bundle, verify)
    if ca_bundle:
        st = os.stat(ca_bundle)  # an edited or replaced CA file is loaded again (and may fail now)
        key += (st.st_mtime_ns, st.st_size, st.st_ino)
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _CONTEXTS[key] = _new_context(ca_bundle, verify)
    return ctx


def _new_context(ca_bundle: str | None, verify: bool) -> ssl.SSLContext:
    import ssl

    ctx = ssl.create_default_context()
    if ca_bundle:
        ctx.load_verify_locations(cafile=ca_bundle)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def ssl_context_or_error(ca_bundle: str | None) -> tuple[ssl.SSLContext, Exception | None]:
    """:func:`ssl_context`, falling back to the OS store alone when the CA file is unusable (the error says why)."""
    import ssl

    try:
        return ssl_context(ca_bundle), None
    except (OSError, ssl.SSLError) as exc:
        return ssl_context(None), exc
