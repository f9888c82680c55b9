"""Alipay RSA2, cross-checked against python-alipay-sdk (offline: only its signing/verifying helpers)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kmdiag.payment.providers import alipay as ours
from kmdiag.payment.providers.alipay import AlipayProvider


def _pair() -> tuple[str, str]:
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption()).decode()
    pub = k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return priv, pub


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    app_priv, app_pub = _pair()
    ali_priv, ali_pub = _pair()
    return {"app_priv": app_priv, "app_pub": app_pub, "ali_priv": ali_priv, "ali_pub": ali_pub}


NOTIFY = {"notify_time": "2026-11-25 21:00:00", "notify_type": "trade_status_sync", "notify_id": "ac05099524730693a8b330c5ecf72da9786",
          "app_id": "2021000000000001", "charset": "utf-8", "version": "1.0", "trade_no": "2026112522001400000000000001",
          "out_trade_no": "KM20261125000001", "trade_status": "TRADE_SUCCESS", "total_amount": "6.00",
          "buyer_pay_amount": "6.00", "subject": "王者荣耀 60 点券", "gmt_payment": "2026-11-25 20:59:58",
          "fund_bill_list": '[{"amount":"6.00","fundChannel":"ALIPAYACCOUNT"}]'}


def _sdk(keys: dict[str, str], alipay_public: str):
    from alipay import AliPay

    return AliPay(appid="2021000000000001", app_private_key_string=keys["ali_priv"], alipay_public_key_string=alipay_public)


def test_our_notify_signature_verifies_with_the_sdk(keys: dict[str, str]) -> None:
    signed = ours.sign_notify(NOTIFY, keys["ali_priv"])
    data = dict(signed)
    sig = data.pop("sign")
    assert _sdk(keys, keys["ali_pub"]).verify(data, sig)
    assert ours.verify_notify(signed, keys["ali_pub"])


def test_sdk_signature_verifies_with_ours(keys: dict[str, str]) -> None:
    sdk = _sdk(keys, keys["ali_pub"])
    content = ours.notify_content(NOTIFY)
    sig = sdk._sign(content)  # the SDK signs with the (here: Alipay's) private key
    assert ours.verify_notify(dict(NOTIFY, sign=sig, sign_type="RSA2"), keys["ali_pub"])


def test_wrong_key_and_tampering_fail(keys: dict[str, str]) -> None:
    signed = ours.sign_notify(NOTIFY, keys["ali_priv"])
    assert not ours.verify_notify(signed, keys["app_pub"])  # 应用公钥 pasted instead of 支付宝公钥
    assert not ours.verify_notify(dict(signed, total_amount="0.01"), keys["ali_pub"])
    escaped = dict(signed, fund_bill_list=signed["fund_bill_list"].replace('"', "&quot;"))
    assert not ours.verify_notify(escaped, keys["ali_pub"])  # an HTML-escaping input filter


def test_query_request_is_signed_with_the_app_key(keys: dict[str, str]) -> None:
    prov = AlipayProvider("2021000000000001", keys["app_priv"], keys["ali_pub"])
    p = prov.query_params("KM20261125000001")
    assert p["method"] == "alipay.trade.query" and json.loads(p["biz_content"]) == {"out_trade_no": "KM20261125000001"}
    sdk = _sdk(keys, keys["app_pub"])  # the SDK verifying with the app public key = what Alipay does
    assert sdk._verify(ours.request_content(p), p["sign"])


def _response(keys: dict[str, str], node: dict[str, str], key: str | None = None) -> str:
    inner = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
    sig = ours.rsa_sign(inner, key or keys["ali_priv"])
    return '{"alipay_trade_query_response":' + inner + ',"sign":"' + sig + '"}'


def test_query_response_verified_and_mapped(keys: dict[str, str]) -> None:
    prov = AlipayProvider("2021000000000001", keys["app_priv"], keys["ali_pub"])
    paid = prov.record_from("KM1", _response(keys, {"code": "10000", "msg": "Success", "trade_no": "2026T",
                                                     "out_trade_no": "KM1", "trade_status": "TRADE_SUCCESS",
                                                     "total_amount": "6.00", "send_pay_date": "2026-11-25 21:00:00"}))
    assert paid.paid and paid.found and str(paid.amount) == "6.00" and paid.paid_at == 1795611600.0
    missing = prov.record_from("KM2", _response(keys, {"code": "40004", "msg": "Business Failed",
                                                        "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"}))
    assert not missing.found and missing.error is None
    forged = prov.record_from("KM1", _response(keys, {"code": "10000", "trade_status": "TRADE_SUCCESS"}, keys["app_priv"]))
    assert forged.error and forged.error.startswith("bad-signature")
