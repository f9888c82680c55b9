"""Shared helpers of the payment probes: the order id, the HTTP client, admin headers, field paths.

Helpers only (the underscore keeps the probe package from importing it as a probe module).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from kmdiag.i18n import T
from kmdiag.payment import shop_order
from kmdiag.probes._base import Skip

if TYPE_CHECKING:
    import httpx

    from kmdiag.probes._context import ProbeContext


def order_id(ctx: ProbeContext) -> str:
    oid = ctx.opt("order_id")
    if not oid:
        raise Skip(T(zh="没有给出订单号（kmdiag payment 订单号）", en="no order number given (kmdiag payment ORDER_ID)"))
    from kmdiag.ids import check_order_id

    return check_order_id(str(oid))  # the CLI already refused bad ids; the Python API gets the same rule


MAX_BODY = 1_000_000  # bytes of any answer; an order, a callback list or a provider record is far smaller


def client(ctx: ProbeContext, wanted_timeout: float = 5.0) -> httpx.AsyncClient:
    """A client that resolves through the profile's resolver and never follows redirects.

    Each exchange (body included) ends within a share of what is left of the run, so a stuck
    endpoint is recorded as a timeout by the probe itself instead of the probe being cut off, and
    a probe that needs this one still gets time; answers are capped at ``MAX_BODY``.
    """
    from kmdiag.payment.net import async_client

    share = max(0.2, (ctx.remaining() - 0.4) * 0.7)
    return async_client(ctx.profile, timeout=ctx.timeout(min(wanted_timeout, share)), max_body=MAX_BODY)


def json_body(r: httpx.Response) -> Any:
    """The answer's JSON; ValueError for anything that is not (invalid, or nested too deep to parse)."""
    from kmdiag.safejson import response_json

    return response_json(r)  # depth-limited, lone surrogates repaired


def admin_headers(ctx: ProbeContext) -> dict[str, str]:
    """The admin API's auth header/cookie built from the profile's ``payment.admin`` and the secret."""
    from kmdiag.session import admin_headers as build

    return build(ctx.profile, ctx.secrets)


# One reader of the shop's order (kmdiag.payment.shop_order): its field paths, times and error words.
field, to_epoch, net_error = shop_order.field, shop_order.to_epoch, shop_order.net_error


def now() -> float:
    return time.time()
