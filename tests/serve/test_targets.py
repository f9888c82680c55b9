"""Targets: only plain http(s) URLs, optionally only allowed hosts — the exporter is no open proxy."""

from __future__ import annotations

import pytest

from kmdiag.serve.targets import TargetRefused, check_target


@pytest.mark.parametrize("url", [
    "https://shop.example.com/buy/1", "http://shop.example.com:8080/item?id=7", "https://127.0.0.1/buy/1",
])
def test_plain_urls_pass_without_allow_list(url: str) -> None:
    assert check_target(url, []) == url


@pytest.mark.parametrize("url, why", [
    ("ftp://shop.example.com/", "http"), ("file:///etc/passwd", "http"), ("javascript:alert(1)", "http"),
    ("gopher://x/", "http"), ("https://", "no host"), ("https://user:pw@shop.example.com/", "credentials"),
    ("https://shop.example.com/a b", "spaces"), ("https://shop.example.com/\x00", "control"),
    ("https://shop.example.com:99999/", "valid URL"), ("https://x.example.com/" + "a" * 3000, "longer"), ("", "empty"),
])
def test_refused(url: str, why: str) -> None:
    with pytest.raises(TargetRefused) as exc:
        check_target(url, [])
    assert why in str(exc.value)


def test_allow_list() -> None:
    allow = ["shop.example.com", "*.shop-b.example.com", "staging.example.com:8443"]
    assert check_target("https://SHOP.example.com/buy/1", allow)
    assert check_target("https://eu.shop-b.example.com/x", allow)
    assert check_target("https://staging.example.com:8443/", allow)
    for bad in ("https://shop-b.example.com/", "https://evil.example.net/", "http://169.254.169.254/latest/meta-data",
                "https://staging.example.com/", "https://shop.example.com.evil.net/"):
        with pytest.raises(TargetRefused, match="allow"):
            check_target(bad, allow)
