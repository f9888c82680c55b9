"""The profile's ``api`` convention (refusals inside HTTP 200), pure: the helper and the checks that use it."""

from __future__ import annotations

from typing import Any

import pytest

from kmdiag.apireply import judge
from kmdiag.models import Measurement
from kmdiag.profile.loader import parse_profile
from kmdiag.profile.schema import Api
from kmdiag.runner import run_checks, select

ACG = Api(code="code", success_codes=[200], message="msg")


def test_a_200_with_a_refusal_code_is_a_refusal_and_keeps_the_message() -> None:
    assert judge(ACG, 200, {"code": 0, "msg": "验证码错误"}) == {"refused": True, "code": 0, "message": "验证码错误"}
    assert judge(ACG, 200, {"code": "200", "msg": "下单成功"})["refused"] is False  # compared as text
    assert judge(ACG, 200, {"data": 1})["refused"] is False  # no code: the convention does not describe it
    assert judge(ACG, 500, {"code": 0})["refused"] is False  # HTTP errors are the HTTP layer's
    assert judge(Api(), 200, {"code": 0}) is None  # no convention, no verdict
    assert judge(Api(code="status.c", success_codes=["ok"], message="status.m"), 200,
                 {"status": {"c": "no", "m": "  库存\n不足 "}})["message"] == "库存 不足"


def test_profile_validates_the_expressions() -> None:
    with pytest.raises(Exception, match="JMESPath"):
        parse_profile("name: x\nbase_url: https://a/\napi: {code: 'a[', success_codes: [200]}\n")
    p = parse_profile("name: x\nbase_url: https://a/\napi: {code: code, success_codes: [200], message: msg}\n")
    assert p.api.success_codes == [200]


def _checks(command: str, profile_yaml: str, ms: dict[str, Measurement]) -> dict[str, Any]:
    _, checks = select(command, None)
    return {f.id: f for f in run_checks(checks, ms, parse_profile(profile_yaml), {})}


PROFILE = """name: t
base_url: https://shop.example/
api: {code: code, success_codes: [200], message: msg}
payment: {order_endpoint: /user/api/order/state}
"""


def test_payment_order_refusal_is_quoted() -> None:
    ms = {"payment.order": Measurement("payment.order", {"order_id": "1", "found": False, "refused": True,
                                                         "api_code": 0, "message": "未查询到相关信息", "error": None})}
    f = _checks("payment", PROFILE, ms)["payment.order-found"]
    assert f.status == "fail" and "「未查询到相关信息」" in f.summary.zh and "「未查询到相关信息」" in f.summary.en


def test_platform_page_refusal_is_a_warning_with_the_shops_words() -> None:
    ep = {"roles": ["page"], "url": "https://shop.example/item/9", "method": "GET",
          "results": [{"status": 200, "refused": True, "api_code": 0, "message": "商品不存在"}]}
    ms = {"platform.http": Measurement("platform.http", {"endpoints": [ep]})}
    f = _checks("order", PROFILE, ms)["platform.page-refusal"]
    assert f.status == "warn" and "「商品不存在」" in f.summary.en


def test_account_refusal_follows_the_convention() -> None:
    from kmdiag.checks.account import _refused

    ans = {"status": 200, "body": {"code": 0, "msg": "x", "data": {"a": 1}}}
    assert _refused(ans, ACG) is True  # data present, but the code says no
    assert _refused({"status": 200, "body": {"code": 200, "data": None}}, ACG) is False
