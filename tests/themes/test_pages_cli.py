"""`kmdiag order URL` on theme-shaped pages (tests/themes/pages/), through the CLI, in real Chromium.

Each page reproduces one trait real 发卡 themes have (native required/pattern fields, jQuery/layui/
Bootstrap/vant/element/SweetAlert-shaped assets, a dead public CDN, modals with their masks,
alert() validation, native POST forms, pay buttons built after an XHR). The expected first cause
and exit code come from tests/themes/server.py EXPECTED; the details each page must show in the
report (quoted messages, what was filled, first vs third party) are asserted here. No diagnostic
click may create an order: the server counts every order POST.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.themes.server import EXPECTED, MOBILE_IN_PAGE, ThemeServer, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def srv() -> Iterator[ThemeServer]:
    with serve() as s:
        yield s
        assert s.orders == [], f"a diagnostic click created orders: {s.orders}"


def run(cli: Any, srv: ThemeServer, page: str, profile: str | None) -> tuple[int, dict[str, Any], str]:
    args = ["order", f"{srv.base}/p/{page}", "--only", "browser", "--format", "json"]
    if profile:
        args += ["--profile", profile]
    before = len(srv.orders)
    code, out, err = cli(*args)
    assert "Traceback" not in err, err
    assert len(srv.orders) == before, f"{page}: the diagnosis created an order"
    return code, json.loads(out), out


def checks(rep: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in rep["checks"]}


@pytest.mark.parametrize("page, profile, want, want_code", EXPECTED,
                         ids=[f"{p}-{pr or 'no-profile'}" for p, pr, _, _ in EXPECTED])
def test_first_cause_and_exit_code(cli: Any, srv: ThemeServer, page: str, profile: str | None, want: str | None,
                                   want_code: int) -> None:
    code, rep, raw = run(cli, srv, page, profile)
    got = [(c["id"], c["confidence"]) for c in rep["causes"]]
    assert (rep["causes"][0]["id"] if rep["causes"] else None) == want, got
    assert code == want_code, (code, got)
    assert MOBILE_IN_PAGE not in raw  # the mobile number kmdiag typed goes through the redactor
    _details(page, profile, rep)


def _details(page: str, profile: str | None, rep: dict[str, Any]) -> None:
    c = checks(rep)
    top = rep["causes"][0] if rep["causes"] else None
    form, sent = c["browser.form-accepted"], c["browser.click-sends-order"]
    if page == "unicorn":
        kinds = {a["kind"] for a in form["evidence"]["autofill"] if a["filled"]}
        want = {"password", "quantity", "select", "radio", "checkbox"} | (set() if profile else {"email"})
        assert want <= kinds, form["evidence"]["autofill"]
        assert sent["status"] == "pass" and "natively" in sent["summary"] and "/create-order" in sent["summary"]
    elif page in ("unicorn-notice", "layui-notice"):
        assert "a dialog 「购买须知" in top["explanation"] and "transparent" not in top["explanation"]
        if page == "layui-notice":
            assert "layui-layer-shade" in top["explanation"]
    elif page == "alert-phone":
        assert "请输入正确的手机号" in top["explanation"]
    elif page == "layer-msg":
        assert "手机号码格式错误" in top["explanation"]
        assert form["evidence"]["page_feedback"][0]["source"] == "layui toast"
    elif page == "vant-qq":
        assert "QQ号格式不正确" in top["explanation"] and "10" in top["explanation"]
    elif page == "native-pattern":
        assert "请输入正确的11位手机号" in top["explanation"]  # the page's own words (the pattern's title)
        assert "19x" in form["summary"] and "16x" not in form["summary"]
    elif page == "cdn-fallback-overlay":
        se = c["browser.script-errors"]
        assert se["status"] == "warn" and se["evidence"]["party"] == "third"
        assert "a transparent layer div.float-ad" in top["explanation"]
        assert "it is not what blocks the order" in top["explanation"]  # the warning, under the blocking cause
    elif page == "cdn-dead":
        assert any("libs.cdn-mirror.invalid" in s["text"] for s in top["next_steps"])
        assert all(x["id"] != "frontend.script-error" for x in rep["causes"])
    elif page == "broken-bundle":
        se = c["browser.script-errors"]["evidence"]
        assert se["party"] == "first" and "shop.bundle.js" in json.dumps(se) and se["third_party"]
    elif page == "required-unknown":
        assert form["status"] == "error" and "game_zone" in form["summary"] and "not the shop's fault" in form["summary"]
        assert sent["status"] == "skip" and rep["causes"] == []
    elif page == "confirm-buy":
        assert sent["status"] == "warn" and "确认购买该商品" in sent["summary"]
    elif page == "element-ok":
        assert {"source": "element-ui toast", "text": "正在创建订单"} in sent["evidence"]["page_feedback"]
    elif page == "swal-ok":
        assert any(m["text"] == "正在提交订单" for m in sent["evidence"]["page_feedback"])
    elif page == "acg-pay":
        assert sent["status"] == "pass" and "/user/api/order/trade" in sent["summary"]
