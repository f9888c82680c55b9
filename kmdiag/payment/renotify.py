"""``kmdiag payment ORDER_ID --renotify``: re-send the callback a paid order never got.

Why so careful: a callback is an instruction to deliver goods. So it is sent only when the
provider itself confirms the payment; where the merchant's key can sign it, the provider's plug-in
(``resign``) builds and signs it exactly as the gateway does (same fields, same money format, same
signature) and it is sent the way the gateway sends it (its method, no redirects, the provider's
timeout). For providers whose callbacks only they can sign, the platform's repair endpoint is called
if the profile names one; otherwise the agent is told what to click in the provider's console
(the plug-in's ``CONSOLE_STEPS``). It shows what it will send (redacted),
asks first, and reports the platform's reply and the order's state afterwards.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

from kmdiag.i18n import T
from kmdiag.ids import check_order_id, fill
from kmdiag.payment.providers.base import ProviderConfigError, ProviderRecord, make_provider, plugin
from kmdiag.profile.schema import Profile
from kmdiag.redact import MASK, Redactor

# Answers are capped as in the single-order probes: a hostile endpoint cannot fill memory.
MAX_BODY = 1_000_000


@dataclass
class Plan:
    """What re-notify would do: ``kind`` = ``callback`` | ``repair`` | ``console`` | ``refuse``."""

    kind: str
    order_id: str
    reason: T = field(default_factory=lambda: T(zh="", en=""))
    method: str = "GET"
    url: str = ""
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    provider: dict[str, Any] = field(default_factory=dict)

    def shown(self, redactor: Redactor) -> dict[str, Any]:
        """The plan as the agent sees it: keys, tokens and the signature masked."""
        d = asdict(self)
        d["params"] = {k: (MASK if k == "sign" else v) for k, v in self.params.items()}
        d["url"] = self.url.split("?")[0]
        return redactor.data(d)


@dataclass
class Result:
    sent: bool
    status: int | None = None
    reply: str = ""
    accepted: bool = False
    error: str | None = None
    elapsed_ms: int = 0
    order_status_before: str | None = None
    order_status_after: str | None = None


def _left(deadline: float | None, want: float) -> float:
    """A phase's timeout: what it wants, never past the command's deadline (``time.monotonic()``)."""
    return want if deadline is None else max(0.05, min(want, deadline - time.monotonic()))


async def _within(coro: Any, deadline: float | None) -> Any:
    """``coro`` cut off at ``deadline`` (TimeoutError): a TLS handshake that stalls cannot outlast it."""
    if deadline is None:
        return await coro
    return await asyncio.wait_for(coro, max(0.05, deadline - time.monotonic()))


async def plan(profile: Profile, secrets: dict[str, str], order_id: str, deadline: float | None = None) -> Plan:
    """Ask the provider, then decide what to send. Never sends anything."""
    from kmdiag.payment.net import async_client

    order_id = check_order_id(order_id)  # InvalidOrderId: never a request built from URL syntax

    cfg = profile.payment.provider
    try:
        prov = make_provider(cfg, secrets)
    except ProviderConfigError as exc:
        return Plan("refuse", order_id, T(zh=f"渠道未配置：{exc}", en=f"provider not configured: {exc}"))
    async with async_client(profile, timeout=_left(deadline, 8.0), max_body=MAX_BODY) as c:
        try:
            rec: ProviderRecord = await _within(prov.query(c, order_id), deadline)
        except TimeoutError:
            return Plan("refuse", order_id, T(zh="渠道在 --timeout 内没有回答，无法确认这笔付款",
                                              en="the provider did not answer within --timeout; the payment is not confirmed"))
    info = {"paid": rec.paid, "status": rec.status, "amount": str(rec.amount) if rec.amount is not None else None,
            "trade_no": rec.trade_no, "paid_at": rec.paid_at, "error": rec.error}
    if rec.error:
        return Plan("refuse", order_id, T(zh=f"渠道无法确认这笔付款：{rec.error}", en=f"the provider could not confirm the payment: {rec.error}"), provider=info)
    if not rec.paid:
        return Plan("refuse", order_id, T(zh=f"渠道不确认有这笔付款（状态 {rec.status}），没有可补发的回调", en=f"the provider does not confirm a payment (status {rec.status}); nothing to re-send"),
                    provider=info)
    pl = plugin(cfg.kind)
    signed = pl.resign(cfg, secrets, rec, order_id) if profile.payment.notify_url else None
    if signed is not None:  # the provider's own callback, rebuilt and signed as it signs it
        return Plan("callback", order_id, signed.reason, signed.method,
                    profile.url(fill(profile.payment.notify_url or "", order_id=order_id)), signed.params, provider=info)
    if profile.payment.repair_endpoint:
        from kmdiag.session import admin_headers

        hdrs = admin_headers(profile, secrets)
        url = profile.url(fill(profile.payment.repair_endpoint, order_id=order_id))
        return Plan("repair", order_id, T(zh="平台的补单接口（这个渠道的回调只有渠道能签名）", en="the platform's repair endpoint (only the provider can sign its callbacks)"),
                    "POST", url, {"order_id": order_id, "trade_no": rec.trade_no or "", "amount": info["amount"] or ""},
                    hdrs, info)
    return Plan("console", order_id, pl.CONSOLE_STEPS, provider=info)


async def execute(profile: Profile, secrets: dict[str, str], p: Plan, deadline: float | None = None) -> Result:
    """Send the plan (callback or repair call) and read the order's state after, all by ``deadline``."""
    from kmdiag.payment.net import async_client

    before = await order_status(profile, secrets, p.order_id, deadline)
    res = Result(sent=True, order_status_before=before)
    timeout = profile.payment.provider.notify_timeout_s if p.kind == "callback" else 15.0
    started = time.monotonic()
    wall = time.time()
    async with async_client(profile, timeout=_left(deadline, timeout), max_body=MAX_BODY) as c:
        try:
            if p.method == "GET":
                url = p.url + ("&" if "?" in p.url else "?") + urlencode(p.params)
                r = await _within(c.get(url, headers=p.headers), deadline)
            elif p.kind == "callback":  # a provider's notify is a form post, as the provider sends it
                r = await _within(c.post(p.url, data=p.params, headers=p.headers), deadline)
            else:
                r = await _within(c.post(p.url, json=p.params, headers=p.headers), deadline)
            res.status, res.reply = r.status_code, r.text[:300]
            res.accepted = r.status_code < 300 and (p.kind != "callback" or "success" in r.text.lower())
        except TimeoutError:
            res.error = "no answer within --timeout (the callback may or may not have arrived)"
        except Exception as exc:
            res.error = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            if p.kind == "callback":  # a refused re-notify is logged by the shop; it is kmdiag's, not the gateway's
                from kmdiag.payment import journal

                journal.record(p.url, wall, time.time(), "renotify")
    res.elapsed_ms = int((time.monotonic() - started) * 1000)
    res.order_status_after = await order_status(profile, secrets, p.order_id, deadline)
    return res


async def order_status(profile: Profile, secrets: dict[str, str], order_id: str,
                       deadline: float | None = None) -> str | None:
    """The order's mapped status from the profile's order endpoint, or None."""
    from kmdiag.payment.net import async_client
    from kmdiag.payment.shop_order import read_order

    if not profile.payment.order_endpoint:
        return None
    if deadline is not None and deadline - time.monotonic() < 0.1:
        return None  # no time left to look: unknown, not a guess
    async with async_client(profile, timeout=_left(deadline, 5.0), max_body=MAX_BODY) as c:
        try:
            o = await _within(read_order(c, profile, secrets, order_id), deadline)  # the diagnosis's own reader
        except Exception:
            return None
    return o.get("status")


def renotify(profile: Profile, secrets: dict[str, str], order_id: str, *, send: bool = True) -> tuple[Plan, Result | None]:
    """The Python API: plan, and (when ``send`` and the plan sends something) execute."""
    p = asyncio.run(plan(profile, secrets, order_id))
    if not send or p.kind not in ("callback", "repair"):
        return p, None
    return p, asyncio.run(execute(profile, secrets, p))
