"""Profile re-rooting: every URL on a built-in profile's host follows the URL the user gave."""

from __future__ import annotations

import json
import re

import pytest

from kmdiag.profile.loader import (
    ProfileError,
    builtin_profiles,
    is_placeholder,
    load_profile,
    profile_from_url,
    reroot,
)


@pytest.mark.parametrize("name", sorted(n for n in builtin_profiles() if n != "demo"))
def test_no_placeholder_survives_a_user_url(name: str) -> None:
    p = profile_from_url("http://127.0.0.1:8080/item/3", base=name)
    text = json.dumps(p.model_dump(mode="json"), ensure_ascii=False)
    assert not re.search(r"://[^/\"]*example\.(?:com|org|net)", text), text  # no placeholder host (an e-mail may stay)
    assert p.base_url == "http://127.0.0.1:8080/"


def test_acg_faka_urls_follow_host_port_and_scheme() -> None:
    p = profile_from_url("https://faka.shop.test:8443/item/7?sku=2", base="acg-faka")
    assert p.payment.notify_url == "https://faka.shop.test:8443/user/api/order/callback.{order_id}"
    assert p.order.product_url == "/item/7?sku=2"
    assert p.payment.provider.gateway is None  # pay.example.com is a placeholder: unset, never contacted
    assert p.network.captive_portal is not None  # a real third-party host stays
    assert p.payment.order_endpoint == "/user/api/order/state?tradeNo={order_id}"  # paths untouched


def test_a_real_gateway_of_a_users_profile_is_kept(tmp_path) -> None:
    text = (builtin_profiles()["acg-faka"]).read_text(encoding="utf-8").replace(
        "https://pay.example.com", "https://epay.real-gateway.test")
    f = tmp_path / "mine.yaml"
    f.write_text(text, encoding="utf-8")
    p = profile_from_url("http://127.0.0.1:9000/", base=str(f))
    assert p.payment.provider.gateway == "https://epay.real-gateway.test"
    assert p.order.product_url == "/item/1"  # a bare origin keeps the profile's page


def test_placeholders() -> None:
    assert is_placeholder("shop.example.com") and is_placeholder("pay.example.org") and is_placeholder("a.invalid")
    assert not is_placeholder("faka.kmdiag.test") and not is_placeholder("example.com.cn") and not is_placeholder("127.0.0.1")


def test_reroot_refuses_a_non_http_url() -> None:
    with pytest.raises(ProfileError):
        reroot(load_profile("acg-faka"), "ftp://x/")


def test_a_built_in_profile_without_a_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from kmdiag.cli.app import run

    for args in (["order", "--profile", "acg-faka"], ["payment", "261201000000000001", "--profile", "acg-faka"]):
        assert run(args) == 2
        err = capsys.readouterr().err
        assert "no shop address" in err and "example.com" not in err


def test_a_copied_profile_keeps_its_own_host_and_drops_left_over_placeholders(tmp_path) -> None:
    from kmdiag.profile.loader import require_rooted

    text = builtin_profiles()["acg-faka"].read_text(encoding="utf-8").replace(
        "base_url: https://shop.example.com/", "base_url: https://faka.mine.test/")
    f = tmp_path / "mine.yaml"
    f.write_text(text, encoding="utf-8")
    p = require_rooted(load_profile(str(f)), str(f), "payment")
    assert p.base_url == "https://faka.mine.test/"
    assert p.payment.notify_url is None and p.payment.provider.gateway is None  # forgotten: unset, not contacted


def test_own_base_url_with_a_path_prefix_is_kept(tmp_path) -> None:
    from kmdiag.profile.loader import require_rooted

    text = builtin_profiles()["acg-faka"].read_text(encoding="utf-8").replace(
        "base_url: https://shop.example.com/", "base_url: https://mine.test/shop/")
    f = tmp_path / "sub.yaml"
    f.write_text(text, encoding="utf-8")
    p = require_rooted(load_profile(str(f)), str(f))
    assert p.base_url == "https://mine.test/shop/" and p.order.product_url == "/item/1"
