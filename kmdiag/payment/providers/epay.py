"""彩虹易支付 ("epay") V1: the MD5 signing rule, notify verification, and ``api.php?act=order``.

Why exactly this rule: the shop and the gateway must produce the same MD5 byte for byte, and the
details are where shops break — ``sign``/``sign_type`` and empty values are left out, keys sorted by
ASCII, values joined *unencoded*, the key appended with no ``&key=``. Pinned by the reference's test
vectors (tests/payment/test_epay.py). The notify carries ``money`` as a float (``1`` for 1.00).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kmdiag.i18n import T
from kmdiag.payment.money import to_decimal
from kmdiag.payment.providers.base import ProviderRecord, Resigned, error_record, http_error, secret, verdict
from kmdiag.payment.shoptime import SHOP_TZ
from kmdiag.safejson import response_json

if TYPE_CHECKING:
    import httpx

    from kmdiag.profile.schema import Provider as ProviderConfig

STATUS_WORDS = {"0": "unpaid", "1": "paid", "2": "refunded", "3": "frozen", "4": "pre-authorised"}


def sign_content(params: Mapping[str, Any]) -> str:
    """The string that is signed: sorted ``k=v`` pairs without sign, sign_type, arrays or empty values."""
    parts = []
    for k in sorted(params):
        v = params[k]
        if k in ("sign", "sign_type") or isinstance(v, list | dict | tuple) or v is None or str(v).strip() == "":
            continue
        parts.append(f"{k}={v}")
    return "&".join(parts)


def sign(params: Mapping[str, Any], key: str) -> str:
    """``md5(content + key)``, lower-case hex."""
    return hashlib.md5((sign_content(params) + key).encode("utf-8")).hexdigest()


def verify(params: Mapping[str, Any], key: str) -> bool:
    """True when ``params["sign"]`` is the MD5 of the other params with ``key`` (constant time)."""
    given = str(params.get("sign") or "").lower()
    # bytes: compare_digest refuses non-ASCII str, and a hostile "sign" may be anything (found by fuzzing)
    return bool(given) and hmac.compare_digest(given.encode("utf-8", "surrogatepass"), sign(params, key).encode())


def format_money(amount: Any) -> str:
    """Money as the gateway sends it: PHP ``(float)`` cast printed — ``1.00`` → ``1``, ``0.10`` → ``0.1``."""
    f = float(amount)
    return str(int(f)) if f == int(f) else repr(round(f, 2))


def notify_params(*, pid: str, trade_no: str, out_trade_no: str, type: str, name: str, money: Any,
                  key: str, param: str = "") -> dict[str, str]:
    """A V1 async notify exactly as the gateway builds it (``creat_callback``), signed."""
    p = {"pid": str(pid), "trade_no": trade_no, "out_trade_no": out_trade_no, "type": type, "name": name,
         "money": format_money(money), "trade_status": "TRADE_SUCCESS"}
    if param:
        p["param"] = param
    p["sign"] = sign(p, key)
    p["sign_type"] = "MD5"
    return p


def parse_time(value: Any) -> float | None:
    """``2024-01-01 12:00:00`` (gateway local time: 彩虹易支付 writes the server's, Asia/Shanghai) → epoch seconds."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHOP_TZ).timestamp()
    except ValueError:
        return None


def format_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, SHOP_TZ).strftime("%Y-%m-%d %H:%M:%S")


# -- the plug-in (kmdiag.payment.providers.base.ProviderPlugin) --------------------------------

KIND = "epay"
KEY_NAME = T(zh="易支付商户 MD5 密钥", en="epay merchant MD5 key")
PUBLIC_KEY_NAME = None  # act=order answers are not signed
CONFIG_FIELDS = {"md5_key_env": "epay: the merchant MD5 key (signs and verifies notifies, authorises api.php)."}
DEPRECATED_KEY_ENV = "md5_key_env"
DEPRECATED_PUBLIC_KEY_ENV = None
NOTIFY_METHOD = "GET"
SUCCESS_REPLY = "success"
CANDIDATE_MARKER = None
VERDICT_TEXT: dict[str, T] = {}  # its verdicts read well in the generic words
CONSOLE_STEPS = T(zh="易支付商户后台 → 订单记录 → 重新通知；或在店铺后台手动补单。",
                  en="epay merchant back-office: Orders → 重新通知 (re-notify); or complete the order by hand (补单) in the shop's admin.")


def reply_ok(status: Any, body: str, success_reply: str | None = None) -> bool:
    """彩虹易支付's test: HTTP 200 and ``success``/``SUCCESS``/``Success`` anywhere in the body (``strpos``)."""
    if status != 200:
        return False
    if success_reply and success_reply not in ("success",):
        return success_reply in body
    return any(w in body for w in ("success", "SUCCESS", "Success"))


