"""TCP connects and TLS handshakes to one address, with the certificate's facts.

A failed verification still tells a lot (who signed the certificate, for which names, until
when), so when the verified handshake fails a second, unverified one fetches the certificate to
describe it. That second handshake only reads; nothing is ever sent over it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import time
from typing import Any

from kmdiag.probes._netutil import exc_kind, exc_text


async def tcp_connect(address: str, port: int, timeout: float) -> dict[str, Any]:
    started = time.monotonic()
    out: dict[str, Any] = {"address": address, "port": port, "family": "ipv6" if ":" in address else "ipv4",
                           "ok": False, "ms": None, "error": None, "error_kind": None}
    try:
        _r, w = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
        out["ok"] = True
        w.close()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        out.update(error=exc_text(exc) if str(exc) else f"no connection within {timeout:.1f}s",
                   error_kind=exc_kind(exc, stage="connect"))
    out["ms"] = round((time.monotonic() - started) * 1000, 1)
    return out


async def _handshake(address: str, port: int, host: str, ctx: ssl.SSLContext, timeout: float) -> tuple[Any, float, float]:
    """(ssl object, connect ms, handshake ms); the writer is closed before returning."""
    t0 = time.monotonic()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
    t1 = time.monotonic()
    try:
        left = max(0.05, timeout - (t1 - t0))
        await asyncio.wait_for(writer.start_tls(ctx, server_hostname=host, ssl_handshake_timeout=left), left)
        t2 = time.monotonic()
        sslobj = writer.get_extra_info("ssl_object")
        info = {"der": sslobj.getpeercert(binary_form=True) if sslobj else None,
                "version": sslobj.version() if sslobj else None,
                "cipher": (sslobj.cipher() or [None])[0] if sslobj else None}
        return info, round((t1 - t0) * 1000, 1), round((t2 - t1) * 1000, 1)
    finally:
        writer.close()


async def tls_handshake(address: str, port: int, host: str, ctx: ssl.SSLContext, timeout: float) -> dict[str, Any]:
    """Handshake with SNI = ``host`` to ``address``; verify chain and name with ``ctx``."""
    out: dict[str, Any] = {"address": address, "port": port, "host": host, "ok": False, "verified": False,
                           "error": None, "error_kind": None, "verify_error": None, "stage": "connect"}
    started = time.monotonic()
    try:
        info, out["connect_ms"], out["handshake_ms"] = await _handshake(address, port, host, ctx, timeout)
        out.update(ok=True, verified=True, stage="done", version=info["version"], cipher=info["cipher"])
        if info["der"]:
            out["cert"] = cert_info(info["der"], host)
    except asyncio.CancelledError:
        raise
    except ssl.SSLCertVerificationError as exc:
        out.update(stage="tls", error=exc_text(exc), error_kind="tls-verify",
                   verify_error=getattr(exc, "verify_message", None) or str(exc), verify_code=getattr(exc, "verify_code", None))
    except Exception as exc:
        connected = "connect_ms" in out or not isinstance(exc, OSError | asyncio.TimeoutError | TimeoutError)
        stage = "tls" if connected or isinstance(exc, ssl.SSLError) else "connect"
        out.update(stage=stage, error=exc_text(exc) if str(exc) else f"no handshake within {timeout:.1f}s",
                   error_kind=exc_kind(exc, stage=stage))
    out["ms"] = round((time.monotonic() - started) * 1000, 1)
    if out["error_kind"] == "tls-verify":
        loose = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        loose.check_hostname = False
        loose.verify_mode = ssl.CERT_NONE
        try:
            info, _c, _h = await _handshake(address, port, host, loose, max(0.2, timeout - out["ms"] / 1000))
            if info["der"]:
                out["cert"] = cert_info(info["der"], host)
        except Exception as exc:  # the description is a bonus; the verdict is already known
            out["cert_error"] = exc_text(exc)
    return out


def cert_info(der: bytes, host: str) -> dict[str, Any]:
    """Issuer, subject, names and validity of a DER certificate, and whether it covers ``host``."""
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID, NameOID

    cert = x509.load_der_x509_certificate(der)

    def cn(name: x509.Name) -> str | None:
        attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(attrs[0].value) if attrs else None

    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    not_after = cert.not_valid_after_utc
    now = dt.datetime.now(dt.UTC)
    return {
        "subject_cn": cn(cert.subject),
        "issuer_cn": cn(cert.issuer),
        "issuer": cert.issuer.rfc4514_string(),
        "self_signed": cert.issuer == cert.subject,
        "names": names,
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": not_after.isoformat(),
        "days_left": round((not_after - now).total_seconds() / 86400, 1),
        "expired": not_after < now,
        "hostname_match": _covers(names or ([cn(cert.subject)] if cn(cert.subject) else []), host),
    }


def _covers(names: list[str | None], host: str) -> bool:
    host = host.lower().rstrip(".")
    for n in names:
        if not n:
            continue
        n = n.lower().rstrip(".")
        if n == host:
            return True
        if n.startswith("*.") and host.count(".") >= n.count(".") and host.split(".", 1)[-1] == n[2:]:
            return True
    return False
