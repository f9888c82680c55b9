"""What kmdiag fills as a buyer: the values themselves (against the rules real shops use) and the
plan on a page with every kind of field, in real Chromium."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from kmdiag.browser import fill
from kmdiag.browser.finder import candidates
from kmdiag.browser.launcher import launch_args
from kmdiag.probes import _browser_js as js
from kmdiag.redact import Redactor
from tests.themes.server import MOBILE_IN_PAGE, serve

# Mobile rules seen on shops and in validator libraries: a fair rule accepts 13x, 16x and 19x.
FAIR_MOBILE = [r"^1[3-9]\d{9}$", r"^1[3456789]\d{9}$", r"^1\d{10}$", r"^(\+?86)?1[3-9]\d{9}$",
               r"^((13[0-9])|(14[5-9])|(15[0-35-9])|(16[2567])|(17[0-8])|(18[0-9])|(19[0-35-9]))\d{8}$",
               r"^(?:(?:\+|00)86)?1(?:(?:3[\d])|(?:4[5-79])|(?:5[0-35-9])|(?:6[5-7])|(?:7[0-8])|(?:8[\d])|(?:9[1589]))\d{8}$"]
TOO_STRICT = [r"^1[3-8]\d{9}$", r"^1[3578]\d{9}$", r"^(13|15|18)\d{9}$"]
EMAIL_RULES = [r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$", r"^[a-zA-Z0-9_.-]+@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,6}$"]
QQ_RULES = [r"^[1-9][0-9]{4,10}$", r"^[1-9]\d{4,}$"]


def test_the_mobile_number_is_a_19x_number_every_fair_rule_accepts() -> None:
    assert fill.MOBILE == MOBILE_IN_PAGE and fill.MOBILE.startswith("19")
    for rule in FAIR_MOBILE:
        assert all(re.match(rule, s) for s in fill.MOBILE_SAMPLES), rule
    for rule in TOO_STRICT:  # a rule that refuses 19x refuses the value kmdiag types: "too strict"
        assert not re.match(rule, fill.MOBILE), rule
    assert any(s.startswith("16") for s in fill.MOBILE_SAMPLES)


def test_email_and_qq_values_satisfy_common_rules() -> None:
    assert all(re.match(r, fill.EMAIL) for r in EMAIL_RULES)
    assert all(re.match(r, fill.QQ) for r in QQ_RULES) and len(fill.QQ) == 10


def test_filled_values_reach_the_redactor() -> None:
    r = Redactor()
    fill.register_values(r, [{"filled": True, "value": fill.MOBILE, "kind": "phone"},
                             {"filled": False, "value": "13800138000", "kind": "phone"}])
    assert r.text(f"contact={fill.MOBILE}") == "contact=199****5678"


@pytest.fixture(scope="module")
def page() -> Iterator[tuple[Any, str]]:
    from playwright.sync_api import sync_playwright

    exe = next((c.path for c in candidates(None, os.environ) if c.path), None)
    if exe is None:
        pytest.skip("no Chromium installed")
    with serve() as srv, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=launch_args(lockdown=True))
        p = browser.new_page()
        yield p, srv.base
        browser.close()


@pytest.mark.browser
def test_plan_gives_each_field_a_value_of_its_kind(page: tuple[Any, str]) -> None:
    p, base = page
    p.goto(base + "/p/fields")
    p.evaluate(js.FIND_BUTTON, None)
    planned = p.evaluate(fill.PLAN, [["#coupon"], fill.VALUES, list(fill.MOBILE_SAMPLES)])
    by_name = {p_["name"]: p_ for p_ in planned}
    assert by_name["tel"]["value"] == fill.MOBILE and by_name["tel"]["rejects"] == [] and by_name["tel"]["fits"]
    assert by_name["mobile"]["value"] == fill.MOBILE and by_name["mobile"]["rejects"] == ["19912345678"]
    assert by_name["mail"]["value"] == fill.EMAIL and by_name["qq"]["value"] == fill.QQ
    assert by_name["search_pwd"]["kind"] == "password" and by_name["search_pwd"]["fits"]
    assert by_name["by_amount"]["value"] == "3"  # at least 1, on the step counted from min 0: 3
    assert by_name["contact"]["value"] == fill.EMAIL  # the first guess this field's own rule accepts
    assert by_name["zone"]["value"] == "s2"  # the first real, enabled option
    for name in ("code", "nope"):  # no buyer's guess fits: left empty, and said so
        assert by_name[name]["fill"] is False and by_name[name]["why"] == "no-valid-guess"
    assert by_name["payway"]["value"] == "b" and by_name["agree"]["kind"] == "checkbox"
    # not filled: the profile's field, the page's own default, optional remarks, hidden, captcha, the search box
    assert not {"coupon", "num", "remark", "hid", "captcha", "q", "_token"} & set(by_name)


@pytest.mark.browser
def test_validity_after_the_click_tells_filled_from_left_empty(page: tuple[Any, str]) -> None:
    p, base = page
    p.goto(base + "/p/fields")
    p.evaluate(js.FIND_BUTTON, None)
    planned = p.evaluate(fill.PLAN, [[], fill.VALUES, list(fill.MOBILE_SAMPLES)])

    class Sync:  # fill.apply awaits the page's methods: an async view of the sync page
        def __getattr__(self, name: str) -> Any:
            fn = getattr(p, name)

            async def call(*a: Any, **k: Any) -> Any:
                return fn(*a, **k)
            return call

    coro = fill.apply(Sync(), planned)  # never suspends (every call is synchronous): run it by hand
    try:
        coro.send(None)
        raise AssertionError("fill.apply suspended")
    except StopIteration as stop:
        done = stop.value
    fields = {f["name"]: f for f in p.evaluate(fill.VALIDITY, [])}
    assert fields["mobile"]["pattern_mismatch"] and fields["mobile"]["validation_message"]
    assert fields["tel"]["valid"] and fields["mail"]["valid"] and fields["by_amount"]["valid"]
    assert fields["nope"]["value_missing"]
    empty = fill.left_empty(list(fields.values()), done)
    # the fields no guess fits, and the order form's required coupon / captcha kmdiag never guesses;
    # not the search box of another form, not a hidden field
    assert {f["name"] for f in empty} == {"nope", "code", "coupon", "captcha"}
