"""Network probes against the running demo shop and against a real dnsmasq."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from kmdiag import runner
from kmdiag.demo.netservers import NetLoop, _bridge
from kmdiag.models import Status
from kmdiag.probes import ProbeContext
from kmdiag.probes._nethttp import fetch, make_pool, ssl_context
from kmdiag.probes._nettls import tls_handshake
from kmdiag.probes.network_dns import dns_probe


def _ctx(profile: Any, environ: dict[str, str] | None = None, budget: float = 10.0) -> ProbeContext:
    return ProbeContext(profile=profile, options={"environ": environ or {}}, deadline=time.monotonic() + budget)


def _with_network(profile: Any, **changes: Any) -> Any:
    return profile.model_copy(update={"network": profile.network.model_copy(update=changes)})


@pytest.mark.dnsmasq
def test_dns_probe_against_real_dnsmasq(demo_shop: Any, dnsmasq: Any) -> None:
    user = dnsmasq.start({"shop.kmdiag.test": "127.0.0.1"})
    trusted = dnsmasq.start({"shop.kmdiag.test": "127.0.0.1"})
    prof = _with_network(demo_shop.profile(), system_resolver=user, trusted_resolvers=[trusted],
                         hosts=["shop.kmdiag.test", "gone.test"])
    data = asyncio.run(dns_probe(_ctx(prof)))
    by = {h["host"]: h for h in data["hosts"]}
    assert by["shop.kmdiag.test"]["system"]["A"]["answers"] == ["127.0.0.1"]
    assert by["shop.kmdiag.test"]["system"]["A"]["rcode"] == "NOERROR"
    assert by["shop.kmdiag.test"]["trusted"][0]["resolver"] == trusted
    assert by["gone.test"]["system"]["A"]["rcode"] == "NXDOMAIN"
    assert data["system_resolver_source"] == "profile"


@pytest.mark.dnsmasq
def test_real_dnsmasq_as_users_resolver_against_demo_is_healthy(demo_shop: Any, dnsmasq: Any) -> None:
    user = dnsmasq.start({"shop.kmdiag.test": "127.0.0.1", "portal.kmdiag.test": "127.0.0.1"})
    prof = _with_network(demo_shop.profile(), system_resolver=user)
    report, _ = runner.execute("order", prof, {"environ": {}}, budget=15, layers=["network", "platform"])
    # timing warnings are legitimate on a loaded machine; failures and causes are not
    bad = [(f.id, f.status, f.summary.en) for f in report.findings if f.status in (Status.FAIL, Status.ERROR)]
    assert not bad and not report.causes, bad


@pytest.mark.dnsmasq
def test_real_dnsmasq_hijacking_to_a_dead_address_is_hijack_first(demo_shop: Any, dnsmasq: Any) -> None:
    """OONI: connects failing on an answer that disagrees with the control is a DNS problem."""
    user = dnsmasq.start({"shop.kmdiag.test": "127.0.0.77"})
    prof = _with_network(demo_shop.profile(), system_resolver=user)
    report, _ = runner.execute("order", prof, {"environ": {}}, budget=15, layers=["network"])
    assert report.causes[0].id == "network.dns-hijack"
    assert "network.unreachable" in [c.id for c in report.causes]


@pytest.mark.dnsmasq
def test_dnsmasq_nxdomain_is_dns_failure(demo_shop: Any, dnsmasq: Any) -> None:
    user = dnsmasq.start({}, nxdomain_zone="kmdiag.test")
    prof = _with_network(demo_shop.profile(), system_resolver=user)
    report, _ = runner.execute("order", prof, {"environ": {}}, budget=15, layers=["network", "platform"])
    assert report.causes[0].id == "network.dns-failure"


def test_tls_handshake_facts(demo_shop: Any) -> None:
    good, _ = ssl_context(str(demo_shop.ca.cert_path))
    r = asyncio.run(tls_handshake("127.0.0.1", demo_shop.shop.port, "shop.kmdiag.test", good, 3))
    assert r["verified"] and r["cert"]["issuer_cn"] == "kmdiag Demo Root CA" and r["cert"]["hostname_match"]
    assert r["handshake_ms"] is not None and r["version"].startswith("TLS")
    bare, _ = ssl_context(None)  # the OS store alone does not know the demo CA
    r2 = asyncio.run(tls_handshake("127.0.0.1", demo_shop.shop.port, "shop.kmdiag.test", bare, 3))
    assert not r2["verified"] and r2["error_kind"] == "tls-verify"
    assert r2["cert"]["issuer_cn"] == "kmdiag Demo Root CA"  # described all the same
    r3 = asyncio.run(tls_handshake("127.0.0.1", demo_shop.shop.port, "other.kmdiag.test", good, 3))
    assert not r3["verified"] and r3["cert"]["hostname_match"] is False


def test_pinned_fetch_keeps_host_and_sni_and_times_phases(demo_shop: Any) -> None:
    tls, _ = ssl_context(str(demo_shop.ca.cert_path))

    async def go() -> dict[str, Any]:
        async with make_pool(tls, {"shop.kmdiag.test": "127.0.0.1"}, None) as pool:
            return await fetch(pool, "GET", demo_shop.base_url + "health", timeout=3)

    r = asyncio.run(go())
    assert r["status"] == 200 and r["error"] is None
    for phase in ("connect_ms", "tls_ms", "ttfb_ms", "transfer_ms"):
        assert r[phase] is not None and r[phase] >= 0, phase
    assert demo_shop.shop_app.log[-1]["headers"]["host"].startswith("shop.kmdiag.test")


def test_fetch_to_a_closed_port_is_refused_not_timeout() -> None:
    tls, _ = ssl_context(None)

    async def go() -> dict[str, Any]:
        async with make_pool(tls, {"closed.test": "127.0.0.1"}, None) as pool:
            return await fetch(pool, "GET", "https://closed.test:9/", timeout=2)

    r = asyncio.run(go())
    assert r["status"] is None and r["error_kind"] in ("refused", "connect") and r["stage"] == "connect"


def _connect_proxy(seen: list[str], shop_port: int) -> Any:
    """A tiny working HTTP CONNECT proxy that resolves the demo name itself, as a real one does."""

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        line = (await r.readline()).decode()
        while (await r.readline()) not in (b"\r\n", b""):
            pass
        seen.append(line.strip())
        ur, uw = await asyncio.open_connection("127.0.0.1", shop_port)
        w.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await w.drain()
        await _bridge((r, w), (ur, uw))

    return handle


def _proxy_env(loop: NetLoop, seen: list[str], shop_port: int) -> dict[str, str]:
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        pport = s.getsockname()[1]
    loop.listen(_connect_proxy(seen, shop_port), "127.0.0.1", pport)
    return {"HTTPS_PROXY": f"http://127.0.0.1:{pport}"}


@pytest.mark.dnsmasq
def test_local_dns_failure_behind_a_working_proxy_is_only_a_note(demo_shop: Any, dnsmasq: Any) -> None:
    """Behind a proxy the proxy resolves the shop: a local resolver that cannot is not the cause."""
    user = dnsmasq.start({"portal.kmdiag.test": "127.0.0.1"}, nxdomain_zone="kmdiag.test")
    prof = _with_network(demo_shop.profile(), system_resolver=user)
    seen: list[str] = []
    loop = NetLoop()
    try:
        env = _proxy_env(loop, seen, demo_shop.shop.port)
        report, _ = runner.execute("order", prof, {"environ": env}, budget=15, layers=["network", "platform"])
    finally:
        loop.close()
    st = {f.id: f.status for f in report.findings}
    assert st["network.dns-resolve"] == Status.WARN and st["network.http"] in (Status.PASS, Status.WARN)
    assert not report.causes and seen


def test_http_probes_really_go_through_a_configured_proxy(demo_shop: Any) -> None:
    seen: list[str] = []
    loop = NetLoop()
    try:
        with __import__("socket").socket() as s:
            s.bind(("127.0.0.1", 0))
            pport = s.getsockname()[1]
        loop.listen(_connect_proxy(seen, demo_shop.shop.port), "127.0.0.1", pport)
        env = {"HTTPS_PROXY": f"http://127.0.0.1:{pport}"}
        report, ctx = runner.execute("order", demo_shop.profile(), {"environ": env}, budget=15,
                                     layers=["network", "platform"])
    finally:
        loop.close()
    assert ctx.measurements["network.proxy"].data["check"]["tunnel_status"] == 200
    assert ctx.measurements["network.http"].data["via_proxy"] == f"http://127.0.0.1:{pport}"
    assert ctx.measurements["network.http"].data["requests"][0]["status"] == 200
    assert any(s.startswith("CONNECT shop.kmdiag.test:") for s in seen) and len(seen) >= 4
    assert not report.causes, [(f.id, f.summary.en) for f in report.findings if f.status != Status.PASS]


def test_broken_ipv6_next_to_working_ipv4_is_a_warning_not_unreachable(demo_shop: Any) -> None:
    from kmdiag.demo.dns_stub import Answer

    for name in ("user", "trusted"):
        demo_shop.dns[name].table["shop.kmdiag.test"] = Answer(a=["127.0.0.1"], aaaa=["::1"])  # nothing on ::1
    report, ctx = runner.execute("order", demo_shop.profile(), {"environ": {}}, budget=15, layers=["network", "platform"])
    st = {f.id: f.status for f in report.findings}
    fams = {t["family"]: t["ok"] for t in ctx.measurements["network.tcp"].data["targets"]}
    assert fams == {"ipv4": True, "ipv6": False}
    assert st["network.tcp-connect"] == Status.WARN and not report.causes
    assert len(ctx.measurements["network.http"].data["requests"]) == 2


def test_a_series_ends_on_its_own_before_the_probe_timeout() -> None:
    from kmdiag.probes._netutil import series_timeout
    from tests.network.helpers import profile

    ctx = ProbeContext(profile=profile(), options={}, deadline=time.monotonic() + 60)
    assert series_timeout(ctx, ctx.profile, time.monotonic() + 0.5) <= 0.5
    assert 2.9 < series_timeout(ctx, ctx.profile, time.monotonic() + 100) <= 8
