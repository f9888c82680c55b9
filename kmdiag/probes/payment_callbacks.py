"""Probe: the callback history of one order — every source the profile names, merged, each verified.

Why: "did the provider's callback arrive, and what did the shop answer" is the question every
paid-but-pending order turns on. Shops record it their own way (an admin API with its own field
names, an access log, acg-faka's runtime.log, a DB export), so each source is read and mapped by
the profile (``payment.callback_log``), all of them, not the first that answers. Each recorded
notify is verified here by the provider's plug-in (``kmdiag.payment.providers``), in whatever shape it
was recorded (a GET query or a POST form, parsed or raw, headers + body and an encrypted resource),
with the keys the profile names, because keys are secrets only probes hold; checks get the verdicts.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from kmdiag.i18n import T
from kmdiag.ids import fill
from kmdiag.probes import ProbeContext, Skip
from kmdiag.probes._payment import admin_headers, client, json_body, net_error, now, order_id
from kmdiag.registry import probe

MAX_CALLBACKS = 200
_NOTIFYISH = re.compile(r"notify|callback|回调", re.I)


@probe("payment.callbacks", layer="payment", commands=("payment",), timeout=8.0, needs=("payment.provider",))
async def callbacks(ctx: ProbeContext) -> dict[str, Any]:
    """Callbacks for the order from every ``callback_log`` source, merged, signatures and resources checked."""
    from kmdiag.payment.records import merge

    oid = order_id(ctx)
    sources = ctx.profile.payment.callback_log.all_sources()
    if not sources:
        raise Skip(T(zh="配置没有给出回调记录来源（payment.callback_log：endpoint、files 或 sources）",
                   en="the profile names no callback history (payment.callback_log: endpoint, files or sources)"))
    out: dict[str, Any] = {"order_id": oid, "observed_at": now(), "sources": [], "read": [], "callbacks": [],
                           "log_hits": []}
    results = await asyncio.gather(*(_read(ctx, src, oid) for src in sources))
    groups: list[list[dict[str, Any]]] = []
    for src, (records, info) in zip(sources, results, strict=True):
        out["read"].append(info)
        if src.name == "endpoint" and src.api == ctx.profile.payment.callback_log.endpoint:
            out["endpoint"] = {k: v for k, v in info.items() if k not in ("name", "kind")}
        if info.get("hits") is not None:
            out["log_hits"].extend(info.pop("hits"))
            out["log_window"] = info.pop("window", None)
            out["own_requests_dropped"] = out.get("own_requests_dropped", 0) + info.pop("own_dropped", 0)
            if info.get("error"):
                out["log_error"] = info["error"]
        if info.get("error") is None:
            out["sources"].append(info["name"])
            groups.append([r for r in records if not _own(r)])
    merged = merge(groups)
    _verify(ctx, merged, oid, out)
    out["callbacks"] = merged[-MAX_CALLBACKS:]
    return out


async def _read(ctx: ProbeContext, src: Any, oid: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if src.api:
        return await _from_api(ctx, src, oid)
    if src.fields is not None or src.format in ("jsonl", "csv"):
        return await _from_rows(ctx, src, oid)
    return await _from_logs(ctx, src, oid)


async def _from_api(ctx: ProbeContext, src: Any, oid: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from kmdiag.payment.records import from_row, zone
    from kmdiag.profile.records_schema import DEFAULT_API_FIELDS, DEFAULT_API_RECORDS

    url = ctx.profile.url(fill(src.api, order_id=oid))  # the id is data: percent-encoded (kmdiag.ids)
    info: dict[str, Any] = {"name": src.name or "api", "kind": "api", "url": url, "error": None}
    async with client(ctx) as c:
        try:
            r = await c.get(url, headers=admin_headers(ctx))
        except Exception as exc:
            info["error"] = net_error(exc)
            return [], info
    info["http_status"] = r.status_code
    if r.status_code in (401, 403):
        info["error"] = f"HTTP {r.status_code}: the admin API refused the token"
        return [], info
    try:
        body = json_body(r)
    except ValueError:
        info["error"] = f"HTTP {r.status_code}: not JSON"
        return [], info
    from kmdiag.payment.records import field_of

    rows = field_of(src.records or DEFAULT_API_RECORDS, body)
    if r.status_code >= 400 or not isinstance(rows, list):
        info["error"] = f"HTTP {r.status_code}" + ("" if r.status_code >= 400 else ": no list of records at "
                                                   + repr(src.records or "data.notifies"))
        return [], info
    fields = src.fields or DEFAULT_API_FIELDS
    tz = zone(src.time_zone)
    label = src.name or "api"
    recs = [from_row(x, fields, tz=tz, duration_unit=src.duration_unit, source=label)
            for x in rows[:MAX_CALLBACKS] if isinstance(x, Mapping)]
    info["count"] = len(rows)
    return recs, info


async def _from_rows(ctx: ProbeContext, src: Any, oid: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """JSON lines or CSV (a shop's own log, a DB export), mapped by the source's fields."""
    from kmdiag.payment.logs import search_rows
    from kmdiag.payment.records import field_of, from_row, zone
    from kmdiag.profile.records_schema import RecordFields

    fields = src.fields or RecordFields()
    info: dict[str, Any] = {"name": src.label, "kind": "files", "files": list(src.files), "error": None}
    by_field = (lambda row: field_of(fields.order_id, row)) if fields.order_id else None
    from kmdiag.payment.providers.base import plugin

    candidate = plugin(ctx.profile.payment.provider.kind).CANDIDATE_MARKER  # lines naming no order, maybe this one's
    from kmdiag.safefile import deadline

    try:
        end = time.monotonic() + ctx.timeout(5.0)
        with deadline(end):  # every read stops at the deadline too: the thread never outlives the probe
            rows, errors = await asyncio.wait_for(asyncio.to_thread(
                search_rows, list(src.files), oid, fmt=src.format, order_field=by_field, candidate=candidate,
                deadline=end), timeout=ctx.timeout(5.5))
    except TimeoutError:
        info["error"] = "reading the files did not finish in time"
        return [], info
    info["problems"] = [{"source": e["source"], "kind": e["kind"], "error": e["error"]} for e in errors]
    if errors and not rows and all(e["kind"] == "error" for e in errors):
        info["error"] = "; ".join(f"{e['source']}: {e['error']}" for e in errors)[:300]
        return [], info
    tz = zone(src.time_zone)
    recs = []
    for r in rows[:MAX_CALLBACKS]:
        rec = from_row(r["row"], fields, tz=tz, duration_unit=src.duration_unit, source=r["source"])
        rec["match"] = r["match"]
        recs.append(rec)
    info["count"] = len(recs)
    return _keep_notifies(ctx, recs), info


async def _from_logs(ctx: ProbeContext, src: Any, oid: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Access / app logs in the built-in formats (combined, laravel, acg-faka)."""
    from kmdiag.payment.logs import search_callbacks
    from kmdiag.payment.records import from_hit

    info: dict[str, Any] = {"name": src.name or "logs", "kind": "files", "files": list(src.files), "error": None}
    from kmdiag.safefile import deadline

    budget = ctx.timeout(5.0)
    try:
        # The thread stops itself at the deadline (every read checks it): nothing outlives the probe.
        with deadline(time.monotonic() + max(0.05, budget - 0.1)):
            hits = await asyncio.wait_for(asyncio.to_thread(search_callbacks, list(src.files), oid, fmt=src.format,
                                                            window=_window(ctx)), timeout=budget)
    except TimeoutError:
        info["error"] = "log search did not finish in time"
        return [], info
    except Exception as exc:
        info["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return [], info
    hits, info["window"], info["own_dropped"] = _not_ours(ctx, list(hits)[:MAX_CALLBACKS])
    info["hits"] = hits
    info["count"] = len(hits)
    recs = [from_hit(h) for h in hits if h.get("kind", "callback") == "callback"]
    return _keep_notifies(ctx, recs), info


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


def _keep_notifies(ctx: ProbeContext, recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the provider's notifies: not kmdiag's own requests, not the buyer's pay or return pages."""
    want = urlsplit(ctx.profile.url(ctx.profile.payment.notify_url or "")).path if ctx.profile.payment.notify_url else ""
    want_re = re.compile("^" + ".*".join(re.escape(p) for p in want.split("{order_id}")) + "$") if want else None
    out = []
    for r in recs:
        if _own(r):
            continue
        path = r.get("path")
        if path and not ((want_re is not None and want_re.match(path)) or _NOTIFYISH.search(path)):
            continue
        out.append(r)
    return out


def _own(r: dict[str, Any]) -> bool:
    """kmdiag's own request (an earlier run's unsigned notify probe) is never evidence."""
    ua = str(r.get("user_agent") or next((v for k, v in (r.get("headers") or {}).items() if k.lower() == "user-agent"), ""))
    return "kmdiag/" in ua or "kmdiag_probe" in (r.get("params") or {})


def _verify(ctx: ProbeContext, recs: list[dict[str, Any]], oid: str, out: dict[str, Any]) -> None:
    """Each record's verdict; candidates (lines with the plug-in's ``CANDIDATE_MARKER`` but no order
    number outside an encrypted resource) kept only when their decrypted ``out_trade_no`` is this order."""
    from kmdiag.payment.providers.base import ProviderConfigError, make_verifier, plugin

    cfg = ctx.profile.payment.provider
    try:
        verifier = make_verifier(cfg, ctx.secrets)
        amount_of = plugin(cfg.kind).callback_amount
    except ProviderConfigError:
        verifier, amount_of = None, None
    out["signature_checked"] = verifier is not None
    undecryptable = 0
    keep: list[dict[str, Any]] = []
    for cb in recs:
        v: dict[str, Any] | None = None
        if verifier is not None and (cb.get("params") or cb.get("raw_body")):
            try:
                v = verifier(cb)
            except Exception:  # a malformed record cannot be judged; it is not proof of a bad key
                v = None
        cb["verification"] = v
        cb["signature_valid"] = v.get("signature") if v else None
        if v and v.get("transaction"):
            tx = v["transaction"]
            cb["params"] = {**(cb.get("params") or {}), **tx}
            cb["order_id"] = cb.get("order_id") or tx.get("out_trade_no")
        if cb.get("match") == "candidate":
            if v is None or v.get("decrypted") is not True:
                undecryptable += 1
                continue
            if str(cb.get("order_id")) != oid:
                continue
        if amount_of is not None and cb.get("params"):
            try:
                amt = amount_of(cb["params"])
            except Exception:
                amt = None
            cb["amount"] = str(amt) if amt is not None else None
        keep.append(cb)
    recs[:] = keep
    out["undecryptable_candidates"] = undecryptable
