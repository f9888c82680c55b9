"""Probe: the platform's own view of the order (status through the profile's ``status_map``).

Why: "paid but 待支付" is a disagreement between two records; this is the shop's record — status,
amount, creation and expiry time — read from the endpoint the profile names.
"""

from __future__ import annotations

from typing import Any

from kmdiag.apireply import judge
from kmdiag.i18n import T
from kmdiag.ids import fill
from kmdiag.probes import ProbeContext, Skip
from kmdiag.probes._payment import admin_headers, client, field, json_body, net_error, now, order_id, to_epoch
from kmdiag.registry import probe


@probe("payment.order", layer="payment", commands=("payment",), timeout=6.0)
async def platform_order(ctx: ProbeContext) -> dict[str, Any]:
    """The shop's order: status (raw and mapped), amount, created/expiry time, trade no., delivery info."""
    oid = order_id(ctx)
    pay = ctx.profile.payment
    if not pay.order_endpoint:
        raise Skip(T(zh="配置没有给出订单查询接口（payment.order_endpoint）", en="the profile names no payment.order_endpoint"))
    url = ctx.profile.url(fill(pay.order_endpoint, order_id=oid))
    out: dict[str, Any] = {"order_id": oid, "url": url, "observed_at": now(), "found": False, "error": None}
    async with client(ctx) as c:
        try:
            r = await c.get(url, headers=admin_headers(ctx))
        except Exception as exc:
            out["error"] = net_error(exc)
            return out
    out["http_status"] = r.status_code
    try:
        body = json_body(r)
    except ValueError:
        out["error"] = f"not JSON (HTTP {r.status_code})"
        out["body"] = r.text[:300]
        return out
    if not isinstance(body, dict) and r.status_code < 400:  # a list, a number: not an order record
        out["error"] = f"not a JSON object (HTTP {r.status_code})"
        out["body"] = r.text[:300]
        return out
    if r.status_code == 404:
        out["body"] = body
        return out
    if r.status_code >= 400:
        out["error"] = f"HTTP {r.status_code}"
        out["body"] = body
        return out
    verdict = judge(ctx.profile.api, r.status_code, body)  # HTTP 200 {"code":0,"msg":"未查询到相关信息"}
    if verdict and verdict["refused"]:
        out.update(refused=True, api_code=verdict["code"], message=verdict["message"], body=body)
        return out
    f = pay.order_fields
    raw_status = field(body, f.get("status", "data.status"))
    out.update(
        found=raw_status is not None,
        raw_status=raw_status,
        status=pay.status_map.get(str(raw_status), str(raw_status)) if raw_status is not None else None,
        amount=None if field(body, f.get("amount", "data.amount")) is None else str(field(body, f.get("amount", "data.amount"))),
        created_at=to_epoch(field(body, f.get("created_at"))),
        expires_at=to_epoch(field(body, f.get("expires_at"))),
        paid_at=to_epoch(field(body, f.get("paid_at"))),
        trade_no=field(body, f.get("trade_no")),
        info=field(body, f.get("info")),
    )
    handed = pay.handed_notify_url
    if handed is not None and handed.order_field:  # the notify URL the order record says was handed over
        out["handed_notify_url"] = field(body, handed.order_field)
    return out
