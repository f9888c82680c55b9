"""The heuristic order-button finder on differently built pages, in real Chromium.

No profile selector is given: the built-in rules must find a ``<button>``, an ``<a>`` styled as a
button, an ``<input type=submit>``, a ``<div role=button>``, Chinese and English labels, a form's
unlabelled submit button and acg-faka's payment-method buttons, and must not pick navigation
links such as 购买须知.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from kmdiag.browser.finder import candidates
from kmdiag.browser.launcher import launch_args
from kmdiag.probes import _browser_js as js
from tests.browser.pages import serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pages() -> Iterator[tuple[Any, str]]:
    from playwright.sync_api import sync_playwright

    exe = next((c.path for c in candidates(None, os.environ) if c.path), None)
    if exe is None:
        pytest.skip("no Chromium installed")
    with serve() as srv, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=launch_args(lockdown=True))
        page = browser.new_page()
        yield page, srv.base
        browser.close()


@pytest.mark.parametrize("path, kind, text", [
    ("/button-zh", "button", "立即购买"),
    ("/a-as-button", "a", "立即下单"),
    ("/input-submit", "input-submit", "提交订单"),
    ("/div-role-button", "role-button", "Buy now"),
    ("/button-en", "button", "Place order"),
    ("/form-submit-unlabelled", "button", "Go"),
    ("/acg-faka", "a", "支付宝"),
])
def test_heuristics_find_the_order_button(pages: tuple[Any, str], path: str, kind: str, text: str) -> None:
    page, base = pages
    page.goto(base + path)
    found = page.evaluate(js.FIND_BUTTON, None)
    assert found["found"] and found["found_by"] == "heuristic", found
    assert found["kind"] == kind and found["text"] == text
    assert page.evaluate("() => document.querySelector('[data-kmdiag-target]').id") == "b"


def test_no_button_page_finds_nothing_and_ignores_nav_links(pages: tuple[Any, str]) -> None:
    page, base = pages
    page.goto(base + "/no-button")
    assert page.evaluate(js.FIND_BUTTON, None)["found"] is False


def test_profile_selector_wins_and_bad_selector_falls_back(pages: tuple[Any, str]) -> None:
    page, base = pages
    page.goto(base + "/acg-faka")
    assert page.evaluate(js.FIND_BUTTON, ".pay-list a.pay[data-id='2']")["text"] == "微信支付"
    assert page.evaluate(js.FIND_BUTTON, "###bad")["found_by"] == "heuristic"


def test_captcha_is_recognised(pages: tuple[Any, str]) -> None:
    page, base = pages
    page.goto(base + "/acg-faka")
    kinds = {c["kind"] for c in page.evaluate(js.CAPTCHA, None)}
    assert kinds == {"image"}
    page.goto(base + "/button-zh")
    assert page.evaluate(js.CAPTCHA, None) == []


def test_captcha_widgets_and_frames_are_recognised(pages: tuple[Any, str]) -> None:
    page, base = pages
    for path in ("/hcaptcha", "/recaptcha-frame"):
        page.goto(base + path)
        assert {c["kind"] for c in page.evaluate(js.CAPTCHA, "input[name=captcha]")} == {"slider"}, path


def _first_look(page: Any) -> dict[str, Any]:
    from kmdiag.profile.schema import SOLD_OUT_TEXTS

    return page.evaluate(js.FIRST_LOOK, [None, None, list(SOLD_OUT_TEXTS)])


def test_sold_out_text_near_the_order_form(pages: tuple[Any, str]) -> None:
    page, base = pages
    page.goto(base + "/sold-out")
    look = _first_look(page)
    assert not look["button"]["found"]
    assert [(m["text"], m["near"]) for m in look["sold_out"]] == [("已售罄", "container")]
    page.goto(base + "/sold-out-elsewhere")  # a badge on another item far below a working button
    look = _first_look(page)
    assert look["button"]["found"] and look["sold_out"] and look["sold_out"][0]["near"] is None
    page.goto(base + "/button-zh")
    assert _first_look(page)["sold_out"] == []
