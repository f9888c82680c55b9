"""Proxy environment variables, read the way curl and browsers read them.

The environment comes from ``ctx.options["environ"]`` (never ``os.environ`` directly) so that the
demo and the tests can hand kmdiag a user's environment. Lower-case names win over upper-case
ones (curl's rule; ``HTTP_PROXY`` upper-case is ignored by many tools for CGI safety but we still
report it). ``NO_PROXY`` entries match a host, its subdomains (``.example.com`` or
``example.com``), an IP, a CIDR, or ``*``. Credentials in a proxy URL never leave this module.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
_DEFAULT_PORTS = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080, "socks4": 1080, "socks4a": 1080, "socks": 1080}


def env_value(environ: Mapping[str, str], name: str) -> tuple[str | None, str | None]:
    """(value, the variable it came from); empty values count as unset."""
    for key in (name.lower(), name.upper()):
        v = environ.get(key)
        if v is not None and v.strip():
            return v.strip(), key
    return None, None


def parse_proxy(value: str) -> dict[str, Any]:
    """A proxy URL → scheme/host/port, without credentials; ``error`` when it cannot be used."""
    raw = value if "://" in value else "http://" + value  # curl's default scheme
    out: dict[str, Any] = {"scheme": None, "host": None, "port": None, "has_credentials": False, "error": None}
    try:
        p = urlsplit(raw)
        port = p.port
    except ValueError as exc:
        out["error"] = f"not a valid proxy URL: {exc}"
        return out
    scheme = (p.scheme or "http").lower()
    out.update(scheme=scheme, host=p.hostname, has_credentials=bool(p.username))
    if scheme not in _DEFAULT_PORTS:
        out["error"] = f"unsupported proxy scheme '{scheme}'"
    elif not p.hostname:
        out["error"] = "the proxy URL has no host"
    out["port"] = port or _DEFAULT_PORTS.get(scheme, 1080)
    out["url"] = f"{scheme}://{out['host']}:{out['port']}" if out["host"] else None
    return out


def bypassed(host: str, no_proxy: str | None) -> bool:
    """True when NO_PROXY says ``host`` is reached directly."""
    if not no_proxy:
        return False
    host = host.lower().strip("[]")
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry = entry.split(":")[0] if entry.count(":") == 1 else entry  # "host:port" → host
        if "/" in entry:
            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        bare = entry.lstrip(".").lstrip("*.")
        if host == bare or host.endswith("." + bare):
            return True
    return False


def proxy_for(url: str, environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The proxy a browser/curl would use for ``url`` with this environment, or None (direct)."""
    p = urlsplit(url)
    scheme = (p.scheme or "https").lower()
    value, var = env_value(environ, f"{scheme}_proxy")
    if value is None:
        value, var = env_value(environ, "all_proxy")
    if value is None:
        return None
    no_proxy, _ = env_value(environ, "no_proxy")
    if bypassed(p.hostname or "", no_proxy):
        return None
    info = parse_proxy(value)
    info["variable"] = var
    return info


def summary(environ: Mapping[str, str]) -> dict[str, Any]:
    """Which proxy variables are set (credentials removed), for the report."""
    out: dict[str, Any] = {}
    for name in VARS:
        value, var = env_value(environ, name)
        if value is None:
            continue
        if name == "no_proxy":
            out[var or name] = value
        else:
            info = parse_proxy(value)
            out[var or name] = info["url"] or "(unparsable)"
    return out
