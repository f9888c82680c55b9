"""WeChat Pay API v3: notify signature, AES-256-GCM resource decryption, query by out_trade_no.

Why these exact bytes: the platform signs ``timestamp\\nnonce\\nbody\\n`` over the body *as
received* (re-serialised JSON breaks it) with the platform key — never the merchant's API
certificate; the resource is sealed with the APIv3 key (32 bytes). Queries are signed by the
merchant: ``METHOD\\nPATH?QUERY\\ntimestamp\\nnonce\\nbody\\n`` in a ``WECHATPAY2-SHA256-RSA2048``
Authorization header. Amounts are in fen (分).
"""

from __future__ import annotations

import base64
import json
import secrets as _secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kmdiag.i18n import T
from kmdiag.payment.providers.alipay import load_private, load_public
from kmdiag.payment.providers.base import ProviderRecord, error_record, http_error, secret, verdict
from kmdiag.safejson import response_json

if TYPE_CHECKING:
    import httpx

    from kmdiag.profile.schema import Provider as ProviderConfig

API = "https://api.mch.weixin.qq.com"
SIGN_TYPE = "WECHATPAY2-SHA256-RSA2048"


def message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def verify_signature(timestamp: str, nonce: str, body: str, signature: str, public_key: str) -> bool:
    """SHA256withRSA (PKCS#1 v1.5) over ``timestamp\\nnonce\\nbody\\n`` with the platform public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        load_public(public_key).verify(base64.b64decode(signature), message(timestamp, nonce, body).encode("utf-8"),
                                       padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def sign(text: str, private_key: str) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return base64.b64encode(load_private(private_key).sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode()


def decrypt_resource(resource: Mapping[str, Any], apiv3_key: str) -> dict[str, Any] | None:
    """The transaction inside a notify; None when the APIv3 key is wrong (tag mismatch) or it is not JSON."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        aad = str(resource.get("associated_data") or "").encode() or None
        plain = AESGCM(apiv3_key.encode()).decrypt(str(resource["nonce"]).encode(),
                                                   base64.b64decode(resource["ciphertext"]), aad)
        return json.loads(plain)
    except (InvalidTag, KeyError, ValueError, TypeError):
        return None