def callback_amount(params: Mapping[str, Any]) -> Decimal | None:
    return to_decimal(params.get("money"))


def resign(cfg: ProviderConfig, secrets: Mapping[str, str], record: ProviderRecord, order_id: str) -> Resigned:
    """The notify the gateway sent (or should have), rebuilt from its own record and signed with the key."""
    raw = record.raw
    params = notify_params(pid=str(cfg.merchant_id), trade_no=record.trade_no or "", out_trade_no=order_id,
                           type=str(raw.get("type") or "alipay"), name=str(raw.get("name") or order_id),
                           money=raw.get("money") if raw.get("money") not in (None, "") else record.amount,
                           key=secrets[cfg.md5_key_env or ""], param=str(raw.get("param") or ""))
    return Resigned(NOTIFY_METHOD, params, T(zh="易支付回调，按网关的方式签名", en="epay callback, signed as the gateway signs it"))


def verify_callback(record: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A recorded notify — GET query or POST form, already merged into ``params`` — checked with the MD5 key."""
    params = record.get("params") or {}
    if not params:
        return verdict(None, "no-params")
    if not params.get("sign"):
        return verdict(None, "unsigned")
    return verdict(True, "valid") if verify(params, key) else verdict(False, "invalid")


def verifier(cfg: ProviderConfig, secrets: Mapping[str, str]) -> Any:
    key = secrets.get(cfg.md5_key_env or "")
    return (lambda rec: verify_callback(rec, key)) if key else None


@dataclass
class EpayProvider:
    """An epay-compatible gateway: ``gateway`` is its base URL (``https://pay.example.com/``)."""

    gateway: str
    pid: str
    key: str
    kind: str = "epay"

    @classmethod
    def from_config(cls, cfg: ProviderConfig, secrets: Mapping[str, str]) -> EpayProvider:
        from kmdiag.payment.providers.base import ProviderConfigError

        if not cfg.gateway:
            raise ProviderConfigError("the profile's payment.provider.gateway (the epay base URL) is not set")
        if not cfg.merchant_id:
            raise ProviderConfigError("the profile's payment.provider.merchant_id (epay pid) is not set")
        return cls(cfg.gateway, str(cfg.merchant_id), secret(secrets, cfg.md5_key_env, "epay merchant key"))

    def query_url(self) -> str:
        return self.gateway.rstrip("/") + "/api.php"

    async def query(self, client: httpx.AsyncClient, order_id: str) -> ProviderRecord:
        """``GET api.php?act=order&pid=&key=&out_trade_no=`` → record (errors as data)."""
        import httpx

        params = {"act": "order", "pid": self.pid, "key": self.key, "out_trade_no": order_id}
        try:
            r = await client.get(self.query_url(), params=params, follow_redirects=False)
        except httpx.TimeoutException:
            return error_record(order_id, "network: timeout")
        except httpx.HTTPError as exc:
            return error_record(order_id, f"network: {type(exc).__name__}: {str(exc).replace(self.key, '***')[:200]}")
        if r.status_code != 200:
            return http_error(order_id, r.status_code, r.headers, r.text)
        try:
            data = response_json(r)
        except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply to parse
            return error_record(order_id, "bad-response: not JSON", raw={"body": r.text[:300]})
        if not isinstance(data, dict):
            return error_record(order_id, "bad-response: not an object")
        return self.record_from(order_id, data)

    @staticmethod
    def record_from(order_id: str, data: Mapping[str, Any]) -> ProviderRecord:
        """Map an ``act=order`` answer: code 1 = found; code -1 = no such order; -3 = auth."""
        raw = {k: v for k, v in data.items() if k != "key"}
        code = str(data.get("code"))
        if code == "-1":
            return ProviderRecord(order_id, False, False, "not-found", None, None, None, raw)
        if code == "-3":
            return error_record(order_id, f"auth: {data.get('msg', '')}", raw=raw)
        if code != "1":
            return error_record(order_id, f"provider: code {code} {data.get('msg', '')}".strip(), raw=raw)
        status = str(data.get("status", ""))
        paid = status == "1"
        return ProviderRecord(
            order_id=order_id, found=True, paid=paid, status=STATUS_WORDS.get(status, status),
            amount=to_decimal(data.get("money")), trade_no=str(data.get("trade_no") or "") or None,
            paid_at=parse_time(data.get("endtime")) if paid else None, raw=raw,
        )


from_config = EpayProvider.from_config
