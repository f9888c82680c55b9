"""Which URLs an order probe may visit: the exporter must not become an open proxy.

Why: ``/probe?target=URL`` makes a real browser load URL from the exporter's network position.
Anyone who can reach the exporter could otherwise use it to fetch intranet pages or hammer third
parties. So a target must be a plain http(s) URL (no credentials inside, no odd characters, a
bounded length), and when the configuration has ``targets.allow`` its host must match one pattern.
"""

from __future__ import annotations

import fnmatch
from urllib.parse import urlsplit


class TargetRefused(ValueError):
    """The scrape asked for a URL this exporter will not visit; the message says why."""


def check_target(url: str, allow: list[str], max_length: int = 2048) -> str:
    """Return ``url`` when it may be probed; raise :class:`TargetRefused` otherwise."""
    if not url:
        raise TargetRefused("target is empty")
    if len(url) > max_length:
        raise TargetRefused(f"target is longer than {max_length} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise TargetRefused("target contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"target is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("target must be an http:// or https:// URL")
    if not parts.hostname:
        raise TargetRefused("target has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("target must not carry credentials (user:password@); profiles name secrets by env variable")
    if allow and not allowed(parts.hostname, port or (443 if parts.scheme == "https" else 80), allow):
        raise TargetRefused(f"target host '{parts.hostname}' is not in this exporter's targets.allow list")
    return url


def allowed(host: str, port: int, patterns: list[str]) -> bool:
    """``shop.example.com``, ``*.example.com`` (subdomains only) or ``host:port`` patterns; case-insensitive."""
    host = host.lower().rstrip(".")
    for pat in patterns:
        p = pat.lower().strip()
        want_port = None
        if ":" in p and p.rsplit(":", 1)[1].isdigit():
            p, port_s = p.rsplit(":", 1)
            want_port = int(port_s)
        if want_port is not None and want_port != port:
            continue
        if fnmatch.fnmatchcase(host, p):
            return True
    return False
