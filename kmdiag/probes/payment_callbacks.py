"""Probe: the callback history of one order — the shop's admin API and/or its log files.

Why: "did the provider's callback arrive, and what did the shop answer" is the question every
paid-but-pending order turns on. Each recorded callback's signature is verified here, with the key
the profile names, because the key is a secret only probes hold; checks get the verdict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from kmdiag.probes._base import Skip
from kmdiag.probes._context import ProbeContext
from kmdiag.probes._payment import admin_headers, client, json_body, net_error, now, order_id, to_epoch
from kmdiag.registry import probe

MAX_CALLBACKS = 200


@probe("payment.callbacks", layer="payment", commands=("payment",), timeout=8.0, needs=("payment.provider",))
async def callbacks(ctx: ProbeContext) -> dict[str, Any]:
    """Callbacks for the order from ``callback_log.endpoint`` and ``callback_log.files``, signatures verified."""
    oid = order_id(ctx)
    cl = ctx.profile.payment.callback_log
    if not cl.endpoint and not cl.files:
        raise Skip("the profile names no callback history (payment.callback_log.endpoint or files)")
    out: dict[str, Any] = {"order_id": oid, "observed_at": now(), "sources": [], "callbacks": [], "log_hits": []}
    if cl.endpoint:
        out["endpoint"] = await _from_endpoint(ctx, oid)
        if out["endpoint"].get("error") is None:
            out["sources"].append("endpoint")
            out["callbacks"] = out["endpoint"].pop("records")
    if cl.files:
        hits, err = await _from_logs(cl.files, oid, cl.format, ctx)
        hits, out["log_window"], out["own_requests_dropped"] = _not_ours(ctx, hits)
        out["log_hits"], out["log_error"] = hits, err
        if err is None:
            out["sources"].append("logs")
            if "endpoint" not in out["sources"]:
                out["callbacks"] = [_from_hit(h) for h in hits if h.get("kind", "callback") == "callback"]
    verifier = _verifier(ctx)
    for cb in out["callbacks"]:
        try:
            cb["signature_valid"] = bool(verifier(cb)) if verifier and cb.get("params") else None
        except Exception:  # a malformed record cannot be judged; it is not proof of a bad key
            cb["signature_valid"] = None
    out["signature_checked"] = verifier is not None
    return out


async def _from_endpoint(ctx: ProbeContext, oid: str) -> dict[str, Any]:
    url = ctx.profile.url(ctx.profile.payment.callback_log.endpoint.replace("{order_id}", oid))  # type: ignore[union-attr]
    res: dict[str, Any] = {"url": url, "error": None}
    async with client(ctx) as c:
        try:
            r = await c.get(url, headers=admin_headers(ctx))
        except Exception as exc:
            res["error"] = net_error(exc)
            return res
    res["http_status"] = r.status_code
    if r.status_code in (401, 403):
        res["error"] = f"HTTP {r.status_code}: the admin API refused the token"
        return res
    try:
        body = json_body(r)
    except ValueError:
        res["error"] = f"HTTP {r.status_code}: not JSON"
        return res
    rows = body.get("data", body) if isinstance(body, dict) else body
    if isinstance(rows, dict):
        rows = rows.get("notifies") or rows.get("callbacks") or rows.get("list") or []
    if r.status_code >= 400 or not isinstance(rows, list):
        res["error"] = f"HTTP {r.status_code}"
        return res
    res["records"] = [_normalise(x) for x in rows[:MAX_CALLBACKS] if isinstance(x, Mapping)]
    res["count"] = len(rows)
    return res


def _normalise(x: Mapping[str, Any]) -> dict[str, Any]:
    params = x.get("params") or x.get("query") or x.get("body") or {}
    return {
        "time": to_epoch(x.get("time") or x.get("created_at")), "method": x.get("method"), "path": x.get("path"),
        "status": x.get("status") or x.get("http_status"), "reply": str(x.get("reply") or x.get("response") or "")[:200],
        "duration_ms": x.get("duration_ms"), "reason": x.get("reason"),
        "params": dict(params) if isinstance(params, Mapping) else {}, "headers": dict(x.get("headers") or {}),
        "raw_body": x.get("raw_body") if isinstance(x.get("raw_body"), str) else None,
        "source": "endpoint",
    }


def _from_hit(h: Mapping[str, Any]) -> dict[str, Any]:
    return {"time": h.get("time"), "method": h.get("method"), "path": h.get("path"), "status": h.get("status"),
            "reply": "", "duration_ms": h.get("duration_ms"), "reason": h.get("reason"), "params": {},
            "source": f"{h.get('source')}:{h.get('line_no')}"}


def _window(ctx: ProbeContext) -> tuple[float, float] | None:
    """Lines naming no order (acg-faka runtime.log) count inside this window around the provider's payment time."""
    from kmdiag.payment.timewindow import payment_window

    cfg = ctx.profile.payment.provider
    return payment_window(ctx.data("payment.provider").get("paid_at"), cfg.retry_schedule_s, cfg.notify_timeout_s, now())


def _not_ours(ctx: ProbeContext, hits: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[float] | None, int]:
    """Drop the lines kmdiag's own earlier requests to the notify handler caused (the journal)."""
    from kmdiag.payment import journal

    targets = [ctx.profile.base_url]
    if ctx.profile.payment.notify_url:
        targets.append(ctx.profile.url(ctx.profile.payment.notify_url))
    kept, dropped = journal.drop_own(hits, journal.windows(targets))
    win = _window(ctx)
    return kept, list(win) if win else None, dropped


async def _from_logs(files: list[str], oid: str, fmt: str, ctx: ProbeContext) -> tuple[list[dict[str, Any]], str | None]:
    try:
        from kmdiag.payment.logs import search_callbacks
    except ImportError:
        return [], "log search is not available in this build"
    try:
        hits = await asyncio.wait_for(asyncio.to_thread(search_callbacks, list(files), oid, fmt=fmt, window=_window(ctx)),
                                      timeout=ctx.timeout(5.0))
    except TimeoutError:
        return [], "log search did not finish in time"
    except Exception as exc:
        return [], f"{type(exc).__name__}: {exc}"
    return list(hits)[:MAX_CALLBACKS], None


def _verifier(ctx: ProbeContext) -> Any:
    """fn(callback) -> bool, with the configured key; None when no key is available."""
    cfg = ctx.profile.payment.provider
    key = ctx.secrets.get(cfg.key_env or "")
    if not key:
        return None
    if cfg.kind == "epay":
        from kmdiag.payment.providers import epay

        return lambda cb: epay.verify(cb["params"], key)
    if cfg.kind == "alipay":
        from kmdiag.payment.providers import alipay

        return lambda cb: alipay.verify_notify(cb["params"], key)
    if cfg.kind == "wechatpay":
        pub = ctx.secrets.get(cfg.public_key_env or "")
        if not pub:
            return None
        from kmdiag.payment.providers import wechatpay

        return lambda cb: wechatpay.verify_record(cb, pub)
    return None
