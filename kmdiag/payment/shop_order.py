"""The shop's own record of one order, read from the profile's ``payment.order_endpoint``: one reader.

Why one: three parts need the shop's side of "paid but 待支付" — the diagnosis's ``payment.order``
probe, the sweep's re-read before it calls an order lost, and ``--renotify``'s before/after status —
and they must read the same fields through the same ``status_map``, with the same admin auth and
the same refusal rules (acg-faka answers HTTP 200 ``{"code":0,"msg":"未查询到相关信息"}``). A broken
answer is data (``error``), never an exception.
"""

from __future__ import annotations

from typing import Any

from kmdiag.apireply import judge
from kmdiag.ids import fill
from kmdiag.safejson import response_json
from kmdiag.session import admin_headers


def field(data: Any, expr: str | None) -> Any:
    """A JMESPath (or plain dotted path) into a JSON answer; None when absent or invalid."""
    if not expr:
        return None
    try:
        import jmespath

        return jmespath.search(expr, data)
    except Exception:
        cur = data
        for part in expr.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        return cur


def to_epoch(value: Any) -> float | None:
    """Epoch seconds from an int/float, a numeric string, or ``YYYY-mm-dd HH:MM:SS`` (UTC+8, as Chinese shops log)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value) / (1000 if value > 1e12 else 1)
    s = str(value).strip()
    try:
        return to_epoch(float(s))
    except ValueError:
        pass
    from datetime import datetime

    from kmdiag.payment.shoptime import SHOP_TZ

    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"):
        try:
            dt = datetime.strptime(s, fmt)
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=SHOP_TZ)
            return dt.timestamp()
        except ValueError:
            continue
    return None


def net_error(exc: BaseException) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    return f"{type(exc).__name__}: {exc}"[:200]


def order_url(profile: Any, order_id: str) -> str | None:
    """The order endpoint's URL for ``order_id`` (the id percent-encoded as data), or None without one."""
    ep = profile.payment.order_endpoint
    return profile.url(fill(ep, order_id=order_id)) if ep else None


async def read_order(client: Any, profile: Any, secrets: dict[str, str], order_id: str,
                     observed_at: float | None = None) -> dict[str, Any]:
    """The shop's order: status (raw and mapped), amount, created/expiry/paid time, trade no., delivery info.

    ``client`` is an ``httpx.AsyncClient`` (its timeout and body cap are the caller's). The profile
    must name ``payment.order_endpoint``. ``found`` is False for an unknown order; ``error`` says why
    the answer could not be read; ``refused`` marks the platform's own "no" inside an HTTP 200.
    """
    pay = profile.payment
    url = order_url(profile, order_id) or ""
    out: dict[str, Any] = {"order_id": order_id, "url": url, "observed_at": observed_at, "found": False, "error": None}
    try:
        r = await client.get(url, headers=admin_headers(profile, secrets))
    except Exception as exc:
        out["error"] = net_error(exc)
        return out
    out["http_status"] = r.status_code
    try:
        body = response_json(r)  # depth-limited, lone surrogates repaired
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
    verdict = judge(profile.api, r.status_code, body)  # HTTP 200 {"code":0,"msg":"未查询到相关信息"}
    if verdict and verdict["refused"]:
        out.update(refused=True, api_code=verdict["code"], message=verdict["message"], body=body)
        return out
    f = pay.order_fields
    raw_status = field(body, f.get("status", "data.status"))
    amount = field(body, f.get("amount", "data.amount"))
    out.update(
        found=raw_status is not None,
        raw_status=raw_status,
        status=pay.status_map.get(str(raw_status), str(raw_status)) if raw_status is not None else None,
        amount=None if amount is None else str(amount),
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
