"""The pure judging helpers for theme-shaped pages: whose script failed, whether it blocks, what
the page said, and how the thing over the button is named."""

from __future__ import annotations

from kmdiag.checks import _themes

PAGE = "https://shop.example.cn/buy/1"


def test_first_and_third_party_are_told_apart_by_site() -> None:
    assert _themes.party("https://static.shop.example.cn/app.js", PAGE) == "first"
    assert _themes.party("https://cdn.jsdelivr.net/npm/jquery", PAGE) == "third"
    assert _themes.party("https://a.shop.com.cn/x.js", "https://b.shop.com.cn/") == "first"
    assert _themes.party("https://other.com.cn/x.js", "https://shop.com.cn/") == "third"
    assert _themes.party(None, PAGE) == "first"  # an inline script is the shop's own


def test_a_missing_library_after_a_dead_cdn_is_the_cdns_fault() -> None:
    probs = {"page_errors": [{"name": "ReferenceError", "message": "$ is not defined", "stack": [f"at {PAGE}:5:9"]}],
             "script_failures": [{"url": "https://cdn.bootcss.example/jquery.min.js", "error": "net::ERR_CONNECTION_RESET"}]}
    c = _themes.classify(probs, PAGE)
    assert c["party"] == "third" and c["third_party_hosts"] == ["cdn.bootcss.example"] and not c["first_party"]
    probs["page_errors"].append({"name": "TypeError", "message": "x.price is undefined",
                                 "stack": ["at https://shop.example.cn/js/app.js:1:1"]})
    assert _themes.classify(probs, PAGE)["party"] == "first"  # the shop's own bundle broke too: that comes first


def test_a_script_error_blocks_only_when_nothing_shows_the_click_is_handled() -> None:
    assert _themes.script_blocks({})
    assert not _themes.script_blocks({"order_requests": [{"phase": "click"}]})
    assert not _themes.script_blocks({"feedback": {"toasts": [{"text": "请输入手机号"}]}})
    assert not _themes.script_blocks({"binding": {"bound": True, "on_button": ["click"]}})
    assert _themes.script_blocks({"binding": {"bound": False, "delegated": [{"level": 9, "types": ["click"]}]}})


def test_page_messages_come_from_dialogs_toasts_and_new_text_once() -> None:
    d = {"feedback": {"dialogs": [{"type": "alert", "message": "请输入正确的手机号"}],
                      "toasts": [{"library": "layui", "kind": "toast", "text": "库存不足"}],
                      "new_text": ["库存不足", "正在提交"]}}
    assert _themes.messages(d) == [{"source": "alert()", "text": "请输入正确的手机号"},
                                   {"source": "layui toast", "text": "库存不足"}, {"source": "text", "text": "正在提交"}]
    assert _themes.validation_messages(d) == ["请输入正确的手机号"]


def test_refused_and_left_empty_fields() -> None:
    d = {"autofill": [{"selector": "[data-kmdiag-fill=\"0\"]", "name": "phone", "kind": "phone", "filled": True,
                       "rejects": ["19912345678"]},
                      {"selector": "[data-kmdiag-fill=\"1\"]", "name": "zone", "kind": "text", "filled": False,
                       "why": "no-valid-guess"}],
         "fields_after": [{"selector": "[data-kmdiag-fill=\"0\"]", "name": "phone", "by": "kmdiag", "valid": False,
                           "pattern_mismatch": True, "title": "请输入11位手机号", "validation_message": "请与所请求的格式保持一致。"},
                          {"selector": "[data-kmdiag-fill=\"1\"]", "name": "zone", "by": "kmdiag", "valid": False,
                           "value_missing": True}]}
    v = _themes.field_verdicts(d)
    assert [f["field"] for f in v["refused"]] == ["phone"] and v["refused"][0]["message"].startswith("请输入11位手机号")
    assert [f["field"] for f in v["empty"]] == ["zone"]


def test_what_covers_the_button_is_named() -> None:
    zh, en, kind = _themes.cover_phrase({"kind": "dialog", "text": "购买须知 虚拟商品一经售出概不退换，请确认邮箱填写正确后再购买再购买。",
                                         "mask": "div.modal-backdrop"}, "div.modal", True)
    assert kind == "dialog" and en.startswith("a dialog 「购买须知") and "…" in en and "div.modal-backdrop" in en
    assert _themes.cover_phrase({"kind": "transparent", "hit": "div.float-ad"}, "?", True)[1] == "a transparent layer div.float-ad"
    assert _themes.cover_phrase(None, "div.ad", False)[2] == "element"  # an old measurement without COVER
