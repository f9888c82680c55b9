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

from kmdiag.i18n import T, same
from kmdiag.payment import journal
from kmdiag.payment.logs import search_many
from kmdiag.payment.sweep import LOST_CAUSE, OrderResult

BEFORE_S, AFTER_S = 300.0, 3 * 3600.0  # around the provider's paid time: epay retries for ≈2 h
_NOTIFY = re.compile(r"notify|callback", re.I)
_REASONS = (
    (re.compile(r"签名|sign", re.I), "payment.signature-invalid"),
    (re.compile(r"金额|amount|money", re.I), "payment.amount-mismatch"),
    (re.compile(r"过期|expired", re.I), "payment.order-expired"),
    (re.compile(r"method is not supported|not allowed", re.I), "payment.callback-url-wrong"),
)


def cause_from_hits(hits: Iterable[dict], files: list[str]) -> tuple[str | None, T] | None:
    """(cause id or None = cannot tell, evidence) from log hits; None when none of ``files`` could be read."""
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
        for rx, cause in _REASONS:
            if h.get("reason") and rx.search(h["reason"]):
                return cause, same(f"{os.path.basename(h['source'])}:{h['line_no']}: {h['reason'][:120]}")
    statuses = [h["status"] for h in notifies if h.get("status")]
    codes = ", ".join(str(s) for s in statuses[-5:]) or "?"
    where = T(zh=f"日志中有 {len(notifies)} 次回调，HTTP {codes}", en=f"{len(notifies)} callback(s) in the logs, HTTP {codes}")
    if any(s in (404, 405) for s in statuses):
        return "payment.callback-url-wrong", where
    if statuses and all(s >= 500 or s == 499 for s in statuses):
        return "payment.callback-endpoint-down", where
    # A 200 may carry "success" or "fail" (dujiaoka and acg-faka refuse with HTTP 200): the access log
    # cannot tell signature, amount or a stuck state apart. Say what is known; the diagnosis decides.
    return None, T(zh=where.zh + "：店铺收到了回调却没有推进订单，运行 kmdiag payment 订单号 查明原因",
                   en=where.en + " — the shop received callbacks and did not move the order; run `kmdiag payment ORDER_ID`")


def refine(lost: list[OrderResult], files: list[str], fmt: str = "auto", deadline: float | None = None) -> None:
    """Set ``cause`` and ``evidence`` of each lost order from ``files`` (in place; one pass per file).

    Orders whose cause the shop's own record already decided (``payment.order-expired``) keep it;
    if ``deadline`` (monotonic) passes mid-search, every order keeps the sweep's first guess.
    """
    todo = [r for r in lost if r.cause == LOST_CAUSE]
    if not todo:
        return
    windows = {r.order_id: (r.paid_at - BEFORE_S, r.paid_at + AFTER_S) for r in todo if r.paid_at}
    found = search_many(files, [r.order_id for r in todo], fmt=fmt, windows=windows, deadline=deadline)
    own = journal.windows(())  # kmdiag's own requests to notify handlers are never evidence
    for r in todo:
        hits, _ = journal.drop_own(found[r.order_id], own)
        if any(h["kind"] == "truncated" and h["error"] == "time budget spent" for h in hits):
            return
        guess = cause_from_hits(hits, files)
        if guess is not None:
            r.cause, r.evidence = guess
