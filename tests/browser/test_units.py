"""Pure pieces of the browser layer: finding a browser, launch flags, order-request matching,
version parsing. No browser is started here."""

from __future__ import annotations

from kmdiag.browser.finder import candidates, install_hint, no_browser_message
from kmdiag.browser.launcher import launch_args, resolver_rules
from kmdiag.browser.match import is_order_request
from kmdiag.browser.versions import major, parse_version, profile_key


def test_explicit_browser_wins_and_is_the_only_candidate(tmp_path) -> None:
    assert [c.path for c in candidates("/opt/x/chrome", {})] == ["/opt/x/chrome"]
    assert [c.path for c in candidates(None, {"KMDIAG_BROWSER": "/env/chrome"})] == ["/env/chrome"]
    assert candidates("/cli/chrome", {"KMDIAG_BROWSER": "/env/chrome"})[0].path == "/cli/chrome"


def test_fallback_order_ends_with_playwrights_own_download() -> None:
    cands = candidates(None, {}, system="Linux")
    kinds = [c.kind for c in cands]
    assert kinds[-1] == "playwright"
    assert kinds == sorted(kinds, key=["channel", "system", "playwright"].index)


def test_install_hint_names_the_package_for_each_os() -> None:
    assert "apt-get install chromium" in install_hint("Linux", "debian").en
    assert "snap install chromium" in install_hint("Linux", "ubuntu").en
    assert "winget" in install_hint("Windows").en
    assert "brew" in install_hint("Darwin").en
    msg = no_browser_message("/nonexistent")
    assert "/nonexistent" in msg.en and "/nonexistent" in msg.zh
    assert "Executable doesn't exist" not in no_browser_message().en


def test_resolver_rules_map_test_hosts_and_nothing_else() -> None:
    rules = resolver_rules({"shop.kmdiag.test": "127.0.0.1", "pay.kmdiag.test": "127.0.0.2"}, lockdown=True)
    assert rules == ("MAP pay.kmdiag.test 127.0.0.2, MAP shop.kmdiag.test 127.0.0.1, MAP * ~NOTFOUND, "
                     "EXCLUDE 127.0.0.1, EXCLUDE localhost")
    assert resolver_rules(None, lockdown=False) is None


def test_launch_args_are_quiet_and_trust_exactly_one_key() -> None:
    args = launch_args(host_map={"shop.kmdiag.test": "127.0.0.1"}, lockdown=True, trusted_spki=["abc="], is_root=True)
    for flag in ("--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--no-default-browser-check", "--no-sandbox"):
        assert flag in args
    assert "--ignore-certificate-errors-spki-list=abc=" in args
    assert "--ignore-certificate-errors" not in args
    assert "--no-sandbox" not in launch_args(is_root=False)
    assert not any(a.startswith("--host-resolver-rules") for a in launch_args(is_root=False))


def test_order_request_rule_matching() -> None:
    assert is_order_request("POST", "https://s.test/api/orders", "POST /api/orders")
    assert is_order_request("POST", "https://s.test/api/orders/?x=1", "POST /api/orders")
    assert not is_order_request("GET", "https://s.test/api/orders", "POST /api/orders")
    assert is_order_request("POST", "https://s.test/user/api/order/trade", "POST /user/api/*/trade")
    assert is_order_request("PUT", "https://s.test/o/1", "/o/*")
    assert not is_order_request("POST", "https://s.test/api/orders/1/pay", "POST /api/orders")
    # no rule: a state-changing request to the page's own site
    assert is_order_request("POST", "https://s.test/anything", None, "https://s.test/buy/1")
    assert not is_order_request("POST", "https://cdn.other/log", None, "https://s.test/buy/1")
    assert not is_order_request("GET", "https://s.test/anything", None, "https://s.test/buy/1")


def test_versions() -> None:
    assert parse_version("Chromium 156.0.8078.108 built on Debian") == "156.0.8078.108"
    assert parse_version("Mozilla Firefox 115.9.1esr") == "115.9.1"
    assert major("120.0.6099.71") == 120 and major(None) is None
    assert profile_key("chromium") == "chrome" and profile_key("msedge") == "edge" and profile_key("firefox") == "firefox"
