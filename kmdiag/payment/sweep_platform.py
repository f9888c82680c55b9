"""Re-read the shop's own order before calling a provider-paid order lost (掉单).

Why: the sweep's input can be stale. An ``--orders-file`` is whatever the agent exported (it may hold
orders the shop completed since), and even the pending-orders list ages while a long sweep runs (a
late callback may complete an order meanwhile). Asking the shop again costs one request per
*provider-paid* order only — a handful — and turns "paid at the provider" into a true 掉单, an
expired one (``payment.order-expired``), or a settled order that is not lost at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from kmdiag.i18n import T
from kmdiag.payment.shop_order import read_order
from kmdiag.payment.sweep import OrderResult

NOT_ADVANCED = ("unpaid", "paid-pending")  # as the payment checks read status_map's words
EXPIRED = ("expired",)


def make_confirm(client: Any, profile: Any, secrets: dict[str, str]) -> Callable[[OrderResult], Awaitable[OrderResult]] | None:
    """An async ``confirm(result) -> result`` for lost orders, or None when the profile has no order endpoint."""
    if not profile.payment.order_endpoint:
        return None

    async def confirm(r: OrderResult) -> OrderResult:
        return settle(r, await read_order(client, profile, secrets, r.order_id))  # the diagnosis's own reader

    return confirm


def settle(r: OrderResult, order: dict[str, Any]) -> OrderResult:
    """Pure: a provider-paid order and the shop's own record of it (``read_order``) → lost, expired-lost or settled.

    The shop not answering must not lose the finding: the order stays lost, with why it was not re-checked.
    """
    status = order.get("status")
    if status is None:
        if order.get("http_status") is None:
            why = str(order.get("error") or "?").split(":")[0]
            r.evidence = T(zh=f"未能复查店铺订单：{why}", en=f"shop order not re-checked: {why}")
        else:
            r.evidence = T(zh=f"未能复查店铺订单：HTTP {order['http_status']}，无状态字段",
                           en=f"shop order not re-checked: HTTP {order['http_status']}, no status")
        return r
    if status in NOT_ADVANCED:
        return r
    if status in EXPIRED:
        r.cause = "payment.order-expired"
        r.evidence = T(zh="店铺已将订单置为过期，支付平台却已收款", en="the shop expired the order; the provider took the money")
        return r
    r.outcome, r.cause = "settled", None
    r.evidence = T(zh=f"店铺订单已是 {status}", en=f"the shop already shows it {status}")
    return r
