"""WeChat Pay v3, cross-checked against wechatpayv3's offline helpers (never ``WeChatPay(...)``: it calls the network)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from wechatpayv3 import utils as wx

from kmdiag.payment.providers import wechatpay as ours

APIV3 = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def key() -> dict[str, object]:
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption()).decode()
    pub = k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"priv": priv, "pub": pub, "obj": k}


BODY = json.dumps({"id": "EV-2018022511223320873", "event_type": "TRANSACTION.SUCCESS"}, separators=(",", ":"))


def test_notify_signature_both_ways(key: dict[str, object]) -> None:
    ts, nonce = "1795611600", "fdasflkja484w"
    sig = ours.sign(ours.message(ts, nonce, BODY), key["priv"])  # type: ignore[arg-type]
    assert wx.rsa_verify(ts, nonce, BODY, sig, key["obj"].public_key())  # type: ignore[attr-defined]
    sdk_sig = wx.rsa_sign(key["obj"], f"{ts}\n{nonce}\n{BODY}\n")
    assert ours.verify_signature(ts, nonce, BODY, sdk_sig, key["pub"])  # type: ignore[arg-type]
    assert not ours.verify_signature(ts, nonce, BODY + " ", sdk_sig, key["pub"])  # type: ignore[arg-type]


def test_resource_decryption_both_ways() -> None:
    tx = {"out_trade_no": "KM1", "trade_state": "SUCCESS", "amount": {"total": 600, "currency": "CNY"}}
    res = ours.encrypt_resource(tx, APIV3, "n0nce0123456")
    plain = wx.aes_decrypt(res["nonce"], res["ciphertext"], res["associated_data"], APIV3)
    assert json.loads(plain) == tx
    assert ours.decrypt_resource(res, APIV3) == tx
    assert ours.decrypt_resource(res, "f" * 32) is None  # wrong APIv3 key → tag mismatch
    assert wx.aes_decrypt(res["nonce"], res["ciphertext"], res["associated_data"], "f" * 32) is None


def test_query_signs_like_the_sdk_and_maps_fen(key: dict[str, object]) -> None:
    prov = ours.WechatPayProvider("1900000001", key["priv"], "SERIAL01", key["pub"], "https://api.mch.weixin.qq.com")  # type: ignore[arg-type]
    seen: dict[str, str] = {}

    def handler(req: httpx.Request) -> httpx.Response:
        seen["auth"], seen["path"] = req.headers["authorization"], req.url.raw_path.decode()
        body = json.dumps({"out_trade_no": "KM1", "transaction_id": "42000001", "trade_state": "SUCCESS",
                           "success_time": "2026-11-25T21:00:00+08:00", "amount": {"total": 600}})
        ts, nonce = "1795611600", "abc"
        sig = wx.rsa_sign(key["obj"], f"{ts}\n{nonce}\n{body}\n")
        return httpx.Response(200, text=body, headers={"Wechatpay-Timestamp": ts, "Wechatpay-Nonce": nonce,
                                                        "Wechatpay-Signature": sig})

    async def go() -> object:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as c:
            return await prov.query(c, "KM1")

    rec = asyncio.run(go())
    assert rec.paid and str(rec.amount) == "6.00" and rec.trade_no == "42000001" and rec.paid_at == 1795611600.0  # type: ignore[attr-defined]
    assert seen["path"] == "/v3/pay/transactions/out-trade-no/KM1?mchid=1900000001"
    fields = dict(part.split("=", 1) for part in seen["auth"].split(" ", 1)[1].split(","))
    fields = {k: v.strip('"') for k, v in fields.items()}
    text = f"GET\n{seen['path']}\n{fields['timestamp']}\n{fields['nonce_str']}\n\n"
    assert fields["signature"] == wx.rsa_sign(key["obj"], text)  # PKCS#1 v1.5 is deterministic


def test_rate_limit_is_data(key: dict[str, object]) -> None:
    prov = ours.WechatPayProvider("1900000001", key["priv"], "SERIAL01", None)  # type: ignore[arg-type]

    async def go() -> object:
        t = httpx.MockTransport(lambda r: httpx.Response(429, headers={"Retry-After": "3"}, json={"code": "FREQUENCY_LIMITED"}))
        async with httpx.AsyncClient(transport=t) as c:
            return await prov.query(c, "KM1")

    rec = asyncio.run(go())
    assert rec.error == "rate-limited" and rec.retry_after == 3.0  # type: ignore[attr-defined]
