"""The --my-browser checks and causes as pure functions of measurements (no browser needed)."""

from __future__ import annotations

from typing import Any

from kmdiag.models import Measurement, Status
from tests.browser.test_checks import INSTALLED, browser_checks, diagnose, profile, recorded, run_checks

CLEAN = {"loaded": True, "button": True, "clicked": True, "ordered": True, "page_errors": [], "blocked": [],
         "disabled": False}


def own(**kw: Any) -> dict[str, Any]:
    base = {"browser": "chrome", "user_data_dir": "~/.config/google-chrome", "profile": "Default", "readable": True,
            "last_version": "126.0.6478.126", "clean": CLEAN, "copy": {"launched": True, "assets": [], "site_data": {}},
            "copy_outcome": CLEAN, "copy_worse": False, "extensions": [], "caches": {}}
    base.update(kw)
    return base


def judge(mine: dict[str, Any], **order: Any) -> tuple[dict[str, Any], list[Any]]:
    ms = {"browser.page": Measurement("browser.page", recorded("healthy")),
          "browser.installed": Measurement("browser.installed", INSTALLED),
          "browser.my-browser": Measurement("browser.my-browser", mine)}
    findings = run_checks(browser_checks(), ms, profile(**order), {})
    return {f.id: f for f in findings}, diagnose(findings, command="order", options={})


def test_own_browser_older_than_the_shop_supports() -> None:
    f, causes = judge(own(last_version="88.0.4324.150"))
    assert f["browser.own-version"].status == Status.FAIL
    assert causes[0].id == "client.browser-outdated" and causes[0].confidence >= 0.8
    assert "chrome 88.0.4324.150 < 90" in causes[0].explanation.en and causes[0].checks[0] == "browser.own-version"


def test_own_browser_that_orders_fine_is_not_blamed() -> None:
    f, causes = judge(own())
    assert f["browser.own-compare"].status == Status.PASS
    assert causes == []  # not even client.browser-state: the shopper's own browser orders too


def test_a_difference_nobody_can_name_is_a_precise_browser_state() -> None:
    broken = {**CLEAN, "ordered": False, "page_errors": ["boom"]}
    f, causes = judge(own(copy_outcome=broken, copy_worse=True))
    assert f["browser.own-compare"].status == Status.FAIL
    assert [c.id for c in causes] == ["client.browser-state"] and causes[0].confidence == 0.6
    assert "boom" in f["browser.own-compare"].summary.en


def test_keyring_encrypted_cookies_are_said_to_be_unreadable_in_a_copy() -> None:
    f, _ = judge(own(cookie_crypto={"rows": 2, "schemes": {"v11": 2}, "maybe_unreadable": 2}, unreadable_cookie_count=2))
    own_profile = f["browser.own-profile"]
    assert own_profile.status == Status.WARN and "keyring" in own_profile.summary.en
    assert "private" in own_profile.summary.en  # and the manual steps


def test_locked_profile_says_so_and_skips_the_comparison() -> None:
    f, _ = judge(own(readable=False, reason="locked", copy=None))
    assert f["browser.own-profile"].status == Status.WARN and "locked" in f["browser.own-profile"].summary.en
    assert f["browser.own-compare"].status == Status.SKIP


def test_a_named_difference_is_the_only_cause() -> None:
    broken = {**CLEAN, "ordered": False, "page_errors": ["TypeError"]}
    asset = {"url": "https://shop.kmdiag.test:8443/static/app.js", "type": "script", "from_disk_cache": True,
             "from_service_worker": False, "etag": '"a"', "last_modified": None, "cache_control": "max-age=31536000",
             "served_sha256": "1", "fresh": {"status": 200, "etag": '"b"', "sha256": "2"}, "differs": True}
    _, causes = judge(own(copy_outcome=broken, copy_worse=True, copy={"launched": True, "assets": [asset], "site_data": {}}))
    assert [c.id for c in causes] == ["client.stale-cache"]
