"""Probe: the platform's own view of the order (status through the profile's ``status_map``).

Why: "paid but 待支付" is a disagreement between two records; this is the shop's record — status,
amount, creation and expiry time — read from the endpoint the profile names.
"""

from __future__ import annotations

from typing import Any

from kmdiag.i18n import T
from kmdiag.payment.shop_order import read_order
from kmdiag.probes import ProbeContext, Skip
from kmdiag.probes._payment import client, now, order_id
from kmdiag.registry import probe


@probe("payment.order", layer="payment", commands=("payment",), timeout=6.0)
async def platform_order(ctx: ProbeContext) -> dict[str, Any]:
    """The shop's order: status (raw and mapped), amount, created/expiry time, trade no., delivery info."""
    oid = order_id(ctx)
    pay = ctx.profile.payment
    if not pay.order_endpoint:
        raise Skip(T(zh="配置没有给出订单查询接口（payment.order_endpoint）", en="the profile names no payment.order_endpoint"))
    async with client(ctx) as c:  # the one shop-order reader: the sweep and --renotify read it the same way
        return await read_order(c, ctx.profile, ctx.secrets, oid, observed_at=now())
