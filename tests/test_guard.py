"""The loopback guard really blocks TCP, UDP and name lookups off loopback."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import OffLoopback


def test_tcp_off_loopback_blocked() -> None:
    s = socket.socket()
    with pytest.raises(OffLoopback):
        s.connect(("192.0.2.1", 80))  # TEST-NET-1, documentation range: never sent
    with pytest.raises(OffLoopback):
        s.connect_ex(("192.0.2.1", 80))
    s.close()


def test_udp_off_loopback_blocked() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with pytest.raises(OffLoopback):
        s.sendto(b"x", ("192.0.2.1", 53))
    s.close()


def test_name_lookup_blocked() -> None:
    with pytest.raises(OffLoopback):
        socket.getaddrinfo("example.com", 443)


@pytest.mark.parametrize("call", [
    lambda: socket.gethostbyaddr("127.0.0.1"), lambda: socket.gethostbyaddr("192.0.2.1"),
    lambda: socket.getnameinfo(("127.0.0.1", 80), 0), lambda: socket.getfqdn("127.0.0.1"), lambda: socket.getfqdn(),
])
def test_reverse_lookups_blocked(call) -> None:
    with pytest.raises(OffLoopback):
        call()


def test_numeric_getnameinfo_allowed() -> None:
    assert socket.getnameinfo(("127.0.0.1", 80), socket.NI_NUMERICHOST | socket.NI_NUMERICSERV) == ("127.0.0.1", "80")


def test_demo_servers_do_no_reverse_lookup() -> None:
    """``http.server``'s ``server_bind`` calls getfqdn; the demo's servers must not (the guard would raise)."""
    from kmdiag.demo.runtime import DemoShop

    d = DemoShop().start()
    d.stop()


def test_dnspython_blocked() -> None:
    import dns.message
    import dns.query

    with pytest.raises(OffLoopback):
        dns.query.udp(dns.message.make_query("example.com", "A"), "192.0.2.53", timeout=0.5)


def test_loopback_allowed() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    c = socket.socket()
    c.connect(srv.getsockname())
    c.close()
    srv.close()
