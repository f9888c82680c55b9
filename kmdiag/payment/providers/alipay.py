"""Alipay open platform: RSA2 verification of notifies, and a signed ``alipay.trade.query``.

Why both keys: notifies and query responses are signed by Alipay and verify only with the
**Alipay public key** (支付宝公钥) — pasting the app's own public key instead is the most common
real-world breakage; the query request is signed with the **app private key**. Rules follow the
reference (§2.3): notify = drop ``sign`` and ``sign_type`` and empty values, sort, ``k=v&...``
unencoded; requests keep ``sign_type`` in the signed string (as Alipay's SDKs do).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kmdiag.i18n import T
from kmdiag.payment.money import to_decimal
from kmdiag.payment.providers.base import ProviderRecord, error_record, http_error, secret, verdict
from kmdiag.payment.shoptime import SHOP_TZ
from kmdiag.safejson import loads

if TYPE_CHECKING:
    import httpx

    from kmdiag.profile.schema import Provider as ProviderConfig

GATEWAY = "https://openapi.alipay.com/gateway.do"
PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")


def _pem(key: str, kind: str) -> bytes:
    """Accept a full PEM or the bare base64 body Alipay's console shows."""
    key = key.strip()
    if "-----BEGIN" in key:
        return key.encode()
    body = "\n".join(key[i:i + 64] for i in range(0, len(key), 64))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n".encode()


