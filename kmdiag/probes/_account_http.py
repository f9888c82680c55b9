"""One bounded HTTP exchange with the shop's own API, as the shopper's browser would make it.

The account probes need the platform's answer *to this user*, so they go where the user's browser
goes: the shop's name resolved by the user's resolver (``network.system_resolver`` when the profile
sets one, the OS otherwise), TLS checked against the system store plus the profile's ``ca_bundle``,
SNI and ``Host`` kept as the shop's name. Every failure (no address, refused, TLS, timeout) comes back
as data, and the answer is capped so a hostile or broken endpoint cannot flood the run.

The result never contains what was sent (the token); it does contain the raw answer, which the
renderers redact like everything else.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from kmdiag import dnsclient, netbase, safejson
from kmdiag.useragent import user_agent

if TYPE_CHECKING:
    from kmdiag.probes._context import ProbeContext

BODY_CAP = 256 * 1024  # bytes of answer kept; an account answer is a few hundred bytes
TEXT_KEEP = 2000  # characters of a non-JSON answer kept for the checks (a login page, an error page)
_KEEP_HEADERS = ("content-type", "location", "retry-after", "www-authenticate")


async def resolve(ctx: ProbeContext, host: str) -> list[str]:
    """Addresses for ``host`` as the user's resolver gives them (IP literals pass through)."""
    server = ctx.profile.network.system_resolver
    # A and AAAA asked at once, within a share of what is left: a silent resolver leaves time to say so.
    timeout = ctx.timeout(min(2.0, max(0.2, (ctx.remaining() - 0.3) * 0.35))) if server else ctx.timeout(3.0)
    r = await dnsclient.resolve(host, server, timeout, rdtypes=("A", "AAAA"))
    if not r["addresses"] and r["error"] and not server:
        raise OSError(r["error"])  # the OS could not resolve it: said as such, not as "no address"
    return list(dict.fromkeys(r["addresses"]))


def _tls_context(ctx: ProbeContext) -> ssl.SSLContext:
    # An unusable CA file is the network layer's to report; here we just trust the system store.
    return netbase.ssl_context_or_error(ctx.profile.network.ca_bundle)[0]


def _parse(raw: bytes, content_type: str) -> tuple[bool, Any, str | None]:
    """(is_json, parsed body, text) — JSON is tried whatever the content type says (many shops lie)."""
    text = raw.decode("utf-8", "replace")
    stripped = text.lstrip()
    if stripped[:1] in ("{", "[") or "json" in content_type:
        try:
            return True, safejson.loads(text), None
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
            pass
    return False, None, text[:TEXT_KEEP]


async def exchange(
    ctx: ProbeContext,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    json_body: Any = None,
    wanted_s: float = 5.0,
) -> dict[str, Any]:
    """One request to ``profile.url(path)``; the answer (or what went wrong) as plain data."""
    url = ctx.profile.url(path)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    out: dict[str, Any] = {"method": method, "url": url}
    started = time.monotonic()
    try:
        addrs = await resolve(ctx, host)
    except (OSError, TimeoutError) as exc:
        return {**out, "error": f"cannot resolve {host}: {exc}", "error_type": "dns"}
    if not addrs:
        return {**out, "error": f"no address for {host}", "error_type": "dns"}
    addr = addrs[0]
    netloc = f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    default_port = port == (443 if parts.scheme == "https" else 80)
    hdrs = {"Host": host if default_port else f"{host}:{port}", "Accept": "application/json, text/plain, */*",
            # Same-site Referer/XHR marks, as the shop's own page sends them: some platforms (acg-faka's
            # UserSession) refuse API calls without them ("访问来源不明确").
            "Referer": ctx.profile.url(ctx.profile.order.product_url), "X-Requested-With": "XMLHttpRequest",
            "User-Agent": user_agent("account check"), **(headers or {})}
    if cookies:
        hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    ext = {"sni_hostname": host} if parts.scheme == "https" else {}
    # httpx's timeouts are per step: a body that trickles in a byte a second never trips them, so
    # the whole exchange also gets one end, inside what is left of the probe.
    total = ctx.timeout(min(wanted_s, max(0.3, (ctx.remaining() - 0.3) * 0.85)))
    out["address"] = addr
    raw = bytearray()

    async def go() -> httpx.Response:
        from kmdiag.bodycap import CappedTransport  # decoded-size cap: a gzip bomb stops at BODY_CAP

        transport = CappedTransport(httpx.AsyncHTTPTransport(verify=_tls_context(ctx)), BODY_CAP, truncate=True)
        async with httpx.AsyncClient(transport=transport, trust_env=False, timeout=httpx.Timeout(total),
                                     follow_redirects=False) as client:
            req = client.build_request(method, pinned, headers=hdrs, json=json_body, extensions=ext)
            resp = await client.send(req, stream=True)
            try:
                async for chunk in resp.aiter_bytes():
                    raw.extend(chunk)
                    if len(raw) > BODY_CAP:
                        out["truncated"] = True
                        break
            finally:
                await resp.aclose()
            return resp

    try:
        resp = await asyncio.wait_for(go(), total)
    except TimeoutError:
        return {**out, "error": f"no complete answer within {total:.1f}s", "error_type": "timeout",
                "bytes": len(raw)}
    except httpx.TimeoutException as exc:
        return {**out, "error": f"no answer in time ({type(exc).__name__})", "error_type": "timeout"}
    except httpx.ConnectError as exc:
        kind = "tls" if "SSL" in str(exc) or "certificate" in str(exc).lower() else "connect"
        return {**out, "error": f"{type(exc).__name__}: {exc}", "error_type": kind}
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        return {**out, "error": f"{type(exc).__name__}: {exc}", "error_type": "http"}
    ctype = resp.headers.get("content-type", "")
    is_json, body, text = _parse(bytes(raw[:BODY_CAP]), ctype)
    out.update(
        status=resp.status_code,
        headers={k: resp.headers[k] for k in _KEEP_HEADERS if k in resp.headers},
        json=is_json,
        body=body,
        text=text,
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )
    return out
