"""Proxy variables are parsed the way curl and browsers read them."""

from __future__ import annotations

from kmdiag.probes._netproxy import bypassed, parse_proxy, proxy_for, summary
from kmdiag.probes._netutil import exc_kind, split_hostport


def test_https_url_uses_https_proxy_then_all_proxy() -> None:
    env = {"HTTPS_PROXY": "http://127.0.0.1:8080", "ALL_PROXY": "socks5://127.0.0.1:1080"}
    assert proxy_for("https://shop.test/", env)["url"] == "http://127.0.0.1:8080"
    assert proxy_for("http://shop.test/", env)["url"] == "socks5://127.0.0.1:1080"
    assert proxy_for("https://shop.test/", {}) is None


def test_lowercase_wins_and_empty_means_unset() -> None:
    env = {"https_proxy": "127.0.0.1:3128", "HTTPS_PROXY": "http://127.0.0.1:9"}
    p = proxy_for("https://shop.test/", env)
    assert p["url"] == "http://127.0.0.1:3128" and p["variable"] == "https_proxy"
    assert proxy_for("https://shop.test/", {"HTTPS_PROXY": ""}) is None


def test_no_proxy_forms() -> None:
    assert bypassed("shop.test", "*")
    assert bypassed("a.shop.test", ".shop.test") and bypassed("a.shop.test", "shop.test")
    assert not bypassed("notshop.test", "shop.test")
    assert bypassed("127.0.0.5", "127.0.0.0/8") and bypassed("shop.test", "x.test, shop.test:443")
    env = {"HTTPS_PROXY": "http://127.0.0.1:8080", "NO_PROXY": "shop.test"}
    assert proxy_for("https://shop.test/", env) is None


def test_credentials_never_leave_the_parser() -> None:
    p = parse_proxy("http://alice:s3cret@127.0.0.1:8080")
    assert p["has_credentials"] and "s3cret" not in str(p)
    assert "s3cret" not in str(summary({"HTTPS_PROXY": "http://alice:s3cret@127.0.0.1:8080"}))


def test_bad_proxy_values() -> None:
    assert parse_proxy("ftp://127.0.0.1:21")["error"]
    assert parse_proxy("http://127.0.0.1:notaport")["error"]
    assert parse_proxy("http://")["error"]
    assert parse_proxy("socks5h://127.0.0.1")["port"] == 1080


def test_hostport_and_error_kinds() -> None:
    assert split_hostport("127.0.0.1:5353", 53) == ("127.0.0.1", 5353)
    assert split_hostport("::1", 53) == ("::1", 53)
    assert split_hostport("[::1]:5353", 53) == ("::1", 5353)
    assert exc_kind(ConnectionRefusedError("refused"), stage="connect") == "refused"
    assert exc_kind(TimeoutError(), stage="connect") == "connect-timeout"
    assert exc_kind(TimeoutError(), stage="request") == "timeout"
    assert exc_kind(ConnectionRefusedError(), stage="connect", via_proxy=True) == "proxy"