def load_public(key: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(_pem(key, "PUBLIC KEY"))


def load_private(key: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        return load_pem_private_key(_pem(key, "PRIVATE KEY"), password=None)
    except ValueError:
        return load_pem_private_key(_pem(key, "RSA PRIVATE KEY"), password=None)


def notify_content(params: Mapping[str, Any]) -> str:
    """Verification string of an async notify: no sign/sign_type, no empty values, sorted."""
    return "&".join(f"{k}={params[k]}" for k in sorted(params)
                    if k not in ("sign", "sign_type") and params[k] is not None and str(params[k]).strip() != "")


def request_content(params: Mapping[str, Any]) -> str:
    """Signing string of a request: everything but ``sign`` and empty values, sorted."""
    return "&".join(f"{k}={params[k]}" for k in sorted(params)
                    if k != "sign" and params[k] is not None and str(params[k]) != "")


def rsa_sign(content: str, private_key: str, sign_type: str = "RSA2") -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    h = hashes.SHA256() if sign_type == "RSA2" else hashes.SHA1()
    return base64.b64encode(load_private(private_key).sign(content.encode("utf-8"), padding.PKCS1v15(), h)).decode()


def rsa_verify(content: str, signature: str, public_key: str, sign_type: str = "RSA2") -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    h = hashes.SHA256() if sign_type == "RSA2" else hashes.SHA1()
    try:
        load_public(public_key).verify(base64.b64decode(signature), content.encode("utf-8"), padding.PKCS1v15(), h)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def verify_notify(params: Mapping[str, Any], alipay_public_key: str) -> bool:
    """True when a notify's ``sign`` verifies with the Alipay public key (RSA2, or RSA per sign_type)."""
    sig = params.get("sign")
    if not sig:
        return False
    return rsa_verify(notify_content(params), str(sig), alipay_public_key, str(params.get("sign_type") or "RSA2"))


def sign_notify(params: Mapping[str, Any], private_key: str) -> dict[str, str]:
    """A notify signed the way Alipay signs it (the demo's Alipay-style scenario and the tests)."""
    p = {k: str(v) for k, v in params.items() if k not in ("sign",)}
    p.setdefault("sign_type", "RSA2")
    p["sign"] = rsa_sign(notify_content(p), private_key, p["sign_type"])
    return p


# -- the plug-in (kmdiag.payment.providers.base.ProviderPlugin) --------------------------------

KIND = "alipay"
KEY_NAME = T(zh="支付宝公钥", en="Alipay public key")
PUBLIC_KEY_NAME = KEY_NAME  # the same key verifies notifies and query answers
CONFIG_FIELDS = {
    "alipay_public_key_env": "alipay: the Alipay public key (支付宝公钥, PEM or base64), NOT the app public key.",
    "private_key_env": "alipay: the app private key",
}
DEPRECATED_KEY_ENV = "alipay_public_key_env"
DEPRECATED_PUBLIC_KEY_ENV = "alipay_public_key_env"
NOTIFY_METHOD = "POST"
SUCCESS_REPLY = "success"
CANDIDATE_MARKER = None
VERDICT_TEXT: dict[str, T] = {}  # its verdicts read well in the generic words
CONSOLE_STEPS = T(zh="支付宝商家平台 → 交易 → 交易查询 → 找到该订单 → 重新通知；或在店铺后台手动补单。",
                  en="Alipay merchant portal: Transactions → find the trade → re-send notification; or complete the order by hand (补单) in the shop's admin.")


def reply_ok(status: Any, body: str, success_reply: str | None = None) -> bool:
    """Alipay: exactly ``success`` (7 characters, nothing around it) with HTTP 200."""
    return status == 200 and body == (success_reply or "success")


def callback_amount(params: Mapping[str, Any]) -> Decimal | None:
    return to_decimal(params.get("total_amount"))


def resign(cfg: ProviderConfig, secrets: Mapping[str, str], record: ProviderRecord, order_id: str) -> None:
    """Only Alipay holds the key its notifies are signed with: kmdiag cannot rebuild one."""
    return None


def form_of(raw_body: str) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as Alipay sent it, decoded in its own charset."""
    from urllib.parse import parse_qsl

    pairs = parse_qsl(raw_body, keep_blank_values=True)
    charset = next((v for k, v in pairs if k == "charset"), "utf-8") or "utf-8"
    if charset.lower() not in ("utf-8", "utf8"):
        try:
            pairs = parse_qsl(raw_body, keep_blank_values=True, encoding=charset)
        except LookupError:
            pass
    return dict(pairs)


def verify_callback(record: Mapping[str, Any], public_key: str) -> dict[str, Any]:
    """A recorded notify, parsed (``params``) or as the raw form body, checked with the Alipay public key."""
    params = dict(record.get("params") or {})
    raw = record.get("raw_body")
    if not params.get("sign") and isinstance(raw, str) and "sign=" in raw:
        params = form_of(raw)
    if not params:
        return verdict(None, "no-params")
    if not params.get("sign"):
        return verdict(None, "unsigned")
    return verdict(True, "valid") if verify_notify(params, public_key) else verdict(False, "invalid")


def verifier(cfg: ProviderConfig, secrets: Mapping[str, str]) -> Any:
    key = secrets.get(cfg.alipay_public_key_env or "")
    return (lambda rec: verify_callback(rec, key)) if key else None


def response_content(text: str, node: str) -> str | None:
    """The exact JSON text of ``node`` inside the response body: that substring is what Alipay signed."""
    i = text.find(f'"{node}"')
    if i < 0:
        return None
    start = text.find(":", i) + 1
    while start < len(text) and text[start] in " \t\r\n":
        start += 1
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    return text[start:end]


@dataclass
class AlipayProvider:
    app_id: str
    app_private_key: str
    alipay_public_key: str
    gateway: str = GATEWAY
    kind: str = "alipay"

    @classmethod
    def from_config(cls, cfg: ProviderConfig, secrets: Mapping[str, str]) -> AlipayProvider:
        from kmdiag.payment.providers.base import ProviderConfigError

        if not cfg.app_id:
            raise ProviderConfigError("the profile's payment.provider.app_id (Alipay app id) is not set")
        return cls(cfg.app_id, secret(secrets, cfg.private_key_env, "Alipay app private key"),
                   secret(secrets, cfg.alipay_public_key_env, "Alipay public key"), cfg.gateway or GATEWAY)

    def query_params(self, order_id: str, now: datetime | None = None) -> dict[str, str]:
        ts = (now or datetime.now(SHOP_TZ)).strftime("%Y-%m-%d %H:%M:%S")
        p = {"app_id": self.app_id, "method": "alipay.trade.query", "charset": "utf-8", "sign_type": "RSA2",
             "timestamp": ts, "version": "1.0",
             "biz_content": json.dumps({"out_trade_no": order_id}, separators=(",", ":"))}
        p["sign"] = rsa_sign(request_content(p), self.app_private_key)
        return p

    async def query(self, client: httpx.AsyncClient, order_id: str) -> ProviderRecord:
        import httpx

        try:
            r = await client.post(self.gateway, data=self.query_params(order_id), follow_redirects=False)
        except httpx.TimeoutException:
            return error_record(order_id, "network: timeout")
        except httpx.HTTPError as exc:
            return error_record(order_id, f"network: {type(exc).__name__}: {exc}"[:200])
        if r.status_code != 200:
            return http_error(order_id, r.status_code, r.headers, r.text)
        return self.record_from(order_id, r.text)

    def record_from(self, order_id: str, text: str) -> ProviderRecord:
        node = "alipay_trade_query_response"
        try:
            body = loads(text)
        except (ValueError, RecursionError):  # too deep: kmdiag.safejson
            return error_record(order_id, "bad-response: not JSON", raw={"body": text[:300]})
        resp = body.get(node) if isinstance(body, dict) else None
        if not isinstance(resp, dict):
            return error_record(order_id, "bad-response: no alipay_trade_query_response")
        signed = response_content(text, node)
        if body.get("sign") and signed is not None and not rsa_verify(signed, body["sign"], self.alipay_public_key):
            return error_record(order_id, "bad-signature: the response does not verify with the Alipay public key", raw=resp)
        code = str(resp.get("code"))
        if code == "40004" and resp.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return ProviderRecord(order_id, False, False, "TRADE_NOT_EXIST", None, None, None, resp)
        if code != "10000":
            return error_record(order_id, f"provider: {code} {resp.get('sub_code', '')} {resp.get('msg', '')}".strip(), raw=resp)
        status = str(resp.get("trade_status", ""))
        paid = status in PAID
        from kmdiag.payment.providers.epay import parse_time

        return ProviderRecord(order_id, True, paid, status, to_decimal(resp.get("total_amount")),
                              resp.get("trade_no"), parse_time(resp.get("send_pay_date")) if paid else None, resp)


from_config = AlipayProvider.from_config
