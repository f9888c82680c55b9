"""epay V1 MD5: pinned by the reference's two test vectors, plus the float-money and query mapping rules."""

from __future__ import annotations

from decimal import Decimal

from kmdiag.payment.providers import epay
from kmdiag.payment.providers.epay import EpayProvider

KEY = "TESTKEY0123456789abcdef"
SUBMIT = {"pid": "1001", "type": "alipay", "out_trade_no": "ORDER123",
          "notify_url": "https://shop.example/pay/yipay/notify_url",
          "return_url": "https://shop.example/pay/yipay/return_url?order_id=ORDER123",
          "name": "ORDER123", "money": "10.5", "sitename": "", "sign_type": "MD5"}
NOTIFY = {"pid": "1001", "trade_no": "2024010112000012345", "out_trade_no": "ORDER123", "type": "alipay",
          "name": "ORDER123", "money": "10.5", "trade_status": "TRADE_SUCCESS"}


def test_submit_vector() -> None:
    assert epay.sign_content(SUBMIT) == (
        "money=10.5&name=ORDER123&notify_url=https://shop.example/pay/yipay/notify_url&out_trade_no=ORDER123"
        "&pid=1001&return_url=https://shop.example/pay/yipay/return_url?order_id=ORDER123&type=alipay")
    assert epay.sign(SUBMIT, KEY) == "3c6d8e672048fb921e6b6b8f537645ae"


def test_notify_vector_and_verify() -> None:
    assert epay.sign(NOTIFY, KEY) == "c2142aa71e3e94d18f173a2db52c76dd"
    signed = dict(NOTIFY, sign="c2142aa71e3e94d18f173a2db52c76dd", sign_type="MD5")
    assert epay.verify(signed, KEY)
    assert not epay.verify(signed, KEY + "x")
    assert not epay.verify(dict(signed, money="10.50"), KEY)  # the signed string changes with the spelling
    assert not epay.verify(NOTIFY, KEY)  # no sign at all


def test_notify_params_as_the_gateway_builds_them() -> None:
    p = epay.notify_params(pid="1001", trade_no="2024010112000012345", out_trade_no="ORDER123", type="alipay",
                           name="ORDER123", money="10.50", key=KEY)
    assert p["money"] == "10.5" and p["sign"] == "c2142aa71e3e94d18f173a2db52c76dd" and p["sign_type"] == "MD5"
    assert epay.format_money("1.00") == "1" and epay.format_money("0.10") == "0.1" and epay.format_money("6") == "6"


def test_whitespace_values_are_empty() -> None:
    assert epay.sign(dict(NOTIFY, param="   "), KEY) == epay.sign(NOTIFY, KEY)


def test_query_record_mapping() -> None:
    paid = EpayProvider.record_from("ORDER123", {"code": 1, "msg": "succ", "trade_no": "T1", "out_trade_no": "ORDER123",
                                                  "money": "1", "status": 1, "endtime": "2026-11-25 21:00:00"})
    assert paid.found and paid.paid and paid.amount == Decimal("1.00") and paid.trade_no == "T1"
    assert paid.paid_at == 1795611600.0  # 13:00 UTC
    unpaid = EpayProvider.record_from("X", {"code": 1, "status": 0, "money": "6.00"})
    assert unpaid.found and not unpaid.paid and unpaid.status == "unpaid"
    missing = EpayProvider.record_from("X", {"code": -1, "msg": "订单号不存在"})
    assert not missing.found and missing.error is None
    auth = EpayProvider.record_from("X", {"code": -3, "msg": "商户密钥错误"})
    assert auth.error and auth.error.startswith("auth")
