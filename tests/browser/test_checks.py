"""Pure check and cause tests from recorded ``browser.page`` measurements (no browser needed).

The JSON files in ``recorded/`` were captured from the demo shop with each page fault; the checks
and the diagnosis must name the same cause from them as the end-to-end run does.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kmdiag import plugins, registry
from kmdiag.diagnosis import diagnose
from kmdiag.i18n import T
from kmdiag.models import Finding, Measurement, Status
from kmdiag.profile.schema import Order, Profile
from kmdiag.runner import run_checks

REC = Path(__file__).parent / "recorded"
INSTALLED = {"browsers": [{"family": "chromium", "path": "/usr/bin/chromium", "version": "156.0.8078.108",
                           "source": "--version"}], "supported": {"chrome": 90}}


def recorded(name: str) -> dict[str, Any]:
    return json.loads((REC / f"{name}.json").read_text(encoding="utf-8"))


def profile(**order: Any) -> Profile:
    base = {"product_url": "/buy/1", "button": "#buy-now", "order_request": "POST /api/orders",
            "success": ".msg-ok", "supported_browsers": {"chrome": 90, "edge": 90}}
    base.update(order)
    return Profile(name="t", base_url="https://shop.kmdiag.test:8443/", order=Order(**base))


def browser_checks() -> list[registry.CheckSpec]:
    plugins.load_builtins()
    return [c for c in registry.CHECKS.values() if c.layer == "browser"]


def judge(page: dict[str, Any], *, prof: Profile | None = None, installed: dict[str, Any] | None = None,
          extra: list[Finding] = (), options: dict[str, Any] | None = None) -> tuple[dict[str, Finding], list[Any]]:
    ms = {"browser.page": Measurement("browser.page", page),
          "browser.installed": Measurement("browser.installed", installed or INSTALLED)}
    opts = options or {}
    findings = run_checks(browser_checks(), ms, prof or profile(), opts)
    causes = diagnose(findings + list(extra), command="order", options=opts)
    return {f.id: f for f in findings}, causes


@pytest.mark.parametrize("name, cause", [
    ("script-error", "frontend.script-error"),
    ("click-not-bound", "frontend.click-not-bound"),
    ("button-disabled", "frontend.button-disabled"),
    ("button-obscured", "frontend.button-obscured"),
    ("button-missing", "frontend.button-missing"),
    ("validation-too-strict", "frontend.validation-too-strict"),
    ("no-error-feedback", "frontend.no-error-feedback"),
    ("double-submit", "frontend.double-submit"),
])
def test_recorded_fault_names_its_cause(name: str, cause: str) -> None:
    _, causes = judge(recorded(name))
    assert causes and causes[0].id == cause, [c.id for c in causes]


def test_healthy_page_names_browser_state_only_without_smoke() -> None:
    f, causes = judge(recorded("healthy"))
    assert all(x.status in (Status.PASS, Status.SKIP) for x in f.values()), {k: v.status for k, v in f.items()}
    assert [c.id for c in causes] == ["client.browser-state"]
    assert causes[0].confidence < 0.5
    _, smoke = judge(recorded("healthy"), options={"smoke": True})
    assert smoke == []


def test_held_back_order_is_proof_the_click_works_and_says_so() -> None:
    f, _ = judge(recorded("healthy-held"))
    sent = f["browser.click-sends-order"]
    assert sent.status == Status.PASS
    assert "not sent" in sent.summary.en and "未发送" in sent.summary.zh
    assert f["browser.error-feedback"].status == Status.SKIP


def test_script_error_explains_the_dead_click() -> None:
    f, causes = judge(recorded("script-error"))
    assert f["browser.click-sends-order"].status == Status.FAIL
    assert "frontend.click-not-bound" not in [c.id for c in causes]


def test_disabled_button_while_platform_sheds_load_is_not_a_frontend_fault() -> None:
    page = copy.deepcopy(recorded("button-disabled"))
    page["http_errors"].append({"url": "https://shop.kmdiag.test:8443/api/shop/status", "status": 503,
                                "type": "fetch", "phase": "load", "retry_after": "5"})
    platform = Finding("platform.load", "platform", Status.FAIL, T(zh="x", en="x"), T(zh="x", en="x"))
    registry.CAUSES.setdefault("platform.test-overloaded", registry.CauseSpec(
        "platform.test-overloaded", "platform", 31, T(zh="x", en="x"), T(zh="x", en="x"), (),
        lambda f: registry.Match(0.9, ["platform.load"]) if f.failed("platform.load") else None))
    try:
        _, causes = judge(page, extra=[platform])
    finally:
        registry.CAUSES.pop("platform.test-overloaded", None)
    assert causes[0].id == "platform.test-overloaded"
    disabled = next(c for c in causes if c.id == "frontend.button-disabled")
    assert disabled.explained_by == "platform.test-overloaded" and disabled.confidence <= 0.3


def test_captcha_means_click_not_attempted_and_no_frontend_cause() -> None:
    page = copy.deepcopy(recorded("healthy"))
    page["captcha"] = [{"kind": "image", "how": "input", "tag": "input", "name": "captcha"}]
    page["click"] = {"attempted": False, "not_attempted_because": "captcha"}
    for k in ("feedback", "double_click", "inputs_after"):
        page.pop(k, None)
    page["order_requests"] = []
    f, causes = judge(page)
    assert f["browser.captcha"].status == Status.WARN
    assert f["browser.click-sends-order"].status == Status.SKIP
    assert "captcha" in f["browser.form-accepted"].summary.en
    assert not [c for c in causes if c.layer == "frontend"]


def test_outdated_browser() -> None:
    f, causes = judge(recorded("healthy"), prof=profile(supported_browsers={"chrome": 999}))
    assert f["browser.version"].status == Status.FAIL
    assert causes[0].id == "client.browser-outdated"
    assert "156" in causes[0].explanation.en


def test_no_browser_is_an_error_with_the_message_and_skips_the_rest() -> None:
    page = {"launched": False, "unavailable": {"zh": "本机没有可用的浏览器", "en": "no browser found; install Chromium"},
            "tried": []}
    f, causes = judge(page, installed={"browsers": [], "supported": {}})
    assert f["browser.launch"].status == Status.ERROR
    assert "install Chromium" in f["browser.launch"].summary.en
    assert f["browser.button-found"].status == Status.SKIP
    assert causes == []


def test_every_browser_text_is_bilingual() -> None:
    plugins.load_builtins()
    for c in registry.CAUSES.values():
        if c.layer in ("frontend", "client"):
            for t in (c.title, c.explanation, *(s.text for s in c.steps)):
                assert t.zh.strip() and t.en.strip() and t.zh != t.en, c.id
    for spec in browser_checks():
        assert spec.title.zh and spec.title.en and spec.title.zh != spec.title.en


def test_sold_out_badge_explains_the_missing_button() -> None:
    page = copy.deepcopy(recorded("button-missing"))
    page["sold_out"] = [{"text": "已售罄", "word": "已售罄", "near": "container", "tag": "span", "cls": "badge"}]
    f, causes = judge(page)
    assert f["browser.in-stock"].status == Status.FAIL and f["browser.in-stock"].evidence["where"] == "near-form"
    assert causes[0].id == "platform.sold-out"
    assert not [c for c in causes if c.layer == "frontend"]  # never a front-end fault


def test_sold_out_text_next_to_a_working_button_is_only_a_warning() -> None:
    page = copy.deepcopy(recorded("healthy"))
    page["sold_out"] = [{"text": "月卡已售罄", "word": "已售罄", "near": "button", "tag": "span", "cls": ""}]
    f, causes = judge(page, options={"smoke": True})
    assert f["browser.in-stock"].status == Status.WARN and causes == []


def test_read_only_finding_never_claims_an_unconfirmed_stop() -> None:
    page = copy.deepcopy(recorded("healthy"))
    stop = {"method": "POST", "url": "https://shop.kmdiag.test:8443/api/orders", "type": "fetch", "phase": "click",
            "t_ms": 900, "why": "order-request", "how": "route-abort", "page_saw": "network-error"}
    page["guard"] = {"policy": {"submit": False}, "stopped": [stop], "stopped_count": 1, "stop_failures": [],
                     "writes_let_through": []}
    f, _ = judge(page)
    assert f["browser.read-only"].status == Status.PASS and "1 write request(s) stopped" in f["browser.read-only"].summary.en
    page["guard"]["stop_failures"] = [stop | {"error": "Target closed"}]
    f, _ = judge(page)
    assert f["browser.read-only"].status == Status.WARN and "could not be confirmed" in f["browser.read-only"].summary.en