def encrypt_resource(transaction: Mapping[str, Any], apiv3_key: str, nonce: str, aad: str = "transaction") -> dict[str, str]:
    """The inverse of :func:`decrypt_resource` (tests and demos build notifies with it)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ct = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), json.dumps(transaction).encode(), aad.encode() or None)
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(ct).decode(), "nonce": nonce,
            "associated_data": aad, "original_type": "transaction"}


def _header(headers: Mapping[str, Any], name: str) -> str:
    for k, v in headers.items():
        if k.lower() == name.lower():
            return str(v)
    return ""


def verify_record(cb: Mapping[str, Any], public_key: str) -> bool | None:
    """A recorded notify (headers + raw body) verified; None when the record lacks what is needed."""
    h = cb.get("headers") or {}
    body = cb.get("raw_body")
    sig = _header(h, "Wechatpay-Signature")
    if not sig or body is None:
        return None
    return verify_signature(_header(h, "Wechatpay-Timestamp"), _header(h, "Wechatpay-Nonce"), str(body), sig, public_key)


# -- the plug-in (kmdiag.payment.providers.base.ProviderPlugin) --------------------------------

KIND = "wechatpay"
KEY_NAME = T(zh="微信支付平台公钥", en="WeChat Pay platform public key")
PUBLIC_KEY_NAME = KEY_NAME  # the platform key signs notifies and query answers alike
CONFIG_FIELDS = {
    "apiv3_key_env": "wechatpay: the APIv3 key (32 characters) that decrypts notify resources.",
    "platform_public_key_env": "wechatpay: the platform public key (微信支付公钥 / platform certificate key, PEM) that verifies notifies.",
    "platform_public_key_id": "wechatpay: its id (PUB_KEY_ID_... or the platform certificate serial), compared with Wechatpay-Serial.",
    "private_key_env": "wechatpay: the merchant API private key (PEM), for signed queries.",
    "cert_serial_no": "wechatpay: serial number of the merchant API certificate (signed queries).",
}
DEPRECATED_KEY_ENV = "apiv3_key_env"
DEPRECATED_PUBLIC_KEY_ENV = "platform_public_key_env"
NOTIFY_METHOD = "POST"
SUCCESS_REPLY = None  # any HTTP 200/204
# v3 notifies carry the order number only inside the encrypted resource: a logged body holding a
# ciphertext is a candidate, kept when it decrypts to this order.
CANDIDATE_MARKER = b"ciphertext"
VERDICT_TEXT = {  # {n}: how many notifies
    "not-decrypted": T(zh="{n} 次微信支付回调的 resource 用配置的 APIv3 密钥解不开（AES-GCM 校验失败）：APIv3 密钥不对（商户平台 → 账户中心 → API 安全）",
                       en="{n} WeChat Pay notify resource(s) do not decrypt with the configured APIv3 key (AES-GCM tag mismatch): the APIv3 key is wrong (merchant platform → API security)"),
    "refused-decryption": T(zh="店铺以“解密失败”拒绝了回调，而 kmdiag 用正确的 APIv3 密钥能解开：店铺配置的 APIv3 密钥不对",
                            en="the shop refused the callback as 'decryption failed', yet it decrypts with the right APIv3 key: the shop is configured with the wrong APIv3 key"),
    "headers-missing": T(zh="{n} 次微信支付回调没有 Wechatpay-Signature 等请求头：CDN 或反向代理把它们去掉了，店铺无法验签",
                         en="{n} WeChat Pay notify(ies) arrived without the Wechatpay-* headers: a CDN or proxy strips them, so the shop cannot verify them"),
    "decrypted": T(zh="{n} 次用 APIv3 密钥解密成功", en="{n} resource(s) decrypted with the APIv3 key"),
}
CONSOLE_STEPS = T(zh="微信支付商户平台 → 交易中心 → 交易订单 → 查看详情 → 重发通知；或在店铺后台手动补单。",
                  en="WeChat Pay merchant platform: Transactions → order details → re-send notification; or complete the order by hand (补单) in the shop's admin.")


def reply_ok(status: Any, body: str, success_reply: str | None = None) -> bool:
    """WeChat Pay v3: the HTTP status decides — 200 or 204, whatever the body says."""
    return status in (200, 204)


def callback_amount(params: Mapping[str, Any]) -> Decimal | None:
    amt = params.get("amount")
    if isinstance(amt, Mapping) and amt.get("total") is not None:
        try:
            return (Decimal(str(amt["total"])) / 100).quantize(Decimal("0.01"))
        except ArithmeticError:
            return None
    return None


def resign(cfg: ProviderConfig, secrets: Mapping[str, str], record: ProviderRecord, order_id: str) -> None:
    """Only WeChat Pay holds the platform key its notifies are signed with: kmdiag cannot rebuild one."""
    return None


def verify_callback(record: Mapping[str, Any], public_key: str | None, apiv3_key: str | None,
                    key_id: str | None = None) -> dict[str, Any]:
    """A recorded v3 notify: the header signature over the raw body (platform public key) and the
    resource opened with the APIv3 key. Each half is judged on its own: a notify that verifies but
    will not decrypt proves the APIv3 key wrong, whatever the signature says."""
    h = record.get("headers") or {}
    body = record.get("raw_body")
    serial = _header(h, "Wechatpay-Serial") or None
    more: dict[str, Any] = {"serial": serial}
    if key_id and serial and serial != key_id:
        more["serial_mismatch"] = True
    if body is None:
        sig: dict[str, Any] = verdict(None, "no-body", **more)
    elif not public_key:
        sig = verdict(None, "no-key", **more)
    elif not _header(h, "Wechatpay-Signature"):
        sig = verdict(None, "headers-missing", **more)  # a CDN or proxy that strips Wechatpay-* headers
    else:
        ok = verify_record(record, public_key)
        sig = verdict(ok, "valid" if ok else "invalid", **more)
    resource = None
    try:
        parsed = json.loads(body) if isinstance(body, str) else None
        resource = parsed.get("resource") if isinstance(parsed, dict) else None
    except (ValueError, RecursionError):
        pass
    if not isinstance(resource, Mapping):
        sig.update(decrypted=None, decrypt_code="no-resource")
    elif not apiv3_key:
        sig.update(decrypted=None, decrypt_code="no-apiv3-key")
    else:
        tx = decrypt_resource(resource, apiv3_key)
        sig.update(decrypted=tx is not None, decrypt_code="ok" if tx is not None else "wrong-apiv3-key",
                   transaction=tx if isinstance(tx, dict) else None)
    return sig


def verifier(cfg: ProviderConfig, secrets: Mapping[str, str]) -> Any:
    pub = secrets.get(cfg.platform_public_key_env or "") or None
    v3 = secrets.get(cfg.apiv3_key_env or "") or None
    if not pub and not v3:
        return None
    return lambda rec: verify_callback(rec, pub, v3, cfg.platform_public_key_id)


def _epoch(rfc3339: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(rfc3339)).timestamp()
    except ValueError:
        return None


@dataclass
class WechatPayProvider:
    mchid: str
    private_key: str
    serial_no: str
    platform_public_key: str | None
    api: str = API
    kind: str = "wechatpay"

    @classmethod
    def from_config(cls, cfg: ProviderConfig, secrets: Mapping[str, str]) -> WechatPayProvider:
        from kmdiag.payment.providers.base import ProviderConfigError

        if not cfg.merchant_id:
            raise ProviderConfigError("the profile's payment.provider.merchant_id (WeChat Pay mchid) is not set")
        serial = cfg.cert_serial_no
        if not serial:
            raise ProviderConfigError("the profile's payment.provider.cert_serial_no (merchant API certificate serial) is not set")
        pub = secrets.get(cfg.platform_public_key_env or "") or None
        return cls(str(cfg.merchant_id), secret(secrets, cfg.private_key_env, "WeChat Pay merchant private key"),
                   serial, pub, (cfg.gateway or API).rstrip("/"))

    def authorization(self, method: str, path: str, body: str = "", timestamp: str | None = None,
                      nonce: str | None = None) -> str:
        ts = timestamp or str(int(time.time()))
        nonce = nonce or _secrets.token_hex(16).upper()
        sig = sign(f"{method}\n{path}\n{ts}\n{nonce}\n{body}\n", self.private_key)
        return (f'{SIGN_TYPE} mchid="{self.mchid}",nonce_str="{nonce}",signature="{sig}",'
                f'timestamp="{ts}",serial_no="{self.serial_no}"')

    async def query(self, client: httpx.AsyncClient, order_id: str) -> ProviderRecord:
        import httpx

        path = f"/v3/pay/transactions/out-trade-no/{quote(order_id, safe='')}?mchid={self.mchid}"
        headers = {"Authorization": self.authorization("GET", path), "Accept": "application/json"}
        try:
            r = await client.get(self.api + path, headers=headers, follow_redirects=False)
        except httpx.TimeoutException:
            return error_record(order_id, "network: timeout")
        except httpx.HTTPError as exc:
            return error_record(order_id, f"network: {type(exc).__name__}: {exc}"[:200])
        try:
            body = response_json(r)
        except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply to parse
            body = {}
        if not isinstance(body, dict):
            if r.status_code == 200:
                return error_record(order_id, "bad-response: not a JSON object", raw={"body": r.text[:300]})
            body = {}
        if r.status_code == 404 and body.get("code") == "ORDER_NOT_EXIST":
            return ProviderRecord(order_id, False, False, "ORDER_NOT_EXIST", None, None, None, body)
        if r.status_code in (401, 403) and body.get("code"):  # SIGN_ERROR, NO_AUTH ...: the merchant's credentials
            return error_record(order_id, f"auth: {body.get('code')} {body.get('message', '')}".strip(), raw=body)
        if r.status_code != 200:
            return http_error(order_id, r.status_code, r.headers, r.text)
        if self.platform_public_key and not verify_signature(
                r.headers.get("wechatpay-timestamp", ""), r.headers.get("wechatpay-nonce", ""), r.text,
                r.headers.get("wechatpay-signature", ""), self.platform_public_key):
            return error_record(order_id, "bad-signature: the response does not verify with the platform public key", raw=body)
        return self.record_from(order_id, body)

    @staticmethod
    def record_from(order_id: str, body: Mapping[str, Any]) -> ProviderRecord:
        state = str(body.get("trade_state", ""))
        total = (body.get("amount") or {}).get("total")
        amount = (Decimal(int(total)) / 100).quantize(Decimal("0.01")) if total is not None else None
        paid = state == "SUCCESS"
        return ProviderRecord(order_id, True, paid, state, amount, body.get("transaction_id"),
                              _epoch(body.get("success_time")) if paid else None, dict(body))


from_config = WechatPayProvider.from_config
