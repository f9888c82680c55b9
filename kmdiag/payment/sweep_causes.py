"""A sharper first guess at why each lost order is lost, from the shop's callback logs.

Why only a guess: the sweep's job is to find 掉单 fast; the full per-order diagnosis (``kmdiag payment
ORDER_ID``) asks the admin API, verifies signatures and probes the notify URL. But the log files the
profile names are already on disk, and one look at them splits "no callback ever arrived"
(``payment.callback-missing``) from "it arrived and was refused" (404 → wrong URL, 5xx → endpoint
down, 签名 → signature, 金额 → amount) — which changes what the agent does next.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from kmdiag.i18n import T, same
from kmdiag.payment import journal
from kmdiag.payment.logs import search_many, search_rows
from kmdiag.payment.sweep import LOST_CAUSE, OrderResult

BEFORE_S, AFTER_S = 300.0, 3 * 3600.0  # around the provider's paid time: epay retries for ≈2 h
_NOTIFY = re.compile(r"notify|callback", re.I)


def cause_ids() -> tuple[str, ...]:
    """Every cause id the sweep can put on a lost order (tests/payment_sweep holds each to the registry)."""
    from kmdiag.checks import callback_reasons  # imported when used: the checks package loads every check

    return tuple(dict.fromkeys((LOST_CAUSE, "payment.order-expired", *callback_reasons.CAUSE_IDS)))


def cause_from_hits(hits: Iterable[dict], files: list[str]) -> tuple[str | None, T] | None:
    """(cause id or None = cannot tell, evidence) from log hits; None when none of ``files`` could be read."""
    from kmdiag.checks import callback_reasons

    unreadable: set[str] = set()
    notifies: list[dict] = []
    for h in hits:
        if h["kind"] == "error":
            unreadable.add(h["source"])
            continue
        if h["kind"] != "callback":
            continue
        if h["format"] == "combined" and not _NOTIFY.search(h.get("path") or ""):
            continue  # the buyer's own page views name the order too
        notifies.append(h)
    if len(unreadable) >= len(set(files)):
        return None
    if not notifies:
        return "payment.callback-missing", T(zh="回调日志里没有这个订单的回调", en="no callback for this order in the callback logs")
    for h in notifies:
        cause = callback_reasons.reason_cause(h.get("reason"))
        if cause is not None:
            where = f"{os.path.basename(h['source'])}:{h['line_no']}" if h.get("line_no") else os.path.basename(h["source"])
            return cause, same(f"{where}: {h['reason'][:120]}")
    statuses = [h["status"] for h in notifies if h.get("status")]
    codes = ", ".join(str(s) for s in statuses[-5:]) or "?"
    where = T(zh=f"日志中有 {len(notifies)} 次回调，HTTP {codes}", en=f"{len(notifies)} callback(s) in the logs, HTTP {codes}")
    cause = callback_reasons.status_cause(statuses)
    if cause is not None:
        return cause, where
    # A 200 may carry "success" or "fail" (dujiaoka and acg-faka refuse with HTTP 200): the access log
    # cannot tell signature, amount or a stuck state apart. Say what is known; the diagnosis decides.
    return None, T(zh=where.zh + "：店铺收到了回调却没有推进订单，运行 kmdiag payment 订单号 查明原因",
                   en=where.en + " — the shop received callbacks and did not move the order; run `kmdiag payment ORDER_ID`")


def refine(lost: list[OrderResult], files: list[str], fmt: str = "auto", deadline: float | None = None) -> None:
    """Set ``cause`` and ``evidence`` of each lost order from the log ``files`` (in place; one pass per file)."""
    from kmdiag.profile.records_schema import CallbackSource

    refine_sources(lost, [CallbackSource(name="logs", files=list(files), format=fmt)] if files else [], deadline)


def sweepable(sources: Iterable[Any]) -> list[Any]:
    """The ``callback_log`` sources the sweep reads: files (logs, or mapped JSON lines / CSV). A per-order
    admin API is left to the per-order diagnosis (one request per lost order, with the shop's auth)."""
    return [s for s in sources if s.files and not s.api]


def refine_sources(lost: list[OrderResult], sources: list[Any], deadline: float | None = None) -> None:
    """Set ``cause`` and ``evidence`` of each lost order from the profile's callback sources (in place).

    Plain logs are searched once for all orders (``search_many``); mapped sources (``fields``, jsonl,
    csv) are read through their mapping, as the per-order probe reads them. Orders whose cause the
    shop's own record already decided (``payment.order-expired``) keep it; if ``deadline``
    (monotonic) passes mid-search, every order keeps the sweep's first guess.
    """
    todo = [r for r in lost if r.cause == LOST_CAUSE]
    sources = sweepable(sources)
    if not todo or not sources:
        return
    ids = [r.order_id for r in todo]
    windows = {r.order_id: (r.paid_at - BEFORE_S, r.paid_at + AFTER_S) for r in todo if r.paid_at}
    found: dict[str, list[dict]] = {oid: [] for oid in ids}
    files: list[str] = []
    for src in sources:
        files += list(src.files)
        if src.fields is not None or src.format in ("jsonl", "csv"):
            for oid in ids:
                found[oid] += _mapped_hits(src, oid, deadline)
        else:
            for oid, hits in search_many(list(src.files), ids, fmt=src.format, windows=windows,
                                         deadline=deadline).items():
                found[oid] += hits
    own = journal.windows(())  # kmdiag's own requests to notify handlers are never evidence
    for r in todo:
        hits, _ = journal.drop_own(found[r.order_id], own)
        if any(h["kind"] == "truncated" and h["error"] == "time budget spent" for h in hits):
            return
        guess = cause_from_hits(hits, files)
        if guess is not None:
            r.cause, r.evidence = guess


def _mapped_hits(src: Any, oid: str, deadline: float | None) -> list[dict]:
    """A mapped source's rows about ``oid`` as log hits (kind, source, line_no, status, reason, path)."""
    from kmdiag.payment.records import field_of, from_row, zone
    from kmdiag.profile.records_schema import RecordFields

    fields = src.fields or RecordFields()
    by_field = (lambda row: field_of(fields.order_id, row)) if fields.order_id else None
    rows, errors = search_rows(list(src.files), oid, fmt=src.format, order_field=by_field, deadline=deadline)
    tz = zone(src.time_zone)
    hits: list[dict] = [{"kind": e["kind"], "source": e["source"], "error": e["error"]} for e in errors]
    for row in rows:
        if row["match"] != "order_id":
            continue
        rec = from_row(row["row"], fields, tz=tz, duration_unit=src.duration_unit, source=row["source"])
        hits.append({"kind": "callback", "format": "mapped", "source": row["source"].rsplit(":", 1)[0],
                     "line_no": row["line_no"], "status": rec.get("status"), "reason": rec.get("reason"),
                     "path": rec.get("path"), "time": rec.get("time"), "match": "order_id",
                     "user_agent": rec.get("user_agent")})
    return hits
