"""Pure helpers of the payment checks: reply rules, money, times. No I/O, no clock."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kmdiag.i18n import T
from kmdiag.payment.money import to_decimal as money
from kmdiag.payment.providers.base import plugin, plugin_or_none
from kmdiag.payment.shoptime import shop_time
from kmdiag.registry import CheckContext

DONE = ("completed",)
PAID_WAITING = ("unpaid", "paid-pending")


def when(t: float | None) -> str:
    """An epoch as ``2026-11-25 21:50:00 (UTC+8)`` — the time a Chinese shop's admin and buyer see."""
    if t is None:
        return "?"
    return shop_time(t) + " (UTC+8)"


def when_utc(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def kind(c: CheckContext) -> str:
    return c.profile.payment.provider.kind


def timeout_ms(c: CheckContext) -> float:
    return c.profile.payment.provider.notify_timeout_s * 1000


def reply_ok(cb: dict[str, Any], provider: str, success_reply: str | None = None) -> bool:
    """The provider's own rule (its plug-in's ``reply_ok``): a word anywhere in a 200 body, exactly one
    word, or only the HTTP status."""
    return bool(plugin(provider).reply_ok(cb.get("status"), str(cb.get("reply") or ""), success_reply))


def accepted(cb: dict[str, Any], c: CheckContext) -> bool:
    """Accepted *as the provider sees it*: the right reply, within the provider's timeout."""
    d = cb.get("duration_ms")
    in_time = d is None or d < timeout_ms(c)  # an answer at the timeout is one the provider stopped waiting for
    return in_time and reply_ok(cb, kind(c), c.profile.payment.provider.success_reply)


def callbacks(c: CheckContext) -> list[dict[str, Any]]:
    return list(c.data("payment.callbacks").get("callbacks") or [])


def callback_money(cb: dict[str, Any], provider: str) -> Decimal | None:
    if cb.get("amount") is not None:  # the probe read it the provider's way (maybe from a decrypted resource)
        return money(cb["amount"])
    return money(plugin(provider).callback_amount(cb.get("params") or {}))  # its own field and unit


def key_name(kind: Any, fallback: T) -> T:
    """The key that verifies the provider's notifies, in words (``fallback`` for an unknown kind)."""
    pl = plugin_or_none(kind)
    return pl.KEY_NAME if pl is not None else fallback


# What a verdict means when the provider's plug-in has no words of its own for it ({n}: how many).
_VERDICT_TEXT = {
    "not-decrypted": T(zh="{n} 次回调的加密内容用配置的解密密钥解不开：解密密钥不对",
                       en="{n} notify resource(s) do not decrypt with the configured key: the decryption key is wrong"),
    "refused-decryption": T(zh="店铺以“解密失败”拒绝了回调，而 kmdiag 用正确的密钥能解开：店铺配置的解密密钥不对",
                            en="the shop refused the callback as 'decryption failed', yet it decrypts with the right key: the shop is configured with the wrong key"),
    "headers-missing": T(zh="{n} 次回调没有签名请求头：CDN 或反向代理把它们去掉了，店铺无法验签",
                         en="{n} notify(ies) arrived without their signature headers: a CDN or proxy strips them, so the shop cannot verify them"),
    "decrypted": T(zh="{n} 次解密成功", en="{n} resource(s) decrypted"),
}


def verdict_text(kind: Any, what: str, n: int) -> T:
    """A verdict in words: the plug-in's own (its keys, its console) or the generic ones."""
    pl = plugin_or_none(kind)
    t = (pl.VERDICT_TEXT.get(what) if pl is not None else None) or _VERDICT_TEXT[what]
    return T(zh=t.zh.format(n=n), en=t.en.format(n=n))


def public_key_name(kind: Any, fallback: T) -> T:
    """The key that verifies the provider's answers to a query, in words."""
    pl = plugin_or_none(kind)
    return pl.PUBLIC_KEY_NAME if pl is not None and pl.PUBLIC_KEY_NAME is not None else fallback


def reason_has(cb: dict[str, Any], *words: str) -> bool:
    r = str(cb.get("reason") or "").lower()
    return any(w.lower() in r for w in words)


def provider(c: CheckContext) -> dict[str, Any]:
    return c.data("payment.provider")


def order(c: CheckContext) -> dict[str, Any]:
    return c.data("payment.order")


def provider_paid(c: CheckContext) -> bool | None:
    """True/False from the provider; None when it could not tell."""
    p = provider(c)
    if not p or p.get("error"):
        return None
    return bool(p.get("paid"))


def brief(cb: dict[str, Any]) -> dict[str, Any]:
    """A callback as evidence: when, what came back, why (no params)."""
    return {"time": when_utc(cb.get("time")), "method": cb.get("method"), "path": cb.get("path"),
            "status": cb.get("status"), "reply": cb.get("reply"), "duration_ms": cb.get("duration_ms"),
            "reason": cb.get("reason"), "signature_valid": cb.get("signature_valid")}
