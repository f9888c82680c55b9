"""The one DNS client: what *this* resolver says about a name, as data (dnspython, one server at a time).

Why one: the network probes (the DNS layer itself), the account probes and the payment clients all ask
"what does the user's resolver answer for this host" and must get the same answer for the same
question. A resolver library (``dns.resolver``) turns NXDOMAIN, SERVFAIL and silence into exceptions
and retries across servers; a diagnosis needs exactly what this server said and how long it took, so
each question is one UDP query (TCP fallback on truncation) to one named server. The OS resolver is
read from the system's resolver configuration (resolv.conf / the registry) through dnspython, not
through ``getaddrinfo``, so that the answer is the resolver's, not a cache's or a hosts file's —
except in :func:`resolve` with no resolver named, which is "whatever the OS does" on purpose (the
way the user's own programs connect). dnspython is imported on first use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from kmdiag.netbase import exc_text, is_ip, split_hostport


def system_servers() -> tuple[list[tuple[str, int]], str | None]:
    """The OS resolver's servers as dnspython reads them from the system configuration."""
    try:
        import dns.resolver

        r = dns.resolver.Resolver(configure=True)
        return [(str(ns), 53) for ns in r.nameservers], None
    except Exception as exc:  # no resolv.conf, unreadable registry
        return [], exc_text(exc)


def user_servers(system_resolver: str | None) -> tuple[list[tuple[str, int]], str, str | None]:
    """(servers, source, error): the profile's "ip:port", or the OS configuration when null."""
    if system_resolver:
        try:
            return [split_hostport(system_resolver, 53)], "profile", None
        except ValueError as exc:
            return [], "profile", f"bad resolver address {system_resolver!r}: {exc}"
    servers, err = system_servers()
    return servers, "os", err


async def query(server: tuple[str, int], host: str, rdtype: str, timeout: float, attempts: int = 2) -> dict[str, Any]:
    """Ask one server one question. Never raises: failures are data (rcode or error kind)."""
    out: dict[str, Any] = {"rcode": None, "answers": [], "ms": None, "error": None, "error_kind": None}
    if not is_ip(server[0]):
        out.update(error=f"resolver {server[0]!r} is not an IP address", error_kind="config")
        return out
    import dns.asyncquery
    import dns.exception
    import dns.message
    import dns.rcode
    import dns.rdatatype

    q = dns.message.make_query(host, rdtype)
    per_try = max(0.05, timeout / attempts)
    started = time.monotonic()
    for i in range(attempts):
        try:
            resp, _tcp = await dns.asyncquery.udp_with_fallback(q, server[0], timeout=per_try, port=server[1])
        except (dns.exception.Timeout, TimeoutError):
            out.update(error=f"no answer from {server[0]}:{server[1]} within {timeout:.1f}s", error_kind="timeout")
            continue
        except OSError as exc:
            out.update(error=exc_text(exc), error_kind="network")
            break
        except Exception as exc:  # malformed answer, id mismatch...
            out.update(error=exc_text(exc), error_kind="bad-answer")
            if i + 1 < attempts:
                continue
            break
        out.update(error=None, error_kind=None, rcode=dns.rcode.to_text(resp.rcode()))
        want = dns.rdatatype.from_text(rdtype)
        out["answers"] = [rd.to_text() for rrset in resp.answer if rrset.rdtype == want for rd in rrset]
        out["cname"] = [rd.to_text() for rrset in resp.answer if rrset.rdtype == dns.rdatatype.CNAME for rd in rrset]
        break
    out["ms"] = round((time.monotonic() - started) * 1000, 1)
    return out


async def lookup(servers: list[tuple[str, int]], host: str, timeout: float) -> dict[str, Any]:
    """A and AAAA for ``host`` from the first server that answers at all (as a stub resolver does)."""
    if not servers:
        return {"resolver": None, "A": _noserver(), "AAAA": _noserver()}
    result: dict[str, Any] = {}
    for server in servers[:3]:
        a, aaaa = await asyncio.gather(query(server, host, "A", timeout), query(server, host, "AAAA", timeout))
        result = {"resolver": f"{server[0]}:{server[1]}", "A": a, "AAAA": aaaa}
        if a["error_kind"] != "timeout" or aaaa["error_kind"] != "timeout":
            break
    return result


def _noserver() -> dict[str, Any]:
    return {"rcode": None, "answers": [], "ms": None, "error": "no resolver configured", "error_kind": "config"}


def addresses(answer: dict[str, Any]) -> list[str]:
    """Every address of one resolver's answer, IPv4 first (as browsers usually try them)."""
    if not answer:
        return []
    return list(answer.get("A", {}).get("answers", [])) + list(answer.get("AAAA", {}).get("answers", []))


async def resolve_user(system_resolver: str | None, host: str, timeout: float) -> tuple[list[str], dict[str, Any]]:
    """Addresses of ``host`` as the user's resolver gives them (an IP literal is its own answer)."""
    if is_ip(host):
        return [host.strip("[]")], {"resolver": None, "literal": True}
    servers, _source, err = user_servers(system_resolver)
    ans = await lookup(servers, host, timeout)
    if err:
        ans["config_error"] = err
    return addresses(ans), ans


async def resolve(host: str, resolver: str | None, timeout: float = 2.0,
                  rdtypes: Sequence[str] = ("A",)) -> dict[str, Any]:
    """``{"addresses": [...], "error": None | "NXDOMAIN" | "timeout" | ..., "resolver": ...}``; never raises.

    ``resolver`` is the profile's ``network.system_resolver`` ("ip:port"); None asks the OS
    (``getaddrinfo``: hosts file and caches included, as the user's programs see it). The record
    types are asked at once, each within ``timeout``.
    """
    if is_ip(host):
        return {"addresses": [host.strip("[]")], "error": None, "resolver": None}
    if not resolver:
        import socket

        try:
            infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM),
                                           timeout)
            # the OS's order (RFC 6724 preference): the first address is the one a program would try
            return {"addresses": list(dict.fromkeys(i[4][0] for i in infos)), "error": None, "resolver": "system"}
        except TimeoutError:
            return {"addresses": [], "error": "timeout", "resolver": "system"}
        except Exception as exc:  # OSError, or the test suite's loopback guard
            return {"addresses": [], "error": f"{type(exc).__name__}: {exc}", "resolver": "system"}
    try:
        server = split_hostport(resolver, 53)
    except ValueError as exc:
        return {"addresses": [], "error": f"bad resolver address {resolver!r}: {exc}", "resolver": resolver}
    answers = await asyncio.gather(*(query(server, host, t, timeout, attempts=1) for t in rdtypes))
    addrs = [a for ans in answers for a in ans["answers"]]
    first = answers[0]
    if addrs:
        error = None
    elif first["error_kind"] == "timeout":
        error = "timeout"
    elif first["error"]:
        error = first["error"]
    else:
        error = first["rcode"] if first["rcode"] != "NOERROR" else "no answer"
    return {"addresses": addrs, "error": error, "resolver": resolver}
